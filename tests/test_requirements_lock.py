"""requirements/apply.txt, the hash-locked install of the CI jobs that reach AWS: in sync with
pyproject.toml (every runtime dependency at the same version, every dependency of theirs and the
build backend present), every package pinned with its sha256. Regenerate with `bin/lock`."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "apply.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s\\;]+)(?:\s*;[^\\]*)?\s*\\$")
HASH = re.compile(r"^ {4}--hash=sha256:[0-9a-f]{64}(?: \\)?$")


def parse_lock(text: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes); fails on any line that is not a comment, a pin
    continued by hashes, or a hash."""
    pins: dict[str, tuple[str, int]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            current = None
            continue
        if (match := PIN.match(line)) is not None:
            current = canonicalize_name(match["name"])
            assert current not in pins, f"apply.txt:{number}: {current} pinned twice"
            pins[current] = (match["version"], 0)
            continue
        assert HASH.match(line) and current is not None, (
            f"apply.txt:{number}: {line!r} is neither `name==version \\` nor a sha256 hash of it")
        version, hashes = pins[current]
        pins[current] = (version, hashes + 1)
    return pins


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def runtime_dependencies() -> dict[str, str]:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    out = {}
    for text in project["dependencies"]:
        req = Requirement(text)
        [spec] = list(req.specifier)
        assert spec.operator == "==", f"pyproject.toml: {text} is not pinned with =="
        out[canonicalize_name(req.name)] = spec.version
    return out


LOCKED = parse_lock(LOCK.read_text(encoding="utf-8"))


def test_lock_is_regenerated_by_bin_lock() -> None:
    text = LOCK.read_text(encoding="utf-8")
    assert "#    bin/lock\n" in text, "regenerate requirements/apply.txt with bin/lock"
    assert "--index-url" not in text and "--find-links" not in text and "-e " not in text


@pytest.mark.parametrize("name", sorted(runtime_dependencies()))
def test_every_runtime_dependency_is_locked_at_its_version(name: str) -> None:
    want = runtime_dependencies()[name]
    assert name in LOCKED, f"requirements/apply.txt lacks {name}=={want}: run bin/lock"
    assert LOCKED[name][0] == want, (
        f"requirements/apply.txt pins {name}=={LOCKED[name][0]}, pyproject.toml says {want}: "
        "run bin/lock")


def test_every_locked_package_has_a_hash() -> None:
    assert len(LOCKED) >= len(runtime_dependencies())
    assert {n: h for n, (_, h) in LOCKED.items() if h == 0} == {}


def test_the_build_backend_is_locked() -> None:
    """`pip install --no-deps --no-build-isolation .` builds with what the lock installed."""
    build = pyproject()["build-system"]
    assert isinstance(build, dict)
    for text in build["requires"]:
        assert canonicalize_name(Requirement(text).name) in LOCKED, text


def _closure(names: list[str]) -> set[str]:
    """Runtime dependencies and everything they require (markers evaluated here, no extras), read
    from the distributions installed in the test environment."""
    seen: set[str] = set()
    todo = list(names)
    for _ in range(1000):
        if not todo:
            return seen
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    pytest.fail("dependency graph too deep")


def test_every_transitive_dependency_is_locked() -> None:
    missing = _closure(sorted(runtime_dependencies())) - set(LOCKED)
    assert missing == set(), f"requirements/apply.txt lacks {sorted(missing)}: run bin/lock"


def test_parser_refuses_unhashed_and_unpinned_lines() -> None:
    good = "boto3==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via x\n"
    assert parse_lock(good) == {"boto3": ("1.0", 1)}
    assert parse_lock("rich==15.0.0 \\\n    --hash=sha256:" + "b" * 64 + " \\\n    --hash=sha256:"
                      + "c" * 64 + "\n") == {"rich": ("15.0.0", 2)}
    for bad in ("boto3==1.0\n", "boto3>=1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n",
                "    --hash=sha256:" + "a" * 64 + "\n", "boto3==1.0 \\\n    --hash=md5:abc\n",
                "-e .\n"):
        with pytest.raises(AssertionError):
            parse_lock(bad)
