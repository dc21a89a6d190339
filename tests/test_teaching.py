"""A CLI that teaches: "did you mean" for environments, prompts, references, selectors and
versions; YAML syntax errors on their line with a caret. Real CLI runs on real repositories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from helpers_repo import REPO_ROOT, edit, line_of
from support import CONFIG, GLOSSARY, objects, put, run
from vectora_gitops.aws.client import SANDBOX_KEY, add_request_hook, add_send_hook
from vectora_gitops.desired import yamledit
from vectora_gitops.desired.yamlfile import parse_yaml
from vectora_gitops.errors import InputError
from vectora_gitops.sandbox.server import free_port

CLIENT_DEV = "clients/lai_weekly/7.2.0-dev.1.yaml"  # pinned in dev only
MATCHING = "canonical/2.1.0/prompts/matching/lai_matching.yaml"
GLOSSARY_KEY = "canonical/imports/glossary.md"  # GLOSSARY in the config bucket


# ---- did you mean ----------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "message"), [
    (["plan", "--env", "Dev"],
     "'Dev' is not an environment name (lowercase letters and digits); did you mean 'dev'?"),
    (["plan", "--env", "deve"],
     "unknown environment 'deve' (known: dev, prod, stage); did you mean 'dev'?"),
    (["drift", "--env", "stg"],
     "unknown environment 'stg' (known: dev, prod, stage); did you mean 'stage'?"),
    (["history", "--env", "production"],
     "unknown environment 'production' (known: dev, prod, stage); did you mean 'prod'?"),
    (["promote", "--from", "Dev", "--to", "stage"],
     "'Dev' is not an environment name (lowercase letters and digits); did you mean 'dev'?"),
    (["gates", "--from", "dev", "--to", "stagee"],
     "unknown environment 'stagee' (known: dev, prod, stage); did you mean 'stage'?"),
    (["plan", "--env", "qa"], "unknown environment 'qa' (known: dev, prod, stage)"),
])
def test_environment_names_suggest_the_closest(repo: Path, capsys: pytest.CaptureFixture[str],
                                               argv: list[str], message: str) -> None:
    code, out, err = run(capsys, repo, *argv)
    assert (code, out, err) == (1, "", message + "\n")


@pytest.mark.parametrize(("argv", "tail"), [
    (["plna", "--env", "dev"], "; did you mean 'plan'? (see --help)"),
    (["snapshot", "lst", "--env", "dev"], "; did you mean 'list'? (see --help)"),
    (["drift", "--env", "dev", "--output", "mardown"], "; did you mean 'markdown'? (see --help)"),
    (["plan", "--env", "dev", "--output", "zzz"], "'json') (see --help)"),
])
def test_mistyped_commands_and_choices_suggest_the_closest(
        repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], tail: str) -> None:
    code, out, err = run(capsys, repo, *argv)
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert err.startswith("vectora-gitops") and "invalid choice" in err
    assert err.endswith(tail + "\n")


@pytest.mark.parametrize(("only", "message"), [
    ("clinets/x", "--only clinets/x: write clients/<id>, canonical, layers/<name> or "
                  "templates/<stack>; did you mean 'clients/lai_weekly'?"),
    ("canonicl", "--only canonicl: write clients/<id>, canonical, layers/<name> or "
                 "templates/<stack>; did you mean 'canonical'?"),
    ("clients/lai_weekli", "--only clients/lai_weekli: not pinned in the source environment "
     "(pinned: canonical, clients/lai_weekly, layers/common-deps, layers/vectora-core); did you "
     "mean 'clients/lai_weekly'?"),
    ("layers/vectora-cor", "--only layers/vectora-cor: not pinned in the source environment "
     "(pinned: canonical, clients/lai_weekly, layers/common-deps, layers/vectora-core); did you "
     "mean 'layers/vectora-core'?"),
])
def test_selectors_suggest_the_pinned_one(repo: Path, capsys: pytest.CaptureFixture[str],
                                          only: str, message: str) -> None:
    before = (repo / "environments/stage/pins.yaml").read_bytes()
    code, out, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage", "--only", only)
    assert (code, out, err) == (1, "", message + "\n")
    assert (repo / "environments/stage/pins.yaml").read_bytes() == before


def test_a_mistyped_prompt_name_suggests_the_prompt(repo: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(repo, CLIENT_DEV, 'editorial_prompt: "lai_editorial"',
                'editorial_prompt: "lai_editoral"')
    code, out, err = run(capsys, repo, "validate")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{CLIENT_DEV}:{line}: bedrock_config.editorial_prompt: editorial prompt 'lai_editoral' "
        "is not in canonical 2.1.0 (pinned in dev); did you mean 'lai_editorial'?",
        "validate: 1 error(s), 0 warning(s)"]


def test_a_mistyped_reference_in_a_prompt_suggests_the_scope(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, MATCHING, "{{ref:lai_companies_pure_players}}", "{{ref:lai_companies_pure_player}}")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    template = line_of(repo, MATCHING, "user_template")
    assert err.splitlines() == [
        f"{MATCHING}:{template}: user_template: scope or domain definition "
        "'lai_companies_pure_player' is not defined in canonical 2.1.0; did you mean "
        "'lai_companies_pure_players'?",
        "validate: 1 error(s), 0 warning(s)"]


def test_a_name_far_from_any_gets_no_guess(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, CLIENT_DEV, 'editorial_prompt: "lai_editorial"', 'editorial_prompt: "zzz"')
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and "editorial prompt 'zzz' is not in canonical 2.1.0 (pinned in dev)\n" in err
    assert "did you mean" not in err


@pytest.mark.parametrize(("old", "new", "message"), [
    ("lai_weekly: 7.1.0", "lai_weekly: 7.1.1",
     "clients.lai_weekly: clients/lai_weekly/7.1.1.yaml does not exist; did you mean '7.1.0'?"),
    ("lai_weekly: 7.1.0", "lai_weekli: 7.1.0",
     "clients.lai_weekli: clients/lai_weekli/7.1.0.yaml does not exist; no such client: did you "
     "mean 'lai_weekly'?"),
    ("canonical: 2.1.0", "canonical: 2.1.1",
     "canonical: bundle 2.1.1 does not exist (no canonical/2.1.1/); did you mean '2.1.0'?"),
])
def test_a_pinned_version_that_does_not_exist_suggests_the_closest(
        repo: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str) -> None:
    edit(repo, "environments/stage/pins.yaml", old, new)
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert f"environments/stage/pins.yaml: {message}\n" in err


# ---- YAML syntax errors: the right line, a caret under the column -----------------------------

@pytest.mark.parametrize(("old", "new", "at", "message", "caret"), [
    # a key without its colon: PyYAML notices on the next line; the mistake is this one
    ("  tone: ", "  tone ", "  tone ", "could not find expected ':'; a key is written `key: value`",
     2),
    # a quote never closed: where it opened, not where the next quote of the file ends it
    ('  editorial_prompt: "lai_editorial"', '  editorial_prompt: "lai_editorial',
     "  editorial_prompt:", "a quoted value opened here is never closed (it reads on to the "
     "quote on line 43)", 20),
    # a tab used to indent
    ("  tone: ", "\ttone: ", "\ttone: ", "found character that cannot start any token; indent "
     "with spaces, not tabs", 0),
])
def test_yaml_syntax_errors_point_at_the_line_and_column(
        repo: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, at: str,
        message: str, caret: int) -> None:
    line = edit(repo, CLIENT_DEV, old, new)
    source = (repo / CLIENT_DEV).read_text(encoding="utf-8").splitlines()[line - 1]
    assert source.startswith(at)
    code, out, err = run(capsys, repo, "validate")
    assert code == 1 and out == ""
    first, shown, marker, *rest = err.splitlines()
    assert first.startswith(f"{CLIENT_DEV}:{line}:{caret + 1}: YAML syntax error: {message}")
    assert shown == "  " + source.replace("\t", "\\t")
    assert marker == "  " + " " * len(source[:caret].replace("\t", "\\t")) + "^"
    assert rest[-1] == "validate: 1 error(s), 0 warning(s)"


def test_a_syntax_error_in_an_environment_file_stops_a_plan_with_the_caret(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(repo, "environments/dev/environment.yaml", "region: ", "region ")
    code, out, err = run(capsys, repo, "plan", "--env", "dev")
    source = (repo / "environments/dev/environment.yaml").read_text().splitlines()[line - 1]
    column = len(source) - len(source.lstrip())
    assert (code, out) == (1, "")
    assert err.splitlines()[:3] == [
        f"environments/dev/environment.yaml:{line}:{column + 1}: YAML syntax error: could not "
        "find expected ':'; a key is written `key: value`",
        f"  {source}", "  " + " " * column + "^"]


# ---- the sandbox: not running, or its credentials without its endpoint -------------------------

def test_a_closed_local_port_says_the_sandbox_is_not_running(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # What `sandbox down` leaves behind: the exports point at a port where nothing listens.
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SANDBOX_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SANDBOX_KEY)
    attempts: list[str] = []
    remove = add_send_hook(lambda service, operation: attempts.append(operation))
    try:
        code, out, err = run(capsys, repo, "plan", "--env", "dev")
    finally:
        remove()
    assert (code, out) == (1, "")
    assert err == (f"GetCallerIdentity: cannot reach {endpoint}: the local AWS sandbox is not "
                   "running: start it with `vectora-gitops sandbox up`\n")
    assert attempts == []  # refused before the first attempt: no retries of a refused connection


def test_a_local_endpoint_lost_during_a_run_says_the_same(
        moto: object, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def lost(service: str, operation: str, params: dict[str, Any]) -> None:
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    remove = add_request_hook(lost)
    try:
        code, _, err = run(capsys, repo, "plan", "--env", "dev")
    finally:
        remove()
    assert code == 1 and err == ("GetCallerIdentity: cannot reach http://127.0.0.1:1: the local "
                                 "AWS sandbox is not running: start it with `vectora-gitops "
                                 "sandbox up`\n")


def test_a_remote_endpoint_out_of_reach_still_says_check_the_network(
        moto: object, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def lost(service: str, operation: str, params: dict[str, Any]) -> None:
        raise EndpointConnectionError(endpoint_url="https://sts.eu-west-3.amazonaws.com/")

    remove = add_request_hook(lost)
    try:
        code, _, err = run(capsys, repo, "plan", "--env", "dev")
    finally:
        remove()
    assert code == 1 and err == ("GetCallerIdentity: cannot reach "
                                 "https://sts.eu-west-3.amazonaws.com/; check the network or "
                                 "AWS_ENDPOINT_URL\n")


SANDBOX_CREDENTIALS_ALONE = (
    "AWS_ACCESS_KEY_ID is the local sandbox's but AWS_ENDPOINT_URL is not set: run "
    "`vectora-gitops sandbox up` and paste the export lines it prints (or unset the sandbox "
    "credentials to use AWS)")


@pytest.mark.parametrize(("argv", "expected_err"), [
    (["plan", "--env", "dev"], SANDBOX_CREDENTIALS_ALONE + "\n"),
    (["snapshot", "list", "--env", "stage"], SANDBOX_CREDENTIALS_ALONE + "\n"),
    (["drift", "--env", "dev"], f"dev: {SANDBOX_CREDENTIALS_ALONE}\n"),
])
def test_sandbox_credentials_without_an_endpoint_stop_before_any_request(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        argv: list[str], expected_err: str) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SANDBOX_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SANDBOX_KEY)
    calls: list[str] = []
    remove_call = add_request_hook(lambda service, operation, params: calls.append(operation))
    remove_send = add_send_hook(lambda service, operation: calls.append(operation))
    try:
        code, _, err = run(capsys, repo, *argv)
    finally:
        remove_send()
        remove_call()
    assert code == 1 and err == expected_err
    assert calls == []  # nothing sent anywhere: no wait for the real AWS to refuse the key


# ---- apply prints its plan once; drift ends with the next step ---------------------------------

def test_apply_prints_its_plan_once(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 0
    assert out.count("Plan for dev at ") == 1 and out.count(" change(s): ") == 1
    assert out.splitlines()[-1].startswith("dev: applied ")


def test_the_demo_shows_the_plan_once_then_applies_and_plans_again() -> None:
    # `bin/demo` ran `plan` then `apply`, which prints the same plan again: the plan showed twice.
    lines = [line.split() for line in (REPO_ROOT / "bin" / "demo").read_text().splitlines()]
    steps = [words[1] for words in lines if words[:1] == ["vectora-gitops"]]
    assert steps[:2] == ["apply", "plan"]


def test_drift_ends_with_the_next_step_for_each_outcome(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    code, out, _ = run(capsys, seeded, "drift", "--env", "dev")
    assert (code, out) == (0, "dev: no drift\nnext: in sync: nothing to do\n")

    put(CONFIG, GLOSSARY_KEY, b"edited by hand\n")
    code, out, _ = run(capsys, seeded, "drift", "--env", "dev")
    assert code == 2
    assert out.splitlines()[-1] == (
        "next: to put AWS back to git: vectora-gitops apply --env dev (or vectora-gitops drift "
        "--env dev --heal); to keep AWS's change, put it in git by a pull request")

    code, out, err = run(capsys, seeded, "drift", "--all")
    assert code == 2 and err == ""
    assert out.splitlines()[-4:] == [
        "next:",
        "  dev: to put AWS back to git: vectora-gitops apply --env dev (or vectora-gitops drift "
        "--env dev --heal); to keep AWS's change, put it in git by a pull request",
        "  prod: to put AWS back to git: vectora-gitops apply --env prod; to keep AWS's change, "
        "put it in git by a pull request",
        "  stage: to put AWS back to git: vectora-gitops apply --env stage; to keep AWS's "
        "change, put it in git by a pull request"]

    code, out, _ = run(capsys, seeded, "drift", "--env", "dev", "--heal")
    assert code == 0 and out.splitlines()[-1] == "next: in sync: nothing to do"
    assert objects(CONFIG, GLOSSARY_KEY)[GLOSSARY_KEY] == (seeded / GLOSSARY).read_bytes()

    code, out, err = run(capsys, seeded, "drift", "--env", "stage", "--heal")
    assert code == 1 and "stage: not healed: sync.self_heal is false" in err
    assert out.splitlines()[-1] == (
        "next: to put AWS back to git: vectora-gitops apply --env stage; to keep AWS's change, "
        "put it in git by a pull request")


def test_drift_that_cannot_run_says_to_fix_and_check_again(
        repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", SANDBOX_KEY)
    code, out, _ = run(capsys, repo, "drift", "--env", "prod")
    assert code == 1
    assert out == (f"prod: error: {SANDBOX_CREDENTIALS_ALONE}\n"
                   "next: fix the error above, then check again: vectora-gitops drift --env prod\n")


@pytest.mark.parametrize(("text", "first", "caret"), [
    ('a: "x\\"\nb: "y"\n', "f.yaml:1:4: YAML syntax error: a quoted value opened here is never "
     "closed (it reads on to the quote on line 2)", '  a: "x\\"\n     ^'),
    ("a: 'it''s\nb: 'y'\n", "f.yaml:1:4: YAML syntax error: a quoted value opened here is never "
     "closed (it reads on to the quote on line 2)", "  a: 'it''s\n     ^"),
    ("a: 1\nb: [\n", "f.yaml:2:5: YAML syntax error: did not find expected node content",
     "  b: [\n      ^"),
    ("a: b: c\n", "f.yaml:1:5: YAML syntax error: mapping values are not allowed in this context",
     "  a: b: c\n      ^"),
])
def test_syntax_error_marks_of_the_loader_and_the_editor(text: str, first: str,
                                                         caret: str) -> None:
    # The same line, column and caret from the loader (PyYAML) and the editor (ruamel).
    for reader in (parse_yaml, yamledit.compose):
        with pytest.raises(InputError) as info:
            reader(text, display="f.yaml")
        line, *excerpt = info.value.lines()
        assert line.split(": YAML syntax error")[0] == first.split(": YAML syntax error")[0]
        assert "\n".join(excerpt) == caret
    with pytest.raises(InputError) as info:
        parse_yaml(text, display="f.yaml")
    assert info.value.lines()[0] == first
