"""What changed between two versions of a client config (dotted key paths) or of a canonical
bundle (files added / removed / changed), for the promotion PR body. Pure over loaded values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vectora_gitops.desired.canonical import list_files

SHORT = 48
SKIPPED = frozenset({"client_profile.version", "metadata.changelog"})


@dataclass(frozen=True)
class KeyChange:
    path: str
    op: str  # added | removed | changed
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class FilesDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves by dotted path; list items are named by their `id` when they have one."""
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(i, Mapping) for i in value):
        names = [str(i.get("id", n)) for n, i in enumerate(value)]
        if len(set(names)) != len(names):
            names = [str(n) for n in range(len(value))]
        out = {}
        for name, item in zip(names, value, strict=True):
            out.update(flatten(item, f"{prefix}[{name}]"))
        return out
    return {prefix: value}


def config_changes(old: Any, new: Any) -> tuple[KeyChange, ...]:
    a, b = flatten(old), flatten(new)
    out = []
    for path in sorted(set(a) | set(b)):
        if path in SKIPPED or any(path.startswith(f"{s}[") or path.startswith(f"{s}.")
                                  for s in SKIPPED):
            continue
        if path not in a:
            out.append(KeyChange(path, "added", new=short(b[path])))
        elif path not in b:
            out.append(KeyChange(path, "removed", old=short(a[path])))
        elif _scalars(a[path]) and _scalars(b[path]):
            out += [KeyChange(f"{path}[]", "added", new=short(v)) for v in b[path] if v not in a[path]]
            out += [KeyChange(f"{path}[]", "removed", old=short(v)) for v in a[path]
                    if v not in b[path]]
        elif a[path] != b[path]:
            out.append(KeyChange(path, "changed", short(a[path]), short(b[path])))
    return tuple(out)


def _scalars(value: Any) -> bool:
    """A list of plain values (compared item by item)."""
    return isinstance(value, list) and all(not isinstance(v, Mapping | list) for v in value)


def short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


def files_diff(old_dir: Path, new_dir: Path) -> FilesDiff:
    a, b = _hashes(old_dir), _hashes(new_dir)
    return FilesDiff(
        added=tuple(sorted(set(b) - set(a))),
        removed=tuple(sorted(set(a) - set(b))),
        changed=tuple(sorted(k for k in set(a) & set(b) if a[k] != b[k])),
    )


def _hashes(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in list_files(folder)}
