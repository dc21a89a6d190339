"""The IAM policies of an environment with managed stacks (docs/architecture.md §10) allow every
call the stack scenarios make (plan, apply from nothing, plan, drift), read-only ones with the
read-only policy; iam:PassRole only for the function roles its stacks create, only to Lambda."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iam_check import Call, allowed, recording
from stack_support import add_qa
from support import cli, run

# What the sandbox alone does after a stack (aws/emulator.py; AWS applies the template itself).
EMULATOR_ONLY = {"s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration"}


def _policy(capsys: pytest.CaptureFixture[str], repo: Path, *, read_only: bool) -> dict[str, Any]:
    code, out, _ = run(capsys, repo, "iam-policy", "--env", "qa",
                       *(["--read-only"] if read_only else []))
    assert code == 0
    return dict(json.loads(out))


def test_stack_scenarios_are_allowed(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(seeded)
    write = _policy(capsys, seeded, read_only=False)
    read = _policy(capsys, seeded, read_only=True)
    seen: set[str] = set()
    for argv, policy, codes in ((("plan", "--env", "qa"), read, (2,)),
                                (("apply", "--env", "qa", "--yes"), write, (0,)),
                                (("plan", "--env", "qa"), read, (0,)),
                                (("drift", "--env", "qa"), read, (0,))):
        with recording() as calls:
            assert cli(seeded, *argv) in codes, argv
        denied = [c for c in calls if c.action not in EMULATOR_ONLY and not allowed(policy, c)]
        assert denied == [], (argv, denied)
        seen |= {c.action for c in calls}
    assert {"cloudformation:CreateStack", "cloudformation:DescribeStacks",
            "cloudformation:GetTemplate", "cloudformation:ListStacks"} <= seen


def test_pass_role_only_for_the_stacks_function_roles(repo: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo)
    write = _policy(capsys, repo, read_only=False)
    [passing] = [s for s in write["Statement"] if "iam:PassRole" in s["Action"]]
    assert passing["Resource"] == ["arn:aws:iam::786469175371:role/vectora-inbox-*-role-qa"]
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}
    read = _policy(capsys, repo, read_only=True)
    actions = {a for s in read["Statement"] for a in s["Action"]}
    assert not any(a.startswith("cloudformation:") and not a.startswith(
        ("cloudformation:Describe", "cloudformation:Get", "cloudformation:List")) for a in actions)
    stack = Call("cloudformation:CreateChangeSet", "arn:aws:cloudformation:eu-west-3:"
                 "786469175371:stack/vectora-inbox-s0-core-dev/id")
    assert not allowed(write, stack)  # another environment's stack


def test_the_linter_on_a_managed_environment(repo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Read-only: nothing. Apply: only the two findings iam:PassRole brings (README, IAM: open
    until a CloudFormation service role or the resource grants are chosen), nothing else."""
    import warnings

    from iam_check import lint

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from parliament import analyze_policy_string

    add_qa(repo)
    assert lint(_policy(capsys, repo, read_only=True)) == []
    analyzed = analyze_policy_string(json.dumps(_policy(capsys, repo, read_only=False)),
                                     include_community_auditors=True)
    found = sorted((f.issue, json.dumps(f.location, sort_keys=True)) for f in analyzed.findings)
    assert [issue for issue, _ in found] == ["PERMISSIONS_MANAGEMENT_ACTIONS",
                                             "PRIVILEGE_ESCALATION"], found
    assert all("iam:passrole" in where for _, where in found)
