"""`vectora-gitops plan --env ENV [--output text|markdown|json] [--out FILE]`: 0 in sync, 2 changes."""

from __future__ import annotations

import sys
from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import check_path, repository
from vectora_gitops.engine import plan as plans
from vectora_gitops.engine.reconcile import plan_env
from vectora_gitops.render import plan as render


def main(args: Namespace) -> int:
    check_path("--out", args.out, "file")
    planned = plan_env(repository(args), args.env, prune=True if args.prune else None)
    plan = planned.plan
    if args.out:
        plans.save(plan, args.out)
    if args.output == "json":
        console.out(render.as_json(plan))
    elif args.output == "markdown":
        console.out(render.markdown(plan))
    else:
        console.out(render.text(plan, color=sys.stdout.isatty()))
    return 0 if plan.empty else 2
