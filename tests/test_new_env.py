"""A new environment is a pull request (docs/architecture.md §10): environments/qa/ added to a
clone validates, its plan lists every stack to create and every object and layer to sync, one
apply brings it from nothing to in sync, and the next plan is empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stack_support import add_qa
from support import client, function, objects, run, run_records

QA_BUCKETS = ("config", "data", "newsletters", "lambda-code")
QA_STACKS = ("vectora-inbox-s0-core-qa", "vectora-inbox-s0-iam-qa", "vectora-inbox-s1-runtime-qa")


def test_qa_from_nothing_to_in_sync(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(seeded)
    assert run(capsys, seeded, "validate")[0] == 0

    code, out, err = run(capsys, seeded, "plan", "--env", "qa", "--output", "json")
    assert code == 2, err
    plan = json.loads(out)
    creates = [c for c in plan["changes"] if c["kind"] == "create_stack"]
    assert [c["name"] for c in creates] == list(QA_STACKS)  # dependency order
    assert creates[1]["outputs_in"] == {
        "ConfigBucketName": "s0-core.ConfigBucketName", "DataBucketName": "s0-core.DataBucketName",
        "NewslettersBucketName": "s0-core.NewslettersBucketName"}
    assert {r["logical_id"] for r in creates[0]["resources"]} == {
        "ConfigBucket", "DataBucket", "NewslettersBucket", "LambdaCodeBucket"}
    assert plan["summary"]["put_object"] > 10
    assert plan["summary"]["publish_layer"] == 2
    assert plan["summary"]["update_function"] == 3
    for name in QA_STACKS:  # a plan creates nothing, not even a change set's empty stack
        with pytest.raises(client("cloudformation").exceptions.ClientError):
            client("cloudformation").describe_stacks(StackName=name)

    code, out, err = run(capsys, seeded, "plan", "--env", "qa")
    assert code == 2
    assert "+ create stack vectora-inbox-s0-core-qa from templates/s0-core/1.0.0.yaml" in out
    assert "Add DataBucket (AWS::S3::Bucket)" in out

    code, out, err = run(capsys, seeded, "apply", "--env", "qa", "--yes")
    assert code == 0, err
    assert "stack vectora-inbox-s1-runtime-qa: CREATE_COMPLETE" in err
    assert "sandbox: the emulator does not apply VersioningConfiguration" in err

    s3 = client("s3")
    for bucket in QA_BUCKETS:
        assert s3.get_bucket_versioning(Bucket=f"vectora-inbox-{bucket}-qa")["Status"] == "Enabled"
    roles = {r["RoleName"] for r in client("iam").list_roles()["Roles"]}
    assert {"vectora-inbox-ingest-role-qa", "vectora-inbox-normalize-score-role-qa",
            "vectora-inbox-newsletter-role-qa"} <= roles
    ingest = function("vectora-inbox-ingest-v2-qa")
    assert ingest["Role"].endswith(":role/vectora-inbox-ingest-role-qa")
    assert ingest["Environment"]["Variables"]["ENV"] == "qa"
    assert len(ingest["Layers"]) == 2
    assert "clients/lai_weekly.yaml" in objects("vectora-inbox-config-qa", "clients/")
    record = run_records("vectora-inbox-data-qa")[-1]
    assert record["result"] == "succeeded"
    assert record["summary"]["create_stack"] == 3
    assert record["changes_done"] == len(plan["changes"])
    assert f"qa: applied {len(plan['changes'])} change(s)" in out
    assert record["pins"]["templates"] == {"s0-core": "1.0.0", "s0-iam": "1.0.0",
                                           "s1-runtime": "1.0.0"}
    assert record["stacks"]["s0-iam"]["parameters"]["ConfigBucketName"] == \
        "vectora-inbox-config-qa"
    assert record["stacks"]["s1-runtime"]["outputs"]["IngestFunctionArn"].endswith(
        ":function:vectora-inbox-ingest-v2-qa")

    code, out, err = run(capsys, seeded, "plan", "--env", "qa")
    assert code == 0, out + err
    assert "qa: in sync" in out
    for name in QA_STACKS:
        assert client("cloudformation").list_change_sets(StackName=name)["Summaries"] == []


def test_drift_and_status_say_not_created(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(seeded)
    code, out, err = run(capsys, seeded, "drift", "--env", "qa")
    assert code == 2, err
    assert "not created (its stacks do not exist)" in out
    code, out, err = run(capsys, seeded, "drift", "--all", "--output", "json")
    assert code == 2, err
    rows = [r for r in json.loads(out) if r["env"] == "qa"]
    assert [(r["kind"], r["resource"]) for r in rows] == [("env_not_created", "stacks:qa")]
    assert "error" not in err
    code, out, err = run(capsys, seeded, "status")
    assert "not created: its stacks do not exist yet" in out + err


def test_a_stack_changed_by_hand_is_drift(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(seeded)
    assert run(capsys, seeded, "apply", "--env", "qa", "--yes")[0] == 0
    cfn = client("cloudformation")
    name = "vectora-inbox-s1-runtime-qa"
    params = cfn.describe_stacks(StackName=name)["Stacks"][0]["Parameters"]
    changed = [{"ParameterKey": p["ParameterKey"], "ParameterValue":
                "60" if p["ParameterKey"] == "LogRetentionDays" else p["ParameterValue"]}
               for p in params]
    cfn.update_stack(StackName=name, UsePreviousTemplate=True, Parameters=changed,
                     Tags=cfn.describe_stacks(StackName=name)["Stacks"][0]["Tags"])
    code, out, err = run(capsys, seeded, "drift", "--env", "qa", "--output", "json")
    assert code == 2, err
    text = json.dumps(json.loads(out))
    assert '"resource": "stack:s1-runtime:parameter:LogRetentionDays"' in text
    assert '"git": "14"' in text and '"aws": "60"' in text


def test_the_example_pins_what_dev_pins() -> None:
    """qa is promoted from dev: the example pins dev's versions, and its templates."""
    import yaml

    from helpers_repo import REPO_ROOT
    from stack_support import EXAMPLE

    dev = yaml.safe_load((REPO_ROOT / "environments" / "dev" / "pins.yaml").read_text())
    qa = yaml.safe_load((EXAMPLE / "pins.yaml").read_text())
    assert qa == {**dev, "templates": {"s0-core": "1.0.0", "s0-iam": "1.0.0",
                                       "s1-runtime": "1.0.0"}}


def test_stacks_listed_by_name_that_do_not_exist_are_not_created(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """stage and prod before their pull requests: stacks listed by name, none of them exists."""
    cfn, lam = client("cloudformation"), client("lambda")
    for stack in ("vectora-inbox-s0-core-stage", "vectora-inbox-s0-iam-stage",
                  "vectora-inbox-s1-runtime-stage"):
        cfn.delete_stack(StackName=stack)
    for fn in ("ingest", "normalize-score", "newsletter"):
        lam.delete_function(FunctionName=f"vectora-inbox-{fn}-v2-stage")
    code, out, err = run(capsys, seeded, "drift", "--env", "stage")
    assert code == 2, err
    assert "not created (its stacks do not exist)" in out
    code, out, err = run(capsys, seeded, "status")
    assert "not created: its stacks do not exist yet" in out + err


def test_stacks_of_a_new_environment_that_fail_are_recorded(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """s1-runtime refused (as AWS refuses a value outside AllowedValues): the run's record goes
    to the data bucket s0-core created, with the stacks it did create."""
    from botocore.exceptions import ClientError

    from vectora_gitops.aws.client import add_request_hook

    add_qa(seeded)

    def refuse(service: str, operation: str, params: dict[str, object]) -> None:
        if operation == "CreateStack" and params.get("StackName") == QA_STACKS[2]:
            raise ClientError({"Error": {"Code": "ValidationError", "Message": "Parameter "
                               "'LogRetentionDays' must be one of AllowedValues"}}, operation)

    remove = add_request_hook(refuse)
    try:
        code, _, err = run(capsys, seeded, "apply", "--env", "qa", "--yes")
    finally:
        remove()
    assert code == 1 and "Traceback" not in err
    assert ("CreateStack vectora-inbox-s1-runtime-qa: ValidationError: Parameter "
            "'LogRetentionDays' must be one of AllowedValues") in err
    [record] = run_records("vectora-inbox-data-qa")
    assert record["result"] == "failed"
    assert "LogRetentionDays" in record["error"]
    assert sorted(record["stacks"]) == ["s0-core", "s0-iam"]
    assert record["changes_done"] == 2


def test_s0_core_that_fails_leaves_a_local_record_and_says_so(
        seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """s0-core refused: no data bucket, so no deployment record in S3; apply says so, and why,
    and keeps the failed run's record in a local file ($VECTORA_GITOPS_RECORD_DIR), which it
    says is not evidence."""
    from botocore.exceptions import ClientError

    from vectora_gitops.aws.client import add_request_hook

    add_qa(seeded)
    monkeypatch.setenv("VECTORA_GITOPS_RECORD_DIR", str(tmp_path / "records"))

    def refuse(service: str, operation: str, params: dict[str, object]) -> None:
        if operation == "CreateStack" and params.get("StackName") == QA_STACKS[0]:
            raise ClientError({"Error": {"Code": "ValidationError", "Message": "Parameter "
                               "'NoncurrentVersionDays' must be a number not less than 7"}},
                              operation)

    remove = add_request_hook(refuse)
    try:
        code, _, err = run(capsys, seeded, "apply", "--env", "qa", "--yes")
    finally:
        remove()
    assert code == 1 and "Traceback" not in err
    assert ("CreateStack vectora-inbox-s0-core-qa: ValidationError: Parameter "
            "'NoncurrentVersionDays' must be a number not less than 7") in err
    [path] = sorted((tmp_path / "records").iterdir())
    record = json.loads(path.read_text())
    assert path.name == f"qa-{record['id']}.json"
    assert ("qa: no deployment record could be kept in S3: bucket vectora-inbox-data-qa does "
            "not exist") in err, err
    assert (f"This failed run's record {record['id']} is written to {path}; it is not evidence "
            "(no Object Lock) and the gates do not read it") in err, err
    assert (record["env"], record["result"], record["changes_done"], record["stacks"]) == (
        "qa", "failed", 0, {})
    assert "NoncurrentVersionDays" in record["error"]
    assert record["kept"].startswith("locally only")
    buckets = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}
    assert "vectora-inbox-data-qa" not in buckets
