"""Plan renderers: text grouped by resource, Markdown for a PR comment, JSON."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable

from rich.console import Console
from rich.text import Text

from vectora_gitops.engine.changes import Change
from vectora_gitops.engine.plan import Plan, short, to_dict

MAX_MD_ROWS = 200
WARNING = "warning:"  # a plan note that is a warning starts with it
STYLE = {"+": "green", "~": "yellow", "-": "red"}


def describe(change: Change) -> tuple[str, str]:
    """(symbol, one-line description) of a change."""
    return change.symbol, change.describe()


def group(changes: Iterable[Change]) -> dict[str, list[Change]]:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.phase, []).append(change)
    return groups


def lines(plan: Plan) -> list[Text]:
    """The plan as text lines, each change's symbol styled (green +, yellow ~, red -)."""
    out = [Text(f"Plan for {plan.env} at {short(plan.commit)} (canonical {plan.pins['canonical']})")]
    for phase, changes in group(plan.changes).items():
        out.append(Text(f"{phase}:"))
        out += [Text.assemble("  ", (c.symbol, STYLE[c.symbol]), " ", c.describe()) for c in changes]
    if plan.unmanaged:
        out.append(Text(f"unmanaged (kept; `--prune` deletes): {len(plan.unmanaged)} object(s)"))
        out += [Text(f"    {k}") for k in plan.unmanaged[:20]]
    if plan.notes:
        out.append(Text("client moves (what the engine will see):"))
        out += [Text(f"  {n}", style="yellow" if n.startswith(WARNING) else "") for n in plan.notes]
    out.append(Text(plan.summary_line()))
    return out


def text(plan: Plan, *, color: bool) -> str:
    """The plan for a terminal (`color`: rich's colours) or a pipe (plain text)."""
    if not color:
        return "".join(f"{line.plain}\n" for line in lines(plan))
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard",
                      soft_wrap=True, highlight=False, markup=False, emoji=False)
    with console.capture() as captured:
        for line in lines(plan):
            console.print(line)
    return captured.get()


def markdown(plan: Plan) -> str:
    icon = "✅" if plan.empty else "📝"
    lines = [f"### {icon} Plan for `{plan.env}`", "", f"**{plan.summary_line()}** — commit "
             f"`{short(plan.commit)}`, canonical `{plan.pins['canonical']}`", ""]
    if plan.changes:
        lines += ["| phase | change | count |", "|---|---|---:|"]
        for phase, changes in group(plan.changes).items():
            kinds: dict[str, int] = {}
            for c in changes:
                kinds[c.kind] = kinds.get(c.kind, 0) + 1
            lines += [f"| {phase} | {k.replace('_', ' ')} | {n} |" for k, n in kinds.items()]
        lines += ["", "<details><summary>All changes</summary>", "", "```diff"]
        rows = [f"{s} {line}" for s, line in map(describe, plan.changes)]
        lines += rows[:MAX_MD_ROWS]
        if len(rows) > MAX_MD_ROWS:
            lines.append(f"... and {len(rows) - MAX_MD_ROWS} more")
        lines += ["```", "", "</details>"]
    if plan.unmanaged:
        lines += ["", f"{len(plan.unmanaged)} unmanaged object(s) kept (apply `--prune` deletes "
                  "them)."]
    if plan.notes:
        lines += ["", "**Client moves** (what the engine will see):", ""]
        lines += [f"- ⚠️ {n}" if n.startswith(WARNING) else f"- {n}" for n in plan.notes]
    return "\n".join(lines) + "\n"


def as_json(plan: Plan) -> str:
    return json.dumps(to_dict(plan), indent=2, sort_keys=True) + "\n"
