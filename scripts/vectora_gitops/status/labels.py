"""Words shared by the three status renderings (text, Markdown, HTML)."""

from __future__ import annotations

from datetime import datetime

from vectora_gitops.engine.plan import short
from vectora_gitops.history import Record
from vectora_gitops.status.matrix import Cell, Column, Matrix

WAITING = "waiting for promotion"
LEGEND = (("in sync", "AWS matches the pin"), ("drift", "AWS differs from the pin"),
          ("never applied", "no succeeded deployment of this pin"),
          ("unknown", "live state could not be read"), (WAITING, "the next environment is behind"))


def day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def since(cell: Cell) -> str:
    """`since 2025-03-01 (4 d)` or empty when never applied or unknown."""
    if cell.since is None:
        return ""
    return f"since {cell.since.strftime('%Y-%m-%d')} ({cell.days} d)"


def waiting(cell: Cell) -> str:
    """`waiting for promotion to prod (gates: fail)`, or empty."""
    if not cell.waiting_for:
        return ""
    gates = f" (gates: {cell.gates})" if cell.gates else ""
    return f"{WAITING} to {cell.waiting_for}{gates}"


def header(col: Column, *, arrow: str = "<-") -> str:
    """`stage <- dev`: the environment and where it is promoted from."""
    return f"{col.env} {arrow} {col.source}" if col.source else col.env


def state_word(cell: Cell) -> str:
    return cell.state.value


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
    return out


def caption(matrix: Matrix) -> str:
    return f"commit {short(matrix.commit)}, generated {day(matrix.generated_at)}"


def summary(record: Record) -> str:
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(record.summary.items()))
    return counts or "no changes"


def pins(record: Record) -> str:
    return ", ".join(f"{k} {v}" for k, v in record.pins.items())
