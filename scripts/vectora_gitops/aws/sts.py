"""Who is calling: the account guard's source."""

from __future__ import annotations

from vectora_gitops.aws.client import Aws, call


def account_id(aws: Aws) -> str:
    response = call("GetCallerIdentity", aws.client("sts").get_caller_identity)
    return str(response["Account"])
