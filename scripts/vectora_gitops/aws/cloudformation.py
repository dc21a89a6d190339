"""CloudFormation reads (stack outputs for snapshots)."""

from __future__ import annotations

from vectora_gitops.aws.client import Aws, call
from vectora_gitops.errors import AwsError


def stack_outputs(aws: Aws, stack: str) -> dict[str, str] | None:
    """Outputs of a stack, or None when it cannot be read (missing or not allowed)."""
    try:
        response = call(f"DescribeStacks {stack}", aws.client("cloudformation").describe_stacks,
                        StackName=stack)
    except AwsError:
        return None
    stacks = response.get("Stacks") or [{}]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", ())}


# Every status of a stack that exists (ListStacks also returns deleted stacks for 90 days).
LIVE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE", "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS",
        "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED",
        "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_IN_PROGRESS",
        "DELETE_FAILED", "REVIEW_IN_PROGRESS", "IMPORT_IN_PROGRESS",
        "IMPORT_ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_FAILED")


def stack_names(aws: Aws) -> list[str]:
    """Names of the stacks that exist in the region (deleted ones left out), sorted."""
    client = aws.client("cloudformation")
    names: set[str] = set()
    kwargs: dict[str, object] = {"StackStatusFilter": list(LIVE)}
    for _ in range(10_000):
        page = call("ListStacks", client.list_stacks, **kwargs)
        names.update(str(s["StackName"]) for s in page.get("StackSummaries", ()))
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    return sorted(names)
