"""`vectora-gitops validate [--base REF]`."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console, gitrepo
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.validate import validate

NEXT = ("next: commit, open a pull request (CI validates it against its base, checks the gates "
        "of changed pins and posts each environment's plan), then merge")


def main(args: Namespace) -> int:
    return run(repository(args), base=args.base)


def run(repo: Repository, *, base: str | None) -> int:
    reader = paths = deleted = None
    if base is not None:
        commit = gitrepo.resolve(repo.root, base)
        def reader(rel: str) -> bytes | None:
            return gitrepo.show(repo.root, commit, rel)
        def paths() -> list[str]:
            return gitrepo.files_at(repo.root, commit, "clients", "canonical", "templates")
        def deleted(candidates: list[str]) -> dict[str, str]:
            return deleted_releases(repo, commit, candidates)
    report = validate(repo, base=reader, base_paths=paths, base_deleted=deleted)
    for problem in report.problems:
        for line in problem.lines():
            console.err(line)
    if report.errors:
        console.err(f"validate: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
        return 1
    console.out(f"validate: ok ({len(report.warnings)} warning(s))")
    if base is None:
        console.out(NEXT)
    return 0


def deleted_releases(repo: Repository, commit: str, candidates: list[str]) -> dict[str, str]:
    """Of `candidates`, those the history of `commit` deleted: path -> "in <commit> (<date>)"."""
    found = gitrepo.deleted_in_history(repo.root, commit, candidates)
    return {path: f"in {sha[:12]} ({date})" for path, (sha, date) in found.items()}
