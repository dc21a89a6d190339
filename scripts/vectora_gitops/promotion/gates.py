"""Pure gate evaluation: typed evidence in, one result per gate out (pass / fail / unknown).

Gates of the TARGET environment are evaluated against the history of the SOURCE environment:
soak (the promoted pins, with the same content, still run there and have run there successfully
and continuously for soak_days), metrics (each reading <= max), E2E (a passing result for the
source's current deployment), and the referential integrity of the target after the copy. The
readings come from `evidence`; every time in them is the time S3 stored the evidence, never a
time written inside it (docs/evidence.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from vectora_gitops.model import Gates, identity_version, selector_name
from vectora_gitops.observed import Alarm, AlarmTransition
from vectora_gitops.promotion.pins import PinChange, display

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
DAY_S = 86_400.0


@dataclass(frozen=True)
class Deployment:
    """A deployment record, as the gates need it."""

    id: str
    result: str  # started | succeeded | failed
    applied_at: datetime  # when S3 stored its record (never earlier, whatever the JSON says)
    pins: Mapping[str, str]  # selector -> identity (see pins.identities)
    content: Mapping[str, str] = field(default_factory=dict)  # selector -> content digest
    unknown: str = ""  # why its content cannot be trusted ("" when it can)

    def ran(self, selector: str, identity: str, digest: str | None) -> bool | None:
        """Whether it ran `identity` with the content `digest`; None when it ran that version
        but cannot say with which content."""
        if self.pins.get(selector) != identity:
            return False
        if self.unknown or selector not in self.content:
            return None
        return digest is not None and self.content[selector] == digest


@dataclass(frozen=True)
class E2eResult:
    record_id: str
    passed: bool
    recorded_at: datetime  # when S3 stored the result
    url: str = ""
    locked: bool = True  # under Object Lock retention; unlocked results are not evidence


@dataclass(frozen=True)
class MetricReading:
    gate: str  # MetricGate.name
    where: str  # s3://bucket/key#field or cloudwatch:Namespace/Metric
    value: float | None
    error: str = ""  # why there is no value


@dataclass(frozen=True)
class AlarmEvidence:
    """The source's alarms (docs/architecture.md §11): their states now, and the state changes
    DescribeAlarmHistory gave (`history_error`: why it could not be read)."""

    alarms: tuple[Alarm, ...]
    history: tuple[AlarmTransition, ...] = ()
    history_error: str = ""


@dataclass(frozen=True)
class Evidence:
    deployments: tuple[Deployment, ...] = ()
    e2e: tuple[E2eResult, ...] = ()
    metrics: tuple[MetricReading, ...] = ()
    unreachable: str = ""  # set when AWS could not be read: gates that need it are unknown
    alarms: AlarmEvidence | None = None  # None: the source declares no monitoring


@dataclass(frozen=True)
class GateLine:
    """One pin (soak) or one reading (metric) of a gate: what the terminal shows on one line."""

    status: str
    text: str
    ready_on: datetime | None = None  # when a soak that is too short so far will be long enough


@dataclass(frozen=True)
class GateResult:
    name: str
    status: str
    evidence: str  # every line of the gate joined (Markdown bodies, check-pr)
    # a failing soak: when it passes if the source keeps running what is promoted (None: it
    # cannot pass by waiting, or it does not fail)
    ready_on: datetime | None = None
    lines: tuple[GateLine, ...] = ()  # one per pin or reading, when the gate has several


def ready_text(when: datetime) -> str:
    """`2026-12-04 15:02 UTC`: the minute a soak is long enough."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Run:
    """A stretch of time during which an environment ran one pin identity."""

    start: datetime
    end: datetime
    current: bool
    record_id: str

    @property
    def days(self) -> float:
        """Its length in days (0 for a record stored after `now`, as when VECTORA_NOW is set)."""
        return max(0.0, (self.end - self.start).total_seconds() / DAY_S)


@dataclass(frozen=True)
class Inputs:
    source: str
    gates: Gates
    changes: tuple[PinChange, ...]
    evidence: Evidence
    now: datetime
    integrity: tuple[str, ...] = field(default=())  # validate errors the copy would introduce
    content: Mapping[str, str] = field(default_factory=dict)  # selector -> digest promoted


_Check = Callable[["Inputs"], tuple[str, tuple["GateLine", ...]]]


def succeeded(deployments: Sequence[Deployment]) -> list[Deployment]:
    """Successful deployments, oldest first; two stored in the same second (S3 keeps seconds)
    are ordered by their record ids, which start with the time the run started."""
    return sorted((d for d in deployments if d.result == "succeeded"),
                  key=lambda d: (d.applied_at, d.id))


def runs(selector: str, identity: str, digest: str | None, deployments: Sequence[Deployment],
         now: datetime) -> list[Run]:
    """Continuous stretches of successful deployments that ran `identity` with content `digest`
    (a deployment that cannot say which content it ran ends a stretch)."""
    out: list[Run] = []
    start: Deployment | None = None
    for dep in succeeded(deployments):
        present = dep.ran(selector, identity, digest) is True
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
    if inputs.gates.soak_days > 0 and inputs.evidence.alarms is not None:
        results.append(_aws_gate(inputs, "alarms", _alarms))
    results.append(_integrity(inputs))
    return tuple(results)


def _aws_gate(inputs: Inputs, name: str, fn: _Check) -> GateResult:
    if inputs.evidence.unreachable:
        text = f"evidence unavailable: {inputs.evidence.unreachable}"
        return GateResult(name, UNKNOWN, text, lines=(GateLine(UNKNOWN, text),))
    status, lines = fn(inputs)
    return GateResult(name, status, "; ".join(line.text for line in lines) or "no pin changes",
                      _ready(lines) if status == FAIL else None, lines)


def _ready(lines: Sequence[GateLine]) -> datetime | None:
    """When every line that does not pass will pass by waiting (soaks that run, not for long
    enough yet); None when one of them cannot."""
    failing = [line.ready_on for line in lines if line.status != PASS]
    if not failing or any(when is None for when in failing):
        return None
    return max(when for when in failing if when is not None)


def _soak(inputs: Inputs) -> tuple[str, tuple[GateLine, ...]]:
    need, src = inputs.gates.soak_days, inputs.source
    lines = []
    for change in inputs.changes:
        digest = inputs.content.get(change.selector)
        status, text = soak_line(change.selector, change.identity, digest,
                                 inputs.evidence.deployments, inputs.now, src, need)
        lines.append(GateLine(status, text, soak_ready(change.selector, change.identity, digest,
                                                       inputs.evidence.deployments, inputs.now,
                                                       need)))
    statuses = {line.status for line in lines}
    status = FAIL if FAIL in statuses else UNKNOWN if UNKNOWN in statuses else PASS
    return status, tuple(lines)


def soak_ready(selector: str, identity: str, digest: str | None,
               deployments: Sequence[Deployment], now: datetime, need: int) -> datetime | None:
    """When `identity` will have soaked `need` days, if it runs now with that content but not
    for long enough yet (the start of its current run + `need` days); None otherwise."""
    if digest is None:
        return None
    current = [r for r in runs(selector, identity, digest, deployments, now) if r.current]
    if not current or current[0].days >= need:
        return None
    return current[0].start + timedelta(days=need)


def soak_line(selector: str, identity: str, digest: str | None,
              deployments: Sequence[Deployment], now: datetime, source: str,
              need: int) -> tuple[str, str]:
    """Whether `identity`, with the content `digest`, has run in `source` for `need` days and
    still runs there (the latest successful deployment has it), and the sentence that says so:
    (pass | fail | unknown, sentence). Unknown when the deployment that would decide cannot say
    which content it ran."""
    what = f"{selector_name(selector)} {display(identity)}"
    if digest is None:
        return FAIL, f"{what}: its content is not in the repository, so it cannot be compared"
    done = succeeded(deployments)
    found = runs(selector, identity, digest, done, now)
    current = [r for r in found if r.current]
    if not current:
        return _not_running(selector, identity, digest, done, found, what, source)
    run = current[0]
    sha = f"sha256 {digest[:12]}"
    if run.days < need:
        ready = ready_text(run.start + timedelta(days=need))
        return FAIL, (f"{what} ran in {source} for {int(run.days)} days, needs {need} ({sha}, "
                      f"since {run.start.isoformat()}, record {run.record_id}); ready on {ready}")
    return PASS, (f"{what} ran in {source} for {int(run.days)} days (>= {need}) with the same "
                  f"content ({sha}) since {run.start.isoformat()}, record {run.record_id}")


def _not_running(selector: str, identity: str, digest: str, done: Sequence[Deployment],
                 found: Sequence[Run], what: str, source: str) -> tuple[str, str]:
    """Why `identity` with `digest` is not what `source` runs now."""
    if not done:
        return FAIL, f"{what} never ran in {source} (no successful apply)"
    latest = done[-1]
    if latest.ran(selector, identity, digest) is None:
        why = latest.unknown or "written before records carried content digests"
        return UNKNOWN, (f"{what}: the latest {source} deployment (record {latest.id}) cannot "
                         f"say which content of it ran ({why}); apply {source} again and let "
                         "it soak")
    if found:
        runs_now = latest.pins.get(selector)
        now_text = f" (it runs {display(runs_now)} now, record {latest.id})" if runs_now else ""
        return FAIL, (f"{what} ran in {source} until {found[-1].end.date()} but {source} no "
                      f"longer runs it{now_text}; past runs do not count")
    other = [d for d in done if d.ran(selector, identity, digest) is False
             and d.pins.get(selector) == identity]
    if other:
        ran = other[-1].content.get(selector, "")
        return FAIL, (f"{what} never ran in {source} with this content (sha256 {digest[:12]}): "
                      f"the {identity_version(identity)} that ran there (record {other[-1].id}) "
                      f"had sha256 {ran[:12]}")
    return FAIL, f"{what} never ran in {source} (no successful apply)"



def _metric(inputs: Inputs, *, name: str, maximum: float) -> tuple[str, tuple[GateLine, ...]]:
    readings = [r for r in inputs.evidence.metrics if r.gate == name]
    if not readings:
        return FAIL, (GateLine(FAIL, f"no reading of {name} (nothing to measure it on)"),)
    lines = []
    for r in readings:
        if r.value is None:
            lines.append(GateLine(FAIL, f"{r.where}: {r.error or 'no value'}"))
        else:
            ok = r.value <= maximum
            lines.append(GateLine(PASS if ok else FAIL, f"{r.where} = {r.value:g} "
                                  f"({'<=' if ok else '>'} max {maximum:g})"))
    return (FAIL if any(line.status == FAIL for line in lines) else PASS), tuple(lines)


def _e2e(inputs: Inputs) -> tuple[str, tuple[GateLine, ...]]:
    status, text = _e2e_text(inputs)
    return status, (GateLine(status, text),)


def _e2e_text(inputs: Inputs) -> tuple[str, str]:
    done = succeeded(inputs.evidence.deployments)
    if not done:
        return FAIL, f"no successful deployment in {inputs.source} to test"
    current = done[-1].id
    mine = [e for e in inputs.evidence.e2e if e.record_id == current]
    found = sorted((e for e in mine if e.locked), key=lambda e: e.recorded_at)
    if not found:
        unlocked = len(mine) - len(found)
        ignored = f" ({unlocked} result(s) without Object Lock retention ignored)" \
            if unlocked else ""
        return FAIL, (f"no E2E result for {inputs.source} deployment {current}{ignored}; run "
                      "the E2E suite and `vectora-gitops record-e2e --env "
                      f"{inputs.source} --result pass`")
    last = found[-1]
    url = f" ({last.url})" if last.url else ""
    if not last.passed:
        return FAIL, f"latest E2E result for deployment {current} is fail{url}"
    return PASS, f"E2E passed for deployment {current} at {last.recorded_at.isoformat()}{url}"


def soak_window_start(inputs: Inputs) -> datetime:
    """Since when the promoted pins have run in the source: the earliest start of their current
    runs; `soak_days` before now when one of them does not run there."""
    starts = []
    for change in inputs.changes:
        current = [r for r in runs(change.selector, change.identity,
                                   inputs.content.get(change.selector),
                                   inputs.evidence.deployments, inputs.now) if r.current]
        if not current:
            return inputs.now - timedelta(days=inputs.gates.soak_days)
        starts.append(current[0].start)
    return min(starts, default=inputs.now - timedelta(days=inputs.gates.soak_days))


def _alarms(inputs: Inputs) -> tuple[str, tuple[GateLine, ...]]:
    status, text = _alarms_text(inputs)
    return status, (GateLine(status, text),)


def _alarms_text(inputs: Inputs) -> tuple[str, str]:
    """No alarm of the source fired while the promoted pins soaked there (docs/architecture.md
    §11): none is in ALARM now, and none went to ALARM since the window started."""
    seen = inputs.evidence.alarms
    assert seen is not None  # evaluate() asks only then
    src, start = inputs.source, soak_window_start(inputs)
    window = f"since {start.isoformat(timespec='seconds')}"
    if not seen.alarms:
        return PASS, f"{src} has no alarm in AWS (its monitoring is not applied): none fired"
    fired = [f"{a.name} is in ALARM since {_at(a.state_updated)}" for a in seen.alarms
             if a.state == "ALARM"]
    firing = {a.name for a in seen.alarms if a.state == "ALARM"}
    fired += [f"{t.alarm} went to ALARM at {_at(t.at)}" for t in seen.history
              if t.new == "ALARM" and t.at >= start and t.alarm not in firing]
    if fired:
        return FAIL, f"{src} alarm(s) fired during the soak ({window}): " + "; ".join(fired)
    changed = sorted(a.name for a in seen.alarms if a.state != "ALARM"
                     and a.state_updated is not None and a.state_updated >= start
                     and not a.state_reason.startswith("Unchecked: Initial alarm creation"))
    if changed and seen.history_error:
        return UNKNOWN, (f"{len(changed)} {src} alarm(s) changed state {window} ({changed[0]}"
                         f"{', ...' if len(changed) > 1 else ''}) and their history could not "
                         f"be read: {seen.history_error}")
    return PASS, f"no {src} alarm fired {window} ({len(seen.alarms)} alarm(s) watched)"


def _at(when: datetime | None) -> str:
    return when.isoformat(timespec="seconds") if when else "an unknown time"


def _integrity(inputs: Inputs) -> GateResult:
    if inputs.integrity:
        shown = "; ".join(inputs.integrity[:3])
        more = f" (+{len(inputs.integrity) - 3} more)" if len(inputs.integrity) > 3 else ""
        return GateResult("integrity", FAIL, f"{shown}{more}",
                          lines=tuple(GateLine(FAIL, p) for p in inputs.integrity))
    text = "validate finds no new problem after the copy"
    return GateResult("integrity", PASS, text, lines=(GateLine(PASS, text),))


def verdict(results: Sequence[GateResult], *, strict: bool) -> bool:
    """All pass; `unknown` passes (as a warning) unless `strict` (the end of the chain: prod)."""
    bad = {FAIL, UNKNOWN} if strict else {FAIL}
    return not any(r.status in bad for r in results)
