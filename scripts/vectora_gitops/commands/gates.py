"""`vectora-gitops gates --from ENV --to ENV` (the target's promotion gates, with evidence) and
`gates --check-pr --base REF` (every new pin of a protected environment ran long enough in the
previous one). 0 when every gate passes, 1 otherwise."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import Repository
from vectora_gitops.errors import UsageError
from vectora_gitops.promotion import checkpr, pins
from vectora_gitops.promotion.gates import verdict
from vectora_gitops.promotion.run_gates import load_chain, strict, with_integrity
from vectora_gitops.safetext import printable


def main(args: Namespace) -> int:
    repo = repository(args)
    if args.check_pr:
        if not args.base:
            raise UsageError("gates --check-pr needs --base REF (the pull request's base)")
        return check_pr(repo, args.base)
    if not args.target:
        raise UsageError("gates needs --to ENV (and --from ENV), or --check-pr --base REF")
    return gates(repo, args.source, args.target)


def gates(repo: Repository, source: str | None, target: str) -> int:
    chain = load_chain(repo, target)
    source = source or chain.envs[target].promotion.source or ""
    if not source:
        raise UsageError(f"{target} is the start of the chain: nothing is promoted into it")
    chain = load_chain(repo, source, target)
    pins.check_chain(chain.envs, source, target)
    found = pins.changes(chain.pins[source], chain.pins[target])
    results = with_integrity(repo, chain, source, target, found)
    console.out(f"gates {source} -> {target}: {len(found)} pin(s) to promote")
    for change in found:
        console.out(f"  {change.selector}: {pins.display(change.old) if change.old else '(absent)'}"
                    f" -> {pins.display(change.new)}")
    for r in results:  # evidence may quote what S3 or a caller wrote: kept on its line
        console.out(f"{r.status:<8} {r.name}: {printable(r.evidence)}")
    ok = verdict(results, strict=strict(chain, target))
    unknown = any(r.status == "unknown" for r in results)
    if ok and unknown:
        console.err(f"warning: some gates of {target} are unknown; they block only at the end of "
                    "the chain")
    if not ok:
        console.err(f"gates {source} -> {target}: failed")
    return 0 if ok else 1


def check_pr(repo: Repository, base: str) -> int:
    problems, checked = checkpr.check(repo, base)
    for line in checked:
        console.out(printable(line))
    for problem in problems:
        console.err(printable(str(problem)))
    return 1 if problems else 0
