"""Desired state of one environment: every object, layer and function as git says."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from vectora_gitops.desired.canonical import BundleIndex, index_bundle
from vectora_gitops.desired.render import render_client
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.validate import client_references, client_schema
from vectora_gitops.desired.waivers import waive
from vectora_gitops.desired.yamlfile import read_bytes
from vectora_gitops.errors import FatalError, InputError, Problem
from vectora_gitops.model import DesiredObject, DesiredState, Environment, Pins


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
    problems.extend(_errors(waive(index.problems, environment)))
    objects: dict[str, DesiredObject] = {}
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
        found = _errors(waive(client_schema(doc, cid, version), environment)) or \
            _errors(waive(client_references(doc, index), environment))
        problems.extend(found)
        if not found:
            content = render_client(doc.data, env=env, source=doc.path)
            objects[f"clients/{cid}.yaml"] = _object(f"clients/{cid}.yaml", content, doc.path)
    for cid in sorted(pins.legacy_clients):
        found, legacy = legacy_object(repo, environment, pins, cid, index)
        problems.extend(found)
        if legacy is not None:
            objects[legacy.key] = legacy
    if problems:
        raise InputError(f"{env}: invalid desired state", tuple(problems))
    return DesiredState(env=environment, pins=pins, commit=commit, objects=objects)


def legacy_object(repo: Repository, env: Environment, pins: Pins, cid: str,
                  index: BundleIndex) -> tuple[list[Problem], DesiredObject | None]:
    """A legacy config: checked (schema, references; waivers of `env` applied), then synced as
    the file's bytes, never rendered (docs/architecture.md §8)."""
    version = pins.legacy_clients[cid]
    path = repo.client_path(cid, version)
    where = f"environments/{env.name}/pins.yaml"
    if cid in pins.clients:
        return [Problem(where, f"legacy_clients.{cid}: also pinned under clients")], None
    if not path.is_file():
        return [Problem(where, f"legacy_clients.{cid}: clients/{cid}/{version}.yaml does not "
                        "exist")], None
    rel = repo.rel(path)
    raw = read_bytes(path, root=repo.root, display=rel)
    try:
        doc = repo.load(path)
        found = client_schema(doc, cid, version, legacy=True) + client_references(doc, index)
    except FatalError as exc:
        found = list(exc.problems or (Problem(rel, str(exc)),))
    errors = _errors(waive(found, env))
    return errors, None if errors else _object(f"clients/{cid}.yaml", raw, rel)


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _object(key: str, content: bytes, source: str) -> DesiredObject:
    return DesiredObject(key=key, content=content, sha256=hashlib.sha256(content).hexdigest(),
                         md5=hashlib.md5(content, usedforsecurity=False).hexdigest(), source=source)

