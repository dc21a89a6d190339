"""Values do not leak (issue 13, finding 9): an environment variable value that git does not hold
for the function (set or changed by hand) or whose name says secret is shown as
`***sha256:<8 hex>` in every output of plan, drift, status, history and snapshot restore, while
the saved plan still lets apply do its job. Pure rules first, then the commands on the emulator."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from helpers_repo import edit, git
from support import cli, client, function, run
from vectora_gitops.drift.classify import env_findings
from vectora_gitops.engine import plan as plans
from vectora_gitops.engine.changes import UpdateFunction, ordered
from vectora_gitops.errors import InputError
from vectora_gitops.masking import aws_value, git_value, is_masked, mask, secret_name
from vectora_gitops.model import FunctionSpec
from vectora_gitops.observed import FunctionConfig
from vectora_gitops.render import plan as render_plan
from vectora_gitops.snapshots.restore import env_lines

INGEST = "vectora-inbox-ingest-v2-dev"


def masked(value: str) -> str:
    return "***sha256:" + hashlib.sha256(value.encode()).hexdigest()[:8]


# ---- the rules --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "secret"), [
    ("API_KEY", True), ("github_token", True), ("DbPassword", True), ("CLIENT_SECRET", True),
    ("AWS_CREDENTIALS_FILE", True), ("OPENAI_API_KEY_2", True), ("LOG_LEVEL", False),
    ("CONFIG_BUCKET", False), ("ENV", False), ("BEDROCK_MODEL_ID", False),
])
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def test_mask_is_a_short_hash_that_still_shows_a_change() -> None:
    assert mask("tok-123") == masked("tok-123") and is_masked(mask("tok-123"))
    assert mask(mask("tok-123")) == mask("tok-123")  # idempotent
    assert mask("tok-123") != mask("tok-124") and mask("") == masked("")
    assert not is_masked("tok-123") and not is_masked("***sha256:XYZ")


@pytest.mark.parametrize(("name", "value", "git", "shown"), [
    ("LOG_LEVEL", "DEBUG", {"LOG_LEVEL": "DEBUG"}, "DEBUG"),  # git holds it: shown
    ("LOG_LEVEL", "INFO", {"LOG_LEVEL": "DEBUG"}, masked("INFO")),  # changed by hand
    ("HAND_SET", "x", {}, masked("x")),  # set by hand
    ("API_KEY", "k", {"API_KEY": "k"}, masked("k")),  # git holds it, but its name says secret
])
def test_aws_values(name: str, value: str, git: dict[str, str], shown: str) -> None:
    assert aws_value(name, value, git) == shown


def test_git_values_are_shown_unless_named_secret() -> None:
    assert (git_value("LOG_LEVEL", "DEBUG"), git_value("API_TOKEN", "t")) == ("DEBUG", masked("t"))


def test_drift_findings_hold_no_value_only_aws_has() -> None:
    spec = FunctionSpec("ingest", INGEST, (), {"LOG_LEVEL": "DEBUG", "API_KEY": "git-key",
                                               "GONE": "g"})
    config = FunctionConfig(INGEST, "arn", (), {"LOG_LEVEL": "hand-debug", "API_KEY": "hand-key",
                                                "HAND_TOKEN": "tok-123", "NOTE": "hand-note"},
                            {}, "python3.11", "h", "c")
    found = {(f.kind, f.git, f.aws) for f in env_findings("ingest", spec, config)}
    assert found == {
        ("env_changed", f"API_KEY={masked('git-key')}", f"API_KEY={masked('hand-key')}"),
        ("env_removed", "GONE=g", "absent"),
        ("env_added", "absent", f"HAND_TOKEN={masked('tok-123')}"),
        ("env_changed", "LOG_LEVEL=DEBUG", f"LOG_LEVEL={masked('hand-debug')}"),
        ("env_added", "absent", f"NOTE={masked('hand-note')}"),
    }


def change() -> UpdateFunction:
    """What the diff makes of git {LOG_LEVEL: INFO, API_KEY: git-key, NEW: n} against AWS
    {LOG_LEVEL: DEBUG, API_KEY: git-key, HAND_TOKEN: tok-123}: AWS's side already masked."""
    return UpdateFunction("ingest", INGEST, (), None,
                          {"LOG_LEVEL": masked("DEBUG"), "API_KEY": masked("git-key"),
                           "HAND_TOKEN": masked("tok-123")},
                          {"LOG_LEVEL": "INFO", "API_KEY": "git-key", "NEW": "n"})


def test_plan_lines_mask_what_may_be_secret() -> None:
    assert change().describe() == (f"update {INGEST}: env +NEW=n, env -HAND_TOKEN, "
                                   f"env LOG_LEVEL: {masked('DEBUG')} -> INFO")  # API_KEY: same
    raw = UpdateFunction("ingest", INGEST, (), None, {"API_KEY": "old", "A": "1"},
                         {"API_KEY": "new", "A": "1"})  # a plan saved before masking
    assert raw.describe() == f"update {INGEST}: env API_KEY: {masked('old')} -> {masked('new')}"


def test_json_output_masks_and_apply_refuses_it(tmp_path: Path) -> None:
    plan = plans.Plan("dev", "c" * 40, "2025-01-01T00:00:00+00:00", False, {"canonical": "2.1.0"},
                      ordered([change()]), "o", "d")
    shown = render_plan.as_json(plan)
    [data] = json.loads(shown)["changes"]
    assert data["env_after"] == {"LOG_LEVEL": "INFO", "API_KEY": masked("git-key"), "NEW": "n"}
    assert "git-key" not in shown and "tok-123" not in shown
    saved = tmp_path / "plan.json"
    plans.save(plan, saved)  # apply's input: git's values, which apply sets
    assert json.loads(saved.read_text())["changes"][0]["env_after"]["API_KEY"] == "git-key"
    assert plans.load(saved).changes == plan.changes
    copy = tmp_path / "shown.json"
    copy.write_text(shown)
    with pytest.raises(InputError, match="variable API_KEY holds a masked value"):
        plans.load(copy)


def test_restore_lines_show_what_git_holds_and_mask_the_rest() -> None:
    git = {"LOG_LEVEL": "DEBUG", "OLD": "o", "SAME": "s", "TOKEN": "t", "API_KEY": "k"}
    assert env_lines({"LOG_LEVEL": "hand", "TOKEN": "t", "SAME": "s", "API_KEY": "k2"},
                     {"LOG_LEVEL": "DEBUG", "OLD": "o", "SAME": "s", "API_KEY": "k"}, git) == [
        "env +OLD=o", f"env -TOKEN (now {masked('t')})",
        f"env API_KEY: {masked('k2')} -> {masked('k')}",
        f"env LOG_LEVEL: {masked('hand')} -> DEBUG"]
    assert env_lines({"LOG_LEVEL": "hand"}, {"LOG_LEVEL": "DEBUG"}, {}) == [
        f"env LOG_LEVEL: {masked('hand')} -> {masked('DEBUG')}"]


# ---- the commands -----------------------------------------------------------------------------

HAND = {"SERVICE_TOKEN": "tok-hand-0123456789", "HAND_SET": "hand-value-4242",
        "LOG_LEVEL": "hand-debug-7777"}


@pytest.fixture
def applied(seeded: Path) -> Path:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    return seeded


def set_by_hand(values: dict[str, str]) -> dict[str, str]:
    variables = dict(function(INGEST)["Environment"]["Variables"], **values)
    client("lambda").update_function_configuration(FunctionName=INGEST,
                                                   Environment={"Variables": variables})
    return variables


def assert_hidden(text: str, where: str) -> None:
    for value in HAND.values():
        assert value not in text, (where, value)


def test_hand_set_values_appear_in_no_output(applied: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    before = dict(function(INGEST)["Environment"]["Variables"])
    set_by_hand(HAND)
    outputs: dict[str, str] = {}
    for output in ("text", "json", "markdown"):
        code, outputs[f"drift {output}"], _ = run(capsys, applied, "drift", "--env", "dev",
                                                  "--output", output)
        assert code == 2
        code, outputs[f"plan {output}"], _ = run(capsys, applied, "plan", "--env", "dev",
                                                 "--output", output)
        assert code == 2
    for output in ("text", "markdown", "html"):
        code, outputs[f"status {output}"], _ = run(capsys, applied, "status", "--output", output)
        assert code == 0
    assert run(capsys, applied, "drift", "--env", "dev", "--output", "markdown", "--out",
               str(tmp_path / "issues"))[0] == 2
    outputs["drift issue"] = (tmp_path / "issues" / "dev.md").read_text(encoding="utf-8")
    saved = tmp_path / "plan.json"
    code, _, _ = run(capsys, applied, "plan", "--env", "dev", "--out", str(saved))
    assert code == 2
    outputs["saved plan"] = saved.read_text(encoding="utf-8")
    for where, text in outputs.items():
        assert_hidden(text, where)
    for where in ("drift text", "drift json", "drift issue"):  # a reader still sees what changed
        assert masked(HAND["SERVICE_TOKEN"]) in outputs[where], where
        assert masked(HAND["LOG_LEVEL"]) in outputs[where], where
    assert "env -SERVICE_TOKEN" in outputs["plan text"] and "env -HAND_SET" in outputs["plan text"]
    assert f"env LOG_LEVEL: {masked(HAND['LOG_LEVEL'])} -> DEBUG" in outputs["plan markdown"]
    # the saved plan needs no hand-set value: applying it puts git's variables back
    code, out, err = run(capsys, applied, "apply", "--env", "dev", "--plan", str(saved), "--yes")
    assert code == 0, err
    assert_hidden(out + err, "apply")
    assert function(INGEST)["Environment"]["Variables"] == before
    code, out, _ = run(capsys, applied, "history", "--env", "dev")
    assert code == 0
    assert_hidden(out, "history")


def test_a_secret_git_holds_is_masked_but_applied(applied: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    edit(applied, "environments/dev/environment.yaml", '      LOG_LEVEL: "DEBUG"\n  normalize-score:',
         '      LOG_LEVEL: "DEBUG"\n      API_KEY: "git-held-key-31337"\n  normalize-score:')
    git(applied, "commit", "-qam", "dev: ingest gets an API key")
    code, shown, _ = run(capsys, applied, "plan", "--env", "dev", "--output", "json")
    assert code == 2
    for output in ("text", "markdown"):
        code, out, _ = run(capsys, applied, "plan", "--env", "dev", "--output", output)
        assert code == 2 and "git-held-key-31337" not in out
        assert f"env +API_KEY={masked('git-held-key-31337')}" in out
    assert "git-held-key-31337" not in shown and masked("git-held-key-31337") in shown
    copy = tmp_path / "shown.json"
    copy.write_text(shown, encoding="utf-8")
    code, _, err = run(capsys, applied, "apply", "--env", "dev", "--plan", str(copy), "--yes")
    assert code == 1 and "variable API_KEY holds a masked value" in err
    assert "API_KEY" not in function(INGEST)["Environment"]["Variables"]
    saved = tmp_path / "plan.json"
    assert run(capsys, applied, "plan", "--env", "dev", "--out", str(saved))[0] == 2
    assert "git-held-key-31337" in saved.read_text()  # apply's input: git's value, as git holds it
    code, out, err = run(capsys, applied, "apply", "--env", "dev", "--plan", str(saved), "--yes")
    assert code == 0, err
    assert "git-held-key-31337" not in out + err
    assert function(INGEST)["Environment"]["Variables"]["API_KEY"] == "git-held-key-31337"


def test_snapshot_restore_plan_masks_values(applied: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, applied, "snapshot", "create", "--env", "dev", "--name", "good")[0] == 0
    set_by_hand(HAND)
    code, out, err = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "good",
                         "--yes")
    assert code == 0, err
    assert_hidden(out + err, "restore")
    assert f"env -SERVICE_TOKEN (now {masked(HAND['SERVICE_TOKEN'])})" in out
    assert f"env -HAND_SET (now {masked(HAND['HAND_SET'])})" in out
    # the value going back is git's: shown; the one set by hand only AWS holds: masked
    assert f"env LOG_LEVEL: {masked(HAND['LOG_LEVEL'])} -> DEBUG" in out
    assert function(INGEST)["Environment"]["Variables"]["LOG_LEVEL"] == "DEBUG"
