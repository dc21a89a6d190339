"""Monitoring as code against the emulator: alarms, dashboard, topic and budget of every
environment applied from git, a second plan empty, hand changes reported as drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import client, run

ENVS = ("dev", "stage", "prod")
ACCOUNT = "786469175371"


def alarms(env: str) -> dict[str, dict[str, object]]:
    found = client("cloudwatch").describe_alarms(AlarmNamePrefix="vectora-inbox-")["MetricAlarms"]
    return {a["AlarmName"]: a for a in found if a["AlarmName"].endswith(f"-{env}")}


def test_three_environments_get_their_monitoring_and_converge(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for env in ENVS:
        code, out, err = run(capsys, seeded, "apply", "--env", env, "--yes", "--bake-seconds", "0")
        assert code == 0, err
    for env in ENVS:
        code, out, _ = run(capsys, seeded, "plan", "--env", env)
        assert (code, "no changes" in out) == (0, True), out
        found = alarms(env)
        assert sorted(found) == sorted(
            [f"vectora-inbox-{f}-{m}-{env}" for f in ("ingest", "normalize-score", "newsletter")
             for m in ("errors", "throttles", "duration")]
            + [f"vectora-inbox-{m}-lai_weekly-{env}" for m in
               ("no-newsletter", "bedrock-cost", "noise-rate", "items-curated-zero")])
        topic = f"arn:aws:sns:eu-west-3:{ACCOUNT}:vectora-inbox-alarms-{env}"
        assert all(a["AlarmActions"] == [topic] for a in found.values())
        duration = found[f"vectora-inbox-ingest-duration-{env}"]
        assert duration["Threshold"] == 720000.0
        body = json.loads(client("cloudwatch").get_dashboard(
            DashboardName=f"vectora-inbox-{env}")["DashboardBody"])
        titles = [w["properties"]["title"] for w in body["widgets"]]
        assert f"vectora-inbox-ingest-v2-{env}" in titles and f"lai_weekly ({env})" in titles
        subs = client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        tags = client("sns").list_tags_for_resource(ResourceArn=topic)["Tags"]
        assert {"Key": "Environment", "Value": env} in tags
        budget = client("budgets").describe_budget(AccountId=ACCOUNT,
                                                   BudgetName=f"vectora-inbox-{env}")["Budget"]
        assert budget["CostFilters"] == {"TagKeyValue": [f"user:Environment${env}"]}
        assert budget["BudgetLimit"]["Amount"] == {"dev": "30", "stage": "60", "prod": "150"}[env]
        yield_subs = sorted(s["Endpoint"] for s in subs)
        assert yield_subs == {"dev": [], "stage": ["vectora-team@example.com"],
                              "prod": ["https://oncall.example.com/hooks/vectora-prod",
                                       "vectora-oncall@example.com"]}[env]
    prod_cost = alarms("prod")["vectora-inbox-bedrock-cost-lai_weekly-prod"]
    stage_cost = alarms("stage")["vectora-inbox-bedrock-cost-lai_weekly-stage"]
    assert (prod_cost["Threshold"], stage_cost["Threshold"]) == (3.0, 5.0)
