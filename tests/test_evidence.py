"""Promotion evidence that cannot be forged or reused (issue 13, findings 2, 3 and 4): pins judged
by content, rules taken from the base commit, times taken from S3, records kept under Object
Lock. Each attack is reproduced against the emulator and real git, and shown refused."""

from __future__ import annotations

import fnmatch
import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.response import StreamingBody
from botocore.stub import Stubber

from evidence_support import (
    content_digests,
    make_data_bucket,
    s3_clock,
    sha256,
    stage_metrics,
    write_record,
)
from helpers_repo import edit, git
from support import cli, client, objects, put, run, run_records
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.engine import records
from vectora_gitops.errors import AwsError

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RID = "20261001T000000000000Z-0001"
PRODP = "environments/prod/pins.yaml"


def pins_of(repo: Path, env: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((repo / f"environments/{env}/pins.yaml").read_text())
    return data


def healthy_stage(capsys: pytest.CaptureFixture[str], repo: Path, *, days: float = 20,
                  pins: dict[str, Any] | None = None, digests: dict[str, str] | None = None,
                  e2e: bool = True) -> dict[str, Any]:
    """stage ran `pins` (default: its own) for `days`, with good metrics and a passing E2E
    result for that deployment; returns the pins."""
    for env in ("stage", "prod"):
        make_data_bucket(env)
    pins = pins or pins_of(repo, "stage")
    found = digests if digests is not None else content_digests(repo, pins)
    write_record("stage", RID, pins, at=NOW - timedelta(days=days), digests=found)
    stage_metrics(at=NOW)
    if e2e:
        code, _, err = run(capsys, repo, "record-e2e", "--env", "stage", "--result", "pass")
        assert code == 0, err
    return pins


def check_pr(capsys: pytest.CaptureFixture[str], repo: Path, base: str = "HEAD"
             ) -> tuple[int, str, str]:
    return run(capsys, repo, "gates", "--check-pr", "--base", base)


def version_file(repo: Path, version: str, *, tone: str = "executive") -> str:
    """clients/lai_weekly/<version>.yaml: 7.0.0's content under another version (and tone)."""
    text = (repo / "clients/lai_weekly/7.0.0.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 7.0.0", f"version: {version}", 1)
    text = text.replace('tone: "executive"', f'tone: "{tone}"', 1)
    rel = f"clients/lai_weekly/{version}.yaml"
    (repo / rel).write_text(text, encoding="utf-8")
    return rel


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_NOW", NOW.isoformat())


# --- finding 2: a pin is its content -------------------------------------------------------------

@pytest.mark.usefixtures("moto", "fixed_now")
def test_a_new_file_under_a_version_that_ran_is_judged_by_its_content(
        capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    """stage runs a 7.0.9 (content A) for 60 days; a pull request adds a new 7.0.9 file with
    other content (B) and pins it in prod: B never ran anywhere, refused. A passes."""
    rel = version_file(repo, "7.0.9", tone="executive")
    ran = {**pins_of(repo, "stage"), "clients": {"lai_weekly": "7.0.9"}}
    healthy_stage(capsys, repo, days=60, pins=ran)
    digest_a = sha256((repo / rel).read_bytes())
    version_file(repo, "7.0.9", tone="casual")
    digest_b = sha256((repo / rel).read_bytes())
    edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    line = edit(repo, PRODP, "lai_weekly: 7.0.0", "lai_weekly: 7.0.9")
    code, _, err = check_pr(capsys, repo)
    assert code == 1
    assert (f"{PRODP}:{line}: lai_weekly 7.0.9 never ran in stage with this content (sha256 "
            f"{digest_b[:12]}): the 7.0.9 that ran there (record {RID}) had sha256 "
            f"{digest_a[:12]}; promote it through stage first") in err, err

    version_file(repo, "7.0.9", tone="executive")  # the content that did run
    code, out, err = check_pr(capsys, repo)
    assert code == 0, err
    assert f"lai_weekly 7.0.9 ran in stage for 60 days (>= 14) with the same content (sha256 " \
           f"{digest_a[:12]})" in out


@pytest.mark.usefixtures("moto", "fixed_now")
def test_past_runs_do_not_count_once_stage_moved_on(capsys: pytest.CaptureFixture[str],
                                                   repo: Path) -> None:
    stage = healthy_stage(capsys, repo, days=40)
    moved = {**stage, "canonical": "2.0.0"}
    write_record("stage", "20261110T000000000000Z-0002", moved, at=NOW - timedelta(days=10),
                 digests=content_digests(repo, moved))
    line = edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, _, err = check_pr(capsys, repo)
    assert code == 1
    assert (f"{PRODP}:{line}: canonical 2.1.0 ran in stage until 2026-11-10 but stage no longer "
            "runs it (it runs 2.0.0 now, record 20261110T000000000000Z-0002); past runs do not "
            "count; promote it through stage first") in err, err


def released_then_deleted(repo: Path) -> tuple[str, str]:
    """Release clients 7.0.9 and canonical 2.2.0, then delete both (and a prerelease) in a later
    commit; returns (the deleting commit, its date)."""
    version_file(repo, "7.0.9")
    shutil.copytree(repo / "canonical/2.1.0", repo / "canonical/2.2.0")
    shutil.copy(repo / "clients/lai_weekly/7.2.0-dev.1.yaml", repo / "clients/lai_weekly/x.tmp")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release lai_weekly 7.0.9 and canonical 2.2.0")
    git(repo, "rm", "-q", "-r", "clients/lai_weekly/7.0.9.yaml", "canonical/2.2.0",
        "clients/lai_weekly/x.tmp")
    git(repo, "commit", "-q", "-m", "drop 7.0.9 and 2.2.0")
    return git(repo, "log", "-1", "--format=%H %cs").split()[0], \
        git(repo, "log", "-1", "--format=%cs").strip()


def test_a_deleted_release_cannot_come_back(capsys: pytest.CaptureFixture[str],
                                           repo: Path) -> None:
    sha, date = released_then_deleted(repo)
    version_file(repo, "7.0.9", tone="casual")  # back, with other content
    shutil.copytree(repo / "canonical/2.1.0", repo / "canonical/2.2.0")
    code, _, err = run(capsys, repo, "validate", "--base", "HEAD")
    assert code == 1
    assert (f"clients/lai_weekly/7.0.9.yaml: released clients/lai_weekly 7.0.9 was deleted in "
            f"{sha[:12]} ({date}); a deleted release never comes back, whatever its content: "
            "make a new version (`vectora-gitops new-version`)") in err, err
    assert f"canonical/2.2.0: released canonical 2.2.0 was deleted in {sha[:12]}" in err
    # a new release, never deleted, is fine; so is plain validate (no base, no history)
    shutil.rmtree(repo / "canonical/2.2.0")
    (repo / "clients/lai_weekly/7.0.9.yaml").rename(repo / "clients/lai_weekly/7.0.10.yaml")
    edit(repo, "clients/lai_weekly/7.0.10.yaml", "version: 7.0.9", "version: 7.0.10")
    code, _, err = run(capsys, repo, "validate", "--base", "HEAD")
    assert code == 0, err


def test_the_deleted_release_check_needs_the_history(capsys: pytest.CaptureFixture[str],
                                                     repo: Path, tmp_path: Path) -> None:
    released_then_deleted(repo)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    version_file(shallow, "7.0.9")
    code, _, err = run(capsys, shallow, "validate", "--base", "HEAD")
    assert code == 1
    assert ("clients/lai_weekly/7.0.9.yaml: cannot check whether released versions were "
            "deleted before: the clone is shallow") in err, err


@pytest.mark.usefixtures("moto", "fixed_now")
def test_check_pr_refuses_a_deleted_release_pinned_again(capsys: pytest.CaptureFixture[str],
                                                         repo: Path) -> None:
    sha, _ = released_then_deleted(repo)
    version_file(repo, "7.0.9", tone="casual")
    line = edit(repo, PRODP, "lai_weekly: 7.0.0", "lai_weekly: 7.0.9")
    healthy_stage(capsys, repo)
    code, _, err = check_pr(capsys, repo)
    assert code == 1
    assert (f"{PRODP}:{line}: clients/lai_weekly 7.0.9: clients/lai_weekly/7.0.9.yaml was "
            f"deleted in {sha[:12]}") in err, err


@pytest.mark.usefixtures("moto", "fixed_now")
@pytest.mark.parametrize(("setup", "reason"), [
    ({"noise": 0.12}, "gate metric noise_rate: s3://vectora-inbox-data-stage/metrics/lai_weekly/"
                      "latest.json#noise_rate = 0.12 (> max 0.1)"),
    ({"e2e": False}, f"gate e2e: no E2E result for stage deployment {RID}"),
    ({"cost": 9.0}, "gate metric bedrock_cost_per_run_usd: cloudwatch:VectoraInbox/"
                    "BedrockCostPerRun Maximum over 7d (Environment=stage) = 9 (> max 4)"),
])
def test_check_pr_evaluates_every_gate(capsys: pytest.CaptureFixture[str], repo: Path,
                                       setup: dict[str, Any], reason: str) -> None:
    """The soak passes; another gate of prod does not: the pull request is refused, as `gates`
    would refuse the promotion."""
    healthy_stage(capsys, repo, e2e=setup.get("e2e", True))
    if "noise" in setup or "cost" in setup:
        stage_metrics(noise=setup.get("noise", 0.04), cost=setup.get("cost", 1.5), at=NOW)
    edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, out, err = check_pr(capsys, repo)
    assert code == 1
    assert "canonical 2.1.0 ran in stage for 20 days (>= 14)" in out
    assert f"{PRODP}: {reason}" in err, err


@pytest.mark.usefixtures("moto", "fixed_now")
def test_records_without_digests_are_unknown_and_fail_prod(capsys: pytest.CaptureFixture[str],
                                                           repo: Path) -> None:
    healthy_stage(capsys, repo, days=60, digests={})
    # the record format before digests: no `digests` at all
    write_record("stage", "20261101T000000000000Z-0003", pins_of(repo, "stage"),
                 at=NOW - timedelta(days=19), digests=None)
    line = edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, _, err = check_pr(capsys, repo)
    assert code == 1
    assert (f"{PRODP}:{line}: canonical 2.1.0: the latest stage deployment (record "
            "20261101T000000000000Z-0003) cannot say which content of it ran (written before "
            "records carried content digests); apply stage again and let it soak (unknown: prod "
            "is strict, unknown fails)") in err, err


def without_prod_pins(repo: Path) -> str:
    """A base commit without prod's pins.yaml (as .github/scripts/promotion-check.sh makes), the
    working tree keeping them: every prod pin is checked."""
    git(repo, "rm", "-q", "--cached", PRODP)
    git(repo, "commit", "-q", "-m", "base without prod's pins")
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "add", PRODP)
    return base


@pytest.mark.usefixtures("moto", "fixed_now")
def test_pins_prod_already_runs_are_not_promoted_again(capsys: pytest.CaptureFixture[str],
                                                       repo: Path) -> None:
    """The reconcile check of every prod pin: stage moved on to newer pins, which is normal, and
    prod keeps what it runs (its latest record, same content): nothing is promoted, it passes.
    Without that record the same pins fail (stage no longer runs them)."""
    healthy_stage(capsys, repo)  # stage runs its own pins, newer than prod's
    base = without_prod_pins(repo)
    code, _, err = check_pr(capsys, repo, base)
    assert code == 1 and "canonical 2.0.0 never ran in stage" in err, err
    prod = pins_of(repo, "prod")
    write_record("prod", "20261101T000000000000Z-0009", prod, at=NOW - timedelta(days=5),
                 digests=content_digests(repo, prod))
    code, out, err = check_pr(capsys, repo, base)
    assert code == 0, err
    assert ("canonical 2.0.0 already runs in prod with the same content (record "
            "20261101T000000000000Z-0009); nothing to promote") in out
    # the same versions with other content are not what prod runs
    write_record("prod", "20261102T000000000000Z-0010", prod, at=NOW - timedelta(days=4),
                 digests={**content_digests(repo, prod), "canonical": "d" * 64})
    code, _, err = check_pr(capsys, repo, base)
    assert code == 1 and "canonical 2.0.0 never ran in stage" in err, err


# --- finding 3: the rules come from the base -----------------------------------------------------

ENVP = "environments/prod/environment.yaml"


@pytest.mark.usefixtures("moto", "fixed_now")
@pytest.mark.parametrize(("old", "new", "note"), [
    ("from: stage", "from: null", f"{ENVP}: promotion.from changed in this pull request (stage "
                                  "-> null); this check uses stage, the base's or the stricter"),
    ("soak_days: 14", "soak_days: 1", f"{ENVP}: promotion.gates.soak_days lowered (14 -> 1) in "
                                      "this pull request; this check uses the base's"),
])
def test_the_pull_request_cannot_loosen_the_rules_that_judge_it(
        capsys: pytest.CaptureFixture[str], repo: Path, old: str, new: str, note: str) -> None:
    healthy_stage(capsys, repo, days=3)
    edit(repo, ENVP, old, new)
    line = edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, out, err = check_pr(capsys, repo)
    assert code == 1
    assert note in out, out
    assert f"{PRODP}:{line}: canonical 2.1.0 ran in stage for 3 days, needs 14" in err, err


@pytest.mark.usefixtures("moto", "fixed_now")
def test_a_source_bucket_pointed_elsewhere_is_ignored(capsys: pytest.CaptureFixture[str],
                                                      repo: Path) -> None:
    """The pull request points stage's data bucket at dev's, where a long soak is recorded:
    the evidence is still read from the base's stage bucket, which has none."""
    make_data_bucket("stage")
    make_data_bucket("prod")
    make_data_bucket("dev")
    stage = pins_of(repo, "stage")
    write_record("dev", RID, stage, at=NOW - timedelta(days=60),
                 digests=content_digests(repo, stage))
    edit(repo, "environments/stage/environment.yaml", "data: vectora-inbox-data-stage",
         "data: vectora-inbox-data-dev")
    line = edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, out, err = check_pr(capsys, repo)
    assert code == 1
    assert ("environments/stage/environment.yaml: the data bucket, region or account of stage "
            "changed in this pull request (vectora-inbox-data-dev); its evidence is read from the "
            "base's vectora-inbox-data-stage (eu-west-3)") in out, out
    assert f"{PRODP}:{line}: canonical 2.1.0 never ran in stage (no successful apply)" in err


def add_qa_promoted_from_prod(repo: Path) -> int:
    """A new environment `qa`, promoted from prod: in the head prod is no longer the end of the
    chain. Returns the line of its promotion.from."""
    shutil.copytree(repo / "environments/prod", repo / "environments/qa")
    for name in ("environment.yaml", "pins.yaml"):
        path = repo / "environments/qa" / name
        path.write_text(path.read_text().replace("-prod", "-qa").replace("name: prod", "name: qa")
                        .replace("Environment: prod", "Environment: qa")
                        .replace('ENV: "prod"', 'ENV: "qa"'))
    return edit(repo, "environments/qa/environment.yaml", "from: stage", "from: prod")


@pytest.mark.usefixtures("moto", "fixed_now")
def test_no_environment_may_be_promoted_from_prod(capsys: pytest.CaptureFixture[str],
                                                  repo: Path) -> None:
    line = add_qa_promoted_from_prod(repo)
    pin = edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, _, err = check_pr(capsys, repo)  # no evidence bucket at all: every gate is unknown
    assert code == 1
    assert (f"environments/qa/environment.yaml:{line}: promotion.from: prod: nothing may be "
            "promoted from prod, the strict end of the chain (dev -> stage -> prod); promote "
            "from an environment before it") in err, err
    assert f"{PRODP}:{pin}: canonical 2.1.0: evidence unavailable: " in err
    assert "(unknown: prod is strict, unknown fails)" in err
    # prod is strict by declaration, not by its place in the chain: `gates` agrees
    code, out, err = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1 and "unknown  soak" in out and "failed" in err


# --- finding 4: times and records come from S3 ---------------------------------------------------

@pytest.mark.usefixtures("moto", "fixed_now")
def test_a_record_written_today_claiming_30_days_does_not_soak(
        capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    healthy_stage(capsys, repo, days=0)
    write_record("stage", "20261020T000000000000Z-0004", pins_of(repo, "stage"), at=NOW,
                 claimed=NOW - timedelta(days=30), digests=content_digests(repo, pins_of(repo, "stage")))
    line = edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, _, err = check_pr(capsys, repo)
    assert code == 1
    assert f"{PRODP}:{line}: canonical 2.1.0 ran in stage for 0 days, needs 14" in err, err
    code, out, _ = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1 and "ran in stage for 0 days, needs 14" in out


@pytest.mark.usefixtures("moto", "fixed_now")
def test_e2e_results_are_ordered_by_s3s_time(capsys: pytest.CaptureFixture[str],
                                             repo: Path) -> None:
    """A passing result claiming a time far ahead would stay 'the latest' and hide every later
    failure if its claim counted: S3's time orders them, the later failure wins."""
    healthy_stage(capsys, repo, e2e=False)
    forged = {"env": "stage", "record_id": RID, "result": "pass", "url": "",
              "recorded_at": "2099-01-01T00:00:00+00:00"}
    with s3_clock(NOW - timedelta(days=1)):
        client("s3").put_object(Bucket="vectora-inbox-data-stage",
                                Key=f"deployments/e2e/{RID}/20990101T000000.000000Z.json",
                                Body=json.dumps(forged).encode(), ObjectLockMode="GOVERNANCE",
                                ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=9))
    assert run(capsys, repo, "record-e2e", "--env", "stage", "--result", "fail")[0] == 0
    code, out, _ = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1 and f"fail     e2e: latest E2E result for deployment {RID} is fail" in out


@pytest.mark.usefixtures("moto", "fixed_now")
def test_an_e2e_result_without_object_lock_is_not_evidence(capsys: pytest.CaptureFixture[str],
                                                           repo: Path) -> None:
    healthy_stage(capsys, repo, e2e=False)
    put("vectora-inbox-data-stage", f"deployments/e2e/{RID}/x.json", json.dumps(
        {"record_id": RID, "result": "pass", "recorded_at": NOW.isoformat()}).encode())
    code, out, _ = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1
    assert "(1 result(s) without Object Lock retention ignored)" in out


def rewrite_closing(repo: Path, rid: str) -> None:
    """The closing record written again (a new version, claiming other content)."""
    pins = pins_of(repo, "stage")
    body = {"id": rid, "kind": "apply", "env": "stage", "pins": pins, "result": "succeeded",
            "digests": {**content_digests(repo, pins), "canonical": "e" * 64}}
    client("s3").put_object(Bucket="vectora-inbox-data-stage",
                            Key=f"deployments/records/{rid}.closed.json",
                            Body=json.dumps(body).encode(), ObjectLockMode="GOVERNANCE",
                            ObjectLockRetainUntilDate=datetime.now(UTC) + timedelta(days=9))


@pytest.mark.usefixtures("moto", "fixed_now")
@pytest.mark.parametrize(("locked", "rewritten", "why"), [
    (False, False, "its record is not under S3 Object Lock retention"),
    (True, True, "its closing record was written more than once"),
])
def test_records_that_s3_cannot_vouch_for_are_unknown(capsys: pytest.CaptureFixture[str],
                                                      repo: Path, locked: bool, rewritten: bool,
                                                      why: str) -> None:
    healthy_stage(capsys, repo, days=40, digests={})
    pins = pins_of(repo, "stage")
    write_record("stage", "20261101T000000000000Z-0005", pins, at=NOW - timedelta(days=30),
                 digests=content_digests(repo, pins), locked=locked)
    if rewritten:
        rewrite_closing(repo, "20261101T000000000000Z-0005")
    edit(repo, PRODP, "canonical: 2.0.0", "canonical: 2.1.0")
    code, _, err = check_pr(capsys, repo)
    assert code == 1
    assert f"(record 20261101T000000000000Z-0005) cannot say which content of it ran ({why})" \
        in err, err


def test_records_and_e2e_results_are_kept_under_object_lock(seeded: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    """What apply and record-e2e write: each object once, under governance retention for 400
    days; the emulator refuses to delete a version of it and to write it again."""
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert run(capsys, seeded, "record-e2e", "--env", "dev", "--result", "pass")[0] == 0
    s3 = client("s3")
    data = "vectora-inbox-data-dev"
    keys = sorted(k for k in objects(data, "deployments/") if "/records/" in k or "/e2e/" in k)
    assert len(keys) == 3  # opening, closing, one E2E result
    soon = datetime.now(UTC) + timedelta(days=399)
    for key in keys:
        [version] = s3.list_object_versions(Bucket=data, Prefix=key)["Versions"]
        head = s3.head_object(Bucket=data, Key=key)
        assert head["ObjectLockMode"] == "GOVERNANCE" and head["ObjectLockRetainUntilDate"] > soon
        with pytest.raises(s3.exceptions.ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=data, Key=key, VersionId=version["VersionId"])
        with pytest.raises(s3.exceptions.ClientError, match="PreconditionFailed"):
            s3.put_object(Bucket=data, Key=key, Body=b"{}", IfNoneMatch="*")
    [record] = run_records(data)
    assert record["digests"] == content_digests(seeded, pins_of(seeded, "dev"))
    code, out, _ = run(capsys, seeded, "history", "--env", "dev")
    assert code == 0 and "succeeded" in out


def test_apply_refuses_a_data_bucket_without_object_lock(seeded: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    s3 = client("s3")
    data = "vectora-inbox-data-dev"
    s3.delete_bucket(Bucket=data)  # still empty: recreated as before this change, no Object Lock
    make_data_bucket("dev", object_lock=False)
    s3.put_bucket_versioning(Bucket=data, VersioningConfiguration={"Status": "Enabled"})
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert (f"bucket {data} has no S3 Object Lock: the deployment records and E2E results must "
            "be kept where no role can rewrite them") in err
    assert f"aws s3api put-object-lock-configuration --bucket {data}" in err
    assert objects(data) == {} and objects("vectora-inbox-config-dev") == {}


# --- break glass ---------------------------------------------------------------------------------

def test_break_glass_reason_is_recorded_and_shown(seeded: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "incident 42: the weekly run is broken, on-call lead approved"
    code, out, _ = run(capsys, seeded, "apply", "--env", "dev", "--yes",
                       "--break-glass-reason", reason)
    assert code == 0 and "break glass recorded in record" in out
    [record] = run_records("vectora-inbox-data-dev")
    assert record["break_glass_reason"] == reason
    code, out, _ = run(capsys, seeded, "history", "--env", "dev")
    assert code == 0 and "succeeded (break glass)" in out
    assert f"{record['id']}: break glass: {reason}" in out

    # from the reconcile workflow's variable; a blank one is no reason
    monkeypatch.setenv("VECTORA_BREAK_GLASS_REASON", "rollback of the scoring rules, ticket 7")
    edit(seeded, "environments/dev/environment.yaml", 'LOG_LEVEL: "DEBUG"', 'LOG_LEVEL: "INFO"')
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    assert run_records("vectora-inbox-data-dev")[-1]["break_glass_reason"] == \
        "rollback of the scoring rules, ticket 7"


@pytest.mark.parametrize("bad", ["short", "two\nlines of a long enough reason", "x" * 301])
def test_a_bad_break_glass_reason_is_refused_before_anything(
        seeded: Path, capsys: pytest.CaptureFixture[str], bad: str) -> None:
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes",
                       "--break-glass-reason", bad)
    assert code == 1 and err.strip() == ("--break-glass-reason: one line of 10 to 300 printable "
                                         "characters saying why the promotion check is bypassed")
    assert objects("vectora-inbox-data-dev") == {}


# --- what the emulator does not do: AWS's answers, as AWS documents them -------------------------

def test_aws_answers_the_emulator_does_not_give(repo: Path) -> None:
    """moto keeps bucket policies without enforcing them and lists times to the second; AWS
    refuses a write the bucket policy denies (AccessDenied) and lists milliseconds. Our code on
    AWS's answers, through botocore's Stubber (no network)."""
    aws = Aws("eu-west-3")
    s3 = aws.client("s3")
    env, _ = load_env(Repository(repo), "stage")
    key = f"deployments/records/{RID}.closed.json"
    first = datetime(2026, 10, 1, 8, 0, 0, 123000, tzinfo=UTC)
    with Stubber(s3) as stub:
        stub.add_client_error("put_object", "AccessDenied", "Access Denied", 403)
        with pytest.raises(AwsError, match=f"PutObject s3://vectora-inbox-data-stage/{key}: "
                                            "AccessDenied"):
            records.write_closing(aws, env, {"id": RID})
        stub.add_response("list_object_versions", {"Versions": [
            {"Key": key, "VersionId": "v2", "ETag": '"b"', "IsLatest": True,
             "LastModified": first + timedelta(days=30)},
            {"Key": key, "VersionId": "v1", "ETag": '"a"', "IsLatest": False,
             "LastModified": first}], "IsTruncated": False},
            {"Bucket": "vectora-inbox-data-stage", "Prefix": "deployments/records/"})
        stub.add_response("get_object", {
            "Body": _body(b'{"id": "%s", "result": "succeeded"}' % RID.encode()),
            "VersionId": "v1", "LastModified": first, "ObjectLockMode": "GOVERNANCE",
            "ObjectLockRetainUntilDate": first + timedelta(days=400)},
            {"Bucket": "vectora-inbox-data-stage", "Key": key, "VersionId": "v1"})
        [stored] = records.list_stored(aws, env)
    assert (stored.written_at, stored.locked, stored.rewritten) == (first, True, True)


def _body(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


# --- who may write the evidence: the policies iam-policy generates -------------------------------

def denies(policy: dict[str, Any], action: str, key: str, **context: str) -> bool:
    """Whether a Deny statement of a bucket policy matches (the condition operators used)."""
    def holds(op: str, name: str, want: str) -> bool:
        got = context.get(name)
        if op == "Null":
            return (got is None) == (want == "true")
        if op == "NumericGreaterThan":
            return got is not None and float(got) > float(want)
        assert op in ("ArnNotEquals", "StringNotEquals"), op
        return got != want

    resource = f"arn:aws:s3:::vectora-inbox-data-stage/{key}"
    for st in policy["Statement"]:
        if st["Effect"] != "Deny" or action not in st["Action"] or \
                not any(fnmatch.fnmatchcase(resource, r) for r in st["Resource"]):
            continue
        if all(holds(op, name, want) for op, cond in st.get("Condition", {}).items()
               for name, want in cond.items()):
            return True
    return False


def test_only_the_apply_role_writes_evidence_and_nobody_rewrites_it(
        capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    code, out, _ = run(capsys, repo, "iam-policy", "--env", "stage", "--bucket-policy")
    assert code == 0
    policy = json.loads(out)
    apply_role = "arn:aws:iam::786469175371:role/vectora-gitops-apply-stage"
    lambda_role = "arn:aws:iam::786469175371:role/vectora-inbox-lambda-role-stage"
    record = "deployments/records/x.closed.json"
    good = {"aws:PrincipalArn": apply_role, "s3:if-none-match": "*",
            "s3:object-lock-mode": "GOVERNANCE", "s3:object-lock-remaining-retention-days": "400"}
    assert not denies(policy, "s3:PutObject", record, **good)
    assert not denies(policy, "s3:PutObject", "deployments/e2e/r/t.json", **good)
    assert not denies(policy, "s3:PutObject", "deployments/state.json",
                      **{"aws:PrincipalArn": apply_role})
    assert not denies(policy, "s3:DeleteObject", "deployments/lock.json",
                      **{"aws:PrincipalArn": apply_role})
    for action, key, context in [
        ("s3:PutObject", record, {**good, "aws:PrincipalArn": lambda_role}),  # a Lambda role
        ("s3:PutObject", "deployments/state.json", {"aws:PrincipalArn": lambda_role}),
        ("s3:DeleteObject", "deployments/state.json", {"aws:PrincipalArn": lambda_role}),
        ("s3:PutObject", record, {k: v for k, v in good.items() if k != "s3:if-none-match"}),
        ("s3:PutObject", record, {k: v for k, v in good.items() if k != "s3:object-lock-mode"}),
        ("s3:PutObject", record, {**good, "s3:object-lock-mode": "COMPLIANCE"}),
        ("s3:PutObject", record, {**good, "s3:object-lock-remaining-retention-days": "5000"}),
        ("s3:PutObjectRetention", record, {**good, "s3:object-lock-remaining-retention-days":
                                           "5000"}),
        ("s3:DeleteObjectVersion", record, {"aws:PrincipalArn": apply_role}),
        ("s3:DeleteObject", "deployments/e2e/r/t.json", {"aws:PrincipalArn": apply_role}),
        ("s3:BypassGovernanceRetention", record, {"aws:PrincipalArn": apply_role}),
    ]:
        assert denies(policy, action, key, **context), (action, key, context)

    code, out, _ = run(capsys, repo, "iam-policy", "--env", "stage")
    statements = json.loads(out)["Statement"]
    actions = {a for s in statements for a in s["Action"]}
    assert not actions & {"s3:BypassGovernanceRetention", "s3:DeleteObjectVersion", "s3:*"}
    [retention] = [s for s in statements if "s3:PutObjectRetention" in s["Action"]]
    assert retention["Resource"] == [
        "arn:aws:s3:::vectora-inbox-data-stage/deployments/records/*",
        "arn:aws:s3:::vectora-inbox-data-stage/deployments/e2e/*"]
    code, _, err = run(capsys, repo, "iam-policy", "--env", "stage", "--bucket-policy",
                       "--read-only")
    assert code == 1 and "--bucket-policy and --read-only do not go together" in err
