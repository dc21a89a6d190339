"""Holds (docs/architecture.md §11): an apply rolled back on an alarm holds its environment, so
that no later apply (a merge, self-heal, a re-run) puts the same pins back.

A hold is `deployments/holds/<record id>.json` in the environment's data bucket, written once by
the rolled-back run (the apply role writes `deployments/`); it names the alarm, the record and
the pins rolled back. It is lifted by pins that differ (a new commit changing the environment's
pins) or by `vectora-gitops hold release`, which writes `<record id>.released.json` once, with
who released it and why.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine import records
from vectora_gitops.errors import AwsError, GuardError, UsageError
from vectora_gitops.model import Environment
from vectora_gitops.safetext import printable

HOLDS_PREFIX = "deployments/holds/"
HELD, RELEASED = ".json", ".released.json"
MAX_HOLDS = 1000


@dataclass(frozen=True)
class Hold:
    record_id: str
    env: str
    alarm: str
    at: str  # ISO 8601, when the alarm was seen
    commit: str
    pins: Mapping[str, Any]  # the pins structure rolled back (plans' and records' form)

    def to_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "env": self.env, "alarm": self.alarm, "at": self.at,
                "commit": self.commit, "pins": dict(self.pins)}

    def line(self) -> str:
        return printable(f"{self.env} is held since {self.at}: apply {self.record_id} (commit "
                         f"{self.commit[:12]}) was rolled back because alarm {self.alarm} went "
                         "to ALARM during its bake")


def hold_key(record_id: str) -> str:
    return f"{HOLDS_PREFIX}{record_id}{HELD}"


def release_key(record_id: str) -> str:
    return f"{HOLDS_PREFIX}{record_id}{RELEASED}"


def write(aws: Aws, env: Environment, hold: Hold) -> None:
    with contextlib.suppress(s3.PreconditionFailed):  # written by an earlier attempt of this run
        s3.put_json(aws, env.buckets.data, hold_key(hold.record_id), hold.to_json(),
                    if_none_match=True)


def active(aws: Aws, env: Environment) -> list[Hold]:
    """The holds of `env` not released, oldest first (none while its data bucket does not
    exist: a new environment whose stacks create it, docs/architecture.md §10)."""
    try:
        keys = [o.key for o in s3.list_objects(aws, env.buckets.data, HOLDS_PREFIX)][:MAX_HOLDS * 2]
    except AwsError as exc:
        if exc.code == "NoSuchBucket":
            return []
        raise
    released = {k[len(HOLDS_PREFIX):-len(RELEASED)] for k in keys if k.endswith(RELEASED)}
    out = []
    for key in sorted(keys):
        name = key[len(HOLDS_PREFIX):]
        if key.endswith(RELEASED) or not name.endswith(HELD) or "/" in name:
            continue
        record_id = name[: -len(HELD)]
        if record_id in released:
            continue
        data = s3.get_json(aws, env.buckets.data, key)
        if isinstance(data, dict):
            out.append(_hold(data, record_id, env.name))
    return out


def _hold(data: Mapping[str, Any], record_id: str, env: str) -> Hold:
    pins = data.get("pins")
    return Hold(record_id, str(data.get("env", env)), str(data.get("alarm", "?")),
                str(data.get("at", "")), str(data.get("commit", "")),
                pins if isinstance(pins, dict) else {})


def same_pins(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def blocking(holds: list[Hold], pins: Mapping[str, Any]) -> Hold | None:
    """The hold that refuses these pins: one whose rolled-back pins are these."""
    return next((h for h in holds if same_pins(h.pins, pins)), None)


def check(aws: Aws, env: Environment, pins: Mapping[str, Any]) -> None:
    """Refuse to apply pins an alarm rolled back, until git changes them or a release."""
    found = blocking(active(aws, env), pins)
    if found is not None:
        raise GuardError(f"{found.line()}; the same pins are refused (hold {found.record_id}): "
                         f"change {env.name}'s pins in git, or lift the hold with `vectora-gitops "
                         f"hold release --env {env.name} --reason TEXT`")


def release(aws: Aws, env: Environment, reason: str) -> list[Hold]:
    """Release every active hold of `env`; returns them."""
    text = reason.strip()
    if not 10 <= len(text) <= 300 or not text.isprintable():
        raise UsageError("--reason: one line of 10 to 300 printable characters saying why the "
                         "hold is lifted")
    holds = active(aws, env)
    for found in holds:
        with contextlib.suppress(s3.PreconditionFailed):  # released meanwhile by someone else
            s3.put_json(aws, env.buckets.data, release_key(found.record_id),
                        {"record_id": found.record_id, "env": env.name, "reason": text,
                         "actor": records.actor(), "released_at": records.now_iso()},
                        if_none_match=True)
    return holds
