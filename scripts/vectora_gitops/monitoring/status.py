"""What `status` says of an environment's monitoring (docs/architecture.md §11): the hold a
rolled-back apply left, and this month's spend against the budget where AWS Budgets answers
("unknown" where it does not: no permission, no budget yet, no spend computed yet)."""

from __future__ import annotations

from vectora_gitops.aws import budgets
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.monitoring import budget_name
from vectora_gitops.engine import guards, hold
from vectora_gitops.errors import AwsError, FatalError
from vectora_gitops.model import Environment


def lines(env: Environment) -> list[str]:
    if env.monitoring is None:
        return []
    try:
        aws = Aws(env.region)
        guards.check_account(aws, env)
        holds = hold.active(aws, env)
    except FatalError as exc:
        return [f"{env.name}: holds and spend unknown: {exc.lines()[0]}"]
    out = [f"{h.line()}; record {h.record_id} (lift: `vectora-gitops hold release --env "
           f"{env.name} --reason TEXT`, or change {env.name}'s pins)" for h in holds]
    return [*out, budget_line(aws, env)]


def budget_line(aws: Aws, env: Environment) -> str:
    spec = env.monitoring
    if spec is None or spec.budget_usd <= 0:
        return f"{env.name}: no budget declared"
    try:
        found = budgets.get_budget(aws, env.account_id, budget_name(env.name))
    except AwsError as exc:
        return f"{env.name}: spend unknown ({exc})"
    if found is None:
        return f"{env.name}: spend unknown (budget {budget_name(env.name)} not applied yet)"
    if found.actual_usd is None:
        return f"{env.name}: spend unknown (AWS Budgets gives no spend yet), budget " \
               f"{found.limit_usd:g} USD a month"
    share = f" ({found.actual_usd / found.limit_usd:.0%})" if found.limit_usd else ""
    return (f"{env.name}: spent {found.actual_usd:.2f} of {found.limit_usd:g} USD this month"
            f"{share} (AWS Budgets, tag Environment={env.name})")
