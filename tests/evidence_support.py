"""Helpers for promotion-evidence tests: the emulator's S3 clock, deployment records and E2E
results written as docs/evidence.md describes them (content digests computed here, on their
own, from that description), and the source evidence prod's gates need."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import moto.s3.models

from support import client

REGION = "eu-west-3"
LOCKED_FOR = timedelta(days=400)


@contextmanager
def s3_clock(at: datetime) -> Iterator[None]:
    """The emulator's S3 stores what is written meanwhile as if it were `at` (its LastModified):
    how a test shows evidence written in the past, since S3's time, not the JSON's, counts."""
    real = moto.s3.models.utcnow
    moto.s3.models.utcnow = lambda: at.astimezone(UTC).replace(tzinfo=None)
    try:
        yield
    finally:
        moto.s3.models.utcnow = real


def make_data_bucket(env: str, *, object_lock: bool = True) -> str:
    bucket = f"vectora-inbox-data-{env}"
    client("s3").create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=object_lock,
                               CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_digests(repo: Path, pins: dict[str, Any]) -> dict[str, str]:
    """docs/evidence.md: a client's digest is the sha256 of its file; a bundle's is the sha256 of
    one line `canonical/<path> <sha256>` per file, in key order; a layer's is its zip's sha256."""
    bundle = repo / "canonical" / pins["canonical"]
    keys = {f"canonical/{p.relative_to(bundle).as_posix()}": sha256(p.read_bytes())
            for p in bundle.rglob("*") if p.is_file()}
    out = {"canonical": sha256("".join(f"{k} {v}\n" for k, v in sorted(keys.items())).encode())}
    for cid, version in pins.get("clients", {}).items():
        out[f"clients/{cid}"] = sha256((repo / "clients" / cid / f"{version}.yaml").read_bytes())
    for name, layer in pins.get("layers", {}).items():
        out[f"layers/{name}"] = layer["sha256"]
    return out


def write_record(env: str, rid: str, pins: dict[str, Any], *, at: datetime,
                 digests: dict[str, str] | None, result: str = "succeeded", locked: bool = True,
                 claimed: datetime | None = None) -> None:
    """A closing deployment record of `env` stored by S3 at `at`, its JSON claiming `claimed`
    (default `at`); `digests=None` writes a record of the format before digests."""
    when = (claimed or at).isoformat(timespec="seconds")
    body: dict[str, Any] = {"id": rid, "kind": "apply", "env": env, "commit": "c0ffee",
                            "pins": pins, "summary": {}, "actor": "pytest", "run_url": "",
                            "started_at": when, "ended_at": when, "result": result}
    if digests is not None:
        body["digests"] = digests
    lock: dict[str, Any] = {"ObjectLockMode": "GOVERNANCE",
                            "ObjectLockRetainUntilDate": datetime.now(UTC) + LOCKED_FOR} \
        if locked else {}
    with s3_clock(at):
        client("s3").put_object(Bucket=f"vectora-inbox-data-{env}",
                                Key=f"deployments/records/{rid}.closed.json",
                                Body=json.dumps(body).encode(), IfNoneMatch="*", **lock)


def stage_metrics(*, noise: float = 0.04, cost: float = 1.5, at: datetime | None = None) -> None:
    """What prod's metric gates read in stage: the noise rate document and the cost statistic."""
    client("s3").put_object(Bucket="vectora-inbox-data-stage",
                            Key="metrics/lai_weekly/latest.json",
                            Body=json.dumps({"noise_rate": noise, "items": 40}).encode())
    client("cloudwatch").put_metric_data(Namespace="VectoraInbox", MetricData=[{
        "MetricName": "BedrockCostPerRun", "Value": cost,
        "Timestamp": (at or datetime.now(UTC)) - timedelta(days=1),
        "Dimensions": [{"Name": "Environment", "Value": "stage"}]}])
