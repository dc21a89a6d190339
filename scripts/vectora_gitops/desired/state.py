"""Desired state of one environment: every object, layer and function as git says."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from vectora_gitops.desired import digests
from vectora_gitops.desired.canonical import BundleIndex, index_bundle
from vectora_gitops.desired.render import render_client
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.validate import client_references, client_schema
from vectora_gitops.errors import InputError, Problem
from vectora_gitops.model import DesiredObject, DesiredState, selector_of


def desired_state(repo: Repository, env: str, *, commit: str,
                  indexed: Mapping[str, BundleIndex] | None = None) -> DesiredState:
    """Load, check and render everything `env` pins; InputError lists every problem.
    `indexed`: bundles that validation has just indexed (not read twice)."""
    environment, pins = load_env(repo, env)
    problems: list[Problem] = []
    bundle_dir = repo.bundle_dir(pins.canonical)
    if not bundle_dir.is_dir():
        raise InputError(f"environments/{env}/pins.yaml: canonical: bundle {pins.canonical} does "
                         f"not exist (no canonical/{pins.canonical}/)")
    index = (indexed or {}).get(pins.canonical) or index_bundle(repo, pins.canonical)
    problems.extend(p for p in index.problems if p.severity == "error")
    objects: dict[str, DesiredObject] = {}
    found_digests: dict[str, str] = {}
    for rel in index.files:
        content = index.contents.get(rel)
        if content is None:  # unreadable: reported in index.problems
            continue
        source = f"canonical/{pins.canonical}/{rel}"
        objects[f"canonical/{rel}"] = _object(f"canonical/{rel}", content, source)
    for cid, version in sorted(pins.clients.items()):
        path = repo.client_path(cid, version)
        if not path.is_file():
            problems.append(Problem(f"environments/{env}/pins.yaml",
                                    f"clients.{cid}: clients/{cid}/{version}.yaml does not exist"))
            continue
        doc = repo.load(path)
        found_digests[selector_of("clients", cid)] = digests.sha256(path.read_bytes())
        found = _errors(client_schema(doc, cid, version)) or _errors(client_references(doc, index))
        problems.extend(found)
        if not found:
            content = render_client(doc.data, env=env, source=doc.path)
            objects[f"clients/{cid}.yaml"] = _object(f"clients/{cid}.yaml", content, doc.path)
    if problems:
        raise InputError(f"{env}: invalid desired state", tuple(problems))
    found_digests["canonical"] = digests.bundle_digest(
        {k: o.sha256 for k, o in objects.items() if k.startswith("canonical/")})
    found_digests.update((selector_of("layers", n), p.sha256) for n, p in pins.layers.items())
    return DesiredState(env=environment, pins=pins, commit=commit, objects=objects,
                        digests=dict(sorted(found_digests.items())))


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _object(key: str, content: bytes, source: str) -> DesiredObject:
    return DesiredObject(key=key, content=content, sha256=hashlib.sha256(content).hexdigest(),
                         md5=hashlib.md5(content, usedforsecurity=False).hexdigest(), source=source)

