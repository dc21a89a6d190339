"""Git through the `git` command: the only module that runs it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
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


CONTENT = ("environments", "clients", "canonical")  # the folders the desired state is read from
DIRTY = "-dirty"  # the mark of a commit whose working tree had uncommitted changes


def head_commit(root: Path) -> str:
    """The commit checked out, with `-dirty` when the working tree has uncommitted changes
    (`dirty_paths`); `unknown` outside git."""
    out = git(root, "rev-parse", "HEAD", check=False).decode().strip()
    if not out:
        return "unknown"
    return f"{out}{DIRTY}" if dirty_paths(root) else out


def dirty_paths(root: Path) -> list[str]:
    """What makes the working tree dirty: tracked files changed anywhere (staged or not), and
    untracked files under the content folders, ignored ones included (the loader reads every
    file there, docs/architecture.md §7)."""
    tracked = git(root, "status", "--porcelain", "--untracked-files=no", check=False).decode()
    untracked = git(root, "ls-files", "--others", "--", *CONTENT, check=False).decode()
    paths = [line[3:] for line in tracked.splitlines() if line.strip()]
    return sorted({*paths, *(line for line in untracked.splitlines() if line)})


def head_reader(root: Path) -> tuple[Callable[[str], bytes | None],
                                     Callable[[], list[str]]] | None:
    """`tree_reader` of HEAD, against which released versions must hold no uncommitted edit
    (None when there is no commit yet)."""
    commit = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    return tree_reader(root, commit.decode().strip()) if commit.strip() else None


def tree_reader(root: Path, commit: str) -> tuple[Callable[[str], bytes | None],
                                                   Callable[[], list[str]]]:
    """How validate reads a commit's tree: a file's bytes (None if absent) and the files under
    clients/, canonical/ and templates/."""
    def read(rel: str) -> bytes | None:
        return show(root, commit, rel)

    def files() -> list[str]:
        return files_at(root, commit, "clients", "canonical", "templates")

    return read, files


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


def tracked_changes(root: Path) -> list[str]:
    """Paths of tracked files changed in the index or the working tree (untracked ignored)."""
    out = git(root, "status", "--porcelain", "--untracked-files=no").decode()
    return [line[3:] for line in out.splitlines() if line.strip()]


def current_branch(root: Path) -> str | None:
    out = git(root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False).decode().strip()
    return out or None


def branch_exists(root: Path, name: str) -> bool:
    return bool(git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}",
                    check=False).strip())


def checkout(root: Path, branch: str, *, create: bool = False) -> None:
    git(root, "checkout", "-q", *(("-b",) if create else ()), branch, "--")


def delete_branch(root: Path, branch: str) -> None:
    git(root, "branch", "-q", "-D", branch)


def commit_paths(root: Path, paths: list[str], message: str) -> str:
    """Stage `paths` (additions, changes, deletions) and commit them; returns the new commit."""
    git(root, "add", "-A", "--", *paths)
    identity: tuple[str, ...] = ()
    if not git(root, "config", "user.email", check=False).strip():
        identity = ("-c", "user.name=vectora-gitops", "-c", "user.email=vectora-gitops@invalid")
    git(root, *identity, "commit", "-q", "-F", "-", "--", *paths, input_bytes=message.encode())
    return git(root, "rev-parse", "HEAD").decode().strip()


def commit_message(root: Path, ref: str = "HEAD") -> str:
    return git(root, "log", "-1", "--format=%B", ref, "--", check=False).decode()


def is_tracked(root: Path, path: str) -> bool:
    return bool(git(root, "ls-files", "--", path).strip())


def move(root: Path, old: str, new: str) -> None:
    git(root, "mv", "--", old, new)


def changed_files(root: Path, base: str, *paths: str) -> list[str]:
    """Files that differ between commit `base` and the working tree."""
    out = git(root, "diff", "--name-only", base, "--", *paths).decode()
    return [line for line in out.splitlines() if line]


def is_shallow(root: Path) -> bool:
    return git(root, "rev-parse", "--is-shallow-repository", check=False).strip() == b"true"


def deleted_in_history(root: Path, commit: str, paths: list[str]) -> dict[str, tuple[str, str]]:
    """Of `paths` (files, or folders meaning any file under them), those that a commit reachable
    from `commit` deleted: path -> (that commit, its date), the latest such deletion. GitError
    when the history is not all there (a shallow clone): the answer would be incomplete."""
    if not paths:
        return {}
    if is_shallow(root):
        raise GitError("the clone is shallow: git history cannot show which released versions "
                       "were deleted; fetch the full history (actions/checkout fetch-depth: 0)")
    out = git(root, "log", "--no-renames", "--diff-filter=D", "--name-only",
              "--format=%x00%H %cs", commit, "--", *paths).decode(errors="replace")
    found: dict[str, tuple[str, str]] = {}
    current = ("", "")
    for line in out.splitlines():
        if line.startswith("\0"):
            sha, _, date = line[1:].partition(" ")
            current = (sha, date)
            continue
        for path in paths:
            if (line == path or line.startswith(f"{path.rstrip('/')}/")) and path not in found:
                found[path] = current
    return found
