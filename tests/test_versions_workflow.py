"""`new-version` then `release`, for a client and for the bundle; validate passes after each step."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_repo import git
from support import run
from vectora_gitops.adopt.canonical import next_version
from vectora_gitops.promotion.newversion import next_prerelease
from vectora_gitops.promotion.release import add_changelog


@pytest.mark.parametrize(("existing", "bump", "expected"), [
    (["7.0.0", "7.1.0"], "minor", ("7.2.0-dev.1", "7.1.0")),
    (["7.0.0", "7.1.0", "7.2.0-dev.1"], "minor", ("7.2.0-dev.2", "7.2.0-dev.1")),
    (["7.1.0", "7.2.0-dev.1"], "patch", ("7.1.1-dev.1", "7.1.0")),
    (["7.1.0"], "major", ("8.0.0-dev.1", "7.1.0")),
    (["1.0.0", "1.1.0-dev.9", "1.1.0-dev.10"], "minor", ("1.1.0-dev.11", "1.1.0-dev.10")),
    (["1.0.0", "1.1.0-rc.1"], "minor", ("1.1.0-dev.1", "1.0.0")),  # only dev.N counts
    (["1.0.0", "1.1.0-dev.2", "1.1.0-rc.5"], "minor", ("1.1.0-dev.3", "1.1.0-dev.2")),
    (["1.0.0", "1.0.1-dev.4", "2.0.0-dev.1"], "patch", ("1.0.1-dev.5", "1.0.1-dev.4")),
    (["0.9.0", "1.0.0-dev.1"], "major", ("1.0.0-dev.2", "1.0.0-dev.1")),
])
def test_next_prerelease(existing: list[str], bump: str, expected: tuple[str, str]) -> None:
    assert next_prerelease(existing, bump) == expected


@pytest.mark.parametrize(("existing", "expected"), [
    ([], "1.0.0"), (["2.1.0", "2.0.0"], "2.2.0"), (["2.1.3"], "2.2.0"),
    (["2.1.0", "2.2.0-dev.1"], "2.3.0"), (["not-a-version", "1.9.0"], "1.10.0"),
])
def test_adopted_bundle_takes_the_next_minor(existing: list[str], expected: str) -> None:
    assert next_version(existing) == expected


def test_changelog_entry_goes_first() -> None:
    text = ("metadata:\n  changelog:\n    # newest first\n    - version: 1.1.0-dev.1\n"
            "      changes:\n        - 'x: y'\n    - version: 1.0.0\n      changes: [a]\n")
    out = add_changelog(text, "1.1.0", "1.1.0-dev.1", "2026-01-02", display="c.yaml") or ""
    assert out.splitlines()[3:8] == ["    - version: 1.1.0", '      date: "2026-01-02"',
                                     "      changes:", '        - "x: y"',
                                     "        - Released from 1.1.0-dev.1."]
    assert out.endswith(text.split("# newest first\n")[1])


def ok(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> str:
    code, out, err = run(capsys, repo, *args)
    assert code == 0, err
    return out


def test_client_new_version_then_release(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    out = ok(capsys, repo, "new-version", "client", "lai_weekly", "--minor", "--force-new")
    assert "created client lai_weekly 7.2.0-dev.2 (copied from 7.2.0-dev.1)" in out
    assert "release client lai_weekly 7.2.0-dev.2" in out
    new = repo / "clients/lai_weekly/7.2.0-dev.2.yaml"
    assert "  version: 7.2.0-dev.2\n" in new.read_text(encoding="utf-8")
    assert "lai_weekly: 7.2.0-dev.2" in (repo / "environments/dev/pins.yaml").read_text("utf-8")
    ok(capsys, repo, "validate")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start 7.2.0-dev.2")
    out = ok(capsys, repo, "release", "client", "lai_weekly", "7.2.0-dev.2")
    assert "re-pinned dev: 7.2.0-dev.2 -> 7.2.0" in out
    assert not new.exists()
    released = (repo / "clients/lai_weekly/7.2.0.yaml").read_text(encoding="utf-8")
    assert "  version: 7.2.0\n" in released and "    - version: 7.2.0\n" in released
    assert "Released from 7.2.0-dev.2." in released
    assert "RM clients/lai_weekly/7.2.0-dev.2.yaml -> clients/lai_weekly/7.2.0.yaml" in \
        git(repo, "status", "--porcelain")  # git mv: history follows the file
    assert "lai_weekly: 7.2.0\n" in (repo / "environments/dev/pins.yaml").read_text("utf-8")
    ok(capsys, repo, "validate")
    ok(capsys, repo, "validate", "--base", "HEAD")


def test_canonical_new_version_then_release(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    ok(capsys, repo, "new-version", "canonical", "--patch")
    assert (repo / "canonical/2.1.1-dev.1/README.md").read_text("utf-8").startswith(
        "# Canonical bundle 2.1.1-dev.1")
    assert "canonical: 2.1.1-dev.1" in (repo / "environments/dev/pins.yaml").read_text("utf-8")
    ok(capsys, repo, "validate")
    out = ok(capsys, repo, "release", "canonical", "2.1.1-dev.1", "--as", "2.2.0")
    assert "re-pinned dev" in out and (repo / "canonical/2.2.0/scopes").is_dir()
    assert not (repo / "canonical/2.1.1-dev.1").exists()
    ok(capsys, repo, "validate")


@pytest.mark.parametrize(("args", "message"), [
    (("release", "client", "lai_weekly", "7.1.0"), "7.1.0 is not a prerelease"),
    (("release", "client", "lai_weekly", "7.9.0-dev.1"), "no version 7.9.0-dev.1"),
    (("release", "client", "lai_weekly", "7.2.0-dev.1", "--as", "7.1.0"), "release 7.1.0 already"),
    (("release", "client", "lai_weekly", "7.2.0-dev.1", "--as", "6.0.0"), "lower than the latest"),
    (("release", "canonical", "lai_weekly", "2.1.0"), "usage: release canonical"),
    (("new-version", "client", "nobody"), "no client 'nobody'"),
    (("new-version", "client"), "needs a client id"),
])
def test_refusals_change_nothing(capsys: pytest.CaptureFixture[str], repo: Path,
                                 args: tuple[str, ...], message: str) -> None:
    code, _, err = run(capsys, repo, *args)
    assert code == 1 and len(err.strip().splitlines()) == 1 and message in err, err
    assert git(repo, "status", "--porcelain") == ""


def test_one_prerelease_per_line(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    """7.2.0-dev.1 exists and is not released: a second prerelease of 7.2.0 is refused, saying
    where the first is and which environments pin it; --force-new starts it anyway."""
    code, out, err = run(capsys, repo, "new-version", "client", "lai_weekly", "--minor")
    assert (code, out) == (1, "")
    assert err.strip() == (
        "client lai_weekly: 7.2.0-dev.1 is started and not released "
        "(clients/lai_weekly/7.2.0-dev.1.yaml, pinned in dev); edit it there, or release it "
        "(`vectora-gitops release client lai_weekly 7.2.0-dev.1`), or pass --force-new to start "
        "7.2.0-dev.2 as a copy of it")
    assert git(repo, "status", "--porcelain") == ""
    ok(capsys, repo, "new-version", "canonical", "--minor")  # another line: free
    code, _, err = run(capsys, repo, "new-version", "canonical", "--minor")
    assert code == 1 and "canonical: 2.2.0-dev.1 is started and not released (canonical/" \
        "2.2.0-dev.1/, pinned in dev)" in err
    out = ok(capsys, repo, "new-version", "canonical", "--minor", "--force-new")
    assert "created canonical 2.2.0-dev.2 (copied from 2.2.0-dev.1)" in out


def test_release_says_what_to_apply_and_the_next_command(capsys: pytest.CaptureFixture[str],
                                                         repo: Path) -> None:
    out = ok(capsys, repo, "release", "client", "lai_weekly", "7.2.0-dev.1")
    assert out.splitlines()[-4:] == [
        "re-pinned dev: 7.2.0-dev.1 -> 7.2.0",
        "dev must be applied again: the release changed the bytes (its version field and "
        "changelog), so what dev ran before is not this release, and the 2-day soak stage asks "
        "for starts at that apply",
        "released versions are immutable: commit, open a pull request and merge it; the "
        "reconcile workflow applies dev",
        "next, once dev is applied and has soaked: vectora-gitops promote --from dev --to stage "
        "--only clients/lai_weekly"]
    ok(capsys, repo, "new-version", "canonical", "--patch")
    out = ok(capsys, repo, "release", "canonical", "2.1.1-dev.1")
    assert out.splitlines()[-1] == ("next, once dev is applied and has soaked: vectora-gitops "
                                    "promote --from dev --to stage --only canonical")
