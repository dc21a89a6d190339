"""The `run:` steps of the workflows, run locally in order against the moto server.

A small stand-in for the GitHub runner: each job's steps run in order with `bash -e -o pipefail`
(GitHub's default shell) in the seeded repository, with GitHub's runner files (GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH; one set per step, as on GitHub) in a temporary
folder, the `${{ ... }}` expressions of `env:` and `if:` evaluated from a small context (matrix,
github, step outputs read back from GITHUB_OUTPUT), and `vectora-gitops` on PATH from the virtualenv
running the tests. `uses:` steps are not run: the checks of `USES_CHECKS` look at what they would
read instead (the files the github-script steps and the artifact uploads read). Steps that
`pip install` the project are replaced by a no-op: the tool is already installed. A git history
like the pull request checkout's (a bare `origin` with `main`, a feature commit on top) is set up
so `git diff origin/main...HEAD` works as in CI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from helpers_repo import edit, git
from support import cli, put

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
STEP_TIMEOUT = 300

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)
PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")
COMPARISON = re.compile(r"^(?P<left>[A-Za-z_][\w.-]*)\s*(?P<op>==|!=)\s*'(?P<right>[^']*)'$")
DRIFT_MARKER = re.compile(r"^<!-- vectora-gitops-drift:(?P<env>[a-z0-9]+) fingerprint:[0-9a-f]+ -->$")

PROMPT = "canonical/prompts/matching/lai_matching.yaml"


# --- the runner --------------------------------------------------------------------------------

@dataclass
class Job:
    """What a job's run left behind: step outputs, the job summary, what ran and what did not."""

    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: str = ""
    ran: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # step name -> why
    logs: dict[str, str] = field(default_factory=dict)  # step name -> stdout + stderr
    failed: str | None = None  # the step that failed; later steps run only if: failure()/always()


# Checks what a `uses:` step would read: its `with:` (evaluated; `script` kept as written), its
# `env:` (evaluated) and the repository.
UsesCheck = Callable[[dict[str, str], dict[str, str], Path], None]


def evaluate(text: str, context: Mapping[str, str], job: Job) -> str:
    """Replace every `${{ expr }}` of `text` by its value; an unknown expression fails the test."""
    return EXPRESSION.sub(lambda m: _value(m.group(1), context, job), text)


def _value(expr: str, context: Mapping[str, str], job: Job) -> str:
    parts = expr.split(".")
    if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
        return job.outputs.get(parts[1], {}).get(parts[3], "")
    if expr not in context:
        pytest.fail(f"no test value for ${{{{ {expr} }}}}: add it to the context of the test")
    return context[expr]


def condition(text: str | bool | None, context: Mapping[str, str], job: Job) -> bool:
    """Simple `if:` conditions: `a == 'x'`, `a != 'x'` and status functions joined by `&&`; as on
    GitHub, a condition without a status function means `success() && ...`."""
    status = {"always()": True, "success()": job.failed is None, "failure()": job.failed is not None,
              "cancelled()": False}
    if text is None or isinstance(text, bool):
        return status["success()"] and text is not False
    inner = EXPRESSION.fullmatch(text.strip())
    expr = inner.group(1) if inner else text.strip()
    terms = [t.strip() for t in expr.split("&&")]
    result = any(t in status for t in terms) or status["success()"]
    for term in terms:
        if term in status:
            result = result and status[term]
            continue
        match = COMPARISON.match(term)
        if match is None or "||" in term:
            pytest.fail(f"if: {text!r}: condition not understood by this test runner")
        value = _value(match["left"], context, job)
        result = result and ((value == match["right"]) == (match["op"] == "=="))
    return result


def read_pairs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT / GITHUB_ENV: `name=value` lines and `name<<DELIMITER` blocks."""
    pairs: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines()) if path.exists() else iter(())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for item in lines:
                if item == delimiter:
                    break
                block.append(item)
            pairs[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            pairs[name] = value
    return pairs


def base_env(runner: Path, repo: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "RUNNER_")) and k not in {"GH_TOKEN", "ACTIONS_RUNTIME_TOKEN"}}
    env.update({"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(repo),
                "RUNNER_TEMP": str(runner), "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"})
    assert env.get("AWS_ENDPOINT_URL", "").startswith("http://127.0.0.1:"), "moto fixture not active"
    return env


def run_job(workflow: str, job_id: str, repo: Path, runner: Path, context: Mapping[str, str],
            uses_checks: Mapping[str, UsesCheck], *, may_fail: bool = False) -> Job:
    """Run the job's steps in order; a failing step fails the test unless `may_fail`."""
    data = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
    spec = data["jobs"][job_id]
    job = Job()
    runner.mkdir(parents=True, exist_ok=True)
    env = base_env(runner, repo)
    env.update({k: evaluate(str(v), context, job) for k, v in (data.get("env") or {}).items()})
    env.update({k: evaluate(str(v), context, job) for k, v in (spec.get("env") or {}).items()})
    extra_path: list[str] = []
    summaries: list[str] = []
    for number, step in enumerate(spec["steps"], start=1):
        name = evaluate(str(step.get("name") or step.get("id") or step.get("uses")), context, job)
        if not condition(step.get("if"), context, job):
            job.skipped[name] = "if"
            continue
        step_env = {k: evaluate(str(v), context, job) for k, v in (step.get("env") or {}).items()}
        if "uses" in step:
            action = str(step["uses"]).split("@", 1)[0]
            job.skipped[name] = f"uses {action}"
            if action in uses_checks:
                with_ = {k: str(v) if k == "script" else evaluate(str(v), context, job)
                         for k, v in (step.get("with") or {}).items()}
                uses_checks[action](with_, step_env, repo)
            continue
        script = str(step["run"])
        if PIP_INSTALL.search(script):
            job.skipped[name] = "pip install (already installed)"
            continue
        assert step.get("shell", "bash") == "bash", f"{name}: only bash steps are run here"
        files = {var: runner / f"{number:02d}-{var.lower()}" for var in
                 ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH")}
        for path in files.values():
            path.write_text("", encoding="utf-8")
        full_env = {**env, **step_env, **{k: str(v) for k, v in files.items()}}
        if extra_path:
            full_env["PATH"] = os.pathsep.join([*reversed(extra_path), full_env["PATH"]])
        cwd = repo / str(step.get("working-directory", "."))
        proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=full_env,
                              capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False)
        job.logs[name] = proc.stdout + proc.stderr
        assert proc.returncode == 0 or may_fail, (
            f"{workflow}:{job_id}: step '{name}' exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        )
        job.ran.append(name)
        if proc.returncode != 0 and job.failed is None:
            job.failed = name
        if "id" in step:
            job.outputs[str(step["id"])] = read_pairs(files["GITHUB_OUTPUT"])
        env.update(read_pairs(files["GITHUB_ENV"]))
        extra_path += [p for p in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if p]
        summaries.append(files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"))
    job.summary = "".join(summaries)
    return job


# --- repository set-up -------------------------------------------------------------------------

def pull_request_checkout(repo: Path, remote: Path) -> None:
    """`origin` (a bare repository) holds `main`; HEAD is a feature commit changing dev only."""
    git(remote.parent, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "fetch", "-q", "origin")
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo, "environments/dev/environment.yaml", 'MAX_CONCURRENT_BEDROCK_CALLS: "4"',
         'MAX_CONCURRENT_BEDROCK_CALLS: "8"')
    git(repo, "commit", "-q", "-am", "dev: more concurrent Bedrock calls")


def context_for(env: str) -> dict[str, str]:
    return {
        "matrix.env": env,
        "matrix.role_arn": f"arn:aws:iam::786469175371:role/vectora-gitops-plan-{env}",
        "github.base_ref": "main",
        "github.server_url": "https://github.example.invalid",
        "github.repository": "vectora/vectora-inbox-gitops",
        "github.run_id": "4242",
        "github.event.pull_request.number": "7",
        "vars.READONLY_ROLE_ARN": "arn:aws:iam::786469175371:role/vectora-gitops-readonly",
    }


# --- what the `uses:` steps would read ---------------------------------------------------------

def plan_comment_reads(with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
    script = with_["script"]
    assert "fs.readFileSync(`plan-${env}.md`" in script
    plan = (repo / f"plan-{env['ENV']}.md").read_text(encoding="utf-8")
    assert plan.startswith("### ") and f"Plan for `{env['ENV']}`" in plan.splitlines()[0], plan[:200]
    assert env["PLAN_EXIT_CODE"] in {"0", "2"}


def uploads_exist(with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
    del env
    for rel in with_["path"].split():
        assert (repo / rel).is_file(), f"artifact {rel} was not written"


def drift_issue_reads(with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
    script = with_["script"]
    assert "const file = `drift/${env}.md`;" in script
    assert re.search(r"for \(const env of \['dev', 'stage', 'prod'\]\)", script)
    assert env["RUN_URL"] == "https://github.example.invalid/vectora/vectora-inbox-gitops/actions/runs/4242"
    reports = sorted((repo / "drift").glob("*.md"))
    assert reports, "the drift step wrote no report"
    for report in reports:
        first = report.read_text(encoding="utf-8").split("\n", 1)[0]
        match = DRIFT_MARKER.match(first)
        assert match, f"{report.name}: first line {first!r} has no fingerprint marker"
        assert report.name == f"{match['env']}.md" and match["env"] in {"dev", "stage", "prod"}


# --- the tests ---------------------------------------------------------------------------------

def test_pull_request_plan_job_runs_locally(seeded: Path, tmp_path: Path) -> None:
    pull_request_checkout(seeded, tmp_path / "origin.git")
    checks = {"actions/github-script": plan_comment_reads, "actions/upload-artifact": uploads_exist}

    dev = run_job("pr.yml", "plan", seeded, tmp_path / "runner-dev", context_for("dev"), checks)
    assert dev.ran == ["Detect desired-state changes for dev", "Plan"], dev.skipped
    assert dev.outputs["changed"] == {"changed": "true"}
    assert dev.outputs["plan"] == {"exit-code": "2"}  # the feature commit and the unapplied sandbox
    assert dev.skipped == {
        "Checkout": "uses actions/checkout",
        "Set up Python": "uses actions/setup-python",
        "Install vectora-gitops": "pip install (already installed)",
        "Configure AWS credentials (OIDC, read-only plan role)": "uses aws-actions/configure-aws-credentials",
        "Comment the plan on the pull request": "uses actions/github-script",
        "Keep the saved plan": "uses actions/upload-artifact",
    }
    assert "environments/dev/environment.yaml" in dev.logs["Detect desired-state changes for dev"]
    assert "### " in dev.summary and "Plan for `dev`" in dev.summary
    assert "MAX_CONCURRENT_BEDROCK_CALLS" in dev.summary
    assert (seeded / "plan-dev.json").is_file() and (seeded / "plan-dev.md").is_file()

    # Only dev's files changed: stage's job stops after its change detection, touching nothing.
    stage = run_job("pr.yml", "plan", seeded, tmp_path / "runner-stage", context_for("stage"), {})
    assert stage.ran == ["Detect desired-state changes for stage"]
    assert stage.outputs["changed"] == {"changed": "false"}
    assert stage.skipped["Plan"] == "if" and stage.summary == ""
    assert not (seeded / "plan-stage.md").exists()

    # No stage/prod pin changed: the gates job checks nothing (and needs no AWS).
    gates = run_job("pr.yml", "gates", seeded, tmp_path / "runner-gates", context_for("dev"), {})
    assert gates.ran == ["Detect changed stage/prod pins"]
    assert gates.outputs["changed"] == {"pins": "false"}
    assert gates.skipped["Check promotion gates"] == "if"


def test_pull_request_gates_job_runs_locally(seeded: Path, tmp_path: Path) -> None:
    """A hand-edited stage pin: the gates step reads dev's deployment records from the emulator
    and fails the job (dev never ran canonical 2.0.0), naming the file and the pin."""
    pull_request_checkout(seeded, tmp_path / "origin.git")
    line = edit(seeded, "environments/stage/pins.yaml", "canonical: 2.1.0", "canonical: 2.0.0")
    git(seeded, "commit", "-q", "-am", "stage: canonical 2.0.0 by hand")
    gates = run_job("pr.yml", "gates", seeded, tmp_path / "runner", context_for("stage"), {},
                    may_fail=True)
    assert gates.outputs["changed"] == {"pins": "true"}
    assert gates.ran == ["Detect changed stage/prod pins", "Check promotion gates"], gates.logs
    assert gates.failed == "Check promotion gates"
    assert gates.skipped["Configure AWS credentials (OIDC, read-only role)"] == (
        "uses aws-actions/configure-aws-credentials")
    log = gates.logs["Check promotion gates"]
    assert f"environments/stage/pins.yaml:{line}: canonical 2.0.0 never ran in dev" in log, log


def test_drift_job_runs_locally(seeded: Path, tmp_path: Path) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    put("vectora-inbox-config-dev", PROMPT, b"edited: in the console\n")

    job = run_job("drift.yml", "drift", seeded, tmp_path / "runner", context_for("dev"),
                  {"actions/github-script": drift_issue_reads})
    assert job.ran == ["Detect drift"]
    assert job.skipped["Install vectora-gitops"] == "pip install (already installed)"
    assert job.skipped["Open, update or close drift issues"] == "uses actions/github-script"
    assert job.outputs["drift"] == {"exit-code": "2"}
    report = (seeded / "drift" / "dev.md").read_text(encoding="utf-8")
    assert PROMPT in report
    assert "# Drift in dev" in job.summary and PROMPT in job.summary
    assert "No drift in any environment." not in job.summary


def test_runner_helpers() -> None:
    job = Job(outputs={"changed": {"changed": "true"}, "plan": {"exit-code": "2"}})
    ctx = {"matrix.env": "dev"}
    assert condition("steps.changed.outputs.changed == 'true'", ctx, job)
    assert not condition("${{ steps.changed.outputs.changed != 'true' }}", ctx, job)
    assert condition("always() && steps.plan.outputs.exit-code == '2'", ctx, job)
    assert not condition("failure()", ctx, job)
    assert condition(None, ctx, job)
    failed = Job(outputs=job.outputs, failed="Plan")
    assert not condition(None, ctx, failed)
    assert not condition("steps.plan.outputs.exit-code == '2'", ctx, failed)
    assert condition("always() && steps.plan.outputs.exit-code == '2'", ctx, failed)
    assert condition("failure()", ctx, failed)
    text = "plan-${{ matrix.env }}.md ${{steps.plan.outputs.exit-code}}"
    assert evaluate(text, ctx, job) == "plan-dev.md 2"


def test_read_pairs(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_text("a=1\nbody<<EOF\nline one\nx=y\nEOF\nb=c=d\n", encoding="utf-8")
    assert read_pairs(path) == {"a": "1", "body": "line one\nx=y", "b": "c=d"}
    assert read_pairs(tmp_path / "missing") == {}
