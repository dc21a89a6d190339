"""The environment matrix, pure: pins per environment, plan changes and records -> typed cells.

Rows are deployables (`canonical`, `clients/<id>`, `layers/<name>`) and then the functions
(`functions/<key>`: their variables, tags and layer order), columns environments in promotion
order; a drift cell carries what differs (`details.py`). No I/O here: `collect` builds the
inputs, `render/status_*` draws the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from vectora_gitops.desired.chain import PromotionChain
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import Change
from vectora_gitops.history import Record
from vectora_gitops.model import selector_order
from vectora_gitops.status.details import FUNCTIONS, Detail, function_row, placed


class State(Enum):
    IN_SYNC = "in sync"
    DRIFT = "drift"
    NEVER_APPLIED = "never applied"
    UNKNOWN = "unknown"
    NOT_PINNED = "not pinned"


@dataclass(frozen=True)
class Live:
    """What AWS told us about one environment: what differs from git, row by row, and its records."""

    details: Mapping[str, tuple[Detail, ...]]  # row -> what AWS holds differently
    other: tuple[Detail, ...]  # plan changes of no row (an object outside every deployable)
    records: tuple[Record, ...]  # newest first

    @property
    def touched(self) -> frozenset[str]:
        return frozenset(self.details)

    @property
    def applied(self) -> bool:
        """A deployment of this environment ever succeeded."""
        return any(r.succeeded for r in self.records)


@dataclass(frozen=True)
class EnvInput:
    name: str
    source: str | None  # promotion.from
    pins: Mapping[str, str]  # selector -> version
    live: Live | None  # None: live state unknown
    reason: str = ""  # why live is None
    functions: tuple[str, ...] = ()  # keys of the functions the environment declares


@dataclass(frozen=True)
class Gate:
    """One gate of a promotion, as promotion/run_gates.py evaluated it."""

    name: str
    status: str  # pass / fail / unknown
    ready_on: datetime | None = None  # a failing soak: the day it passes by waiting

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass(frozen=True)
class Cell:
    version: str | None  # the pin; None for a function row (and where not pinned)
    state: State
    since: datetime | None = None  # earliest succeeded record since which this pin is deployed
    days: int | None = None
    waiting_for: str | None = None  # the next environment this version is not yet promoted to
    gates: tuple[Gate, ...] = ()  # the gates of that promotion, when evaluated
    details: tuple[Detail, ...] = ()  # what AWS holds differently (drift)
    env: str = ""


@dataclass(frozen=True)
class Row:
    selector: str  # a deployable, or `functions/<key>`
    cells: tuple[Cell, ...]

    @property
    def waiting(self) -> bool:
        return any(c.waiting_for for c in self.cells)

    @property
    def function(self) -> str:
        """The function's key on a function row, else empty."""
        kind, _, name = self.selector.partition("/")
        return name if kind == FUNCTIONS else ""


@dataclass(frozen=True)
class Column:
    env: str
    source: str | None
    known: bool
    reason: str
    other: tuple[Detail, ...]
    records: tuple[Record, ...]

    @property
    def applied(self) -> bool:
        """Some deployment of it succeeded (False also when its live state is unknown)."""
        return any(r.succeeded for r in self.records)


@dataclass(frozen=True)
class Matrix:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    commit: str
    generated_at: datetime
    repo_url: str = ""  # https://github.com/<owner>/<repo>, when known: commits become links
    # holds and spend against the budget, one line each (monitoring/status.py)
    monitoring: tuple[str, ...] = ()


def live_from(changes: Sequence[Change], actual: ActualState, pinned: Iterable[str],
              functions: Iterable[str], records: tuple[Record, ...]) -> Live:
    """Live info of one environment: what differs on each row (its pinned deployables and its
    functions), and the changes of no row."""
    rows = frozenset(pinned) | {function_row(f) for f in functions}
    found, other = placed(changes, actual, rows)
    return Live(found, other, records)


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


def function_state(selector: str, env: EnvInput) -> State:
    """A function row: not declared, unknown, never applied (no deployment of the environment
    succeeded), drift when a setting differs, else in sync."""
    if selector.partition("/")[2] not in env.functions:
        return State.NOT_PINNED
    if env.live is None:
        return State.UNKNOWN
    if not env.live.applied:
        return State.NEVER_APPLIED
    return State.DRIFT if selector in env.live.touched else State.IN_SYNC


def waiting_for(selector: str, env: EnvInput, by_name: Mapping[str, EnvInput],
                chain: PromotionChain) -> str | None:
    """The first environment promoted from `env` that does not run its version of `selector`."""
    version = env.pins.get(selector)
    if version is None:
        return None
    return next((t for t in chain.targets(env.name)
                 if t in by_name and by_name[t].pins.get(selector) != version), None)


def make_cell(selector: str, env: EnvInput, by_name: Mapping[str, EnvInput], chain: PromotionChain,
              now: datetime, gates: Mapping[str, tuple[Gate, ...]] | None = None) -> Cell:
    if selector.startswith(f"{FUNCTIONS}/"):
        state = function_state(selector, env)
        return Cell(None, state, details=drifted(selector, env, state), env=env.name)
    version = env.pins.get(selector)
    state = cell_state(selector, version, env.live)
    since = None
    if version is not None and env.live is not None and state is not State.NEVER_APPLIED:
        since = deployed_since(selector, version, env.live.records)
    days = max(0, (now - since).days) if since else None
    target = waiting_for(selector, env, by_name, chain)
    return Cell(version, state, since, days, target, (gates or {}).get(target or "", ()),
                drifted(selector, env, state), env.name)


def drifted(selector: str, env: EnvInput, state: State) -> tuple[Detail, ...]:
    """What differs, on a drift cell (a pin never applied differs everywhere: not listed)."""
    if state is not State.DRIFT or env.live is None:
        return ()
    return env.live.details.get(selector, ())


def column(env: EnvInput) -> Column:
    live = env.live
    return Column(env.name, env.source, live is not None, env.reason,
                  live.other if live else (), live.records if live else ())


def selectors(envs: Iterable[EnvInput]) -> tuple[str, ...]:
    """Deployables (canonical, clients, layers), then the functions, each sorted by name."""
    pinned = sorted({s for e in envs for s in e.pins}, key=selector_order)
    functions = sorted({function_row(f) for e in envs for f in e.functions})
    return (*pinned, *functions)


def build(envs: Sequence[EnvInput], *, commit: str, now: datetime,
          gates: Mapping[str, tuple[Gate, ...]] | None = None, repo_url: str = "") -> Matrix:
    """The matrix, columns in promotion order; `gates`: target environment -> the gates of the
    promotion into it, where evaluated; `repo_url`: the repository's web address, if known."""
    by_name = {e.name: e for e in envs}
    chain = PromotionChain({e.name: e.source for e in envs})
    ordered = [by_name[n] for n in chain.order()]
    rows = tuple(Row(sel, tuple(make_cell(sel, e, by_name, chain, now, gates) for e in ordered))
                 for sel in selectors(ordered))
    return Matrix(tuple(column(e) for e in ordered), rows, commit, now, repo_url)
