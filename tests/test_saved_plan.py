"""Saved plans (issue 13, finding 10): a plan made on a dirty tree says so in its JSON and header;
`apply --plan` recomputes the plan and refuses a saved one whose changes or pins differ, also
when only the environment file changed in a later commit. Real git repositories and the moto
server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crash_runner import WRITES
from helpers_repo import edit, git
from support import configs, run, run_records
from vectora_gitops.aws.client import counting

ENV_FILE = "environments/dev/environment.yaml"


def save(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
         *extra: str) -> tuple[Path, str]:
    path = tmp_path / "dev-plan.json"
    code, out, err = run(capsys, repo, "plan", "--env", "dev", "--out", str(path), *extra)
    assert code == 2, err
    return path, out


def refused(repo: Path, capsys: pytest.CaptureFixture[str], path: Path) -> str:
    """`apply --plan`: exit 1, one line, nothing written."""
    with counting() as counted:
        code, out, err = run(capsys, repo, "apply", "--env", "dev", "--plan", str(path), "--yes")
    assert code == 1 and out == "", out
    lines = [line for line in err.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, err
    assert not any(op.startswith(WRITES) for op in counted.requests), counted.requests
    return lines[0]


def applied(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0


def test_a_plan_made_on_a_dirty_tree_says_so(seeded: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    applied(seeded, capsys)
    edit(seeded, ENV_FILE, 'LOG_LEVEL: "', 'LOG_LEVEL: "X')
    head = git(seeded, "rev-parse", "HEAD").strip()
    path, out = save(seeded, tmp_path, capsys)
    data: dict[str, Any] = json.loads(path.read_text())
    assert (data["dirty"], data["commit"]) == (True, f"{head}-dirty")
    assert out.splitlines()[:2] == [
        f"Plan for dev at {head[:12]}-dirty (canonical 2.1.0)",
        "dirty: made from a working tree with uncommitted changes (not what git holds)"]
    code, out, _ = run(capsys, seeded, "plan", "--env", "dev", "--output", "markdown")
    assert code == 2
    assert f"`{head[:12]}-dirty`" in out
    assert "> ⚠️ dirty: made from a working tree with uncommitted changes" in out
    git(seeded, "commit", "-qam", "log level")
    path, out = save(seeded, tmp_path, capsys)
    assert json.loads(path.read_text())["dirty"] is False and "dirty" not in out


def test_a_dirty_plan_applies_once_the_same_change_is_committed(
        seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    applied(seeded, capsys)
    edit(seeded, ENV_FILE, 'LOG_LEVEL: "', 'LOG_LEVEL: "X')
    path, _ = save(seeded, tmp_path, capsys)
    git(seeded, "commit", "-qam", "log level")
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--plan", str(path), "--yes")
    assert (code, err) == (0, "")
    record = run_records("vectora-inbox-data-dev")[-1]
    assert record["commit"] == git(seeded, "rev-parse", "HEAD").strip()  # what ran: committed
    assert "dirty" not in record
    assert configs()["ingest"][1]["LOG_LEVEL"].startswith("X")


def test_a_plan_saved_before_a_commit_of_the_environment_file_is_stale(
        seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    applied(seeded, capsys)
    edit(seeded, ENV_FILE, 'LOG_LEVEL: "', 'LOG_LEVEL: "X')
    git(seeded, "commit", "-qam", "log level X")
    path, _ = save(seeded, tmp_path, capsys)
    saved_at = git(seeded, "rev-parse", "HEAD").strip()
    edit(seeded, ENV_FILE, 'LOG_LEVEL: "X', 'LOG_LEVEL: "Y')
    git(seeded, "commit", "-qam", "log level Y")
    now = git(seeded, "rev-parse", "HEAD").strip()
    before = configs()
    assert refused(seeded, capsys, path) == (
        f"the plan was made from commit {saved_at[:12]}; the checkout is now {now[:12]} with "
        "other content; make a new plan")
    assert configs() == before


def test_a_dirty_plan_is_stale_once_a_different_change_is_committed(
        seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    applied(seeded, capsys)
    edit(seeded, ENV_FILE, 'LOG_LEVEL: "', 'LOG_LEVEL: "X')
    path, _ = save(seeded, tmp_path, capsys)
    head = git(seeded, "rev-parse", "HEAD").strip()
    edit(seeded, ENV_FILE, 'LOG_LEVEL: "X', 'LOG_LEVEL: "Y')
    git(seeded, "commit", "-qam", "log level Y")
    assert refused(seeded, capsys, path).startswith(
        f"the plan was made from commit {head[:12]}-dirty; the checkout is now ")


@pytest.mark.parametrize("forge", ["drop a change", "other pins"])
def test_a_saved_plan_must_equal_the_plan_recomputed_now(
        forge: str, seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    applied(seeded, capsys)
    edit(seeded, ENV_FILE, 'LOG_LEVEL: "', 'LOG_LEVEL: "X')
    edit(seeded, "canonical/2.1.0/imports/glossary.md", "#", "# v2\n#")
    git(seeded, "commit", "-qam", "two changes")
    path, _ = save(seeded, tmp_path, capsys)
    data = json.loads(path.read_text())
    assert len(data["changes"]) == 2
    if forge == "drop a change":
        data["changes"] = data["changes"][1:]
    else:
        data["pins"]["canonical"] = "2.0.0"
    path.write_text(json.dumps(data))
    head = git(seeded, "rev-parse", "HEAD").strip()
    assert refused(seeded, capsys, path) == (
        f"the plan made from commit {head[:12]} is not the plan of the checkout now "
        f"({head[:12]}): its changes or pins differ; make a new plan")
