"""A set of file edits to the repository that is validated as a whole and undone as a whole:
`new-version`, `release` and `move-client` leave every file as it was when they refuse."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from vectora_gitops import gitrepo
from vectora_gitops.desired.repo import Repository
from vectora_gitops.errors import FatalError, InputError, Problem
from vectora_gitops.promotion import integrity


class ChangeSet:
    """Writes, copies and moves, each with its undo; `commit_or_undo` validates them."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.before = integrity.errors(repo)
        self._undo: list[Callable[[], object]] = []
        self.touched: list[str] = []

    def write(self, rel: str, text: str) -> None:
        """Write a file (its missing folders created, and removed again by the undo)."""
        path = self.repo.root / rel
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        created = [f for f in path.parents if not f.exists()]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

        def restore() -> None:
            if old is not None:
                path.write_text(old, encoding="utf-8")
                return
            path.unlink()
            for folder in created:  # innermost first
                folder.rmdir()

        self._undo.append(restore)
        self.touched.append(rel)

    def remove(self, rel: str) -> None:
        """Delete a file (and its folder when that leaves it empty); undone byte for byte."""
        path = self.repo.root / rel
        old = path.read_bytes()
        path.unlink()
        folder = path.parent
        emptied = not any(folder.iterdir())
        if emptied:
            folder.rmdir()

        def restore() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(old)

        self._undo.append(restore)
        self.touched.append(rel)

    def copytree(self, src: str, dst: str) -> None:
        target = self.repo.root / dst
        shutil.copytree(self.repo.root / src, target, symlinks=True)
        self._undo.append(lambda: shutil.rmtree(target))
        self.touched.append(dst)

    def move(self, old: str, new: str) -> None:
        """`git mv` when the source is tracked, a plain rename otherwise."""
        root = self.repo.root
        if gitrepo.toplevel(root) and gitrepo.is_tracked(root, old):
            gitrepo.move(root, old, new)
            self._undo.append(lambda: gitrepo.move(root, new, old))
        else:
            (root / old).rename(root / new)
            self._undo.append(lambda: (root / new).rename(root / old))
        self.touched += [old, new]

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()
        self._undo.clear()

    def commit_or_undo(self, what: str) -> None:
        """Keep the changes when validate finds no new error; otherwise undo them and fail."""
        try:
            found = integrity.new_errors(self.before, self.repo)
        except FatalError:
            self.undo()
            raise
        if found:
            self.undo()
            raise InputError(f"{what} would leave the repository invalid",
                             tuple(Problem(what, f"would break: {p}") for p in found))


def exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()
