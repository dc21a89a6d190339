"""Snapshots against the moto server: create, list, export, restore (from S3 versions and from an
export folder), the refusal without a terminal, and the restore record drift reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_repo import git
from support import CONFIG, bad_apply, cli, configs, managed, objects, put, run, run_records


@pytest.fixture
def applied(seeded: Path) -> Path:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    return seeded


def test_restore_from_versions_is_byte_identical(applied: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, applied, "snapshot", "create", "--env", "dev", "--name", "good")[0] == 0
    before, functions = managed(), configs()
    bad_apply(applied)
    assert managed() != before
    code, out, _ = run(capsys, applied, "snapshot", "list", "--env", "dev")
    assert code == 0 and "good" in out.split()
    code, out, _ = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "good",
                       "--yes")
    assert code == 0, out
    assert "restore canonical/imports/glossary.md" in out
    assert "delete canonical/imports/new.md" in out and "git is now behind" in out
    assert managed() == before and configs() == functions
    records = run_records("vectora-inbox-data-dev")
    restore = next(r for r in records if r["kind"] == "restore")
    assert restore["result"] == "succeeded" and "pre-restore" in restore["snapshot"]
    code, out, _ = run(capsys, applied, "drift", "--env", "dev")
    assert code == 2 and "restored from snapshot good" in out and "import --env dev" in out
    assert f"revert the commits after {restore['restored_to_commit']}" in out
    assert run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name",
               restore["snapshot"], "--yes")[0] == 0  # the restore itself can be undone
    assert objects(CONFIG, "canonical/imports/glossary.md") == {
        "canonical/imports/glossary.md": b"# broken glossary\n"}


def test_restore_from_an_export(applied: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "export"
    code, out, _ = run(capsys, applied, "snapshot", "create", "--env", "dev", "--name", "x",
                       "--export", str(folder))
    assert code == 0 and "exported snapshot x (20 object(s))" in out
    assert (folder / "objects/clients/lai_weekly.yaml").read_bytes() == \
        objects(CONFIG, "clients/")["clients/lai_weekly.yaml"]
    before, functions = managed(), configs()
    bad_apply(applied)
    assert run(capsys, applied, "snapshot", "restore", "--env", "dev", "--export", str(folder),
               "--yes")[0] == 0
    assert managed() == before and configs() == functions
    code, out, _ = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--export",
                       str(folder), "--yes")
    assert code == 0 and "nothing to restore" in out


def test_restore_refuses_without_terminal_or_yes(applied: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "s") == 0
    put(CONFIG, "canonical/imports/new.md", b"x\n")
    code, out, err = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "s")
    assert code == 1 and "--yes" in err and "delete canonical/imports/new.md" in out
    assert "canonical/imports/new.md" in objects(CONFIG, "canonical/imports/")
    code, _, err = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "nope",
                       "--yes")
    assert code == 1 and "no snapshot named 'nope'" in err
    code, _, err = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--yes")
    assert code == 1 and "--name NAME or --export DIR" in err


def test_retention_keeps_the_newest_snapshots(seeded: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    env_file = seeded / "environments/dev/environment.yaml"
    env_file.write_text(env_file.read_text().replace("retention: 10", "retention: 2"))
    for i in range(4):
        (seeded / "canonical/2.1.0/imports/glossary.md").write_text(f"# glossary {i}\n")
        git(seeded, "commit", "-qam", f"glossary {i}")
        assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    code, out, _ = run(capsys, seeded, "snapshot", "list", "--env", "dev")
    records = sorted(r["snapshot"] for r in run_records("vectora-inbox-data-dev"))
    listed = [name for name in records if name in out]
    assert code == 0 and listed == records[-2:]
