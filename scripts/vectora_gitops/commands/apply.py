"""`vectora-gitops apply --env ENV [--plan FILE] [--prune] [--yes] [--bake-seconds N]
[--ignore-alarm NAME --reason TEXT]`."""

from __future__ import annotations

import os
import sys
from argparse import Namespace

from vectora_gitops import console, gitrepo
from vectora_gitops.aws.client import COUNTERS
from vectora_gitops.commands.common import confirmed, repository
from vectora_gitops.desired.repo import check_env_name
from vectora_gitops.engine import guards, hold
from vectora_gitops.engine import plan as plans
from vectora_gitops.engine.changes import StackWrite
from vectora_gitops.engine.reconcile import (
    apply_env,
    check_fresh,
    plan_env,
    settle_dead_run,
    utcnow,
)
from vectora_gitops.engine.stackapply import check_allowed
from vectora_gitops.errors import UsageError
from vectora_gitops.monitoring import rollout
from vectora_gitops.render import plan as render
from vectora_gitops.render.progress import progress_bar
from vectora_gitops.snapshots.take import take_before_apply

BREAK_GLASS_VAR = "VECTORA_BREAK_GLASS_REASON"  # set by the reconcile workflow's break glass
BAKE_VAR = "VECTORA_BAKE_SECONDS"  # the bake of every apply when --bake-seconds is not given


def break_glass_reason(flag: str | None) -> str | None:
    """The break-glass reason to record: `--break-glass-reason`, else $VECTORA_BREAK_GLASS_REASON;
    one line of 10 to 300 printable characters."""
    given = flag if flag is not None else os.environ.get(BREAK_GLASS_VAR, "")
    if not given.strip() and flag is None:
        return None
    where = "--break-glass-reason" if flag is not None else BREAK_GLASS_VAR
    return one_line(given, where, "the promotion check is bypassed")


def one_line(given: str, where: str, why: str) -> str:
    """A reason kept in the record: one line of 10 to 300 printable characters."""
    text = given.strip()
    if not 10 <= len(text) <= 300 or not text.isprintable():
        raise UsageError(f"{where}: one line of 10 to 300 printable characters saying why {why}")
    return text


def dirty_reason(args: Namespace, *, replace: bool, ignore: bool) -> str | None:
    """The reason of --allow-dirty (--reason), checked like the break-glass reason. `--reason`
    is shared: it goes with --override-window, --allow-replace (`replace`), --allow-dirty or
    --ignore-alarm (`ignore`)."""
    allow = bool(getattr(args, "allow_dirty", False))
    if args.reason and not (args.override_window or replace or allow or ignore):
        raise UsageError("--reason goes with --override-window, --allow-replace, --allow-dirty "
                         "or --ignore-alarm")
    if not allow:
        return None
    if not args.reason:
        raise UsageError("--allow-dirty needs --reason TEXT saying why uncommitted changes are "
                         "applied (kept in the deployment record)")
    return one_line(args.reason, "--reason",
                    "a working tree with uncommitted changes is applied")


def bake_seconds(flag: int | None) -> int | None:
    """The bake asked for: `--bake-seconds`, else $VECTORA_BAKE_SECONDS, else None (the
    environment's rollout.bake_seconds)."""
    if flag is not None:
        return flag
    given = os.environ.get(BAKE_VAR, "").strip()
    if not given:
        return None
    if not given.isdigit():
        raise UsageError(f"{BAKE_VAR}={given!r}: a whole number of seconds")
    return int(given)


def main(args: Namespace) -> int:
    retries_before = COUNTERS.retries  # the process may have retried before (tests run many)
    ignore = tuple(getattr(args, "ignore_alarm", None) or ())
    allow = tuple(getattr(args, "allow_replace", None) or ())
    allow_dirty = dirty_reason(args, replace=bool(allow), ignore=bool(ignore))
    if allow and (not args.reason or len(args.reason.strip()) < 3):
        raise UsageError("--allow-replace needs --reason TEXT (kept in the deployment record)")
    glass = break_glass_reason(getattr(args, "break_glass_reason", None))
    repo = repository(args)
    check_env_name(args.env)
    dirty = gitrepo.dirty_paths(repo.root)
    warning = guards.check_clean(args.env, dirty, allow=allow_dirty is not None)
    if warning:
        console.err(warning)
    saved = plans.load(args.plan) if args.plan else None
    planned = plan_env(repo, args.env,
                       prune=True if args.prune else (saved.prune if saved else None))
    if saved is not None:
        guards.check_changes(planned.desired.env, saved.changes, planned.actual.objects)
        check_fresh(planned, saved)
    guards.check_window(planned.desired.env, utcnow(), override=args.override_window,
                        reason=args.reason)
    check_allowed([c for c in (saved or planned.plan).changes if isinstance(c, StackWrite)],
                  allow, "the plan")
    plan = saved or planned.plan
    if plan.empty:
        settle_dead_run(planned)
        console.out(f"{plan.env}: nothing to apply, in sync with {plans.short(plan.commit)}")
        return 0
    bake = rollout.bake_of(planned.desired, bake_seconds(getattr(args, "bake_seconds", None)))
    if bake is not None:
        hold.check(planned.aws, planned.desired.env, plan.pins)
        bake = rollout.precheck(planned.aws, planned.desired, bake, ignore, args.reason)
    elif ignore:
        raise UsageError("--ignore-alarm goes with a bake (rollout.bake_seconds or --bake-seconds)")
    console.out(render.text(plan, color=sys.stdout.isatty()))
    if not confirmed(args.yes, command="apply",
                     question=f"Apply {len(plan.changes)} change(s) to {plan.env}?"):
        return 1
    after = None if bake is None else rollout.after_apply(
        planned.aws, planned.desired, bake, pins=plan.pins, commit=plan.commit, say=console.out)
    with progress_bar(len(plan.changes), enabled=len(plan.changes) > 20) as advance:
        outcome, record = apply_env(planned, plan, snapshot=take_before_apply,
                                    override_reason=args.reason if args.override_window
                                    else None, progress=advance, break_glass_reason=glass,
                                    allow_replace=allow,
                                    replace_reason=args.reason if allow else None,
                                    dirty_reason=allow_dirty if dirty else None,
                                    say=console.err, after=after)
    snap = f", snapshot {record.snapshot}" if record.snapshot else ""
    console.out(f"{plan.env}: applied {len(outcome.done)} change(s){snap}; record "
                f"{record.id}; {COUNTERS.retries - retries_before} retried request(s)")
    if glass:
        console.out(f"{plan.env}: break glass recorded in record {record.id}: {glass}")
    if allow_dirty and dirty:
        console.out(f"{plan.env}: uncommitted changes applied; reason recorded in record "
                    f"{record.id}: {allow_dirty}")
    return 0
