"""Git through the `git` command: the only module that runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from vectora_gitops.errors import GitError

TIMEOUT_S = 60


def git(root: Path, *args: str, check: bool = True, input_bytes: bytes | None = None) -> bytes:
    """Run `git args` in `root` and return stdout; GitError names the command on failure."""
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              input=input_bytes, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {' '.join(args)}: {exc}") from None
    if check and proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {' '.join(args)}: {err[-1] if err else 'failed'}")
    return proc.stdout


def toplevel(start: Path) -> Path | None:
    out = git(start, "rev-parse", "--show-toplevel", check=False).decode().strip()
    return Path(out) if out else None


def head_commit(root: Path) -> str:
    """The commit checked out, with `-dirty` when the working tree has changes; `unknown` outside git."""
    out = git(root, "rev-parse", "HEAD", check=False).decode().strip()
    if not out:
        return "unknown"
    dirty = git(root, "status", "--porcelain", "--", "environments", "clients", "canonical",
                check=False).strip()
    return f"{out}-dirty" if dirty else out


def resolve(root: Path, ref: str) -> str:
    if ref.startswith("-"):
        raise GitError(f"'{ref}' is not a git reference")
    return git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()


def files_at(root: Path, commit: str, *paths: str) -> list[str]:
    out = git(root, "ls-tree", "-r", "--name-only", commit, "--", *paths)
    return [line for line in out.decode().splitlines() if line]


def show(root: Path, commit: str, path: str) -> bytes | None:
    proc = subprocess.run(["git", "-C", str(root), "cat-file", "blob", f"{commit}:{path}"],
                          capture_output=True, timeout=TIMEOUT_S, check=False)
    return proc.stdout if proc.returncode == 0 else None


def is_clean(root: Path) -> bool:
    return not git(root, "status", "--porcelain").strip()
