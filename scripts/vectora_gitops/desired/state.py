"""Desired state of one environment: every object, layer and function as git says."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from vectora_gitops.desired import digests, monitoring, moves, stacks
from vectora_gitops.desired.canonical import BundleIndex, index_bundle
from vectora_gitops.desired.render import render_client
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.validate import client_references, client_schema
from vectora_gitops.desired.waivers import waive
from vectora_gitops.desired.yamlfile import read_bytes
from vectora_gitops.errors import FatalError, InputError, Problem, did_you_mean
from vectora_gitops.model import DesiredObject, DesiredState, Environment, Pins, selector_of


def desired_state(repo: Repository, env: str, *, commit: str,
                  indexed: Mapping[str, BundleIndex] | None = None) -> DesiredState:
    """Load, check and render everything `env` pins; InputError lists every problem.
    `indexed`: bundles that validation has just indexed (not read twice)."""
    environment, pins = load_env(repo, env)
    problems: list[Problem] = []
    bundle_dir = repo.bundle_dir(pins.canonical)
    if not bundle_dir.is_dir():
        raise InputError(f"environments/{env}/pins.yaml: canonical: bundle {pins.canonical} does "
                         f"not exist (no canonical/{pins.canonical}/)"
                         f"{did_you_mean(pins.canonical, repo.bundle_versions())}")
    index = (indexed or {}).get(pins.canonical) or index_bundle(repo, pins.canonical)
    problems.extend(_errors(waive(index.problems, environment)))
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
                                    f"clients.{cid}: clients/{cid}/{version}.yaml does not exist"
                                    f"{did_you_mean(version, repo.client_versions(cid))}"))
            continue
        doc = repo.load(path)
        found_digests[selector_of("clients", cid)] = digests.sha256(path.read_bytes())
        found = _errors(waive(client_schema(doc, cid, version), environment)) or \
            _errors(waive(client_references(doc, index), environment))
        problems.extend(found)
        if not found:
            objects[f"clients/{cid}.yaml"] = _client_object(environment, cid, doc.data, doc.path)
    for cid in sorted(pins.legacy_clients):
        found, legacy = legacy_object(repo, environment, pins, cid, index)
        problems.extend(found)
        if legacy is not None:
            objects[legacy.key] = legacy
    found, desired_stacks = stacks.read_stacks(repo, environment, pins)
    problems.extend(found)
    if problems:
        raise InputError(f"{env}: invalid desired state", tuple(problems))
    found_digests["canonical"] = digests.bundle_digest(
        {k: o.sha256 for k, o in objects.items() if k.startswith("canonical/")})
    found_digests.update((selector_of("layers", n), p.sha256) for n, p in pins.layers.items())
    found_digests.update((selector_of("templates", s.key), s.sha256) for s in desired_stacks)
    return DesiredState(env=environment, pins=pins, commit=commit, objects=objects,
                        deletions=moves.deletions(environment, pins),
                        digests=dict(sorted(found_digests.items())), stacks=desired_stacks,
                        env_file=digests.sha256(
                            (repo.env_dir(env) / "environment.yaml").read_bytes()),
                        monitoring=monitoring.build(environment, pins))


def _client_object(env: Environment, cid: str, data: dict[str, Any], path: str) -> DesiredObject:
    """A rendered config; deployed inactive while a client move keeps its legacy config running
    (docs/architecture.md §8)."""
    key = f"clients/{cid}.yaml"
    move = env.move_to(cid)
    if move is None or not moves.renders_inactive(env, cid):
        return _object(key, render_client(data, env=env.name, source=path), path)
    content = render_client(data, env=env.name, source=path, inactive_beside=move.legacy_key)
    return _object(key, content, f"{path} with client_profile.active: false (client_moves: "
                   f"beside {move.legacy_key})")


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
    if errors:
        return errors, None
    if not moves.deactivates_legacy(env, cid):
        return [], _object(f"clients/{cid}.yaml", raw, rel)
    try:  # switched: the legacy object stays, inactive (its only changed bytes)
        inactive = moves.deactivate(raw, display=rel)
    except FatalError as exc:
        return list(exc.problems or (Problem(rel, str(exc)),)), None
    return [], _object(f"clients/{cid}.yaml", inactive,
                       f"{rel} with client_profile.active: false (client_moves: switched)")


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def _object(key: str, content: bytes, source: str) -> DesiredObject:
    return DesiredObject(key=key, content=content, sha256=hashlib.sha256(content).hexdigest(),
                         md5=hashlib.md5(content, usedforsecurity=False).hexdigest(), source=source)

