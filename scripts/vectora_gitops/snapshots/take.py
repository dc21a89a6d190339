"""Create snapshots in the protected `backups/` prefix of the config bucket."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.aws import cloudformation, cloudwatch, lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.monitoring import is_env_alarm
from vectora_gitops.engine.monitoring_io import ALARM_PREFIX
from vectora_gitops.engine.plan import Plan
from vectora_gitops.engine.records import actor
from vectora_gitops.errors import UsageError
from vectora_gitops.model import DesiredState, Environment

PREFIX = "backups/snapshots/"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
CURATED = re.compile(r"^curated/(?P<client>[^/]+)/\d{4}/\d{2}/\d{2}/items\.json$")


def manifest_key(name: str) -> str:
    return f"{PREFIX}{name}/manifest.json"


def new_name(label: str = "") -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{label}-{secrets.token_hex(2)}" if label else f"{stamp}-{secrets.token_hex(3)}"


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise UsageError(f"snapshot name '{name}': letters, digits, '.', '_' and '-' only")
    return name


def take_before_apply(aws: Aws, desired: DesiredState, plan: Plan) -> str:
    name = create(aws, desired.env, name=new_name("pre-apply"), reason=f"before apply of "
                  f"{plan.commit}")
    prune_old(aws, desired.env)
    return name


def create(aws: Aws, env: Environment, *, name: str, reason: str = "manual") -> str:
    manifest = build_manifest(aws, env, name=check_name(name), reason=reason)
    try:
        s3.put_json(aws, env.buckets.config, manifest_key(name), manifest, if_none_match=True)
    except s3.PreconditionFailed:
        raise UsageError(f"{env.name}: a snapshot named '{name}' exists; choose another name") from None
    return name


def build_manifest(aws: Aws, env: Environment, *, name: str, reason: str) -> dict[str, Any]:
    objects = {}
    for prefix in env.sync.managed_prefixes:
        for version in s3.list_versions(aws, env.buckets.config, prefix):
            if version.is_latest and not version.is_delete_marker:
                objects[version.key] = {"version_id": version.version_id, "etag": version.etag}
    functions = {}
    layer_shas: dict[str, str] = {}
    for key, spec in env.functions.items():
        config = lambda_.get_function(aws, spec.name)
        functions[key] = {"name": config.name, "layers": list(config.layers),
                          "environment": dict(config.environment), "runtime": config.runtime,
                          "handler": config.handler, "code_sha256": config.code_sha256,
                          "tags": dict(config.tags)}
        for arn in config.layers:
            if arn not in layer_shas:
                layer_shas[arn] = lambda_.layer_code_sha256(aws, arn)
    return {
        "name": name, "env": env.name, "created_at": datetime.now(UTC).isoformat(
            timespec="seconds"), "actor": actor(), "reason": reason,
        "bucket": env.buckets.config, "objects": objects, "functions": functions,
        "layers": layer_shas, "curated": _curated(aws, env),
        "stacks": {s: cloudformation.stack_outputs(aws, s) for s in env.stacks},
        **_monitoring(aws, env),
    }


def _monitoring(aws: Aws, env: Environment) -> dict[str, Any]:
    """The environment's alarms as they are (docs/architecture.md §10): a restore puts their
    definitions back; their states are not restored."""
    if env.monitoring is None:
        return {}
    alarms = {a.name: dict(a.definition) for a in cloudwatch.list_alarms(aws, ALARM_PREFIX)
              if is_env_alarm(a.name, env.name)}
    return {"alarms": dict(sorted(alarms.items()))}


def _curated(aws: Aws, env: Environment) -> dict[str, Any]:
    newest: dict[str, str] = {}
    for obj in s3.list_objects(aws, env.buckets.data, "curated/"):
        match = CURATED.match(obj.key)
        if match and obj.key > newest.get(match["client"], ""):
            newest[match["client"]] = obj.key
    out = {}
    for client, key in sorted(newest.items()):
        meta = s3.head(aws, env.buckets.data, key) or {}
        out[client] = {"key": key, "version_id": meta.get("VersionId", ""),
                       "etag": str(meta.get("ETag", "")).strip('"')}
    return out


def list_snapshots(aws: Aws, env: Environment) -> list[str]:
    """Snapshot names, oldest first (by when the manifest was written, then by name)."""
    made = sorted((o.last_modified, o.key[len(PREFIX):].split("/", 1)[0])
                  for o in s3.list_objects(aws, env.buckets.config, PREFIX)
                  if o.key.endswith("/manifest.json"))
    return [name for _, name in made]


def load_manifest(aws: Aws, env: Environment, name: str) -> Mapping[str, Any]:
    data = s3.get_json(aws, env.buckets.config, manifest_key(check_name(name)))
    if not isinstance(data, dict):
        raise UsageError(f"{env.name}: no snapshot named '{name}' (see `snapshot list`)")
    return data


def prune_old(aws: Aws, env: Environment) -> list[str]:
    """Keep the newest `snapshots.retention` snapshots; older manifests get a delete marker."""
    names = list_snapshots(aws, env)
    old = names[: max(0, len(names) - env.snapshot_retention)]
    for name in old:
        s3.delete(aws, env.buckets.config, manifest_key(name))
    return old
