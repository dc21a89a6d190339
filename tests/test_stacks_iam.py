"""The IAM policies of an environment with managed stacks (docs/architecture.md §10) allow every
call the stack scenarios make (plan, apply from nothing, plan, drift), read-only ones with the
read-only policy. CloudFormation acts with the environment's service role (environment.yaml
`stack_role`, policy from `iam-policy --stack-role`): apply sends it (RoleARN) with every
CreateStack and CreateChangeSet and may pass only it, only to CloudFormation; the service role
holds the resource-level actions of the templates, on the environment's names only, and passes
the functions' roles only to Lambda. The emulator does not act with the service role (it creates
the resources whatever the role may do), so its policy is checked here against what the
templates create, not against recorded calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iam_check import Call, allowed, recording
from stack_support import add_qa
from support import cli, run

ACCOUNT, REGION = "786469175371", "eu-west-3"
SERVICE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/vectora-gitops-cloudformation-qa"

# What the sandbox alone does after a stack (aws/emulator.py; AWS applies the template itself).
EMULATOR_ONLY = {"s3:PutBucketVersioning", "s3:PutBucketObjectLockConfiguration"}


def _policy(capsys: pytest.CaptureFixture[str], repo: Path, *, read_only: bool = False,
            more: tuple[str, ...] = ()) -> dict[str, Any]:
    code, out, err = run(capsys, repo, "iam-policy", "--env", "qa",
                         *(["--read-only"] if read_only else []), *more)
    assert code == 0, err
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
        if argv[0] == "apply":  # each CreateStack sent the service role (RoleARN)
            creates = [c for c in calls if c.action == "cloudformation:CreateStack"]
            passes = [c for c in calls if c.action == "iam:PassRole"]
            assert len(creates) == 3
            assert passes == [Call("iam:PassRole", SERVICE_ROLE,
                                   passed_to="cloudformation.amazonaws.com")] * 3
        else:  # plan and drift pass no role
            assert "iam:PassRole" not in {c.action for c in calls}, argv
    assert {"cloudformation:CreateStack", "cloudformation:DescribeStacks",
            "cloudformation:GetTemplate", "cloudformation:ListStacks"} <= seen


def test_apply_passes_only_the_service_role(repo: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo)
    write = _policy(capsys, repo)
    [passing] = [s for s in write["Statement"] if "iam:PassRole" in s["Action"]]
    assert passing["Resource"] == [SERVICE_ROLE]
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}
    function_role = f"arn:aws:iam::{ACCOUNT}:role/vectora-inbox-ingest-role-qa"
    assert not allowed(write, Call("iam:PassRole", function_role, passed_to="lambda.amazonaws.com"))
    assert not allowed(write, Call("iam:PassRole", SERVICE_ROLE, passed_to="lambda.amazonaws.com"))
    # no resource-level action of the templates: CloudFormation does them with the service role
    actions = {a for s in write["Statement"] for a in s["Action"]}
    assert not actions & {"s3:CreateBucket", "iam:CreateRole", "iam:PutRolePolicy",
                          "lambda:CreateFunction", "logs:CreateLogGroup", "events:PutRule"}
    read = _policy(capsys, repo, read_only=True)
    actions = {a for s in read["Statement"] for a in s["Action"]}
    assert "iam:PassRole" not in actions
    # reads, and the preview change sets of a plan (created and deleted, never executed)
    assert {a for a in actions if a.startswith("cloudformation:") and not a.startswith(
        ("cloudformation:Describe", "cloudformation:Get", "cloudformation:List"))} == {
        "cloudformation:CreateChangeSet", "cloudformation:DeleteChangeSet"}
    stack = Call("cloudformation:CreateChangeSet", f"arn:aws:cloudformation:{REGION}:"
                 f"{ACCOUNT}:stack/vectora-inbox-s0-core-dev/id")
    assert not allowed(write, stack)  # another environment's stack


def test_a_named_service_role_is_the_one_passed(repo: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo, commit=False)
    env_file = repo / "environments" / "qa" / "environment.yaml"
    text = env_file.read_text()
    assert "stack_role: vectora-gitops-cloudformation-qa\n" in text
    env_file.write_text(text.replace("stack_role: vectora-gitops-cloudformation-qa",
                                     "stack_role: qa-stacks-deployer"))
    [passing] = [s for s in _policy(capsys, repo)["Statement"] if "iam:PassRole" in s["Action"]]
    assert passing["Resource"] == [f"arn:aws:iam::{ACCOUNT}:role/qa-stacks-deployer"]


# What the three templates create in qa (their names, from environment.yaml and the templates).
BUCKETS = [f"arn:aws:s3:::vectora-inbox-{b}-qa" for b in ("config", "data", "newsletters",
                                                           "lambda-code")]
FUNCTIONS = ("ingest", "normalize-score", "newsletter")
ROLES = [f"arn:aws:iam::{ACCOUNT}:role/vectora-inbox-{f}-role-qa" for f in FUNCTIONS]
LAMBDAS = [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:vectora-inbox-{f}-v2-qa"
           for f in FUNCTIONS]
GROUPS = [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/vectora-inbox-{f}-v2-qa"
          for f in FUNCTIONS]
RULES = [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/vectora-inbox-{f}-schedule-qa"
         for f in ("ingest", "newsletter")]
NEEDED = [
    *[(a, b) for b in BUCKETS for a in (
        "s3:CreateBucket", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
        "s3:PutBucketPublicAccessBlock", "s3:PutLifecycleConfiguration", "s3:PutBucketTagging")],
    ("s3:PutBucketObjectLockConfiguration", BUCKETS[1]),
    *[(a, r) for r in ROLES for a in ("iam:CreateRole", "iam:PutRolePolicy", "iam:GetRole",
                                      "iam:TagRole", "iam:DeleteRole")],
    *[(a, f) for f in LAMBDAS for a in ("lambda:CreateFunction", "lambda:GetFunction",
                                        "lambda:UpdateFunctionConfiguration",
                                        "lambda:TagResource", "lambda:AddPermission")],
    *[(a, g) for g in GROUPS for a in ("logs:CreateLogGroup", "logs:PutRetentionPolicy",
                                       "logs:TagResource")],
    *[(a, r) for r in RULES for a in ("events:PutRule", "events:PutTargets",
                                      "events:DescribeRule")],
]


def test_service_role_grants_what_the_templates_create_and_nothing_else(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo)
    role = _policy(capsys, repo, more=("--stack-role",))
    assert [(a, r) for a, r in NEEDED if not allowed(role, Call(a, r))] == []
    for role_arn in ROLES:  # the functions' roles go to Lambda, and only there
        assert allowed(role, Call("iam:PassRole", role_arn, passed_to="lambda.amazonaws.com"))
        assert not allowed(role, Call("iam:PassRole", role_arn, passed_to="ec2.amazonaws.com"))
    # another environment's names, deleting data, changing code, passing the role itself
    for action, resource in NEEDED:
        assert not allowed(role, Call(action, resource.replace("-qa", "-dev"))), action
    for action, resource in (("s3:DeleteBucket", BUCKETS[1]), ("logs:DeleteLogGroup", GROUPS[0]),
                             ("lambda:UpdateFunctionCode", LAMBDAS[0]),
                             ("s3:PutBucketPolicy", BUCKETS[0]),
                             ("iam:AttachRolePolicy", ROLES[0]),
                             ("iam:PassRole", SERVICE_ROLE)):
        assert not allowed(role, Call(action, resource, passed_to="lambda.amazonaws.com")), action
    trust = _policy(capsys, repo, more=("--stack-role", "--trust"))
    assert trust["Statement"] == [{"Sid": "CloudFormationOnly", "Effect": "Allow",
                                   "Principal": {"Service": "cloudformation.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}]
    code, _, err = run(capsys, repo, "iam-policy", "--env", "dev", "--stack-role")
    assert code == 1 and "environment dev has no managed stacks" in err, err


def _findings(policy: dict[str, Any]) -> list[tuple[str, str]]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from parliament import analyze_policy_string
    analyzed = analyze_policy_string(json.dumps(policy), include_community_auditors=True)
    return sorted((f.issue, json.dumps({**f.location, "actions": sorted(
        f.location.get("actions", []))}, sort_keys=True)) for f in analyzed.findings)


def test_the_linter_on_a_managed_environment(repo: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Read-only: nothing. Apply and the service role: only the findings bin/lint-iam accepts
    (each with its reason there), nothing else; bin/lint-iam passes them only for their kind."""
    from iam_check import lint
    from test_iam import lint_iam

    add_qa(repo)
    assert lint(_policy(capsys, repo, read_only=True)) == []
    apply = _policy(capsys, repo)
    assert [issue for issue, _ in _findings(apply)] == ["PERMISSIONS_MANAGEMENT_ACTIONS",
                                                        "PRIVILEGE_ESCALATION"]
    assert all('"iam:passrole"' in where for _, where in _findings(apply))
    role = _policy(capsys, repo, more=("--stack-role",))
    found = _findings(role)
    assert [i for i, _ in found] == ["PERMISSIONS_MANAGEMENT_ACTIONS"] + [
        "RESOURCE_POLICY_PRIVILEGE_ESCALATION"] * 4, found
    files = {}
    for name, policy in (("apply", apply), ("role", role)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(policy, indent=2))
    assert lint_iam("--as", "apply", "qa", files["apply"]).returncode == 0
    assert lint_iam("--as", "stack-role", "qa", files["role"]).returncode == 0
    assert lint_iam(files["apply"]).returncode == 1  # accepted for their kind only
    assert lint_iam("--as", "apply", "qa", files["role"]).returncode == 1
    more = json.loads(json.dumps(role))  # one more permissions-management action: refused
    more["Statement"][1]["Action"].append("iam:AttachRolePolicy")
    files["more"] = tmp_path / "more.json"
    files["more"].write_text(json.dumps(more))
    result = lint_iam("--as", "stack-role", "qa", files["more"])
    assert result.returncode == 1 and "iam:attachrolepolicy" in result.stdout, result


def test_a_plan_of_a_changed_stack_is_allowed_read_only(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A stack whose parameters differ from git gets a preview change set: the plan roles may
    create, describe and delete change sets of their own stacks (never execute one), and pass
    no role."""
    from helpers_repo import edit, git

    add_qa(seeded)
    assert cli(seeded, "apply", "--env", "qa", "--yes") == 0
    edit(seeded, "environments/qa/environment.yaml", "LogRetentionDays: 14",
         "LogRetentionDays: 30")
    git(seeded, "commit", "-q", "-am", "qa: keep logs 30 days")
    read = _policy(capsys, seeded, read_only=True)
    with recording() as calls:
        assert cli(seeded, "plan", "--env", "qa") == 2
    assert "cloudformation:CreateChangeSet" in {c.action for c in calls}
    assert [c for c in calls if not allowed(read, c)] == []
    assert not allowed(read, Call("cloudformation:ExecuteChangeSet", f"arn:aws:cloudformation:"
                                  f"{REGION}:{ACCOUNT}:stack/vectora-inbox-s1-runtime-qa/id"))
