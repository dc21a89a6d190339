"""What a promotion changes, file by file, for the pull request body: the unified diff of each
client file and of each canonical prompt between the target's pinned version and the promoted
one (prompts with their `{{ref:...}}` placeholders expanded as the engine sends them), and which
clients and environments each change reaches. Reads git files only."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vectora_gitops.desired.canonical import list_files
from vectora_gitops.desired.references import (
    CLIENT_REFERENCES,
    expand,
    is_scope,
    ref_text,
    walk,
)
from vectora_gitops.desired.render import dump
from vectora_gitops.desired.repo import Repository
from vectora_gitops.errors import FatalError
from vectora_gitops.model import split_selector
from vectora_gitops.promotion.pins import PinChange
from vectora_gitops.promotion.run_gates import Chain

MAX_LINES = 400  # diff lines shown per file; the rest is counted
PROMPTS = "prompts/"
DEFINITION_FOLDERS = ("domains", "ecosystems")


@dataclass(frozen=True)
class FileDiff:
    selector: str  # canonical or clients/<id>
    path: str  # the promoted file (or the target's, when the promotion removes it)
    lines: tuple[str, ...]  # unified diff, at most MAX_LINES
    more: int  # diff lines not shown
    expanded: bool  # `{{ref:...}}` placeholders expanded on both sides
    clients: tuple[tuple[str, str], ...]  # (client id, key naming it) in the target after the copy
    running: tuple[str, ...]  # environments that pin the promoted version now
    target: str
    later: tuple[str, ...]  # environments after the target in the chain


def for_changes(repo: Repository, chain: Chain, source: str, target: str,
                found: Sequence[PinChange]) -> tuple[FileDiff, ...]:
    """Every client file and canonical prompt the promotion changes, in pin order."""
    configs = _target_configs(repo, chain, target, found)
    out: list[FileDiff] = []
    for change in found:
        kind, name = split_selector(change.selector)
        where = _Where(_running(chain, change), target, _later(chain, target))
        if kind == "clients":
            out += _client(repo, change, name, where)
        elif change.selector == "canonical":
            out += _prompts(repo, change, configs, where)
    return tuple(out)


@dataclass(frozen=True)
class _Where:
    running: tuple[str, ...]
    target: str
    later: tuple[str, ...]


def _client(repo: Repository, change: PinChange, cid: str, where: _Where) -> list[FileDiff]:
    old = _text(repo.client_path(cid, change.old)) if change.old else ""
    new_path = repo.client_path(cid, change.new)
    lines = _diff(old, _text(new_path), _label(repo, repo.client_path(cid, change.old or "")),
                  repo.rel(new_path))
    if not lines:
        return []
    return [_made(change.selector, repo.rel(new_path), lines, False, ((cid, "its own config"),),
                  where)]


def _prompts(repo: Repository, change: PinChange, configs: Mapping[str, Any],
             where: _Where) -> list[FileDiff]:
    old_dir = repo.bundle_dir(change.old) if change.old else None
    new_dir = repo.bundle_dir(change.new)
    old_values = ref_values(repo, old_dir) if old_dir else {}
    new_values = ref_values(repo, new_dir)
    rels = sorted({*_prompt_files(old_dir), *_prompt_files(new_dir)})
    out = []
    for rel in rels:
        old = expand(_text(old_dir / rel), old_values) if old_dir else ""
        new = expand(_text(new_dir / rel), new_values)
        shown = new_dir / rel if (new_dir / rel).is_file() else (old_dir or new_dir) / rel
        lines = _diff(old, new, _label(repo, old_dir / rel) if old_dir else "/dev/null",
                      _label(repo, new_dir / rel))
        if lines:
            out.append(_made(change.selector, repo.rel(shown), lines, True,
                             _prompt_clients(rel, configs), where))
    return out


def _made(selector: str, path: str, lines: list[str], expanded: bool,
          clients: tuple[tuple[str, str], ...], where: _Where) -> FileDiff:
    return FileDiff(selector, path, tuple(lines[:MAX_LINES]), max(0, len(lines) - MAX_LINES),
                    expanded, clients, where.running, where.target, where.later)


def _prompt_files(folder: Path | None) -> list[str]:
    if folder is None or not (folder / PROMPTS).is_dir():
        return []
    return [f"{PROMPTS}{rel}" for rel in list_files(folder / PROMPTS) if rel.endswith(".yaml")]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError):
        return ""  # validate reports it; the body shows what it can


def _label(repo: Repository, path: Path) -> str:
    return repo.rel(path) if path.is_file() else "/dev/null"


def _diff(old: str, new: str, old_label: str, new_label: str) -> list[str]:
    return [line.rstrip("\n") for line in difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_label, new_label)]


def ref_values(repo: Repository, folder: Path) -> dict[str, str]:
    """What each `{{ref:X}}` of a bundle becomes: a scope or `scope.sub` as `- item` lines, a
    `domains/`/`ecosystems/` file stem as the YAML the engine reads (comments dropped)."""
    values: dict[str, str] = {}
    for path in sorted((folder / "scopes").glob("*.yaml")):
        data = _data(repo, path)
        for name, value in (data.items() if isinstance(data, dict) else ()):
            if str(name).startswith("_") or not is_scope(value):
                continue
            values[str(name)] = ref_text(value)
            for sub, items in (value.items() if isinstance(value, dict) else ()):
                if not str(sub).startswith("_"):
                    values[f"{name}.{sub}"] = ref_text(items)
    for kind in DEFINITION_FOLDERS:
        for path in sorted((folder / kind).glob("*.yaml")):
            data = _data(repo, path)
            if data is not None:
                values[path.stem] = dump(data).decode().rstrip("\n") if isinstance(data, dict) \
                    else ref_text(data)
    return values


def _data(repo: Repository, path: Path) -> Any:
    try:
        return repo.load(path).data
    except FatalError:
        return None  # validate reports it


def _target_configs(repo: Repository, chain: Chain, target: str,
                    found: Sequence[PinChange]) -> dict[str, Any]:
    """client id -> the config the target runs after the copy."""
    versions = dict(chain.pins[target].clients)
    versions.update({split_selector(c.selector)[1]: c.new for c in found
                     if split_selector(c.selector)[0] == "clients"})
    return {cid: _data(repo, repo.client_path(cid, v)) for cid, v in sorted(versions.items())
            if repo.client_path(cid, v).is_file()}


def _prompt_clients(rel: str, configs: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(client, key) of every client config that names the prompt at `rel`
    (`prompts/<type>/<name>.yaml`, named `<name>` by a `<type>` prompt key)."""
    parts = rel.split("/")
    if len(parts) != 3:
        return ()
    kind, name = f"prompt:{parts[1]}", parts[2].removesuffix(".yaml")
    out = []
    for cid, data in configs.items():
        for ref in CLIENT_REFERENCES:
            for found in walk(data, ref.path, ref.kind):
                if found.kind == kind and found.name == name:
                    key = ".".join(map(str, found.key))
                    out.append((cid, f"{key}, but {ref.note}" if ref.note else key))
    return tuple(out)


def _running(chain: Chain, change: PinChange) -> tuple[str, ...]:
    return tuple(env for env in chain.promotion.order()
                 if chain.pins[env].identities().get(change.selector) == change.new)


def _later(chain: Chain, target: str) -> tuple[str, ...]:
    out: list[str] = []
    queue = list(chain.promotion.targets(target))
    while queue and len(out) < len(chain.envs):  # bounded: each environment once
        env = queue.pop(0)
        if env not in out and env != target:
            out.append(env)
            queue += chain.promotion.targets(env)
    return tuple(out)
