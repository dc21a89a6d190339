"""`vectora-gitops history --env ENV [--limit N]`: deployment records, newest first."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.errors import UsageError
from vectora_gitops.render.status_text import history
from vectora_gitops.status.collect import history as read_history

MAX_LIMIT = 1000


def main(args: Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise UsageError(f"--limit {args.limit}: must be between 1 and {MAX_LIMIT}")
    records = read_history(repository(args), args.env, limit=args.limit)
    console.out(history(args.env, records))
    return 0
