"""The per-environment lock: an S3 object written with IfNoneMatch='*', validated whenever it is
read back (a lock that cannot be read is one clear error, never a lock held forever)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vectora_gitops import console
from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.errors import LockedError, UsageError

LOCK_KEY = "deployments/lock.json"  # in the environment's data bucket
DEFAULT_TTL_S = 1800
MAX_TTL_S = 24 * 3600  # no lock may be held longer: a later expiry is a bad lock
REQUIRED = ("owner", "token", "acquired_at", "expires_at")


@dataclass(frozen=True)
class Held:
    """A lock as read back from S3, checked field by field."""

    owner: str
    token: str
    acquired_at: datetime
    expires_at: datetime
    run_url: str = ""
    record_id: str = ""  # the deployment record of the run holding it

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    @property
    def until(self) -> str:
        return self.expires_at.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Lock:
    """A lock this run holds."""

    bucket: str
    token: str
    owner: str
    run_url: str
    expires_at: str
    taken_over: Held | None = None  # the expired lock this one replaced


def ttl_seconds() -> int:
    raw = os.environ.get("VECTORA_LOCK_TTL_SECONDS", "").strip()
    if not raw:
        return DEFAULT_TTL_S
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_TTL_S:
        raise UsageError(f"VECTORA_LOCK_TTL_SECONDS={raw}: give a whole number of seconds from 1 "
                         f"to {MAX_TTL_S}")
    return int(raw)


def acquire(aws: Aws, bucket: str, *, env: str, owner: str, run_url: str,
            record_id: str = "") -> Lock:
    """Take the lock, or take over an expired one (and say so); LockedError when it is held."""
    now = datetime.now(UTC)
    body = {"env": env, "owner": owner, "run_url": run_url, "token": secrets.token_hex(8),
            "record_id": record_id,
            "acquired_at": now.isoformat(timespec="seconds"),
            "expires_at": (now + timedelta(seconds=ttl_seconds())).isoformat(timespec="seconds")}
    lock = Lock(bucket, body["token"], owner, run_url, body["expires_at"])
    try:
        s3.put_json(aws, bucket, LOCK_KEY, body, if_none_match=True)
        return lock
    except s3.PreconditionFailed:
        pass
    held, etag = _current(aws, bucket)
    if held and not held.expired(now):
        raise LockedError(f"{env} is locked by {held.owner} since "
                          f"{held.acquired_at.isoformat(timespec='seconds')} (run "
                          f"{held.run_url or 'local'}), until {held.until}; wait for that run, "
                          "or for the lock to expire if it died")
    try:
        s3.put_json(aws, bucket, LOCK_KEY, body, if_match=etag) if etag else \
            s3.put_json(aws, bucket, LOCK_KEY, body, if_none_match=True)
    except s3.PreconditionFailed:
        raise LockedError(f"{env}: another run took the expired lock first; retry") from None
    if held:
        console.err(f"{env}: took over the expired lock of {held.owner} (expired {held.until})")
    return Lock(bucket, body["token"], owner, run_url, body["expires_at"], held)


def _current(aws: Aws, bucket: str) -> tuple[Held | None, str]:
    """The lock held now and its ETag, read in one GET (so the two always belong together)."""
    found = s3.get_with_etag(aws, bucket, LOCK_KEY)
    if found is None:
        return None, ""
    return parse(found[0], bucket=bucket, now=datetime.now(UTC)), found[1]


def parse(raw: bytes, *, bucket: str, now: datetime) -> Held:
    """The lock object's content, checked; LockedError naming the object and how to clear it."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise _bad(bucket, "not valid JSON") from None
    if not isinstance(data, dict):
        raise _bad(bucket, f"not a JSON object (it holds {json.dumps(data)[:40]})")
    missing = [name for name in REQUIRED if name not in data]
    if missing:
        raise _bad(bucket, f"no {', '.join(missing)} field")
    for name in REQUIRED:
        if not isinstance(data[name], str) or not data[name].strip():
            raise _bad(bucket, f"{name} is {json.dumps(data[name])}, not a non-empty string")
    acquired = _time(bucket, "acquired_at", data["acquired_at"])
    expires = _time(bucket, "expires_at", data["expires_at"])
    for since, what in ((acquired, "acquired_at"), (now, "now")):
        if expires - since > timedelta(seconds=MAX_TTL_S):
            raise _bad(bucket, f"expires_at {data['expires_at']} is more than "
                       f"{MAX_TTL_S // 3600} h after {what} (no run holds the lock that long)")
    return Held(owner=data["owner"], token=data["token"], acquired_at=acquired,
                expires_at=expires, run_url=_text(data.get("run_url")),
                record_id=_text(data.get("record_id")))


def _time(bucket: str, name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(bucket, f"{name} {json.dumps(value)} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise _bad(bucket, f"{name} {value} has no time zone (write it like "
                   "2026-01-01T12:00:00+00:00)")
    return parsed


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _bad(bucket: str, what: str) -> LockedError:
    where = f"s3://{bucket}/{LOCK_KEY}"
    return LockedError(f"{where}: bad lock: {what}; if no run is in progress, delete it: "
                       f"aws s3 rm {where}")


def release(aws: Aws, lock: Lock) -> None:
    """Remove the lock if it is still this run's; a bad lock found instead is said, not raised
    (release runs on the way out of a run, which has its own outcome to report)."""
    try:
        held, _ = _current(aws, lock.bucket)
    except LockedError as exc:
        console.err(f"the lock was not released: {exc}")
        return
    if held and held.token == lock.token:
        s3.delete(aws, lock.bucket, LOCK_KEY)


def holder(aws: Aws, bucket: str) -> Held | None:
    return _current(aws, bucket)[0]


def clear_expired(aws: Aws, bucket: str, *, env: str) -> Held | None:
    """Remove a lock whose run died (expired); returns what it held, or None."""
    held = holder(aws, bucket)
    if not held or not held.expired(datetime.now(UTC)):
        return None
    s3.delete(aws, bucket, LOCK_KEY)
    console.err(f"{env}: removed the expired lock of {held.owner} (expired {held.until})")
    return held
