"""Record the AWS actions the tool performs and check them against an IAM policy; lint a policy
with parliament, which knows the resource types each action is authorized against."""

from __future__ import annotations

import fnmatch
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vectora_gitops.aws.client import add_request_hook

with warnings.catch_warnings():  # parliament imports pkg_resources, deprecated by setuptools
    warnings.simplefilter("ignore")
    from parliament import (
        UnknownActionException,
        UnknownPrefixException,
        analyze_policy_string,
        enhance_finding,
        expand_action,
        is_arn_match,
    )
    from parliament.statement import get_arn_format, get_privilege_info

ACCOUNT, REGION = "786469175371", "eu-west-3"

# Operation -> IAM action, where the names differ.
ACTIONS = {
    ("s3", "ListObjectsV2"): ["s3:ListBucket"],
    ("s3", "ListObjectVersions"): ["s3:ListBucketVersions"],
    ("s3", "HeadObject"): ["s3:GetObject"],
    ("s3", "HeadBucket"): ["s3:ListBucket"],
    ("s3", "CopyObject"): ["s3:PutObject", "s3:GetObjectVersion@source"],
    ("s3", "GetObjectLockConfiguration"): ["s3:GetBucketObjectLockConfiguration"],
    ("s3", "PutObjectLockConfiguration"): ["s3:PutBucketObjectLockConfiguration"],
    ("lambda", "ListTags"): ["lambda:ListTags"],
    ("budgets", "DescribeBudget"): ["budgets:ViewBudget"],
    ("budgets", "DescribeNotificationsForBudget"): ["budgets:ViewBudget"],
    ("budgets", "CreateBudget"): ["budgets:ModifyBudget"],
    ("budgets", "UpdateBudget"): ["budgets:ModifyBudget"],
    ("budgets", "CreateNotification"): ["budgets:ModifyBudget"],
    ("budgets", "DeleteNotification"): ["budgets:ModifyBudget"],
}


# The objects whose Object Lock retention the tool reads (docs/evidence.md): S3 returns the
# x-amz-object-lock-* headers of a GetObject only to a caller allowed s3:GetObjectRetention.
EVIDENCE = ("deployments/records/", "deployments/e2e/")


@dataclass(frozen=True)
class Call:
    action: str
    resource: str
    prefix: str | None = None  # the s3:prefix of a listing; None when the request has none
    missing: str = ""  # s3://bucket/key whose absence this listing authorization lets S3 say
    passed_to: str = ""  # iam:PassRole: the service the role is passed to (iam:PassedToService)


def calls_of(service: str, operation: str, params: dict[str, Any]) -> list[Call]:
    actions = ACTIONS.get((service, operation), [f"{service}:{operation}"])
    if service == "s3" and operation == "GetObject" and params.get("VersionId"):
        actions = ["s3:GetObjectVersion"]
    if service == "s3" and operation == "PutObject" and params.get("ObjectLockMode"):
        actions = ["s3:PutObject", "s3:PutObjectRetention"]  # a write with retention needs both
    if service == "monitoring":
        actions = [f"cloudwatch:{operation}"]
        if params.get("AlarmNames"):  # one authorization per alarm named
            return [Call(f"cloudwatch:{operation}", _alarm(n)) for n in params["AlarmNames"]]
    out = []
    for action in actions:
        if action.endswith("@source"):
            src = params["CopySource"]
            out.append(Call(action.removesuffix("@source"), f"arn:aws:s3:::{src['Bucket']}/{src['Key']}"))
        elif not resource_types(action):  # authorized on no resource: only "*" grants it
            out.append(Call(action, "*"))
        else:
            prefix = params.get("Prefix") if operation.startswith("List") else None
            out.append(Call(action, resource(service, operation, params), prefix))
    return out + implied(service, operation, params)


def implied(service: str, operation: str, params: dict[str, Any]) -> list[Call]:
    """Authorizations AWS checks besides the operation's own action."""
    lam = f"arn:aws:lambda:{REGION}:{ACCOUNT}"
    if service == "s3" and operation in ("GetObject", "HeadObject"):
        return _object_read(params)
    if (service, operation) == ("lambda", "GetFunction"):  # the tags come only with ListTags
        return [Call("lambda:ListTags", f"{lam}:function:{params['FunctionName']}")]
    if (service, operation) == ("lambda", "PublishLayerVersion") and "S3Bucket" in params["Content"]:
        content = params["Content"]  # Lambda reads the zip with the caller's permissions
        return [Call("s3:GetObject", f"arn:aws:s3:::{content['S3Bucket']}/{content['S3Key']}")]
    if (service, operation) == ("lambda", "UpdateFunctionConfiguration"):  # attaching a layer
        return [Call("lambda:GetLayerVersion", arn) for arn in params.get("Layers", ())]
    if (service, operation) == ("monitoring", "PutMetricAlarm") and params.get("Tags"):
        return [Call("cloudwatch:TagResource", _alarm(params["AlarmName"]))]
    if (service, operation) == ("sns", "CreateTopic") and params.get("Tags"):
        return [Call("sns:TagResource", f"arn:aws:sns:{REGION}:{ACCOUNT}:{params['Name']}")]
    if service == "cloudformation" and params.get("RoleARN"):  # the stack's service role
        return [Call("iam:PassRole", str(params["RoleARN"]),
                     passed_to="cloudformation.amazonaws.com")]
    return []


def _alarm(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def _object_read(params: dict[str, Any]) -> list[Call]:
    """A read of one object: every read without a version (aws/s3.py's get_* and head) takes
    "no such key" as None, so it may find nothing, and S3 answers that (404, not 403) only to a
    caller allowed s3:ListBucket on the bucket; AWS does not document which s3:prefix that check
    evaluates, so it counts here as a listing with none. A read of evidence by version shows
    its Object Lock retention only with s3:GetObjectRetention."""
    bucket, key = params["Bucket"], params["Key"]
    if params.get("VersionId"):
        evidence = key.startswith(EVIDENCE)
        return [Call("s3:GetObjectRetention", f"arn:aws:s3:::{bucket}/{key}")] if evidence else []
    return [Call("s3:ListBucket", f"arn:aws:s3:::{bucket}", None, missing=f"s3://{bucket}/{key}")]


def resource_types(action: str) -> list[str]:
    """The resource types AWS authorizes `action` against (parliament's copy of the IAM
    service reference), required ones ending in `*`; [] for an action on no resource."""
    service, name = action.split(":")
    info = get_privilege_info(service, name)
    return [t["resource_type"] for t in info["resource_types"] if t["resource_type"]]


def resource(service: str, operation: str, params: dict[str, Any]) -> str:
    lam = f"arn:aws:lambda:{REGION}:{ACCOUNT}"
    if service == "s3":
        key = params.get("Key")
        return f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if key is not None else "")
    if service == "lambda":
        if "FunctionName" in params:
            return f"{lam}:function:{params['FunctionName']}"
        if "Resource" in params:
            return str(params["Resource"])
        if "LayerName" in params:
            name = str(params["LayerName"]).rsplit(":", 1)[-1]
            number = params.get("VersionNumber")
            return f"{lam}:layer:{name}" + (f":{number}" if number is not None else "")
    if service == "monitoring":
        if "AlarmName" in params:
            return _alarm(params["AlarmName"])
        if "AlarmNamePrefix" in params:
            return _alarm(f"{params['AlarmNamePrefix']}*")
        if "DashboardName" in params:
            return f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/{params['DashboardName']}"
    if service == "sns":
        for field in ("TopicArn", "ResourceArn"):
            if field in params:
                return str(params[field])
        if "Name" in params:
            return f"arn:aws:sns:{REGION}:{ACCOUNT}:{params['Name']}"
    if service == "budgets":
        name = params.get("BudgetName") or (params.get("Budget") or params.get("NewBudget")
                                            or {}).get("BudgetName")
        return f"arn:aws:budgets::{params['AccountId']}:budget/{name}"
    if service == "cloudformation" and "StackName" in params:
        return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{params['StackName']}/id"
    return "*"


def allowed(policy: dict[str, Any], call: Call) -> bool:
    for statement in policy["Statement"]:
        actions, resources = _as_list(statement["Action"]), _as_list(statement["Resource"])
        if statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(call.action, a) for a in actions) \
                and any(fnmatch.fnmatchcase(call.resource, r) for r in resources) \
                and _condition_holds(statement.get("Condition"), call):
            return True
    return False


def _condition_holds(condition: dict[str, Any] | None, call: Call) -> bool:
    """No condition, `StringLike` on `s3:prefix` matching the listing's prefix, or
    `StringEquals` on `iam:PassedToService` naming the service a role is passed to; any other
    condition is one this checker does not know, so it grants nothing."""
    if condition is None:
        return True
    if list(condition) == ["StringEquals"] and list(condition["StringEquals"]) == [
            "iam:PassedToService"]:
        return call.passed_to in _as_list(condition["StringEquals"]["iam:PassedToService"])
    if list(condition) != ["StringLike"] or list(condition["StringLike"]) != ["s3:prefix"]:
        return False
    patterns = _as_list(condition["StringLike"]["s3:prefix"])
    return call.prefix is not None and any(fnmatch.fnmatchcase(call.prefix, p) for p in patterns)


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


@contextmanager
def recording() -> Iterator[list[Call]]:
    calls: list[Call] = []

    def hook(service: str, operation: str, params: dict[str, Any]) -> None:
        calls.extend(calls_of(service, operation, params))

    remove = add_request_hook(hook)
    try:
        yield calls
    finally:
        remove()


def lint(policy: dict[str, Any]) -> list[str]:
    """Every finding of parliament (all auditors, every severity: an unknown action or a
    resource of the wrong type is a denial in AWS), and every action granted on a resource
    that is not one of its types (parliament only asks that one resource of a statement fits);
    [] when clean."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        analyzed = analyze_policy_string(json.dumps(policy, indent=2), include_community_auditors=True)
        found = [enhance_finding(f) for f in analyzed.findings]
    out = [f"{f.severity} {f.issue}: {f.detail}" for f in found]
    for statement in policy["Statement"]:
        for action in (a for pattern in _as_list(statement["Action"]) for a in _known(pattern)):
            out += [f"RESOURCE_TYPE {action} on {r}" for r in _as_list(statement["Resource"])
                    if not _fits(action, r)]
    return out


def _known(pattern: str) -> list[str]:
    """The actions `pattern` names (parliament reports the unknown ones)."""
    try:
        return [f"{a['service']}:{a['action']}" for a in expand_action(pattern)]
    except (UnknownActionException, UnknownPrefixException):
        return []


def _fits(action: str, resource: str) -> bool:
    service, name = action.split(":")
    types = resource_types(action)
    if not types:
        return resource == "*"
    formats = get_privilege_info(service, name)["service_resources"]
    return resource != "*" and any(is_arn_match(t.rstrip("*"), get_arn_format(t, formats), resource)
                                   for t in types)
