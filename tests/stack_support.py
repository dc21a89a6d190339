"""A new environment `qa` whose stacks this tool creates (docs/architecture.md §10), added to a
test repository the way a pull request adds it: the README's example
(docs/examples/environments/qa/, which bin/demo uses too)."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers_repo import REPO_ROOT, git

EXAMPLE = REPO_ROOT / "docs" / "examples" / "environments" / "qa"


def add_qa(repo: Path, *, commit: bool = True) -> None:
    shutil.copytree(EXAMPLE, repo / "environments" / "qa")
    if commit:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "add environment qa")
