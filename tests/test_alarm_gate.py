"""Gates read the alarms (docs/architecture.md §11): promotion into prod fails when a stage alarm
fired during the soak of the pins promoted, with the alarm and its time in the gate's evidence
and the pull request body. The emulator lacks DescribeAlarmHistory: an alarm that fired and
recovered is shown through botocore's Stubber with the answers AWS documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from evidence_support import content_digests, make_data_bucket, stage_metrics, write_record
from support import client, run
from test_evidence import NOW, RID, pins_of
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.promotion import evidence
from vectora_gitops.promotion.gates import FAIL, PASS, UNKNOWN, Evidence, Inputs, evaluate
from vectora_gitops.promotion.pins import changes

ALARM = "vectora-inbox-noise-rate-lai_weekly-stage"
TOPIC = "arn:aws:sns:eu-west-3:786469175371:vectora-inbox-alarms-stage"


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_NOW", NOW.isoformat())


def stage_soaked(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    """stage ran its pins 20 days (prod needs 14), good metrics, a passing E2E result."""
    for env in ("stage", "prod"):
        make_data_bucket(env)
    pins = pins_of(repo, "stage")
    write_record("stage", RID, pins, at=NOW - timedelta(days=20),
                 digests=content_digests(repo, pins))
    stage_metrics(at=NOW)
    code, _, err = run(capsys, repo, "record-e2e", "--env", "stage", "--result", "pass")
    assert code == 0, err


def put_stage_alarm(name: str = ALARM) -> None:
    client("cloudwatch").put_metric_alarm(
        AlarmName=name, Namespace="VectoraInbox", MetricName="NoiseRate", Statistic="Maximum",
        Dimensions=[{"Name": "Environment", "Value": "stage"},
                    {"Name": "Client", "Value": "lai_weekly"}],
        Period=300, EvaluationPeriods=1, Threshold=0.1, ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[TOPIC])


@pytest.mark.usefixtures("moto", "fixed_now")
def test_promotion_into_prod_is_refused_while_a_stage_alarm_fired_in_the_soak(
        capsys: pytest.CaptureFixture[str], repo: Path, tmp_path: Path) -> None:
    stage_soaked(capsys, repo)
    code, out, err = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 0, out + err
    assert "pass     alarms: stage has no alarm in AWS (its monitoring is not applied): none " \
           "fired" in out

    put_stage_alarm()
    client("cloudwatch").set_alarm_state(AlarmName=ALARM, StateValue="ALARM",
                                         StateReason="NoiseRate 0.31 > 0.1")
    since = client("cloudwatch").describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0][
        "StateUpdatedTimestamp"].astimezone(UTC).isoformat(timespec="seconds")
    code, out, err = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1
    assert (f"fail     alarms: stage alarm(s) fired during the soak (since "
            f"2026-10-31T12:00:00+00:00): {ALARM} is in ALARM since {since}") in out
    assert "gates stage -> prod: failed" in err

    body = tmp_path / "body.md"
    code, _, err = run(capsys, repo, "promote", "--from", "stage", "--to", "prod",
                       "--body-out", str(body))
    assert code == 0, err
    text = body.read_text()
    assert f"| alarms | ❌ fail | `stage alarm(s) fired during the soak (since " \
           f"2026-10-31T12:00:00+00:00): {ALARM} is in ALARM since {since}` |" in text, text


def history_item(name: str, at: datetime, old: str, new: str) -> dict[str, Any]:
    """A StateUpdate item as DescribeAlarmHistory documents it."""
    return {"AlarmName": name, "AlarmType": "MetricAlarm", "Timestamp": at,
            "HistoryItemType": "StateUpdate",
            "HistorySummary": f"Alarm updated from {old} to {new}",
            "HistoryData": json.dumps({"version": "1.0", "oldState": {"stateValue": old},
                                       "newState": {"stateValue": new}})}


def alarm_item(name: str, state: str, updated: datetime) -> dict[str, Any]:
    return {"AlarmName": name, "AlarmArn": f"arn:aws:cloudwatch:eu-west-3:786469175371:alarm:{name}",
            "StateValue": state, "StateUpdatedTimestamp": updated, "StateReason": "r",
            "MetricName": "NoiseRate", "Namespace": "VectoraInbox", "Statistic": "Maximum",
            "Period": 300, "EvaluationPeriods": 1, "Threshold": 0.1,
            "ComparisonOperator": "GreaterThanThreshold", "ActionsEnabled": True,
            "AlarmActions": [TOPIC], "Dimensions": []}


def gate_of(repo: Path, seen: Any, *, start_days: float = 20) -> tuple[str, str]:
    """The alarms gate of stage -> prod on these alarms, stage running its pins since
    `start_days` before NOW."""
    from vectora_gitops.promotion.gates import Deployment

    root = Repository(repo)
    prod_env, prod_pins = load_env(root, "prod")
    _, stage_pins = load_env(root, "stage")
    found = tuple(changes(stage_pins, prod_pins))
    digests = content_digests(repo, pins_of(repo, "stage"))
    dep = Deployment(RID, "succeeded", NOW - timedelta(days=start_days), stage_pins.identities(),
                     digests)
    results = evaluate(Inputs("stage", prod_env.promotion.gates, found,
                              Evidence(deployments=(dep,), alarms=seen), NOW, (), digests))
    [alarm] = [r for r in results if r.name == "alarms"]
    return alarm.status, alarm.evidence


@pytest.mark.usefixtures("moto")
def test_an_alarm_that_fired_and_recovered_in_the_soak_fails_on_aws_answers(repo: Path) -> None:
    aws = Aws("eu-west-3")
    env, _ = load_env(Repository(repo), "stage")
    fired = NOW - timedelta(days=3)
    cw = aws.client("cloudwatch")
    with Stubber(cw) as stub:
        stub.add_response("describe_alarms", {"MetricAlarms": [
            alarm_item(ALARM, "OK", NOW - timedelta(days=2)),
            alarm_item("vectora-inbox-ingest-errors-stage", "OK", NOW - timedelta(days=90)),
            alarm_item("vectora-inbox-ingest-errors-prod", "ALARM", NOW)]})
        stub.add_response("describe_alarm_history", {"AlarmHistoryItems": [
            history_item(ALARM, fired, "OK", "ALARM"),
            history_item(ALARM, NOW - timedelta(days=2), "ALARM", "OK"),
            history_item("vectora-inbox-ingest-errors-prod", NOW, "OK", "ALARM")]})
        seen = evidence.read_alarms(aws, env, NOW)
        stub.assert_no_pending_responses()
    assert [a.name for a in seen.alarms] == [ALARM, "vectora-inbox-ingest-errors-stage"]
    assert gate_of(repo, seen) == (FAIL, (
        "stage alarm(s) fired during the soak (since 2026-10-31T12:00:00+00:00): "
        f"{ALARM} went to ALARM at {fired.isoformat(timespec='seconds')}"))
    # the same firing before the pins started to soak does not count
    assert gate_of(repo, seen, start_days=2) == (PASS, (
        "no stage alarm fired since 2026-11-18T12:00:00+00:00 (2 alarm(s) watched)"))

    with Stubber(cw) as stub:
        stub.add_response("describe_alarms", {"MetricAlarms": [
            alarm_item(ALARM, "OK", NOW - timedelta(days=2))]})
        stub.add_client_error("describe_alarm_history", "AccessDenied", "not allowed", 403)
        seen = evidence.read_alarms(aws, env, NOW)
    status, text = gate_of(repo, seen)
    assert status == UNKNOWN
    assert text.startswith(f"1 stage alarm(s) changed state since 2026-10-31T12:00:00+00:00 "
                           f"({ALARM}) and their history could not be read: "
                           "DescribeAlarmHistory vectora-inbox-*: AccessDenied")
