"""Status and history as terminal tables (rich), 100 columns wide."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vectora_gitops.history import Record
from vectora_gitops.safetext import printable
from vectora_gitops.status import labels
from vectora_gitops.status.matrix import Cell, Column, Matrix, State

WIDTH = 100
STYLE = {State.IN_SYNC: "green", State.DRIFT: "yellow", State.NEVER_APPLIED: "bold red",
         State.UNKNOWN: "bright_black", State.NOT_PINNED: "bright_black"}


def _export(renderables: list[Table | str], *, color: bool, width: int = WIDTH) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), force_terminal=color,
                      color_system="standard" if color else None, highlight=False)
    for item in renderables:
        console.print(item)
    text = console.export_text(styles=color)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def cell_text(cell: Cell) -> str:
    """One cell: every word from labels.words; AWS's text one line each, no markup (printable)."""
    said = labels.words(cell)
    if not said.pinned:
        return "[bright_black]-[/]"
    lines = [f"[bold]{escape(printable(said.version))}[/]"] if said.version is not None else []
    lines.append(f"[{STYLE[said.state]}]{escape(said.state_word)}[/]")
    if said.since:
        lines.append(escape(said.since))
    lines += [f"[yellow]{escape(printable(x))}[/]" for x in said.details]
    if said.waiting:
        lines.append(f"[blue]{escape(said.waiting)}[/]")
    lines += [f"[{'green' if g == labels.GATES_PASS else 'red'}]{escape(printable(g))}[/]"
              for g in said.gates]
    return "\n".join(lines)


def column_head(col: Column) -> str:
    flag = labels.never_applied(col)
    head = escape(labels.header(col))
    return f"{head}\n[bold red]{escape(flag)}[/]" if flag else head


def matrix_table(matrix: Matrix) -> Table:
    table = Table(title=labels.TITLE, caption=labels.caption(matrix),
                  box=box.SIMPLE_HEAVY, show_lines=True)
    table.add_column(labels.FIRST_COLUMN, no_wrap=True)
    for col in matrix.columns:
        table.add_column(column_head(col), min_width=22, overflow="fold")
    for row in matrix.rows:
        table.add_row(escape(labels.row_name(row)), *(cell_text(c) for c in row.cells))
    return table


def text(matrix: Matrix, *, color: bool) -> str:
    notes: list[Table | str] = [escape(printable(n)) for n in labels.notes(matrix)]
    latest = [escape(printable(line)) for line in map(labels.latest, matrix.columns) if line]
    gap: list[Table | str] = [""] if notes else []
    return _export([matrix_table(matrix), *gap, *notes,
                    *(["", f"{labels.DEPLOYMENTS}:", *latest] if latest else [])], color=color)


def history(env: str, records: tuple[Record, ...]) -> str:
    """A plain table of deployment records, newest first."""
    if not records:
        return f"{env}: no deployment records\n"
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    for name in ("started", "record", "result", "kind", "actor", "commit", "changes", "pins"):
        table.add_column(name, overflow="fold")
    for r in records:  # record fields are text from S3: one line each, no markup
        result = f"{r.result} (break glass)" if r.break_glass_reason else r.result
        commit = labels.commit(r.commit) + labels.dirty_mark(r)
        table.add_row(labels.day(r.started_at), *(escape(printable(t)) for t in (
            r.id, result, r.kind, r.actor, commit, labels.summary(r), labels.pins(r))))
    glass = [escape(printable(f"{r.id}: break glass: {r.break_glass_reason}")) for r in records
             if r.break_glass_reason]
    return _export([table, *glass], color=False, width=160)
