"""Minimal, comment-preserving YAML edits (the model: pre-commit's `autoupdate` of `rev:` lines).

ruamel.yaml composes the document only to find where a value is; the edit replaces that value's
text and nothing else, so `git diff` shows exactly the values that changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from vectora_gitops.errors import InputError

Path = tuple[str, ...]

# Read as booleans or null by YAML 1.1 readers (the Lambdas): never written plain.
_YAML11_WORDS = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~"})


@dataclass(frozen=True)
class ScalarEdit:
    """Set the scalar at `path` (mapping keys from the root) to `value`; missing keys are added."""

    path: Path
    value: str


def apply_edits(text: str, edits: Sequence[ScalarEdit], *, display: str) -> str:
    for edit in edits:
        text = set_scalar(text, edit.path, edit.value, display=display)
    return text


def compose(text: str, *, display: str) -> Node:
    try:
        node = YAML(typ="rt").compose(text)
    except YAMLError as exc:
        raise InputError(f"{display}: YAML syntax error: {exc}") from None
    if not isinstance(node, MappingNode):
        raise InputError(f"{display}: expected a mapping at the top of the file")
    return node


def child(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for knode, vnode in node.value:
            if isinstance(knode, ScalarNode) and knode.value == key:
                found: Node = vnode
                return found
    return None


def find(root: Node, path: Path) -> Node | None:
    node: Node | None = root
    for key in path:
        node = child(node, key) if node is not None else None
    return node


def set_scalar(text: str, path: Path, value: str, *, display: str) -> str:
    root = compose(text, display=display)
    node = find(root, path)
    if isinstance(node, ScalarNode):
        start, end = node.start_mark.index, node.end_mark.index
        return text[:start] + scalar_text(value, style=node.style) + text[end:]
    if node is not None:
        raise InputError(f"{display}: {'.'.join(path)} is not a plain value; edit it by hand")
    return _insert(text, root, path, value, display=display)


def _insert(text: str, root: Node, path: Path, value: str, *, display: str) -> str:
    depth = len(path) - 1
    while depth > 0 and not isinstance(find(root, path[:depth]), MappingNode):
        depth -= 1
    parent = find(root, path[:depth]) if depth else root
    if not isinstance(parent, MappingNode) or parent.flow_style or not parent.value:
        raise InputError(f"{display}: cannot add {'.'.join(path)}: write "
                         f"{'.'.join(path[:depth]) or 'the file'} as a non-empty block mapping")
    indent = parent.value[0][0].start_mark.column
    lines = text.splitlines(keepends=True)
    after = last_line(parent) + 1
    if after > len(lines) or (after == len(lines) and not lines[-1].endswith("\n")):
        lines[-1] = lines[-1].rstrip("\n") + "\n"
    new = _block(path[depth:], value, indent)
    return "".join([*lines[:after], *new, *lines[after:]])


def _block(keys: Path, value: str, indent: int) -> list[str]:
    out = [f"{' ' * (indent + 2 * i)}{key}:\n" for i, key in enumerate(keys[:-1])]
    pad = " " * (indent + 2 * (len(keys) - 1))
    return [*out, f"{pad}{keys[-1]}: {scalar_text(value)}\n"]


def last_line(node: Node) -> int:
    """0-based line of the last character of `node`'s content."""
    if isinstance(node, MappingNode | SequenceNode) and node.value:
        item = node.value[-1]
        return last_line(item[1] if isinstance(item, tuple) else item)
    mark = node.end_mark
    return int(mark.line) - 1 if mark.column == 0 and mark.line > node.start_mark.line else \
        int(mark.line)


def scalar_text(value: str, *, style: str | None = None) -> str:
    """`value` as YAML: keeps the quote style given; plain only when it reads back unchanged."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not is_plain_safe(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def is_plain_safe(value: str) -> bool:
    if not value or value != value.strip() or value[0] in "-?:,[]{}#&*!|>'\"%@`" or \
            ": " in value or " #" in value or value.endswith(":") or "\n" in value:
        return False
    if value.lower() in _YAML11_WORDS:
        return False
    try:
        node = YAML(typ="rt").compose(f"k: {value}\n")
    except YAMLError:
        return False
    found = child(node, "k")
    return isinstance(found, ScalarNode) and found.tag == "tag:yaml.org,2002:str" and \
        found.value == value
