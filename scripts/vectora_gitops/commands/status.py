"""`vectora-gitops status [--output text|markdown|html] [--out FILE]`: the environment matrix.

A report, not a check: exit 0 even with drift or without AWS access (`drift` gives exit 2).
"""

from __future__ import annotations

import sys
from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import check_path, repository
from vectora_gitops.render import status_html, status_markdown, status_text
from vectora_gitops.status.collect import gather
from vectora_gitops.status.matrix import Matrix


def render(matrix: Matrix, output: str, *, color: bool) -> str:
    if output == "html":
        return status_html.html(matrix)
    if output == "markdown":
        return status_markdown.markdown(matrix)
    return status_text.text(matrix, color=color)


def main(args: Namespace) -> int:
    check_path("--out", args.out, "file")
    matrix = gather(repository(args))
    if args.out:
        args.out.write_text(render(matrix, args.output, color=False), encoding="utf-8")
        console.out(f"status written to {args.out}")
    else:
        console.out(render(matrix, args.output, color=sys.stdout.isatty()))
    return 0
