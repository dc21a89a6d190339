"""`vectora-gitops promote --from ENV --to ENV [--only SELECTOR ...] [--body-out FILE] [--commit]
[--allow-downgrade --reason TEXT]`: 0 promoted (or already committed), 1 refused."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import check_path, repository
from vectora_gitops.errors import UsageError
from vectora_gitops.promotion.pins import display
from vectora_gitops.promotion.promote import Request, promote


def main(args: Namespace) -> int:
    if args.reason and not args.allow_downgrade:
        raise UsageError("--reason goes with --allow-downgrade")
    check_path("--body-out", args.body_out, "file")
    request = Request(args.source, args.target, tuple(args.only), commit=args.commit,
                      allow_downgrade=args.allow_downgrade, reason=args.reason)
    outcome = promote(repository(args), request)
    for change in outcome.changes:
        old = display(change.old) if change.old else "(absent)"
        console.err(f"{change.selector}: {old} -> {display(change.new)}")
    if outcome.branch:
        state = "already has this promotion" if outcome.reused else "committed"
        console.err(f"branch {outcome.branch}: {state} ({(outcome.commit or '')[:12]})")
    if args.body_out:
        args.body_out.write_text(outcome.body, encoding="utf-8")
        console.err(f"PR body written to {args.body_out}")
    else:
        console.out(outcome.body)
    return 0
