"""CloudFormation: stack reads (outputs for snapshots, the managed stacks' state), change sets
(previewed by plan and deleted again, executed by apply), stack creation and the bounded waits
with their events (docs/architecture.md §10)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from vectora_gitops.aws.client import Aws, call
from vectora_gitops.errors import AwsError
from vectora_gitops.observed import ObservedStack, ResourceChange, StackEvent

# Named roles in s0-iam: every stack is sent with the capability (a template without IAM
# resources ignores it).
CAPABILITIES = ("CAPABILITY_NAMED_IAM",)
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
MAX_WAIT_S = 3600.0  # CloudFormation's own operations may take long; the wait never exceeds this
POLL_S = (0.0, 0.5, 1.0, 2.0, 5.0)  # then every 5 s
Tick = Callable[[str], None]  # told each new status while waiting


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


def _absent(exc: AwsError) -> bool:
    """DescribeStacks' answer for a stack that does not exist (a ValidationError saying so)."""
    return exc.code == "ValidationError" and "does not exist" in str(exc)


def describe_stack(aws: Aws, name: str) -> ObservedStack | None:
    """The stack, or None when CloudFormation says it does not exist. Any other failure
    (throttling, access denied, a transient error) raises: the stack's state is unknown, and
    unknown is never taken for absent (nothing is created twice)."""
    client = aws.client("cloudformation")
    try:
        response = call(f"DescribeStacks {name}", client.describe_stacks, StackName=name)
    except AwsError as exc:
        if _absent(exc):
            return None
        raise AwsError(f"{exc}; the state of stack {name} is unknown (not absent): nothing is "
                       "planned for it until it can be read", exc.code) from None
    found = response.get("Stacks") or []
    if not found or found[0].get("StackStatus") == "DELETE_COMPLETE":
        return None
    stack = found[0]
    body = get_template(aws, name)
    updated = stack.get("LastUpdatedTime") or stack.get("CreationTime") or ""
    return ObservedStack(
        name=name, stack_id=str(stack.get("StackId", "")), status=str(stack["StackStatus"]),
        parameters={p["ParameterKey"]: str(p.get("ParameterValue", ""))
                    for p in stack.get("Parameters", ())},
        outputs={o["OutputKey"]: str(o["OutputValue"]) for o in stack.get("Outputs", ())},
        tags={t["Key"]: str(t["Value"]) for t in stack.get("Tags", ())},
        template_body=body,
        termination_protection=bool(stack.get("EnableTerminationProtection", False)),
        updated=updated.isoformat() if hasattr(updated, "isoformat") else str(updated),
        status_reason=str(stack.get("StackStatusReason", "")),
    )


def get_template(aws: Aws, name: str) -> str:
    """The template the stack runs, as submitted (botocore parses a JSON body: dumped back)."""
    response = call(f"GetTemplate {name}", aws.client("cloudformation").get_template,
                    StackName=name, TemplateStage="Original")
    body = response.get("TemplateBody", "")
    return body if isinstance(body, str) else json.dumps(body, indent=2)


def _params(parameters: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())]


def _tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def _role(role_arn: str | None) -> dict[str, str]:
    """CloudFormation acts with the service role `role_arn` (docs/architecture.md §10); without
    one, with the stack's role (a plan's preview) or the caller's credentials."""
    return {"RoleARN": role_arn} if role_arn else {}


def create_change_set(aws: Aws, name: str, change_set: str, *, body: str,
                      parameters: Mapping[str, str], tags: Mapping[str, str],
                      role_arn: str | None = None) -> None:
    """A change set of the stack; `role_arn`: the service role it is executed with (apply).
    A plan's preview sends none: it is never executed, and the plan role may not pass a role."""
    call(f"CreateChangeSet {name}", aws.client("cloudformation").create_change_set,
         StackName=name, ChangeSetName=change_set, ChangeSetType="UPDATE", TemplateBody=body,
         Parameters=_params(parameters), Tags=_tags(tags), Capabilities=list(CAPABILITIES),
         Description="vectora-gitops", **_role(role_arn))


def describe_change_set(aws: Aws, name: str, change_set: str, *,
                        max_wait_s: float = MAX_WAIT_S) -> tuple[ResourceChange, ...] | None:
    """The changes of a change set once CloudFormation has computed them; None when it has
    none (a change set without changes is "in sync", not a failure)."""
    client = aws.client("cloudformation")
    what = f"DescribeChangeSet {name} {change_set}"
    for response in _polls(lambda: call(what, client.describe_change_set, StackName=name,
                                        ChangeSetName=change_set), max_wait_s, what):
        status = str(response.get("Status", ""))
        if status == "FAILED":
            reason = str(response.get("StatusReason", ""))
            if any(text in reason for text in NO_CHANGES):
                return None
            raise AwsError(f"{what}: the change set failed: {reason}")
        if status == "CREATE_COMPLETE":
            return tuple(_all_changes(aws, name, change_set, response))
    raise AssertionError("unreachable: _polls raises when the wait ends")


def _all_changes(aws: Aws, name: str, change_set: str, first: dict[str, Any]
                 ) -> Iterator[ResourceChange]:
    client = aws.client("cloudformation")
    page = first
    for _ in range(1000):
        for change in page.get("Changes", ()):
            res = change.get("ResourceChange") or {}
            yield ResourceChange(action=str(res.get("Action", "")),
                                 logical_id=str(res.get("LogicalResourceId", "")),
                                 resource_type=str(res.get("ResourceType", "")),
                                 replacement=str(res.get("Replacement", "")),
                                 physical_id=str(res.get("PhysicalResourceId", "")))
        token = page.get("NextToken")
        if not token:
            return
        page = call(f"DescribeChangeSet {name}", client.describe_change_set, StackName=name,
                    ChangeSetName=change_set, NextToken=token)


def delete_change_set(aws: Aws, name: str, change_set: str) -> None:
    call(f"DeleteChangeSet {name} {change_set}",
         aws.client("cloudformation").delete_change_set, StackName=name,
         ChangeSetName=change_set)


def change_set_names(aws: Aws, name: str) -> list[str]:
    response = call(f"ListChangeSets {name}", aws.client("cloudformation").list_change_sets,
                    StackName=name)
    return sorted(str(s["ChangeSetName"]) for s in response.get("Summaries", ()))


def execute_change_set(aws: Aws, name: str, change_set: str) -> None:
    call(f"ExecuteChangeSet {name} {change_set}",
         aws.client("cloudformation").execute_change_set, StackName=name,
         ChangeSetName=change_set)


def create_stack(aws: Aws, name: str, *, body: str, parameters: Mapping[str, str],
                 tags: Mapping[str, str], protect: bool, role_arn: str | None = None) -> str:
    """Create the stack (rolled back on failure), CloudFormation acting with the service role
    `role_arn`; returns its id."""
    response = call(f"CreateStack {name}", aws.client("cloudformation").create_stack,
                    StackName=name, TemplateBody=body, Parameters=_params(parameters),
                    Tags=_tags(tags), Capabilities=list(CAPABILITIES), OnFailure="ROLLBACK",
                    EnableTerminationProtection=protect, **_role(role_arn))
    return str(response.get("StackId", name))


def protect(aws: Aws, name: str) -> None:
    call(f"UpdateTerminationProtection {name}",
         aws.client("cloudformation").update_termination_protection, StackName=name,
         EnableTerminationProtection=True)


def wait_stack(aws: Aws, name: str, *, tick: Tick, max_wait_s: float = MAX_WAIT_S) -> str:
    """Wait until the stack leaves its *_IN_PROGRESS statuses; returns the final status."""
    client = aws.client("cloudformation")
    what = f"DescribeStacks {name}"
    last = ""
    for response in _polls(lambda: call(what, client.describe_stacks, StackName=name),
                           max_wait_s, f"waiting for stack {name}"):
        status = str((response.get("Stacks") or [{}])[0].get("StackStatus", ""))
        if status != last:
            tick(status)
            last = status
        if not status.endswith("_IN_PROGRESS"):
            return status
    raise AssertionError("unreachable: _polls raises when the wait ends")


def _polls(fetch: Callable[[], dict[str, Any]], max_wait_s: float, what: str
           ) -> Iterator[dict[str, Any]]:
    """`fetch()` again and again, bounded in time and count; raises when the wait is over."""
    started = time.monotonic()
    limit = min(max_wait_s, float(os.environ.get("VECTORA_STACK_WAIT_S", max_wait_s)))
    for attempt in range(int(limit / POLL_S[-1]) + len(POLL_S) + 1):
        time.sleep(POLL_S[min(attempt, len(POLL_S) - 1)])
        yield fetch()
        if time.monotonic() - started > limit:
            break
    raise AwsError(f"{what}: still in progress after {int(limit)} s; look at the stack in the "
                   "CloudFormation console, then plan again")


def stack_events(aws: Aws, name: str, *, limit: int = 200) -> list[StackEvent]:
    """The newest `limit` events of the stack, newest first."""
    client = aws.client("cloudformation")
    events: list[StackEvent] = []
    kwargs: dict[str, Any] = {"StackName": name}
    for _ in range(20):
        page = call(f"DescribeStackEvents {name}", client.describe_stack_events, **kwargs)
        for event in page.get("StackEvents", ()):
            stamp = event.get("Timestamp", "")
            events.append(StackEvent(
                logical_id=str(event.get("LogicalResourceId", "")),
                resource_type=str(event.get("ResourceType", "")),
                status=str(event.get("ResourceStatus", "")),
                reason=str(event.get("ResourceStatusReason", "")),
                timestamp=stamp.isoformat() if hasattr(stamp, "isoformat") else str(stamp)))
        if len(events) >= limit or not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    return events[:limit]
