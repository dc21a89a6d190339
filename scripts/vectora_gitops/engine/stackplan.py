"""What CloudFormation would change in a managed stack that differs from git: a change set is
created, described and deleted again, so that a plan leaves none behind (docs/architecture.md
§10). Stacks to create get none (every resource of their template is an Add)."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

from vectora_gitops.aws import cloudformation
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.stackdiff import differences, resolved, status_problem
from vectora_gitops.model import DesiredStack, DesiredState
from vectora_gitops.observed import ResourceChange

Preview = tuple[ResourceChange, ...] | None


def previews(aws: Aws, desired: DesiredState, actual: ActualState) -> dict[str, Preview]:
    """key -> the previewed changes of each existing stack that differs from git."""
    wanted = [s for s in desired.stacks if _differs(s, actual)]
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=min(4, len(wanted))) as pool:
        found = {s.key: pool.submit(preview, aws, s, resolved(s, actual)[0]) for s in wanted}
        return {k: f.result() for k, f in found.items()}


def _differs(stack: DesiredStack, actual: ActualState) -> bool:
    observed = actual.stacks.get(stack.key)
    if observed is None or status_problem(observed):
        return False
    params, later = resolved(stack, actual)
    return bool(differences(stack, observed, params, later))


def change_set_name(purpose: str) -> str:
    return f"vectora-gitops-{purpose}-{secrets.token_hex(6)}"


def preview(aws: Aws, stack: DesiredStack, params: dict[str, str]) -> Preview:
    """The change set's resource changes (None: it has none), the change set deleted on every
    path."""
    name = change_set_name("plan")
    cloudformation.create_change_set(aws, stack.name, name, body=stack.body, parameters=params,
                                     tags=stack.tags)
    try:
        return cloudformation.describe_change_set(aws, stack.name, name)
    finally:
        cloudformation.delete_change_set(aws, stack.name, name)
