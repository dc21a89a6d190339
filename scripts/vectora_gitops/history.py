"""The deployment history as typed values: one `Record` per run written to
`deployments/records/` (by engine/records.py), read by status, history and the gates (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.model import flat_pins

SHA256 = re.compile(r"^[0-9a-f]{64}$")
# The results a run's closing record may say (engine/lockedrun.py): `interrupted` when a later
# run found it dead holding the lock, `rolled back` when its bake saw an alarm
# (docs/architecture.md §11).
SUCCEEDED, FAILED, INTERRUPTED, ROLLED_BACK = "succeeded", "failed", "interrupted", "rolled back"


@dataclass(frozen=True)
class Record:
    """One apply, as written to `deployments/records/` of the data bucket."""

    id: str
    kind: str
    env: str
    commit: str
    pins: Mapping[str, str]  # selector (canonical, clients/<id>, layers/<name>) -> version
    summary: Mapping[str, int]
    actor: str
    run_url: str
    started_at: datetime | None
    ended_at: datetime | None
    result: str
    extra: Mapping[str, str] = field(default_factory=dict)
    identities: Mapping[str, str] = field(default_factory=dict)  # layers as version@sha256
    # selector -> content digest (desired/digests.py); layers from their pinned sha256; empty
    # for records written before records carried digests
    digests: Mapping[str, str] = field(default_factory=dict)
    written_at: datetime | None = None  # when S3 stored the record (None: not read from S3)
    locked: bool = False  # S3 holds it under Object Lock retention
    rewritten: bool = False  # its closing record was written more than once

    @property
    def succeeded(self) -> bool:
        return self.result == SUCCEEDED

    @property
    def rolled_back(self) -> bool:
        return self.result == ROLLED_BACK

    @property
    def at(self) -> datetime | None:
        """When the deployment took effect: when S3 stored its record (docs/evidence.md; the times
        in the JSON are claims), else its end, else its start."""
        return self.written_at or self.ended_at or self.started_at

    @property
    def break_glass_reason(self) -> str:
        return self.extra.get("break_glass_reason", "")

    @property
    def dirty(self) -> bool:
        """Applied from a working tree with uncommitted changes (its commit ends in `-dirty`)."""
        return self.commit.endswith("-dirty") or bool(self.extra.get("dirty"))

    @property
    def allow_dirty_reason(self) -> str:
        return self.extra.get("allow_dirty_reason", "")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def digests_of(data: Mapping[str, Any]) -> dict[str, str]:
    """The content digests a record carries: its `digests` (well-formed entries only) and the
    sha256 of each layer pin."""
    raw = data.get("digests")
    out = {str(k): v for k, v in raw.items() if isinstance(v, str) and SHA256.match(v)} \
        if isinstance(raw, Mapping) else {}
    for selector, identity in flat_pins(data.get("pins"), with_hash=True).items():
        digest = identity.partition("@")[2]
        if selector.startswith("layers/") and SHA256.match(digest):
            out[selector] = digest
    return out


def from_json(data: Mapping[str, Any], *, written_at: datetime | None = None,
              locked: bool = False, rewritten: bool = False) -> Record:
    """A stored record as a typed value; tolerant of missing fields (older records).
    `written_at`, `locked`, `rewritten`: what S3 says about the record (engine/records.py)."""
    summary = data.get("summary")
    return Record(
        id=str(data.get("id", "")),
        kind=str(data.get("kind", "apply")),
        env=str(data.get("env", "")),
        commit=str(data.get("commit", "")),
        pins=flat_pins(data.get("pins")),
        identities=flat_pins(data.get("pins"), with_hash=True),
        summary={str(k): int(v) for k, v in summary.items() if isinstance(v, int)}
        if isinstance(summary, dict) else {},
        actor=str(data.get("actor", "")),
        run_url=str(data.get("run_url") or ""),
        started_at=parse_time(data.get("started_at")),
        ended_at=parse_time(data.get("ended_at")),
        result=str(data.get("result", "")),
        extra={k: str(data[k]) for k in ("snapshot", "error", "override_window_reason",
                                         "break_glass_reason", "dirty", "allow_dirty_reason",
                                         "rolled_back_alarm", "ignored_alarms")
               if data.get(k)},
        digests=digests_of(data),
        written_at=written_at,
        locked=locked,
        rewritten=rewritten,
    )
