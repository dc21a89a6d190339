"""Plan and apply of one environment, end to end (what the plan and apply commands run)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from vectora_gitops import gitrepo
from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.state import desired_state
from vectora_gitops.desired.validate import Report, validate
from vectora_gitops.engine import guards, hold, lockedrun, records, retire, stackapply, stackplan
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.apply import Outcome, Progress, execute
from vectora_gitops.engine.changes import Change, StackWrite
from vectora_gitops.engine.lockedrun import Closed, Notes, Opening, locked_run
from vectora_gitops.engine.observe import checksums, observe
from vectora_gitops.engine.plan import Plan, desired_fingerprint, make_plan, same_plan, short
from vectora_gitops.errors import AwsError, FatalError, InputError, StalePlanError
from vectora_gitops.model import DesiredState, Environment

# Called with the plan just before writing; returns the snapshot name taken (or "").
Snapshotter = Callable[[Aws, DesiredState, Plan], str]
# Called inside the locked run once the changes are made (the bake, docs/architecture.md §11);
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
    head = gitrepo.head_reader(repo.root)
    report = validate(repo, head=head[0], head_paths=head[1]) if head else validate(repo)
    if report.errors:
        raise InputError(f"{len(report.errors)} problem(s) in the repository", tuple(report.errors))
    return report


def plan_env(repo: Repository, env: str, *, prune: bool | None = None,
             report: Report | None = None) -> Planned:
    """Validate (unless `report` says it was), then observe AWS while the files are hashed."""
    repo.env_dir(env)  # an unknown environment is refused before anything is read
    report = report or validated(repo)
    environment = load_env(repo, env)[0]
    aws = Aws(environment.region)
    with ThreadPoolExecutor(max_workers=1) as pool:
        observed = pool.submit(_observe, aws, environment)
        desired = desired_state(repo, env, commit=gitrepo.head_commit(repo.root),
                                indexed=report.bundles)
        actual = checksums(aws, environment, desired.objects, observed.result())
    if desired.stacks:
        actual = replace(actual, previews=stackplan.previews(aws, desired, actual))
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
    """Refuse a saved plan made from another desired or actual state (Terraform's stale plan):
    the fingerprints of both, then the plan itself, recomputed now: the same changes and pins."""
    if saved.env != planned.desired.env.name:
        raise StalePlanError(f"the plan is for {saved.env}, not {planned.desired.env.name}")
    if saved.desired != desired_fingerprint(planned.desired):
        raise StalePlanError(f"the plan was made from commit {short(saved.commit)}; the checkout "
                             f"is now {short(planned.desired.commit)} with other content; make a "
                             "new plan")
    if saved.observed != planned.actual.fingerprint():
        raise StalePlanError(f"{saved.env}: managed objects, layers, functions or stacks changed "
                             f"in AWS since the plan was made ({saved.created_at}); make a new "
                             "plan")
    fresh = make_plan(planned.desired, planned.actual, prune=saved.prune)
    if not same_plan(saved, fresh):
        raise StalePlanError(f"the plan made from commit {short(saved.commit)} is not the plan of "
                             f"the checkout now ({short(fresh.commit)}): its changes or pins "
                             "differ; make a new plan")


def observe_again(planned: Planned) -> ActualState:
    """AWS observed again for the check under the lock (or before a new environment's stacks):
    the listings, S3's checksums where an ETag cannot tell, and the stacks.

    The stacks' change set previews are not made again: they are those `plan_env` made just
    before, against which `apply --plan` already compared the saved plan in full (`check_fresh`
    before the lock). They still hold when `check_fresh` passes on this observation: its
    fingerprint covers every managed stack's status, update time, template, parameters and
    tags, so a stack changed since refuses the plan. And the change set apply executes is made
    now and compared with the plan's reviewed resource changes, under the lock
    (`stackapply._checked`). So the plan compared here has every change it had, stack updates
    included, and a saved plan applies only what was reviewed (docs/architecture.md §7, §10)
    without a second change set per stack."""
    env = planned.desired.env
    fresh = checksums(planned.aws, env, planned.desired.objects, observe(planned.aws, env))
    return replace(fresh, previews=planned.actual.previews)


def needs_snapshot(planned: Planned, plan: Plan) -> bool:
    return any(c.touches_runtime for c in plan.changes) or planned.desired.env.name == "prod"


def apply_env(planned: Planned, plan: Plan, *, snapshot: Snapshotter | None,
              override_reason: str | None, progress: Progress | None = None,
              break_glass_reason: str | None = None, allow_replace: Collection[str] = (),
              replace_reason: str | None = None, dirty_reason: str | None = None,
              say: Callable[[str], None] | None = None,
              after: AfterApply | None = None) -> tuple[Outcome, Closed]:
    """Under the locked-run protocol: re-check, snapshot, execute, then `after` (the bake, which
    needs the snapshot: one is always taken with it). Pins rolled back by an alarm are refused
    (engine/hold.py). Returns the outcome and the closed record, which carries the content
    digests of the pins (docs/evidence.md), whether the working tree was dirty (the commit's
    `-dirty` mark, `dirty`) and why it was applied anyway (`allow_dirty_reason`).
    Stacks (docs/architecture.md §10): a change removing or replacing a stateful resource is
    refused unless `allow_replace` names it; an environment whose data bucket does not exist
    yet gets its stacks first, then the rest under the lock (which lives in that bucket)."""
    env = planned.desired.env
    aws = planned.aws
    hold.check(aws, env, plan.pins)
    stack_run = stackapply.StackRun(aws, planned.desired, say or (lambda _s: None),
                                    frozenset(allow_replace))
    stackapply.check_allowed([c for c in plan.changes if isinstance(c, StackWrite)],
                             stack_run.allow_replace, "the plan")
    summary = plan.summary()  # of the whole plan, stacks created before the lock included
    notes: dict[str, str | int] = {"changes_done": 0}
    if override_reason:
        notes["override_window_reason"] = override_reason
    if break_glass_reason:
        notes["break_glass_reason"] = break_glass_reason
    commit = planned.desired.commit  # what is checked out now (a saved plan equals its plan)
    if commit.endswith(gitrepo.DIRTY):
        notes["dirty"] = "uncommitted changes in the working tree"
    if dirty_reason:
        notes["allow_dirty_reason"] = dirty_reason
    if allow_replace:
        notes["allow_replace"] = ", ".join(sorted(allow_replace))
        notes["replace_reason"] = replace_reason or ""
    if _bootstrap(aws, env, plan):
        first, plan = _stacks_first(planned, plan, stack_run, progress, notes)
    else:
        first = ()
    guards.check_versioning(aws, env, (env.buckets.config, env.buckets.lambda_code,
                                       env.buckets.data))
    created_first = bool(stack_run.done)
    opening = Opening(kind="apply", commit=commit, pins=plan.pins, summary=summary,
                      notes=notes, digests=planned.desired.digests)

    def work(run: Notes) -> Outcome:
        fresh = observe_again(planned)
        if not created_first:  # else checked before the stacks were created, which changed it
            check_fresh(replace(planned, actual=fresh), plan)
        if snapshot is not None and plan.changes and (after or needs_snapshot(planned, plan)):
            run.add("snapshot", snapshot(aws, planned.desired, plan))
        try:
            outcome = execute(aws, planned.desired, plan.changes, fresh, progress=progress,
                              stacks=stack_run)
        finally:
            if stack_run.done:
                run.add_data("stacks", stack_run.done)
        outcome.done[:0] = first  # created before the lock (the data bucket did not exist)
        run.add("changes_done", len(outcome.done))
        if after is not None:
            after(run, outcome)
        return outcome

    return locked_run(aws, env, opening, work)


def _bootstrap(aws: Aws, env: Environment, plan: Plan) -> bool:
    """The plan creates stacks and the data bucket (where the lock and records live) does not
    exist yet: the stacks go first."""
    if not any(c.kind == "create_stack" for c in plan.changes):
        return False
    try:
        s3.versioning_enabled(aws, env.buckets.data)
    except AwsError as exc:
        if exc.code == "NoSuchBucket":
            return True
        raise
    return False


def _stacks_first(planned: Planned, plan: Plan, stack_run: stackapply.StackRun,
                  progress: Progress | None, notes: Mapping[str, str | int]
                  ) -> tuple[tuple[Change, ...], Plan]:
    """Check the plan is fresh, create/update the stacks in order (CloudFormation refuses a
    second operation on a stack while one runs), and return the rest of the plan, which then
    runs under the lock in the data bucket the stacks created."""
    fresh = observe_again(planned)
    check_fresh(replace(planned, actual=fresh), plan)
    first = tuple(c for c in plan.changes if c.phase == "stacks")
    try:
        done = execute(planned.aws, planned.desired, first, fresh, progress=progress,
                       stacks=stack_run).done
    except FatalError as exc:
        _record_failed_stacks(planned, plan, stack_run, exc, notes)
        raise
    return tuple(done), replace(plan, changes=tuple(c for c in plan.changes
                                                    if c.phase != "stacks"))


def _record_failed_stacks(planned: Planned, plan: Plan, stack_run: stackapply.StackRun,
                          error: FatalError, notes: Mapping[str, str | int]) -> None:
    """The stacks of a new environment failed: when its data bucket now exists (with Object
    Lock), the failed run gets its deployment record there, with the stacks it did create."""
    env, aws = planned.desired.env, planned.aws
    try:
        guards.check_object_lock(aws, env)
    except FatalError as why:
        _record_locally(planned, plan, stack_run, error, why, notes)
        return
    opening = Opening(kind="apply", commit=planned.desired.commit, pins=plan.pins,
                      summary=plan.summary(), notes={**notes, "changes_done": len(stack_run.done)},
                      digests=planned.desired.digests)

    def work(run: Notes) -> None:
        run.add_data("stacks", stack_run.done)
        raise error

    try:
        locked_run(aws, env, opening, work)
    except FatalError as exc:
        if exc is not error:
            raise


def _record_locally(planned: Planned, plan: Plan, stack_run: stackapply.StackRun,
                    error: FatalError, why: FatalError, notes: Mapping[str, str | int]) -> None:
    """No data bucket to hold the record (its stack failed to create): say so plainly, and keep
    the record in a local file (records.write_local), which is not evidence."""
    env = planned.desired.env
    record = records.new_record(env, commit=planned.desired.commit, pins=dict(plan.pins),
                                summary=plan.summary(), digests=planned.desired.digests)
    record.update(notes)
    record.update(result="failed", error=str(error), ended_at=records.now_iso(),
                  changes_done=len(stack_run.done), stacks=dict(stack_run.done),
                  kept="locally only: the data bucket that holds the deployment records does "
                       "not exist or has no Object Lock")
    path = records.write_local(record)
    where = f"written to {path}" if path is not None else \
        f"nor written locally (no writable folder; set {records.LOCAL_DIR_ENV})"
    stack_run.say(f"{env.name}: no deployment record could be kept in S3: {why}. This failed "
                  f"run's record {record['id']} is {where}; it is not evidence (no Object Lock) "
                  "and the gates do not read it")


def settle_dead_run(planned: Planned) -> None:
    """Nothing to apply: still close the record of a run that died holding the lock."""
    lockedrun.settle_dead_run(planned.aws, planned.desired.env)


def utcnow() -> datetime:
    return datetime.now(UTC)
