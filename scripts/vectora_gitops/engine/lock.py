"""The per-environment apply lock: an S3 object written with IfNoneMatch='*'."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vectora_gitops import console
from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.errors import AwsError, LockedError

LOCK_KEY = "deployments/lock.json"  # in the environment's data bucket
DEFAULT_TTL_S = 1800


@dataclass(frozen=True)
class Lock:
    bucket: str
    token: str
    owner: str
    run_url: str
    expires_at: str
    taken_over: dict[str, Any] | None = None  # the expired lock this one replaced


def ttl_seconds() -> int:
    return int(os.environ.get("VECTORA_LOCK_TTL_SECONDS", DEFAULT_TTL_S))


def acquire(aws: Aws, bucket: str, *, env: str, owner: str, run_url: str,
            record_id: str = "") -> Lock:
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
    if held and datetime.fromisoformat(held["expires_at"]) > now:
        raise LockedError(f"{env} is locked by {held.get('owner')} since {held.get('acquired_at')}"
                          f" (run {held.get('run_url') or 'local'}), until {held['expires_at']}; "
                          "wait for that run, or for the lock to expire if it died")
    try:
        s3.put_json(aws, bucket, LOCK_KEY, body, if_match=etag) if etag else \
            s3.put_json(aws, bucket, LOCK_KEY, body, if_none_match=True)
    except s3.PreconditionFailed:
        raise LockedError(f"{env}: another run took the expired lock first; retry") from None
    if held:
        console.err(f"{env}: took over the expired lock of {held.get('owner')} "
                    f"(expired {held.get('expires_at')})")
    return Lock(bucket, body["token"], owner, run_url, body["expires_at"], held)


def _current(aws: Aws, bucket: str) -> tuple[dict[str, Any] | None, str]:
    """The lock held now and its ETag, read in one GET (so the two always belong together)."""
    found = s3.get_with_etag(aws, bucket, LOCK_KEY)
    if found is None:
        return None, ""
    try:
        held = json.loads(found[0])
    except ValueError:
        raise AwsError(f"s3://{bucket}/{LOCK_KEY}: not valid JSON; fix or delete the object") \
            from None
    return (held if isinstance(held, dict) else None), found[1]


def release(aws: Aws, lock: Lock) -> None:
    held, _ = _current(aws, lock.bucket)
    if held and held.get("token") == lock.token:
        s3.delete(aws, lock.bucket, LOCK_KEY)


def holder(aws: Aws, bucket: str) -> dict[str, Any] | None:
    return _current(aws, bucket)[0]


def clear_expired(aws: Aws, bucket: str, *, env: str) -> dict[str, Any] | None:
    """Remove a lock whose run died (expired); returns what it held, or None."""
    held = holder(aws, bucket)
    if not held or datetime.fromisoformat(held["expires_at"]) > datetime.now(UTC):
        return None
    s3.delete(aws, bucket, LOCK_KEY)
    console.err(f"{env}: removed the expired lock of {held.get('owner')} "
                f"(expired {held.get('expires_at')})")
    return held
