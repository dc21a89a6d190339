"""`vectora-gitops record-e2e --env ENV --result pass|fail [--url URL]`: stores an end-to-end test
result against the environment's current deployment (its latest successful record)."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.aws.client import Aws
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import load_env
from vectora_gitops.errors import GuardError
from vectora_gitops.promotion import clock, evidence
from vectora_gitops.promotion.run_gates import load_chain


def main(args: Namespace) -> int:
    repo = repository(args)
    env, _ = load_env(repo, args.env)
    aws = Aws(env.region)
    deployment = evidence.latest_succeeded(aws, env)
    if deployment is None:
        raise GuardError(f"{env.name}: no successful deployment recorded in "
                         f"s3://{env.buckets.data}/deployments/records/; apply first, then test")
    now = clock.now()
    document = evidence.e2e_document(env, deployment, passed=args.result == "pass",
                                     url=args.url or "", now=now)
    key = evidence.write_e2e(aws, env, document, now)
    console.out(f"recorded E2E {args.result} for {env.name} deployment {deployment['id']}: "
                f"s3://{env.buckets.data}/{key}")
    targets = load_chain(repo).promotion.targets(env.name)
    for target in targets:
        console.out(f"next: vectora-gitops gates --from {env.name} --to {target} (then promote)")
    if not targets:
        console.out(f"nothing is promoted from {env.name}: this result is its record")
    return 0
