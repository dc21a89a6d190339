"""Client configs found under s3://<config>/clients/ -> clients/<id>/<version>.yaml.

Legacy `<id>_v<N>.yaml` objects go through the `migrate-client` transformation; what rendering
added (the header comment and `client_profile.environment`) is taken out again. Both are minimal
text edits (`desired.yamledit`): every other line of the live object is kept byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import migrate, yamledit
from vectora_gitops.desired.repo import CLIENT_ID, Repository
from vectora_gitops.desired.yamlfile import parse_yaml
from vectora_gitops.errors import InputError
from vectora_gitops.model import Environment

RENDER_HEADER = ("# Rendered by vectora-gitops", "# Do not edit in S3")


@dataclass(frozen=True)
class AdoptedClient:
    client_id: str
    version: str
    path: str  # repository-relative
    text: str
    write: bool  # False: the same version already exists with the same content
    source: str  # s3://bucket/key


def adopt_clients(aws: Aws, env: Environment, repo: Repository, *, today: date) -> list[AdoptedClient]:
    bucket = env.buckets.config
    out = []
    for obj in s3.list_objects(aws, bucket, "clients/"):
        name = obj.key[len("clients/"):]
        if "/" in name or not name.endswith((".yaml", ".yml")):
            continue
        data = s3.get_bytes(aws, bucket, obj.key) or b""
        out.append(adopt_one(repo, name, data.decode("utf-8"), source=f"s3://{bucket}/{obj.key}",
                             today=today))
    return out


def adopt_one(repo: Repository, name: str, text: str, *, source: str, today: date) -> AdoptedClient:
    text = strip_header(text.replace("\r\n", "\n"))  # the repository's files end lines with LF
    if yamledit.kind(text, ("client_profile",), display=source) != "mapping":
        raise InputError(f"{source}: no client_profile mapping; not a client config")
    text = yamledit.delete(text, ("client_profile", "environment"), display=source)
    if migrate.LEGACY_FILE.match(name):
        client_id, version = migrate.legacy_name(Path(name))
        text = migrate.rewrite(text, client_id=client_id, version=version, today=today,
                               legacy_id=name.rsplit(".", 1)[0], display=source)
    else:
        client_id = name.rsplit(".", 1)[0]
        version = yamledit.scalar_value(text, ("client_profile", "version"), display=source) or ""
    if not CLIENT_ID.match(client_id) or not version:
        raise InputError(f"{source}: cannot tell the client id and version (name it "
                         "<id>.yaml with client_profile.version, or <id>_v<N>.yaml)")
    path = repo.client_path(client_id, version)
    return AdoptedClient(client_id, version, repo.rel(path), text, not _same(path, text, source),
                         source)


def strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith(RENDER_HEADER):
        lines.pop(0)
    return "".join(lines)


def _comparable(text: str, display: str) -> Any:
    data = parse_yaml(text, display=display).data
    if isinstance(data, dict) and isinstance(data.get("metadata"), dict):
        data["metadata"].pop("changelog", None)
    return data


def _same(path: Path, text: str, source: str) -> bool:
    if not path.is_file():
        return False
    if _comparable(path.read_text(encoding="utf-8"), str(path)) == _comparable(text, source):
        return True
    raise InputError(f"{source}: differs from the existing {path.name} of {path.parent.name}; "
                     "released versions are immutable: give the live config a new version "
                     "(client_profile.version) or remove the file if it was never released")
