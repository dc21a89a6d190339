"""Plan and apply against the moto server over HTTP (the README's main job)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers_repo import git
from support import cli, function, layer_versions, objects, put, run, run_records
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.state import desired_state

ENV_FUNCTIONS = ("ingest", "normalize-score", "newsletter")


def test_plan_apply_plan_converges(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 2
    for fragment in ("canonical/prompts/matching/lai_matching.yaml", "clients/lai_weekly.yaml",
                     "publish vectora-inbox-vectora-core-dev", "update vectora-inbox-ingest-v2-dev"):
        assert fragment in out
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    code, out, _ = run(capsys, seeded, "plan", "--env", "dev")
    assert (code, "no changes" in out) == (0, True)

    desired = desired_state(Repository(seeded), "dev", commit="x")
    actual = objects("vectora-inbox-config-dev")
    managed = {k: v for k, v in actual.items() if not k.startswith("backups/")}
    assert managed == {k: o.content for k, o in desired.objects.items()}
    versions = {v["Description"]: v["LayerVersionArn"] for v in
                layer_versions("vectora-inbox-vectora-core-dev")
                + layer_versions("vectora-inbox-common-deps-dev")}
    pins = desired.pins.layers
    expected = [next(arn for d, arn in versions.items() if pins[layer].sha256 in d)
                for layer in ("common-deps", "vectora-core")]
    for key in ENV_FUNCTIONS:
        config = function(f"vectora-inbox-{key}-v2-dev")
        assert [layer["Arn"] for layer in config["Layers"]] == expected
        assert config["Environment"]["Variables"] == dict(desired.env.functions[key].environment)


def test_rendered_client_names_its_environment(seeded: Path) -> None:
    assert cli(seeded, "apply", "--env", "stage", "--yes") == 0
    body = objects("vectora-inbox-config-stage", "clients/")["clients/lai_weekly.yaml"]
    assert b"environment: stage" in body and b"version: 7.1.0" in body


def test_ten_applies_publish_each_layer_once(seeded: Path) -> None:
    for _ in range(10):
        assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert len(layer_versions("vectora-inbox-vectora-core-dev")) == 1
    assert len(layer_versions("vectora-inbox-common-deps-dev")) == 1


def test_stage_copies_the_artifact_into_its_own_bucket(seeded: Path) -> None:
    assert cli(seeded, "apply", "--env", "stage", "--yes") == 0
    stage_code = objects("vectora-inbox-lambda-code-stage", "layers/")
    assert sorted(stage_code) == ["layers/common-deps-3.2.0.zip", "layers/vectora-core-1.4.1.zip"]


def test_saved_plan_is_refused_after_a_hand_edit(seeded: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    (seeded / "canonical/2.1.0/imports/glossary.md").write_text("# changed\n")
    git(seeded, "commit", "-qam", "changed")
    saved = tmp_path / "plan.json"
    assert run(capsys, seeded, "plan", "--env", "dev", "--out", str(saved))[0] == 2
    put("vectora-inbox-config-dev", "canonical/scopes/company_scopes.yaml", b"edited: by hand\n")
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--plan", str(saved), "--yes")
    assert code == 1
    assert "changed in AWS since the plan was made" in err
    glossary = objects("vectora-inbox-config-dev", "canonical/imports/glossary.md")
    assert glossary["canonical/imports/glossary.md"] != b"# changed\n"


def test_saved_plan_applies_exactly(seeded: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "plan.json"
    assert run(capsys, seeded, "plan", "--env", "dev", "--out", str(saved))[0] == 2
    plan = json.loads(saved.read_text())
    assert plan["env"] == "dev" and plan["summary"]["put_object"] == 20
    assert run(capsys, seeded, "apply", "--env", "dev", "--plan", str(saved), "--yes")[0] == 0
    assert run(capsys, seeded, "plan", "--env", "dev")[0] == 0


def test_fresh_clone_plans_no_changes(seeded: Path, tmp_path: Path) -> None:
    import subprocess

    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(seeded), str(clone)], check=True)
    assert cli(clone, "plan", "--env", "dev") == 0


def test_apply_without_terminal_or_yes_refuses(seeded: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, seeded, "apply", "--env", "dev")
    assert code == 1 and "--yes" in err
    assert objects("vectora-inbox-config-dev", "canonical/") == {}


def test_wrong_account_is_refused(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env_file = seeded / "environments/dev/environment.yaml"
    env_file.write_text(env_file.read_text().replace('"786469175371"', '"111111111111"'))
    code, _, err = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 1 and "account 786469175371" in err and "111111111111" in err


def test_unversioned_bucket_is_refused(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from support import client

    client("s3").put_bucket_versioning(Bucket="vectora-inbox-config-dev",
                                       VersioningConfiguration={"Status": "Suspended"})
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 1 and "vectora-inbox-config-dev has no versioning" in err
    assert objects("vectora-inbox-config-dev", "canonical/") == {}


def test_missing_function_names_the_stack(moto: object, repo: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from vectora_gitops.aws.client import Aws
    from vectora_gitops.aws.provision import create_bucket

    for bucket in ("config", "data", "newsletters", "lambda-code"):
        create_bucket(Aws("eu-west-3"), f"vectora-inbox-{bucket}-dev")
    code, _, err = run(capsys, repo, "plan", "--env", "dev")
    assert code == 1 and "vectora-inbox-s1-runtime-dev" in err and "Traceback" not in err


def test_prune_deletes_unmanaged_but_never_everything(seeded: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    put("vectora-inbox-config-dev", "canonical/old/removed.yaml", b"a: 1\n")
    put("vectora-inbox-config-dev", "backups/keep.json", b"{}")
    code, out, _ = run(capsys, seeded, "plan", "--env", "dev", "--prune")
    assert code == 2 and "delete canonical/old/removed.yaml" in out and "backups/" not in out
    assert run(capsys, seeded, "apply", "--env", "dev", "--prune", "--yes")[0] == 0
    left = objects("vectora-inbox-config-dev")
    assert "canonical/old/removed.yaml" not in left and "backups/keep.json" in left
    pins = seeded / "environments/dev/pins.yaml"
    pins.write_text(pins.read_text().replace("clients:\n  lai_weekly: 7.2.0-dev.1", "clients: {}"))
    code, _, err = run(capsys, seeded, "plan", "--env", "dev", "--prune")
    assert code == 1 and "refusing" in err and "all 1 objects under clients/" in err


def test_concurrent_apply_fails_naming_the_holder(seeded: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from support import client

    now = datetime.now(UTC)
    body = {"owner": "alice", "run_url": "https://ci.example.invalid/run/7", "token": "t",
            "acquired_at": now.isoformat(), "expires_at": (now + timedelta(hours=1)).isoformat()}
    client("s3").put_object(Bucket="vectora-inbox-data-dev", Key="deployments/lock.json",
                            Body=json.dumps(body).encode())
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 1 and "locked by alice" in err and "run/7" in err
    body["expires_at"] = "2020-01-01T00:00:00+00:00"
    client("s3").put_object(Bucket="vectora-inbox-data-dev", Key="deployments/lock.json",
                            Body=json.dumps(body).encode())
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 0 and "took over the expired lock of alice" in err


def test_deployment_record_written(seeded: Path) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    [record] = run_records("vectora-inbox-data-dev")
    stored = objects("vectora-inbox-data-dev", "deployments/records/")
    opening = json.loads(stored[f"deployments/records/{record['id']}.json"])
    assert set(stored) == {f"deployments/records/{record['id']}.json",
                           f"deployments/records/{record['id']}.closed.json"}
    assert opening["result"] == "started" and opening["digests"] == record["digests"]
    assert record["result"] == "succeeded" and record["actor"] == "pytest"
    assert record["pins"]["clients"] == {"lai_weekly": "7.2.0-dev.1"}
    assert record["snapshot"] and record["ended_at"]


def test_saved_plan_is_refused_after_a_function_change(seeded: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from support import client

    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    (seeded / "canonical/2.1.0/imports/glossary.md").write_text("# changed\n")
    git(seeded, "commit", "-qam", "changed")
    saved = tmp_path / "plan.json"
    assert run(capsys, seeded, "plan", "--env", "dev", "--out", str(saved))[0] == 2
    client("lambda").update_function_configuration(
        FunctionName="vectora-inbox-ingest-v2-dev", Environment={"Variables": {"ENV": "dev"}})
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--plan", str(saved), "--yes")
    assert code == 1 and "changed in AWS since the plan was made" in err
