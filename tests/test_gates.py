"""Promotion gates: pure evaluation (tables), then `gates` and `gates --check-pr` against moto."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from evidence_support import content_digests, make_data_bucket, stage_metrics, write_record
from helpers_repo import edit
from support import run
from vectora_gitops.model import Gates, MetricGate
from vectora_gitops.promotion.gates import (
    Deployment,
    E2eResult,
    Evidence,
    Inputs,
    MetricReading,
    evaluate,
    runs,
    verdict,
)
from vectora_gitops.promotion.pins import PinChange

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
STAGE_PINS = {
    "canonical": "2.1.0",
    "clients": {"lai_weekly": "7.1.0"},
    "layers": {
        "vectora-core": {"version": "1.4.1", "sha256": "575fed2b486af62db356ac9db5739bd2b786e754a"
                         "dacfc82ecf9cb765206c678",
                         "artifact": "s3://vectora-inbox-lambda-code-dev/layers/vectora-core-1.4.1.zip"},
        "common-deps": {"version": "3.2.0", "sha256": "ceaea732d7c5175025d7df18f8be87b3d8cc9ae2739"
                        "874c3bac2257a3a16118b",
                        "artifact": "s3://vectora-inbox-lambda-code-dev/layers/common-deps-3.2.0.zip"},
    },
}


# ---- pure evaluation -------------------------------------------------------------------------

def digest(selector: str, version: str) -> str:
    """A stand-in content digest of one version."""
    return hashlib.sha256(f"{selector} {version}".encode()).hexdigest()


def dep(rid: str, days_ago: float, pins: dict[str, str], result: str = "succeeded", *,
        content: dict[str, str] | None = None, unknown: str = "") -> Deployment:
    """A deployment whose record S3 stored `days_ago`; its content is each version's digest
    unless `content` says otherwise."""
    found = {s: digest(s, v) for s, v in pins.items()} if content is None else content
    return Deployment(rid, result, NOW - timedelta(days=days_ago), pins, found, unknown)


CHANGE = PinChange("canonical", "2.0.0", "2.1.0", "2.1.0", ())
CONTENT = {"canonical": digest("canonical", "2.1.0")}
GATES = Gates(soak_days=14, e2e_required=True,
              metrics=(MetricGate("noise_rate", "s3", 0.10, key="k", field="noise_rate"),))
GOOD = Evidence(
    deployments=(dep("r1", 20, {"canonical": "2.1.0"}), dep("r2", 5, {"canonical": "2.1.0"})),
    e2e=(E2eResult("r2", True, NOW - timedelta(days=1)),),
    metrics=(MetricReading("noise_rate", "s3://b/k#noise_rate", 0.04),),
)
OTHER = {"canonical": "c" * 64}


def status(evidence: Evidence, *, integrity: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    found = evaluate(Inputs("stage", GATES, (CHANGE,), evidence, NOW, integrity, CONTENT))
    return {r.name: (r.status, r.evidence) for r in found}


@pytest.mark.parametrize(("evidence", "gate", "expected", "reason"), [
    (GOOD, "soak", "pass", "for 20 days (>= 14) with the same content"),
    (Evidence((dep("r1", 3, {"canonical": "2.1.0"}),), GOOD.e2e, GOOD.metrics), "soak", "fail",
     "ran in stage for 3 days, needs 14"),
    (Evidence((dep("r1", 30, {"canonical": "2.1.0"}), dep("r2", 3, {"canonical": "2.0.0"})),),
     "soak", "fail", "no longer runs it (it runs 2.0.0 now, record r2); past runs do not count"),
    (Evidence((dep("r1", 30, {"canonical": "2.1.0"}, "failed"),),), "soak", "fail",
     "never ran in stage"),
    (Evidence((dep("r1", 30, {"canonical": "2.1.0"}), dep("r2", 10, {"canonical": "2.0.0"}),
               dep("r3", 4, {"canonical": "2.1.0"}))), "soak", "fail", "for 4 days"),
    # the same version string with other content: it never ran (finding 2)
    (Evidence((dep("r1", 60, {"canonical": "2.1.0"}, content=OTHER),),), "soak", "fail",
     f"canonical 2.1.0 never ran in stage with this content (sha256 {CONTENT['canonical'][:12]}):"
     f" the 2.1.0 that ran there (record r1) had sha256 {'c' * 12}"),
    (Evidence((dep("r1", 60, {"canonical": "2.1.0"}), dep("r2", 20, {"canonical": "2.1.0"},
                                                          content=OTHER))), "soak", "fail",
     "until"),
    # records that cannot say which content ran: unknown, never pass
    (Evidence((dep("r1", 60, {"canonical": "2.1.0"}, content={}),),), "soak", "unknown",
     "written before records carried content digests"),
    (Evidence((dep("r1", 60, {"canonical": "2.1.0"},
                   unknown="its record is not under S3 Object Lock retention"),),), "soak",
     "unknown", "not under S3 Object Lock retention); apply stage again and let it soak"),
    (Evidence(GOOD.deployments, GOOD.e2e, (MetricReading("noise_rate", "w", 0.12),)),
     "metric noise_rate", "fail", "0.12 (> max 0.1)"),
    (Evidence(GOOD.deployments, GOOD.e2e, (MetricReading("noise_rate", "w", None, "missing"),)),
     "metric noise_rate", "fail", "missing"),
    (GOOD, "metric noise_rate", "pass", "0.04"),
    (Evidence(GOOD.deployments, (), GOOD.metrics), "e2e", "fail", "no E2E result"),
    (Evidence(GOOD.deployments, (E2eResult("r1", True, NOW),), GOOD.metrics), "e2e", "fail",
     "no E2E result for stage deployment r2"),
    (Evidence(GOOD.deployments, (E2eResult("r2", True, NOW - timedelta(hours=2)),
                                 E2eResult("r2", False, NOW - timedelta(hours=1))), GOOD.metrics),
     "e2e", "fail", "is fail"),
    (Evidence(GOOD.deployments, (E2eResult("r2", True, NOW, locked=False),), GOOD.metrics),
     "e2e", "fail", "(1 result(s) without Object Lock retention ignored)"),
    (GOOD, "e2e", "pass", "E2E passed for deployment r2"),
    (Evidence(unreachable="no credentials"), "soak", "unknown", "no credentials"),
    (Evidence(unreachable="no credentials"), "integrity", "pass", "no new problem"),
])
def test_gate_table(evidence: Evidence, gate: str, expected: str, reason: str) -> None:
    got, text = status(evidence)[gate]
    assert got == expected
    assert reason in text, text


def test_integrity_gate_fails_with_the_problem() -> None:
    got, text = status(GOOD, integrity=("clients/x/1.0.0.yaml: prompt 'p' is not in canonical 2.1.0",))[
        "integrity"]
    assert (got, "prompt 'p'" in text) == ("fail", True)


def test_runs_and_verdict() -> None:
    found = runs("canonical", "2.1.0", CONTENT["canonical"], GOOD.deployments, NOW)
    assert [(r.record_id, r.current, int(r.days)) for r in found] == [("r1", True, 20)]
    assert runs("canonical", "2.1.0", "c" * 64, GOOD.deployments, NOW) == []
    results = evaluate(Inputs("stage", GATES, (CHANGE,), Evidence(unreachable="x"), NOW))
    assert verdict(results, strict=False) and not verdict(results, strict=True)


# ---- against the emulator --------------------------------------------------------------------

def record(repo: Path, env: str, rid: str, days_ago: float, pins: dict[str, Any],
           result: str = "succeeded") -> None:
    """A deployment record that S3 stored `days_ago`, as an apply then would have written it."""
    write_record(env, rid, pins, at=NOW - timedelta(days=days_ago),
                 digests=content_digests(repo, pins), result=result)


def make_buckets(*envs: str) -> None:
    for env in envs:
        make_data_bucket(env)


def healthy_stage(capsys: pytest.CaptureFixture[str], repo: Path, *, soak_days: float = 20,
                  noise: float = 0.04, e2e: bool = True) -> None:
    """stage ran its pins `soak_days`, with the given noise rate, cost 1.5 and an E2E result."""
    make_buckets("stage", "prod")
    record(repo, "stage", "20261001T000000Z-0001", soak_days, STAGE_PINS)
    stage_metrics(noise=noise, at=NOW)
    if e2e:
        code, _, err = run(capsys, repo, "record-e2e", "--env", "stage", "--result", "pass",
                           "--url", "https://ci.example.invalid/e2e/1")
        assert code == 0, err


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_NOW", NOW.isoformat())


@pytest.mark.usefixtures("moto", "fixed_now")
def test_gates_pass_when_everything_holds(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    healthy_stage(capsys, repo)
    code, out, err = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 0, out + err
    assert "pass     soak" in out and "pass     e2e" in out
    assert "metric bedrock_cost_per_run_usd: cloudwatch:VectoraInbox/BedrockCostPerRun" in out


@pytest.mark.usefixtures("moto", "fixed_now")
@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"soak_days": 3}, "ran in stage for 3 days, needs 14"),
    ({"noise": 0.12}, "metrics/lai_weekly/latest.json#noise_rate = 0.12 (> max 0.1)"),
    ({"e2e": False}, "no E2E result for stage deployment 20261001T000000Z-0001"),
])
def test_gates_fail_with_reason(capsys: pytest.CaptureFixture[str], repo: Path,
                                kwargs: dict[str, Any], reason: str) -> None:
    healthy_stage(capsys, repo, **kwargs)
    code, out, err = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1
    assert reason in out
    assert "failed" in err


@pytest.mark.usefixtures("moto", "fixed_now")
def test_gates_unknown_fails_prod_only(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    # no data bucket at all: the evidence cannot be read, the gates are unknown
    code, out, _ = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1 and "unknown  soak" in out
    edit(repo, "environments/dev/pins.yaml", "lai_weekly: 7.2.0-dev.1", "lai_weekly: 7.1.0")
    code, out, err = run(capsys, repo, "gates", "--from", "dev", "--to", "stage")
    assert code == 0 and "unknown  soak" in out and "warning" in err


@pytest.mark.usefixtures("moto", "fixed_now")
def test_check_pr_refuses_a_hand_edited_prod_pin(capsys: pytest.CaptureFixture[str],
                                                 repo: Path) -> None:
    healthy_stage(capsys, repo, soak_days=3)
    line = edit(repo, "environments/prod/pins.yaml", "canonical: 2.0.0", "canonical: 2.1.0")
    client_line = edit(repo, "environments/prod/pins.yaml", "lai_weekly: 7.0.0",
                       "lai_weekly: 7.0.1")
    code, _, err = run(capsys, repo, "gates", "--check-pr", "--base", "HEAD")
    assert code == 1
    assert f"environments/prod/pins.yaml:{line}: canonical 2.1.0 ran in stage for 3 days, " \
           "needs 14" in err
    assert f"environments/prod/pins.yaml:{client_line}: lai_weekly 7.0.1: its content is not " \
           "in the repository, so it cannot be compared; promote it through stage first" in err
    assert "gate integrity: " in err and "7.0.1" in err


@pytest.mark.usefixtures("moto", "fixed_now")
def test_check_pr_passes_after_the_soak(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    healthy_stage(capsys, repo, soak_days=15)
    edit(repo, "environments/prod/pins.yaml", "canonical: 2.0.0", "canonical: 2.1.0")
    code, out, err = run(capsys, repo, "gates", "--check-pr", "--base", "HEAD")
    assert code == 0, err
    assert "canonical 2.1.0 ran in stage for 15 days (>= 14) with the same content" in out
    assert "gate e2e: E2E passed for deployment 20261001T000000Z-0001" in out
    assert "gate metric noise_rate: " in out and "gate integrity: " in out


@pytest.mark.usefixtures("moto")
def test_record_e2e_needs_a_deployment(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    make_buckets("stage")
    code, _, err = run(capsys, repo, "record-e2e", "--env", "stage", "--result", "pass")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "no successful deployment" in err


def test_soak_says_when_it_is_ready_pin_by_pin() -> None:
    """One line per pin; a run too short so far is ready at its start + soak_days; a pin that
    does not run has no date, so the gate has none either."""
    client = PinChange("clients/lai_weekly", "7.0.0", "7.1.0", "7.1.0", ())
    content = {**CONTENT, "clients/lai_weekly": digest("clients/lai_weekly", "7.1.0")}
    both = {"canonical": "2.1.0", "clients/lai_weekly": "7.1.0"}
    short = Evidence((dep("r1", 20, {"canonical": "2.1.0"}), dep("r2", 5, both)))
    [soak, *_] = evaluate(Inputs("stage", GATES, (CHANGE, client), short, NOW, (), content))
    assert [(line.status, line.text.split(" ran ")[0]) for line in soak.lines] == [
        ("pass", "canonical 2.1.0"), ("fail", "lai_weekly 7.1.0")]
    ready = NOW - timedelta(days=5) + timedelta(days=14)
    assert soak.lines[1].ready_on == ready and soak.ready_on == ready
    assert soak.lines[1].text.startswith("lai_weekly 7.1.0 ran in stage for 5 days, needs 14 (")
    assert soak.lines[1].text.endswith("record r2); ready on 2026-11-29 12:00 UTC")
    never = Evidence((dep("r1", 20, {"canonical": "2.1.0"}),))
    [soak, *_] = evaluate(Inputs("stage", GATES, (CHANGE, client), never, NOW, (), content))
    assert soak.status == "fail" and soak.lines[1].ready_on is None and soak.ready_on is None


@pytest.mark.usefixtures("moto", "fixed_now")
def test_gates_print_one_line_per_gate_and_pin(capsys: pytest.CaptureFixture[str],
                                               repo: Path) -> None:
    healthy_stage(capsys, repo, soak_days=3)
    code, out, err = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1 and "gates stage -> prod: failed" in err
    soak = [line for line in out.splitlines() if line.startswith("fail     soak: ")]
    assert [line.split(" ran ")[0] for line in soak] == [
        "fail     soak: canonical 2.1.0", "fail     soak: lai_weekly 7.1.0",
        "fail     soak: vectora-core 1.4.1 (575fed2b)"]
    assert all("ran in stage for 3 days, needs 14 (" in line and
               line.endswith("record 20261001T000000Z-0001); ready on 2026-12-01 12:00 UTC")
               for line in soak)
    assert out.splitlines()[-2:] == [
        "gates of prod: FAIL: 5 pass, 1 fail (soak: ready on 2026-12-01 12:00 UTC)",
        "next: run `vectora-gitops gates --from stage --to prod` again on or after "
        "2026-12-01 12:00 UTC"]
    code, out, _ = run(capsys, repo, "gates", "--from", "stage", "--to", "prod", "--only",
                       "canonical")
    assert code == 1 and "gates stage -> prod: 1 pin(s) to promote" in out
    assert "--only canonical` again on or after 2026-12-01 12:00 UTC" in out


@pytest.mark.usefixtures("moto", "fixed_now")
def test_gates_that_pass_name_the_promote_command(capsys: pytest.CaptureFixture[str],
                                                  repo: Path) -> None:
    healthy_stage(capsys, repo)
    code, out, _ = run(capsys, repo, "gates", "--from", "stage", "--to", "prod", "--only",
                       "canonical", "--only", "layers/vectora-core")
    assert code == 0
    assert any(line.startswith("pass     alarms: stage has no alarm in AWS")
               for line in out.splitlines()), out
    assert out.splitlines()[-2:] == [
        "gates of prod: PASS: 6 pass",
        "next: vectora-gitops promote --from stage --to prod --only canonical --only "
        "layers/vectora-core"]


@pytest.mark.usefixtures("moto", "fixed_now")
def test_gates_with_nothing_to_promote_say_so(capsys: pytest.CaptureFixture[str],
                                              repo: Path) -> None:
    code, out, _ = run(capsys, repo, "gates", "--from", "dev", "--to", "stage", "--only",
                       "layers/common-deps")
    assert code == 0 and out.splitlines()[0] == "gates dev -> stage: 0 pin(s) to promote"
    assert out.splitlines()[-1] == "next: nothing to promote: stage already runs what dev pins"
