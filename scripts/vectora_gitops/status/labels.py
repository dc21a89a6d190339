"""Words shared by the three status renderings (text, Markdown, HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vectora_gitops.engine.plan import short
from vectora_gitops.history import Record
from vectora_gitops.status.matrix import Cell, Column, Matrix, State

WAITING = "waiting for promotion"
LEGEND = (("in sync", "AWS matches the pin"), ("drift", "AWS differs from the pin"),
          ("never applied", "no succeeded deployment of this pin"),
          ("unknown", "live state could not be read"), (WAITING, "the next environment is behind"))


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@dataclass(frozen=True)
class CellWords:
    """What one cell of the matrix says, worded once for the text, Markdown and HTML pages
    (each only formats these)."""

    version: str  # empty when not pinned
    state: State
    state_word: str  # in sync, drift, never applied, unknown, not pinned
    since: str  # `since 2025-03-01 (4 d)`, or empty when never applied or unknown
    waiting: str  # `waiting for promotion to prod (gates: fail)`, or empty

    @property
    def pinned(self) -> bool:
        return self.state is not State.NOT_PINNED


def words(cell: Cell) -> CellWords:
    """The words of `cell`, once."""
    since = f"since {cell.since.strftime('%Y-%m-%d')} ({cell.days} d)" if cell.since else ""
    waiting = ""
    if cell.waiting_for:
        gates = f" (gates: {cell.gates})" if cell.gates else ""
        waiting = f"{WAITING} to {cell.waiting_for}{gates}"
    return CellWords(cell.version or "", cell.state, cell.state.value, since, waiting)


def header(col: Column, *, arrow: str = "<-") -> str:
    """`stage <- dev`: the environment and where it is promoted from."""
    return f"{col.env} {arrow} {col.source}" if col.source else col.env


def notes(matrix: Matrix) -> list[str]:
    """One line per environment whose live state is unknown or that has other changes."""
    out = []
    for col in matrix.columns:
        if not col.known:
            out.append(f"{col.env}: live state unknown, showing git's side only ({col.reason})")
        elif col.other_changes:
            out.append(f"{col.env}: {col.other_changes} other change(s) pending "
                       "(function settings or tags; see `vectora-gitops plan --env "
                       f"{col.env}`)")
    return out + list(matrix.monitoring)


def caption(matrix: Matrix) -> str:
    return f"commit {short(matrix.commit)}, generated {day(matrix.generated_at)}"


def summary(record: Record) -> str:
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(record.summary.items()))
    return counts or "no changes"


def pins(record: Record) -> str:
    return ", ".join(f"{k} {v}" for k, v in record.pins.items())
