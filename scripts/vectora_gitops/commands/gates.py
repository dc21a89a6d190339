"""`vectora-gitops gates --from ENV --to ENV [--only SELECTOR ...]` (the target's promotion gates,
with evidence, one line per gate and pin, and the next step) and
`gates --check-pr --base REF` (every new pin of a protected environment ran long enough in the
previous one). 0 when every gate passes, 1 otherwise."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Sequence

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import Repository
from vectora_gitops.errors import UsageError
from vectora_gitops.promotion import checkpr, pins
from vectora_gitops.promotion.gates import GateResult, ready_text, verdict
from vectora_gitops.promotion.run_gates import load_chain, strict, with_integrity
from vectora_gitops.render import gates as shown
from vectora_gitops.safetext import printable


def main(args: Namespace) -> int:
    repo = repository(args)
    if args.check_pr:
        if not args.base:
            raise UsageError("gates --check-pr needs --base REF (the pull request's base)")
        return check_pr(repo, args.base)
    if not args.target:
        raise UsageError("gates needs --to ENV (and --from ENV), or --check-pr --base REF")
    return gates(repo, args.source, args.target, tuple(args.only))


def gates(repo: Repository, source: str | None, target: str, only: tuple[str, ...] = ()) -> int:
    chain = load_chain(repo, target)
    source = source or chain.envs[target].promotion.source or ""
    if not source:
        raise UsageError(f"{target} is the start of the chain: nothing is promoted into it")
    chain = load_chain(repo, source, target)
    pins.check_chain(chain.envs, source, target)
    found = pins.changes(chain.pins[source], chain.pins[target], only)
    results = with_integrity(repo, chain, source, target, found)
    console.out(f"gates {source} -> {target}: {len(found)} pin(s) to promote")
    for change in found:
        console.out(f"  {change.selector}: {pins.display(change.old) if change.old else '(absent)'}"
                    f" -> {pins.display(change.new)}")
    for line in shown.lines(results):
        console.out(line)
    is_strict = strict(chain, target)
    console.out(shown.summary(results, target, strict=is_strict))
    ok = verdict(results, strict=is_strict)
    if not ok:
        console.err(f"gates {source} -> {target}: failed")
    if ok and any(r.status == "unknown" for r in results):
        console.err(f"warning: some gates of {target} are unknown; they block only at the end of "
                    "the chain")
    console.out(_next(results, source, target, only, found=bool(found), ok=ok))
    return 0 if ok else 1


def _next(results: Sequence[GateResult], source: str, target: str, only: tuple[str, ...], *,
          found: bool, ok: bool) -> str:
    """The next step: promote when the gates pass, else when (or after what) to look again."""
    selectors = "".join(f" --only {s}" for s in only)
    if not found:
        return f"next: nothing to promote: {target} already runs what {source} pins"
    if ok:
        return f"next: vectora-gitops promote --from {source} --to {target}{selectors}"
    when = shown.ready_on(results)
    again = f"vectora-gitops gates --from {source} --to {target}{selectors}"
    return (f"next: run `{again}` again on or after {ready_text(when)}" if when else
            f"next: fix what fails above, then run `{again}` again")


def check_pr(repo: Repository, base: str) -> int:
    problems, checked = checkpr.check(repo, base)
    for line in checked:
        console.out(printable(line))
    for problem in problems:
        console.err(printable(str(problem)))
    return 1 if problems else 0
