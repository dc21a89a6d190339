"""CloudWatch metric statistics read by the promotion gates, typed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from vectora_gitops.aws.client import Aws, call
from vectora_gitops.observed import Datapoint

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
