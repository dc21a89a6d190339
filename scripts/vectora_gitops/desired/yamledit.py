"""The package's one YAML editor: minimal text edits that keep everything else byte for byte.

ruamel.yaml composes the document only to find where things are; each edit splices new text at
those positions (the model: pre-commit's `autoupdate` of `rev:` lines), so comments, blank lines,
section banners, quoting and flow style of every untouched line survive and `git diff` shows only
the lines that changed (docs/architecture.md, desired state). Used by promote, release,
new-version, migrate-client, move-client and import.

The edits: replace a scalar (keeping its quote style), set a key (added with any missing parent
mappings), set a whole mapping or sequence value, make a mapping hold exactly some keys, make a
sequence hold exactly some items, delete a key, insert or delete an item of a block or flow
sequence. A key or item added at the end goes right after the last value of its mapping or
sequence (a nested block value included), before any blank lines or comment banner that follow.
New lines use the file's line ending and indentation; a file without a final newline keeps having
none.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias, TypeGuard

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from vectora_gitops.desired.yamlfile import syntax_error
from vectora_gitops.errors import InputError

Path = tuple[str, ...]
Kind = Literal["mapping", "sequence", "scalar", "null"]

# Read as booleans or null by YAML 1.1 readers (the Lambdas): never written plain.
_YAML11_WORDS = frozenset({"yes", "no", "on", "off", "y", "n", "true", "false", "null", "~"})
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_SPACE = " \t\r\n"
_MAX_NODES = 200_000  # bound of the walk that reads the file's indentation


@dataclass(frozen=True)
class Scalar:
    """A string with the quote style to write it in: '"' or "'"; None: plain when it reads back
    as the same string, else double-quoted; "plain": written as it is, unquoted (a boolean or a
    number the caller means, such as `false`). A replaced scalar keeps its own style unless one
    is given here."""

    value: str
    style: str | None = None


# What an edit writes: a string, a boolean (`true`, `false`), a sequence (tuple) or a mapping of
# them.
Leaf: TypeAlias = "str | bool | Scalar"
Value: TypeAlias = "str | bool | Scalar | tuple[Value, ...] | Mapping[str, Value]"


@dataclass(frozen=True)
class ScalarEdit:
    """Set the scalar at `path` (mapping keys from the root) to `value`; missing keys are added."""

    path: Path
    value: str


@dataclass(frozen=True)
class _Doc:
    text: str
    root: MappingNode
    display: str
    newline: str  # "\r\n" when the file uses it
    step: int  # indentation of a nested block mapping
    dash: int  # column of a block sequence's "-" relative to its key
    gap: int  # column of a block sequence item's content relative to its "-"


# ---- reading ----------------------------------------------------------------------------------

def compose(text: str, *, display: str) -> MappingNode:
    """The node tree of `text` (positions included); InputError unless it is a mapping."""
    try:
        node = YAML(typ="rt").compose(text)
    except MarkedYAMLError as exc:
        raise syntax_error(display, text, exc) from None
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


def kind(text: str, path: Path, *, display: str) -> Kind | None:
    """What the value at `path` is (None: the key is absent)."""
    node = find(compose(text, display=display), path)
    if node is None:
        return None
    if isinstance(node, MappingNode):
        return "mapping"
    if isinstance(node, SequenceNode):
        return "sequence"
    return "null" if node.tag == _NULL else "scalar"


def scalar_value(text: str, path: Path, *, display: str) -> str | None:
    """The text of the scalar at `path` (None when absent or not a scalar)."""
    node = find(compose(text, display=display), path)
    return str(node.value) if isinstance(node, ScalarNode) else None


# ---- edits ------------------------------------------------------------------------------------

def apply_edits(text: str, edits: Sequence[ScalarEdit], *, display: str) -> str:
    for edit in edits:
        text = set_scalar(text, edit.path, edit.value, display=display)
    return text


def set_scalar(text: str, path: Path, value: Leaf, *, display: str) -> str:
    """Replace the scalar at `path` (its quote style kept), or add the key."""
    return set_value(text, path, value, display=display)


def set_value(text: str, path: Path, value: Value, *, display: str, first: bool = False,
              after: str | None = None, replace: bool = False) -> str:
    """Set `path` to `value`. A scalar replaces a scalar only (with `replace`, also a mapping or
    sequence, the key staying where it is with the comment on its line); a mapping or sequence
    replaces whatever is there (flow stays flow). A missing key is added, with its missing
    parents, at the end of its mapping, before its first key with `first`, or right after the
    key `after` of its mapping (its value and the comment on its last line included) when that
    key is there."""
    doc = _doc(text, display)
    found = _entry(doc.root, path)
    if found is None:
        return _add(doc, path, value, first=first, after=after)
    key, node = found
    if _is_leaf(value) and isinstance(node, ScalarNode):
        return _set_scalar(doc, key, node, value)
    if _is_leaf(value) and not replace:
        raise InputError(f"{display}: {_dotted(path)} is not a plain value; edit it by hand")
    return _replace(doc, key, node, value, in_flow=_is_flow(find(doc.root, path[:-1])))


def set_mapping(text: str, path: Path, values: Mapping[str, Value], *, display: str) -> str:
    """Make the mapping at `path` hold exactly `values`: keys set in place (unchanged values
    untouched), new keys added at its end, other keys deleted."""
    node = find(compose(text, display=display), path)
    if not isinstance(node, MappingNode) or (node.flow_style and not node.value):
        return set_value(text, path, values, display=display)
    existing = {str(k.value): v for k, v in node.value}
    for key, value in values.items():
        if not _same_scalar(existing.get(key), value):
            text = set_value(text, (*path, key), value, display=display)
    for key in existing:
        if key not in values:
            text = delete(text, (*path, key), display=display)
    return text


def delete(text: str, path: Path, *, display: str) -> str:
    """Remove the key at `path` with its value (and the comment on its last line); the last key
    of a mapping leaves `{}`. Absent: `text` unchanged."""
    doc = _doc(text, display)
    parent = find(doc.root, path[:-1])
    if not path or not isinstance(parent, MappingNode):
        return text
    keys = [k for k, _ in parent.value]
    at = next((i for i, k in enumerate(keys) if isinstance(k, ScalarNode) and k.value == path[-1]),
              None)
    if at is None:
        return text
    start, end = _start(keys[at]), _last_char(doc, parent.value[at][1], keys[at]) + 1
    if parent.flow_style:
        return _cut_flow(doc, [(_start(k), _last_char(doc, v, k) + 1) for k, v in parent.value],
                         at)
    if len(keys) == 1:
        owner = _entry(doc.root, path[:-1])
        colon = _colon(doc, owner[0]) if owner and owner[0] else -1
        if colon >= 0 and not text[colon + 1:start].strip(_SPACE):
            return text[:colon + 1] + " {}" + text[end:]
        return text[:start] + "{}" + text[end:]
    if not _starts_line(text, start):
        raise InputError(f"{display}: cannot delete {_dotted(path)} here; edit it by hand")
    return _cut_lines(text, _line_start(text, start), _after_line(text, end - 1))


def set_items(text: str, path: Path, items: Sequence[Value], *, display: str) -> str:
    """Make the sequence at `path` hold exactly `items`, in order. Items equal (as data) to those
    already there stay untouched with their comments; the others are inserted or deleted in
    place (the longest matching runs kept, as difflib finds them). A missing value, or one that
    is not a non-empty sequence, is set to the whole list (`[]` when `items` is empty)."""
    node = find(compose(text, display=display), path)
    if not isinstance(node, SequenceNode) or not node.value or not items:
        return set_value(text, path, tuple(items), display=display)
    have = [json.dumps(_data(n), sort_keys=True) for n in node.value]
    want = [json.dumps(_plain(v), sort_keys=True) for v in items]
    matcher = difflib.SequenceMatcher(None, have, want, autojunk=False)
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        for offset, item in enumerate(items[j1:j2]):  # before the old ones: never an empty list
            text = insert_item(text, path, item, display=display, index=i1 + offset)
        for _ in range(i2 - i1):
            text = delete_item(text, path, i1 + j2 - j1, display=display)
    return text


def delete_item(text: str, path: Path, index: int, *, display: str) -> str:
    """Remove item `index` of the sequence at `path` with its lines (and the comment on its last
    line); the last item leaves `[]`. Absent (no such key or item): `text` unchanged."""
    doc = _doc(text, display)
    found = _entry(doc.root, path)
    if found is None or _is_null(found[1]):
        return text
    key, node = found
    if not isinstance(node, SequenceNode):
        raise InputError(f"{display}: {_dotted(path)} is not a list; edit it by hand")
    items = node.value
    if not 0 <= index < len(items):
        return text
    if len(items) == 1:
        return _replace(doc, key, node, (), in_flow=_is_flow(find(doc.root, path[:-1])))
    if node.flow_style:
        return _cut_flow(doc, [(_start(i), _last_char(doc, i) + 1) for i in items], index)
    dash, end = _dash(doc, items[index]), _last_char(doc, items[index]) + 1
    if not _starts_line(text, dash):
        raise InputError(f"{display}: cannot delete item {index + 1} of {_dotted(path)} here; "
                         "edit it by hand")
    return _cut_lines(text, _line_start(text, dash), _after_line(text, end - 1))


def insert_item(text: str, path: Path, item: Value, *, display: str, index: int | None = None) -> str:
    """Insert `item` into the sequence at `path` before position `index` (None: at the end); a
    missing, null or empty sequence becomes a block sequence holding `item`."""
    doc = _doc(text, display)
    found = _entry(doc.root, path)
    if found is None:
        return _add(doc, path, (item,), first=False)
    key, node = found
    if _is_null(node) or (isinstance(node, SequenceNode) and _is_empty_flow(node)):
        return _replace(doc, key, node, (item,), in_flow=_is_flow(find(doc.root, path[:-1])))
    if not isinstance(node, SequenceNode):
        raise InputError(f"{display}: {_dotted(path)} is not a list; edit it by hand")
    items = node.value
    at = len(items) if index is None or index >= len(items) else max(index, 0)
    if node.flow_style:
        if at < len(items):
            return _splice(text, _start(items[at]), _flow(item) + ", ")
        return _splice(text, _last_char(doc, items[-1]) + 1, ", " + _flow(item))
    lines = _item_lines(doc, item, _column(text, _dash(doc, items[0])), _gap(doc, node))
    if at < len(items):
        return _insert_lines(doc, _line_start(text, _dash(doc, items[at])), lines)
    return _insert_lines(doc, _after_line(text, _last_char(doc, node)), lines)


# ---- text of values ---------------------------------------------------------------------------

def scalar_text(value: str, *, style: str | None = None, flow: bool = False) -> str:
    """`value` as YAML: keeps the quote style given; plain only when it reads back unchanged
    (or when the style is "plain": the caller means the YAML value written, e.g. `false`)."""
    if style == "plain":
        return value
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not is_plain_safe(value) or (flow and any(c in value for c in ",[]{}")):
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
    return isinstance(found, ScalarNode) and found.tag == _STR and found.value == value


def _is_leaf(value: Value) -> TypeGuard[Leaf]:
    return isinstance(value, str | bool | Scalar)


def _scalar(value: str | Scalar) -> Scalar:
    return value if isinstance(value, Scalar) else Scalar(value)


def _write(value: Leaf, *, flow: bool = False) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    scalar = _scalar(value)
    return scalar_text(scalar.value, style=scalar.style, flow=flow)


def _plain(value: Value) -> object:
    """`value` as the data `_data` reads back from its node."""
    if isinstance(value, bool):
        return [_BOOL, _write(value)]
    if isinstance(value, str | Scalar):
        return _scalar(value).value
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return {k: _plain(v) for k, v in value.items()}


def _data(node: Node) -> object:
    """What `node` holds: strings, lists and mappings; another scalar as [tag, text]."""
    if isinstance(node, SequenceNode):
        return [_data(n) for n in node.value]
    if isinstance(node, MappingNode):
        return {str(k.value): _data(v) for k, v in node.value}
    text = str(node.value)
    return text if node.tag == _STR else [node.tag, text.lower() if node.tag == _BOOL else text]


def _flow(value: Value) -> str:
    if isinstance(value, str | bool | Scalar):
        return _write(value, flow=True)
    if isinstance(value, tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return "{" + ", ".join(f"{_write(k, flow=True)}: {_flow(v)}" for k, v in value.items()) + "}"


def _entry_lines(doc: _Doc, key: str, value: Value, col: int) -> list[str]:
    head = " " * col + _write(key)
    if _is_leaf(value):
        return [f"{head}: {_write(value)}"]
    if not value:
        return [f"{head}: {_flow(value)}"]
    return [f"{head}:", *_block_lines(doc, value, col)]


def _block_lines(doc: _Doc, value: Value, key_col: int) -> list[str]:
    """A non-empty mapping or sequence as the block value of a key at column `key_col`."""
    if isinstance(value, tuple):
        return [line for item in value
                for line in _item_lines(doc, item, key_col + doc.dash, doc.gap)]
    if isinstance(value, Mapping):
        return _mapping_lines(doc, value, key_col + doc.step)
    return [" " * (key_col + doc.step) + _write(value)]


def _mapping_lines(doc: _Doc, value: Mapping[str, Value], col: int) -> list[str]:
    return [line for key, v in value.items() for line in _entry_lines(doc, key, v, col)]


def _item_lines(doc: _Doc, item: Value, dash_col: int, gap: int) -> list[str]:
    head = " " * dash_col + "-" + " " * (gap - 1)
    if isinstance(item, Mapping) and item:
        lines = _mapping_lines(doc, item, dash_col + gap)
        return [head + lines[0][dash_col + gap:], *lines[1:]]
    return [head + (_write(item) if _is_leaf(item) else _flow(item))]


# ---- positions --------------------------------------------------------------------------------

def _doc(text: str, display: str) -> _Doc:
    root = compose(text, display=display)
    step, dash, gap = _layout(text, root)
    return _Doc(text, root, display, "\r\n" if "\r\n" in text else "\n", step, dash, gap)


def _layout(text: str, root: MappingNode) -> tuple[int, int, int]:
    """(mapping indentation, sequence dash offset, item gap) as the file writes them (the first
    nested block mapping and block sequence found); 2, the indentation and 2 by default."""
    step = dash = gap = None
    stack: list[Node] = [root]
    for _ in range(_MAX_NODES):
        if not stack or (step is not None and dash is not None and gap is not None):
            break
        node = stack.pop()
        if isinstance(node, SequenceNode):
            gap = gap if gap is not None or node.flow_style else _item_gap(text, node)
            stack.extend(reversed(node.value))
        if not isinstance(node, MappingNode) or node.flow_style:
            continue
        for key, value in node.value:
            below = value.start_mark.line > key.start_mark.line
            if below and step is None and isinstance(value, MappingNode) and not value.flow_style:
                step = value.start_mark.column - key.start_mark.column
            if below and dash is None and isinstance(value, SequenceNode) and not value.flow_style:
                dash = value.start_mark.column - key.start_mark.column
        stack.extend(reversed([v for _, v in node.value]))
    step = step if step and step > 0 else 2
    return step, dash if dash is not None and dash >= 0 else step, gap or 2


def _item_gap(text: str, node: SequenceNode) -> int | None:
    """Column of the first item's content relative to its "-" (None: not on the dash's line)."""
    if not node.value or _is_empty(node.value[0]):
        return None
    start = _start(node.value[0])
    before = text[_line_start(text, start):start].rstrip(" \t")
    return len(text[_line_start(text, start):start]) - len(before) + 1 \
        if before.endswith("-") else None


def _gap(doc: _Doc, node: SequenceNode) -> int:
    return _item_gap(doc.text, node) or doc.gap


def _entry(root: MappingNode, path: Path) -> tuple[Node | None, Node] | None:
    """(key node, value node) at `path`; the key is None for the root."""
    key: Node | None = None
    node: Node = root
    for name in path:
        if not isinstance(node, MappingNode):
            return None
        pair = next(((k, v) for k, v in node.value
                     if isinstance(k, ScalarNode) and k.value == name), None)
        if pair is None:
            return None
        key, node = pair
    return key, node


def _is_null(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL


def _same_scalar(node: Node | None, value: Value) -> bool:
    """`node` is a string (a boolean) scalar equal to `value` (setting it changes nothing)."""
    return isinstance(node, ScalarNode) and _is_leaf(value) and _data(node) == _plain(value)


def _is_flow(node: Node | None) -> bool:
    return isinstance(node, MappingNode | SequenceNode) and bool(node.flow_style)


def _is_empty_flow(node: Node) -> bool:
    return _is_flow(node) and not node.value


def _is_empty(node: Node) -> bool:
    """`key:` with nothing after it (its marks point at whatever follows, not at the key)."""
    return isinstance(node, ScalarNode) and node.style is None and node.value == ""


def _start(node: Node) -> int:
    return int(node.start_mark.index)


def _column(text: str, index: int) -> int:
    return index - _line_start(text, index)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _after_line(text: str, index: int) -> int:
    """Index just after the line break ending the line of `index` (the end of a last line)."""
    at = text.find("\n", index)
    return len(text) if at < 0 else at + 1


def _line_end(text: str, index: int) -> int:
    """Index of the line break (\\n or \\r\\n) ending the line of `index`."""
    at = text.find("\n", index)
    if at < 0:
        return len(text)
    return at - 1 if at > index and text[at - 1] == "\r" else at


def _starts_line(text: str, index: int) -> bool:
    return not text[_line_start(text, index):index].strip(" \t")


def _colon(doc: _Doc, key: Node) -> int:
    at = int(key.end_mark.index)
    while at < len(doc.text) and doc.text[at] in " \t":
        at += 1
    if at >= len(doc.text) or doc.text[at] != ":":
        raise InputError(f"{doc.display}: line {key.start_mark.line + 1}: cannot edit after the "
                         "key here; edit it by hand")
    return at


def _last_char(doc: _Doc, node: Node, key: Node | None = None) -> int:
    """Index of the last character of `node`'s content: trailing blank lines and comments that
    follow it are not part of it (only a keep-chomping block scalar `|+` keeps its blank lines)."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        last_key, last_value = node.value[-1]
        return _last_char(doc, last_value, last_key)
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return _last_char(doc, node.value[-1])
    if _is_empty(node):
        return _colon(doc, key) if key is not None else _start(node)
    end = int(node.end_mark.index)
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        header = doc.text[_start(node):_line_end(doc.text, _start(node))].split("#")[0]
        if "+" in header:
            return end - 1
    at = end - 1
    while at > _start(node) and doc.text[at] in _SPACE:
        at -= 1
    return at


def _dash(doc: _Doc, item: Node) -> int:
    """Index of the `-` of a block sequence item."""
    at = _start(item) - 1
    while at >= 0 and doc.text[at] in _SPACE:  # the item may start on the line after its "-"
        at -= 1
    if at < 0 or doc.text[at] != "-":
        raise InputError(f"{doc.display}: line {item.start_mark.line + 1}: cannot find the item's "
                         "'-'; edit it by hand")
    return at


# ---- splicing ---------------------------------------------------------------------------------

def _splice(text: str, at: int, new: str, end: int | None = None) -> str:
    return text[:at] + new + text[at if end is None else end:]


def _insert_lines(doc: _Doc, at: int, lines: list[str]) -> str:
    """`lines` inserted at `at` (a line start, or the end of a file without a final newline)."""
    nl = doc.newline
    if at >= len(doc.text) and doc.text and not doc.text.endswith("\n"):
        return doc.text + nl + nl.join(lines)
    return _splice(doc.text, at, "".join(line + nl for line in lines))


def _set_scalar(doc: _Doc, key: Node | None, node: ScalarNode, value: Leaf) -> str:
    if _same_scalar(node, value):
        return doc.text
    if _is_empty(node) and key is not None:
        colon = _colon(doc, key)
        return _splice(doc.text, colon + 1, " " + _write(value))
    if not isinstance(value, bool):
        scalar = _scalar(value)
        value = Scalar(scalar.value, scalar.style or
                       (node.style if node.style in ("'", '"') else None))
    return _splice(doc.text, _start(node), _write(value),
                   _trim(doc.text, _start(node), int(node.end_mark.index)))


def _add(doc: _Doc, path: Path, value: Value, *, first: bool, after: str | None = None) -> str:
    depth = 0
    while depth < len(path) - 1 and find(doc.root, path[:depth + 1]) is not None:
        depth += 1
    for name in reversed(path[depth + 1:]):
        value = {name: value}
    found = _entry(doc.root, path[:depth]) if depth else None
    if found is not None and (_is_null(found[1]) or _is_empty_flow(found[1])):
        return _replace(doc, found[0], found[1], {path[depth]: value},
                        in_flow=_is_flow(find(doc.root, path[:depth - 1])))
    parent = find(doc.root, path[:depth])
    if not isinstance(parent, MappingNode) or not parent.value:
        where = _dotted(path[:depth]) if depth else "the file"
        raise InputError(f"{doc.display}: cannot add {_dotted(path)}: {where} is not a mapping; "
                         "edit it by hand")
    anchor = next(((k, v) for k, v in parent.value if isinstance(k, ScalarNode) and
                   k.value == after), None) if depth == len(path) - 1 else None
    before_key, before_value = anchor or parent.value[-1]
    if parent.flow_style:
        entry = f"{_write(path[depth], flow=True)}: {_flow(value)}"
        if first:
            return _splice(doc.text, _start(parent.value[0][0]), entry + ", ")
        return _splice(doc.text, _last_char(doc, before_value, before_key) + 1, ", " + entry)
    first_key = parent.value[0][0]
    lines = _entry_lines(doc, path[depth], value, int(first_key.start_mark.column))
    if not first:
        return _insert_lines(doc, _after_line(doc.text, _last_char(doc, before_value, before_key)),
                             lines)
    if not _starts_line(doc.text, _start(first_key)):
        raise InputError(f"{doc.display}: cannot add {_dotted(path)} before the first key of "
                         f"{_dotted(path[:depth]) or 'the file'}; edit it by hand")
    return _insert_lines(doc, _line_start(doc.text, _start(first_key)), lines)


def _replace(doc: _Doc, key: Node | None, node: Node, value: Value, *, in_flow: bool) -> str:
    """The value `node` of `key` replaced by a mapping or sequence `value`: flow stays flow (and
    inside a flow collection everything is flow), an empty one is written `{}` or `[]`, anything
    else becomes a block under the key. A scalar `value` (replacing a mapping or sequence) goes
    on the key's line, before its comment."""
    if key is None:
        raise InputError(f"{doc.display}: cannot replace the whole file; edit it by hand")
    text, nl = doc.text, doc.newline
    colon = _colon(doc, key)
    flow = _is_flow(node)
    same_kind = (isinstance(value, tuple) and isinstance(node, SequenceNode)) or \
        (isinstance(value, Mapping) and isinstance(node, MappingNode))
    if flow or isinstance(node, ScalarNode):
        start, end = (colon + 1, colon + 1) if _is_empty(node) else \
            (_start(node), _trim(text, _start(node), int(node.end_mark.index)))
        if _is_leaf(value):
            return _splice(text, start, _write(value, flow=in_flow), end)
        if not value or in_flow or (flow and same_kind and node.value):
            return _splice(text, start, (" " if _is_empty(node) else "") + _flow(value), end)
        lines = _block_lines(doc, value, int(key.start_mark.column))
        after = _after_line(text, end)
        return text[:colon + 1] + text[end:_line_end(text, end)] + nl + \
            _join(doc, lines, after) + text[after:]
    end = _after_line(text, _last_char(doc, node))
    if _is_leaf(value) or not value:
        inline = _write(value) if _is_leaf(value) else _flow(value)
        rest = text[colon + 1:_after_line(text, colon)]  # the comment on the key's line
        if end >= len(text) and not text.endswith("\n"):  # the last line: no final newline
            rest = rest.rstrip("\r\n")
        return text[:colon + 1] + " " + inline + rest + text[end:]
    start = _line_start(text, _dash(doc, node.value[0]) if isinstance(node, SequenceNode) else
                        _start(node))
    if same_kind and isinstance(value, Mapping):
        lines = _mapping_lines(doc, value, _column(text, _start(node)))
    elif isinstance(value, tuple) and isinstance(node, SequenceNode):
        col = _column(text, _dash(doc, node.value[0]))
        lines = [line for item in value for line in _item_lines(doc, item, col, _gap(doc, node))]
    else:
        lines = _block_lines(doc, value, int(key.start_mark.column))
    return text[:start] + _join(doc, lines, end) + text[end:]


def _join(doc: _Doc, lines: list[str], end: int) -> str:
    """`lines` as text replacing up to `end`: each ends with a line break, except at the end of a
    file that has no final newline."""
    if end >= len(doc.text) and not doc.text.endswith("\n"):
        return doc.newline.join(lines)
    return "".join(line + doc.newline for line in lines)


def _trim(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing whitespace and line breaks (not before `start + 1`)."""
    while end > start + 1 and text[end - 1] in _SPACE:
        end -= 1
    return end


def _cut_flow(doc: _Doc, spans: list[tuple[int, int]], at: int) -> str:
    """Entry `at` of a flow collection cut out, with the separator before or after it; `spans`:
    (start, end) of every entry."""
    start, end = spans[at]
    if len(spans) == 1:
        return _splice(doc.text, start, "", end)
    if at + 1 < len(spans):
        return _splice(doc.text, start, "", spans[at + 1][0])
    return _splice(doc.text, spans[at - 1][1], "", end)


def _cut_lines(text: str, cut: int, after: int) -> str:
    """The lines from `cut` to `after` removed (the last line: a missing final newline stays so)."""
    if after >= len(text) and not text.endswith("\n"):
        cut = len(text[:cut].removesuffix("\n").removesuffix("\r"))
    return text[:cut] + text[after:]


def _dotted(path: Path) -> str:
    return ".".join(path)
