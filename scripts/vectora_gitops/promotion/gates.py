"""Pure gate evaluation: typed evidence in, one result per gate out (pass / fail / unknown).

Gates of the TARGET environment are evaluated against the history of the SOURCE environment:
soak (the promoted pins have run there, successfully and continuously, for soak_days), metrics
(each reading <= max), E2E (a passing result for the source's current deployment), and the
referential integrity of the target after the copy. The readings come from `evidence`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from vectora_gitops.model import Gates, selector_name
from vectora_gitops.promotion.pins import PinChange, display

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
DAY_S = 86_400.0


@dataclass(frozen=True)
class Deployment:
    """A deployment record, as the gates need it."""

    id: str
    result: str  # started | succeeded | failed
    applied_at: datetime  # ended_at, or started_at when it never ended
    pins: Mapping[str, str]  # selector -> identity (see pins.identities)


@dataclass(frozen=True)
class E2eResult:
    record_id: str
    passed: bool
    recorded_at: datetime
    url: str = ""


@dataclass(frozen=True)
class MetricReading:
    gate: str  # MetricGate.name
    where: str  # s3://bucket/key#field or cloudwatch:Namespace/Metric
    value: float | None
    error: str = ""  # why there is no value


@dataclass(frozen=True)
class Evidence:
    deployments: tuple[Deployment, ...] = ()
    e2e: tuple[E2eResult, ...] = ()
    metrics: tuple[MetricReading, ...] = ()
    unreachable: str = ""  # set when AWS could not be read: gates that need it are unknown


@dataclass(frozen=True)
class GateResult:
    name: str
    status: str
    evidence: str


@dataclass(frozen=True)
class Run:
    """A stretch of time during which an environment ran one pin identity."""

    start: datetime
    end: datetime
    current: bool
    record_id: str

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / DAY_S


@dataclass(frozen=True)
class Inputs:
    source: str
    gates: Gates
    changes: tuple[PinChange, ...]
    evidence: Evidence
    now: datetime
    integrity: tuple[str, ...] = field(default=())  # validate errors the copy would introduce


_Check = Callable[["Inputs"], tuple[str, str]]


def succeeded(deployments: Sequence[Deployment]) -> list[Deployment]:
    return sorted((d for d in deployments if d.result == "succeeded"), key=lambda d: d.applied_at)


def runs(selector: str, identity: str, deployments: Sequence[Deployment], now: datetime) -> list[Run]:
    """Continuous stretches of successful deployments whose pins held `identity`."""
    out: list[Run] = []
    start: Deployment | None = None
    for dep in succeeded(deployments):
        present = dep.pins.get(selector) == identity
        if present and start is None:
            start = dep
        elif not present and start is not None:
            out.append(Run(start.applied_at, dep.applied_at, False, start.id))
            start = None
    if start is not None:
        out.append(Run(start.applied_at, now, True, start.id))
    return out


def evaluate(inputs: Inputs) -> tuple[GateResult, ...]:
    results: list[GateResult] = []
    if inputs.gates.soak_days > 0:
        results.append(_aws_gate(inputs, "soak", _soak))
    for metric in inputs.gates.metrics:
        results.append(_aws_gate(inputs, f"metric {metric.name}",
                                 partial(_metric, name=metric.name, maximum=metric.max)))
    if inputs.gates.e2e_required:
        results.append(_aws_gate(inputs, "e2e", _e2e))
    results.append(_integrity(inputs))
    return tuple(results)


def _aws_gate(inputs: Inputs, name: str, fn: _Check) -> GateResult:
    if inputs.evidence.unreachable:
        return GateResult(name, UNKNOWN, f"evidence unavailable: {inputs.evidence.unreachable}")
    status, text = fn(inputs)
    return GateResult(name, status, text)


def _soak(inputs: Inputs) -> tuple[str, str]:
    need, src = inputs.gates.soak_days, inputs.source
    lines, status = [], PASS
    for change in inputs.changes:
        ok, text = soak_line(change.selector, change.identity, inputs.evidence.deployments,
                             inputs.now, src, need, current_only=True)
        status = status if ok else FAIL
        lines.append(text)
    return status, "; ".join(lines) or "no pin changes"


def soak_line(selector: str, identity: str, deployments: Sequence[Deployment], now: datetime,
              source: str, need: int, *, current_only: bool) -> tuple[bool, str]:
    """Whether `identity` soaked `need` days in `source`, and the sentence that says so."""
    what = f"{selector_name(selector)} {display(identity)}"
    found = runs(selector, identity, deployments, now)
    if not found:
        return False, f"{what} never ran in {source} (no successful apply)"
    current = [r for r in found if r.current]
    if current_only and not current:
        return False, (f"{what} ran in {source} until {found[-1].end.date()} but {source} no "
                       "longer runs it")
    best = current[0] if current_only else max(found, key=lambda r: r.days)
    if best.days < need:
        return False, (f"{what} ran in {source} for {int(best.days)} days, needs {need} "
                       f"(since {best.start.isoformat()}, record {best.record_id})")
    return True, (f"{what} ran in {source} for {int(best.days)} days (>= {need}) since "
                  f"{best.start.isoformat()}, record {best.record_id}")


def _metric(inputs: Inputs, *, name: str, maximum: float) -> tuple[str, str]:
    readings = [r for r in inputs.evidence.metrics if r.gate == name]
    if not readings:
        return FAIL, f"no reading of {name} (nothing to measure it on)"
    status, lines = PASS, []
    for r in readings:
        if r.value is None:
            status = FAIL
            lines.append(f"{r.where}: {r.error or 'no value'}")
        else:
            ok = r.value <= maximum
            status = status if ok else FAIL
            lines.append(f"{r.where} = {r.value:g} ({'<=' if ok else '>'} max {maximum:g})")
    return status, "; ".join(lines)


def _e2e(inputs: Inputs) -> tuple[str, str]:
    done = succeeded(inputs.evidence.deployments)
    if not done:
        return FAIL, f"no successful deployment in {inputs.source} to test"
    current = done[-1].id
    found = sorted((e for e in inputs.evidence.e2e if e.record_id == current),
                   key=lambda e: e.recorded_at)
    if not found:
        return FAIL, (f"no E2E result for {inputs.source} deployment {current}; run the E2E suite "
                      f"and `vectora-gitops record-e2e --env {inputs.source} --result pass`")
    last = found[-1]
    url = f" ({last.url})" if last.url else ""
    if not last.passed:
        return FAIL, f"latest E2E result for deployment {current} is fail{url}"
    return PASS, f"E2E passed for deployment {current} at {last.recorded_at.isoformat()}{url}"


def _integrity(inputs: Inputs) -> GateResult:
    if inputs.integrity:
        shown = "; ".join(inputs.integrity[:3])
        more = f" (+{len(inputs.integrity) - 3} more)" if len(inputs.integrity) > 3 else ""
        return GateResult("integrity", FAIL, f"{shown}{more}")
    return GateResult("integrity", PASS, "validate finds no new problem after the copy")


def verdict(results: Sequence[GateResult], *, strict: bool) -> bool:
    """All pass; `unknown` passes (as a warning) unless `strict` (the end of the chain: prod)."""
    bad = {FAIL, UNKNOWN} if strict else {FAIL}
    return not any(r.status in bad for r in results)
