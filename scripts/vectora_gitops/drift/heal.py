"""Heal drift where the environment allows it (sync.self_heal): the engine's plan and apply."""

from __future__ import annotations

from dataclasses import dataclass

from vectora_gitops.desired.repo import Repository
from vectora_gitops.drift.findings import EnvDrift
from vectora_gitops.drift.run import check_env
from vectora_gitops.engine import guards, hold
from vectora_gitops.engine.reconcile import apply_env, plan_env, utcnow
from vectora_gitops.errors import FatalError
from vectora_gitops.snapshots.take import take_before_apply


@dataclass(frozen=True)
class Healed:
    env: str
    ok: bool
    message: str


def heal(repo: Repository, drift: EnvDrift) -> Healed:
    """Reconcile one drifting environment, then check it again."""
    env = drift.env
    if not drift.self_heal:
        return Healed(env, False, f"{env}: not healed: sync.self_heal is false in "
                      f"environments/{env}/environment.yaml; fix the drift by a pull request "
                      f"(or `vectora-gitops apply --env {env}` after review)")
    try:
        planned = plan_env(repo, env)
        hold.check(planned.aws, planned.desired.env, planned.plan.pins)
        guards.check_window(planned.desired.env, utcnow(), override=False, reason=None)
        outcome, record = apply_env(planned, planned.plan, snapshot=take_before_apply,
                                    override_reason=None)
        left = check_env(repo, env)
    except FatalError as exc:
        return Healed(env, False, f"{env}: heal failed: {'; '.join(exc.lines())}")
    if left.drifted:
        kinds = sorted({f.label for f in left.findings if not f.ignored})
        return Healed(env, False, f"{env}: applied {len(outcome.done)} change(s) (record "
                      f"{record.id}) but drift remains: {', '.join(kinds)}")
    return Healed(env, True, f"{env}: healed: applied {len(outcome.done)} change(s), record "
                  f"{record.id}")
