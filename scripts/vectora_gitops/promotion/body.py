"""The promotion pull request body (Markdown): pin changes, what each version changes, gate
results with their evidence, and how to roll back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vectora_gitops.promotion.gates import GateResult
from vectora_gitops.promotion.pins import PinChange, display
from vectora_gitops.promotion.summary import FilesDiff, KeyChange

ICONS = {"pass": "✅ pass", "fail": "❌ fail", "unknown": "⚠️ unknown"}
MAX_FILES = 50


@dataclass(frozen=True)
class Body:
    source: str
    target: str
    changes: tuple[PinChange, ...]
    configs: Mapping[str, tuple[KeyChange, ...]] = field(default_factory=dict)  # client id ->
    bundle: FilesDiff | None = None
    gates: tuple[GateResult, ...] = ()
    strict: bool = False
    reason: str = ""


def render(body: Body) -> str:
    lines = [f"## Promote {body.source} → {body.target}", "",
             "| Pin | " + f"{body.target} (now) | {body.source} (promoted) |", "|---|---|---|"]
    lines += [f"| `{c.selector}` | {display(c.old) if c.old else '_(absent)_'} | {display(c.new)} |"
              for c in body.changes]
    if body.reason:
        lines += ["", f"**Downgrade allowed.** Reason: {body.reason}"]
    for cid, found in sorted(body.configs.items()):
        lines += ["", f"### Client `{cid}`", "", *_config_lines(found)]
    if body.bundle is not None:
        lines += ["", "### Canonical bundle", "", *_bundle_lines(body.bundle)]
    lines += ["", f"### Gates of {body.target}", "", *_gate_lines(body.gates, body.strict)]
    lines += ["", "### Roll back", "",
              "- Revert this pull request: the next reconcile puts the previous pins back.",
              f"- Or restore the snapshot taken before the apply: `vectora-gitops snapshot list "
              f"--env {body.target}` then `vectora-gitops snapshot restore --env {body.target} "
              "--name <snapshot>`."]
    return "\n".join(lines) + "\n"


def _config_lines(found: Sequence[KeyChange]) -> list[str]:
    if not found:
        return ["No key changes (only the version and changelog)."]
    out = []
    for c in found:
        if c.op == "added":
            out.append(f"- added `{c.path}`: `{c.new}`")
        elif c.op == "removed":
            out.append(f"- removed `{c.path}` (was `{c.old}`)")
        else:
            out.append(f"- changed `{c.path}`: `{c.old}` → `{c.new}`")
    return out


def _bundle_lines(diff: FilesDiff) -> list[str]:
    out = []
    for label, files in (("added", diff.added), ("removed", diff.removed), ("changed", diff.changed)):
        if files:
            shown = ", ".join(f"`{f}`" for f in files[:MAX_FILES])
            more = f" and {len(files) - MAX_FILES} more" if len(files) > MAX_FILES else ""
            out.append(f"- {label} ({len(files)}): {shown}{more}")
    return out or ["No file differs."]


def _gate_lines(results: Sequence[GateResult], strict: bool) -> list[str]:
    if not results:
        return ["No gate declared."]
    out = ["| Gate | Result | Evidence |", "|---|---|---|"]
    out += [f"| {r.name} | {ICONS.get(r.status, r.status)} | {_cell(r.evidence)} |" for r in results]
    if any(r.status == "unknown" for r in results):
        out += ["", "Unknown gates " + ("block this promotion." if strict else
                                        "pass with a warning here; CI evaluates them again.")]
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
