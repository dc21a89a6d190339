"""Deployment records: one JSON object per apply in the data bucket (the history gates read),
written here and read back as typed `Record` values by status, history and the gates."""

from __future__ import annotations

import getpass
import itertools
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.actual import RECORDS_PREFIX
from vectora_gitops.model import Environment

MAX_RECORDS = 10_000


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def actor() -> str:
    for var in ("VECTORA_ACTOR", "GITHUB_ACTOR"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def run_url() -> str:
    if os.environ.get("VECTORA_RUN_URL"):
        return os.environ["VECTORA_RUN_URL"]
    server, repo, run = (os.environ.get(v, "") for v in
                         ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else ""


def new_record(env: Environment, *, commit: str, pins: dict[str, Any], summary: dict[str, int],
               kind: str = "apply") -> dict[str, Any]:
    now = datetime.now(UTC)
    started = now.isoformat(timespec="seconds")
    return {
        "id": f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}",  # sorts by time
        "kind": kind,
        "env": env.name,
        "commit": commit,
        "pins": pins,
        "summary": summary,
        "actor": actor(),
        "run_url": run_url(),
        "started_at": started,
        "ended_at": None,
        "result": "started",
    }


def write(aws: Aws, env: Environment, record: dict[str, Any]) -> None:
    s3.put_json(aws, env.buckets.data, f"{RECORDS_PREFIX}{record['id']}.json", record)


def iter_records(aws: Aws, env: Environment) -> Iterator[dict[str, Any]]:
    """Records newest first (ids sort by start time), each read only when asked for."""
    keys = sorted((o.key for o in s3.list_objects(aws, env.buckets.data, RECORDS_PREFIX)),
                  reverse=True)
    for key in keys[:MAX_RECORDS]:
        data = s3.get_json(aws, env.buckets.data, key)
        if isinstance(data, dict):
            yield data


def list_records(aws: Aws, env: Environment, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest `limit` records, newest first."""
    return list(itertools.islice(iter_records(aws, env), max(0, min(limit, MAX_RECORDS))))


def mark_interrupted(aws: Aws, env: Environment, record_id: str) -> None:
    """A run that died holding the lock: its record still says `started`; say it failed."""
    if not record_id or "/" in record_id:
        return
    key = f"{RECORDS_PREFIX}{record_id}.json"
    record = s3.get_json(aws, env.buckets.data, key)
    if isinstance(record, dict) and record.get("result") == "started":
        record.update(result="failed", error="interrupted: the run died and its lock expired",
                      ended_at=record.get("ended_at") or now_iso())
        s3.put_json(aws, env.buckets.data, key, record)


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


def flat_pins(pins: Any, *, with_hash: bool = False) -> dict[str, str]:
    """`{canonical, clients{id: v}, layers{name: {version, sha256}}}` -> selector -> version
    (layers as `version@sha256` with `with_hash`: the identity promotion compares)."""
    if not isinstance(pins, Mapping):
        return {}
    out: dict[str, str] = {}
    if isinstance(pins.get("canonical"), str):
        out["canonical"] = pins["canonical"]
    for cid, version in (pins.get("clients") or {}).items():
        out[f"clients/{cid}"] = str(version)
    for name, layer in (pins.get("layers") or {}).items():
        if isinstance(layer, Mapping) and "version" in layer:
            suffix = f"@{layer.get('sha256')}" if with_hash else ""
            out[f"layers/{name}"] = f"{layer['version']}{suffix}"
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
