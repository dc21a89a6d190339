"""`vectora-gitops hold show|release --env ENV [--reason TEXT]`: the hold a rolled-back apply
left on an environment (docs/architecture.md §11)."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.aws.client import Aws
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import load_env
from vectora_gitops.engine import guards, hold
from vectora_gitops.errors import UsageError


def main(args: Namespace) -> int:
    env, _ = load_env(repository(args), args.env)
    aws = Aws(env.region)
    guards.check_account(aws, env)
    if args.action == "show":
        holds = hold.active(aws, env)
        for found in holds:
            console.out(found.line())
        if not holds:
            console.out(f"{env.name}: no hold")
        return 0
    if not getattr(args, "reason", None):
        raise UsageError("hold release needs --reason TEXT: why the rolled-back pins may be "
                         "applied again")
    released = hold.release(aws, env, args.reason)
    for found in released:
        console.out(f"{env.name}: released hold {found.record_id} (alarm {found.alarm})")
    if not released:
        console.out(f"{env.name}: no hold to release")
    return 0
