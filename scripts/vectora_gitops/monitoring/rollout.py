"""The guarded rollout (docs/architecture.md §11): before an apply, the environment's alarms
must not be in ALARM already (or be named by `--ignore-alarm` with a reason); after it, the
apply watches them for the bake time, inside its locked run. An alarm going to ALARM puts AWS
back to the pre-apply snapshot (the restore of snapshots/restore.py, under the same lock),
holds the environment (engine/hold.py) and closes the record as `rolled back`, naming the alarm.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.aws import cloudwatch
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine import hold
from vectora_gitops.engine.apply import Outcome
from vectora_gitops.engine.lockedrun import Notes
from vectora_gitops.engine.reconcile import AfterApply
from vectora_gitops.errors import FatalError, GuardError, RolledBackError, UsageError
from vectora_gitops.model import DesiredState
from vectora_gitops.observed import Alarm
from vectora_gitops.safetext import printable
from vectora_gitops.snapshots import restore, take
from vectora_gitops.snapshots.export import parse

Say = Callable[[str], None]
MAX_BAKE_SECONDS = 3600  # the reconcile job's timeout bounds it too (README, "Rollout")


@dataclass(frozen=True)
class Bake:
    seconds: int
    poll_seconds: int
    watched: tuple[str, ...]  # the alarm names git declares for the environment
    ignored: tuple[str, ...] = ()  # already in ALARM before the apply, named by --ignore-alarm
    reason: str = ""


def bake_of(desired: DesiredState, override: int | None) -> Bake | None:
    """The bake of this apply: `--bake-seconds` when given, else `rollout.bake_seconds`;
    None when there is nothing to bake (0 seconds, or no alarms declared)."""
    seconds = desired.env.bake_seconds if override is None else override
    if not 0 <= seconds <= MAX_BAKE_SECONDS:
        raise UsageError(f"--bake-seconds {seconds}: between 0 and {MAX_BAKE_SECONDS}")
    monitoring = desired.monitoring
    if seconds == 0:
        return None
    if monitoring is None or not monitoring.alarms:
        raise UsageError(f"{desired.env.name}: a bake watches the environment's alarms and "
                         f"environments/{desired.env.name}/monitoring.yaml declares none")
    spec = desired.env.monitoring
    poll = spec.rollout.poll_seconds if spec else 15
    return Bake(seconds, max(1, min(poll, seconds)), tuple(monitoring.alarms))


def precheck(aws: Aws, desired: DesiredState, bake: Bake, ignore: tuple[str, ...],
             reason: str | None) -> Bake:
    """Refuse to start while an alarm is in ALARM already: it was not caused by this change,
    and a bake could not tell. `ignore` names the ones a fix may go forward under (with a
    reason); the bake then does not watch them."""
    unknown = sorted(set(ignore) - set(bake.watched))
    if unknown:
        raise UsageError(f"--ignore-alarm {unknown[0]}: not an alarm of {desired.env.name} "
                         "(see its monitoring.yaml)")
    if ignore and not (reason and 10 <= len(reason.strip()) <= 300):
        raise UsageError("--ignore-alarm needs --reason: one line of 10 to 300 characters")
    firing = [a for a in cloudwatch.alarms_named(aws, list(bake.watched)) if a.state == "ALARM"]
    blocking = sorted(a.name for a in firing if a.name not in ignore)
    if blocking:
        since = {a.name: a.state_updated for a in firing}
        listed = ", ".join(f"{n} (since {_when(since[n])})" for n in blocking)
        raise GuardError(printable(
            f"{desired.env.name}: alarm(s) already in ALARM before the apply: {listed}; "
            "nothing was changed. This is not caused by the change: fix the cause, or let a fix "
            "go forward with `--ignore-alarm NAME --reason TEXT`"))
    return Bake(bake.seconds, bake.poll_seconds, bake.watched, tuple(sorted(ignore)),
                (reason or "").strip())


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds") if at else "an unknown time"


def watch(aws: Aws, env: str, bake: Bake, *, say: Say,
          clock: Callable[[], float] = time.monotonic,
          sleep: Callable[[float], None] = time.sleep) -> tuple[Alarm, float] | None:
    """Poll the watched alarms every `poll_seconds` until `seconds` have passed; the first in
    ALARM and when (seconds into the bake), or None. Bounded in time and in polls."""
    names = [n for n in bake.watched if n not in bake.ignored]
    start = clock()
    deadline = start + bake.seconds
    for _ in range(bake.seconds // bake.poll_seconds + 2):
        found = cloudwatch.alarms_named(aws, names) if names else []
        firing = sorted((a for a in found if a.state == "ALARM"), key=lambda a: a.name)
        if firing:
            return firing[0], clock() - start
        left = deadline - clock()
        if left <= 0:
            return None
        say(f"{env}: baking: {math.ceil(left)} s left, {len(names)} alarm(s) watched, "
            "none in ALARM")
        sleep(min(float(bake.poll_seconds), left))
    return None


def after_apply(aws: Aws, desired: DesiredState, bake: Bake, *, pins: Mapping[str, Any],
                commit: str, say: Say, clock: Callable[[], float] = time.monotonic,
                sleep: Callable[[float], None] = time.sleep) -> AfterApply:
    """The bake run inside the apply's locked run (engine/reconcile.apply_env `after`)."""
    env = desired.env

    def bake_then_maybe_roll_back(run: Notes, _outcome: Outcome) -> None:
        run.add("bake_seconds", bake.seconds)
        if bake.ignored:
            run.add("ignored_alarms", ", ".join(bake.ignored))
            run.add("ignored_alarms_reason", bake.reason)
        say(f"{env.name}: watching {len(bake.watched) - len(bake.ignored)} alarm(s) for "
            f"{bake.seconds} s (poll every {bake.poll_seconds} s)")
        fired = watch(aws, env.name, bake, say=say, clock=clock, sleep=sleep)
        if fired is None:
            say(f"{env.name}: bake of {bake.seconds} s over, no alarm")
            return
        alarm, after = fired
        run.add("rolled_back_alarm", alarm.name)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        hold.write(aws, env, hold.Hold(run.record_id, env.name, alarm.name, at, commit,
                                       dict(pins)))
        snapshot = run.get("snapshot")
        if not snapshot:
            raise FatalError(f"{env.name}: alarm {alarm.name} went to ALARM during the bake and "
                             "no pre-apply snapshot was taken: nothing was put back")
        manifest = parse(take.load_manifest(aws, env, str(snapshot)), where=str(snapshot))
        undo = restore.make_plan(aws, env, manifest)
        restore.execute(aws, env, manifest, undo, content=None)
        run.add("rolled_back_to", str(snapshot))
        raise RolledBackError(printable(
            f"{env.name}: alarm {alarm.name} went to ALARM {after:.0f} s into the bake "
            f"({alarm.state_reason or 'no reason given'}); AWS was put back to snapshot "
            f"{snapshot} ({len(undo.restore)} object(s) restored, {len(undo.delete)} deleted, "
            f"{len(undo.functions)} function(s)); record {run.record_id} says rolled back and "
            f"{env.name} is held: the same pins will be refused until git changes them or "
            f"`vectora-gitops hold release --env {env.name} --reason TEXT`"))

    return bake_then_maybe_roll_back
