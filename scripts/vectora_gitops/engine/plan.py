"""The plan: a serializable value (JSON) recording what was observed and what will change."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vectora_gitops.desired import moves
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import Change, PutObject, UpdateFunction, from_json, to_json
from vectora_gitops.engine.diff import diff
from vectora_gitops.errors import InputError
from vectora_gitops.masking import is_masked
from vectora_gitops.model import DesiredState

FORMAT = 1


@dataclass(frozen=True)
class Plan:
    env: str
    commit: str
    created_at: str
    prune: bool
    pins: dict[str, Any]
    changes: tuple[Change, ...]
    observed: str  # fingerprint of the actual state the plan was made from
    desired: str  # fingerprint of the desired state
    unmanaged: tuple[str, ...] = ()  # objects in managed prefixes that git does not have
    # what the engine will see after the apply, for a plan touching a client move
    # (docs/architecture.md §8); a warning starts with `warning:`
    notes: tuple[str, ...] = ()
    # what the plan says about the managed stacks beside their changes (docs §10)
    stack_notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> dict[str, int]:
        counts = Counter(c.kind for c in self.changes)
        return dict(sorted(counts.items()))

    def summary_line(self) -> str:
        if self.empty:
            return f"{self.env}: in sync with {short(self.commit)}, no changes"
        parts = [f"{n} {kind.replace('_', ' ')}" for kind, n in self.summary().items()]
        return f"{self.env}: {len(self.changes)} change(s): {', '.join(parts)}"


def short(commit: str) -> str:
    return commit[:12] if len(commit) >= 40 else commit


def make_plan(desired: DesiredState, actual: ActualState, *, prune: bool) -> Plan:
    changes = diff(desired, actual, prune=prune)
    unmanaged = tuple(sorted(k for k in actual.objects if k not in desired.objects
                             and k not in desired.deletions
                             and not k.startswith(desired.env.sync.protected_prefixes)))
    return Plan(
        env=desired.env.name,
        commit=desired.commit,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        prune=prune,
        pins=desired.pins.to_json(),
        changes=changes,
        observed=actual.fingerprint(),
        desired=desired_fingerprint(desired),
        unmanaged=() if prune else unmanaged,
        notes=move_notes(desired, changes),
        stack_notes=stack_notes(actual),
    )


def stack_notes(actual: ActualState) -> tuple[str, ...]:
    """Stacks of the environment in AWS that git does not name: reported, never deleted."""
    return tuple(f"warning: stack {name} exists in AWS but not in git; never deleted by this "
                 "tool: add it back under stacks, or delete it by hand if it is no longer used"
                 for name in actual.unnamed_stacks)


def move_notes(desired: DesiredState, changes: tuple[Change, ...]) -> tuple[str, ...]:
    """What the plan says about the client moves its changes carry out."""
    puts = {c.key: c.action for c in changes if isinstance(c, PutObject)}
    deletes = {key for c in changes for key in c.config_deletes()}
    return moves.notes(desired.env, puts, deletes)


def desired_fingerprint(desired: DesiredState) -> str:
    data: dict[str, Any] = {"pins": desired.pins.to_json(),
                            "objects": {k: o.sha256 for k, o in sorted(desired.objects.items())}}
    if desired.stacks:  # left out without managed stacks: fingerprints of older plans hold
        data["stacks"] = {s.key: [s.name, s.sha256, {k: str(v) for k, v in s.parameters.items()},
                                  dict(s.tags)] for s in desired.stacks}
    if desired.deletions:
        data["deletions"] = dict(sorted(desired.deletions.items()))
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "env": plan.env,
        "commit": plan.commit,
        "created_at": plan.created_at,
        "prune": plan.prune,
        "pins": plan.pins,
        "summary": plan.summary(),
        "changes": [to_json(c) for c in plan.changes],
        "observed": plan.observed,
        "desired": plan.desired,
        "unmanaged": list(plan.unmanaged),
        "notes": list(plan.notes),
        **({"stack_notes": list(plan.stack_notes)} if plan.stack_notes else {}),
    }


def save(plan: Plan, path: Path) -> None:
    path.write_text(json.dumps(to_dict(plan), indent=2, sort_keys=True) + "\n")


def load(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r} is not {FORMAT}")
        plan = Plan(
            env=data["env"], commit=data["commit"], created_at=data["created_at"],
            prune=bool(data["prune"]), pins=data["pins"],
            changes=tuple(from_json(c) for c in data["changes"]),
            observed=data["observed"], desired=data["desired"],
            unmanaged=tuple(data.get("unmanaged", ())),
            notes=tuple(str(n) for n in data.get("notes", ())),
            stack_notes=tuple(str(n) for n in data.get("stack_notes", ())),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a plan saved by `vectora-gitops plan --out` ({exc}); "
                         "make a new plan") from None
    check_unmasked(plan, path)
    return plan


def check_unmasked(plan: Plan, path: Path) -> None:
    """A plan whose variables to set hold masks (`plan --output json` prints such a copy) would
    write the masks into the functions: refused (docs/architecture.md §9)."""
    for change in plan.changes:
        if isinstance(change, UpdateFunction) and isinstance(change.env_after, Mapping):
            masked = sorted(str(k) for k, v in change.env_after.items()
                            if isinstance(v, str) and is_masked(v))
            if masked:
                raise InputError(f"{path}: function {change.function}: variable {masked[0]} holds "
                                 "a masked value (a copy printed by `plan --output json`?); save "
                                 "the plan to apply with `vectora-gitops plan --out FILE`")
