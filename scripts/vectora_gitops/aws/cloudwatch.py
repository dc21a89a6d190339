"""CloudWatch, typed: metric statistics read by the promotion gates; the alarms and the dashboard
of an environment (docs/architecture.md §11)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from vectora_gitops.aws.client import Aws, call, pages
from vectora_gitops.errors import AwsError
from vectora_gitops.model import AlarmSpec
from vectora_gitops.observed import Alarm, AlarmTransition, Datapoint

DAY_S = 86_400


def statistics(aws: Aws, *, namespace: str, metric: str, statistic: str, start: datetime,
               end: datetime, dimensions: Mapping[str, str]) -> tuple[Datapoint, ...]:
    """Datapoints of one statistic, one per day, oldest first."""
    response = call(f"GetMetricStatistics {namespace}/{metric}",
                    aws.client("cloudwatch").get_metric_statistics,
                    Namespace=namespace, MetricName=metric, StartTime=start, EndTime=end,
                    Period=DAY_S, Statistics=[statistic],
                    Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()])
    points = [Datapoint(p["Timestamp"], float(p[statistic]))
              for p in response.get("Datapoints", ()) if statistic in p]
    return tuple(sorted(points, key=lambda p: p.timestamp))


MAX_NAMES = 100  # DescribeAlarms and DeleteAlarms take at most 100 names


def list_alarms(aws: Aws, prefix: str) -> Iterator[Alarm]:
    """Every metric alarm whose name starts with `prefix`."""
    for page in pages(f"DescribeAlarms {prefix}*", aws.client("cloudwatch"), "describe_alarms",
                      AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"]):
        for raw in page.get("MetricAlarms", ()):
            yield alarm_of(raw)


def alarms_named(aws: Aws, names: list[str]) -> list[Alarm]:
    """The alarms of these names that exist (in chunks of MAX_NAMES)."""
    out: list[Alarm] = []
    for start in range(0, len(names), MAX_NAMES):
        chunk = names[start:start + MAX_NAMES]
        for page in pages(f"DescribeAlarms {chunk[0]}..", aws.client("cloudwatch"),
                          "describe_alarms", AlarmNames=chunk, AlarmTypes=["MetricAlarm"]):
            out += [alarm_of(raw) for raw in page.get("MetricAlarms", ())]
    return out


def alarm_of(raw: Mapping[str, Any]) -> Alarm:
    definition = {
        "description": str(raw.get("AlarmDescription", "")),
        "namespace": str(raw.get("Namespace", "")),
        "metric": str(raw.get("MetricName", "")),
        "dimensions": sorted([str(d["Name"]), str(d["Value"])] for d in raw.get("Dimensions", ())),
        "statistic": str(raw.get("Statistic", raw.get("ExtendedStatistic", ""))),
        "period": int(raw.get("Period", 0)),
        "evaluation_periods": int(raw.get("EvaluationPeriods", 0)),
        "threshold": float(raw.get("Threshold", 0.0)),
        "comparison": str(raw.get("ComparisonOperator", "")),
        "treat_missing": str(raw.get("TreatMissingData", "missing")),
        "actions": sorted(str(a) for a in raw.get("AlarmActions", ())),
        "actions_enabled": bool(raw.get("ActionsEnabled", True)),
    }
    updated = raw.get("StateUpdatedTimestamp")
    return Alarm(str(raw["AlarmName"]), str(raw.get("AlarmArn", "")),
                 str(raw.get("StateValue", "")), definition,
                 updated if isinstance(updated, datetime) else None,
                 str(raw.get("StateReason", "")))


def put_alarm(aws: Aws, spec: AlarmSpec, tags: Mapping[str, str]) -> None:
    """Create or replace an alarm (PutMetricAlarm replaces every field; tags apply on create)."""
    call(f"PutMetricAlarm {spec.name}", aws.client("cloudwatch").put_metric_alarm,
         AlarmName=spec.name, AlarmDescription=spec.description, Namespace=spec.namespace,
         MetricName=spec.metric, Dimensions=[{"Name": k, "Value": v} for k, v in spec.dimensions],
         Statistic=spec.statistic, Period=spec.period, EvaluationPeriods=spec.evaluation_periods,
         Threshold=spec.threshold, ComparisonOperator=spec.comparison,
         TreatMissingData=spec.treat_missing, ActionsEnabled=spec.actions_enabled,
         AlarmActions=list(spec.actions), Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def delete_alarms(aws: Aws, names: list[str]) -> None:
    for start in range(0, len(names), MAX_NAMES):
        call("DeleteAlarms", aws.client("cloudwatch").delete_alarms,
             AlarmNames=names[start:start + MAX_NAMES])


def get_dashboard(aws: Aws, name: str) -> str | None:
    """The dashboard's body, None when it does not exist."""
    try:
        response = call(f"GetDashboard {name}", aws.client("cloudwatch").get_dashboard,
                        DashboardName=name)
    except AwsError as exc:
        if exc.code in ("ResourceNotFound", "ResourceNotFoundException"):
            return None
        raise
    return str(response.get("DashboardBody", ""))


def put_dashboard(aws: Aws, name: str, body: str) -> None:
    response = call(f"PutDashboard {name}", aws.client("cloudwatch").put_dashboard,
                    DashboardName=name, DashboardBody=body)
    problems = response.get("DashboardValidationMessages") or ()
    if problems:
        raise AwsError(f"PutDashboard {name}: {json.dumps(problems)[:300]}")


def alarm_history(aws: Aws, prefix: str, *, start: datetime, end: datetime
                  ) -> tuple[AlarmTransition, ...]:
    """The state changes of the alarms named `prefix`* between `start` and `end`, oldest first
    (DescribeAlarmHistory; the emulator lacks it: tested with botocore's Stubber)."""
    out = []
    for page in pages(f"DescribeAlarmHistory {prefix}*", aws.client("cloudwatch"),
                      "describe_alarm_history", AlarmTypes=["MetricAlarm"],
                      HistoryItemType="StateUpdate", StartDate=start, EndDate=end,
                      ScanBy="TimestampAscending"):
        for item in page.get("AlarmHistoryItems", ()):
            name = str(item.get("AlarmName", ""))
            if not name.startswith(prefix):
                continue
            old, new = _states(item.get("HistoryData"))
            out.append(AlarmTransition(name, item["Timestamp"], old, new,
                                       str(item.get("HistorySummary", ""))))
    return tuple(sorted(out, key=lambda t: t.at))


def _states(data: object) -> tuple[str, str]:
    """(old, new) state of a StateUpdate's HistoryData (JSON with oldState/newState)."""
    try:
        parsed = json.loads(str(data))
        return (str(parsed["oldState"]["stateValue"]), str(parsed["newState"]["stateValue"]))
    except (ValueError, KeyError, TypeError):
        return ("", "")
