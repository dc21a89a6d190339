"""The deployment history as typed values: one `Record` per run written to
`deployments/records/` (by engine/records.py), read by status, history and the gates (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.model import flat_pins


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

    @property
    def succeeded(self) -> bool:
        return self.result == "succeeded"

    @property
    def at(self) -> datetime | None:
        """When the deployment took effect: its end, else its start."""
        return self.ended_at or self.started_at


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_json(data: Mapping[str, Any]) -> Record:
    """A stored record as a typed value; tolerant of missing fields (older records)."""
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
        extra={k: str(data[k]) for k in ("snapshot", "error", "override_window_reason")
               if data.get(k)},
    )
