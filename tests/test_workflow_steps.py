"""The `run:` steps of the workflows, run locally in order against the moto server.

A small stand-in for the GitHub runner: each job's steps run in order with `bash -e -o pipefail`
(GitHub's default shell) in the seeded repository, with GitHub's runner files (GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH; one set per step, as on GitHub) in a temporary
folder, the `${{ ... }}` expressions of `env:` and `if:` evaluated from a small context (matrix,
github, inputs, needs, step outputs read back from GITHUB_OUTPUT), and `vectora-gitops` on PATH from
the virtualenv running the tests. `uses:` steps are not run: the checks of `USES_CHECKS` look at
what they would read instead (the files the github-script steps and the artifact uploads read),
and `FakeGitHub` stands in for GitHub itself (artifact storage behind a `gh run download`
stand-in, and the REST API behind the github-script bodies, which run under Node with
tests/github_script.js). Steps that `pip install` the project are replaced by a no-op: the tool
is already installed. A git history like the pull request checkout's (a bare `origin` with
`main`, a feature commit on top) is set up so `git diff origin/main...HEAD` works as in CI.

The attacks the workflows refuse (README, "Security") are reproduced here: a pull request that
edits the tool judging it, a comment carrying the plan marker, a re-run of an old reconcile run,
a prod pin that did not soak in stage, a plan file other than the one approved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from evidence_support import content_digests, stage_metrics, write_record
from helpers_repo import edit, git
from support import cli, objects, put, run_records

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
            uses_checks: Mapping[str, UsesCheck], *, may_fail: bool = False,
            path: Sequence[Path] = ()) -> Job:
    """Run the job's steps in order; a failing step fails the test unless `may_fail`. `path`:
    folders put first on PATH (stand-ins for the runner's tools)."""
    data = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
    spec = data["jobs"][job_id]
    job = Job()
    runner.mkdir(parents=True, exist_ok=True)
    env = base_env(runner, repo)
    env["PATH"] = os.pathsep.join([*map(str, path), env["PATH"]])
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
        for file in files.values():
            file.write_text("", encoding="utf-8")
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

ENVS = ("dev", "stage", "prod")
AWS_ACTION = "aws-actions/configure-aws-credentials"
BOT = {"login": "github-actions[bot]", "type": "Bot"}
MALLORY = {"login": "mallory", "type": "User"}
RUN_URL = "https://github.example.invalid/vectora/vectora-inbox-gitops/actions/runs/4242"


def pull_request_checkout(repo: Path, remote: Path) -> None:
    """`origin` (a bare repository) holds `main`; HEAD is a feature commit changing dev only."""
    publish_main(repo, remote)
    git(repo, "checkout", "-q", "-b", "feature")
    edit(repo, "environments/dev/environment.yaml", 'MAX_CONCURRENT_BEDROCK_CALLS: "4"',
         'MAX_CONCURRENT_BEDROCK_CALLS: "8"')
    git(repo, "commit", "-q", "-am", "dev: more concurrent Bedrock calls")


def with_ci_files(repo: Path) -> None:
    """The repository's CODEOWNERS and .github/ (the scripts the workflows run), committed."""
    shutil.copy(ROOT / "CODEOWNERS", repo / "CODEOWNERS")
    shutil.copytree(ROOT / ".github", repo / ".github")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "CODEOWNERS and workflows")


def publish_main(repo: Path, remote: Path) -> str:
    """`origin` (a bare repository) holds `repo`'s main; returns its commit."""
    git(remote.parent, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "fetch", "-q", "origin")
    return head(repo)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def context_for(env: str, **extra: str) -> dict[str, str]:
    return {
        "matrix.env": env,
        "matrix.role_arn": f"arn:aws:iam::786469175371:role/vectora-gitops-plan-{env}",
        "github.base_ref": "main",
        "github.server_url": "https://github.example.invalid",
        "github.repository": "vectora/vectora-inbox-gitops",
        "github.run_id": "4242",
        "github.token": "ghs_test-token-not-a-secret",
        "github.event.pull_request.number": "7",
        "inputs.break_glass_reason": "",
        "vars.READONLY_ROLE_ARN": "arn:aws:iam::786469175371:role/vectora-gitops-readonly",
        **{f"vars.APPLY_ROLE_ARN_{e.upper()}": f"arn:aws:iam::786469175371:role/vectora-gitops-apply-{e}"
           for e in ENVS},
        **extra,
    }


# --- GitHub itself: artifact storage, `gh run download`, the REST API of github-script --------

GH = """#!/usr/bin/env bash
# Stand-in for `gh run download RUN_ID --name NAME --dir DIR` (artifacts kept by the test).
set -euo pipefail
[ "${1:-} ${2:-}" = "run download" ] || { echo "gh stand-in: only 'run download'" >&2; exit 2; }
[ "${3:-}" = "4242" ] || { echo "gh stand-in: run ${3:-} is not this run" >&2; exit 2; }
shift 3
name=""; dir="."
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    *) echo "gh stand-in: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -d "ARTIFACTS/$name" ] || { echo "no artifact matches $name" >&2; exit 1; }
mkdir -p "$dir"
cp -R "ARTIFACTS/$name/." "$dir/"
"""


@dataclass
class FakeGitHub:
    """Artifacts uploaded by one job and downloaded by another with `gh run download`; the
    github-script bodies run under Node against `pages` (what the API lists), their API calls kept
    in `calls`."""

    root: Path
    pages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[list[dict[str, Any]]] = field(default_factory=list)
    checkouts: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bin.mkdir(parents=True, exist_ok=True)
        self.artifacts.mkdir(parents=True, exist_ok=True)
        gh = self.bin / "gh"
        gh.write_text(GH.replace("ARTIFACTS", str(self.artifacts)), encoding="utf-8")
        gh.chmod(0o755)

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    def upload(self, with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
        del env
        store = self.artifacts / with_["name"]
        shutil.rmtree(store, ignore_errors=True)
        for rel in with_["path"].split():
            assert (repo / rel).is_file(), f"artifact {with_['name']}: {rel} was not written"
            (store / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(repo / rel, store / rel)

    def checkout(self, with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
        del env, repo
        assert with_.get("persist-credentials") == "False"
        self.checkouts.append(with_)

    def script(self, with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
        node = shutil.which("node")
        if node is None:
            pytest.skip("node is not installed: the github-script bodies cannot run")
        context = {"repo": {"owner": "vectora", "repo": "vectora-inbox-gitops"},
                   "payload": {"pull_request": {"number": 7}}, "sha": "0123456789abcdef",
                   "serverUrl": "https://github.example.invalid", "runId": 4242}
        payload = json.dumps({"script": with_["script"], "context": context, "pages": self.pages})
        proc = subprocess.run([node, str(Path(__file__).with_name("github_script.js"))],
                              input=payload, cwd=repo, env={**os.environ, **env}, capture_output=True,
                              text=True, timeout=STEP_TIMEOUT, check=False)
        assert proc.returncode == 0, proc.stderr
        self.calls.append(json.loads(proc.stdout))

    def checks(self, **extra: UsesCheck) -> dict[str, UsesCheck]:
        return {"actions/upload-artifact": self.upload, "actions/checkout": self.checkout,
                "actions/github-script": self.script, **extra}


def writes(calls: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """The API calls that write, as (name, target): comment or issue id, or the new issue's title."""
    out = []
    for call in calls:
        params = call["params"]
        if call["name"] in {"createComment", "updateComment", "create", "update"}:
            target = params.get("comment_id") or params.get("issue_number") or params.get("title")
            out.append((call["name"], target))
    return out


# --- what the `uses:` steps would read ---------------------------------------------------------

def drift_issue_reads(with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
    script = with_["script"]
    assert "const file = `drift/${env}.md`;" in script
    assert re.search(r"for \(const env of \['dev', 'stage', 'prod'\]\)", script)
    assert env["RUN_URL"] == RUN_URL
    reports = sorted((repo / "drift").glob("*.md"))
    assert reports, "the drift step wrote no report"
    for report in reports:
        first = report.read_text(encoding="utf-8").split("\n", 1)[0]
        match = DRIFT_MARKER.match(first)
        assert match, f"{report.name}: first line {first!r} has no fingerprint marker"
        assert report.name == f"{match['env']}.md" and match["env"] in {"dev", "stage", "prod"}


# --- pull requests -----------------------------------------------------------------------------

def test_pull_request_plans_every_environment_and_comments(seeded: Path, tmp_path: Path) -> None:
    """Every environment is planned (whatever the pull request changed), and one comment per
    environment is posted by a job that runs no code of the pull request: it updates this
    workflow's own comment, never one written by someone else with the same marker."""
    pull_request_checkout(seeded, tmp_path / "origin.git")
    github = FakeGitHub(tmp_path / "github")
    for env in ENVS:
        job = run_job("pr.yml", "plan", seeded, tmp_path / f"runner-{env}", context_for(env),
                      github.checks(), path=[github.bin])
        assert job.ran == ["Plan"], job.skipped
        assert job.skipped == {
            "Checkout": "uses actions/checkout",
            "Set up Python": "uses actions/setup-python",
            "Install the pull request's vectora-gitops (hash-locked)": "pip install (already installed)",
            "Configure AWS credentials (OIDC, read-only plan role)": f"uses {AWS_ACTION}",
            "Keep the plan": "uses actions/upload-artifact",
        }
        # the feature commit and the unapplied sandbox: every environment has changes
        assert job.outputs["plan"] == {"exit-code": "2"}
        assert f"Plan for `{env}`" in job.summary
        stored = github.artifacts / f"plan-{env}"
        assert sorted(p.name for p in stored.iterdir()) == [
            f"plan-{env}.exit-code", f"plan-{env}.json", f"plan-{env}.md"]
    assert "MAX_CONCURRENT_BEDROCK_CALLS" in (github.artifacts / "plan-dev" / "plan-dev.md").read_text()

    # Someone else's comment carries dev's marker; stage's comment is this workflow's own.
    github.pages["listComments"] = [
        {"id": 1, "user": MALLORY, "body": "<!-- vectora-gitops-plan:dev -->\nall in sync, approve"},
        {"id": 2, "user": {"login": "mallory", "type": "Bot"}, "body": "<!-- vectora-gitops-plan:dev -->"},
        {"id": 3, "user": BOT, "body": "<!-- vectora-gitops-plan:stage -->\nold plan"},
        {"id": 4, "user": BOT, "body": "quoting <!-- vectora-gitops-plan:prod --> is not a plan comment"},
    ]
    workspace = tmp_path / "comment-workspace"
    workspace.mkdir()
    job = run_job("pr.yml", "comment", workspace, tmp_path / "runner-comment", context_for("dev"),
                  github.checks(), path=[github.bin])
    assert job.ran == ["Take the plans of this run"]
    [calls] = github.calls
    assert writes(calls) == [("createComment", 7), ("updateComment", 3), ("createComment", 7)]
    bodies = [c["params"]["body"] for c in calls if c["name"] in {"createComment", "updateComment"}]
    for env, body in zip(ENVS, bodies, strict=True):
        assert body.startswith(f"<!-- vectora-gitops-plan:{env} -->\n### vectora-gitops plan: `{env}` "
                               "(changes pending)"), body[:200]
        assert f"Plan for `{env}`" in body and RUN_URL in body
    assert "MAX_CONCURRENT_BEDROCK_CALLS" in bodies[0]


@pytest.mark.usefixtures("moto")  # the runner refuses to run without the emulator
def test_comment_job_without_a_plan(tmp_path: Path) -> None:
    """A plan job that failed left no artifact: its environment gets no comment, the others do."""
    github = FakeGitHub(tmp_path / "github")
    store = github.artifacts / "plan-dev"
    store.mkdir(parents=True)
    (store / "plan-dev.md").write_text("### Plan for `dev`\n", encoding="utf-8")
    (store / "plan-dev.exit-code").write_text("0\n", encoding="utf-8")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    job = run_job("pr.yml", "comment", workspace, tmp_path / "runner", {**context_for("dev"),
                  "github.token": "t"}, github.checks(), path=[github.bin])
    assert "no plan for stage in this run" in job.logs["Take the plans of this run"]
    [calls] = github.calls
    assert writes(calls) == [("createComment", 7)]
    assert "(in sync)" in calls[1]["params"]["body"]
    assert [c["params"]["message"] for c in calls if c["name"] == "warning"] == [
        f"No plan for stage: see {RUN_URL}", f"No plan for prod: see {RUN_URL}"]


def judged_pull_request(seeded: Path, tmp_path: Path) -> tuple[Path, str]:
    """A workspace as the judging jobs check it out: the base (main, with the repository's
    CODEOWNERS, workflows and package) in base/, the pull request in pr/. Returns it and the
    base commit."""
    for rel in ("CODEOWNERS", "pyproject.toml"):
        shutil.copy(ROOT / rel, seeded / rel)
    for rel in (".github", "scripts"):
        shutil.copytree(ROOT / rel, seeded / rel,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    git(seeded, "add", "-A")
    git(seeded, "commit", "-q", "-m", "the repository's code")
    base = publish_main(seeded, tmp_path / "origin.git")
    workspace = tmp_path / "workspace"
    for name in ("base", "pr"):
        git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(workspace / name))
    git(workspace / "pr", "checkout", "-q", "-b", "feature")
    return workspace, base


def rig(pr: Path, module: str, function: str, result: str) -> None:
    """The attack: one line added at the top of `function` in the pull request's copy of the tool."""
    path = pr / "scripts" / "vectora_gitops" / module
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^def {function}\(.*?\) -> .*?:\n(    \"\"\".*?\"\"\"\n)?", text,
                      re.MULTILINE | re.DOTALL)
    assert match, f"{module}: def {function} not found"
    path.write_text(text[:match.end()] + f"    return {result}\n" + text[match.end():],
                    encoding="utf-8")


def pull_request_code(pr: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """What the old pr.yml ran: the pull request's own tool (its scripts/ first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(pr / "scripts")}
    return subprocess.run([sys.executable, "-m", "vectora_gitops", "--repo", str(pr), *args],
                          env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False)


def judge_context(base: str) -> dict[str, str]:
    return context_for("dev", **{"github.event.pull_request.base.sha": base})


def assert_judge_checkouts(github: FakeGitHub, base: str) -> None:
    assert github.checkouts == [
        {"ref": base, "path": "base", "persist-credentials": "False"},
        {"path": "pr", "fetch-depth": "0", "persist-credentials": "False"},
    ]


def test_a_pull_request_cannot_rig_the_gates_that_judge_it(seeded: Path, tmp_path: Path) -> None:
    """A hand-edited stage pin, and a line added to checkpr.py that passes everything: the pull
    request's own tool says ok (the attack on the old workflow), the `gates` job, which runs the
    base's tool and reads the pull request as data, refuses the pin."""
    workspace, base = judged_pull_request(seeded, tmp_path)
    pr = workspace / "pr"
    line = edit(pr, "environments/stage/pins.yaml", "canonical: 2.1.0", "canonical: 2.0.0")
    rig(pr, "promotion/checkpr.py", "check", '[], ["check-pr: ok"]')
    git(pr, "commit", "-q", "-am", "stage: canonical 2.0.0, and a quieter check")

    rigged = pull_request_code(pr, "gates", "--check-pr", "--base", base)
    assert rigged.returncode == 0 and "check-pr: ok" in rigged.stdout, rigged.stderr

    github = FakeGitHub(tmp_path / "github")
    gates = run_job("pr.yml", "gates", workspace, tmp_path / "runner", judge_context(base),
                    github.checks(), may_fail=True)
    assert_judge_checkouts(github, base)
    assert gates.outputs["changed"] == {"pins": "true"}
    assert gates.ran == ["Detect changed pins", "Check promotion gates"], gates.logs
    assert gates.skipped["Install vectora-gitops from the base (hash-locked)"] == (
        "pip install (already installed)")
    assert gates.failed == "Check promotion gates"
    log = gates.logs["Check promotion gates"]
    assert (f"environments/stage/pins.yaml:{line}: canonical 2.0.0 never ran in dev (no successful "
            "apply); promote it through dev first") in log, log


def test_a_pull_request_cannot_rig_the_validation_that_judges_it(seeded: Path, tmp_path: Path) -> None:
    """The pull request drops the admins' rule for scripts/ and makes its validate.py report
    nothing: its own tool says ok, the `validate` job (the base's tool) names the lost rule."""
    workspace, base = judged_pull_request(seeded, tmp_path)
    pr = workspace / "pr"
    codeowners = (pr / "CODEOWNERS").read_text(encoding="utf-8")
    (pr / "CODEOWNERS").write_text(codeowners.replace("/scripts/           @vectora/admins\n", ""),
                                   encoding="utf-8")
    rig(pr, "desired/validate.py", "validate", "Report()")
    git(pr, "commit", "-q", "-am", "scripts/ back to the maintainers, and a quieter validate")

    rigged = pull_request_code(pr, "validate", "--base", base)
    assert rigged.returncode == 0 and "validate: ok" in rigged.stdout, rigged.stderr

    github = FakeGitHub(tmp_path / "github")
    job = run_job("pr.yml", "validate", workspace, tmp_path / "runner", judge_context(base),
                  github.checks(), may_fail=True)
    assert_judge_checkouts(github, base)
    assert job.failed == "Validate the pull request against its base"
    log = job.logs["Validate the pull request against its base"]
    assert ("scripts/vectora_gitops/desired/validate.py: the last matching rule '*' gives "
            "@vectora/maintainers, not @vectora/admins or @vectora/prod-approvers") in log, log


def test_the_judging_jobs_pass_a_clean_pull_request(seeded: Path, tmp_path: Path) -> None:
    workspace, base = judged_pull_request(seeded, tmp_path)
    pr = workspace / "pr"
    edit(pr, "environments/dev/environment.yaml", 'LOG_LEVEL: "DEBUG"', 'LOG_LEVEL: "INFO"')
    git(pr, "commit", "-q", "-am", "dev: quieter logs")
    github = FakeGitHub(tmp_path / "github")
    job = run_job("pr.yml", "validate", workspace, tmp_path / "runner-v", judge_context(base),
                  github.checks())
    assert "validate: ok" in job.logs["Validate the pull request against its base"]
    gates = run_job("pr.yml", "gates", workspace, tmp_path / "runner-g", judge_context(base),
                    github.checks())
    assert gates.ran == ["Detect changed pins"] and gates.outputs["changed"] == {"pins": "false"}


# --- reconcile ---------------------------------------------------------------------------------

def advance_main(repo: Path) -> str:
    """Another merge to main after the run's commit; returns it."""
    git(repo, "checkout", "-q", "-b", "later")
    edit(repo, "environments/dev/environment.yaml", 'LOG_LEVEL: "DEBUG"', 'LOG_LEVEL: "INFO"')
    git(repo, "commit", "-q", "-am", "dev: quieter logs")
    git(repo, "push", "-q", "origin", "later:main")
    later = head(repo)
    git(repo, "checkout", "-q", "main")
    return later


def test_reconcile_applies_the_tip_of_main_and_refuses_an_old_commit(seeded: Path,
                                                                     tmp_path: Path) -> None:
    with_ci_files(seeded)
    sha = publish_main(seeded, tmp_path / "origin.git")
    github = FakeGitHub(tmp_path / "github")
    dev = run_job("reconcile.yml", "dev", seeded, tmp_path / "runner-1",
                  context_for("dev", **{"github.sha": sha}), github.checks(), path=[github.bin])
    assert dev.ran == ["Refuse a commit that is not the tip of main", "Plan", "Apply"], dev.skipped
    assert f"{sha} is the tip of main" in dev.logs["Refuse a commit that is not the tip of main"]
    assert "dev: applied" in dev.logs["Apply"]

    # The run is re-run after another merge: it refuses before reaching AWS.
    later = advance_main(seeded)
    put("vectora-inbox-config-dev", PROMPT, b"edited: in the console\n")
    rerun = run_job("reconcile.yml", "dev", seeded, tmp_path / "runner-2",
                    context_for("dev", **{"github.sha": sha}), github.checks(), may_fail=True,
                    path=[github.bin])
    assert rerun.failed == "Refuse a commit that is not the tip of main"
    assert rerun.ran == ["Refuse a commit that is not the tip of main"]
    assert (f"refusing to apply {sha}: it is not the tip of main (main is at {later})"
            in rerun.logs["Refuse a commit that is not the tip of main"])
    assert objects("vectora-inbox-config-dev", PROMPT)[PROMPT] == b"edited: in the console\n"
    [calls] = github.calls  # the failure is reported on the merged pull request
    assert calls[0]["name"] == "listPullRequestsAssociatedWithCommit"


def stage_ran_prod_pins(repo: Path, days_ago: float) -> None:
    """A successful stage apply, stored by S3 `days_ago`, whose pins are prod's pins with their
    content (what soaking means), and the rest of the evidence prod's gates read in stage:
    good metrics and a passing E2E result for that deployment."""
    pins = yaml.safe_load((repo / "environments/prod/pins.yaml").read_text(encoding="utf-8"))
    write_record("stage", "20260101T000000000000Z-0001", pins,
                 at=datetime.now(UTC) - timedelta(days=days_ago),
                 digests=content_digests(repo, pins))
    stage_metrics()
    assert cli(repo, "record-e2e", "--env", "stage", "--result", "pass") == 0


def prod_repo(seeded: Path, tmp_path: Path) -> str:
    """prod without its deny window (the test must not depend on the day), published as main."""
    path = seeded / "environments/prod/environment.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("deny_windows:\n")
    end = text.index("drift:\n")
    path.write_text(text[:start] + "deny_windows: []\n" + text[end:], encoding="utf-8")
    git(seeded, "commit", "-q", "-am", "prod: no deny window in the test")
    with_ci_files(seeded)
    return publish_main(seeded, tmp_path / "origin.git")


def plan_prod(seeded: Path, runner: Path, github: FakeGitHub, context: dict[str, str], *,
              may_fail: bool = False) -> Job:
    return run_job("reconcile.yml", "prod-plan", seeded, runner, context, github.checks(),
                   may_fail=may_fail, path=[github.bin])


def test_prod_applies_exactly_the_plan_shown_before_approval(seeded: Path, tmp_path: Path) -> None:
    sha = prod_repo(seeded, tmp_path)
    stage_ran_prod_pins(seeded, days_ago=20)
    github = FakeGitHub(tmp_path / "github")
    context = context_for("prod", **{"github.sha": sha})
    plan = plan_prod(seeded, tmp_path / "runner-plan", github, context)
    assert plan.ran == ["Refuse a commit that is not the tip of main",
                        "Promotion check of prod's pins (stage's records now)", "Plan prod for approval"]
    sha256 = plan.outputs["plan"]["sha256"]
    assert plan.outputs["plan"]["exit-code"] == "2" and re.fullmatch(r"[0-9a-f]{64}", sha256)
    assert "## prod: the plan to approve" in plan.summary and sha256 in plan.summary
    assert f"Commit `{sha}`" in plan.summary and "Plan for `prod`" in plan.summary
    assert "canonical 2.0.0 ran in stage for 20 days" in plan.summary
    assert (github.artifacts / "reconcile-plan-prod" / "plan.json").is_file()

    context["needs.prod-plan.outputs.plan-sha256"] = sha256
    apply = run_job("reconcile.yml", "prod", seeded, tmp_path / "runner-apply", context,
                    github.checks(), path=[github.bin])
    assert apply.ran == ["Refuse a commit that is not the tip of main",
                         "Promotion check of prod's pins (stage's records at apply time)",
                         "Take the approved plan", "Apply the approved plan"], apply.skipped
    assert f"is the plan shown for approval (sha256 {sha256})" in apply.logs["Take the approved plan"]
    assert "prod: applied" in apply.logs["Apply the approved plan"]
    assert cli(seeded, "plan", "--env", "prod") == 0  # in sync now


def test_prod_refuses_a_plan_other_than_the_approved_one(seeded: Path, tmp_path: Path) -> None:
    sha = prod_repo(seeded, tmp_path)
    stage_ran_prod_pins(seeded, days_ago=20)
    github = FakeGitHub(tmp_path / "github")
    context = context_for("prod", **{"github.sha": sha})
    plan = plan_prod(seeded, tmp_path / "runner-plan", github, context)
    context["needs.prod-plan.outputs.plan-sha256"] = plan.outputs["plan"]["sha256"]
    stored = github.artifacts / "reconcile-plan-prod" / "plan.json"
    stored.write_text(stored.read_text(encoding="utf-8").replace('"prune": false', '"prune": true'),
                      encoding="utf-8")
    apply = run_job("reconcile.yml", "prod", seeded, tmp_path / "runner-apply", context,
                    github.checks(), may_fail=True, path=[github.bin])
    assert apply.failed == "Take the approved plan"
    assert "approved/plan.json is not the plan shown for approval" in apply.logs["Take the approved plan"]
    assert "Apply the approved plan" not in apply.ran
    assert cli(seeded, "plan", "--env", "prod") == 2  # nothing applied


def test_prod_refuses_when_main_moved_during_the_approval(seeded: Path, tmp_path: Path) -> None:
    sha = prod_repo(seeded, tmp_path)
    stage_ran_prod_pins(seeded, days_ago=20)
    github = FakeGitHub(tmp_path / "github")
    context = context_for("prod", **{"github.sha": sha})
    plan = plan_prod(seeded, tmp_path / "runner-plan", github, context)
    context["needs.prod-plan.outputs.plan-sha256"] = plan.outputs["plan"]["sha256"]
    later = advance_main(seeded)
    apply = run_job("reconcile.yml", "prod", seeded, tmp_path / "runner-apply", context,
                    github.checks(), may_fail=True, path=[github.bin])
    assert apply.ran == ["Refuse a commit that is not the tip of main"]
    assert (f"refusing to apply {sha}: it is not the tip of main (main is at {later})"
            in apply.logs["Refuse a commit that is not the tip of main"])


def test_prod_refuses_pins_that_did_not_soak_in_stage(seeded: Path, tmp_path: Path) -> None:
    """Stage ran prod's pins for 3 days (14 needed): refused before the approval is asked and
    again at apply time, whatever the pull request's checks said."""
    sha = prod_repo(seeded, tmp_path)
    stage_ran_prod_pins(seeded, days_ago=3)
    github = FakeGitHub(tmp_path / "github")
    context = context_for("prod", **{"github.sha": sha})
    line = (seeded / "environments/prod/pins.yaml").read_text(encoding="utf-8").splitlines().index(
        "canonical: 2.0.0") + 1
    want = (f"environments/prod/pins.yaml:{line}: canonical 2.0.0 ran in stage for 3 days, needs 14 "
            "(sha256 ")
    for job_id, step in (("prod-plan", "Promotion check of prod's pins (stage's records now)"),
                         ("prod", "Promotion check of prod's pins (stage's records at apply time)")):
        job = run_job("reconcile.yml", job_id, seeded, tmp_path / f"runner-{job_id}",
                      {**context, "needs.prod-plan.outputs.plan-sha256": "0" * 64}, github.checks(),
                      may_fail=True, path=[github.bin])
        assert job.failed == step, job.logs
        assert want in job.logs[step], job.logs[step]
        assert "prod's pins fail the promotion check (above): refusing to apply" in job.logs[step]
        assert "Plan prod for approval" not in job.ran and "Apply the approved plan" not in job.ran


def test_break_glass_is_explicit_and_recorded(seeded: Path, tmp_path: Path) -> None:
    sha = prod_repo(seeded, tmp_path)
    stage_ran_prod_pins(seeded, days_ago=3)
    github = FakeGitHub(tmp_path / "github")
    reason = "incident 42: revert the scoring rules now, approved by the on-call lead"
    context = context_for("prod", **{"github.sha": sha, "inputs.break_glass_reason": reason})
    plan = plan_prod(seeded, tmp_path / "runner-plan", github, context)
    step = "Promotion check of prod's pins (stage's records now)"
    assert "break glass: prod's pins fail the promotion check" in plan.logs[step]
    assert "### Break glass" in plan.summary and reason in plan.summary
    assert "ran in stage for 3 days, needs 14" in plan.summary
    assert plan.outputs["plan"]["exit-code"] == "2"

    context["needs.prod-plan.outputs.plan-sha256"] = plan.outputs["plan"]["sha256"]
    apply = run_job("reconcile.yml", "prod", seeded, tmp_path / "runner-apply", context,
                    github.checks(), path=[github.bin])
    assert "Apply the approved plan" in apply.ran, apply.logs
    assert "break glass recorded in record" in apply.logs["Apply the approved plan"]
    assert run_records("vectora-inbox-data-prod")[-1]["break_glass_reason"] == reason

    for bad in ("too short", "two\nlines of reason text", "inject ::error:: this please"):
        context["inputs.break_glass_reason"] = bad
        job = plan_prod(seeded, tmp_path / "runner-bad", github, context, may_fail=True)
        assert job.failed == step
        assert "break_glass_reason: one line of 10 to 300 printable characters" in job.logs[step]


# --- drift -------------------------------------------------------------------------------------

def test_drift_job_runs_locally(seeded: Path, tmp_path: Path) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    put("vectora-inbox-config-dev", PROMPT, b"edited: in the console\n")
    github = FakeGitHub(tmp_path / "github")
    # Someone opened an issue titled like the drift issue of dev, and labelled it.
    github.pages["listForRepo"] = [
        {"number": 5, "title": "Drift in dev", "user": MALLORY, "body": "fingerprint:abc"},
        {"number": 6, "title": "Drift in stage", "user": BOT, "body": "fingerprint:abc"},
    ]

    def issue_script(with_: dict[str, str], env: dict[str, str], repo: Path) -> None:
        drift_issue_reads(with_, env, repo)
        github.script(with_, env, repo)

    job = run_job("drift.yml", "drift", seeded, tmp_path / "runner", context_for("dev"),
                  github.checks(**{"actions/github-script": issue_script}))
    assert job.ran == ["Detect drift"]
    assert job.skipped["Install vectora-gitops (hash-locked)"] == "pip install (already installed)"
    assert job.skipped["Open, update or close drift issues"] == "uses actions/github-script"
    assert job.outputs["drift"] == {"exit-code": "2"}
    report = (seeded / "drift" / "dev.md").read_text(encoding="utf-8")
    assert PROMPT in report
    assert "# Drift in dev" in job.summary and PROMPT in job.summary
    assert "No drift in any environment." not in job.summary
    # Every environment drifts (stage and prod were never applied). dev: a new issue, mallory's
    # is left alone; stage: the workflow's own issue is updated; prod: a new issue.
    [calls] = github.calls
    assert writes(calls) == [("create", "Drift in dev"), ("update", 6), ("create", "Drift in prod")]
    assert 5 not in [target for _, target in writes(calls)]


# --- the runner itself -------------------------------------------------------------------------

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
