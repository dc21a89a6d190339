"""Plan and apply of one environment, end to end (what the plan and apply commands run)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from vectora_gitops import gitrepo
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.repo import Repository, check_env_name, load_env
from vectora_gitops.desired.state import desired_state
from vectora_gitops.desired.validate import Report, validate
from vectora_gitops.engine import guards, hold, lockedrun, retire
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.apply import Outcome, Progress, execute
from vectora_gitops.engine.lockedrun import Closed, Notes, Opening, locked_run
from vectora_gitops.engine.observe import observe
from vectora_gitops.engine.plan import Plan, desired_fingerprint, make_plan
from vectora_gitops.errors import InputError, StalePlanError
from vectora_gitops.model import DesiredState, Environment

# Called with the plan just before writing; returns the snapshot name taken (or "").
Snapshotter = Callable[[Aws, DesiredState, Plan], str]
# Called inside the locked run once the changes are made (the bake, docs/architecture.md §10);
# it may add notes to the record and raise RolledBackError.
AfterApply = Callable[[Notes, Outcome], None]


@dataclass(frozen=True)
class Planned:
    aws: Aws
    desired: DesiredState
    actual: ActualState
    plan: Plan


def validated(repo: Repository) -> Report:
    """The whole repository's validation; InputError when anything is invalid (then nothing is
    read from AWS, let alone written)."""
    report = validate(repo)
    if report.errors:
        raise InputError(f"{len(report.errors)} problem(s) in the repository", tuple(report.errors))
    return report


def plan_env(repo: Repository, env: str, *, prune: bool | None = None,
             report: Report | None = None) -> Planned:
    """Validate (unless `report` says it was), then observe AWS while the files are hashed."""
    check_env_name(env)
    report = report or validated(repo)
    environment = load_env(repo, env)[0]
    aws = Aws(environment.region)
    with ThreadPoolExecutor(max_workers=1) as pool:
        observed = pool.submit(_observe, aws, environment)
        desired = desired_state(repo, env, commit=gitrepo.head_commit(repo.root),
                                indexed=report.bundles)
        actual = observed.result()
    do_prune = desired.env.sync.prune if prune is None else prune
    plan = make_plan(desired, actual, prune=do_prune)
    guards.check_prune(desired.env, plan.changes, _per_prefix(desired, actual))
    guards.check_names(desired.env, plan.changes)
    evidence = retire.check_plan(aws, desired, actual, plan.changes)
    if evidence:
        plan = replace(plan, notes=plan.notes + evidence)
    return Planned(aws, desired, actual, plan)


def _observe(aws: Aws, env: Environment) -> ActualState:
    guards.check_account(aws, env)
    return observe(aws, env)


def _per_prefix(desired: DesiredState, actual: ActualState) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for key in actual.objects:
        for prefix in desired.env.sync.managed_prefixes:
            if key.startswith(prefix):
                counts[prefix] += 1
    return dict(counts)


def check_fresh(planned: Planned, saved: Plan) -> None:
    """Refuse a saved plan made from another desired or actual state (Terraform's stale plan)."""
    if saved.env != planned.desired.env.name:
        raise StalePlanError(f"the plan is for {saved.env}, not {planned.desired.env.name}")
    if saved.desired != desired_fingerprint(planned.desired):
        raise StalePlanError(f"the plan was made from commit {saved.commit}; the checkout is now "
                             f"{planned.desired.commit} with other content; make a new plan")
    if saved.observed != planned.actual.fingerprint():
        raise StalePlanError(f"{saved.env}: managed objects, layers or functions changed in AWS "
                             f"since the plan was made ({saved.created_at}); make a new plan")


def needs_snapshot(planned: Planned, plan: Plan) -> bool:
    return any(c.touches_runtime for c in plan.changes) or planned.desired.env.name == "prod"


def apply_env(planned: Planned, plan: Plan, *, snapshot: Snapshotter | None,
              override_reason: str | None, progress: Progress | None = None,
              break_glass_reason: str | None = None,
              after: AfterApply | None = None) -> tuple[Outcome, Closed]:
    """Under the locked-run protocol: re-check, snapshot, execute, then `after` (the bake, which
    needs the snapshot: one is always taken with it). Pins rolled back by an alarm are refused
    (engine/hold.py). Returns the outcome and the closed record, which carries the content
    digests of the pins (docs/evidence.md)."""
    env = planned.desired.env
    aws = planned.aws
    hold.check(aws, env, plan.pins)
    guards.check_versioning(aws, env, (env.buckets.config, env.buckets.lambda_code,
                                       env.buckets.data))
    notes: dict[str, str | int] = {"changes_done": 0}
    if override_reason:
        notes["override_window_reason"] = override_reason
    if break_glass_reason:
        notes["break_glass_reason"] = break_glass_reason
    opening = Opening(kind="apply", commit=plan.commit, pins=plan.pins, summary=plan.summary(),
                      notes=notes, digests=planned.desired.digests)

    def work(run: Notes) -> Outcome:
        fresh = observe(aws, env)
        check_fresh(replace(planned, actual=fresh), plan)
        if snapshot is not None and plan.changes and (after or needs_snapshot(planned, plan)):
            run.add("snapshot", snapshot(aws, planned.desired, plan))
        outcome = execute(aws, planned.desired, plan.changes, fresh, progress=progress)
        run.add("changes_done", len(outcome.done))
        if after is not None:
            after(run, outcome)
        return outcome

    return locked_run(aws, env, opening, work)


def settle_dead_run(planned: Planned) -> None:
    """Nothing to apply: still close the record of a run that died holding the lock."""
    lockedrun.settle_dead_run(planned.aws, planned.desired.env)


def utcnow() -> datetime:
    return datetime.now(UTC)
