"""Client configs found under s3://<config>/clients/ -> files under clients/ and pins.

Import never changes a byte of a live config (docs/architecture.md §8). An object this tool
rendered, whose re-rendering from git gives the same bytes, stays a regular client (pin
`clients`). Every other config (the legacy `<id>_v<N>.yaml` ones, hand-written ones) is kept as
it is: the file `clients/<id>/<version>.yaml` holds the object's bytes and the pin
`legacy_clients` syncs them back verbatim to the same key. A version that exists in git with
other content is never overwritten: the next free patch version is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import versions
from vectora_gitops.desired.render import dump, render_client
from vectora_gitops.desired.repo import CLIENT_ID, Repository
from vectora_gitops.desired.yamlfile import parse_yaml
from vectora_gitops.errors import FatalError, InputError
from vectora_gitops.model import Environment

RENDERED = re.compile(r"^# Rendered by vectora-gitops from (?P<source>\S+) for (?P<env>[a-z0-9]+)\.\n")
LEGACY_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*?)_v(?P<n>\d{1,4})$")
MAX_PATCHES = 1000


@dataclass(frozen=True)
class AdoptedClient:
    client_id: str
    version: str
    path: str  # repository-relative
    content: bytes  # what the file holds (legacy: the object's bytes)
    legacy: bool
    write: bool  # False: the file already holds exactly this
    source: str  # s3://bucket/key
    note: str = ""  # why the version differs from the obvious one


@dataclass(frozen=True)
class ClientAdoption:
    clients: tuple[AdoptedClient, ...]
    skipped: tuple[str, ...]  # keys under clients/ that are no client config (s3://...)


def adopt_clients(aws: Aws, env: Environment, repo: Repository) -> ClientAdoption:
    bucket = env.buckets.config
    out: list[AdoptedClient] = []
    skipped: list[str] = []
    for obj in s3.list_objects(aws, bucket, "clients/"):
        name = obj.key[len("clients/"):]
        stem = name.removesuffix(".yaml")
        if "/" in name or not name.endswith(".yaml") or not CLIENT_ID.match(stem):
            skipped.append(f"s3://{bucket}/{obj.key}")
            continue
        data = s3.get_bytes(aws, bucket, obj.key) or b""
        source = f"s3://{bucket}/{obj.key}"
        out.append(regular(repo, stem, data, env.name, source) or legacy(repo, stem, data, source))
    return ClientAdoption(tuple(out), tuple(skipped))


def regular(repo: Repository, cid: str, data: bytes, env: str, source: str) -> AdoptedClient | None:
    """The config as a regular client when rendering the git file reproduces the object."""
    text = data.decode("utf-8", errors="replace")
    match = RENDERED.match(text)
    if not match or match["env"] != env:
        return None
    rel = match["source"]
    version = rel.removeprefix(f"clients/{cid}/").removesuffix(".yaml")
    if rel != f"clients/{cid}/{version}.yaml" or versions.parse(version) is None:
        return None
    path = repo.root / rel
    exists = path.is_file()
    content = path.read_bytes() if exists else _unrendered(text, rel)
    if content is None or not _renders(content, env, rel, data):
        return None
    return AdoptedClient(cid, version, rel, content, False, not exists, source)


def _unrendered(text: str, rel: str) -> bytes | None:
    """The git file a rendered object came from: header and client_profile.environment removed
    (written by the same dumper, so rendering it again gives the same bytes)."""
    try:
        doc = parse_yaml(text, display=rel)
    except FatalError:
        return None
    data: Any = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("client_profile"), dict):
        return None
    data["client_profile"].pop("environment", None)
    return dump(data)


def _renders(content: bytes, env: str, rel: str, live: bytes) -> bool:
    try:
        data = parse_yaml(content.decode("utf-8"), display=rel).data
        return isinstance(data, dict) and render_client(data, env=env, source=rel) == live
    except (FatalError, UnicodeDecodeError, KeyError, TypeError):
        return False


def legacy(repo: Repository, cid: str, data: bytes, source: str) -> AdoptedClient:
    """The object as it is, under its own id, at the first version free or holding these bytes."""
    first = legacy_version(cid, data)
    version = first
    for _ in range(MAX_PATCHES):
        path = repo.client_path(cid, version)
        if not path.exists() or path.read_bytes() == data:
            break
        version = str(versions.sort_key(version).bump_patch())
    else:
        raise InputError(f"{source}: clients/{cid}/ has no free version after {first}; "
                         "remove unused versions there and import again")
    rel = repo.rel(repo.client_path(cid, version))
    note = "" if version == first else f"{first} exists in git with other content"
    return AdoptedClient(cid, version, rel, data, True, not (repo.root / rel).exists(), source,
                         note)


def legacy_version(cid: str, data: bytes) -> str:
    """`<N>.0.0` for `<id>_v<N>`, else the version the config states, else 1.0.0."""
    match = LEGACY_NAME.match(cid)
    if match:
        return f"{int(match['n'])}.0.0"
    try:
        loaded: Any = yaml.safe_load(data)
    except yaml.YAMLError:
        return "1.0.0"
    loaded = loaded if isinstance(loaded, dict) else {}
    for section, key in (("client_profile", "version"), ("metadata", "template_version")):
        value = (loaded.get(section) or {}).get(key) if isinstance(loaded.get(section), dict) \
            else None
        if isinstance(value, str) and versions.parse(value) and not versions.is_prerelease(value):
            return value
    return "1.0.0"
