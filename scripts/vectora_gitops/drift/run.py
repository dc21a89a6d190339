"""Observe one or every environment for drift (environments run concurrently), and heal.

The drift path reads more than a plan does: the content hash (GetLayerVersion) of every layer
version a function carries, and the newest deployment records. It never writes, so a read-only
role is enough; `heal` runs the ordinary plan and apply of the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from vectora_gitops.aws import cloudformation, lambda_
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.validate import Report
from vectora_gitops.drift.classify import classify
from vectora_gitops.drift.findings import EnvDrift, Finding, apply_ignores
from vectora_gitops.engine import records
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.layers import code_hex
from vectora_gitops.engine.reconcile import plan_env, validated
from vectora_gitops.engine.stackdiff import differences, resolved
from vectora_gitops.errors import AwsError, FatalError, GuardError
from vectora_gitops.history import ROLLED_BACK
from vectora_gitops.model import DesiredState, Environment


def check_env(repo: Repository, env: str, *, report: Report | None = None) -> EnvDrift:
    """Drift of one environment; `report`: the repository's validation, when already done."""
    try:
        planned = plan_env(repo, env, prune=False, report=report)
    except GuardError:
        environment = load_env(repo, env)[0]
        if stacks_absent(Aws(environment.region), environment):
            return not_created(environment)
        raise
    desired, actual, aws = planned.desired, planned.actual, planned.aws
    if actual.not_created:
        return not_created(desired.env)
    arns = sorted({arn for f in actual.functions.values() if f for arn in f.layers})
    codes = {arn: actual.layer_code.get(arn) or layer_code(aws, arn) for arn in arns}
    findings = apply_ignores((*classify(desired, actual, codes), *stack_findings(desired, actual)),
                             desired.env.drift_ignore)
    notice = restore_notice(aws, desired) or rollback_notice(aws, desired)
    return EnvDrift(env, findings, notice, self_heal=desired.env.sync.self_heal)


def not_created(env: Environment) -> EnvDrift:
    """An environment whose stacks do not exist yet: drift (exit 2), never an error, so that
    `drift --all` stays useful while an environment waits to be created (docs §10)."""
    names = ", ".join(env.stacks) or "none listed"
    return EnvDrift(env.name, (Finding("env_not_created", f"stacks:{env.name}", names, "none"),),
                    notice=f"{env.name} is not created: its stacks ({names}) do not exist; "
                    f"`vectora-gitops apply --env {env.name}` creates them from git (for stacks "
                    "listed by name only, deploy them first)")


def stacks_absent(aws: Aws, env: Environment) -> bool:
    """Every stack the environment names is absent (a stack that cannot be read raises)."""
    return bool(env.stacks) and all(cloudformation.describe_stack(aws, s) is None
                                    for s in env.stacks)


def stack_findings(desired: DesiredState, actual: ActualState) -> tuple[Finding, ...]:
    """A managed stack whose template, parameters or tags differ from git (changed by hand)."""
    found = []
    for stack in desired.stacks:
        observed = actual.stacks.get(stack.key)
        if observed is None:
            found.append(Finding("stack_changed", f"stack:{stack.key}", stack.name, "missing"))
            continue
        params, later = resolved(stack, actual)
        found += [Finding("stack_changed", f"stack:{stack.key}:{what.replace(' ', ':')}",
                          _git_side(what, stack.template_version, params, stack.tags),
                          _aws_side(what, observed.parameters, observed.tags))
                  for what in differences(stack, observed, params, later)]
    return tuple(found)


def _git_side(what: str, version: str, params: dict[str, str], tags: Mapping[str, str]) -> str:
    kind, _, name = what.partition(" ")
    if kind == "template":
        return f"templates version {version}"
    return (params if kind == "parameter" else tags).get(name, "(absent)")


def _aws_side(what: str, params: Mapping[str, str], tags: Mapping[str, str]) -> str:
    kind, _, name = what.partition(" ")
    if kind == "template":
        return "another template"
    return (params if kind == "parameter" else tags).get(name, "(absent)")


def layer_code(aws: Aws, arn: str) -> str:
    """Hex content hash of a layer version; '' when it cannot be read (deleted, not allowed)."""
    try:
        return code_hex(lambda_.layer_code_sha256(aws, arn))
    except AwsError:
        return ""


def restore_notice(aws: Aws, desired: DesiredState) -> str:
    restore = last_restore(records.iter_records(aws, desired.env))
    if restore is None:
        return ""
    env = desired.env.name
    commit = str(restore.get("restored_to_commit") or "")
    revert = f"revert the commits after {commit}" if commit else \
        f"revert the commits applied after snapshot {restore.get('restored_from', '?')}"
    return (f"AWS was restored from snapshot {restore.get('restored_from', '?')} at "
            f"{restore.get('ended_at') or restore.get('started_at')}; git is behind: bring git "
            f"in line: `vectora-gitops import --env {env}` or {revert}")


def rollback_notice(aws: Aws, desired: DesiredState) -> str:
    """Git is ahead of AWS when the newest apply was rolled back on an alarm (docs/architecture.md
    §11), and says why."""
    found = last_rollback(records.iter_records(aws, desired.env))
    if found is None:
        return ""
    env = desired.env.name
    return (f"apply {found.get('id')} of commit {str(found.get('commit', ''))[:12]} was rolled "
            f"back at {found.get('ended_at')}: alarm {found.get('rolled_back_alarm', '?')} went "
            f"to ALARM during its bake; git is ahead of AWS, which runs snapshot "
            f"{found.get('rolled_back_to', '?')}; {env} is held: change {env}'s pins in git "
            f"(a fix) or `vectora-gitops hold release --env {env} --reason TEXT`")


def last_rollback(history: Iterable[dict[str, Any]]) -> Mapping[str, Any] | None:
    """The newest apply rolled back when no apply succeeded after it (records newest first)."""
    for record in history:
        if record.get("kind", "apply") != "apply":
            continue
        if record.get("result") == ROLLED_BACK:
            return record
        if record.get("result") == "succeeded":
            return None
    return None


def last_restore(history: Iterable[dict[str, Any]]) -> Mapping[str, Any] | None:
    """The newest succeeded restore when no apply succeeded after it (records newest first)."""
    for record in history:
        if record.get("result") != "succeeded":
            continue
        if record.get("kind") == "restore":
            return record
        if record.get("kind", "apply") == "apply":
            return None
    return None


def check_all(repo: Repository, envs: list[str]) -> list[EnvDrift]:
    """Every environment at once (one thread each); a failing one is reported, not fatal.
    The repository is validated once, and each pinned bundle read once, for all of them."""
    report = validated(repo)

    def safe(env: str) -> EnvDrift:
        try:
            return check_env(repo, env, report=report)
        except FatalError as exc:
            return EnvDrift(env, error="; ".join(exc.lines()))

    with ThreadPoolExecutor(max_workers=max(1, len(envs))) as pool:
        return list(pool.map(safe, envs))
