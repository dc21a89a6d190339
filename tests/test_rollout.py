"""The guarded rollout against the emulator: an apply to stage watches stage's alarms during its
bake; an alarm set to ALARM (SetAlarmState: the emulator does not evaluate alarms from metrics)
puts AWS back to the pre-apply snapshot, records `rolled back`, and holds stage until git changes
its pins or someone releases the hold with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers_repo import edit, git
from support import client, objects, run, run_records
from vectora_gitops.aws.client import add_request_hook

CONFIG = "vectora-inbox-config-stage"
DATA = "vectora-inbox-data-stage"
ALARM = "vectora-inbox-noise-rate-lai_weekly-stage"
PINS = "environments/stage/pins.yaml"


def managed() -> dict[str, bytes]:
    return {k: v for k, v in objects(CONFIG).items() if not k.startswith("backups/")}


def set_state(name: str, state: str) -> None:
    client("cloudwatch").set_alarm_state(AlarmName=name, StateValue=state,
                                         StateReason=f"test set {state}")


@pytest.fixture
def stage(seeded: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """stage applied once (no bake), its alarms OK."""
    code, _, err = run(capsys, seeded, "apply", "--env", "stage", "--yes", "--bake-seconds", "0")
    assert code == 0, err
    return seeded


@pytest.fixture
def alarm_after_write() -> Iterator[list[str]]:
    """Sets ALARM on the first alarm poll after the apply wrote clients/lai_weekly.yaml (the
    test's hook on the requests; bounded: fires once)."""
    fired: list[str] = []
    written: list[bool] = []

    def hook(service: str, operation: str, params: dict[str, Any]) -> None:
        if (service, operation) == ("s3", "PutObject") and params.get("Bucket") == CONFIG \
                and params.get("Key") == "clients/lai_weekly.yaml":
            written.append(True)
        elif (service, operation) == ("monitoring", "DescribeAlarms") and written \
                and "AlarmNames" in params and not fired:
            set_state(ALARM, "ALARM")
            fired.append(ALARM)

    remove = add_request_hook(hook)
    yield fired
    remove()


def change_pins(repo: Path, old: str, new: str, message: str) -> None:
    edit(repo, PINS, old, new)
    git(repo, "commit", "-qam", message)


def test_alarm_during_the_bake_rolls_back_and_holds(
        stage: Path, alarm_after_write: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    before = managed()
    change_pins(stage, "lai_weekly: 7.1.0", "lai_weekly: 7.0.0", "stage runs 7.0.0")
    code, out, err = run(capsys, stage, "apply", "--env", "stage", "--yes",
                         "--bake-seconds", "5")
    assert code == 1
    assert alarm_after_write == [ALARM]
    assert f"alarm {ALARM} went to ALARM" in err and "rolled back" in err
    assert "watching 13 alarm(s) for 5 s" in out
    assert managed() == before  # clients/lai_weekly.yaml has its previous bytes again
    record = run_records(DATA)[-1]
    assert (record["result"], record["rolled_back_alarm"]) == ("rolled back", ALARM)
    assert record["rolled_back_to"] == record["snapshot"]

    code, out, _ = run(capsys, stage, "drift", "--env", "stage")
    assert code == 2
    assert "git is ahead of AWS" in out and ALARM in out and record["id"] in out

    set_state(ALARM, "OK")
    code, _, err = run(capsys, stage, "apply", "--env", "stage", "--yes", "--bake-seconds", "1")
    assert code == 1
    assert f"hold {record['id']}" in err and f"alarm {ALARM}" in err
    assert managed() == before and len(run_records(DATA)) == 2  # refused before any run

    code, out, _ = run(capsys, stage, "hold", "show", "--env", "stage")
    assert code == 0 and record["id"] in out and ALARM in out
    code, out, _ = run(capsys, stage, "status")
    flat = " ".join(out.split())
    assert code == 0
    assert "stage is held since" in flat and f"alarm {ALARM} went to ALARM" in flat, out
    assert "stage: spent 0.00 of 60 USD this month (0%)" in flat, out
    assert "dev: spend unknown (budget vectora-inbox-dev not applied yet)" in flat, out

    change_pins(stage, "canonical: 2.1.0", "canonical: 2.0.0", "stage: the fix")
    code, out, err = run(capsys, stage, "apply", "--env", "stage", "--yes",
                         "--bake-seconds", "1")
    assert code == 0, err
    assert "bake of 1 s over, no alarm" in out
    assert run_records(DATA)[-1]["result"] == "succeeded"
    assert b"version: 7.0.0" in managed()["clients/lai_weekly.yaml"]


def test_release_lifts_the_hold_with_a_reason(
        stage: Path, alarm_after_write: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    change_pins(stage, "lai_weekly: 7.1.0", "lai_weekly: 7.0.0", "stage runs 7.0.0")
    assert run(capsys, stage, "apply", "--env", "stage", "--yes", "--bake-seconds", "5")[0] == 1
    set_state(ALARM, "OK")
    code, _, err = run(capsys, stage, "hold", "release", "--env", "stage")
    assert code == 1 and "--reason" in err
    code, out, _ = run(capsys, stage, "hold", "release", "--env", "stage", "--reason",
                       "the noise came from a source outage, not from 7.0.0")
    assert code == 0 and "released hold" in out
    code, out, err = run(capsys, stage, "apply", "--env", "stage", "--yes", "--bake-seconds", "1")
    assert code == 0, err
    assert b"version: 7.0.0" in managed()["clients/lai_weekly.yaml"]


def test_an_alarm_already_firing_stops_the_apply_unless_ignored(
        stage: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = managed()
    set_state(ALARM, "ALARM")
    change_pins(stage, "lai_weekly: 7.1.0", "lai_weekly: 7.0.0", "stage runs 7.0.0")
    code, _, err = run(capsys, stage, "apply", "--env", "stage", "--yes", "--bake-seconds", "1")
    assert code == 1
    assert f"already in ALARM before the apply: {ALARM}" in err and "nothing was changed" in err
    assert managed() == before and len(run_records(DATA)) == 1
    code, _, err = run(capsys, stage, "apply", "--env", "stage", "--yes", "--bake-seconds", "1",
                       "--ignore-alarm", ALARM)
    assert code == 1 and "--reason" in err
    code, out, err = run(capsys, stage, "apply", "--env", "stage", "--yes", "--bake-seconds", "1",
                         "--ignore-alarm", ALARM, "--reason", "a fix going forward in an incident")
    assert code == 0, err
    assert "watching 12 alarm(s)" in out  # the ignored one is not watched
    record = run_records(DATA)[-1]
    assert (record["result"], record["ignored_alarms"]) == ("succeeded", ALARM)
    assert record["ignored_alarms_reason"] == "a fix going forward in an incident"


def test_dev_does_not_bake_unless_asked(seeded: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VECTORA_BAKE_SECONDS")
    code, out, _ = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 0 and "watching" not in out
    record = run_records("vectora-inbox-data-dev")[-1]
    assert "bake_seconds" not in record


def test_stage_and_prod_bake_by_default(repo: Path) -> None:
    from vectora_gitops.desired.repo import Repository
    from vectora_gitops.desired.state import desired_state
    from vectora_gitops.monitoring.rollout import bake_of

    bakes = {}
    for env in ("dev", "stage", "prod"):
        desired = desired_state(Repository(repo), env, commit="x")
        found = bake_of(desired, None)
        bakes[env] = None if found is None else (found.seconds, found.poll_seconds,
                                                 len(found.watched))
    assert bakes == {"dev": None, "stage": (600, 15, 13), "prod": (900, 30, 13)}
    stage = desired_state(Repository(repo), "stage", commit="x")
    assert bake_of(stage, 0) is None and bake_of(stage, 3) is not None


def test_each_bake_fits_in_its_reconcile_job() -> None:
    """The bake runs inside the apply step of the reconcile workflow: the job's timeout must
    leave it room (plan, snapshot and apply take minutes too)."""
    import yaml

    from helpers_repo import REPO_ROOT
    from vectora_gitops.desired.repo import Repository
    from vectora_gitops.desired.state import desired_state
    from vectora_gitops.monitoring.rollout import bake_of

    jobs = yaml.safe_load((REPO_ROOT / ".github/workflows/reconcile.yml").read_text())["jobs"]
    apply_job = {"dev": "dev", "stage": "stage", "prod": "prod"}
    found = {}
    for env in apply_job:
        [job] = [j for j in jobs.values() if j.get("name") == f"reconcile {env}"]
        bake = bake_of(desired_state(Repository(REPO_ROOT), env, commit="x"), None)
        seconds = bake.seconds if bake else 0
        assert seconds + 15 * 60 <= job["timeout-minutes"] * 60, env
        step = [s for s in job["steps"] if "vectora-gitops apply" in str(s.get("run", ""))]
        assert len(step) == 1 and "--bake-seconds" not in step[0]["run"], env
        found[env] = seconds
    assert found == {"dev": 0, "stage": 600, "prod": 900}


def test_self_heal_does_not_put_back_what_an_alarm_rolled_back(
        stage: Path, alarm_after_write: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    before = managed()
    edit(stage, "environments/stage/environment.yaml", "self_heal: false", "self_heal: true")
    change_pins(stage, "lai_weekly: 7.1.0", "lai_weekly: 7.0.0", "stage runs 7.0.0, self-heals")
    assert run(capsys, stage, "apply", "--env", "stage", "--yes", "--bake-seconds", "5")[0] == 1
    record = run_records(DATA)[-1]
    assert record["result"] == "rolled back"
    set_state(ALARM, "OK")
    code, out, err = run(capsys, stage, "drift", "--env", "stage", "--heal")
    assert code == 1
    assert "stage: heal failed: stage is held since" in out + err
    assert f"(hold {record['id']})" in out + err
    assert managed() == before and len(run_records(DATA)) == 2
