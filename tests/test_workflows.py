"""Checks of the GitHub workflows, the pre-commit configuration and CODEOWNERS (DESIGN §7).

Tools (zizmor, check-jsonschema) are taken from the virtualenv running the tests; zizmor runs
offline and never sees a GitHub token. Every `vectora-gitops ...` command line written in a
workflow is parsed with the real CLI parser, so a renamed or misspelled flag fails here, not in CI.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from codeowners import CodeOwners

from vectora_gitops.cli import parse
from vectora_gitops.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml")) + sorted(WORKFLOWS_DIR.glob("*.yaml"))
ACTIONS_MD = Path(__file__).resolve().parents[2] / "shared" / "ACTIONS.md"
EXPECTED_WORKFLOWS = {"pr.yml", "reconcile.yml", "promote.yml", "drift.yml"}

UNTRUSTED = re.compile(r"\binputs\.|\bgithub\.event\b|\bgithub\.head_ref\b|\bgithub\.base_ref\b")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
USES_LINE = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?:\s+#\s*(?P<comment>\S.*?))?\s*$"
)
SHA = re.compile(r"^[0-9a-f]{40}$")
VERSION = re.compile(r"^v\d+(?:\.\d+){0,2}$")

# Plausible values for the shell variables that appear in workflow command lines.
SHELL_VALUES = {"ENV": "dev", "FROM": "dev", "TO": "stage", "BASE_REF": "main"}
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
SHELL_VAR = re.compile(rf"\$(?:\{{(?P<braced>{NAME})\}}|(?P<bare>{NAME}))")
ARRAY_EXPANSION = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\[[@*]\]\}$|^\$[@*]$")
SHELL_OPERATOR = re.compile(r"^[;&|<>()]+$")
COMMAND_PREFIXES = {"if", "then", "else", "elif", "do", "!", "exec", "time", "{"}


def _tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    assert candidate.exists(), f"{name} is not next to {sys.executable} (pip install -e '.[dev]')"
    return str(candidate)


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    return data


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    jobs = _load(path).get("jobs")
    assert isinstance(jobs, dict) and jobs, f"{path.name}: no jobs"
    return jobs


def _steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in _jobs(path).items():
        for step in job.get("steps", []):
            yield job_id, step


def _scripts(path: Path) -> Iterator[tuple[str, str]]:
    """Shell scripts (`run:`) and github-script bodies (`with.script`) of a workflow."""
    for job_id, step in _steps(path):
        where = f"{path.name}:{job_id}:{step.get('name') or step.get('id') or step.get('uses')}"
        if "run" in step:
            yield where, str(step["run"])
        if str(step.get("uses", "")).startswith("actions/github-script@"):
            yield where, str(step.get("with", {}).get("script", ""))


def _run_scripts(path: Path) -> Iterator[tuple[str, str]]:
    for job_id, step in _steps(path):
        if "run" in step:
            yield f"{path.name}:{job_id}:{step.get('name', '')}", str(step["run"])


def _substitute(token: str) -> str:
    return SHELL_VAR.sub(
        lambda m: SHELL_VALUES.get(m.group("braced") or m.group("bare"), "dev"), token
    )


def extract_commands(script: str) -> list[list[str]]:
    """Every `vectora-gitops ...` command of a shell script, as the argv after the program name.

    Backslash continuations are joined; a command ends at a shell operator (`>`, `|`, `||`, `;`,
    `&&`, ...); shell variables get plausible values and array expansions are dropped.
    """
    commands: list[list[str]] = []
    for line in script.replace("\\\n", " ").splitlines():
        if "vectora-gitops" not in line:
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        start = True
        current: list[str] | None = None
        for token in tokens:
            if SHELL_OPERATOR.match(token):
                if current is not None:
                    commands.append(current)
                current = None
                start = True
                continue
            if current is not None:
                if not ARRAY_EXPANSION.match(token):
                    current.append(_substitute(token))
                continue
            if start and token in COMMAND_PREFIXES:
                continue
            if start and PurePosixPath(token).name == "vectora-gitops":
                current = []
            start = False
        if current is not None:
            commands.append(current)
    return commands


def _all_commands() -> list[tuple[str, list[str]]]:
    return [
        (where, argv)
        for path in WORKFLOWS
        for where, script in _run_scripts(path)
        for argv in extract_commands(script)
    ]


def test_expected_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= EXPECTED_WORKFLOWS


def test_zizmor_offline_finds_nothing() -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in {"GITHUB_TOKEN", "GH_TOKEN", "ZIZMOR_GITHUB_TOKEN"}}
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--min-severity", "medium", ".github/workflows"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(workflow: Path) -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _pinned_actions() -> set[tuple[str, str, str]]:
    rows = set()
    for line in ACTIONS_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and SHA.match(cells[2]):
            rows.add((cells[0], cells[1], cells[2]))
    return rows


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_pinned_to_known_shas(workflow: Path) -> None:
    if not ACTIONS_MD.is_file():
        pytest.skip(f"{ACTIONS_MD} not present")
    known = _pinned_actions()
    assert known, f"no action rows found in {ACTIONS_MD}"
    uses_in_tree = [step["uses"] for _, step in _steps(workflow) if "uses" in step]
    matches = [m for line in workflow.read_text(encoding="utf-8").splitlines()
               if (m := USES_LINE.match(line))]
    assert len(matches) == len(uses_in_tree), f"{workflow.name}: write each uses: on its own line"
    for m in matches:
        action, ref, comment = m.group("action"), m.group("ref"), m.group("comment")
        assert SHA.match(ref), f"{workflow.name}: {action}@{ref} is not pinned to a commit SHA"
        assert comment and VERSION.match(comment), f"{workflow.name}: {action}@{ref} needs # vX.Y.Z"
        assert (action, comment, ref) in known, (
            f"{workflow.name}: {action}@{ref} # {comment} is not listed in {ACTIONS_MD.name}"
        )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_has_a_timeout(workflow: Path) -> None:
    for job_id, job in _jobs(workflow).items():
        timeout = job.get("timeout-minutes")
        assert isinstance(timeout, int) and 0 < timeout <= 120, f"{workflow.name}: job {job_id}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_no_untrusted_expression_inside_scripts(workflow: Path) -> None:
    for where, script in _scripts(workflow):
        for expression in EXPRESSION.findall(script):
            assert not UNTRUSTED.search(expression), (
                f"{where}: '${{{{{expression}}}}}' inside a script; pass it through env:"
            )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_minimal(workflow: Path) -> None:
    top = _load(workflow).get("permissions")
    assert top in ({}, {"contents": "read"}), f"{workflow.name}: top-level permissions {top!r}"
    for job_id, job in _jobs(workflow).items():
        assert isinstance(job.get("permissions"), dict), f"{workflow.name}: job {job_id}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_persist_credentials(workflow: Path) -> None:
    for job_id, step in _steps(workflow):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, (
                f"{workflow.name}: job {job_id}"
            )


def test_workflow_command_lines_parse_with_the_real_cli() -> None:
    commands = _all_commands()
    assert len(commands) >= 6, commands
    for where, argv in commands:
        try:
            parse(argv)
        except UsageError as exc:
            pytest.fail(f"{where}: vectora-gitops {shlex.join(argv)}: {exc}")
    used = {argv[0] for _, argv in commands if argv}
    assert used >= {"validate", "plan", "apply", "gates", "promote", "drift"}, used


def test_command_extraction() -> None:
    script = (
        'rc=0\n'
        'echo "::error::vectora-gitops plan failed for $ENV"\n'
        '.venv/bin/vectora-gitops plan --env "$ENV" --output markdown \\\n'
        '  --out "plan-${ENV}.json" > "plan-$ENV.md" || rc=$?\n'
        'vectora-gitops promote --from "$FROM" --to "$TO" "${only_args[@]}" && echo done\n'
        'if vectora-gitops drift --all; then :; fi\n'
    )
    assert extract_commands(script) == [
        ["plan", "--env", "dev", "--output", "markdown", "--out", "plan-dev.json"],
        ["promote", "--from", "dev", "--to", "stage"],
        ["drift", "--all"],
    ]


def test_a_bogus_flag_does_not_parse() -> None:
    [argv] = extract_commands('vectora-gitops plan --env "$ENV" --bogus-flag > plan.md\n')
    with pytest.raises(UsageError):
        parse(argv)
    with pytest.raises(UsageError):
        parse(["apply", "--environment", "dev"])


def test_pre_commit_uses_only_local_system_hooks() -> None:
    config = _load(ROOT / ".pre-commit-config.yaml")
    repos = config["repos"]
    assert repos and all(repo["repo"] == "local" for repo in repos)
    hooks = [hook for repo in repos for hook in repo["hooks"]]
    assert all(hook["language"] == "system" for hook in hooks)
    entries = " | ".join(hook["entry"] for hook in hooks)
    for tool in ("yamllint", "ruff check", "mypy", "vectora-gitops validate",
                 "check-jsonschema --builtin-schema vendor.github-workflows", "zizmor --offline"):
        assert tool in entries, f"no pre-commit hook runs {tool!r}"


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        ("environments/prod/pins.yaml", "@vectora/prod-approvers"),
        ("environments/prod/environment.yaml", "@vectora/prod-approvers"),
        ("environments/stage/pins.yaml", "@vectora/prod-approvers"),
        ("environments/qa/pins.yaml", "@vectora/prod-approvers"),
        ("clients/lai_weekly/7.1.0.yaml", "@vectora/maintainers"),
        ("canonical/2.1.0/scopes.yaml", "@vectora/maintainers"),
        ("scripts/vectora_gitops/cli.py", "@vectora/admins"),
        ("scripts/vectora_gitops/schemas/pins.schema.json", "@vectora/admins"),
        ("pyproject.toml", "@vectora/admins"),
        ("requirements/apply.txt", "@vectora/admins"),
        ("bin/test", "@vectora/admins"),
        (".ci/run", "@vectora/admins"),
        ("CODEOWNERS", "@vectora/admins"),
        (".github/workflows/reconcile.yml", "@vectora/admins"),
        (".github/scripts/tip-of-main.sh", "@vectora/admins"),
    ],
)
def test_codeowners(path: str, owner: str) -> None:
    owners = CodeOwners((ROOT / "CODEOWNERS").read_text(encoding="utf-8"))
    assert [name for _, name in owners.of(path)] == [owner]
