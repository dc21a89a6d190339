"""The words of the status page, once, for its three renderings (text, Markdown, HTML): each
renderer only formats these (docs/architecture.md §2, "one home for each concept"). The words
carry text from AWS and records as it is; the renderers make it inert (safetext, §9)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from vectora_gitops.history import Record
from vectora_gitops.status import details as d
from vectora_gitops.status.matrix import Cell, Column, Gate, Matrix, Row, State

TITLE = "Vectora Inbox environments"
DEPLOYMENTS = "Deployments"
FIRST_COLUMN = "deployable"
WAITING = "waiting for promotion"
STATE = {State.IN_SYNC: "in sync", State.DRIFT: "drift", State.NEVER_APPLIED: "NEVER APPLIED",
         State.UNKNOWN: "unknown", State.NOT_PINNED: "not pinned"}
LEGEND = ((STATE[State.IN_SYNC], "AWS matches git"),
          (STATE[State.DRIFT], "AWS differs from git: the cell says what, and since when"),
          (STATE[State.NEVER_APPLIED], "no succeeded deployment of this pin or environment"),
          (STATE[State.UNKNOWN], "live state could not be read"),
          (WAITING, "the next environment is behind; the gates say what holds it"))
GATES_PASS = "gates pass"
DIRTY = "dirty"  # applied from a working tree with uncommitted changes
MAX_DETAILS = 3  # per cell; the rest is counted and `drift` lists it
LAYER_KINDS = (d.LAYER_NOT_ATTACHED,)  # details on a layer's row that name their function
SHA = re.compile(r"[0-9a-f]{40}")


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def since(moment: datetime | None) -> str:
    """`since 2026-12-02 11:03 UTC`, or `since unknown` where AWS gives no time."""
    return f"since {day(moment)}" if moment else "since unknown"


@dataclass(frozen=True)
class CellWords:
    """What one cell of the matrix says."""

    version: str | None  # the pin; None on function rows and where not pinned
    state: State
    state_word: str  # in sync, drift, NEVER APPLIED, unknown, not pinned
    since: str  # `deployed since 2025-03-01 (4 d)`, or empty
    waiting: str  # `waiting for promotion to prod`, or empty
    details: tuple[str, ...] = ()  # what differs and since when, on a drift cell
    gates: tuple[str, ...] = ()  # `soak fails: ready on 2026-12-16 09:00 UTC`, `gates pass`

    @property
    def pinned(self) -> bool:
        return self.state is not State.NOT_PINNED


def words(cell: Cell) -> CellWords:
    """The words of `cell`, once."""
    deployed = f"deployed since {cell.since.strftime('%Y-%m-%d')} ({cell.days} d)" \
        if cell.since else ""
    waiting = f"{WAITING} to {cell.waiting_for}" if cell.waiting_for else ""
    gates = gate_pills(cell.gates) if cell.waiting_for else ()
    return CellWords(cell.version, cell.state, STATE[cell.state], deployed, waiting,
                     cell_details(cell), gates)


def cell_details(cell: Cell) -> tuple[str, ...]:
    shown = tuple(detail(x, on_function=bool(x.function) and x.kind not in LAYER_KINDS)
                  for x in cell.details[:MAX_DETAILS])
    rest = len(cell.details) - MAX_DETAILS
    more = (f"and {rest} more: vectora-gitops drift --env {cell.env}",) if rest > 0 else ()
    return shown + more


def detail(x: d.Detail, *, on_function: bool = False) -> str:
    """One difference and since when: `canonical/x.yaml changed outside git, since ...`,
    `LOG_LEVEL = ***sha256:1a2b3c4d (git: INFO), since ...`. `on_function`: the row is the
    function's (its name is not repeated)."""
    who = "" if on_function or not x.function else f"{x.function}: "
    what = {
        d.OBJECT_CHANGED: f"{x.subject} changed outside git",
        d.OBJECT_EARLIER: f"{x.subject} holds an earlier apply (git's bytes not applied yet)",
        d.OBJECT_MISSING: f"{x.subject} missing in AWS",
        d.OBJECT_EXTRA: f"{x.subject} " + (f"to be deleted ({x.git})" if x.git else "not in git"),
        d.LAYER_MISSING: f"layer {x.subject} {x.git} not published in AWS".replace("  ", " "),
        d.LAYER_NOT_ATTACHED: f"{who}{x.subject} pin not attached (carries {x.aws})",
        d.LAYER_ORDER: f"{who}layers {x.aws} (git: {x.git})",
        d.ENV_CHANGED: f"{who}{x.subject} = {x.aws} (git: {x.git})",
        d.ENV_ADDED: f"{who}{x.subject} = {x.aws} (not in git)",
        d.ENV_REMOVED: f"{who}{x.subject} missing (git: {x.git})",
        d.TAG_CHANGED: f"{who}tag {x.subject} = {x.aws} (git: {x.git})",
        d.TAG_MISSING: f"{who}tag {x.subject} missing (git: {x.git})",
        d.FUNCTION_MISSING: f"function {x.subject} missing in AWS",
    }.get(x.kind, f"{who}{x.subject}: {x.kind.replace('_', ' ')}")
    return f"{what}, {since(x.since)}"


def gate_pills(gates: Sequence[Gate]) -> tuple[str, ...]:
    """Which gates hold the promotion, and until when; `gates pass` when none does."""
    if not gates:
        return ()
    holding = [g for g in gates if not g.passed]
    return tuple(gate_pill(g) for g in holding) if holding else (GATES_PASS,)


def gate_pill(gate: Gate) -> str:
    """`soak fails: ready on 2026-12-16 09:00 UTC`, `e2e fails`, `metric noise_rate unknown`."""
    verb = "fails" if gate.status == "fail" else gate.status
    ready = f": ready on {day(gate.ready_on)}" if gate.ready_on else ""
    return f"{gate.name} {verb}{ready}"


def row_name(row: Row) -> str:
    """`canonical`, `clients/lai_weekly`, `layers/vectora-core`, `function ingest`."""
    return f"function {row.function}" if row.function else row.selector


def header(col: Column, *, arrow: str = "<-") -> str:
    """`stage <- dev`: the environment and where it is promoted from."""
    return f"{col.env} {arrow} {col.source}" if col.source else col.env


def never_applied(col: Column) -> str:
    """The flag of an environment no deployment of which succeeded, or empty."""
    if not col.known or col.applied:
        return ""
    return f"{STATE[State.NEVER_APPLIED]}: no deployment record"


def unknown(col: Column) -> str:
    return f"live state unknown, showing git's side only ({col.reason})"


def notes(matrix: Matrix) -> list[str]:
    """One line per environment that needs an action: unknown, never applied, drift, others."""
    out = []
    for col in matrix.columns:
        env = col.env
        drifted = sum(1 for r in matrix.rows for c in r.cells
                      if c.env == env and c.state is State.DRIFT)
        if not col.known:
            out.append(f"{env}: {unknown(col)}")
        elif not col.applied:
            out.append(f"{env}: {never_applied(col)}; apply it: vectora-gitops apply --env {env}")
        elif drifted:
            out.append(f"{env}: AWS differs from git in {drifted} row(s); every difference: "
                       f"vectora-gitops drift --env {env}; to put git's state back: "
                       f"vectora-gitops apply --env {env}")
        if col.records and col.records[0].dirty:
            out.append(f"{env}: last run {dirty(col.records[0])}")
        if col.known and col.other:
            shown = "; ".join(detail(x) for x in col.other[:MAX_DETAILS])
            out.append(f"{env}: {len(col.other)} other change(s) pending ({shown}); see "
                       f"vectora-gitops plan --env {env}")
    return out + list(matrix.monitoring)


def dirty(record: Record) -> str:
    """A record applied from a working tree with uncommitted changes, and why it was allowed."""
    why = f": {record.allow_dirty_reason}" if record.allow_dirty_reason else ""
    return (f"{record.id}: applied from a dirty working tree ({commit(record.commit)}, by "
            f"{record.actor}){why}")


def caption(matrix: Matrix) -> str:
    return f"commit {commit(matrix.commit)}, generated {day(matrix.generated_at)}"


def commit(value: str) -> str:
    """The first 12 hex of a commit, keeping git's `-dirty` mark."""
    sha, mark = (value[:-6], "-dirty") if value.endswith("-dirty") else (value, "")
    return (sha[:12] if len(sha) >= 40 else sha) + mark


def commit_url(repo_url: str, value: str) -> str:
    """The commit's page in the repository, when both are known; else empty."""
    sha = value.removesuffix("-dirty")
    return f"{repo_url}/commit/{sha}" if repo_url and SHA.fullmatch(sha) else ""


def summary(record: Record) -> str:
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(record.summary.items()))
    return counts or "no changes"


def pins(record: Record) -> str:
    return ", ".join(f"{k} {v}" for k, v in record.pins.items())


def deployment(record: Record) -> str:
    """`record <id>: succeeded 2026-12-02 11:03 UTC by ci, commit 1a2b3c4d5e6f-dirty (dirty:
    hotfix during the outage)`."""
    return (f"record {record.id}: {record.result} {day(record.at)} by {record.actor or '?'}, "
            f"commit {commit(record.commit)}{dirty_mark(record)}")


def dirty_mark(record: Record) -> str:
    """` (dirty)`, with the reason given to --allow-dirty when there was one; else empty."""
    return f" ({dirty_word(record)})" if record.dirty else ""


def dirty_word(record: Record) -> str:
    reason = record.allow_dirty_reason
    return f"{DIRTY}: {reason}" if reason else DIRTY


def latest(col: Column) -> str:
    """The newest deployment of an environment, as one line (empty when it has none)."""
    return f"{col.env}: latest {deployment(col.records[0])}" if col.records else ""
