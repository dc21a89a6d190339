"""Checks of the GitHub workflows, the pre-commit configuration and CODEOWNERS.

Tools (zizmor, check-jsonschema) are taken from the virtualenv running the tests; zizmor runs
offline, with its auditor persona, and never sees a GitHub token. Every `vectora-gitops ...`
command line written in a workflow (or in a script of .github/scripts/ that a workflow runs) is
parsed with the real CLI parser, so a renamed or misspelled flag fails here, not in CI. The
security properties of the workflows (README, "Security") are checked on their structure here and
by running their steps in tests/test_workflow_steps.py.
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
CI_SCRIPTS = sorted((ROOT / ".github" / "scripts").glob("*.sh"))
ACTIONS_MD = Path(__file__).resolve().parents[2] / "shared" / "ACTIONS.md"
EXPECTED_WORKFLOWS = {"pr.yml", "reconcile.yml", "promote.yml", "drift.yml"}

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
    scripts = [*((where, script) for path in WORKFLOWS for where, script in _run_scripts(path)),
               *((f".github/scripts/{path.name}", path.read_text(encoding="utf-8"))
                 for path in CI_SCRIPTS)]
    return [(where, argv) for where, script in scripts for argv in extract_commands(script)]


def test_expected_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= EXPECTED_WORKFLOWS


def test_zizmor_auditor_finds_nothing_above_informational() -> None:
    """The auditor persona (false positives allowed) reports nothing of low severity or more; the
    one informational finding (create-pull-request could be `gh pr create`) is kept on purpose:
    the action updates the promotion branch and its pull request in place."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"GITHUB_TOKEN", "GH_TOKEN", "ZIZMOR_GITHUB_TOKEN"}}
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--persona", "auditor", "--min-severity", "low",
         ".github/workflows"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout or "0 low, 0 medium, 0 high" in result.stdout, (
        result.stdout)


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
def test_no_expression_inside_scripts(workflow: Path) -> None:
    """No `${{ }}` at all in a `run:` script or a github-script body: values reach them through
    `env:` only, so no text (a branch name, an input, a plan, a step output) becomes code."""
    for where, script in _scripts(workflow):
        for expression in EXPRESSION.findall(script):
            pytest.fail(f"{where}: '${{{{{expression}}}}}' inside a script; pass it through env:")


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
    used = {parse(argv).command for _, argv in commands}
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
                 "check-jsonschema --builtin-schema vendor.github-workflows",
                 "zizmor --offline --persona auditor --min-severity low", "cfn-lint"):
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


# ---- security properties of the workflows (README, "Security") --------------------------------

def _workflow(name: str) -> dict[str, Any]:
    return _load(WORKFLOWS_DIR / name)


def _triggers(name: str) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1)
    data = _workflow(name)
    triggers = data.get("on", data.get(True))
    assert isinstance(triggers, dict), f"{name}: triggers"
    return triggers


def _job_steps(name: str, job_id: str) -> list[dict[str, Any]]:
    steps = _jobs(WORKFLOWS_DIR / name)[job_id]["steps"]
    assert isinstance(steps, list)
    return steps


def _names(steps: list[dict[str, Any]]) -> list[str]:
    return [str(s.get("name", "")) for s in steps]


def _uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(f"{action}@")


def _reaches_aws(job: dict[str, Any]) -> bool:
    return any(_uses(s, "aws-actions/configure-aws-credentials") for s in job.get("steps", []))


JUDGES = ("validate", "gates")
BASE_SHA = "${{ github.event.pull_request.base.sha }}"


@pytest.mark.parametrize("job_id", JUDGES)
def test_judging_jobs_run_no_code_of_the_pull_request(job_id: str) -> None:
    """The base is checked out in base/ and is what gets installed; the pull request is checked
    out in pr/ and only read: by git, and by the tool as `--repo pr`."""
    steps = _job_steps("pr.yml", job_id)
    checkouts = [s["with"] for s in steps if _uses(s, "actions/checkout")]
    assert checkouts == [
        {"ref": BASE_SHA, "path": "base", "persist-credentials": False},
        {"path": "pr", "fetch-depth": 0, "persist-credentials": False},
    ]
    installs = [s for s in steps if "pip install" in str(s.get("run", ""))]
    assert installs and all(s.get("working-directory") == "base" for s in installs)
    for step in steps:
        assert step.get("working-directory") in (None, "base"), step
        script = str(step.get("run", ""))
        if not script:
            continue
        tokens = shlex.split(script.replace("\\\n", " "), comments=True)
        for before, token in zip(["", *tokens], tokens, strict=False):
            if token == "pr":
                assert before in {"-C", "--repo"}, f"{job_id}: {step.get('name')}: pr used as {before} pr"
            assert not re.match(r"^(\./)?pr/", token), f"{job_id}: {step.get('name')}: runs {token}"
        for argv in extract_commands(script):
            assert argv[:2] == ["--repo", "pr"], f"{job_id}: vectora-gitops {shlex.join(argv)}"


def test_judging_commands() -> None:
    commands = {parse(argv).command: argv for job_id in JUDGES
                for step in _job_steps("pr.yml", job_id)
                for argv in extract_commands(str(step.get("run", "")))}
    assert commands == {
        "validate": ["--repo", "pr", "validate", "--base", "dev"],  # "$BASE_SHA" as a test value
        "gates": ["--repo", "pr", "gates", "--check-pr", "--base", "dev"],
    }
    for job_id in JUDGES:
        for step in _job_steps("pr.yml", job_id):
            if "BASE_SHA" in str(step.get("run", "")):
                assert step["env"]["BASE_SHA"] == BASE_SHA


def test_every_pull_request_plans_every_environment() -> None:
    """No path filter, no change detection: a renderer or dependency change is planned too."""
    triggers = _triggers("pr.yml")
    assert set(triggers) == {"pull_request"}
    assert set(triggers["pull_request"]) == {"branches"}
    job = _jobs(WORKFLOWS_DIR / "pr.yml")["plan"]
    envs = sorted(p.name for p in (ROOT / "environments").iterdir() if p.is_dir())
    assert sorted(job["strategy"]["matrix"]["env"]) == envs
    assert all("if" not in step for step in job["steps"]), "a plan step is conditional"
    # the pull request's code runs here: no write access to anything
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


def test_the_comment_job_runs_no_code_and_updates_only_its_own_comments() -> None:
    job = _jobs(WORKFLOWS_DIR / "pr.yml")["comment"]
    assert job["needs"] == "plan"
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    steps = job["steps"]
    assert not any(_uses(s, "actions/checkout") or _uses(s, "actions/setup-python") for s in steps)
    assert not any("pip" in str(s.get("run", "")) for s in steps)
    [script] = [s["with"]["script"] for s in steps if _uses(s, "actions/github-script")]
    assert "c.user.type === 'Bot' && c.user.login === 'github-actions[bot]'" in script
    assert "comments.find((c) => ours(c) && (c.body || '').startsWith(marker))" in script
    drift = _job_steps("drift.yml", "drift")
    [script] = [s["with"]["script"] for s in drift if _uses(s, "actions/github-script")]
    assert "i.user.type === 'Bot' && i.user.login === 'github-actions[bot]'" in script
    assert "i.title === title && ours(i)" in script


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_secrets_only_in_jobs_bound_to_an_environment(workflow: Path) -> None:
    for job_id, job in _jobs(workflow).items():
        if "secrets." in yaml.safe_dump(job):
            assert job.get("environment"), f"{workflow.name}: job {job_id}: a secret outside an environment"
            assert job.get("if") == "github.ref == 'refs/heads/main'", job_id


def test_the_promotion_token_job_installs_nothing() -> None:
    job = _jobs(WORKFLOWS_DIR / "promote.yml")["pull-request"]
    assert job["environment"] == "promotion" and job["needs"] == "promote"
    assert not any("pip" in str(s.get("run", "")) or _uses(s, "actions/setup-python") for s in job["steps"])
    assert "secrets." not in yaml.safe_dump(_jobs(WORKFLOWS_DIR / "promote.yml")["promote"])


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_jobs_reaching_aws_install_hash_locked(workflow: Path) -> None:
    """Every package from requirements/apply.txt, checked against its sha256; then the package
    itself with no dependency and no build isolation (the build backend comes from the lock)."""
    for job_id, job in _jobs(workflow).items():
        if not _reaches_aws(job):
            continue
        steps = job["steps"]
        installs = [s for s in steps if re.search(r"\bpip3? install\b", str(s.get("run", "")))]
        assert len(installs) == 1, f"{workflow.name}: job {job_id}"
        lines = [line.strip() for line in str(installs[0]["run"]).splitlines() if line.strip()]
        assert lines == ["python -m pip install --require-hashes -r requirements/apply.txt",
                         "python -m pip install --no-deps --no-build-isolation ."], lines
        for step in steps:
            if _uses(step, "actions/setup-python"):
                assert "cache" not in step.get("with", {}), f"{workflow.name}: job {job_id}"


def test_reconcile_runs_on_every_push_to_main_and_has_a_recorded_break_glass() -> None:
    triggers = _triggers("reconcile.yml")
    assert triggers["push"] == {"branches": ["main"]}  # no path filter
    [name] = triggers["workflow_dispatch"]["inputs"]
    assert name == "break_glass_reason"
    assert triggers["workflow_dispatch"]["inputs"][name]["default"] == ""


def test_every_reconcile_job_refuses_a_commit_that_is_not_the_tip_of_main() -> None:
    jobs = _jobs(WORKFLOWS_DIR / "reconcile.yml")
    assert set(jobs) == {"dev", "stage", "prod-plan", "prod"}
    for job_id, job in jobs.items():
        assert job["if"].startswith("github.ref == 'refs/heads/main'"), job_id
        names = _names(job["steps"])
        tip = names.index("Refuse a commit that is not the tip of main")
        aws = next(i for i, s in enumerate(job["steps"]) if _uses(s, "aws-actions/configure-aws-credentials"))
        assert tip < aws, job_id
        step = job["steps"][tip]
        assert step["run"] == ".github/scripts/tip-of-main.sh"
        assert step["env"] == {"RUN_SHA": "${{ github.sha }}", "GH_TOKEN": "${{ github.token }}"}


def test_prod_is_planned_before_its_approval_and_applies_that_plan() -> None:
    jobs = _jobs(WORKFLOWS_DIR / "reconcile.yml")
    plan, prod = jobs["prod-plan"], jobs["prod"]
    assert "environment" not in plan  # runs before anyone approves
    assert plan["outputs"] == {"exit-code": "${{ steps.plan.outputs.exit-code }}",
                               "plan-sha256": "${{ steps.plan.outputs.sha256 }}"}
    names = _names(plan["steps"])
    assert names.index("Promotion check of prod's pins (stage's records now)") < names.index(
        "Plan prod for approval") < names.index("Keep the plan to approve")
    [run] = [s["run"] for s in plan["steps"] if s.get("id") == "plan"]
    assert "--out plan.json" in run and "sha256sum plan.json" in run and "$GITHUB_STEP_SUMMARY" in run
    [upload] = [s["with"] for s in plan["steps"] if _uses(s, "actions/upload-artifact")]
    assert upload["name"] == "reconcile-plan-prod" and upload["path"].split() == ["plan.json", "plan.md"]

    assert prod["environment"] == "prod" and prod["needs"] == "prod-plan"
    assert prod["if"] == "github.ref == 'refs/heads/main' && needs.prod-plan.outputs.exit-code == '2'"
    names = _names(prod["steps"])
    order = ["Refuse a commit that is not the tip of main",
             "Promotion check of prod's pins (stage's records at apply time)",
             "Take the approved plan", "Apply the approved plan"]
    assert [n for n in names if n in order] == order
    take = prod["steps"][names.index("Take the approved plan")]
    assert take["env"]["PLAN_SHA256"] == "${{ needs.prod-plan.outputs.plan-sha256 }}"
    assert "sha256sum --check --strict" in take["run"]
    [apply] = [argv for s in prod["steps"] for argv in extract_commands(str(s.get("run", "")))]
    assert apply == ["apply", "--env", "prod", "--plan", "approved/plan.json", "--yes"]
    for job in (plan, prod):
        [check] = [s for s in job["steps"] if "promotion-check.sh" in str(s.get("run", ""))]
        assert check["run"] == ".github/scripts/promotion-check.sh prod"
        assert check["env"] == {"BREAK_GLASS_REASON": "${{ inputs.break_glass_reason }}"}
