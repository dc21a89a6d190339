"""Safety guards checked before anything is written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from vectora_gitops.aws import s3, sts
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.changes import Change
from vectora_gitops.errors import AwsError, GuardError
from vectora_gitops.model import DenyWindow, Environment

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def check_account(aws: Aws, env: Environment) -> str:
    account = sts.account_id(aws)
    if account != env.account_id:
        raise GuardError(f"{env.name}: the credentials are for account {account}, but "
                         f"environments/{env.name}/environment.yaml says aws.account_id "
                         f"{env.account_id}; use the {env.name} role")
    return account


def _bucket_setting(read: Callable[[Aws, str], bool], aws: Aws, env: Environment,
                    bucket: str) -> bool:
    """`read(aws, bucket)`; a missing bucket is a GuardError naming the stack to deploy."""
    try:
        return read(aws, bucket)
    except AwsError as exc:
        if exc.code == "NoSuchBucket":
            raise GuardError(f"bucket {bucket} does not exist; deploy the CloudFormation stack "
                             f"{env.stack('core')} first") from None
        raise


def check_versioning(aws: Aws, env: Environment, buckets: tuple[str, ...]) -> None:
    for bucket in buckets:
        if not _bucket_setting(s3.versioning_enabled, aws, env, bucket):
            raise GuardError(f"bucket {bucket} has no versioning: nothing written there could "
                             "be recovered; enable versioning (stack template) and retry")


def check_object_lock(aws: Aws, env: Environment) -> None:
    """The deployment records go under Object Lock retention (docs/evidence.md): the data bucket
    must have Object Lock enabled before a run writes any."""
    bucket = env.buckets.data
    if not _bucket_setting(s3.object_lock_enabled, aws, env, bucket):
        raise GuardError(f"bucket {bucket} has no S3 Object Lock: the deployment records and E2E "
                         "results must be kept where no role can rewrite them (docs/evidence.md);"
                         f" enable it (aws s3api put-object-lock-configuration --bucket {bucket} "
                         "--object-lock-configuration ObjectLockEnabled=Enabled, or the stack "
                         "template) and retry")


def check_names(env: Environment, changes: tuple[Change, ...]) -> None:
    """Every resource a change touches ends with `-<env>` or is one of the environment's
    recorded name exceptions (validated: never a name of another environment)."""
    suffix = f"-{env.name}"
    excepted = {e.name for e in env.name_exceptions}
    for change in changes:
        for name in change.names():
            if not name.endswith(suffix) and name not in excepted:
                raise GuardError(f"{change.resource}: {name} does not belong to {env.name}; "
                                 "refusing to touch another environment")


def check_changes(env: Environment, changes: tuple[Change, ...], observed: Iterable[str]) -> None:
    """The prune and name guards on changes made elsewhere: a saved plan file is input like any
    other, so what apply executes passes the same guards as a fresh plan (`observed`: the keys
    now in the managed prefixes)."""
    existing = Counter(p for key in observed for p in env.sync.managed_prefixes
                       if key.startswith(p))
    check_prune(env, changes, existing)
    check_names(env, changes)


def check_prune(env: Environment, changes: tuple[Change, ...],
                existing: Mapping[str, int]) -> None:
    """Refuse deletions in protected prefixes and deletion of every object of a prefix."""
    deletes = [key for c in changes for key in c.config_deletes()]
    filled = {p for p in env.sync.managed_prefixes for c in changes for key in c.config_writes()
              if key.startswith(p)}
    per_prefix: Counter[str] = Counter()
    for key in deletes:
        if key.startswith(env.sync.protected_prefixes):
            raise GuardError(f"s3 {key}: protected prefix; never deleted")
        prefix = next((p for p in env.sync.managed_prefixes if key.startswith(p)), None)
        if prefix is None:
            raise GuardError(f"s3 {key}: outside the managed prefixes; never deleted")
        per_prefix[prefix] += 1
    for prefix, n in per_prefix.items():
        if n >= existing.get(prefix, 0) > 0 and prefix not in filled:
            raise GuardError(f"prune would delete all {n} objects under {prefix} in "
                             f"{env.buckets.config}; refusing (is the bundle empty?)")


def active_window(env: Environment, now: datetime) -> DenyWindow | None:
    for window in env.deny_windows:
        local = now.astimezone(ZoneInfo(window.timezone))
        hhmm = local.strftime("%H:%M")
        if DAYS[local.weekday()] in window.days and window.start <= hhmm < window.end:
            return window
    return None


def check_window(env: Environment, now: datetime, *, override: bool, reason: str | None) -> None:
    window = active_window(env, now)
    if window is None:
        return
    if not override:
        raise GuardError(f"{env.name}: inside the deny window {','.join(window.days)} "
                         f"{window.start}-{window.end} {window.timezone} ({window.reason}); "
                         "retry later or pass --override-window --reason TEXT")
    if not reason or len(reason.strip()) < 3:
        raise GuardError("--override-window needs --reason TEXT (kept in the deployment record)")
