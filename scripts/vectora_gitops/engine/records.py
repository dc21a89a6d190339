"""Deployment records: one JSON object per locked run (apply, restore) in the data bucket (the
history gates read), written here and read back as typed `Record` values by status, history and
the gates."""

from __future__ import annotations

import getpass
import itertools
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.model import Environment

RECORDS_PREFIX = "deployments/records/"  # in the environment's data bucket
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
    """A run that died holding the lock: its record still says `started`; close it as
    `interrupted` (a run that wrote no record yet leaves nothing to close)."""
    if not record_id or "/" in record_id:
        return
    key = f"{RECORDS_PREFIX}{record_id}.json"
    record = s3.get_json(aws, env.buckets.data, key)
    if isinstance(record, dict) and record.get("result") == "started":
        record.update(result="interrupted",
                      error="the run died holding the lock; the lock expired and was cleared",
                      ended_at=record.get("ended_at") or now_iso())
        s3.put_json(aws, env.buckets.data, key, record)
