"""Plan renderers: text grouped by resource, Markdown for a PR comment, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from vectora_gitops.engine.changes import Change
from vectora_gitops.engine.plan import Plan, short, to_dict

MAX_MD_ROWS = 200


def describe(change: Change) -> tuple[str, str]:
    """(symbol, one-line description) of a change."""
    return change.symbol, change.describe()


def group(changes: Iterable[Change]) -> dict[str, list[Change]]:
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.phase, []).append(change)
    return groups


def text(plan: Plan, *, color: bool) -> str:
    def paint(symbol: str, line: str) -> str:
        if not color:
            return f"  {symbol} {line}"
        code = {"+": "32", "-": "31", "~": "33"}[symbol]
        return f"  \x1b[{code}m{symbol}\x1b[0m {line}"

    lines = [f"Plan for {plan.env} at {short(plan.commit)} (canonical {plan.pins['canonical']})"]
    for phase, changes in group(plan.changes).items():
        lines.append(f"{phase}:")
        lines += [paint(*describe(c)) for c in changes]
    if plan.unmanaged:
        lines.append(f"unmanaged (kept; `--prune` deletes): {len(plan.unmanaged)} object(s)")
        lines += [f"    {k}" for k in plan.unmanaged[:20]]
    lines.append(plan.summary_line())
    return "\n".join(lines) + "\n"


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
    return "\n".join(lines) + "\n"


def as_json(plan: Plan) -> str:
    return json.dumps(to_dict(plan), indent=2, sort_keys=True) + "\n"
