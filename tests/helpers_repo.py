"""Shared test helpers: real git repositories in temporary folders, small file edits."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTENT = ("environments", "clients", "canonical", "templates")
GIT = ("git", "-c", "user.email=t@example.invalid", "-c", "user.name=t",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main")


def git(root: Path, *args: str) -> str:
    """Run real git in `root`; fails the test with git's message on error."""
    proc = subprocess.run([*GIT, "-C", str(root), *args], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def make_repo(dest: Path) -> Path:
    """A git repository at `dest` holding a copy of this repository's content, one commit."""
    dest.mkdir(parents=True, exist_ok=True)
    for folder in CONTENT:
        shutil.copytree(REPO_ROOT / folder, dest / folder, symlinks=True)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "initial content")
    return dest


def edit(root: Path, rel: str, old: str, new: str) -> int:
    """Replace the first `old` in `root/rel` by `new`; return the line where `old` started."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    at = text.find(old)
    assert at >= 0, f"{rel}: {old!r} not found (the fixture content changed?)"
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def append(root: Path, rel: str, extra: str) -> int:
    """Append `extra` to `root/rel`; return the line of its first line."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + extra, encoding="utf-8")
    return text.count("\n") + 1


def line_of(root: Path, rel: str, needle: str) -> int:
    """Line (1-based) of the first occurrence of `needle` in `root/rel`."""
    text = (root / rel).read_text(encoding="utf-8")
    at = text.find(needle)
    assert at >= 0, f"{rel}: {needle!r} not found"
    return text.count("\n", 0, at) + 1
