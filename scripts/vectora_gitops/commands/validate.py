"""`vectora-gitops validate [--base REF]`."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console, gitrepo
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.validate import validate


def main(args: Namespace) -> int:
    return run(repository(args), base=args.base)


def run(repo: Repository, *, base: str | None) -> int:
    reader = paths = None
    if base is not None:
        commit = gitrepo.resolve(repo.root, base)
        def reader(rel: str) -> bytes | None:
            return gitrepo.show(repo.root, commit, rel)
        def paths() -> list[str]:
            return gitrepo.files_at(repo.root, commit, "clients", "canonical")
    report = validate(repo, base=reader, base_paths=paths)
    for problem in report.problems:
        console.err(str(problem))
    if report.errors:
        console.err(f"validate: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
        return 1
    console.out(f"validate: ok ({len(report.warnings)} warning(s))")
    return 0
