"""`snapshot show`: the human record of a snapshot (`values.SnapshotRecord`): every object's S3
version, every function's code hash and layer ARNs, the client configs the snapshot holds (id,
version, S3 version) and the last successful run of each client, found in the data bucket's
curated data as `engine/retire.py` finds a run (docs/architecture.md §8), here as of the
snapshot's time and with a bounded search: newest year, then newest month first.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import yaml

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.retire import RUN_OUTPUT, s3_time
from vectora_gitops.model import Environment
from vectora_gitops.observed import S3Object
from vectora_gitops.snapshots.export import Manifest
from vectora_gitops.snapshots.values import (
    ClientRow,
    FunctionRow,
    ObjectRow,
    RunRow,
    SnapshotRecord,
)

CLIENT_KEY = re.compile(r"^clients/(?P<id>[^/]+)\.yaml$")
MAX_LISTINGS = 26  # per client: its years, then up to 25 months, newest first


def record(aws: Aws, env: Environment, manifest: Manifest, notes: tuple[str, ...]) -> SnapshotRecord:
    clients = tuple(_client(aws, manifest, key) for key in sorted(manifest.objects)
                    if CLIENT_KEY.match(key))
    runs = tuple(last_run(aws, env.buckets.data, c.client_id, until=manifest.created_at)
                 for c in clients)
    return SnapshotRecord(
        name=manifest.name, env=manifest.env, created_at=manifest.created_at, kind=manifest.kind,
        commit=manifest.commit, reason=manifest.reason, actor=manifest.actor,
        bucket=manifest.bucket, data_bucket=env.buckets.data,
        objects=tuple(ObjectRow(k, o.version_id, o.etag, o.size)
                      for k, o in sorted(manifest.objects.items())),
        functions=tuple(FunctionRow(k, f.name, f.code_sha256, f.runtime, f.layers)
                        for k, f in sorted(manifest.functions.items())),
        layers=dict(sorted(manifest.layers.items())), clients=clients, runs=runs, notes=notes)


def _client(aws: Aws, manifest: Manifest, key: str) -> ClientRow:
    """The config as the snapshot holds it (read by its S3 version): what its profile says."""
    match = CLIENT_KEY.match(key)
    client_id = match["id"] if match else key
    obj = manifest.objects[key]
    raw = s3.get_bytes(aws, manifest.bucket, key, obj.version_id)
    profile: Any = None
    if raw is not None:
        try:
            data: Any = yaml.safe_load(raw)
        except yaml.YAMLError:
            data = None
        profile = data.get("client_profile") if isinstance(data, dict) else None
    profile = profile if isinstance(profile, dict) else {}
    version, active = profile.get("version"), profile.get("active")
    return ClientRow(client_id, key, obj.version_id, "" if version is None else str(version),
                     "" if active is None else str(active).lower())


def last_run(aws: Aws, bucket: str, client_id: str, *, until: str) -> RunRow:
    """The newest `curated/<id>/<Y>/<M>/<D>/items.json` written no later than `until`: one
    listing of the years, then one per month newest first, at most MAX_LISTINGS in all."""
    base = f"curated/{client_id}/"
    limit = s3_time(until)
    listings = 1
    for year in reversed(s3.list_prefixes(aws, bucket, base)):
        listings += 1
        for month in reversed(s3.list_prefixes(aws, bucket, year)):
            if listings >= MAX_LISTINGS:
                return RunRow(client_id, "", "", f"none found in the newest months searched "
                              f"({MAX_LISTINGS} listings of s3://{bucket}/{base})")
            listings += 1
            found = [o for o in s3.list_objects(aws, bucket, month)
                     if RUN_OUTPUT.match(o.key) and s3_time(o.last_modified) <= limit]
            if found:
                newest = max(found, key=_order)
                return RunRow(client_id, newest.key, newest.last_modified)
    return RunRow(client_id, "", "", f"no curated/{client_id}/<Y>/<M>/<D>/items.json in "
                  f"s3://{bucket} written by the snapshot's time")


def _order(obj: S3Object) -> tuple[str, datetime]:
    return obj.key, s3_time(obj.last_modified)
