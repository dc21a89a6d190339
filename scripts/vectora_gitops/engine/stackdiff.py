"""The pure diff of the managed stacks (docs/architecture.md §10): what differs between git's
stack and CloudFormation's (template text, parameters, tags, termination protection), the states
in which nothing may be done, and the stack changes of a plan. No I/O here: the change sets are
read by engine/stackplan.py beforehand (`ActualState.previews`)."""

from __future__ import annotations

from collections.abc import Mapping

from vectora_gitops.desired.templates import parse
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import Change, CreateStack, ProtectStack, UpdateStack
from vectora_gitops.errors import InputError, Problem
from vectora_gitops.model import DesiredStack, OutputRef, TemplateResource
from vectora_gitops.observed import ObservedStack, ResourceChange

# Properties whose change makes CloudFormation replace the resource (AWS resource reference,
# "Update requires: Replacement"); used only when a change set does not say (the emulator).
REPLACING = {
    "AWS::S3::Bucket": ("BucketName", "ObjectLockEnabled"),
    "AWS::Logs::LogGroup": ("LogGroupName",),
    "AWS::IAM::Role": ("RoleName", "Path"),
    "AWS::Lambda::Function": ("FunctionName",),
    "AWS::Events::Rule": ("Name",),
}

# What to do with a stack CloudFormation is busy with or left stuck: never recreated.
WAIT = "wait until CloudFormation finishes (the console shows its events), then plan again"
STUCK = {
    "UPDATE_ROLLBACK_FAILED": "continue the rollback (`aws cloudformation "
                              "continue-update-rollback --stack-name {name}`, skipping the "
                              "resources its events name if they cannot roll back), then plan "
                              "again",
    "ROLLBACK_COMPLETE": "its creation failed and rolled back (its events say why); delete it "
                         "by hand (`aws cloudformation delete-stack --stack-name {name}`) after "
                         "checking nothing in it holds data, then plan again",
    "ROLLBACK_FAILED": "its creation failed and could not roll back; delete it by hand after "
                       "reading its events, then plan again",
    "CREATE_FAILED": "its creation failed; read its events, delete it by hand, then plan again",
    "DELETE_FAILED": "a deletion by hand failed; finish or undo it in the console, then plan "
                     "again",
    "REVIEW_IN_PROGRESS": "a change set created by hand waits on it; execute or delete it "
                          "(and the stack if it has never been created), then plan again",
    "IMPORT_ROLLBACK_FAILED": "an import by hand failed to roll back; fix it in the console, "
                              "then plan again",
}


def status_problem(stack: ObservedStack) -> str | None:
    """Why nothing may be planned for the stack in its state, with what to do; None if fine."""
    if stack.status.endswith("_IN_PROGRESS") and stack.status != "REVIEW_IN_PROGRESS":
        return f"stack {stack.name} is {stack.status}: {WAIT}"
    todo = STUCK.get(stack.status)
    return f"stack {stack.name} is {stack.status}: {todo.format(name=stack.name)}" if todo else None


def resolved(stack: DesiredStack, actual: ActualState) -> tuple[dict[str, str], dict[str, str]]:
    """(known parameter values, parameter -> output still unknown): an output is known when the
    stack giving it exists and has it."""
    known: dict[str, str] = {}
    later: dict[str, str] = {}
    for name, value in stack.parameters.items():
        if isinstance(value, OutputRef):
            source = actual.stacks.get(value.stack)
            outputs = source.outputs if source is not None else {}
            if value.output in outputs:
                known[name] = outputs[value.output]
            else:
                later[name] = value.text()
        else:
            known[name] = value
    return known, later


def differences(stack: DesiredStack, observed: ObservedStack, params: Mapping[str, str],
                later: Mapping[str, str]) -> tuple[str, ...]:
    """What differs between git and the stack (drift when nobody changed git)."""
    why = []
    if observed.template_body != stack.body:
        why.append("template")
    for name in sorted(params.keys() | observed.parameters.keys()):
        if name in later:
            continue
        if params.get(name) != observed.parameters.get(name):
            why.append(f"parameter {name}")
    for name in sorted(stack.tags.keys() | observed.tags.keys()):
        if stack.tags.get(name) != observed.tags.get(name):
            why.append(f"tag {name}")
    return tuple(why)


def stack_changes(stacks: tuple[DesiredStack, ...], actual: ActualState) -> list[Change]:
    """Create what does not exist, update what differs (from the change set previewed), protect
    prod's stacks; a stack in a state where nothing may be done is an error with what to do."""
    problems = [p for s in stacks if (o := actual.stacks.get(s.key)) is not None
                and (p := status_problem(o)) is not None]
    if problems:
        raise InputError(f"{len(problems)} stack(s) cannot be planned", tuple(
            _problem(p) for p in problems))
    changes: list[Change] = []
    for stack in stacks:
        observed = actual.stacks.get(stack.key)
        params, later = resolved(stack, actual)
        if observed is None:
            changes.append(CreateStack(stack.key, stack.name, stack.template_version, stack.sha256,
                                       params, later, dict(stack.tags), create_resources(stack),
                                       protect=stack.protect))
            continue
        preview = actual.previews.get(stack.key)
        why = differences(stack, observed, params, later)
        if why and preview is not None:
            changes.append(UpdateStack(stack.key, stack.name, stack.template_version,
                                       stack.sha256, params, later, dict(stack.tags),
                                       infer_replacements(preview, observed, stack), why=why))
        if stack.protect and not observed.termination_protection:
            changes.append(ProtectStack(stack.key, stack.name))
    return changes


def _problem(text: str) -> Problem:
    return Problem("stacks", text)


def create_resources(stack: DesiredStack) -> tuple[ResourceChange, ...]:
    """Every resource of a new stack's template: an Add."""
    return tuple(ResourceChange("Add", r.logical_id, r.type) for r in stack.resources.values())


def infer_replacements(changes: tuple[ResourceChange, ...], observed: ObservedStack,
                       stack: DesiredStack) -> tuple[ResourceChange, ...]:
    """A Modify whose change set does not say whether it replaces (the emulator leaves
    `Replacement` out; AWS always says) is judged from the two templates: a replacing property
    (REPLACING) that changed is a replacement, marked as inferred."""
    if all(c.replacement or c.action != "Modify" for c in changes):
        return changes
    try:
        before = parse(observed.template_body, path=f"stack {observed.name}").resources
    except InputError:
        before = {}
    return tuple(_inferred(c, before, stack.resources) for c in changes)


def _inferred(change: ResourceChange, before: Mapping[str, TemplateResource],
              after: Mapping[str, TemplateResource]) -> ResourceChange:
    if change.action != "Modify" or change.replacement:
        return change
    old, new = before.get(change.logical_id), after.get(change.logical_id)
    if old is None or new is None:
        return change
    changed = [p for p in REPLACING.get(new.type, ())
               if old.properties.get(p) != new.properties.get(p)]
    if not changed:
        return ResourceChange(change.action, change.logical_id, change.resource_type, "False",
                              change.physical_id, "from the templates: no replacing property "
                              "changed")
    return ResourceChange(change.action, change.logical_id, change.resource_type, "True",
                          change.physical_id, f"from the templates: {', '.join(changed)} changed")
