"""Record the AWS actions the tool performs and check them against an IAM policy."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vectora_gitops.aws.client import add_request_hook

ACCOUNT, REGION = "786469175371", "eu-west-3"

# Operation -> IAM action, where the names differ.
ACTIONS = {
    ("s3", "ListObjectsV2"): ["s3:ListBucket"],
    ("s3", "ListObjectVersions"): ["s3:ListBucketVersions"],
    ("s3", "HeadObject"): ["s3:GetObject"],
    ("s3", "HeadBucket"): ["s3:ListBucket"],
    ("s3", "CopyObject"): ["s3:PutObject", "s3:GetObjectVersion@source"],
    ("s3", "GetObjectLockConfiguration"): ["s3:GetBucketObjectLockConfiguration"],
    ("lambda", "ListTags"): ["lambda:ListTags"],
}


@dataclass(frozen=True)
class Call:
    action: str
    resource: str


def calls_of(service: str, operation: str, params: dict[str, Any]) -> list[Call]:
    actions = ACTIONS.get((service, operation), [f"{service}:{operation}"])
    if service == "s3" and operation == "GetObject" and params.get("VersionId"):
        actions = ["s3:GetObjectVersion"]
    if service == "s3" and operation == "PutObject" and params.get("ObjectLockMode"):
        actions = ["s3:PutObject", "s3:PutObjectRetention"]  # a write with retention needs both
    if service == "monitoring":
        actions = [f"cloudwatch:{operation}"]
    out = []
    for action in actions:
        if action.endswith("@source"):
            src = params["CopySource"]
            out.append(Call(action.removesuffix("@source"), f"arn:aws:s3:::{src['Bucket']}/{src['Key']}"))
        else:
            out.append(Call(action, resource(service, operation, params)))
    return out


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
    if service == "cloudformation" and "StackName" in params:
        return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{params['StackName']}/id"
    return "*"


def allowed(policy: dict[str, Any], call: Call) -> bool:
    for statement in policy["Statement"]:
        actions, resources = _as_list(statement["Action"]), _as_list(statement["Resource"])
        if statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(call.action, a) for a in actions) \
                and any(fnmatch.fnmatchcase(call.resource, r) for r in resources):
            return True
    return False


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
