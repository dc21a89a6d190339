"""What commands share: the repository they work on, and the one "confirm or --yes" prompt of
the commands that write under the lock (apply, snapshot restore)."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

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
