"""Deployment records: the history gates read, written by every locked run (apply, restore) into
the data bucket and read back by status, history and the gates (docs/evidence.md).

A run writes two objects, each once and never again: the opening record `<id>.json` (`started`)
and the closing record `<id>.closed.json` (its result). Both are put with `IfNoneMatch` and
under S3 Object Lock retention in governance mode, so no version of them can be deleted or
overwritten in place by the roles that write them. Readers take what S3 says over what the JSON
says: the version read is the closing record's first version (a later one is someone writing it
again), the record's time is the time S3 stored that version, and a record without Object Lock
retention is marked as such.
"""

from __future__ import annotations

import getpass
import itertools
import json
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vectora_gitops import localfiles
from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.errors import AwsError
from vectora_gitops.history import Record, from_json
from vectora_gitops.model import Environment
from vectora_gitops.observed import ObjectVersion

RECORDS_PREFIX = "deployments/records/"  # in the environment's data bucket
OPENING, CLOSING = ".json", ".closed.json"
MAX_RECORDS = 10_000
RETENTION_DAYS = 400  # Object Lock retention of every record and E2E result (governance mode)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def retain_until() -> datetime:
    """Until when a record or an E2E result written now is kept under Object Lock."""
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=RETENTION_DAYS)


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
               kind: str = "apply", digests: Mapping[str, str] | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    started = now.isoformat(timespec="seconds")
    record = {
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
    if digests:
        record["digests"] = dict(sorted(digests.items()))
    return record


LOCAL_DIR_ENV = "VECTORA_GITOPS_RECORD_DIR"


def local_folders() -> list[Path]:
    """Where a record that S3 cannot keep is written, first writable wins:
    $VECTORA_GITOPS_RECORD_DIR, the XDG state folder ($XDG_STATE_HOME or ~/.local/state)
    /vectora-gitops/records, then the temporary folder."""
    return localfiles.state_folders(LOCAL_DIR_ENV, "vectora-gitops/records")


def write_local(record: Mapping[str, Any]) -> Path | None:
    """The record of a run that no data bucket can hold (a new environment whose s0-core failed
    to create), as a local file `<env>-<id>.json` written once; None when no folder is
    writable. Not evidence: no Object Lock, nothing the gates read (docs/evidence.md)."""
    name = f"{record['env']}-{record['id']}.json"
    return localfiles.write_once(local_folders(), name,
                                 json.dumps(record, indent=2, sort_keys=True) + "\n")


def opening_key(record_id: str) -> str:
    return f"{RECORDS_PREFIX}{record_id}{OPENING}"


def closing_key(record_id: str) -> str:
    return f"{RECORDS_PREFIX}{record_id}{CLOSING}"


def write_opening(aws: Aws, env: Environment, record: Mapping[str, Any]) -> None:
    _write_once(aws, env, opening_key(str(record["id"])), record)


def write_closing(aws: Aws, env: Environment, record: Mapping[str, Any]) -> bool:
    """Write the closing record; False when the run is already closed (by an earlier attempt of
    this write whose answer was lost, or as `interrupted` by a run that took the lock over)."""
    return _write_once(aws, env, closing_key(str(record["id"])), record)


def _write_once(aws: Aws, env: Environment, key: str, record: Mapping[str, Any]) -> bool:
    try:
        s3.put_json(aws, env.buckets.data, key, dict(record), if_none_match=True,
                    retain_until=retain_until())
    except s3.PreconditionFailed:
        return False
    return True


@dataclass(frozen=True)
class Stored:
    """A run's record as read from S3: the JSON of the version read and what S3 says about it."""

    data: Mapping[str, Any]
    written_at: datetime | None  # when S3 stored the version read (the JSON's times are claims)
    locked: bool  # that version is under Object Lock retention
    rewritten: bool  # its key holds more versions than the record protocol writes


def iter_stored(aws: Aws, env: Environment, *, limit: int = MAX_RECORDS) -> Iterator[Stored]:
    """Records newest first (ids sort by start time), each read only when asked for: the
    closing record where there is one, else the opening record."""
    keys: dict[str, list[ObjectVersion]] = {}
    for version in s3.list_versions(aws, env.buckets.data, RECORDS_PREFIX):
        if not version.is_delete_marker:
            keys.setdefault(version.key, []).append(version)
    ids = sorted({_record_id(k) for k in keys} - {""}, reverse=True)
    for record_id in ids[:max(0, min(limit, MAX_RECORDS))]:
        found = _read(aws, env, keys.get(closing_key(record_id), []), first=True) or \
            _read(aws, env, keys.get(opening_key(record_id), []), first=False)
        if found is not None:
            yield found


def _record_id(key: str) -> str:
    name = key[len(RECORDS_PREFIX):]
    if "/" in name:
        return ""
    for suffix in (CLOSING, OPENING):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return ""


def _read(aws: Aws, env: Environment, versions: Sequence[ObjectVersion], *,
          first: bool) -> Stored | None:
    """One version of a record key: the first one written (`first`, a closing record, written
    once), else the latest (an opening record; records older than the two-object layout were
    rewritten in place when the run closed)."""
    if not versions:
        return None
    ordered = sorted(enumerate(versions), key=lambda p: (_time(p[1]), -p[0]))  # oldest first
    chosen = ordered[0][1] if first else ordered[-1][1]
    fetched = s3.get_version(aws, env.buckets.data, chosen.key, chosen.version_id)
    if fetched is None:
        return None
    try:
        data = json.loads(fetched.body)
    except ValueError:
        raise AwsError(f"s3://{env.buckets.data}/{chosen.key}: not valid JSON; fix or delete the "
                       "object") from None
    if not isinstance(data, dict):
        return None
    return Stored(data, fetched.last_modified or _time(chosen), bool(fetched.lock_mode),
                  rewritten=first and len(versions) > 1)


def _time(version: ObjectVersion) -> datetime:
    """ListObjectVersions' LastModified (lists each key's versions newest first; on a tie the
    later position in the listing is the older version)."""
    try:
        parsed = datetime.fromisoformat(version.last_modified)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iter_records(aws: Aws, env: Environment) -> Iterator[dict[str, Any]]:
    """The records' JSON, newest first, each read only when asked for."""
    for stored in iter_stored(aws, env):
        yield dict(stored.data)


def list_stored(aws: Aws, env: Environment, *, limit: int = 50) -> list[Stored]:
    """The newest `limit` records, newest first."""
    return list(iter_stored(aws, env, limit=limit))


def list_records(aws: Aws, env: Environment, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest `limit` records' JSON, newest first."""
    return list(itertools.islice(iter_records(aws, env), max(0, min(limit, MAX_RECORDS))))


def mark_interrupted(aws: Aws, env: Environment, record_id: str) -> None:
    """A run that died holding the lock: its record still says `started`; close it as
    `interrupted` (a run that wrote no record yet leaves nothing to close)."""
    if not record_id or "/" in record_id:
        return
    if s3.head(aws, env.buckets.data, closing_key(record_id)) is not None:
        return
    record = s3.get_json(aws, env.buckets.data, opening_key(record_id))
    if isinstance(record, dict) and record.get("result") == "started":
        record.update(result="interrupted",
                      error="the run died holding the lock; the lock expired and was cleared",
                      ended_at=record.get("ended_at") or now_iso())
        write_closing(aws, env, record)


def to_record(stored: Stored) -> Record:
    """A stored record as the typed history value, with what S3 says about it."""
    return from_json(stored.data, written_at=stored.written_at, locked=stored.locked,
                     rewritten=stored.rewritten)


def list_history(aws: Aws, env: Environment, *, limit: int = 50) -> tuple[Record, ...]:
    """The newest `limit` records as typed values, newest first."""
    return tuple(to_record(s) for s in iter_stored(aws, env, limit=limit))
