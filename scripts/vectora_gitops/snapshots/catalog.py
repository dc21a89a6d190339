"""`snapshot list`: one `Entry` per snapshot folder, oldest first. A snapshot's `summary.json`
(no values) is read; a snapshot written before summaries existed has its manifest read instead,
and its commit is found in the deployment records (`take.commit_at`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine import records
from vectora_gitops.errors import AwsError
from vectora_gitops.model import Environment
from vectora_gitops.observed import S3Object
from vectora_gitops.snapshots.export import kind_of
from vectora_gitops.snapshots.take import (
    PREFIX,
    commit_at,
    json_or_none,
    manifest_key,
    summary_key,
)
from vectora_gitops.snapshots.values import Entry

HISTORY = 200  # records read to find the commit of snapshots written before summaries


def entries(aws: Aws, env: Environment) -> list[Entry]:
    files: dict[str, dict[str, S3Object]] = {}
    for obj in s3.list_objects(aws, env.buckets.config, PREFIX):
        name, _, rest = obj.key[len(PREFIX):].partition("/")
        files.setdefault(name, {})[rest] = obj
    made = sorted((f["manifest.json"].last_modified, n) for n, f in files.items()
                  if "manifest.json" in f)
    history: list[dict[str, Any]] | None = None
    out = []
    for written, name in made:
        summary = s3.get_json(aws, env.buckets.config, summary_key(name)) \
            if "summary.json" in files[name] else None
        if isinstance(summary, dict):
            out.append(_from_summary(name, summary))
            continue
        entry = _from_manifest(aws, env, name, written)
        if entry.kind and not entry.commit and not entry.note:
            history = records.list_records(aws, env, limit=HISTORY) if history is None else history
            entry = Entry(entry.name, entry.created_at, entry.kind,
                          commit_at(history, entry.created_at), entry.objects, entry.functions,
                          entry.note)
        out.append(entry)
    return out


def _from_summary(name: str, data: Mapping[str, Any]) -> Entry:
    return Entry(name, str(data.get("created_at") or ""), kind_of(data, name),
                 str(data.get("commit") or ""), _count(data.get("objects")),
                 _count(data.get("functions")))


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _from_manifest(aws: Aws, env: Environment, name: str, written: str) -> Entry:
    try:
        data = json_or_none(s3.get_bytes(aws, env.buckets.config, manifest_key(name)))
    except AwsError as exc:
        if exc.code not in ("AccessDenied", "403"):
            raise
        return Entry(name, written, "", "", None, None,
                     "written before summaries: its manifest needs the apply role to be read")
    if not (isinstance(data, dict) and isinstance(data.get("objects"), dict)
            and isinstance(data.get("functions"), dict) and "created_at" in data):
        return Entry(name, written, kind_of({}, name), "", None, None,
                     "not a manifest of this tool (kept as manual)")
    return Entry(name, str(data["created_at"]), kind_of(data, name), str(data.get("commit") or ""),
                 len(data["objects"]), len(data["functions"]))
