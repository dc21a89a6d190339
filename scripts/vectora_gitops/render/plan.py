"""Plan renderers: text grouped by resource, Markdown for a PR comment, JSON."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.text import Text

from vectora_gitops.engine.changes import Change
from vectora_gitops.engine.plan import Plan, short, to_dict
from vectora_gitops.masking import aws_env, git_value
from vectora_gitops.safetext import cap, md_code, md_text, printable

MAX_MD_ROWS = 200
MAX_LINE = 500  # characters of one change in the PR comment
WARNING = "warning:"  # a plan note that is a warning starts with it
STYLE = {"+": "green", "~": "yellow", "-": "red"}


def group(changes: Iterable[Change]) -> dict[str, list[Change]]:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.phase, []).append(change)
    return groups


def describe(change: Change) -> tuple[str, str]:
    """(symbol, one-line description) of a change; S3 keys and values kept on the line
    (safetext.printable), values masked where they may be secret (engine/changes.py)."""
    return change.symbol, printable(change.describe())


def lines(plan: Plan) -> list[Text]:
    """The plan as text lines, each change's symbol styled (green +, yellow ~, red -)."""
    out = [Text(printable(f"Plan for {plan.env} at {short(plan.commit)} (canonical "
                          f"{plan.pins['canonical']})"))]
    for phase, changes in group(plan.changes).items():
        out.append(Text(f"{phase}:"))
        for change in changes:
            symbol, line = describe(change)
            out.append(Text.assemble("  ", (symbol, STYLE[symbol]), " ", line))
            out += [Text(f"      {printable(more)}") for more in change.more()]
    if plan.unmanaged:
        out.append(Text(f"unmanaged (kept; `--prune` deletes): {len(plan.unmanaged)} object(s)"))
        out += [Text(f"    {printable(k)}") for k in plan.unmanaged[:20]]
    if plan.stack_notes:
        out.append(Text("stacks:"))
        out += [Text(f"  {printable(n)}", style="yellow") for n in plan.stack_notes]
    if plan.notes:
        out.append(Text("client moves (what the engine will see):"))
        out += [Text(f"  {printable(n)}", style="yellow" if n.startswith(WARNING) else "")
                for n in plan.notes]
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
    """The PR comment: one line per change inside a fenced block that no key or value can close
    (each is one printable line, the fence longer than any run of backticks in them)."""
    icon = "✅" if plan.empty else "📝"
    canonical = md_code(str(plan.pins["canonical"]), cell=False)
    lines = [f"### {icon} Plan for {md_code(plan.env, cell=False)}", "",
             f"**{md_text(plan.summary_line())}** — commit "
             f"{md_code(short(plan.commit), cell=False)}, canonical {canonical}", ""]
    if plan.changes:
        lines += ["| phase | change | count |", "|---|---|---:|"]
        for phase, changes in group(plan.changes).items():
            kinds: dict[str, int] = {}
            for c in changes:
                kinds[c.kind] = kinds.get(c.kind, 0) + 1
            lines += [f"| {phase} | {k.replace('_', ' ')} | {n} |" for k, n in kinds.items()]
        rows = []
        for change in plan.changes:
            symbol, line = describe(change)
            rows.append(f"{symbol} {cap(line, MAX_LINE)}")
            rows += [f"      {cap(printable(more), MAX_LINE)}" for more in change.more()]
        shown = rows[:MAX_MD_ROWS]
        if len(rows) > MAX_MD_ROWS:
            shown.append(f"... and {len(rows) - MAX_MD_ROWS} more")
        fence = fence_for(shown)
        lines += ["", "<details><summary>All changes</summary>", "", f"{fence}diff", *shown, fence,
                  "", "</details>"]
    if plan.unmanaged:
        lines += ["", f"{len(plan.unmanaged)} unmanaged object(s) kept (apply `--prune` deletes "
                  "them)."]
    if plan.stack_notes:
        lines += ["", "**Stacks**:", ""] + [f"- ⚠️ {md_text(n)}" for n in plan.stack_notes]
    if plan.notes:
        lines += ["", "**Client moves** (what the engine will see):", ""]
        lines += [f"- ⚠️ {md_text(n)}" if n.startswith(WARNING) else f"- {md_text(n)}" for n in plan.notes]
    return "\n".join(lines) + "\n"


def fence_for(rows: Iterable[str]) -> str:
    """A backtick fence longer than any run of backticks in `rows` (at least three)."""
    longest = max((len(run) for row in rows for run in re.findall("`+", row)), default=0)
    return "`" * max(3, longest + 1)


def as_json(plan: Plan) -> str:
    """The plan as JSON for reading: the saved plan's fields (engine/plan.py), with git's values
    of variables named like secrets masked too. `apply --plan` refuses this copy: save the plan
    to apply with `plan --out FILE`."""
    data = to_dict(plan)
    data["changes"] = [_masked(change) for change in data["changes"]]
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _masked(change: dict[str, Any]) -> dict[str, Any]:
    if change.get("kind") != "update_function":
        return change
    after = change.get("env_after")
    before = change.get("env_before") or {}
    git = after if after is not None else before  # unchanged variables: AWS holds git's values
    return {**change, "env_before": aws_env(before, git),
            "env_after": None if after is None else {k: git_value(k, v) for k, v in after.items()}}
