"""Plan renderers: text grouped by resource, Markdown for a PR comment, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable

from vectora_gitops.engine.changes import (
    Change,
    CopyArtifact,
    DeleteObject,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
)
from vectora_gitops.engine.plan import Plan, short, to_dict

SYMBOL = {"create": "+", "update": "~", "delete": "-"}
MAX_MD_ROWS = 200


def describe(change: Change) -> tuple[str, str]:
    """(symbol, one-line description) of a change."""
    if isinstance(change, PutObject):
        return SYMBOL[change.action], f"{change.action} {change.key} from {change.source}"
    if isinstance(change, DeleteObject):
        return "-", f"delete {change.key} (not in git)"
    if isinstance(change, CopyArtifact):
        return "+", f"copy artifact {change.source} -> s3://{change.bucket}/{change.key}"
    if isinstance(change, PublishLayer):
        return "+", (f"publish {change.layer_name} from {change.version} "
                     f"(sha256 {change.sha256[:12]})")
    if isinstance(change, UpdateFunction):
        return "~", f"update {change.name}: {', '.join(function_details(change))}"
    if isinstance(change, TagFunction):
        tags = ", ".join(f"{k}={v}" for k, v in sorted(change.tags.items()))
        return "~", f"tag {change.name}: {tags}"
    raise TypeError(change)


def function_details(change: UpdateFunction) -> list[str]:
    parts = []
    if change.layers_after is not None:
        before = [a.rsplit(":", 2)[-2] + ":" + a.rsplit(":", 1)[-1] for a in change.layers_before]
        after = [(r.arn.rsplit(":", 2)[-2] + ":" + r.arn.rsplit(":", 1)[-1]) if r.arn
                 else f"{r.layer}:<new>" for r in change.layers_after]
        parts.append(f"layers [{', '.join(before)}] -> [{', '.join(after)}]")
    if change.env_after is not None:
        parts += env_delta(change.env_before, change.env_after)
    return parts


def env_delta(before: dict[str, str] | object, after: dict[str, str] | object) -> list[str]:
    b = dict(before) if isinstance(before, dict) else {}
    a = dict(after) if isinstance(after, dict) else {}
    out = [f"env +{k}={a[k]}" for k in sorted(a.keys() - b.keys())]
    out += [f"env -{k}" for k in sorted(b.keys() - a.keys())]
    out += [f"env {k}: {b[k]} -> {a[k]}" for k in sorted(a.keys() & b.keys()) if a[k] != b[k]]
    return out


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
