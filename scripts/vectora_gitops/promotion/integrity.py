"""Referential integrity of an edit: the validate errors it would introduce (new ones only, so an
unrelated existing problem does not block a promotion it has nothing to do with). Errors are
counted, not only compared: a client file dangling in one more environment is a new error even
though its message is the same."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.validate import validate

CONTENT = ("environments", "clients", "canonical")


def errors(repo: Repository) -> Counter[str]:
    return Counter(str(p) for p in validate(repo).errors)


def new_errors(before: Counter[str], repo: Repository) -> tuple[str, ...]:
    return tuple(sorted((errors(repo) - before).keys()))


def errors_if(repo: Repository, edits: Mapping[str, str]) -> tuple[str, ...]:
    """New validate errors if the files `edits` (repository path -> text) were written; the check
    runs on a temporary copy, the checkout is not touched."""
    before = errors(repo)
    with tempfile.TemporaryDirectory(prefix="vectora-integrity-") as tmp:
        copy = Path(tmp)
        for folder in CONTENT:
            if (repo.root / folder).is_dir():
                shutil.copytree(repo.root / folder, copy / folder, symlinks=True)
        for rel, text in edits.items():
            (copy / rel).write_text(text, encoding="utf-8")
        return new_errors(before, Repository(copy))
