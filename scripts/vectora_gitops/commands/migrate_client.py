"""`vectora-gitops migrate-client FILE`: legacy `<id>_v<N>.yaml` -> `clients/<id>/<N>.0.0.yaml`."""

from __future__ import annotations

from argparse import Namespace
from dataclasses import replace
from datetime import date
from pathlib import Path

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.desired import migrate


def main(args: Namespace) -> int:
    repo = repository(args)
    return run(repo.root, Path(args.file), today=date.today())


def run(root: Path, source: Path, *, today: date) -> int:
    migration = migrate.plan(source, root, today=today)
    migrate.write(migration)
    rel = migration.target.relative_to(root).as_posix()
    for problem in migration.problems:
        console.err(str(replace(problem, severity="warning")))
    console.out(f"wrote {rel}")
    return 0
