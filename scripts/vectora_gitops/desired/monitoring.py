"""Monitoring as code (docs/architecture.md §11), pure: the shared defaults merged with an
environment's monitoring.yaml, and every alarm, the dashboard, the topic and the budget that
follow from the environment's functions and pinned clients.

The engine's outcome alarms read custom metrics: the contract the engine must emit is, in the
namespace of environments/monitoring.yaml (`VectoraInbox`), with dimensions `Environment` and
`Client`, one datapoint per run of `NewslettersWritten` (count), `BedrockCostPerRun` (USD),
`NoiseRate` (0..1) and `ItemsCurated` (count). README, "Monitoring".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vectora_gitops.model import (
    AlarmSpec,
    BudgetSpec,
    Environment,
    Monitoring,
    MonitoringSpec,
    Pins,
    Rollout,
    Subscriber,
    Thresholds,
    TopicSpec,
)

LAMBDA = "AWS/Lambda"
DAY_S = 86_400
# the engine's outcome metrics: metric -> (alarm slug, statistic, comparison, threshold field,
# treat missing data); README "Monitoring" lists them as the engine's contract
OUTCOMES: dict[str, tuple[str, str, str, str, str]] = {
    "NewslettersWritten": ("no-newsletter", "Sum", "LessThanThreshold", "", "breaching"),
    "BedrockCostPerRun": ("bedrock-cost", "Maximum", "GreaterThanThreshold",
                       "bedrock_cost_per_run_usd", "notBreaching"),
    "NoiseRate": ("noise-rate", "Maximum", "GreaterThanThreshold", "noise_rate", "notBreaching"),
    "ItemsCurated": ("items-curated-zero", "Minimum", "LessThanOrEqualToThreshold",
                     "items_curated_min", "notBreaching"),
}


def monitoring_spec(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> MonitoringSpec:
    """Schema-valid defaults (environments/monitoring.yaml) under schema-valid overrides."""
    thresholds = {**defaults["thresholds"], **(own.get("thresholds") or {})}
    budget = {**defaults["budget"], **(own.get("budget") or {})}
    rollout = {**defaults["rollout"], **(own.get("rollout") or {})}
    return MonitoringSpec(
        namespace=str(defaults["namespace"]),
        period_seconds=int(defaults["period_seconds"]),
        thresholds=Thresholds(**thresholds),
        subscribers=tuple(Subscriber(s["protocol"], s["endpoint"])
                          for s in own.get("subscribers") or ()),
        budget_usd=float(budget["monthly_usd"]),
        budget_alerts=tuple(int(p) for p in budget["alerts_percent"]),
        rollout=Rollout(int(rollout["bake_seconds"]), int(rollout["poll_seconds"])),
    )


def topic_name(env: str) -> str:
    return f"vectora-inbox-alarms-{env}"


def dashboard_name(env: str) -> str:
    return f"vectora-inbox-{env}"


def budget_name(env: str) -> str:
    return f"vectora-inbox-{env}"


def is_env_alarm(name: str, env: str) -> bool:
    """An alarm this tool manages in `env` (what observe lists and prune may delete)."""
    return name.startswith("vectora-inbox-") and name.endswith(f"-{env}")


def clients_of(pins: Pins) -> tuple[str, ...]:
    return tuple(sorted({*pins.clients, *pins.legacy_clients}))


def build(env: Environment, pins: Pins) -> Monitoring | None:
    """Everything the environment's monitoring declares; None when it declares none."""
    spec = env.monitoring
    if spec is None:
        return None
    topic = TopicSpec(topic_name(env.name),
                      f"arn:aws:sns:{env.region}:{env.account_id}:{topic_name(env.name)}",
                      spec.subscribers)
    alarms = [*function_alarms(env, spec, topic.arn), *outcome_alarms(env, pins, spec, topic.arn)]
    budget = None
    if spec.budget_usd > 0:
        budget = BudgetSpec(budget_name(env.name), env.account_id, spec.budget_usd,
                            f"user:Environment${env.name}", spec.budget_alerts, topic.arn)
    by_name = {a.name: a for a in sorted(alarms, key=lambda a: a.name)}
    return Monitoring(topic=topic, alarms=by_name, dashboard=dashboard_name(env.name),
                      dashboard_body=dashboard(env, pins, spec, tuple(by_name.values())),
                      budget=budget, tags=dict(sorted(env.tags.items())))


def function_alarms(env: Environment, spec: MonitoringSpec, topic: str) -> list[AlarmSpec]:
    t, period = spec.thresholds, spec.period_seconds
    out = []
    for key, fn in sorted(env.functions.items()):
        dims = (("FunctionName", fn.name),)
        out += [
            AlarmSpec(f"vectora-inbox-{key}-errors-{env.name}", f"{fn.name}: errors", LAMBDA,
                      "Errors", dims, "Sum", period, 1, float(t.function_errors),
                      "GreaterThanOrEqualToThreshold", "notBreaching", (topic,)),
            AlarmSpec(f"vectora-inbox-{key}-throttles-{env.name}", f"{fn.name}: throttles", LAMBDA,
                      "Throttles", dims, "Sum", period, 1, float(t.function_throttles),
                      "GreaterThanOrEqualToThreshold", "notBreaching", (topic,)),
            AlarmSpec(f"vectora-inbox-{key}-duration-{env.name}",
                      f"{fn.name}: a run passed {t.duration_ratio:.0%} of the "
                      f"{t.function_timeout_seconds} s timeout", LAMBDA, "Duration", dims,
                      "Maximum", period, 1,
                      round(t.function_timeout_seconds * 1000 * t.duration_ratio, 3),
                      "GreaterThanThreshold", "notBreaching", (topic,)),
        ]
    return out


def outcome_alarms(env: Environment, pins: Pins, spec: MonitoringSpec,
                   topic: str) -> list[AlarmSpec]:
    t = spec.thresholds
    out = []
    for cid in clients_of(pins):
        dims = (("Environment", env.name), ("Client", cid))
        for metric, (slug, statistic, comparison, field, missing) in OUTCOMES.items():
            if metric == "NewslettersWritten":
                period, periods, threshold = DAY_S, t.newsletter_window_days, 1.0
                what = f"no newsletter written for {cid} in {periods} day(s)"
            else:
                period, periods = spec.period_seconds, 1
                threshold = float(getattr(t, field))
                what = f"{cid}: {metric} {_comparison_words(comparison)} {threshold:g}"
            out.append(AlarmSpec(f"vectora-inbox-{slug}-{cid}-{env.name}", what, spec.namespace,
                                 metric, dims, statistic, period, periods, threshold, comparison,
                                 missing, (topic,)))
    return out


def _comparison_words(comparison: str) -> str:
    return {"GreaterThanThreshold": "above", "LessThanOrEqualToThreshold": "at or below",
            "LessThanThreshold": "below"}.get(comparison, comparison)


def dashboard(env: Environment, pins: Pins, spec: MonitoringSpec,
              alarms: tuple[AlarmSpec, ...]) -> str:
    """The dashboard's body: one row per function, one per client, and the alarms' states."""
    widgets: list[dict[str, Any]] = []
    y = 0
    for _key, fn in sorted(env.functions.items()):
        metrics = [[LAMBDA, m, "FunctionName", fn.name] for m in
                   ("Invocations", "Errors", "Throttles", "Duration")]
        widgets.append(_widget(fn.name, metrics, y, env.region, spec.period_seconds))
        y += 6
    for cid in clients_of(pins):
        metrics = [[spec.namespace, m, "Environment", env.name, "Client", cid] for m in OUTCOMES]
        widgets.append(_widget(f"{cid} ({env.name})", metrics, y, env.region,
                               spec.period_seconds))
        y += 6
    arns = [f"arn:aws:cloudwatch:{env.region}:{env.account_id}:alarm:{a.name}" for a in alarms]
    widgets.append({"type": "alarm", "x": 0, "y": y, "width": 24, "height": 6,
                    "properties": {"title": f"alarms of {env.name}", "alarms": arns}})
    return json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"))


def _widget(title: str, metrics: list[list[str]], y: int, region: str,
            period: int) -> dict[str, Any]:
    return {"type": "metric", "x": 0, "y": y, "width": 24, "height": 6,
            "properties": {"title": title, "metrics": metrics, "region": region,
                           "period": period, "stat": "Sum", "view": "timeSeries"}}
