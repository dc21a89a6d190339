"""desired/yamlfile.py: the safe loader refuses what PyYAML accepts silently (tables, no mocks)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from vectora_gitops.desired.yamlfile import MAX_BYTES, Key, YamlDoc, load_yaml, parse_yaml
from vectora_gitops.errors import InputError

# Built at run time so that no secret-looking literal sits in the repository.
AWS_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLE"
GITHUB_TOKEN = "ghp" + "_" + "aB3" * 12
PRIVATE_KEY = "-----BEGIN " + "OPENSSH PRIVATE KEY-----"


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


REFUSED: list[tuple[str, str, int, str]] = [
    # id, text, line of the error, piece of the message
    ("duplicate-top-key", "a: 1\nb: 2\na: 3\n", 3,
     "duplicate key 'a' on lines 1 and 3: the engine's YAML reader keeps the last one (line 3) "
     "and ignores line 1; keep one"),
    ("duplicate-nested-key", "top:\n  x: 1\n  y: 2\n  x: 3\n", 4,
     "duplicate key 'x' on lines 2 and 4: the engine's YAML reader keeps the last one (line 4)"),
    ("duplicate-in-list-item", "items:\n  - id: a\n    id: b\n", 3,
     "duplicate key 'id' on lines 2 and 3"),
    ("no-as-value", "prune: no\n", 1, "'no' is read as a boolean by YAML 1.1 readers"),
    ("on-as-value", "x: 1\nself_heal: on\n", 2, "'on' is read as a boolean"),
    ("yes-as-value", "list:\n  - yes\n", 2, "'yes' is read as a boolean"),
    ("off-as-value", "flag: Off\n", 1, "'Off' is read as a boolean"),
    ("octal-int", "mode: 0755\n", 1, "'0755' is read as a number in another base"),
    ("hex-int", "mode: 0x1f\n", 1, "'0x1f' is read as a number in another base"),
    ("sexagesimal-int", "t: 1:30\n", 1, "'1:30' is read as a number in another base"),
    ("multi-document", "a: 1\n---\nb: 2\n", 3, "holds more than one YAML document"),
    ("syntax-error", "a: [1, 2\nb: 3\n", 2, "YAML syntax error: did not find expected ',' or ']' "
     "(while parsing a flow sequence started at line 1)"),
    ("bad-indentation", "a:\n  b: 1\n c: 2\n", 3, "YAML syntax error: did not find expected key"),
    ("merge-key", "base: &b {x: 1}\nother:\n  <<: *b\n", 3, "merge keys (<<) are not supported"),
    ("non-string-key", "? [a, b]\n: 1\n", 1, "mapping keys must be plain strings"),
    ("nan", "x: .nan\n", 1, "'.nan' is not a number; quote it"),
    ("infinity", "x: -.inf\n", 1, "'-.inf' is not a number; quote it"),
    ("python-tag", "x: !!python/object:os.system ls\n", 1, "unsupported YAML tag"),
    ("binary-tag", "x: !!binary aGVsbG8=\n", 1, "unsupported YAML tag"),
    ("aws-access-key", f"a: 1\nkey: {AWS_KEY}\n", 2, "looks like an AWS access key id"),
    ("aws-secret-key", "a: 1\naws_secret_access_key: abc\n", 2, "an AWS secret access key"),
    ("github-token", f"token: {GITHUB_TOKEN}\n", 1, "looks like a GitHub token"),
    ("private-key", f"a: 1\nb: 2\nkey: |\n  {PRIVATE_KEY}\n  abc\n", 4, "looks like a private key"),
    ("secret-in-comment", f"a: 1  # {AWS_KEY}\n", 1, "looks like an AWS access key id"),
    ("alias-bomb", billion_laughs(), 1, "too many nodes or too deep (alias expansion?)"),
]


@pytest.mark.parametrize(("text", "line", "message"), [c[1:] for c in REFUSED],
                         ids=[c[0] for c in REFUSED])
def test_refused(text: str, line: int, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_yaml(text, display="f.yaml")
    (problem,) = info.value.problems
    assert problem.where == "f.yaml"
    assert problem.line == line
    assert message in problem.message
    column = f":{problem.column}" if problem.column else ""
    assert str(info.value).startswith(f"f.yaml:{line}{column}: ")


def test_large_alias_bomb_is_refused() -> None:
    # 9**12 nodes once expanded: refused before expanding (expanding would not finish)
    with pytest.raises(InputError, match="alias expansion"):
        parse_yaml(billion_laughs(12), display="bomb.yaml")


def test_deep_nesting_is_refused() -> None:
    text = "a: " + "[" * 70 + "]" * 70 + "\n"
    with pytest.raises(InputError, match="too deep"):
        parse_yaml(text, display="deep.yaml")


ACCEPTED: list[tuple[str, str, Any]] = [
    ("true-false", "a: true\nb: false\nc: True\n", {"a": True, "b": False, "c": True}),
    ("quoted-no", "a: 'no'\nb: \"on\"\n", {"a": "no", "b": "on"}),
    ("ints", "a: 0\nb: 1_000\nc: -7\n", {"a": 0, "b": 1000, "c": -7}),
    ("quoted-octal", "mode: '0755'\n", {"mode": "0755"}),
    ("null", "a: ~\nb: null\nc:\n", {"a": None, "b": None, "c": None}),
    ("date-stays-text", "d: 2026-01-31\n", {"d": "2026-01-31"}),
    ("semver-stays-text", "v: 7.1.0\n", {"v": "7.1.0"}),
    ("floats", "a: 0.25\nb: 1.5e+3\n", {"a": 0.25, "b": 1500.0}),
    ("yaml-1.1-exponent-is-text", "b: 1.5e3\n", {"b": "1.5e3"}),  # as the Lambdas read it
    ("empty", "", None),
    ("comment-only", "# nothing\n", None),
    ("single-explicit-document", "---\na: 1\n...\n", {"a": 1}),
    ("anchors-small", "base: &b [1, 2]\ncopy: *b\n", {"base": [1, 2], "copy": [1, 2]}),
    ("unicode", "name: Qualité — 週刊\n", {"name": "Qualité — 週刊"}),
    ("placeholder-text", "t: '{{ref:lai_keywords}}'\n", {"t": "{{ref:lai_keywords}}"}),
]


@pytest.mark.parametrize(("text", "data"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted(text: str, data: Any) -> None:
    assert parse_yaml(text, display="f.yaml").data == data


LOSSY: list[tuple[str, str, dict[Key, str]]] = [
    ("trailing-zero", "canonical: 1.10\n", {("canonical",): "1.10"}),
    ("nested", "a:\n  b: 2.50\n", {("a", "b"): "2.50"}),
    ("in-list", "v:\n  - 1.50\n  - 1.5\n  - 3.100\n", {("v", 0): "1.50", ("v", 2): "3.100"}),
    ("one-point-zero-is-exact", "a: 1.0\n", {}),
    ("exact-is-not-lossy", "a: 1.5\nb: 0.25\nc: -0.5\n", {}),
    ("plus-sign-exact", "a: +1.5\n", {}),
    ("quoted-is-text", "a: '1.10'\n", {}),
]


@pytest.mark.parametrize(("text", "lossy"), [c[1:] for c in LOSSY], ids=[c[0] for c in LOSSY])
def test_lossy_numbers_are_recorded(text: str, lossy: dict[Key, str]) -> None:
    assert dict(parse_yaml(text, display="f.yaml").lossy) == lossy


NESTED = """\
# comment line 1
top:
  child:
    leaf: 1
  items:
    - first
    - name: second
      value: 2

    - [a, b]
other: x
"""

LINES: list[tuple[Key, int]] = [
    (("top",), 2),
    (("top", "child"), 3),
    (("top", "child", "leaf"), 4),
    (("top", "items"), 5),
    (("top", "items", 0), 6),
    (("top", "items", 1), 7),
    (("top", "items", 1, "name"), 7),
    (("top", "items", 1, "value"), 8),
    (("top", "items", 2), 10),
    (("top", "items", 2, 1), 10),
    (("other",), 11),
    (("top", "items", 1, "missing"), 7),  # nearest ancestor
    (("absent", "deeper"), 2),  # the document itself starts on line 2
]


@pytest.mark.parametrize(("key", "line"), LINES, ids=[".".join(map(str, k)) for k, _ in LINES])
def test_line_numbers(key: Key, line: int) -> None:
    doc = parse_yaml(NESTED, display="n.yaml")
    assert doc.line_of(key) == line


def test_nested_document_loads() -> None:
    doc = parse_yaml(NESTED, display="n.yaml")
    assert doc == YamlDoc(path="n.yaml", data={
        "top": {"child": {"leaf": 1},
                "items": ["first", {"name": "second", "value": 2}, ["a", "b"]]},
        "other": "x",
    }, lines=doc.lines, lossy={})


FILES: list[tuple[str, bytes, int | None, str]] = [
    ("nul-bytes", b"a: 1\nb: x\x00y\n", 1, "binary content (NUL bytes)"),
    ("latin-1", "a: 1\nb: 2\nname: Qualit\xe9\n".encode("latin-1"), 3, "not valid UTF-8"),
    ("utf-16", "a: 1\n".encode("utf-16"), 1, "binary content"),
    ("oversized", b"# " + b"x" * MAX_BYTES + b"\n", None, f"more than the {MAX_BYTES} allowed"),
    ("secret", f"a: 1\nb: {AWS_KEY}\n".encode(), 2, "looks like an AWS access key id"),
]


@pytest.mark.parametrize(("content", "line", "message"), [c[1:] for c in FILES],
                         ids=[c[0] for c in FILES])
def test_file_refused(tmp_path: Path, content: bytes, line: int | None, message: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_yaml(path, root=tmp_path, display="f.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.where) == (line, "f.yaml")
    assert message in problem.message


def test_file_at_the_size_limit_loads(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    body = b"a: 1\n"
    path.write_bytes(body + b"#" * (MAX_BYTES - len(body) - 1) + b"\n")
    assert load_yaml(path, root=tmp_path, display="f.yaml").data == {"a": 1}


def test_symlink_outside_root_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "repo", tmp_path / "outside.yaml"
    root.mkdir()
    outside.write_text("a: 1\n")
    os.symlink(outside, root / "link.yaml")
    with pytest.raises(InputError, match="symlink that points outside the repository"):
        load_yaml(root / "link.yaml", root=root, display="link.yaml")


def test_symlink_to_etc_passwd_is_refused(tmp_path: Path) -> None:
    os.symlink("/etc/passwd", tmp_path / "passwd.yaml")
    with pytest.raises(InputError, match="outside the repository"):
        load_yaml(tmp_path / "passwd.yaml", root=tmp_path, display="passwd.yaml")


def test_symlink_inside_root_loads(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    os.symlink("real.yaml", tmp_path / "link.yaml")
    assert load_yaml(tmp_path / "link.yaml", root=tmp_path, display="link.yaml").data == {"a": 1}


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        load_yaml(tmp_path / "absent.yaml", root=tmp_path, display="absent.yaml")
