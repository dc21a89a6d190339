"""What commands share: the repository they work on, their output paths checked before they
change anything, and the one "confirm or --yes" prompt of the commands that write under the lock
(apply, snapshot restore)."""

from __future__ import annotations

import os
from argparse import Namespace
from pathlib import Path
from typing import Literal

from vectora_gitops import console, gitrepo
from vectora_gitops.desired.repo import Repository
from vectora_gitops.errors import UsageError


def repository(args: Namespace) -> Repository:
    start = Path(args.repo) if getattr(args, "repo", None) else Path.cwd()
    if not start.is_dir():
        raise UsageError(f"--repo {start}: not a directory")
    root = gitrepo.toplevel(start) or start
    if not (root / "environments").is_dir():
        raise UsageError(f"{root}: no environments/ folder; run inside the GitOps repository "
                         "or pass --repo DIR")
    return Repository(root.resolve())


# What a path option names: a file to write, a folder to write into (kept content allowed), a new
# (absent or empty) folder to fill, or an existing folder to read.
PathUse = Literal["file", "folder", "new folder", "existing folder"]


def check_path(flag: str, path: Path | None, use: PathUse) -> None:
    """Refuse, before anything is read or changed, a path option the command could not use at
    its end (docs/architecture.md: writes are checked first). One line naming the path."""
    if path is None:
        return
    where = f"{flag} {path}"
    if use == "existing folder":
        if not path.is_dir():
            what = "is not a folder" if path.exists() else "does not exist"
            raise UsageError(f"{where}: {what}; give an existing folder")
        if not os.access(path, os.R_OK | os.X_OK):
            raise UsageError(f"{where}: not readable; check its permissions")
        return
    if use == "file" and path.is_dir():
        raise UsageError(f"{where}: is a directory; give a file name")
    if use != "file" and path.exists() and not path.is_dir():
        raise UsageError(f"{where}: is a file; give a folder name")
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise UsageError(f"{where}: {parent} {what}; create the folder first or give another path")
    target = path if path.exists() else parent
    if not os.access(target, os.W_OK | (os.R_OK | os.X_OK if target.is_dir() else 0)):
        raise UsageError(f"{where}: not writable; check its permissions or give another path")
    if use == "new folder" and path.is_dir() and any(path.iterdir()):
        raise UsageError(f"{where}: not empty; give a new or empty folder")


def confirmed(yes: bool, *, command: str, question: str) -> bool:
    """Go on with `--yes`, or when the user answers yes on the terminal; without a terminal,
    refuse (UsageError). A "no" says that nothing changed and returns False (exit 1)."""
    if yes:
        return True
    if not console.is_tty():
        raise UsageError(f"{command} needs --yes when there is no terminal to confirm on")
    if console.confirm(question):
        return True
    console.err(f"{command} cancelled; nothing changed")
    return False
