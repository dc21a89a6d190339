"""Gates of one promotion, end to end: load both environments, work out the pins promoted, read
the evidence from AWS and evaluate. Shared by `promote` (PR body) and `gates`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vectora_gitops.desired import digests
from vectora_gitops.desired.chain import PromotionChain
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.yamledit import apply_edits
from vectora_gitops.model import Environment, Pins, split_selector
from vectora_gitops.promotion import clock, evidence, integrity, pins
from vectora_gitops.promotion.gates import Evidence, GateResult, Inputs, evaluate


@dataclass(frozen=True)
class Chain:
    """Every environment of the repository with its pins."""

    envs: dict[str, Environment]
    pins: dict[str, Pins]

    @property
    def promotion(self) -> PromotionChain:
        return PromotionChain.of(self.envs)

    def pins_path(self, env: str) -> str:
        return f"environments/{env}/pins.yaml"


def load_chain(repo: Repository, *names: str) -> Chain:
    for name in names:
        repo.env_dir(name)  # unknown environment: one clear line
    loaded = {n: load_env(repo, n) for n in repo.env_names()}
    return Chain({n: e for n, (e, _) in loaded.items()}, {n: p for n, (_, p) in loaded.items()})


def gate_results(chain: Chain, source: str, target: str, found: Sequence[pins.PinChange],
                 integrity: tuple[str, ...], content: Mapping[str, str]) -> tuple[GateResult, ...]:
    """`content`: selector -> content digest of what is promoted (desired/digests.py)."""
    gates = chain.envs[target].promotion.gates
    now = clock.now()
    needs_aws = gates.soak_days > 0 or gates.e2e_required or bool(gates.metrics)
    clients = [c.name for c in found if split_selector(c.selector)[0] == "clients"]
    seen = evidence.collect(chain.envs[source], chain.pins[source], gates.metrics, clients, now) \
        if needs_aws else Evidence()
    return evaluate(Inputs(source, gates, tuple(found), seen, now, integrity, content))


def with_integrity(repo: Repository, chain: Chain, source: str, target: str,
                   found: Sequence[pins.PinChange]) -> tuple[GateResult, ...]:
    """The gates, the integrity gate included: validate as if the pins were copied."""
    path = chain.pins_path(target)
    text = (repo.root / path).read_text(encoding="utf-8")
    edited = apply_edits(text, [e for c in found for e in c.edits], display=path)
    return gate_results(chain, source, target, found, integrity.errors_if(repo, {path: edited}),
                        digests.pin_digests(repo, chain.pins[source]))


# Strict by declaration: unknown gates always fail promotions into these, wherever they sit in
# the chain (an environment promoted from prod does not make prod lenient; docs/evidence.md).
ALWAYS_STRICT = frozenset({"prod"})


def is_strict(promotion: PromotionChain, target: str) -> bool:
    return target in ALWAYS_STRICT or promotion.is_end(target)


def strict(chain: Chain, target: str) -> bool:
    """Unknown gates fail into prod and at the end of the chain, and warn elsewhere."""
    return is_strict(chain.promotion, target)
