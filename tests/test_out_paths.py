"""Paths a command will write (or read) are checked before it changes anything: a bad `--out`,
`--body-out` or `--export` is one usage line naming the path, exit 1, with the repository, the
local folders and AWS as they were (no AWS call at all, counted)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers_repo import git
from support import cli, objects, put, run
from vectora_gitops.aws.client import counting
from vectora_gitops.commands.common import PathUse, check_path
from vectora_gitops.errors import UsageError

CONFIG = "vectora-inbox-config-dev"
PROMPT = "canonical/prompts/matching/lai_matching.yaml"


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file and folder under `root` with its bytes (None for folders)."""
    return {p.relative_to(root).as_posix(): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*")) if ".git" not in p.parts}


@pytest.fixture
def places(tmp_path: Path) -> Path:
    """A folder holding a file, a non-empty folder and an empty one."""
    root = tmp_path / "places"
    (root / "full").mkdir(parents=True)
    (root / "full" / "keep.txt").write_text("kept\n")
    (root / "empty").mkdir()
    (root / "a-file").write_text("a file\n")
    return root


# (use, relative path under `places`, what the one line says)
BAD: list[tuple[PathUse, str, str]] = [
    ("file", "no-such-dir/out.txt", "no-such-dir does not exist; create the folder first"),
    ("file", "a-file/out.txt", "a-file is not a folder"),
    ("file", "full", "is a directory; give a file name"),
    ("folder", "no-such-dir/reports", "no-such-dir does not exist; create the folder first"),
    ("folder", "a-file", "is a file; give a folder name"),
    ("new folder", "no-such-dir/snap", "no-such-dir does not exist; create the folder first"),
    ("new folder", "a-file", "is a file; give a folder name"),
    ("new folder", "full", "not empty; give a new or empty folder"),
    ("existing folder", "no-such-dir", "does not exist; give an existing folder"),
    ("existing folder", "a-file", "is not a folder; give an existing folder"),
]
GOOD: list[tuple[PathUse, str]] = [
    ("file", "out.txt"), ("file", "a-file"), ("file", "full/new.txt"),
    ("folder", "full"), ("folder", "new"), ("new folder", "empty"), ("new folder", "new"),
    ("existing folder", "full"), ("existing folder", "empty"),
]


@pytest.mark.parametrize(("use", "rel", "message"), BAD)
def test_check_path_refuses(places: Path, use: PathUse, rel: str, message: str,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(places)
    before = tree(places)
    with pytest.raises(UsageError) as caught:
        check_path("--out", Path(rel), use)
    assert str(caught.value).startswith(f"--out {rel}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value) and tree(places) == before


@pytest.mark.parametrize(("use", "rel"), GOOD)
def test_check_path_accepts(places: Path, use: PathUse, rel: str) -> None:
    before = tree(places)
    check_path("--out", places / rel, use)
    check_path("--out", None, use)
    assert tree(places) == before  # a check, never a write


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_path_refuses_a_read_only_folder(places: Path) -> None:
    (places / "empty").chmod(0o500)
    try:
        with pytest.raises(UsageError, match="not writable; check its permissions"):
            check_path("--out", places / "empty" / "out.txt", "file")
    finally:
        (places / "empty").chmod(0o700)


def refused(capsys: pytest.CaptureFixture[str], repo: Path, *argv: str) -> str:
    """Run the CLI; it must exit 1 with one line and make no AWS call. Returns the line."""
    with counting() as counted:
        code, out, err = run(capsys, repo, *argv)
    assert (code, out) == (1, ""), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert counted.total == 0, counted.requests
    return err


# ---- every command with such an option ------------------------------------------------------

def test_plan_out(seeded: Path, places: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(places)
    for rel, message in (("no-such-dir/plan.json", "does not exist"), ("full", "is a directory")):
        err = refused(capsys, seeded, "plan", "--env", "dev", "--out", str(places / rel))
        assert err.startswith(f"--out {places / rel}: ") and message in err
    assert tree(places) == before


def test_drift_out_and_heal(seeded: Path, places: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    put(CONFIG, PROMPT, b"edited: in the console\n")  # drift that --heal would repair in dev
    before = tree(places)
    for output, rel, message in (("json", "no-such-dir/drift.json", "does not exist"),
                                 ("text", "full", "is a directory"),
                                 ("markdown", "no-such-dir/issues", "does not exist"),
                                 ("markdown", "a-file", "is a file")):
        err = refused(capsys, seeded, "drift", "--env", "dev", "--heal", "--output", output,
                      "--out", str(places / rel))
        assert f"--out {places / rel}: " in err and message in err
    assert tree(places) == before
    assert objects(CONFIG, PROMPT) == {PROMPT: b"edited: in the console\n"}  # not healed


def test_status_out(moto: object, repo: Path, places: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(places)
    for rel, message in (("no-such-dir/status.html", "does not exist"),
                         ("a-file/status.html", "is not a folder"), ("full", "is a directory")):
        err = refused(capsys, repo, "status", "--output", "html", "--out", str(places / rel))
        assert f"--out {places / rel}: " in err and message in err
    assert tree(places) == before


@pytest.mark.usefixtures("moto")
@pytest.mark.parametrize("commit", [False, True])
def test_promote_body_out_leaves_pins_alone(capsys: pytest.CaptureFixture[str], repo: Path,
                                            places: Path, commit: bool) -> None:
    pins = repo / "environments/prod/pins.yaml"
    before, files, branches = pins.read_bytes(), tree(repo), git(repo, "branch")
    body = places / "no-such-dir" / "body.md"
    err = refused(capsys, repo, "promote", "--from", "stage", "--to", "prod",
                  *(["--commit"] if commit else []), "--body-out", str(body))
    assert err.startswith(f"--body-out {body}: ") and "does not exist" in err
    assert pins.read_bytes() == before and tree(repo) == files
    assert git(repo, "branch") == branches
    assert git(repo, "status", "--porcelain") == ""


def test_snapshot_create_export_writes_no_snapshot(seeded: Path, places: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(places)
    for rel, message in (("no-such-dir/snap", "does not exist"), ("full", "not empty"),
                         ("a-file", "is a file")):
        err = refused(capsys, seeded, "snapshot", "create", "--env", "dev", "--name", "kept",
                      "--export", str(places / rel))
        assert err.startswith(f"--export {places / rel}: ") and message in err
    assert tree(places) == before
    assert objects(CONFIG, "backups/") == {}
    code, out, err = run(capsys, seeded, "snapshot", "create", "--env", "dev", "--name", "kept",
                         "--export", str(places / "empty"))
    assert code == 0 and "exported snapshot kept" in out, err  # the retry is not refused


def test_snapshot_restore_export_is_read_first(seeded: Path, places: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    before = tree(places)
    for rel, message in (("no-such-dir", "does not exist"), ("a-file", "is not a folder")):
        err = refused(capsys, seeded, "snapshot", "restore", "--env", "dev", "--yes",
                      "--export", str(places / rel))
        assert err.startswith(f"--export {places / rel}: ") and message in err
    assert tree(places) == before
