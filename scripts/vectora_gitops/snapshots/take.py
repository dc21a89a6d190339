"""Create, list, prune and delete snapshots in the protected `backups/snapshots/` prefix of the
config bucket (docs/architecture.md §4).

Each snapshot is a folder `<name>/` holding `manifest.json` (everything a restore needs, variable
values included) and `summary.json` (name, time, kind, commit and counts, no values: what
`snapshot list` reads, so the read-only role never reads a manifest). A snapshot is `manual`
(`snapshot create`) or `automatic` (before an apply or a restore); retention prunes automatic
ones only, a manual one stays until `snapshot delete`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.aws import cloudformation, cloudwatch, lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.monitoring import is_env_alarm
from vectora_gitops.engine import records
from vectora_gitops.engine.monitoring_io import ALARM_PREFIX
from vectora_gitops.engine.plan import Plan
from vectora_gitops.engine.records import actor
from vectora_gitops.errors import UsageError
from vectora_gitops.model import DesiredState, Environment
from vectora_gitops.snapshots.export import AUTO_NAME, AUTOMATIC, MANUAL, kind_of

PREFIX = "backups/snapshots/"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
CURATED = re.compile(r"^curated/(?P<client>[^/]+)/\d{4}/\d{2}/\d{2}/items\.json$")


def manifest_key(name: str) -> str:
    return f"{PREFIX}{name}/manifest.json"


def summary_key(name: str) -> str:
    return f"{PREFIX}{name}/summary.json"


def new_name(label: str = "") -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{label}-{secrets.token_hex(2)}" if label else f"{stamp}-{secrets.token_hex(3)}"


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise UsageError(f"snapshot name '{name}': letters, digits, '.', '_' and '-' only")
    return name


def take_before_apply(aws: Aws, desired: DesiredState, plan: Plan) -> str:
    name = create(aws, desired.env, name=new_name("pre-apply"), kind=AUTOMATIC,
                  reason=f"before apply of {plan.commit}")
    prune_old(aws, desired.env)
    return name


def create(aws: Aws, env: Environment, *, name: str, kind: str = MANUAL,
           reason: str = "manual") -> str:
    if kind == MANUAL and AUTO_NAME.match(check_name(name)):
        raise UsageError(f"snapshot name '{name}': names like <time>-pre-apply-<hex> are those of "
                         "automatic snapshots, which retention prunes; choose another name")
    manifest = build_manifest(aws, env, name=check_name(name), kind=kind, reason=reason)
    try:
        s3.put_json(aws, env.buckets.config, manifest_key(name), manifest, if_none_match=True)
    except s3.PreconditionFailed:
        raise UsageError(f"{env.name}: a snapshot named '{name}' exists; choose another name") from None
    s3.put_json(aws, env.buckets.config, summary_key(name), summary(manifest))
    return name


def summary(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What `snapshot list` shows of a manifest: no values, no keys, only counts."""
    return {"name": manifest["name"], "env": manifest["env"], "created_at": manifest["created_at"],
            "kind": manifest["kind"], "reason": manifest["reason"],
            "commit": manifest["commit"], "actor": manifest["actor"],
            "objects": len(manifest["objects"]), "functions": len(manifest["functions"])}


def deployed_commit(aws: Aws, env: Environment, *, before: str, scan: int = 50) -> str:
    """The commit AWS ran at `before` (`commit_at`), reading at most the newest `scan` records,
    one at a time."""
    return commit_at(itertools.islice(records.iter_records(aws, env), scan), before)


def commit_at(history: Iterable[Mapping[str, Any]], before: str) -> str:
    """The commit of the newest succeeded apply or restore (a restore's record carries the
    commit it went back to) ended by `before`, in `history` (newest first); "" when none."""
    for record in history:
        ended = str(record.get("ended_at") or "")
        if record.get("kind", "apply") in ("apply", "restore") and \
                record.get("result") == "succeeded" and ended and ended <= before:
            return str(record.get("commit", ""))
    return ""


def build_manifest(aws: Aws, env: Environment, *, name: str, kind: str,
                   reason: str) -> dict[str, Any]:
    created = datetime.now(UTC).isoformat(timespec="seconds")
    objects = {}
    for prefix in env.sync.managed_prefixes:
        for version in s3.list_versions(aws, env.buckets.config, prefix):
            if version.is_latest and not version.is_delete_marker:
                objects[version.key] = {"version_id": version.version_id, "etag": version.etag,
                                        "size": version.size}
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
        "name": name, "env": env.name, "created_at": created, "actor": actor(), "kind": kind,
        "reason": reason, "commit": deployed_commit(aws, env, before=created),
        "bucket": env.buckets.config, "objects": objects, "functions": functions,
        "layers": layer_shas, "curated": _curated(aws, env),
        "stacks": {s: cloudformation.stack_outputs(aws, s) for s in env.stacks},
        **_monitoring(aws, env),
        **({"managed_stacks": _managed_stacks(aws, env)} if env.managed_stacks else {}),
    }


def _monitoring(aws: Aws, env: Environment) -> dict[str, Any]:
    """The environment's alarms as they are (docs/architecture.md §11): a restore puts their
    definitions back; their states are not restored."""
    if env.monitoring is None:
        return {}
    alarms = {a.name: dict(a.definition) for a in cloudwatch.list_alarms(aws, ALARM_PREFIX)
              if is_env_alarm(a.name, env.name)}
    return {"alarms": dict(sorted(alarms.items()))}


def _managed_stacks(aws: Aws, env: Environment) -> dict[str, Any]:
    """The managed stacks as they run (docs/architecture.md §10): template (its sha256: the
    version pinned is in the deployment records), parameters, outputs, status."""
    out: dict[str, Any] = {}
    for key, spec in env.managed_stacks.items():
        stack = cloudformation.describe_stack(aws, spec.name)
        out[key] = None if stack is None else {
            "name": stack.name, "status": stack.status,
            "template_sha256": hashlib.sha256(stack.template_body.encode()).hexdigest(),
            "parameters": dict(sorted(stack.parameters.items())),
            "outputs": dict(sorted(stack.outputs.items()))}
    return out


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
    """Keep the newest `snapshots.retention` automatic snapshots; older ones are deleted
    (`remove`). Manual snapshots are never pruned. Only names the tool gives automatic snapshots
    are candidates, and each is read before it goes: kept unless it is automatic (`kind_of`)."""
    automatic = [n for n in list_snapshots(aws, env) if AUTO_NAME.match(n)]
    pruned = []
    for name in automatic[: max(0, len(automatic) - env.snapshot_retention)]:
        data = json_or_none(s3.get_bytes(aws, env.buckets.config, manifest_key(name)))
        if isinstance(data, dict) and kind_of(data, name) == AUTOMATIC:
            remove(aws, env, name)
            pruned.append(name)
    return pruned


def json_or_none(raw: bytes | None) -> Any:
    """A manifest's JSON; None when absent or not JSON (such a folder is kept, never pruned)."""
    try:
        return None if raw is None else json.loads(raw)
    except ValueError:
        return None


def remove(aws: Aws, env: Environment, name: str) -> int:
    """Delete every object of the snapshot's folder (a delete marker each: S3 versioning keeps
    the bytes); the object versions the manifest names are not touched. Returns the count."""
    folder = f"{PREFIX}{check_name(name)}/"
    keys = [o.key for o in s3.list_objects(aws, env.buckets.config, folder)]
    for key in keys:
        s3.delete(aws, env.buckets.config, key)
    return len(keys)
