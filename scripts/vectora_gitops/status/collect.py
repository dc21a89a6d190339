"""Gathers the matrix inputs: pins from git, and per environment its plan and records from AWS.

An environment whose AWS side cannot be read (no credentials, unreachable endpoint, wrong
account) keeps its git side and says why its live state is unknown; status never fails on it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

from vectora_gitops import gitrepo
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.drift.run import stacks_absent
from vectora_gitops.engine import guards
from vectora_gitops.engine import records as engine_records
from vectora_gitops.engine.reconcile import plan_env
from vectora_gitops.errors import FatalError, GuardError
from vectora_gitops.history import Record
from vectora_gitops.model import Environment, Pins
from vectora_gitops.monitoring import status as monitoring_status
from vectora_gitops.promotion.gates import GateResult
from vectora_gitops.promotion.pins import changes
from vectora_gitops.promotion.run_gates import load_chain, with_integrity
from vectora_gitops.status import matrix

RECORDS_READ = 200  # enough history for "since when" and the recent deployments


def pin_versions(pins: Pins) -> dict[str, str]:
    return dict(pins.items())


NOT_CREATED = "not created: its stacks do not exist yet"


def live_state(repo: Repository, env: str, pinned: dict[str, str]) -> matrix.Live | str:
    """The live info of `env`, or the one-line reason it is unknown."""
    try:
        try:
            planned = plan_env(repo, env)
        except GuardError:  # its stacks listed by name may not exist yet
            environment = load_env(repo, env)[0]
            if stacks_absent(Aws(environment.region), environment):
                return NOT_CREATED
            raise
        if planned.actual.not_created:
            return NOT_CREATED
        found = engine_records.list_history(planned.aws, planned.desired.env,
                                            limit=RECORDS_READ)
    except FatalError as exc:
        return "; ".join(exc.lines())
    return matrix.live_from(planned.plan.changes, planned.actual, pinned,
                            planned.desired.env.functions, found)


def env_input(env: Environment, pins: dict[str, str], live: matrix.Live | str) -> matrix.EnvInput:
    functions = tuple(sorted(env.functions))
    if isinstance(live, str):
        return matrix.EnvInput(env.name, env.promotion.source, pins, None, live, functions)
    return matrix.EnvInput(env.name, env.promotion.source, pins, live, "", functions)


def gather(repo: Repository) -> matrix.Matrix:
    """The matrix of every environment of the repository; AWS is read in parallel."""
    loaded = {name: load_env(repo, name) for name in repo.env_names()}
    pins = {name: pin_versions(p) for name, (_, p) in loaded.items()}
    with ThreadPoolExecutor(max_workers=max(1, len(loaded))) as pool:
        futures = {n: pool.submit(live_state, repo, n, pins[n]) for n in loaded}
        watched = {n: pool.submit(monitoring_status.lines, env) for n, (env, _) in loaded.items()}
        lives = {n: f.result() for n, f in futures.items()}
        monitoring = tuple(line for f in watched.values() for line in f.result())
    inputs = [env_input(env, pins[n], lives[n]) for n, (env, _) in loaded.items()]
    known = {n for n, live in lives.items() if not isinstance(live, str)}
    built = matrix.build(inputs, commit=gitrepo.head_commit(repo.root), now=datetime.now(UTC),
                         gates=gate_states(repo, known), repo_url=repo_url(os.environ))
    return replace(built, monitoring=monitoring)


def gate_states(repo: Repository, known: set[str]) -> dict[str, tuple[matrix.Gate, ...]]:
    """For each environment whose source is ahead of it: the gates of that promotion as
    promotion/run_gates.py evaluates them (only where the source's live state could be read)."""
    chain = load_chain(repo)
    states: dict[str, tuple[matrix.Gate, ...]] = {}
    for target in chain.promotion.order():
        source = chain.promotion.source(target)
        if source is None or source not in known:
            continue
        found = changes(chain.pins[source], chain.pins[target])
        if not found:
            continue
        try:
            results = with_integrity(repo, chain, source, target, found)
        except FatalError:
            states[target] = (matrix.Gate("gates", "unknown"),)
            continue
        states[target] = tuple(as_gate(r) for r in results)
    return states


def as_gate(result: GateResult) -> matrix.Gate:
    """A gate as evaluated (its name, status and the day a failing soak is ready), never
    re-evaluated here."""
    return matrix.Gate(result.name, result.status, result.ready_on)


def repo_url(environ: Mapping[str, str]) -> str:
    """The repository's web address from GitHub Actions' variables (`GITHUB_SERVER_URL`,
    `GITHUB_REPOSITORY`), or empty: commits are then plain text."""
    server = environ.get("GITHUB_SERVER_URL", "").rstrip("/")
    name = environ.get("GITHUB_REPOSITORY", "").strip("/")
    return f"{server}/{name}" if server and name else ""


def history(repo: Repository, env: str, *, limit: int) -> tuple[Record, ...]:
    """Records of `env`, newest first (the caller's account must be the environment's)."""
    environment, _ = load_env(repo, env)
    aws = Aws(environment.region)
    guards.check_account(aws, environment)
    return engine_records.list_history(aws, environment, limit=limit)
