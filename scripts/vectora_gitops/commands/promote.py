"""`vectora-gitops promote --from ENV --to ENV [--only SELECTOR ...] [--body-out FILE] [--commit]
[--allow-downgrade --reason TEXT]`: 0 promoted (or already committed), 1 refused. The terminal
shows the pins copied, one line per gate and pin, whether the gates pass, and the next step; the
pull request body goes to stdout or `--body-out`."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import check_path, repository
from vectora_gitops.errors import UsageError
from vectora_gitops.promotion.gates import ready_text, verdict
from vectora_gitops.promotion.pins import display
from vectora_gitops.promotion.promote import Outcome, Request, promote
from vectora_gitops.render import gates as shown


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
    for line in shown.lines(outcome.gates):
        console.err(line)
    console.err(shown.summary(outcome.gates, request.target, strict=outcome.strict))
    _gates_warning(outcome, request)
    if outcome.branch:
        state = "already has this promotion" if outcome.reused else "committed"
        console.err(f"branch {outcome.branch}: {state} ({(outcome.commit or '')[:12]})")
    if args.body_out:
        args.body_out.write_text(outcome.body, encoding="utf-8")
        console.err(f"PR body written to {args.body_out}")
    else:
        console.out(outcome.body)
    console.err(_next(outcome, request, args.body_out))
    return 0


def _gates_warning(outcome: Outcome, request: Request) -> None:
    """Said plainly: the pins are copied even though gates fail (exit 0), and what that means."""
    if verdict(outcome.gates, strict=outcome.strict):
        return
    failing = [r.name for r in outcome.gates if r.status != "pass"]
    when = shown.ready_on(outcome.gates)
    wait = f"; by waiting they pass on {ready_text(when)}" if when else ""
    console.err(f"warning: {len(failing)} of {len(outcome.gates)} gates of {request.target} do "
                f"not pass ({', '.join(failing)}): the pins are copied anyway, but the pull "
                f"request's `gates` check fails until they pass{wait}")


def _next(outcome: Outcome, request: Request, body_out: object) -> str:
    described = f" with {body_out} as its description" if body_out else \
        " with the body above as its description"
    if outcome.branch:
        step = f"push branch {outcome.branch} and open a pull request{described}"
    else:
        step = (f"commit {outcome.path} on a branch and open a pull request{described} (or run "
                "again with --commit)")
    return (f"next: {step}; once it is merged, the reconcile workflow applies "
            f"{request.target}")
