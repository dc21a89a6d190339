"""Reads the evidence the gates judge from the SOURCE environment's AWS account into typed values:
deployment records, E2E results, metric documents (S3) and metric statistics (CloudWatch).
Formats: docs/evidence.md. An unreachable AWS becomes `Evidence(unreachable=...)`, never a crash.
Times come from S3 (when it stored the object version read), never from inside the JSON; records
and E2E results without Object Lock retention are not trusted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from vectora_gitops import history
from vectora_gitops.aws import cloudwatch, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.monitoring import is_env_alarm
from vectora_gitops.engine import records
from vectora_gitops.errors import AwsError
from vectora_gitops.model import Environment, MetricGate, Pins
from vectora_gitops.observed import ObjectVersion
from vectora_gitops.promotion.clock import parse
from vectora_gitops.promotion.gates import (
    AlarmEvidence,
    Deployment,
    E2eResult,
    Evidence,
    MetricReading,
    succeeded,
)

E2E_PREFIX = "deployments/e2e/"
MAX_RECORDS = 2_000


def collect(env: Environment, pins: Pins, metrics: Sequence[MetricGate], clients: Sequence[str],
            now: datetime) -> Evidence:
    """Everything the gates need from `env` (the source); `clients` are the ones promoted."""
    try:
        aws = Aws(env.region)
        deployments = read_deployments(aws, env)
        done = succeeded(deployments)
        e2e = read_e2e(aws, env, done[-1].id) if done else ()
        subjects = list(clients) or sorted(pins.clients)
        readings = tuple(r for m in metrics for r in read_metric(aws, env, m, subjects, now))
        alarms = read_alarms(aws, env, now) if env.monitoring is not None else None
    except AwsError as exc:
        return Evidence(unreachable=str(exc))
    return Evidence(deployments, e2e, readings, alarms=alarms)


ALARM_HISTORY_DAYS = 30  # what CloudWatch keeps of an alarm's history
NEVER_EVALUATED = "Unchecked: Initial alarm creation"  # the StateReason of a new alarm


def read_alarms(aws: Aws, env: Environment, now: datetime) -> AlarmEvidence:
    """The source's alarms now, and the history of those not in ALARM that changed state in the
    last ALARM_HISTORY_DAYS (DescribeAlarmHistory, read only then: the emulator lacks it; a
    failure to read it is kept, and the gate says unknown where it would need it)."""
    alarms = tuple(a for a in cloudwatch.list_alarms(aws, "vectora-inbox-")
                   if is_env_alarm(a.name, env.name))
    since = now - timedelta(days=ALARM_HISTORY_DAYS)
    if not any(a.state != "ALARM" and a.state_updated is not None and a.state_updated >= since
               and not a.state_reason.startswith(NEVER_EVALUATED) for a in alarms):
        return AlarmEvidence(alarms)
    try:
        found = cloudwatch.alarm_history(aws, "vectora-inbox-", start=since, end=now)
    except AwsError as exc:
        return AlarmEvidence(alarms, history_error=str(exc))
    return AlarmEvidence(alarms, tuple(t for t in found if is_env_alarm(t.alarm, env.name)))


def read_deployments(aws: Aws, env: Environment) -> tuple[Deployment, ...]:
    return tuple(d for d in map(to_deployment, records.list_history(aws, env, limit=MAX_RECORDS))
                 if d is not None)


def to_deployment(record: history.Record) -> Deployment | None:
    """A record as the gates see it; None for a record without id or time."""
    if not record.id or record.at is None:
        return None
    unknown = "" if record.locked else "its record is not under S3 Object Lock retention"
    if record.rewritten:
        unknown = "its closing record was written more than once"
    return Deployment(record.id, record.result, record.at, record.identities,
                      {} if unknown else record.digests, unknown)


def e2e_prefix(record_id: str) -> str:
    return f"{E2E_PREFIX}{record_id}/"


def read_e2e(aws: Aws, env: Environment, record_id: str) -> tuple[E2eResult, ...]:
    """The E2E results of a deployment: the first version of each result object, at the time S3
    stored it, whatever `recorded_at` claims (a result claiming a later time than it was written
    would otherwise stay the latest and hide the results written after it)."""
    first: dict[str, ObjectVersion] = {}
    for version in s3.list_versions(aws, env.buckets.data, e2e_prefix(record_id)):
        if not version.is_delete_marker:
            first[version.key] = version  # each key's versions come newest first
    out = []
    for key, version in sorted(first.items()):
        fetched = s3.get_version(aws, env.buckets.data, key, version.version_id)
        data = _json(fetched.body) if fetched is not None else None
        if fetched is None or not isinstance(data, Mapping) or \
                not isinstance(data.get("recorded_at"), str):
            continue
        stored = fetched.last_modified or parse(data["recorded_at"], what=key)
        out.append(E2eResult(record_id, data.get("result") == "pass", stored,
                             str(data.get("url") or ""), locked=bool(fetched.lock_mode)))
    return tuple(out)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def read_metric(aws: Aws, env: Environment, gate: MetricGate, clients: Sequence[str],
                now: datetime) -> list[MetricReading]:
    if gate.source == "cloudwatch":
        return [read_cloudwatch(aws, env, gate, now)]
    keys = sorted({gate.key.replace("{client}", c) for c in clients}) if "{client}" in gate.key \
        else [gate.key]
    return [read_s3_metric(aws, env, gate, key) for key in keys]


def read_s3_metric(aws: Aws, env: Environment, gate: MetricGate, key: str) -> MetricReading:
    where = f"s3://{env.buckets.data}/{key}#{gate.field}"
    try:
        data = s3.get_json(aws, env.buckets.data, key)
    except AwsError as exc:
        if "not valid JSON" not in str(exc):
            raise
        return MetricReading(gate.name, where, None, "not valid JSON")
    if data is None:
        return MetricReading(gate.name, where, None, "no metrics document (nothing measured)")
    value = field_value(data, gate.field)
    if value is None:
        return MetricReading(gate.name, where, None, f"field '{gate.field}' missing or not a number")
    return MetricReading(gate.name, where, value)


def field_value(data: Any, dotted: str) -> float | None:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, Mapping) else None
    if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
        return None
    return float(data)


def read_cloudwatch(aws: Aws, env: Environment, gate: MetricGate, now: datetime) -> MetricReading:
    """The statistic over period_days; the `Environment=<env>` dimension first, then none."""
    start = now - timedelta(days=gate.period_days)
    for dims in ({"Environment": env.name}, {}):
        points = cloudwatch.statistics(aws, namespace=gate.namespace, metric=gate.metric,
                                       statistic=gate.statistic, start=start, end=now,
                                       dimensions=dims)
        if points:
            label = ",".join(f"{k}={v}" for k, v in dims.items()) or "no dimensions"
            where = (f"cloudwatch:{gate.namespace}/{gate.metric} {gate.statistic} over "
                     f"{gate.period_days}d ({label})")
            return MetricReading(gate.name, where, aggregate(gate.statistic,
                                                             [p.value for p in points]))
    return MetricReading(gate.name, f"cloudwatch:{gate.namespace}/{gate.metric}", None,
                         f"no datapoints in the last {gate.period_days} days")


def aggregate(statistic: str, values: Sequence[float]) -> float:
    if statistic == "Minimum":
        return min(values)
    if statistic in ("Sum", "SampleCount"):
        return sum(values)
    if statistic == "Average":
        return sum(values) / len(values)
    return max(values)


def e2e_document(env: Environment, deployment: Mapping[str, Any], *, passed: bool, url: str,
                 now: datetime) -> dict[str, Any]:
    """The E2E result written by `record-e2e` (format: docs/evidence.md)."""
    return {
        "env": env.name,
        "record_id": deployment["id"],
        "commit": deployment.get("commit", ""),
        "pins": deployment.get("pins", {}),
        "result": "pass" if passed else "fail",
        "url": url,
        "actor": records.actor(),
        "run_url": records.run_url(),
        "recorded_at": now.isoformat(timespec="seconds"),
    }


def write_e2e(aws: Aws, env: Environment, document: Mapping[str, Any], now: datetime) -> str:
    """Store `document` under the deployment it tested, under Object Lock retention; returns
    the key (never overwrites)."""
    key = f"{e2e_prefix(str(document['record_id']))}{now.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    s3.put_json(aws, env.buckets.data, key, dict(document), if_none_match=True,
                retain_until=records.retain_until())
    return key


def latest_succeeded(aws: Aws, env: Environment) -> Mapping[str, Any] | None:
    """The raw record of the deployment the environment runs now (latest succeeded)."""
    stored = records.list_stored(aws, env, limit=MAX_RECORDS)
    raw = {str(s.data.get("id")): s.data for s in stored}
    found = (to_deployment(records.to_record(s)) for s in stored)
    done = succeeded([d for d in found if d is not None])
    return raw[done[-1].id] if done else None
