"""`promote`: minimal pin edits (tables), the PR body, --commit idempotence, refusals."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers_repo import edit, git
from support import run
from vectora_gitops.desired.yamledit import ScalarEdit, apply_edits, is_plain_safe
from vectora_gitops.errors import FatalError
from vectora_gitops.model import LayerPin, Pins
from vectora_gitops.promotion import pins
from vectora_gitops.promotion.body import Body, render
from vectora_gitops.promotion.gates import GateResult

PINS = """\
# header comment
canonical: 2.0.0   # bundle
clients:
  # the weekly one
  lai_weekly: 7.0.0
layers:
  core:
    version: 1.0.0
    sha256: "aa"
"""


@pytest.mark.parametrize(("edits", "expected_changed"), [
    ([ScalarEdit(("canonical",), "2.1.0")], {"canonical: 2.1.0   # bundle"}),
    ([ScalarEdit(("clients", "lai_weekly"), "7.1.0")], {"  lai_weekly: 7.1.0"}),
    ([ScalarEdit(("layers", "core", "sha256"), "bb")], {'    sha256: "bb"'}),
    ([ScalarEdit(("clients", "new_one"), "1.0.0")], {"  new_one: 1.0.0"}),
    ([ScalarEdit(("layers", "extra", "version"), "2.0.0")], {"  extra:", "    version: 2.0.0"}),
])
def test_minimal_edit(edits: list[ScalarEdit], expected_changed: set[str]) -> None:
    after = apply_edits(PINS, edits, display="pins.yaml").splitlines()
    before = PINS.splitlines()
    assert set(after) - set(before) == expected_changed
    assert [line for line in after if line in before] == [
        line for line in before if line in after]  # order and comments kept


@pytest.mark.parametrize(("value", "plain"), [
    ("7.1.0", True), ("2.1.0-dev.1", True), ("s3://b/k.zip", True), ("1.10", False),
    ("no", False), ("123", False), ("a: b", False), ("", False),
])
def test_plain_scalars(value: str, plain: bool) -> None:
    assert is_plain_safe(value) is plain


def layer(version: str) -> LayerPin:
    sha = hashlib.sha256(version.encode()).hexdigest()
    return LayerPin(version, sha, f"s3://vectora-inbox-lambda-code-dev/layers/core-{version}.zip")


SRC = Pins("2.1.0", {"aa": "1.1.0", "bb": "1.0.0"}, {"core": layer("1.1.0")})
DST = Pins("2.0.0", {"aa": "1.0.0"}, {"core": layer("1.1.0")})


@pytest.mark.parametrize(("only", "expected"), [
    ((), [("canonical", "2.0.0", "2.1.0"), ("clients/aa", "1.0.0", "1.1.0"),
          ("clients/bb", None, "1.0.0")]),
    (("clients/bb",), [("clients/bb", None, "1.0.0")]),
    (("layers/core",), []),
])
def test_changes(only: tuple[str, ...], expected: list[tuple[str, str | None, str]]) -> None:
    assert [(c.selector, c.old, c.new) for c in pins.changes(SRC, DST, only)] == expected


def test_rules() -> None:
    found = pins.changes(DST, SRC)
    with pytest.raises(FatalError, match="downgrade"):
        pins.check_downgrade(found, allow=False, reason=None)
    with pytest.raises(FatalError, match="--reason"):
        pins.check_downgrade(found, allow=True, reason="")
    pins.check_downgrade(found, allow=True, reason="bad release")
    assert pins.branch_name("stage", pins.changes(SRC, DST)) == \
        "promote/stage/canonical-2.1.0_aa-1.1.0_bb-1.0.0"
    assert len(pins.branch_name("prod", [pins.PinChange("clients/x", None, "1" * 300, "", ())])) < 140


# ---- the command ------------------------------------------------------------------------------

def release_dev(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    """dev pins the release 7.2.0 instead of its prerelease (committed)."""
    code, _, err = run(capsys, repo, "release", "client", "lai_weekly", "7.2.0-dev.1")
    assert code == 0, err
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release lai_weekly 7.2.0")


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes()
            for p in sorted(repo.rglob("*")) if p.is_file() and ".git" not in p.parts}


@pytest.mark.usefixtures("moto")
def test_promote_dev_to_stage_changes_only_the_pin(capsys: pytest.CaptureFixture[str], repo: Path,
                                                   tmp_path: Path) -> None:
    release_dev(capsys, repo)
    body_file = tmp_path / "body.md"
    code, _, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage",
                       "--body-out", str(body_file))
    assert code == 0, err
    diff = git(repo, "diff", "-U0", "--", "environments").splitlines()
    assert [d for d in diff if d[:1] in "+-" and d[:3] not in ("+++", "---")] == \
        ["-  lai_weekly: 7.1.0", "+  lai_weekly: 7.2.0"]
    body = body_file.read_text(encoding="utf-8")
    assert "| `clients/lai_weekly` | 7.1.0 | 7.2.0 |" in body
    assert "changed `matching_config.min_domain_score`: `0.25` → `0.3`" in body
    assert "### Gates of stage" in body and "| integrity | ✅ pass |" in body
    assert "vectora-gitops snapshot restore --env stage" in body


@pytest.mark.usefixtures("moto")
def test_promote_stage_to_prod_keeps_comments_and_order(capsys: pytest.CaptureFixture[str],
                                                        repo: Path) -> None:
    before = (repo / "environments/prod/pins.yaml").read_text(encoding="utf-8")
    code, out, err = run(capsys, repo, "promote", "--from", "stage", "--to", "prod")
    assert code == 0, err
    after = (repo / "environments/prod/pins.yaml").read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [
        ("canonical: 2.0.0", "canonical: 2.1.0"), ("  lai_weekly: 7.0.0", "  lai_weekly: 7.1.0"),
        ("    version: 1.4.0", "    version: 1.4.1"),
        ('    sha256: "a952d63061741c3bcfa7b97329275510a7db545e5ac2c767c506f4862e33ddce"',
         '    sha256: "575fed2b486af62db356ac9db5739bd2b786e754adacfc82ecf9cb765206c678"'),
        ("    artifact: s3://vectora-inbox-lambda-code-dev/layers/vectora-core-1.4.0.zip",
         "    artifact: s3://vectora-inbox-lambda-code-dev/layers/vectora-core-1.4.1.zip")]
    for row in ("| `canonical` | 2.0.0 | 2.1.0 |", "| `clients/lai_weekly` | 7.0.0 | 7.1.0 |",
                "| `layers/vectora-core` | 1.4.0 (a952d630) | 1.4.1 (575fed2b) |",
                "- added (3): `domains/lai_domain_definition.yaml`, "
                "`prompts/domain_scoring/lai_domain_scoring.yaml`, `scopes/domain_definitions.yaml`",
                "added `bedrock_config.domain_scoring_prompt`"):
        assert row in out
    # no data bucket in the emulator: gates are unknown, shown with the reason, promote still works
    assert "| soak | ⚠️ unknown | `evidence unavailable: ListObjectVersions" in out  # evidence: code
    assert "Unknown gates block this promotion." in out


@pytest.mark.usefixtures("moto")
def test_commit_twice_is_idempotent(capsys: pytest.CaptureFixture[str], repo: Path,
                                    tmp_path: Path) -> None:
    args = ("promote", "--from", "stage", "--to", "prod", "--commit", "--body-out",
            str(tmp_path / "body.md"))
    code, _, err = run(capsys, repo, *args)
    assert code == 0, err
    branch = "promote/prod/canonical-2.1.0_lai_weekly-7.1.0_vectora-core-1.4.1"
    assert git(repo, "branch", "--show-current").strip() == branch
    head = git(repo, "rev-parse", "HEAD")
    assert "Promoted-by: vectora-gitops" in git(repo, "log", "-1", "--format=%B")
    code, _, err = run(capsys, repo, *args)  # again, on the branch
    assert code == 0 and "already has this promotion" in err
    git(repo, "checkout", "-q", "main")
    code, _, err = run(capsys, repo, *args)  # again, from main
    assert code == 0 and "already has this promotion" in err
    assert git(repo, "branch", "--show-current").strip() == branch
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


@pytest.mark.usefixtures("moto")
@pytest.mark.parametrize(("setup", "args", "message"), [
    (None, ("--from", "qa", "--to", "stage"), "unknown environment 'qa'"),
    (None, ("--from", "dev", "--to", "prod"), "cannot promote dev -> prod: prod is promoted from "
     "stage (chain: dev -> stage -> prod)"),
    (None, ("--from", "stage", "--to", "prod", "--only", "layers/common-deps"), "nothing to promote"),
    (None, ("--from", "stage", "--to", "prod", "--only", "clients/nobody"),
     "--only clients/nobody: not pinned in the source environment"),
    (None, ("--from", "stage", "--to", "prod", "--only", "bogus"), "--only bogus: write"),
    (None, ("--from", "dev", "--to", "stage"), "prerelease and stage does not allow prereleases"),
    ("dirty", ("--from", "stage", "--to", "prod", "--commit"), "--commit needs a clean working tree"),
    ("downgrade", ("--from", "stage", "--to", "prod"), "canonical: 2.0.0 is lower than 2.1.0"),
    ("downgrade", ("--from", "stage", "--to", "prod", "--allow-downgrade"), "needs --reason"),
])
def test_refusals(capsys: pytest.CaptureFixture[str], repo: Path, tmp_path: Path,
                  setup: str | None, args: tuple[str, ...], message: str) -> None:
    if setup == "dirty":
        edit(repo, "clients/lai_weekly/7.2.0-dev.1.yaml", "max_items_total: 18", "max_items_total: 19")
    if setup == "downgrade":
        edit(repo, "environments/prod/pins.yaml", "canonical: 2.0.0", "canonical: 2.1.0")
        edit(repo, "environments/stage/pins.yaml", "canonical: 2.1.0", "canonical: 2.0.0")
    before, branches = snapshot(repo), git(repo, "branch")
    body = tmp_path / "body.md"
    code, out, err = run(capsys, repo, "promote", *args, "--body-out", str(body))
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert "Traceback" not in err and out == ""
    assert snapshot(repo) == before and git(repo, "branch") == branches and not body.exists()


@pytest.mark.usefixtures("moto")
def test_downgrade_with_reason(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    edit(repo, "environments/prod/pins.yaml", "canonical: 2.0.0", "canonical: 2.1.0")
    edit(repo, "environments/stage/pins.yaml", "canonical: 2.1.0", "canonical: 2.0.0")
    code, out, err = run(capsys, repo, "promote", "--from", "stage", "--to", "prod", "--only",
                         "canonical", "--allow-downgrade", "--reason", "2.1.0 breaks scoring")
    assert code == 0, err
    assert "Reason: 2.1.0 breaks scoring" in out
    assert "canonical: 2.0.0" in (repo / "environments/prod/pins.yaml").read_text(encoding="utf-8")


@pytest.mark.usefixtures("moto")
def test_broken_target_is_restored(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    # dev pins a client version whose file is missing: the copy would leave stage dangling
    edit(repo, "environments/dev/pins.yaml", "lai_weekly: 7.2.0-dev.1", "lai_weekly: 7.1.0")
    edit(repo, "environments/stage/pins.yaml", "canonical: 2.1.0", "canonical: 2.0.0")
    (repo / "canonical/2.1.0/prompts/editorial/lai_editorial.yaml").unlink()
    before = snapshot(repo)
    code, _, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage")
    assert code == 1 and "after the copy" in err
    assert snapshot(repo) == before


@pytest.mark.usefixtures("moto")
def test_a_prerelease_names_both_ways_out(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    edit(repo, "environments/stage/pins.yaml", "canonical: 2.1.0", "canonical: 2.0.0")
    before = snapshot(repo)
    code, out, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage")
    assert (code, out) == (1, "") and snapshot(repo) == before
    assert err.strip() == (
        "clients/lai_weekly: 7.2.0-dev.1 is a prerelease and stage does not allow prereleases "
        "(allow_prerelease: false); either release it: `vectora-gitops release client lai_weekly "
        "7.2.0-dev.1` (commit, let dev apply and soak it, then promote again), or promote the "
        "rest without it: `vectora-gitops promote --from dev --to stage --only canonical`")
    code, _, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage", "--only",
                       "clients/lai_weekly")
    assert code == 1 and err.strip().endswith(
        "release it: `vectora-gitops release client lai_weekly 7.2.0-dev.1` (commit, let dev "
        "apply and soak it, then promote again); nothing else differs, so that is the only way")
    code, _, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage", "--only",
                       "canonical")  # the way out, as printed, works
    assert code == 0, err


OURS = ("canonical:", "unknown  ", "pass     ", "fail     ", "gates of", "warning:", "PR body",
        "next:")


@pytest.mark.usefixtures("moto")
def test_failing_gates_are_said_plainly_even_at_exit_0(capsys: pytest.CaptureFixture[str],
                                                       repo: Path, tmp_path: Path) -> None:
    """No evidence in the emulator: stage's gates are unknown (a warning there), prod's fail."""
    code, _, err = run(capsys, repo, "promote", "--from", "stage", "--to", "prod", "--only",
                       "canonical", "--body-out", str(tmp_path / "body.md"))
    assert code == 0
    # the emulator's own logging may interleave with stderr under load: keep the tool's lines
    lines = [line for line in err.splitlines() if line.startswith(OURS)]
    assert lines[0] == "canonical: 2.0.0 -> 2.1.0"
    assert [line.split(":")[0] for line in lines[1:7]] == [
        "unknown  soak", "unknown  metric noise_rate", "unknown  metric bedrock_cost_per_run_usd",
        "unknown  e2e", "pass     integrity", "gates of prod"]
    assert lines[6] == ("gates of prod: FAIL: 1 pass, 4 unknown (soak unknown, metric noise_rate "
                        "unknown, metric bedrock_cost_per_run_usd unknown, e2e unknown)")
    assert lines[7] == (
        "warning: 4 of 5 gates of prod do not pass (soak, metric noise_rate, metric "
        "bedrock_cost_per_run_usd, e2e): the pins are copied anyway, but the pull request's "
        "`gates` check fails until they pass")
    assert lines[-1] == (
        "next: commit environments/prod/pins.yaml on a branch and open a pull request with "
        f"{tmp_path / 'body.md'} as its description (or run again with --commit); once it is "
        "merged, the reconcile workflow applies prod")


@pytest.mark.usefixtures("moto")
def test_body_shows_each_changed_file_and_where_it_reaches(capsys: pytest.CaptureFixture[str],
                                                           repo: Path) -> None:
    code, out, err = run(capsys, repo, "promote", "--from", "stage", "--to", "prod")
    assert code == 0, err
    client = out.index("#### `clients/lai_weekly/7.1.0.yaml`")
    assert out[client:].splitlines()[2] == (
        "Reaches in prod: `lai_weekly` (its own config). Runs now in stage; prod with this pull "
        "request.")
    # a client file of more than 40 diff lines is folded
    assert "<details><summary>71 lines of diff of clients/lai_weekly/7.1.0.yaml</summary>" in out
    assert "--- clients/lai_weekly/7.0.0.yaml\n+++ clients/lai_weekly/7.1.0.yaml\n" in out
    assert "-  max_items_total: 15\n+  max_items_total: 18\n" in out
    # a prompt: placeholders expanded on both sides, so a scope change shows where it lands
    matching = out.index("#### `canonical/2.1.0/prompts/matching/lai_matching.yaml`")
    shown = out[matching:out.index("####", matching + 5)]
    assert "bedrock\\_config.matching\\_prompt, but the engine does not read this key" in shown
    assert "   Brands: - Uzedy\n" in shown and "+  - Erzofri\n" in shown
    assert "{{ref:" not in shown[shown.index("```diff"):]
    assert "<details>" not in shown  # short: not folded


def test_body_says_plainly_which_gates_fail() -> None:
    results = (GateResult("soak", "fail", "x"), GateResult("e2e", "pass", "y"),
               GateResult("metric noise_rate", "fail", "z"))
    body = render(Body("dev", "stage", (), gates=results))
    assert "**2 of 3 gates fail** (soak, metric noise\\_rate): the pull request's `gates` check " \
        "fails until they pass." in body
    assert "gates fail" not in render(Body("dev", "stage", (), gates=results[1:2]))


def test_release_steps_name_the_exact_command() -> None:
    def change(selector: str, version: str) -> pins.PinChange:
        return pins.PinChange(selector, None, version, version, ())
    assert [pins.release_step(change(s, v)) for s, v in (
        ("clients/lai_weekly", "7.2.0-dev.1"), ("canonical", "2.2.0-dev.3"),
        ("layers/vectora-core", "1.5.0-dev.1"), ("layers/core-b", "0.0.0-adopted.2"),
        ("templates/s0-core", "1.1.0-dev.1"))] == [
        "`vectora-gitops release client lai_weekly 7.2.0-dev.1`",
        "`vectora-gitops release canonical 2.2.0-dev.3`",
        "`vectora-gitops release layer vectora-core 1.5.0`",
        "`vectora-gitops release layer core-b <version>`",
        "rename templates/s0-core/1.1.0-dev.1.yaml to templates/s0-core/1.1.0.yaml and pin that"]
