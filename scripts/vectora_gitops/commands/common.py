"""What every command needs: the repository it works on."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from vectora_gitops import gitrepo
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
