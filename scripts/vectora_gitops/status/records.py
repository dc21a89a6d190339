"""Deployment records (engine/records.py JSON) as typed values for status and history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


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

    @property
    def succeeded(self) -> bool:
        return self.result == "succeeded"

    @property
    def at(self) -> datetime | None:
        """When the deployment took effect: its end, else its start."""
        return self.ended_at or self.started_at


def flat_pins(pins: Any) -> dict[str, str]:
    """`{canonical, clients{id: v}, layers{name: {version}}}` -> selector -> version."""
    if not isinstance(pins, dict):
        return {}
    out: dict[str, str] = {}
    if isinstance(pins.get("canonical"), str):
        out["canonical"] = pins["canonical"]
    for cid, version in (pins.get("clients") or {}).items():
        out[f"clients/{cid}"] = str(version)
    for name, layer in (pins.get("layers") or {}).items():
        if isinstance(layer, dict) and "version" in layer:
            out[f"layers/{name}"] = str(layer["version"])
    return out


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_json(data: Mapping[str, Any]) -> Record:
    summary = data.get("summary")
    return Record(
        id=str(data.get("id", "")),
        kind=str(data.get("kind", "apply")),
        env=str(data.get("env", "")),
        commit=str(data.get("commit", "")),
        pins=flat_pins(data.get("pins")),
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
