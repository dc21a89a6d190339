"""`vectora-gitops import --env ENV`: adopt a live environment into git (reads AWS only)."""

from __future__ import annotations

from argparse import Namespace
from datetime import date

from vectora_gitops import console
from vectora_gitops.adopt.run import import_env
from vectora_gitops.commands.common import repository


def main(args: Namespace) -> int:
    result = import_env(repository(args), args.env, today=date.today())
    for warning in result.warnings:
        console.err(f"warning: {warning}")
    for path in result.kept:
        console.out(f"kept {path}")
    for path in result.written:
        console.out(f"wrote {path}")
    if not result.written:
        console.out(f"{result.env}: git already describes the live environment; nothing written")
        return 0
    console.out(f"{result.env}: imported; next: `vectora-gitops validate`, `vectora-gitops plan "
                f"--env {result.env}`, then commit and open a pull request")
    return 0
