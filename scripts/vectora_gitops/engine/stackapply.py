"""Apply's steps for the managed stacks (docs/architecture.md §10): create a stack, update one
through a change set checked again against the guards, turn on termination protection; each
waits, bounded, telling its progress, and a failure names the failing resource, its reason and
the state the stack rolled back to, from the stack's events."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from vectora_gitops.aws import cloudformation, emulator
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.changes import CreateStack, StackWrite, UpdateStack, destroys
from vectora_gitops.engine.stackdiff import STUCK, infer_replacements
from vectora_gitops.engine.stackplan import change_set_name
from vectora_gitops.errors import AwsError, GuardError, StalePlanError
from vectora_gitops.model import DesiredStack, DesiredState
from vectora_gitops.observed import ResourceChange

Say = Callable[[str], None]
DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


@dataclass
class StackRun:
    """What the stack steps of one apply know and did."""

    aws: Aws
    desired: DesiredState
    say: Say
    allow_replace: Collection[str] = ()
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> outputs
    done: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> for the record

    def stack(self, key: str) -> DesiredStack:
        found = next((s for s in self.desired.stacks if s.key == key), None)
        if found is None:
            raise StalePlanError(f"stack {key}: not in the checkout any more; make a new plan")
        return found

    def parameters(self, change: StackWrite) -> dict[str, str]:
        """The planned values, and the outputs of the stacks applied before it."""
        params = dict(change.parameters)
        for name, ref in change.outputs_in.items():
            key, _, output = ref.partition(".")
            outputs = self.outputs.get(key)
            if outputs is None:
                outputs = cloudformation.stack_outputs(self.aws, self.stack(key).name) or {}
                self.outputs[key] = outputs
            if output not in outputs:
                raise AwsError(f"stack {change.name}: parameter {name} takes output {ref}, which "
                               f"stack {self.stack(key).name} does not have; apply it first")
            params[name] = outputs[output]
        return params


def check_allowed(changes: Collection[StackWrite], allowed: Collection[str], where: str) -> None:
    """Refuse a change that removes or replaces a stateful resource not named by
    `--allow-replace` (nothing is changed)."""
    for change in changes:
        for resource in change.destroyed():
            if resource not in allowed:
                raise GuardError(f"stack {change.name}: {where} removes or replaces the stateful "
                                 f"resource {resource}; its data or the functions using it would "
                                 f"be lost. Refused: pass --allow-replace {resource} --reason "
                                 "TEXT if that is intended (kept in the deployment record)")


def create(run: StackRun, change: CreateStack) -> None:
    stack = _same_template(run, change)
    params = run.parameters(change)
    run.say(f"stack {change.name}: creating from {stack.source}")
    cloudformation.create_stack(run.aws, change.name, body=stack.body, parameters=params,
                                tags=change.tags, protect=change.protect,
                                role_arn=run.desired.env.cloudformation_role_arn)
    _finish(run, change, params, "creation")
    for note in emulator.after_stack(run.aws, stack):
        run.say(note)


def update(run: StackRun, change: UpdateStack) -> None:
    stack = _same_template(run, change)
    params = run.parameters(change)
    name = change_set_name("apply")
    # ExecuteChangeSet takes no role: the change set is executed with the one it was made with
    cloudformation.create_change_set(run.aws, change.name, name, body=stack.body,
                                     parameters=params, tags=change.tags,
                                     role_arn=run.desired.env.cloudformation_role_arn)
    found = cloudformation.describe_change_set(run.aws, change.name, name)
    if found is None:
        cloudformation.delete_change_set(run.aws, change.name, name)
        run.say(f"stack {change.name}: no changes (the change set is empty); in sync")
        return
    try:
        found = _checked(run, change, found)
    except BaseException:
        cloudformation.delete_change_set(run.aws, change.name, name)
        raise
    run.say(f"stack {change.name}: executing change set {name} ({len(found)} change(s))")
    cloudformation.execute_change_set(run.aws, change.name, name)
    _finish(run, change, params, "update")
    _leftovers(run, change.name)


def _leftovers(run: StackRun, name: str) -> None:
    """AWS removes a stack's change sets once one is executed; the emulator keeps them: ours
    are deleted so that none is left behind."""
    for left in cloudformation.change_set_names(run.aws, name):
        if left.startswith("vectora-gitops-"):
            cloudformation.delete_change_set(run.aws, name, left)


def _checked(run: StackRun, change: UpdateStack, found: tuple[ResourceChange, ...]
             ) -> tuple[ResourceChange, ...]:
    """The change set made now must be the one the plan showed, and pass the guards."""
    observed = cloudformation.describe_stack(run.aws, change.name)
    if observed is not None:
        found = infer_replacements(found, observed, run.stack(change.stack))
    if _key(found) != _key(change.resources):
        raise StalePlanError(f"stack {change.name}: CloudFormation now plans other changes than "
                             "the plan shows; nothing changed, make a new plan")
    check_allowed([change], run.allow_replace, "the change set")
    return found


def _key(changes: Collection[ResourceChange]) -> list[tuple[str, str, bool]]:
    return sorted((c.action, c.logical_id, destroys(c)) for c in changes)


def protect(run: StackRun, name: str) -> None:
    if emulator.is_emulator(run.aws):  # its answer is a 500 page (README, Stacks)
        run.say(f"sandbox: the emulator cannot turn on termination protection of {name} "
                "(UpdateTerminationProtection answers 500); on AWS it is turned on here")
        return
    cloudformation.protect(run.aws, name)
    run.say(f"stack {name}: termination protection on")


def _same_template(run: StackRun, change: StackWrite) -> DesiredStack:
    stack = run.stack(change.stack)
    if stack.sha256 != change.sha256:
        raise StalePlanError(f"stack {change.name}: the checkout holds another template than "
                             "the plan; make a new plan")
    return stack


def _finish(run: StackRun, change: StackWrite, params: dict[str, str], what: str) -> None:
    status = cloudformation.wait_stack(run.aws, change.name,
                                       tick=lambda s: run.say(f"stack {change.name}: {s}"))
    if status not in DONE:
        raise AwsError(failure(run.aws, change.name, what, status))
    outputs = cloudformation.stack_outputs(run.aws, change.name) or {}
    run.outputs[change.stack] = outputs
    run.done[change.stack] = {"name": change.name, "template": change.template_version,
                              "parameters": dict(sorted(params.items())),
                              "outputs": dict(sorted(outputs.items()))}


def failure(aws: Aws, name: str, what: str, status: str) -> str:
    """One line: what failed first (resource, reason, from the events) and where it ended."""
    events = cloudformation.stack_events(aws, name)
    failed = [e for e in reversed(events) if e.status.endswith("_FAILED") and e.reason
              and e.logical_id != name]
    cause = (f"{failed[0].logical_id} ({failed[0].resource_type}) {failed[0].status}: "
             f"{failed[0].reason}") if failed else "no failed resource in its events"
    if status.endswith("ROLLBACK_COMPLETE") and status != "ROLLBACK_COMPLETE":
        return (f"stack {name}: the {what} failed: {cause}; the stack rolled back to {status} "
                "(nothing of this change stays). Fix the cause, then plan again")
    todo = STUCK.get(status, "look at its events in the console").format(name=name)
    return f"stack {name}: the {what} failed: {cause}; the stack is now {status}: {todo}"
