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
