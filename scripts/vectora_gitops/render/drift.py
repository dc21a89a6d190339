"""Drift renderers: plain text grouped by resource, one Markdown issue body per environment
(stable title and fingerprint line, read by .github/workflows/drift.yml), JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from vectora_gitops.drift.findings import EnvDrift, Finding, counted, fingerprint
from vectora_gitops.safetext import md_code, md_text, printable

MAX_MD_ROWS = 300
LONG = 1000  # characters of a notice shown in Markdown


def marker(env: str, findings: Iterable[Finding]) -> str:
    return f"<!-- vectora-gitops-drift:{env} fingerprint:{fingerprint(findings)} -->"


def _grouped(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.resource, []).append(finding)
    return groups


def summary(result: EnvDrift) -> str:
    """One line; an error's text (AWS may have written it) is kept on it."""
    if result.error:
        return f"{result.env}: error: {printable(result.error)}"
    n, ignored = len(counted(result.findings)), len(result.findings) - len(counted(result.findings))
    extra = f" ({ignored} ignored)" if ignored else ""
    return f"{result.env}: {n} drift finding(s){extra}" if n else f"{result.env}: no drift{extra}"


def text(results: Iterable[EnvDrift]) -> str:
    """Plain text; what AWS or git said is kept on its line (safetext.printable)."""
    lines: list[str] = []
    for result in results:
        lines.append(summary(result))
        if result.notice:
            lines.append(f"  ! {printable(result.notice)}")
        for resource, findings in _grouped(counted(result.findings)).items():
            lines.append(f"  {printable(resource)}")
            lines += [f"    {f.label}: git: {printable(f.git)}; aws: {printable(f.aws)}"
                      for f in findings]
        for f in (f for f in result.findings if f.ignored):
            lines.append(f"  ignored {printable(f.resource)}: {f.label} ({printable(f.aws)}): "
                         f"{printable(f.ignored)}")
    return "\n".join(lines) + "\n"


def next_step(result: EnvDrift, *, healed: bool | None = None) -> str:
    """What to do after a drift check of one environment (`healed`: the outcome of --heal)."""
    env = result.env
    if result.error:
        return f"fix the error above, then check again: vectora-gitops drift --env {env}"
    if not result.drifted or healed:
        return "in sync: nothing to do"
    back = f"to put AWS back to git: vectora-gitops apply --env {env}"
    if result.notice:
        return f"git is behind AWS (restored from a snapshot): bring git in line as said above; {back}"
    heal = f" (or vectora-gitops drift --env {env} --heal)" if result.self_heal and \
        healed is None else ""
    return f"{back}{heal}; to keep AWS's change, put it in git by a pull request"


def next_steps(results: Iterable[EnvDrift], healed: Mapping[str, bool] | None = None) -> str:
    """The last lines of the text report: the next step of each environment."""
    steps = [(r.env, next_step(r, healed=(healed or {}).get(r.env))) for r in results]
    if len(steps) == 1:
        return f"next: {steps[0][1]}\n"
    return "next:\n" + "".join(f"  {env}: {step}\n" for env, step in steps)


def summary_markdown(result: EnvDrift) -> str:
    return md_text(summary(result), LONG) + "\n"


def markdown(result: EnvDrift) -> str:
    """The issue body of one environment; the first two lines are the workflow's contract. Every
    value is a code span or escaped text (safetext), so none can add a row, a line or a marker."""
    live = counted(result.findings)
    lines = [marker(result.env, result.findings), f"# Drift in {result.env}", ""]
    if result.notice:
        lines += [f"> **{md_text(result.notice, LONG)}**", ""]
    lines += [f"**{len(live)} finding(s)**: AWS differs from git. Fix it by a pull request, or "
              f"run `vectora-gitops apply --env {result.env}` to put git's state back.", ""]
    if live:
        lines += ["| resource | drift | git | aws |", "|---|---|---|---|"]
        lines += [f"| {md_code(f.resource)} | {md_text(f.label)} | {md_code(f.git)} | "
                  f"{md_code(f.aws)} |" for f in live[:MAX_MD_ROWS]]
        if len(live) > MAX_MD_ROWS:
            lines += ["", f"... and {len(live) - MAX_MD_ROWS} more"]
    ignored = [f for f in result.findings if f.ignored]
    if ignored:
        lines += ["", "<details><summary>Ignored (drift.ignore)</summary>", ""]
        lines += [f"- {md_code(f.resource, cell=False)}: {md_text(f.label)}: {md_text(f.ignored)}"
                  for f in ignored]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def as_json(results: Iterable[EnvDrift]) -> str:
    rows: list[dict[str, Any]] = []
    for result in results:
        rows += [{"env": result.env, "kind": f.kind, "resource": f.resource, "git": f.git,
                  "aws": f.aws, "ignored": f.ignored or None} for f in result.findings]
    return json.dumps(rows, indent=2, sort_keys=True) + "\n"
