"""The promotion chain (dev -> stage -> prod), read from each environment's `promotion.from`: its
order, the source and targets of an environment, and what is wrong with it (a source that is no
environment, a cycle). The one home of that walk (docs/architecture.md); pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vectora_gitops.model import Environment


@dataclass(frozen=True)
class ChainProblem:
    env: str  # the environment whose promotion.from is wrong
    message: str  # `promotion.from: ...`


@dataclass(frozen=True)
class PromotionChain:
    """Environment -> the environment it is promoted from (None: the start of the chain)."""

    sources: Mapping[str, str | None]

    @classmethod
    def of(cls, envs: Mapping[str, Environment]) -> PromotionChain:
        return cls({name: env.promotion.source for name, env in envs.items()})

    def source(self, env: str) -> str | None:
        return self.sources.get(env)

    def targets(self, env: str) -> tuple[str, ...]:
        """The environments promoted from `env`, by name."""
        return tuple(sorted(n for n, s in self.sources.items() if s == env and n != env))

    def starts(self) -> tuple[str, ...]:
        """The environments nothing is promoted into (`promotion.from: null`)."""
        return tuple(sorted(n for n, s in self.sources.items() if s is None))

    def is_end(self, env: str) -> bool:
        """Nothing is promoted from `env` (prod): unknown gates block there."""
        return not self.targets(env)

    def order(self) -> tuple[str, ...]:
        """Every environment once, from the starts down each chain (dev, stage, prod); an
        environment promoted from an unknown one starts a chain too, and those in a cycle come
        last, by name."""
        order: list[str] = []
        queue = sorted(n for n, s in self.sources.items() if s is None or s not in self.sources)
        while queue:
            env = queue.pop(0)
            if env not in order:
                order.append(env)
                queue += [t for t in self.targets(env) if t not in order]
        return tuple(order + sorted(set(self.sources) - set(order)))

    def text(self) -> str:
        """`dev -> stage -> prod`, for messages."""
        return " -> ".join(self.order())

    def problems(self) -> tuple[ChainProblem, ...]:
        """For each environment, the first problem met walking up its sources: a source that is
        not an environment, or a cycle (reported by every environment on it)."""
        return tuple(p for p in map(self._walk_up, sorted(self.sources)) if p is not None)

    def _walk_up(self, env: str) -> ChainProblem | None:
        seen = [env]
        current = self.sources[env]
        while current is not None:  # bounded: each step adds a new environment to `seen`
            if current not in self.sources:
                return ChainProblem(env, f"promotion.from: '{current}' is not an environment")
            if current in seen:
                return ChainProblem(env, "promotion.from: the promotion chain has a cycle "
                                    f"({' -> '.join([*seen, current])})")
            seen.append(current)
            current = self.sources[current]
        return None
