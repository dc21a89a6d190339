"""Content digests of the pins: what a pin's version holds, as sha256, so that promotion judges a
pin by its content and not by its version string (docs/evidence.md, "Content digests").

- a client config: the sha256 of its file `clients/<id>/<version>.yaml` as git holds it (the
  rendered object adds only the environment's name, so it differs between environments);
- a canonical bundle: the sha256 over its objects, one line `<key> <sha256>` per object in key
  order (`canonical/<path>`, the keys the bundle is synced to);
- a layer: the sha256 of its zip, which its pin already carries.

Deployment records carry these digests (engine/records.py); the gates compare them with the
digests of the versions being promoted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from vectora_gitops.desired.canonical import index_bundle
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.yamlfile import read_bytes
from vectora_gitops.errors import FatalError
from vectora_gitops.model import Pins, selector_of


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_digest(objects: Mapping[str, str]) -> str:
    """The digest of a bundle from its objects: S3 key -> sha256 of the content."""
    lines = "".join(f"{key} {digest}\n" for key, digest in sorted(objects.items()))
    return sha256(lines.encode())


def client_digest(repo: Repository, client_id: str, version: str) -> str | None:
    """sha256 of `clients/<id>/<version>.yaml`, or None when the file does not exist."""
    path = repo.client_path(client_id, version)
    if not path.is_file():
        return None
    try:
        return sha256(read_bytes(path, root=repo.root, display=repo.rel(path)))
    except FatalError:
        return None


def bundle_digest_of(repo: Repository, version: str) -> str | None:
    """The digest of `canonical/<version>/` as it would be synced (the files apply would write,
    read as desired/state.py reads them), or None when the folder is missing."""
    if not repo.bundle_dir(version).is_dir():
        return None
    index = index_bundle(repo, version)
    return bundle_digest({f"canonical/{rel}": sha256(content)
                          for rel, content in index.contents.items()})


def pin_digests(repo: Repository, pins: Pins) -> dict[str, str]:
    """selector -> content digest of every pin whose content the repository holds."""
    out: dict[str, str] = {}
    bundle = bundle_digest_of(repo, pins.canonical)
    if bundle:
        out["canonical"] = bundle
    for client_id, version in sorted(pins.clients.items()):
        digest = client_digest(repo, client_id, version)
        if digest:
            out[selector_of("clients", client_id)] = digest
    for name, layer in sorted(pins.layers.items()):
        out[selector_of("layers", name)] = layer.sha256
    return out
