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


def scenario(repo: Path) -> None:
    assert cli(repo, "plan", "--env", "dev") == 2
    assert cli(repo, "apply", "--env", "dev", "--yes") == 0
    assert cli(repo, "apply", "--env", "stage", "--yes") == 0
    put("vectora-inbox-config-stage", "canonical/scopes/company_scopes.yaml", b"edited: by hand\n")
    assert cli(repo, "apply", "--env", "stage", "--yes", "--prune") == 0


def test_every_recorded_action_is_allowed(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with recording() as calls:
        scenario(seeded)
    assert len(calls) > 50
    policies = {env: policy_of(capsys, seeded, env, read_only=False) for env in ("dev", "stage", "prod")}
    denied = [c for c in calls if env_of(c) != "any" and not allowed(policies[env_of(c)], c)]
    assert denied == []
    unscoped = {c.action for c in calls if env_of(c) == "any"}
    assert unscoped <= {"sts:GetCallerIdentity"}


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
