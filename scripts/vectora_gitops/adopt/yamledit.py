"""Round-trip YAML edits (ruamel.yaml): comments, key order and quoting of untouched values stay."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from vectora_gitops.errors import InputError


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.Representer = _Representer
    return yaml


class _Representer(RoundTripRepresenter):
    """Writes null as `null` (the files say `from: null`), for this module's dumps only."""


def _null(representer: Any, _value: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


_Representer.add_representer(type(None), _null)


def load_text(text: str, display: str) -> CommentedMap:
    data = _yaml().load(text)
    if not isinstance(data, CommentedMap):
        raise InputError(f"{display}: must be a YAML mapping")
    return data


def dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def load(path: Path) -> CommentedMap:
    return load_text(path.read_text(encoding="utf-8"), str(path))


def quoted(value: str) -> str:
    """`value`, written double-quoted (as the repository's files quote variables and hashes)."""
    text: str = DoubleQuotedScalarString(value)
    return text


def set_mapping(target: CommentedMap, values: Mapping[str, Any]) -> None:
    """Make `target` hold exactly `values`: changed keys set in place, others removed/added."""
    for key in [k for k in target if k not in values]:
        del target[key]
    for key, value in values.items():
        if key not in target or target[key] != value:
            target[key] = value


def child(parent: CommentedMap, key: str) -> CommentedMap:
    value = parent.get(key)
    if not isinstance(value, CommentedMap):
        value = parent[key] = CommentedMap()
    return value
