"""The one locked-run protocol every writer to an environment follows (apply, restore, and any
later writer; see docs/architecture.md):

0. check that the data bucket has S3 Object Lock, which the records need (docs/evidence.md);
1. create the deployment record and take the lock with that record's id (an expired lock is
   taken over, with a message, and the dead run's record is closed as `interrupted`);
2. write the opening record (`started`, `<id>.json`);
3. run the work, which may add notes to the record (the snapshot it took, ...);
4. write the closing record (`<id>.closed.json`): `succeeded`, or `failed` with the error
   (`rolled back` when the work rolled back on an alarm, docs/architecture.md §11), with
   retries; each record object is written once, under Object Lock retention;
5. release the lock, on every path (errors and Ctrl-C included).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vectora_gitops.aws.client import COUNTERS, Aws
from vectora_gitops.engine import guards, lock, records
from vectora_gitops.errors import FatalError
from vectora_gitops.model import Environment

T = TypeVar("T")
Note = str | int
CLOSE_ATTEMPTS = 3  # the closing record says whether the run failed: it gets more than one try
PROTOCOL_FIELDS = frozenset({"id", "kind", "env", "commit", "pins", "summary", "actor", "run_url",
                             "started_at", "ended_at", "result", "error", "retries", "digests"})


@dataclass(frozen=True)
class Opening:
    """What the opening record says about the run."""

    kind: str  # "apply", "restore", ...
    commit: str
    summary: Mapping[str, int]
    pins: Mapping[str, Any] = field(default_factory=dict)
    notes: Mapping[str, Note] = field(default_factory=dict)  # extra fields, e.g. restored_from
    digests: Mapping[str, str] = field(default_factory=dict)  # selector -> content digest


@dataclass(frozen=True)
class Closed:
    """The record of a run that succeeded, as written."""

    id: str
    notes: Mapping[str, Note]

    @property
    def snapshot(self) -> str:
        return str(self.notes.get("snapshot", ""))


class Notes:
    """What the work adds to its record while it runs; kept even when the work then fails."""

    def __init__(self, record: dict[str, Any]) -> None:
        self._record = record

    @property
    def record_id(self) -> str:
        return str(self._record["id"])

    def get(self, name: str) -> Note | None:
        value = self._record.get(name)
        return value if isinstance(value, str | int) else None

    def add(self, name: str, value: Note) -> None:
        if name in PROTOCOL_FIELDS:
            raise ValueError(f"record field {name} belongs to the locked-run protocol")
        self._record[name] = value

    def add_data(self, name: str, value: Mapping[str, Any]) -> None:
        """A structured field (JSON object), e.g. the stacks an apply created or updated."""
        if name in PROTOCOL_FIELDS:
            raise ValueError(f"record field {name} belongs to the locked-run protocol")
        self._record[name] = dict(value)


def locked_run(aws: Aws, env: Environment, opening: Opening,
               work: Callable[[Notes], T]) -> tuple[T, Closed]:
    """Run `work` under the environment's lock, between an opening and a closing record."""
    guards.check_object_lock(aws, env)
    record = records.new_record(env, commit=opening.commit, pins=dict(opening.pins),
                                summary=dict(opening.summary), kind=opening.kind,
                                digests=opening.digests)
    record.update(opening.notes)
    held = lock.acquire(aws, env.buckets.data, env=env.name, owner=records.actor(),
                        run_url=records.run_url(), record_id=str(record["id"]))
    retries_before = COUNTERS.retries
    try:
        if held.taken_over:
            records.mark_interrupted(aws, env, held.taken_over.record_id)
        records.write_opening(aws, env, record)
        result = work(Notes(record))
        record["result"] = "succeeded"
    except BaseException as exc:  # Ctrl-C too: the record says the run did not finish
        record.update(result=getattr(exc, "record_result", "failed"),
                      error=str(exc) or type(exc).__name__)
        raise
    finally:
        record.update(ended_at=records.now_iso(), retries=COUNTERS.retries - retries_before)
        try:
            _write_closing(aws, env, record)
        finally:
            lock.release(aws, held)
    notes = {k: v for k, v in record.items() if k not in PROTOCOL_FIELDS
             and isinstance(v, str | int)}
    return result, Closed(str(record["id"]), notes)


def settle_dead_run(aws: Aws, env: Environment) -> None:
    """Nothing to run: still clear an expired lock and close its dead run's record."""
    held = lock.clear_expired(aws, env.buckets.data, env=env.name)
    if held:
        records.mark_interrupted(aws, env, held.record_id)


def _write_closing(aws: Aws, env: Environment, record: dict[str, Any]) -> None:
    for attempt in range(1, CLOSE_ATTEMPTS + 1):
        try:
            records.write_closing(aws, env, record)
            return
        except FatalError:
            if attempt == CLOSE_ATTEMPTS:
                raise
