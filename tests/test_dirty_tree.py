"""A laptop cannot do what CI must not (issue 13, finding 10): uncommitted changes reach stage and
prod only with `--allow-dirty --reason` (kept in the record, shown by history and status), dev
warns; released versions edited in the working tree are refused by plain validate, plan and
apply; `-dirty` marks survive in history. Real git repositories and the moto server."""

from __future__ import annotations

from pathlib import Path

import pytest

from crash_runner import WRITES
from helpers_repo import edit, git
from support import objects, run, run_records
from vectora_gitops.aws.client import counting

STAGE_DATA = "vectora-inbox-data-stage"
RELEASED_CLIENT = "clients/lai_weekly/7.1.0.yaml"  # pinned by stage
RELEASED_FILE = "canonical/2.1.0/imports/glossary.md"  # pinned by dev and stage
REASON = "hotfix of the stage scoring rules, reviewed in PR 42"


def dirty_outside_content(repo: Path) -> str:
    """A tracked file outside the content folders, committed, then changed."""
    (repo / "NOTES.md").write_text("notes\n")
    git(repo, "add", "NOTES.md")
    git(repo, "commit", "-qm", "notes")
    (repo / "NOTES.md").write_text("notes, edited\n")
    return "NOTES.md"


def untracked_in_clients(repo: Path) -> str:
    (repo / "clients/lai_weekly/scratch.txt").write_text("not committed\n")
    return "clients/lai_weekly/scratch.txt"


def log_level(repo: Path, env: str) -> str:
    """A tracked file of the content changed (a function variable: not a released version)."""
    edit(repo, f"environments/{env}/environment.yaml", 'LOG_LEVEL: "', 'LOG_LEVEL: "X')
    return f"environments/{env}/environment.yaml"


@pytest.mark.parametrize("env", ["stage", "prod"])
@pytest.mark.parametrize("dirt", [dirty_outside_content, untracked_in_clients, log_level])
def test_stage_and_prod_refuse_a_dirty_tree(env: str, dirt: object, seeded: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert callable(dirt)
    path = dirt(seeded) if dirt is not log_level else log_level(seeded, env)
    with counting() as counted:
        code, out, err = run(capsys, seeded, "apply", "--env", env, "--yes")
    assert code == 1 and out == ""
    assert err == (f"{env}: the working tree has uncommitted changes ({path}); {env} receives "
                   "only what git holds: commit or stash them, or pass --allow-dirty --reason "
                   "TEXT (kept in the deployment record)\n")
    assert counted.requests == {}  # refused before AWS is read, let alone written
    assert objects(f"vectora-inbox-data-{env}", "deployments/") == {}


def test_dev_warns_and_applies_and_history_keeps_the_mark(seeded: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = log_level(seeded, "dev")
    code, out, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 0, err
    assert err == (f"warning: dev: applying a working tree with uncommitted changes ({path}); "
                   "the record's commit is marked -dirty\n")
    [record] = run_records("vectora-inbox-data-dev")
    head = git(seeded, "rev-parse", "HEAD").strip()
    assert record["commit"] == f"{head}-dirty"
    assert record["dirty"] == "uncommitted changes in the working tree"
    assert "allow_dirty_reason" not in record
    code, out, _ = run(capsys, seeded, "history", "--env", "dev")
    assert code == 0
    assert f"{head[:12]}-dirty" in out
    assert f"{record['id']}: applied from a dirty working tree ({head[:12]}-dirty, by pytest)" \
        in out


def test_allow_dirty_with_a_reason_is_recorded_and_shown(seeded: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    log_level(seeded, "stage")
    code, out, err = run(capsys, seeded, "apply", "--env", "stage", "--yes", "--allow-dirty",
                         "--reason", REASON)
    assert code == 0, err
    [record] = run_records(STAGE_DATA)
    head = git(seeded, "rev-parse", "HEAD").strip()
    assert (record["commit"], record["allow_dirty_reason"]) == (f"{head}-dirty", REASON)
    assert "override_window_reason" not in record
    assert f"stage: uncommitted changes applied; reason recorded in record {record['id']}: " \
           f"{REASON}" in out
    line = f"{record['id']}: applied from a dirty working tree ({head[:12]}-dirty, by pytest): " \
           f"{REASON}"
    code, out, _ = run(capsys, seeded, "history", "--env", "stage")
    assert code == 0 and line in out and f"{head[:12]}-dirty" in out
    code, out, _ = run(capsys, seeded, "status")
    assert f"stage: last run {line}" in " ".join(out.split())
    code, out, _ = run(capsys, seeded, "status", "--output", "markdown")
    assert "stage: last run" in out and "hotfix of the stage scoring rules" in out


def test_a_clean_tree_records_no_dirty_mark(seeded: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, seeded, "apply", "--env", "stage", "--yes", "--allow-dirty",
                       "--reason", REASON)
    assert (code, err) == (0, "")
    [record] = run_records(STAGE_DATA)
    assert not record["commit"].endswith("-dirty")
    assert "dirty" not in record and "allow_dirty_reason" not in record
    assert "dirty" not in run(capsys, seeded, "history", "--env", "stage")[1]


@pytest.mark.parametrize(("args", "message"), [
    (["--allow-dirty"], "--allow-dirty needs --reason TEXT saying why uncommitted changes are "
                        "applied (kept in the deployment record)"),
    (["--allow-dirty", "--reason", "short"], "--reason: one line of 10 to 300 printable "
                                             "characters saying why a working tree with "
                                             "uncommitted changes is applied"),
    (["--reason", REASON], "--reason goes with --override-window, --allow-replace, "
                          "--allow-dirty or --ignore-alarm"),
])
def test_allow_dirty_needs_a_real_reason(args: list[str], message: str, seeded: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    log_level(seeded, "stage")
    with counting() as counted:
        code, _, err = run(capsys, seeded, "apply", "--env", "stage", "--yes", *args)
    assert (code, err) == (1, message + "\n")
    assert counted.requests == {}


# --- released versions are immutable in the working tree too -------------------------------------

EDITS = [
    (RELEASED_CLIENT, "max_items_total: 18", "max_items_total: 19", "7.1.0"),
    (RELEASED_FILE, "#", "# edited\n#", "2.1.0"),
]


@pytest.mark.parametrize(("rel", "old", "new", "version"), EDITS)
@pytest.mark.parametrize("command", [["validate"], ["plan", "--env", "dev"],
                                     ["apply", "--env", "dev", "--yes"]])
def test_an_edited_release_is_refused_without_base(rel: str, old: str, new: str, version: str,
                                                   command: list[str], seeded: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    edit(seeded, rel, old, new)
    with counting() as counted:
        code, _, err = run(capsys, seeded, *command)
    assert code == 1
    problem = (f"{rel}: released version {version} is immutable and this file differs from HEAD "
               f"(an uncommitted edit); revert it (`git checkout -- {rel}`) and make a new "
               "version with `vectora-gitops new-version`")
    assert [line for line in err.splitlines() if "immutable" in line] == [problem]
    assert not any(op.startswith(WRITES) for op in counted.requests), counted.requests
    assert objects("vectora-inbox-config-dev") == {}


def test_a_new_file_in_a_released_bundle_is_refused(seeded: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (seeded / "canonical/2.1.0/imports/extra.md").write_text("# new\n")
    code, _, err = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 1
    assert ("canonical/2.1.0/imports/extra.md: released bundle 2.1.0 is immutable: this file is "
            "not in HEAD (uncommitted); remove it and make a new version with `vectora-gitops "
            "new-version`") in err


def test_prereleases_may_be_edited_and_commits_are_judged_by_base(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(seeded, "clients/lai_weekly/7.2.0-dev.1.yaml", "min_domain_score: 0.30",
         "min_domain_score: 0.35")
    assert run(capsys, seeded, "validate")[0] == 0
    # committed, the edit of a release is no longer the working tree's: `validate --base` judges it
    edit(seeded, RELEASED_CLIENT, "max_items_total: 18", "max_items_total: 19")
    git(seeded, "commit", "-qam", "edit a release")
    assert run(capsys, seeded, "validate")[0] == 0
    code, _, err = run(capsys, seeded, "validate", "--base", "HEAD~1")
    assert code == 1
    assert err.count(f"{RELEASED_CLIENT}: released version 7.1.0 is immutable; revert") == 1


def test_a_released_layer_keeps_its_content(seeded: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    pins = "environments/dev/pins.yaml"
    old = "575fed2b486af62db356ac9db5739bd2b786e754adacfc82ecf9cb765206c678"  # vectora-core 1.4.1
    edit(seeded, pins, old, "f" * 64)
    for command in (["validate"], ["plan", "--env", "dev"]):
        code, _, err = run(capsys, seeded, *command)
        assert code == 1
        assert (f"{pins}: layers.vectora-core: released version 1.4.1 is immutable: HEAD (an "
                f"uncommitted edit) pins sha256 {old[:12]}, not ffffffffffff; revert it and pin "
                "a new version of the layer for new content") in err.splitlines()
    git(seeded, "commit", "-qam", "new content under 1.4.1")
    code, _, err = run(capsys, seeded, "validate", "--base", "HEAD~1")
    assert code == 1
    assert f"{pins}: layers.vectora-core: released version 1.4.1 is immutable: the base pins " \
        f"sha256 {old[:12]}, not ffffffffffff" in err
