"""`vectora-gitops move-client LEGACY_ID --to ID --env ENV (start|switch|retire)`: one step of
the move to a stable client id (docs/architecture.md §8)."""

from __future__ import annotations

from argparse import Namespace
from datetime import date

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.errors import UsageError
from vectora_gitops.model import ClientMove, Environment
from vectora_gitops.promotion import moveclient


def main(args: Namespace) -> int:
    if args.back and args.step != "switch":
        raise UsageError("--back goes with switch (back to the legacy config, before retire)")
    if args.version and args.step != "start":
        raise UsageError("--version goes with start")
    repo = repository(args)
    req = moveclient.Request(args.env, args.legacy_id, args.to)
    if args.step == "start":
        moved = moveclient.start(repo, req, version=args.version, today=date.today())
    elif args.step == "switch":
        moved = moveclient.switch(repo, req, back=args.back)
    else:
        moved = moveclient.retire(repo, req, evidence=_evidence)
    console.out(f"move-client {req.source} -> {req.target} in {req.env}: step {moved.step}")
    for line in moved.done:
        console.out(f"  {line}")
    console.out("next:")
    for number, line in enumerate(moved.next, 1):
        console.out(f"  {number}. {line}")
    return 0


def _evidence(env: Environment, move: ClientMove) -> str:
    """Read-only: the switch is applied and the stable id ran since (engine/retire.py)."""
    from vectora_gitops.aws.client import Aws
    from vectora_gitops.engine import guards, retire

    aws = Aws(env.region)
    guards.check_account(aws, env)
    return retire.live_evidence(aws, env, move)
