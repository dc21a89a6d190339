"""Status as Markdown, for a CI job summary or a PR comment."""

from __future__ import annotations

from vectora_gitops.safetext import md_code, md_text
from vectora_gitops.status import labels
from vectora_gitops.status.matrix import Cell, Matrix, State

ICON = {State.IN_SYNC: "🟢", State.DRIFT: "🟠", State.NEVER_APPLIED: "⚪", State.UNKNOWN: "⚪",
        State.NOT_PINNED: ""}
LONG = 1000  # characters of a note (it may carry an error AWS wrote)


def cell(c: Cell) -> str:
    """One cell: versions as code spans, words as escaped text (safetext); `<br>` is ours."""
    said = labels.words(c)
    if not said.pinned:
        return "—"
    parts = [md_code(said.version), f"{ICON[said.state]} {md_text(said.state_word)}"]
    if said.since:
        parts.append(md_text(said.since))
    if said.waiting:
        parts.append(f"🔵 {md_text(said.waiting)}")
    return "<br>".join(parts)


def markdown(matrix: Matrix) -> str:
    heads = " | ".join(md_text(labels.header(c, arrow="←")) for c in matrix.columns)
    lines = ["### Vectora Inbox environments", "", f"| deployable | {heads} |",
             "|---" * (len(matrix.columns) + 1) + "|"]
    lines += [f"| {md_code(row.selector)} | " + " | ".join(cell(c) for c in row.cells) + " |"
              for row in matrix.rows]
    lines += ["", f"_{md_text(labels.caption(matrix))}_"]
    notes = labels.notes(matrix)
    if notes:
        lines += ["", *(f"- {md_text(n, LONG)}" for n in notes)]
    return "\n".join(lines) + "\n"
