"""Snapshot manifests as typed values, and self-contained local exports of them.

An export folder holds `manifest.json` and the content of every object of the snapshot (read by
its VersionId) under `objects/<key>`, so an environment can be restored without the versions
still existing in S3.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.errors import AwsError, InputError, UsageError

MANUAL, AUTOMATIC = "manual", "automatic"
# The names the tool gives automatic snapshots (`take.new_name("pre-apply" | "pre-restore")`);
# a manual snapshot may not take one (`take.create`).
AUTO_NAME = re.compile(r"^\d{8}T\d{12}Z-pre-(apply|restore)-[0-9a-f]{4}$")
AUTO_REASONS = ("before apply of ", "before restore of ")


def kind_of(data: Mapping[str, Any], name: str) -> str:
    """`manual` or `automatic`. A manifest written before snapshots had a kind is automatic only
    when both its name and its reason are those the tool gave automatic snapshots (names
    `<time>-pre-apply-<hex>`, reasons `before apply of <commit>`); anything else is manual, so
    retention never deletes a snapshot someone made on purpose."""
    kind = data.get("kind")
    if kind in (MANUAL, AUTOMATIC):
        return str(kind)
    reason = str(data.get("reason") or "")
    return AUTOMATIC if kind is None and AUTO_NAME.match(name) and \
        reason.startswith(AUTO_REASONS) else MANUAL


@dataclass(frozen=True)
class SnapObject:
    version_id: str
    etag: str
    size: int = -1  # -1: not recorded (manifests written before sizes were)


@dataclass(frozen=True)
class SnapFunction:
    name: str
    layers: tuple[str, ...]
    environment: Mapping[str, str]
    code_sha256: str = ""
    runtime: str = ""


@dataclass(frozen=True)
class Manifest:
    name: str
    env: str
    created_at: str
    bucket: str
    objects: Mapping[str, SnapObject]
    functions: Mapping[str, SnapFunction]
    layers: Mapping[str, str]  # layer version ARN -> CodeSha256 (base64)
    raw: Mapping[str, Any]
    alarms: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> definition
    kind: str = MANUAL
    commit: str = ""  # the commit AWS ran when it was taken ("" unknown)
    reason: str = ""
    actor: str = ""


def parse(data: Mapping[str, Any], *, where: str) -> Manifest:
    try:
        return Manifest(
            name=str(data["name"]), env=str(data["env"]), created_at=str(data["created_at"]),
            bucket=str(data["bucket"]),
            objects={k: SnapObject(str(v["version_id"]), str(v["etag"]), int(v.get("size", -1)))
                     for k, v in data["objects"].items()},
            functions={k: SnapFunction(str(v["name"]), tuple(v["layers"]),
                                       {str(n): str(x) for n, x in v["environment"].items()},
                                       str(v.get("code_sha256") or ""),
                                       str(v.get("runtime") or ""))
                       for k, v in data["functions"].items()},
            layers={str(k): str(v) for k, v in (data.get("layers") or {}).items()},
            raw=data, kind=kind_of(data, str(data["name"])), commit=str(data.get("commit") or ""),
            reason=str(data.get("reason") or ""), actor=str(data.get("actor") or ""),
            alarms={str(k): dict(v) for k, v in (data.get("alarms") or {}).items()},
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InputError(f"{where}: not a snapshot manifest (missing or wrong {exc})") from None


def object_path(folder: Path, key: str) -> Path:
    """Where an object's content lives in an export; refuses keys that would leave the folder."""
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or any(p in ("..", ".") for p in parts):
        raise InputError(f"s3 key {key!r} cannot be stored in an export folder")
    return folder.joinpath("objects", *parts)


def export(aws: Aws, manifest: Manifest, folder: Path, *, flag: str = "--export") -> int:
    """Write manifest.json and every object's snapshot content; returns the object count."""
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"{flag} {folder}: not empty; export into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    for key, obj in sorted(manifest.objects.items()):
        data = s3.get_bytes(aws, manifest.bucket, key, obj.version_id)
        if data is None:
            raise AwsError(f"s3://{manifest.bucket}/{key}?versionId={obj.version_id}: version is "
                           "gone; the snapshot cannot be exported")
        check_etag(key, data, obj.etag)
        path = object_path(folder, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder / "manifest.json").write_text(json.dumps(manifest.raw, indent=2, sort_keys=True) + "\n")
    return len(manifest.objects)


def check_etag(key: str, data: bytes, etag: str) -> None:
    """Content read for `key` must be what the snapshot recorded (when the ETag is an MD5)."""
    if len(etag) == 32 and "-" not in etag and \
            hashlib.md5(data, usedforsecurity=False).hexdigest() != etag:
        raise InputError(f"{key}: content does not match the snapshot's ETag {etag}")


def read_export(folder: Path) -> Manifest:
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--export {folder}: no readable manifest.json ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a snapshot manifest")
    manifest = parse(data, where=str(path))
    for key in manifest.objects:
        if not object_path(folder, key).is_file():
            raise InputError(f"{folder}: objects/{key} is missing; the export is incomplete")
    return manifest


def exported_bytes(folder: Path, manifest: Manifest, key: str) -> bytes:
    data = object_path(folder, key).read_bytes()
    check_etag(key, data, manifest.objects[key].etag)
    return data
