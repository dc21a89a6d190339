"""The environment matrix, pure: pins per environment, plan changes and records -> typed cells.

Rows are deployables (`canonical`, `clients/<id>`, `layers/<name>`), columns environments in
promotion order. No I/O here: `collect` builds the inputs, `render/status_*` draws the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from vectora_gitops.desired.chain import PromotionChain
from vectora_gitops.engine.changes import Change
from vectora_gitops.history import Record
from vectora_gitops.model import selector_order


class State(Enum):
    IN_SYNC = "in sync"
    DRIFT = "drift"
    NEVER_APPLIED = "never applied"
    UNKNOWN = "unknown"
    NOT_PINNED = "not pinned"


@dataclass(frozen=True)
class Live:
    """What AWS told us about one environment: deployables the plan touches, and its records."""

    touched: frozenset[str]
    other_changes: int  # plan changes that concern no deployable (function env vars, tags, ...)
    records: tuple[Record, ...]  # newest first


@dataclass(frozen=True)
class EnvInput:
    name: str
    source: str | None  # promotion.from
    pins: Mapping[str, str]  # selector -> version
    live: Live | None  # None: live state unknown
    reason: str = ""  # why live is None


@dataclass(frozen=True)
class Cell:
    version: str | None
    state: State
    since: datetime | None = None  # earliest succeeded record since which this pin is deployed
    days: int | None = None
    waiting_for: str | None = None  # the next environment this version is not yet promoted to
    gates: str = ""  # pass / fail / unknown: the gates of that promotion, when evaluated


@dataclass(frozen=True)
class Row:
    selector: str
    cells: tuple[Cell, ...]

    @property
    def waiting(self) -> bool:
        return any(c.waiting_for for c in self.cells)


@dataclass(frozen=True)
class Column:
    env: str
    source: str | None
    known: bool
    reason: str
    other_changes: int
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Matrix:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    commit: str
    generated_at: datetime
    # holds and spend against the budget, one line each (monitoring/status.py)
    monitoring: tuple[str, ...] = ()


def selectors(envs: Iterable[EnvInput]) -> tuple[str, ...]:
    return tuple(sorted({s for e in envs for s in e.pins}, key=selector_order))


def live_from(changes: Sequence[Change], pinned: Iterable[str], records: tuple[Record, ...]) -> Live:
    """Live info of one environment: which pinned deployables the plan touches, and the rest."""
    keep = set(pinned)
    touched: set[str] = set()
    other = 0
    for change in changes:
        hit = change.deployables() & keep
        touched |= hit
        other += 0 if hit else 1
    return Live(frozenset(touched), other, records)


def deployed_since(selector: str, version: str, records: Sequence[Record]) -> datetime | None:
    """The earliest succeeded record since which `version` has been deployed without a break."""
    since = None
    for record in records:
        if not record.succeeded:
            continue
        if record.pins.get(selector) != version:
            break
        since = record.at or since
    return since


def ever_applied(selector: str, version: str, records: Sequence[Record]) -> bool:
    return any(r.succeeded and r.pins.get(selector) == version for r in records)


def cell_state(selector: str, version: str | None, live: Live | None) -> State:
    if version is None:
        return State.NOT_PINNED
    if live is None:
        return State.UNKNOWN
    if not ever_applied(selector, version, live.records):
        return State.NEVER_APPLIED
    return State.DRIFT if selector in live.touched else State.IN_SYNC


def waiting_for(selector: str, env: EnvInput, by_name: Mapping[str, EnvInput],
                chain: PromotionChain) -> str | None:
    """The first environment promoted from `env` that does not run its version of `selector`."""
    version = env.pins.get(selector)
    if version is None:
        return None
    return next((t for t in chain.targets(env.name)
                 if t in by_name and by_name[t].pins.get(selector) != version), None)


def make_cell(selector: str, env: EnvInput, by_name: Mapping[str, EnvInput], chain: PromotionChain,
              now: datetime, gates: Mapping[str, str] | None = None) -> Cell:
    version = env.pins.get(selector)
    state = cell_state(selector, version, env.live)
    since = None
    if version is not None and env.live is not None and state is not State.NEVER_APPLIED:
        since = deployed_since(selector, version, env.live.records)
    days = max(0, (now - since).days) if since else None
    target = waiting_for(selector, env, by_name, chain)
    return Cell(version, state, since, days, target, (gates or {}).get(target or "", ""))


def column(env: EnvInput) -> Column:
    live = env.live
    return Column(env.name, env.source, live is not None, env.reason,
                  live.other_changes if live else 0, live.records if live else ())


def build(envs: Sequence[EnvInput], *, commit: str, now: datetime,
          gates: Mapping[str, str] | None = None) -> Matrix:
    """The matrix, columns in promotion order; `gates`: target environment -> the state of the
    gates of the promotion into it (pass / fail / unknown), where evaluated."""
    by_name = {e.name: e for e in envs}
    chain = PromotionChain({e.name: e.source for e in envs})
    ordered = [by_name[n] for n in chain.order()]
    rows = tuple(Row(sel, tuple(make_cell(sel, e, by_name, chain, now, gates) for e in ordered))
                 for sel in selectors(ordered))
    return Matrix(tuple(column(e) for e in ordered), rows, commit, now)
