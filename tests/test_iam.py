"""Every AWS action the tool performs in the suite's scenarios is allowed by the policy it
generates for that environment, and no write is granted on `*`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iam_check import Call, allowed, recording
from support import cli, put, run

WRITES = ("Put", "Delete", "Update", "Publish", "Tag", "Create", "Copy")


def env_of(call: Call) -> str:
    for env in ("dev", "stage", "prod"):
        if f"-{env}" in call.resource:
            return env
    return "any"


def policy_of(capsys: pytest.CaptureFixture[str], repo: Path, env: str, *, read_only: bool) -> dict:
    args = ["iam-policy", "--env", env] + (["--read-only"] if read_only else [])
    code, out, _ = run(capsys, repo, *args)
    assert code == 0
    return json.loads(out)


def test_generated_policies_grant_no_write_on_star(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for env in ("dev", "stage", "prod"):
        for read_only in (True, False):
            policy = policy_of(capsys, repo, env, read_only=read_only)
            for statement in policy["Statement"]:
                if statement["Resource"] == "*":
                    assert not any(a.split(":")[1].startswith(WRITES) for a in statement["Action"])
            if read_only:
                actions = [a for s in policy["Statement"] for a in s["Action"]]
                assert not any(a.split(":")[1].startswith(WRITES) for a in actions), actions


EDIT = "canonical/scopes/company_scopes.yaml"


def steps(tmp: Path) -> list[tuple[tuple[str, ...], bool, tuple[str, ...], tuple[int, ...]]]:
    """(environments whose role runs it, read-only role?, command line, exit codes accepted):
    apply, drift, snapshot and promotion as the suite runs them, in one sequence."""
    all_envs = ("dev", "stage", "prod")
    return [
        (("dev",), True, ("plan", "--env", "dev"), (2,)),
        (("dev",), False, ("apply", "--env", "dev", "--yes"), (0,)),
        (("stage",), False, ("apply", "--env", "stage", "--yes"), (0,)),
        (all_envs, True, ("drift", "--all"), (2,)),
        (("dev",), False, ("drift", "--env", "dev", "--heal"), (0,)),
        (("stage",), False, ("apply", "--env", "stage", "--yes", "--prune"), (0,)),
        (("dev",), False, ("snapshot", "create", "--env", "dev", "--name", "iam-check",
                           "--export", str(tmp / "export")), (0,)),
        (("dev",), True, ("snapshot", "list", "--env", "dev"), (0,)),
        (("dev",), False, ("snapshot", "restore", "--env", "dev", "--name", "iam-check", "--yes"),
         (0,)),
        (("dev",), False, ("record-e2e", "--env", "dev", "--result", "pass"), (0,)),
        (("stage",), True, ("gates", "--from", "dev", "--to", "stage"), (0, 1)),
        (("prod",), True, ("promote", "--from", "stage", "--to", "prod", "--body-out",
                           str(tmp / "body.md")), (0,)),
        (all_envs, True, ("status",), (0,)),
        (("dev",), True, ("history", "--env", "dev"), (0,)),
    ]


def test_every_recorded_action_is_allowed(seeded: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    policies = {(env, ro): policy_of(capsys, seeded, env, read_only=ro)
                for env in ("dev", "stage", "prod") for ro in (True, False)}
    seen: set[str] = set()
    for i, (roles, read_only, argv, codes) in enumerate(steps(tmp_path)):
        if i == 3:  # someone edits objects by hand between the applies
            put("vectora-inbox-config-stage", EDIT, b"edited: by hand\n")
            put("vectora-inbox-config-dev", EDIT, b"edited: by hand\n")
        if argv[:2] == ("snapshot", "restore"):
            put("vectora-inbox-config-dev", "canonical/extra.md", b"# added by hand\n")
        with recording() as calls:
            assert cli(seeded, *argv) in codes, argv
        denied = [c for c in calls
                  if not any(allowed(policies[(env, read_only)], c) for env in roles)]
        assert denied == [], (argv, denied)
        seen |= {c.action for c in calls}
    for expected in ("lambda:PublishLayerVersion", "s3:GetObjectVersion", "s3:ListBucketVersions",
                     "cloudformation:DescribeStacks", "lambda:UpdateFunctionConfiguration",
                     "s3:DeleteObject", "lambda:GetLayerVersion", "cloudwatch:GetMetricStatistics",
                     "s3:PutObjectRetention", "s3:GetBucketObjectLockConfiguration"):
        assert expected in seen


def test_read_only_policy_covers_plan(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    with recording() as calls:
        assert cli(seeded, "plan", "--env", "dev") == 0
    policy = policy_of(capsys, seeded, "dev", read_only=True)
    assert [c for c in calls if not allowed(policy, c)] == []


def test_policy_denies_other_environments(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = policy_of(capsys, repo, "dev", read_only=False)
    foreign = Call("s3:PutObject", "arn:aws:s3:::vectora-inbox-config-prod/canonical/x.yaml")
    assert not allowed(policy, foreign)
    assert allowed(policy, Call("s3:PutObject", "arn:aws:s3:::vectora-inbox-config-dev/canonical/x.yaml"))
