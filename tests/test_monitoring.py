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


def test_an_alarm_disabled_by_hand_is_drift_and_apply_enables_it(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    name = "vectora-inbox-ingest-errors-dev"
    alarm = alarms("dev")[name]
    keep = {k: alarm[k] for k in ("AlarmName", "AlarmDescription", "Namespace", "MetricName",
                                  "Statistic", "Dimensions", "Period", "EvaluationPeriods",
                                  "Threshold", "ComparisonOperator", "TreatMissingData",
                                  "AlarmActions")}
    # what the console's "disable actions" leaves (the emulator lacks DisableAlarmActions)
    client("cloudwatch").put_metric_alarm(**keep, ActionsEnabled=False)
    client("cloudwatch").delete_dashboards(DashboardNames=["vectora-inbox-dev"])
    code, out, _ = run(capsys, seeded, "drift", "--env", "dev")
    assert code == 2
    assert (f"  alarm:{name}\n    alarm actions disabled by hand: git: actions enabled; aws: "
            "actions disabled") in out, out
    assert "  dashboard:vectora-inbox-dev\n    dashboard missing: git: generated" in out, out
    code, out, _ = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 2
    assert f"~ update alarm {name}: actions disabled in AWS -> enabled" in out
    assert "+ create dashboard vectora-inbox-dev" in out
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    assert alarms("dev")[name]["ActionsEnabled"] is True
    assert run(capsys, seeded, "drift", "--env", "dev")[0] == 0


def test_validate_refuses_an_environment_tag_of_another_environment(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers_repo import edit

    line = edit(repo, "environments/stage/environment.yaml", "  Environment: stage\n",
                "  Environment: prod\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert ("environments/stage/environment.yaml: tags.Environment: 'prod' must be 'stage': "
            "every resource carries its environment's name (the budget filters on it)") in err
    assert line > 0


def test_monitoring_overrides_are_checked_against_their_schema(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers_repo import append

    line = append(repo, "environments/prod/monitoring.yaml", "rollout_typo: 5\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert f"environments/prod/monitoring.yaml:{line}: (top level): Additional properties are " \
           "not allowed ('rollout_typo' was unexpected)" in err, err


def test_budget_update_and_spend_on_aws_answers(repo: Path) -> None:
    """The emulator lacks UpdateBudget; AWS's answers through botocore's Stubber (no network):
    a changed limit updates the budget, a new alert percentage is created, and the spend AWS
    Budgets computes is what status shows."""
    from botocore.stub import ANY, Stubber

    from vectora_gitops.aws.client import Aws
    from vectora_gitops.desired.repo import Repository, load_env
    from vectora_gitops.desired.state import desired_state
    from vectora_gitops.engine.apply import Outcome, _Steps
    from vectora_gitops.engine.monitoring import budget_changes
    from vectora_gitops.monitoring.status import budget_line
    from vectora_gitops.observed import Budget, ObservedMonitoring

    desired = desired_state(Repository(repo), "stage", commit="x")
    assert desired.monitoring is not None
    seen = ObservedMonitoring({}, None, None, Budget("vectora-inbox-stage", 40.0,
                                                     ("user:Environment$stage",), (80,)))
    [change] = budget_changes(desired.monitoring, seen)
    assert change.describe() == ("update budget vectora-inbox-stage: 60 USD a month on "
                                 "user:Environment$stage, alert at 100%")
    aws = Aws("eu-west-3")
    with Stubber(aws.client("budgets")) as stub:
        stub.add_response("update_budget", {}, {"AccountId": ACCOUNT, "NewBudget": {
            "BudgetName": "vectora-inbox-stage", "BudgetType": "COST", "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "60", "Unit": "USD"},
            "CostFilters": {"TagKeyValue": ["user:Environment$stage"]}}})
        stub.add_response("create_notification", {}, {
            "AccountId": ACCOUNT, "BudgetName": "vectora-inbox-stage", "Notification": {
                "NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                "Threshold": 100.0, "ThresholdType": "PERCENTAGE"},
            "Subscribers": [{"SubscriptionType": "SNS", "Address": ANY}]})
        change.run(_Steps(aws, desired, Outcome()))
        stub.assert_no_pending_responses()
        stub.add_response("describe_budget", {"Budget": {
            "BudgetName": "vectora-inbox-stage", "BudgetType": "COST", "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": "60.0", "Unit": "USD"},
            "CalculatedSpend": {"ActualSpend": {"Amount": "51.327", "Unit": "USD"}}}})
        stub.add_response("describe_notifications_for_budget", {"Notifications": []})
        stub.add_client_error("describe_budget", "AccessDeniedException", "not allowed", 400)
        env = load_env(Repository(repo), "stage")[0]
        assert budget_line(aws, env) == ("stage: spent 51.33 of 60 USD this month (86%) "
                                         "(AWS Budgets, tag Environment=stage)")
        assert budget_line(aws, env).startswith("stage: spend unknown (DescribeBudget "
                                                "vectora-inbox-stage: AccessDeniedException")


def test_snapshots_record_the_alarms_and_a_restore_puts_them_back(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    assert run(capsys, seeded, "snapshot", "create", "--env", "dev", "--name", "before")[0] == 0
    name = "vectora-inbox-newsletter-errors-dev"
    alarm = alarms("dev")[name]
    keep = {k: alarm[k] for k in ("AlarmName", "AlarmDescription", "Namespace", "MetricName",
                                  "Statistic", "Dimensions", "Period", "EvaluationPeriods",
                                  "ComparisonOperator", "TreatMissingData", "AlarmActions")}
    client("cloudwatch").put_metric_alarm(**keep, Threshold=50.0)
    code, out, err = run(capsys, seeded, "snapshot", "restore", "--env", "dev", "--name",
                         "before", "--yes")
    assert code == 0, err
    assert f"~ put back alarm {name} as in the snapshot" in out
    assert alarms("dev")[name]["Threshold"] == 1.0
    assert run(capsys, seeded, "plan", "--env", "dev")[0] == 0


def test_a_missing_topic_names_who_owns_it() -> None:
    """The topic belongs to the core stack made outside the tool; templates/s0-core, the core
    stack the tool manages, does not declare it, and the message says so."""
    from dataclasses import replace

    from vectora_gitops.desired.repo import Repository, load_env
    from vectora_gitops.engine.monitoring_io import missing_topic
    from vectora_gitops.model import StackSpec

    dev, _ = load_env(Repository(Path(__file__).resolve().parents[1]), "dev")
    assert missing_topic(dev) == (
        "SNS topic vectora-inbox-alarms-dev does not exist in dev; deploy the CloudFormation "
        "stack vectora-inbox-s0-core-dev first (it owns the topic and the policy that lets "
        "CloudWatch and AWS Budgets publish)")
    managed = replace(dev, managed_stacks={"s0-core": StackSpec(
        "s0-core", "vectora-inbox-s0-core-dev", {"Env": "dev"}, None)})
    assert missing_topic(managed) == (
        "SNS topic vectora-inbox-alarms-dev does not exist in dev; its core stack "
        "vectora-inbox-s0-core-dev comes from templates/s0-core, which does not declare the "
        "topic: create it with a policy that lets CloudWatch and AWS Budgets publish (README, "
        "Monitoring), or remove environments/dev/monitoring.yaml")
