"""`vectora-gitops iam-policy --env ENV [--read-only]`: print the role's least-privilege policy;
`--bucket-policy [--writer-role NAME]`: the data bucket's policy that keeps the evidence
(docs/evidence.md); `--stack-role [--trust]`: the CloudFormation service role of the managed
stacks (docs/architecture.md §10)."""

from __future__ import annotations

import json
from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import load_env
from vectora_gitops.errors import UsageError
from vectora_gitops.iam.policy import (
    bucket_policy,
    policy,
    stack_role_policy,
    stack_role_trust,
    writer_arn,
)


def main(args: Namespace) -> int:
    repo = repository(args)
    env, pins = load_env(repo, args.env)
    if args.trust and not args.stack_role:
        raise UsageError("--trust goes with --stack-role")
    if args.stack_role:
        if args.read_only or args.bucket_policy or args.writer_role:
            raise UsageError("--stack-role goes with --trust only")
        if not env.managed_stacks:
            raise UsageError(f"environment {env.name} has no managed stacks (environment.yaml "
                             "`stacks` lists names only): no CloudFormation service role is used")
        made = stack_role_trust(env) if args.trust else stack_role_policy(env)
        console.out(json.dumps(made, indent=2))
        return 0
    if args.bucket_policy:
        if args.read_only:
            raise UsageError("--bucket-policy and --read-only do not go together")
        console.out(json.dumps(bucket_policy(env, writer_arn(env, args.writer_role)), indent=2))
        return 0
    if args.writer_role:
        raise UsageError("--writer-role goes with --bucket-policy")
    source = load_env(repo, env.promotion.source)[0] if env.promotion.source else None
    console.out(json.dumps(policy(env, pins, read_only=args.read_only, source=source), indent=2))
    return 0
