"""`vectora-gitops iam-policy --env ENV [--read-only]`: print the role's least-privilege policy."""

from __future__ import annotations

import json
from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import load_env
from vectora_gitops.iam.policy import policy


def main(args: Namespace) -> int:
    repo = repository(args)
    env, pins = load_env(repo, args.env)
    source = load_env(repo, env.promotion.source)[0] if env.promotion.source else None
    console.out(json.dumps(policy(env, pins, read_only=args.read_only, source=source), indent=2))
    return 0
