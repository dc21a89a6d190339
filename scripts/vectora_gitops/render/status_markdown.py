"""Status as Markdown, for a CI job summary or a PR comment."""

from __future__ import annotations

from vectora_gitops.status import labels
from vectora_gitops.status.matrix import Cell, Matrix, State

ICON = {State.IN_SYNC: "🟢", State.DRIFT: "🟠", State.NEVER_APPLIED: "⚪", State.UNKNOWN: "⚪",
        State.NOT_PINNED: ""}


def md(text: str) -> str:
    """Text safe inside a table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def cell(c: Cell) -> str:
    said = labels.words(c)
    if not said.pinned:
        return "—"
    parts = [f"`{md(said.version)}`", f"{ICON[said.state]} {md(said.state_word)}"]
    if said.since:
        parts.append(md(said.since))
    if said.waiting:
        parts.append(f"🔵 {md(said.waiting)}")
    return "<br>".join(parts)


def markdown(matrix: Matrix) -> str:
    lines = ["### Vectora Inbox environments", "",
             "| deployable | " + " | ".join(md(labels.header(c, arrow="←")) for c in matrix.columns) + " |",
             "|---" * (len(matrix.columns) + 1) + "|"]
    lines += [f"| `{md(row.selector)}` | " + " | ".join(cell(c) for c in row.cells) + " |"
              for row in matrix.rows]
    lines += ["", f"_{labels.caption(matrix)}_"]
    notes = labels.notes(matrix)
    if notes:
        lines += ["", *(f"- {md(n)}" for n in notes)]
    return "\n".join(lines) + "\n"
