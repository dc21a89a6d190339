"""Safe YAML loading for desired-state files.

First stage of the pipeline: bytes on disk -> plain Python values plus the line of every key.
Refuses what PyYAML accepts silently: duplicate keys, YAML 1.1 booleans such as `no`, numbers
that lose digits (`1.10`), alias bombs, non-UTF-8 or binary files, oversized files, symlinks
that leave the repository, and secrets pasted into a file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from vectora_gitops.errors import InputError, Problem
from vectora_gitops.safetext import printable

MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

Key = tuple[str | int, ...]

_TRUE_FALSE = {"true", "false", "True", "False", "TRUE", "FALSE"}
_PLAIN_DECIMAL = re.compile(r"^[-+]?\d+\.\d+$")
_ACCESS_KEY = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_SECRET_KEY = re.compile(r"aws_secret_access_key\s*[:=]", re.I)
_SECRETS = (
    (re.compile(r"gh[pousr]_[A-Za-z0-9]{36,}"), "a GitHub token"),
    (re.compile(r"github_pat_[A-Za-z0-9_]{40,}"), "a GitHub token"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"xox[abpr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
)

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class YamlDoc:
    """A loaded YAML file: its data and the line (1-based) of every key and item."""

    path: str
    data: Any
    lines: Mapping[Key, int] = field(default_factory=dict)
    # numbers whose text loses digits when read (`1.10` -> 1.1): key -> text as written
    lossy: Mapping[Key, str] = field(default_factory=dict)

    def line_of(self, key: Key) -> int:
        """Line of `key`, or of its nearest ancestor that has one."""
        for end in range(len(key), -1, -1):
            line = self.lines.get(key[:end])
            if line:
                return line
        return 1


def read_text(path: Path, *, root: Path, display: str, max_bytes: int = MAX_BYTES) -> str:
    """Read a repository text file with the checks every input file gets."""
    return decode(read_bytes(path, root=root, display=display, max_bytes=max_bytes), display)


def decode(raw: bytes, display: str) -> str:
    """UTF-8 text of a file's bytes: no NUL bytes, valid UTF-8, no secrets."""
    if b"\x00" in raw:
        raise _error(display, 1, "binary content (NUL bytes): this must be a UTF-8 text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _error(display, line, "not valid UTF-8: save the file as UTF-8") from None
    check_secrets(text, display)
    return text


def read_bytes(path: Path, *, root: Path, display: str, max_bytes: int = MAX_BYTES,
               listed: bool = False) -> bytes:
    """Read bytes of a file inside `root`; refuse symlinks leaving it and oversized files.
    `listed`: found by walking a folder already checked, so only the file itself can be a link."""
    resolved = path if listed and not path.is_symlink() else path.resolve()
    if resolved is not path:
        try:
            resolved.relative_to(_resolved(root))
        except ValueError:
            raise _error(display, None, "is a symlink that points outside the repository; "
                         "replace it with a regular file") from None
    try:
        size = resolved.stat().st_size
        if size > max_bytes:
            raise _error(display, None, f"is {size} bytes, more than the {max_bytes} allowed; "
                         "split the file or move the data out of git")
        return resolved.read_bytes()
    except OSError as exc:
        raise _error(display, None, f"cannot be read: {exc.strerror}") from None


@lru_cache(maxsize=64)
def _resolved(root: Path) -> Path:
    return root.resolve()


def load_yaml(path: Path, *, root: Path, display: str) -> YamlDoc:
    """Load one YAML file of the repository (single document)."""
    return parse_yaml(read_text(path, root=root, display=display), display=display, checked=True)


def parse_yaml(text: str, *, display: str, checked: bool = False) -> YamlDoc:
    """`checked`: the text came through `decode` (secrets already looked for)."""
    if not checked:
        check_secrets(text, display)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise syntax_error(display, text, exc) from None
    except yaml.YAMLError as exc:
        raise _error(display, 1, f"YAML error: {exc}") from None
    if len(nodes) > 1:
        raise _error(display, nodes[1].start_mark.line + 1,
                     "holds more than one YAML document; keep one document per file")
    builder = _Builder(display)
    data = builder.build(nodes[0], (), 0) if nodes else None
    return YamlDoc(path=display, data=data, lines=builder.lines, lossy=builder.lossy)


class _Builder:
    def __init__(self, display: str) -> None:
        self.display = display
        self.lines: dict[Key, int] = {}
        self.lossy: dict[Key, str] = {}
        self.count = 0

    def build(self, node: yaml.Node, key: Key, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            raise _error(self.display, node.start_mark.line + 1,
                         "too many nodes or too deep (alias expansion?); simplify the file")
        self.lines.setdefault(key, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*key, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, key)

    def _mapping(self, node: yaml.MappingNode, key: Key, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for knode, vnode in node.value:
            line = knode.start_mark.line + 1
            if knode.tag == "tag:yaml.org,2002:merge":
                raise _error(self.display, line, "merge keys (<<) are not supported; write the keys out")
            if not isinstance(knode, yaml.ScalarNode):
                raise _error(self.display, line, "mapping keys must be plain strings")
            name = str(knode.value)
            if name in out:
                first = self.lines.get((*key, name), line)
                raise _error(self.display, line, f"duplicate key '{name}' on lines {first} and "
                             f"{line}: the engine's YAML reader keeps the last one (line {line}) "
                             f"and ignores line {first}; keep one", rule="duplicate-key")
            self.lines[(*key, name)] = line
            out[name] = self.build(vnode, (*key, name), depth + 1)
        return out

    def _scalar(self, node: yaml.Node, key: Key) -> Any:
        text = str(node.value)
        line = node.start_mark.line + 1
        tag = node.tag
        if tag == "tag:yaml.org,2002:null":
            return None
        if tag == "tag:yaml.org,2002:bool":
            if text not in _TRUE_FALSE:
                raise _error(self.display, line, f"'{text}' is read as a boolean by YAML 1.1 readers "
                             "(the Lambdas); write true/false, or quote it if you mean the text")
            return text.lower() == "true"
        if tag == "tag:yaml.org,2002:int":
            if not re.fullmatch(r"[-+]?(0|[1-9][0-9_]*)", text):
                raise _error(self.display, line, f"'{text}' is read as a number in another base; "
                             "quote it if you mean the text")
            return int(text.replace("_", ""))
        if tag == "tag:yaml.org,2002:float":
            return self._float(text, line, key)
        if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:str"):
            return text
        raise _error(self.display, line, f"unsupported YAML tag {tag}; use plain values")

    def _float(self, text: str, line: int, key: Key) -> float:
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            raise _error(self.display, line, f"'{text}' is not a number; quote it") from None
        if math.isnan(value) or math.isinf(value):
            raise _error(self.display, line, f"'{text}' is not a finite number; quote it")
        if _PLAIN_DECIMAL.match(text) and repr(value) != text.lstrip("+"):
            self.lossy[key] = text
        return value


# Errors found only after reading past the real mistake: the mark where the scanner started
# (the key without its colon, the quote never closed) is where the user must look.
_LOOK_AT_CONTEXT = ("while scanning a simple key", "while scanning a quoted scalar")
_HINTS = (("could not find expected ':'", "a key is written `key: value`"),
          ("that cannot start any token", "indent with spaces, not tabs, and quote values "
           "that start with @ or `"),
          ("while scanning a quoted scalar", "the quote opened here is never closed"))
EXCERPT_CHARS = 160


def syntax_error(display: str, text: str, exc: Any) -> InputError:
    """A YAML syntax error (PyYAML's or ruamel's marks, 0-based) as `path:line:col: message`,
    the source line and a caret under the column."""
    problem, context = str(exc.problem or exc), str(getattr(exc, "context", "") or "")
    lines = text.splitlines() or [""]
    mark = exc.problem_mark
    at_end = mark is not None and mark.line >= len(lines)  # found at the end of the file
    if exc.context_mark is not None and (mark is None or at_end or context in _LOOK_AT_CONTEXT):
        mark = exc.context_mark
    opened = _quote_opened_before(text, mark) if mark is not None else None
    if opened is not None and mark is not None:  # a quote left open reads on to the next quote
        closed_on = mark.line + 1
        mark = opened
        problem = (f"a quoted value opened here is never closed (it reads on to the quote on "
                   f"line {closed_on})")
    message = f"YAML syntax error: {problem}"
    started = exc.context_mark if opened is None else None
    if context and started is not None and mark is not None and started.line != mark.line:
        message += f" ({context} started at line {started.line + 1})"
    message += "".join(f"; {hint}" for said, hint in _HINTS if said in (problem, context)
                       or (said.startswith("that") and problem.endswith(said)))
    if mark is None:
        return _error(display, 1, message)
    line = min(mark.line, len(lines) - 1)
    source = lines[line]
    column = min(mark.column, len(source)) if line == mark.line else len(source)
    problem_at = Problem(display, message, line + 1, column=column + 1,
                         excerpt=_excerpt(source, column))
    return InputError(str(problem_at), (problem_at,))


@dataclass(frozen=True)
class _Mark:
    line: int
    column: int


def _quote_opened_before(text: str, mark: Any) -> _Mark | None:
    """When a quoted value ends right before `mark` and opened on an earlier line: where it
    opened (a quote the user forgot to close, closed by the next quote of the file)."""
    end = min(int(getattr(mark, "index", -1)), len(text)) - 1
    while end >= 0 and text[end] == " ":
        end -= 1
    if end < 0 or text[end] not in "\"'":
        return None
    quote, at = text[end], end - 1
    while at >= 0:
        if text[at] == quote:
            if quote == "'" and at > 0 and text[at - 1] == "'":  # '' inside single quotes
                at -= 2
                continue
            if quote == "'" or _backslashes_before(text, at) % 2 == 0:
                break
        at -= 1
    line = text.count("\n", 0, max(at, 0))
    if at < 0 or line >= mark.line:
        return None
    return _Mark(line, at - (text.rfind("\n", 0, at) + 1))


def _backslashes_before(text: str, at: int) -> int:
    count = 0
    while at - count - 1 >= 0 and text[at - count - 1] == "\\":
        count += 1
    return count


def _excerpt(source: str, column: int) -> tuple[str, ...]:
    """The source line (one printable line, around the column when long) and a caret under it."""
    start = max(0, column - EXCERPT_CHARS // 2) if len(source) > EXCERPT_CHARS else 0
    shown = source[start: start + EXCERPT_CHARS]
    lead = "…" if start else ""
    width = len(lead) + len(printable(shown[: column - start]))
    return (f"  {lead}{printable(shown)}", f"  {' ' * width}^")


def check_secrets(text: str, display: str) -> None:
    """Refuse text holding something that looks like a credential (line of the first hit)."""
    for key in _ACCESS_KEY.finditer(text):
        before = text[key.start() - 1: key.start()]
        if not (before.isascii() and before.isalnum() and not before.islower()):
            _secret(text, display, key.start(), "an AWS access key id")
    found = _SECRET_KEY.search(text) if "aws_secret_access_key" in text.lower() else None
    if found:
        _secret(text, display, found.start(), "an AWS secret access key")
    for pattern, what in _SECRETS:
        found = pattern.search(text)
        if found:
            _secret(text, display, found.start(), what)


def _secret(text: str, display: str, at: int, what: str) -> None:
    line = text.count("\n", 0, at) + 1
    raise _error(display, line, f"looks like {what}; never commit secrets: remove it, rotate it, "
                 "and read it from the environment or a secret store")


def _error(display: str, line: int | None, message: str, *, rule: str = "") -> InputError:
    problem = Problem(display, message, line, rule=rule)
    return InputError(str(problem), (problem,))
