"""`vectora-gitops import --env ENV`: adopt a live environment into git (reads AWS only) and say
on one screen what was adopted, what was waived and what to do next."""

from __future__ import annotations

from argparse import Namespace
from datetime import date

from vectora_gitops import console
from vectora_gitops.adopt.run import Imported, import_env
from vectora_gitops.commands.common import repository


def main(args: Namespace) -> int:
    if getattr(args, "stacks", False):
        from vectora_gitops.adopt.stacks import import_stacks  # reads CloudFormation only
        result = import_stacks(repository(args), args.env)
    else:
        result = import_env(repository(args), args.env, today=date.today())
    for line in screen(result):
        console.out(line)
    for line in result.errors:
        console.err(line)
    return 1 if result.errors else 0


def screen(result: Imported) -> list[str]:
    lines = [f"{result.env}: adopted the live environment into git (AWS was only read)"]
    for title, items in (("adopted", result.adopted),
                         ("waived (validate shows them as warnings)", result.waived),
                         ("warnings", result.warnings)):
        if items:
            lines += [f"{title}:", *(f"  {item}" for item in items)]
    if result.written:
        lines.append(f"wrote: {', '.join(result.written)}")
    else:
        lines.append("nothing written: git already describes the live environment")
    if result.errors:
        lines.append(f"{len(result.errors)} problem(s) no waiver may cover (below): fix them "
                     "before planning")
    lines += ["next:", *(f"  {i}. {step}" for i, step in enumerate(result.todo, 1))]
    return lines
