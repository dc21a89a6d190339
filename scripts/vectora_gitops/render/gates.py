"""Gate results in the terminal, shared by `gates` and `promote`: one line per gate and pin (or
metric reading), "ready on" for a soak that needs more time, and one summary line that says
plainly whether the gates pass."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from vectora_gitops.promotion.gates import FAIL, PASS, UNKNOWN, GateResult, ready_text, verdict
from vectora_gitops.safetext import printable

WIDTH = 8  # the status column


def lines(results: Sequence[GateResult]) -> list[str]:
    """`fail     soak: canonical 2.2.0 ran in dev for 0 days, needs 2 (…); ready on …`, one line
    per gate and pin; evidence may quote what S3 or a caller wrote, so each line goes through
    `printable`."""
    out = []
    for result in results:
        for line in result.lines or ():
            out.append(f"{line.status:<{WIDTH}} {result.name}: {printable(line.text)}")
        if not result.lines:
            out.append(f"{result.status:<{WIDTH}} {result.name}: {printable(result.evidence)}")
    return out


def ready_on(results: Sequence[GateResult]) -> datetime | None:
    """When every gate that fails now passes by waiting (soak only), else None."""
    failing = [r for r in results if r.status != PASS]
    if not failing or any(r.ready_on is None for r in failing):
        return None
    return max(r.ready_on for r in failing if r.ready_on is not None)


def summary(results: Sequence[GateResult], target: str, *, strict: bool) -> str:
    """`gates of stage: FAIL: 1 pass, 3 fail (soak: ready on …, metric noise_rate fail, e2e
    fail)`: the verdict first, then the counts and each gate that does not pass."""
    if not results:
        return f"gates of {target}: none declared"
    counts = [f"{sum(r.status == s for r in results)} {s}" for s in (PASS, FAIL, UNKNOWN)
              if any(r.status == s for r in results)]
    bad = [_named(r) for r in results if r.status != PASS]
    verdict_text = "PASS" if verdict(results, strict=strict) else "FAIL"
    unknown = "" if strict or not any(r.status == UNKNOWN for r in results) else \
        "; unknown passes with a warning here"
    which = f" ({', '.join(bad)})" if bad else ""
    return f"gates of {target}: {verdict_text}: {', '.join(counts)}{which}{unknown}"


def _named(result: GateResult) -> str:
    when = result.ready_on
    if result.status == FAIL and when is not None:
        return f"{result.name}: ready on {ready_text(when)}"
    return f"{result.name} {result.status}"
