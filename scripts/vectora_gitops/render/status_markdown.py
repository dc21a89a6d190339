"""Status as Markdown, for a CI job summary or a PR comment. Every word comes from
status/labels.py; text from AWS and records only as safetext code spans or escaped prose."""

from __future__ import annotations

from vectora_gitops.safetext import md_code, md_text
from vectora_gitops.status import labels
from vectora_gitops.status.matrix import Cell, Column, Matrix, State

ICON = {State.IN_SYNC: "🟢", State.DRIFT: "🟠", State.NEVER_APPLIED: "🔴", State.UNKNOWN: "⚪",
        State.NOT_PINNED: ""}
LONG = 1000  # characters of a note (it may carry an error AWS wrote)


def state(c: Cell) -> str:
    word = md_text(labels.STATE[c.state])
    return f"{ICON[c.state]} **{word}**" if c.state is State.NEVER_APPLIED else \
        f"{ICON[c.state]} {word}"


def cell(c: Cell) -> str:
    """One cell: versions as code spans, words as escaped text (safetext); `<br>` is ours."""
    said = labels.words(c)
    if not said.pinned:
        return "—"
    parts = [md_code(said.version)] if said.version is not None else []
    parts.append(state(c))
    if said.since:
        parts.append(md_text(said.since))
    parts += [f"↳ {md_text(x)}" for x in said.details]
    if said.waiting:
        parts.append(f"🔵 {md_text(said.waiting)}")
    parts += [f"{'✅' if g == labels.GATES_PASS else '⛔'} {md_text(g)}" for g in said.gates]
    return "<br>".join(parts)


def head(col: Column) -> str:
    flag = labels.never_applied(col)
    text = md_text(labels.header(col, arrow="←"))
    return f"{text}<br>🔴 **{md_text(flag)}**" if flag else text


def markdown(matrix: Matrix) -> str:
    heads = " | ".join(head(c) for c in matrix.columns)
    lines = [f"### {labels.TITLE}", "", f"| {labels.FIRST_COLUMN} | {heads} |",
             "|---" * (len(matrix.columns) + 1) + "|"]
    lines += [f"| {md_code(labels.row_name(row))} | " + " | ".join(cell(c) for c in row.cells)
              + " |" for row in matrix.rows]
    lines += ["", f"_{md_text(labels.caption(matrix))}_"]
    notes = labels.notes(matrix)
    if notes:
        lines += ["", *(f"- {md_text(n, LONG)}" for n in notes)]
    latest = [line for line in map(labels.latest, matrix.columns) if line]
    if latest:
        lines += ["", f"#### {labels.DEPLOYMENTS}", "", *(f"- {md_text(line, LONG)}" for line in latest)]
    return "\n".join(lines) + "\n"
