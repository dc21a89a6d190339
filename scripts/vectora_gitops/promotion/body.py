"""The promotion pull request body (Markdown): pin changes, what each version changes (keys,
files, and the unified diff of each client file and prompt, with the clients and environments it
reaches), gate results with their evidence, and how to roll back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vectora_gitops.promotion.diffs import FileDiff
from vectora_gitops.promotion.gates import GateResult
from vectora_gitops.promotion.pins import PinChange, display
from vectora_gitops.promotion.summary import FilesDiff, KeyChange
from vectora_gitops.safetext import html_text, md_block, md_code, md_text

ICONS = {"pass": "✅ pass", "fail": "❌ fail", "unknown": "⚠️ unknown"}
MAX_FILES = 50
LONG = 1000  # characters of a gate's evidence or a reason shown
FOLD = 40  # a diff longer than this many lines is folded in a <details> block
MAX_DIFF_LINES = 1500  # diff lines in one body (GitHub keeps 65,536 characters); then names only


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
    diffs: tuple[FileDiff, ...] = ()


def render(body: Body) -> str:
    """Every value from git, client files or evidence is a code span or escaped text
    (safetext): none can add a heading, a row or a link of its own."""
    src, dst = md_text(body.source), md_text(body.target)
    lines = [f"## Promote {src} → {dst}", "",
             "| Pin | " + f"{dst} (now) | {src} (promoted) |", "|---|---|---|"]
    lines += [f"| {md_code(c.selector)} | {md_text(display(c.old)) if c.old else '_(absent)_'} | "
              f"{md_text(display(c.new))} |" for c in body.changes]
    if body.reason:
        lines += ["", f"**Downgrade allowed.** Reason: {md_text(body.reason, LONG)}"]
    for cid, found in sorted(body.configs.items()):
        lines += ["", f"### Client {_code(cid)}", "", *_config_lines(found)]
    if body.bundle is not None:
        lines += ["", "### Canonical bundle", "", *_bundle_lines(body.bundle)]
    if body.diffs:
        lines += ["", "### What changes, file by file"]
        budget = MAX_DIFF_LINES
        for at, diff in enumerate(body.diffs):
            if len(diff.lines) > budget:
                rest = body.diffs[at:]
                lines += ["", f"Not shown, to keep this body readable ({len(rest)} file(s)): "
                          + ", ".join(_code(d.path) for d in rest[:MAX_FILES])
                          + "; run `git diff` between the two versions."]
                break
            budget -= len(diff.lines)
            lines += ["", *_diff_lines(diff)]
    lines += ["", f"### Gates of {dst}", "", *_gate_lines(body.gates, body.strict)]
    lines += ["", "### Roll back", "",
              "- Revert this pull request: the next reconcile puts the previous pins back.",
              "- Or restore the snapshot taken before the apply: "
              f"{_code(f'vectora-gitops snapshot list --env {body.target}')} then "
              f"{_code(f'vectora-gitops snapshot restore --env {body.target} --name <snapshot>')}."]
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """A code span outside a table (its pipes need no escape)."""
    return md_code(text, cell=False)


def _config_lines(found: Sequence[KeyChange]) -> list[str]:
    if not found:
        return ["No key changes (only the version and changelog)."]
    out = []
    for c in found:
        if c.op == "added":
            out.append(f"- added {_code(c.path)}: {_code(c.new)}")
        elif c.op == "removed":
            out.append(f"- removed {_code(c.path)} (was {_code(c.old)})")
        else:
            out.append(f"- changed {_code(c.path)}: {_code(c.old)} → {_code(c.new)}")
    return out


def _bundle_lines(diff: FilesDiff) -> list[str]:
    out = []
    for label, files in (("added", diff.added), ("removed", diff.removed), ("changed", diff.changed)):
        if files:
            shown = ", ".join(_code(f) for f in files[:MAX_FILES])
            more = f" and {len(files) - MAX_FILES} more" if len(files) > MAX_FILES else ""
            out.append(f"- {label} ({len(files)}): {shown}{more}")
    return out or ["No file differs."]


def _gate_lines(results: Sequence[GateResult], strict: bool) -> list[str]:
    if not results:
        return ["No gate declared."]
    failing = [r for r in results if r.status == "fail"]
    out = [f"**{len(failing)} of {len(results)} gates fail** "
           f"({', '.join(md_text(r.name) for r in failing)}): the pull request's `gates` check "
           "fails until they pass.", ""] if failing else []
    out += ["| Gate | Result | Evidence |", "|---|---|---|"]
    out += [f"| {md_text(r.name)} | {ICONS.get(r.status) or md_text(r.status)} | "
            f"{md_code(r.evidence, LONG)} |" for r in results]
    if any(r.status == "unknown" for r in results):
        out += ["", "Unknown gates " + ("block this promotion." if strict else
                                        "pass with a warning here; CI evaluates them again.")]
    return out


def _diff_lines(diff: FileDiff) -> list[str]:
    """The file, where it reaches, and its unified diff in a fenced block (folded when long)."""
    out = [f"#### {_code(diff.path)}", "", _reach(diff)]
    if diff.expanded:
        out += ["", "Placeholders `{{ref:…}}` are expanded as the engine sends them."]
    lines = [*diff.lines, *([f"… {diff.more} more line(s)"] if diff.more else [])]
    block = md_block(lines, "diff")
    if len(lines) > FOLD:
        return [*out, "", f"<details><summary>{len(lines)} lines of diff of "
                f"{html_text(diff.path)}</summary>", "", block, "", "</details>"]
    return [*out, "", block]


def _reach(diff: FileDiff) -> str:
    target = md_text(diff.target)
    if diff.clients:
        who = ", ".join(f"{_code(cid)} ({md_text(key)})" for cid, key in diff.clients)
        clients = f"Reaches in {target}: {who}."
    else:
        clients = f"No client of {target} names this file: the engine does not send it there."
    running = ", ".join(md_text(e) for e in diff.running) or "no environment"
    later = ", ".join(md_text(e) for e in diff.later)
    then = f" then {later}, each by its own promotion" if later else ""
    return f"{clients} Runs now in {running}; {target} with this pull request;{then}".rstrip(";") \
        + "."
