"""Managed stacks (docs/architecture.md §10): validation of parameters, outputs and cycles;
plans from change sets that leave none behind; the stateful-resource guard; unknown is never
absent; stuck stacks are reported with what to do. Against the emulator where it behaves like
AWS, through botocore's Stubber with AWS's documented answers where it does not."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from helpers_repo import edit, git
from stack_support import add_qa
from support import client, run, run_records
from vectora_gitops.aws import cloudformation
from vectora_gitops.aws.client import Aws, add_request_hook
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.state import desired_state
from vectora_gitops.engine import stackapply
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import (
    CreateStack,
    ProtectStack,
    UpdateStack,
    from_json,
    to_json,
)
from vectora_gitops.engine.stackapply import failure
from vectora_gitops.engine.stackdiff import stack_changes
from vectora_gitops.errors import AwsError, InputError
from vectora_gitops.observed import ObservedStack, ResourceChange

QA_ENV = "environments/qa/environment.yaml"
CORE = "vectora-inbox-s0-core-qa"
STACKS = (CORE, "vectora-inbox-s0-iam-qa", "vectora-inbox-s1-runtime-qa")


def _qa_applied(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo)
    code, _, err = run(capsys, repo, "apply", "--env", "qa", "--yes")
    assert code == 0, err


def _change_sets() -> list[str]:
    cfn = client("cloudformation")
    return [s["ChangeSetName"] for name in STACKS
            for s in cfn.list_change_sets(StackName=name)["Summaries"]]


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


# --- validation ----------------------------------------------------------------------------------

def test_cycle_between_stacks_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo, commit=False)
    edit(repo, QA_ENV, "      NoncurrentVersionDays: 30\n",
         "      NoncurrentVersionDays: {output: s1-runtime.IngestFunctionArn}\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert ("environments/qa/environment.yaml: stacks: the outputs they take form a cycle "
            "(s0-core -> s1-runtime -> s0-iam -> s0-core); a stack cannot wait for itself") in err


def test_parameters_are_checked_against_the_template(repo: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo, commit=False)
    edit(repo, QA_ENV, "      LogRetentionDays: 14\n", "      LogRetentionDay: 14\n")
    edit(repo, QA_ENV, "{output: s0-iam.NewsletterRoleArn}", "{output: s0-iam.NewsRoleArn}")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert ("stacks.s1-runtime.parameters.LogRetentionDay: not a parameter of "
            "templates/s1-runtime/1.0.0.yaml (its parameters: Env, IngestRoleArn,") in err
    assert ("stacks.s1-runtime.parameters.NewsletterRoleArn: output s0-iam.NewsRoleArn: "
            "templates/s0-iam/1.0.0.yaml has no output NewsRoleArn (its outputs: IngestRoleArn, "
            "NormalizeScoreRoleArn, NewsletterRoleArn)") in err
    assert "stacks.s1-runtime.parameters: NewsletterRoleArn is required by" not in err


def test_a_template_pin_without_its_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo, commit=False)
    edit(repo, "environments/qa/pins.yaml", "s0-iam: 1.0.0", "s0-iam: 1.2.0")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert "templates/s0-iam/1.2.0.yaml" in err
    assert "Traceback" not in err


# --- plan and apply of a change ------------------------------------------------------------------

def test_parameter_change_previewed_then_applied(seeded: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    _qa_applied(seeded, capsys)
    edit(seeded, QA_ENV, "      LogRetentionDays: 14\n", "      LogRetentionDays: 30\n")
    _commit(seeded, "qa: keep logs 30 days")
    code, out, err = run(capsys, seeded, "plan", "--env", "qa", "--output", "json")
    assert code == 2, err
    [change] = json.loads(out)["changes"]
    assert change["kind"] == "update_stack"
    assert change["why"] == ["parameter LogRetentionDays"]
    assert _change_sets() == []  # the plan's change set was deleted again
    assert run(capsys, seeded, "apply", "--env", "qa", "--yes")[0] == 0
    params = client("cloudformation").describe_stacks(StackName=STACKS[2])["Stacks"][0][
        "Parameters"]
    assert {"ParameterKey": "LogRetentionDays", "ParameterValue": "30"} in params
    assert _change_sets() == []
    assert run(capsys, seeded, "plan", "--env", "qa")[0] == 0


def test_replacing_a_bucket_is_refused_without_allow_replace(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _qa_applied(seeded, capsys)
    core = seeded / "templates" / "s0-core"
    shutil.copy(core / "1.0.0.yaml", core / "1.1.0.yaml")
    edit(seeded, "templates/s0-core/1.1.0.yaml", '"vectora-inbox-newsletters-${Env}"',
         '"vectora-inbox-letters-${Env}"')
    edit(seeded, "environments/qa/pins.yaml", "s0-core: 1.0.0", "s0-core: 1.1.0")
    edit(seeded, QA_ENV, "newsletters: vectora-inbox-newsletters-qa",
         "newsletters: vectora-inbox-letters-qa")
    _commit(seeded, "s0-core 1.1.0")
    before = client("cloudformation").get_template(StackName=CORE)["TemplateBody"]
    sent: list[tuple[str, str | None]] = []  # (operation, RoleARN) of each change set made
    remove = add_request_hook(lambda service, operation, params: sent.append(
        (operation, params.get("RoleARN"))) if operation == "CreateChangeSet" else None)

    code, out, err = run(capsys, seeded, "plan", "--env", "qa")
    assert code == 2, err
    assert sent == [("CreateChangeSet", None)]  # a preview passes no role (never executed)
    assert "~ update stack vectora-inbox-s0-core-qa to templates/s0-core/1.1.0.yaml: template" in out
    assert ("Modify NewslettersBucket (AWS::S3::Bucket) REPLACEMENT True (from the templates: "
            "BucketName changed) [stateful]") in out

    code, out, err = run(capsys, seeded, "apply", "--env", "qa", "--yes")
    assert code == 1
    assert ("stack vectora-inbox-s0-core-qa: the plan removes or replaces the stateful resource "
            "s0-core.NewslettersBucket; its data or the functions using it would be lost. "
            "Refused: pass --allow-replace s0-core.NewslettersBucket --reason TEXT") in err
    assert client("cloudformation").get_template(StackName=CORE)["TemplateBody"] == before
    assert _change_sets() == []
    buckets = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}
    assert "vectora-inbox-letters-qa" not in buckets and "vectora-inbox-newsletters-qa" in buckets

    code, _, err = run(capsys, seeded, "apply", "--env", "qa", "--yes", "--allow-replace",
                       "s0-core.NewslettersBucket")
    assert code == 1 and "--allow-replace needs --reason TEXT" in err

    code, _, err = run(capsys, seeded, "apply", "--env", "qa", "--yes", "--allow-replace",
                       "s0-core.NewslettersBucket", "--reason", "rename agreed in review")
    remove()
    assert code == 0, err
    # apply's change set is executed with the environment's service role (ExecuteChangeSet
    # takes none: CloudFormation uses the change set's)
    assert sent[-1] == ("CreateChangeSet", "arn:aws:iam::786469175371:role/"
                                           "vectora-gitops-cloudformation-qa")
    record = run_records("vectora-inbox-data-qa")[-1]
    assert (record["allow_replace"], record["replace_reason"]) == (
        "s0-core.NewslettersBucket", "rename agreed in review")
    assert record["stacks"]["s0-core"]["template"] == "1.1.0"
    assert _change_sets() == []


# --- unknown is never absent ---------------------------------------------------------------------

def test_a_stack_that_cannot_be_read_is_unknown(seeded: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(seeded)

    def deny(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "DescribeStacks" and params.get("StackName") == STACKS[1]:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}},
                              operation)

    remove = add_request_hook(deny)
    try:
        code, _, err = run(capsys, seeded, "plan", "--env", "qa")
        code_apply, _, err_apply = run(capsys, seeded, "apply", "--env", "qa", "--yes")
    finally:
        remove()
    assert code == 1 and code_apply == 1
    assert ("DescribeStacks vectora-inbox-s0-iam-qa: AccessDenied: not allowed (the role lacks "
            "this permission; see `vectora-gitops iam-policy`); the state of stack "
            "vectora-inbox-s0-iam-qa is unknown (not absent)") in err
    assert "unknown (not absent)" in err_apply
    existing = {s["StackName"] for s in client("cloudformation").describe_stacks()["Stacks"]}
    assert existing.isdisjoint(STACKS)  # nothing created


def test_describe_stack_on_aws_answers() -> None:
    """AWS's answers (Stubber): absent is a ValidationError saying so; throttling is unknown."""
    aws = Aws("eu-west-3")
    cfn = aws.client("cloudformation")
    with Stubber(cfn) as stub:
        stub.add_client_error("describe_stacks", "ValidationError",
                              "Stack with id vectora-inbox-s0-core-qa does not exist", 400)
        assert cloudformation.describe_stack(aws, CORE) is None
        stub.add_client_error("describe_stacks", "Throttling", "Rate exceeded", 400)
        with pytest.raises(AwsError, match="unknown \\(not absent\\)"):
            cloudformation.describe_stack(aws, CORE)


# --- stuck stacks, events, termination protection ------------------------------------------------

def _observed(status: str, *, protected: bool = False) -> ObservedStack:
    return ObservedStack(name=CORE, stack_id="arn:aws:cloudformation:eu-west-3:1:stack/x/1",
                         status=status, parameters={}, outputs={}, tags={}, template_body="",
                         termination_protection=protected)


@pytest.mark.parametrize(("status", "todo"), [
    ("UPDATE_ROLLBACK_FAILED", "continue the rollback (`aws cloudformation "
                               "continue-update-rollback --stack-name vectora-inbox-s0-core-qa`"),
    ("UPDATE_IN_PROGRESS", "wait until CloudFormation finishes"),
    ("ROLLBACK_COMPLETE", "its creation failed and rolled back"),
])
def test_stuck_stacks_are_reported_never_recreated(repo: Path, status: str, todo: str) -> None:
    add_qa(repo)
    desired = desired_state(Repository(repo), "qa", commit="c")
    actual = ActualState({}, {}, {}, stacks={"s0-core": _observed(status), "s0-iam": None,
                                             "s1-runtime": None})
    with pytest.raises(InputError) as caught:
        stack_changes(desired.stacks, actual)
    assert f"stack {CORE} is {status}: {todo}" in "\n".join(caught.value.lines())


def test_prod_stacks_get_termination_protection(repo: Path) -> None:
    add_qa(repo)
    desired = desired_state(Repository(repo), "qa", commit="c")
    prod = [s.__class__(**{**vars(s), "protect": True}) for s in desired.stacks]
    actual = ActualState({}, {}, {}, stacks={"s0-core": None, "s0-iam": None, "s1-runtime": None})
    creates = stack_changes(tuple(prod), actual)
    assert all(isinstance(c, CreateStack) and c.protect for c in creates)
    same = {"s0-core": ObservedStack(CORE, "id", "CREATE_COMPLETE", {
        k: str(v) for k, v in prod[0].parameters.items()}, {}, dict(prod[0].tags),
        prod[0].body, termination_protection=False)}
    changes = stack_changes(tuple(prod[:1]), ActualState({}, {}, {}, stacks=same))
    assert changes == [ProtectStack("s0-core", CORE)]
    aws = Aws("eu-west-3")
    with Stubber(aws.client("cloudformation")) as stub:  # the emulator answers 500 to it
        stub.add_response("update_termination_protection", {"StackId": "id"},
                          {"StackName": CORE, "EnableTerminationProtection": True})
        cloudformation.protect(aws, CORE)


def test_failure_names_resource_reason_and_rollback() -> None:
    aws = Aws("eu-west-3")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    with Stubber(aws.client("cloudformation")) as stub:
        stub.add_response("describe_stack_events", {"StackEvents": [
            {"StackId": "id", "EventId": "3", "StackName": CORE, "LogicalResourceId": CORE,
             "ResourceType": "AWS::CloudFormation::Stack", "Timestamp": at,
             "ResourceStatus": "UPDATE_ROLLBACK_COMPLETE"},
            {"StackId": "id", "EventId": "2", "StackName": CORE,
             "LogicalResourceId": "ConfigBucket", "ResourceType": "AWS::S3::Bucket",
             "Timestamp": at, "ResourceStatus": "UPDATE_FAILED",
             "ResourceStatusReason": "vectora-inbox-config-qa already exists"},
            {"StackId": "id", "EventId": "1", "StackName": CORE, "LogicalResourceId": CORE,
             "ResourceType": "AWS::CloudFormation::Stack", "Timestamp": at,
             "ResourceStatus": "UPDATE_IN_PROGRESS"}]}, {"StackName": CORE})
        text = failure(aws, CORE, "update", "UPDATE_ROLLBACK_COMPLETE")
    assert text == (f"stack {CORE}: the update failed: ConfigBucket (AWS::S3::Bucket) "
                    "UPDATE_FAILED: vectora-inbox-config-qa already exists; the stack rolled "
                    "back to UPDATE_ROLLBACK_COMPLETE (nothing of this change stays). Fix the "
                    "cause, then plan again")


def test_change_set_without_changes_is_in_sync() -> None:
    aws = Aws("eu-west-3")
    with Stubber(aws.client("cloudformation")) as stub:
        stub.add_response("describe_change_set", {
            "ChangeSetName": "p", "StackName": CORE, "Status": "FAILED",
            "ExecutionStatus": "UNAVAILABLE",
            "StatusReason": "The submitted information didn't contain changes. Submit different "
                            "information to create a change set."},
            {"StackName": CORE, "ChangeSetName": "p"})
        assert cloudformation.describe_change_set(aws, CORE, "p") is None
        stub.add_response("describe_change_set", {
            "ChangeSetName": "p", "StackName": CORE, "Status": "CREATE_COMPLETE",
            "Changes": [{"Type": "Resource", "ResourceChange": {
                "Action": "Modify", "LogicalResourceId": "ConfigBucket",
                "PhysicalResourceId": "vectora-inbox-config-qa", "ResourceType": "AWS::S3::Bucket",
                "Replacement": "True", "Scope": ["Properties"]}}]},
            {"StackName": CORE, "ChangeSetName": "p"})
        [change] = cloudformation.describe_change_set(aws, CORE, "p") or ()
    assert (change.action, change.replacement, change.inferred) == ("Modify", "True", "")
    update = UpdateStack("s0-core", CORE, "1.1.0", "sha", {}, {}, {}, (change,), why=("template",))
    assert update.destroyed() == ("s0-core.ConfigBucket",)


def test_stack_changes_round_trip_through_the_saved_plan(repo: Path) -> None:
    add_qa(repo)
    desired = desired_state(Repository(repo), "qa", commit="c")
    actual = ActualState({}, {}, {}, stacks={"s0-core": None, "s0-iam": None, "s1-runtime": None})
    changes = stack_changes(desired.stacks, actual)
    changes.append(UpdateStack("s0-core", CORE, "1.1.0", "sha", {"Env": "qa"}, {}, {"a": "b"}, (
        ResourceChange("Modify", "ConfigBucket", "AWS::S3::Bucket", "True", "p", "x"),),
        why=("template",)))
    changes.append(ProtectStack("s0-core", CORE))
    assert [from_json(json.loads(json.dumps(to_json(c)))) for c in changes] == changes


# --- import: stacks made by hand come under git without being replaced --------------------------

def test_import_adopts_stacks_as_pinned_templates(seeded: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    cfn = client("cloudformation")
    before = {s["StackName"]: s["StackId"] for s in cfn.describe_stacks()["Stacks"]}
    code, out, err = run(capsys, seeded, "import", "--env", "dev", "--stacks")
    assert code == 0, out + err
    assert "templates/s0-core/0.0.0-adopted.dev.yaml" in out
    env_text = (seeded / "environments/dev/environment.yaml").read_text()
    assert "stacks:\n  s0-core:\n    name: vectora-inbox-s0-core-dev\n" in env_text
    assert "templates:\n  s0-core: 0.0.0-adopted.dev\n" in \
        (seeded / "environments/dev/pins.yaml").read_text()
    assert (seeded / "templates/s0-iam/0.0.0-adopted.dev.yaml").read_text() == \
        cloudformation.get_template(Aws("eu-west-3"), "vectora-inbox-s0-iam-dev")
    _commit(seeded, "adopt dev's stacks")
    assert run(capsys, seeded, "validate")[0] == 0
    code, out, err = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 0, out + err  # nothing to change: the stacks are git's now
    after = {s["StackName"]: s["StackId"] for s in cfn.describe_stacks()["Stacks"]}
    assert after == before


def test_a_released_template_is_immutable(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "templates/s1-runtime/1.0.0.yaml", "Timeout: 900", "Timeout: 600")
    code, _, err = run(capsys, repo, "validate", "--base", "HEAD")
    assert code == 1
    assert ("templates/s1-runtime/1.0.0.yaml: released version 1.0.0 is immutable; revert the "
            "change and copy it to a new version file and pin that") in err


def test_termination_protection_on_the_emulator_says_so(seeded: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    _qa_applied(seeded, capsys)
    said: list[str] = []
    desired = desired_state(Repository(seeded), "qa", commit="c")
    stackapply.protect(stackapply.StackRun(Aws("eu-west-3"), desired, said.append), CORE)
    assert said == [f"sandbox: the emulator cannot turn on termination protection of {CORE} "
                    "(UpdateTerminationProtection answers 500); on AWS it is turned on here"]


def test_plan_renderers_show_resource_changes() -> None:
    from vectora_gitops.engine.plan import Plan
    from vectora_gitops.render import plan as render

    change = UpdateStack("s0-core", CORE, "1.1.0", "sha", {"Env": "qa"}, {}, {}, (
        ResourceChange("Modify", "Config`Bucket\n", "AWS::S3::Bucket", "True"),), why=("template",))
    plan = Plan("qa", "c" * 40, "2026-12-01T00:00:00+00:00", False, {"canonical": "2.1.0"},
                (change,), "o", "d", stack_notes=("warning: stack x exists in AWS but not in git",))
    text = render.text(plan, color=False)
    assert "      Modify Config`Bucket\\n (AWS::S3::Bucket) REPLACEMENT True [stateful]\n" in text
    assert "stacks:\n  warning: stack x exists in AWS but not in git\n" in text
    markdown = render.markdown(plan)
    assert "      Modify Config`Bucket\\n (AWS::S3::Bucket) REPLACEMENT True [stateful]" in markdown
    assert "**Stacks**:" in markdown


def test_a_stack_gone_from_git_is_reported_never_deleted(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _qa_applied(seeded, capsys)
    text = (seeded / QA_ENV).read_text()
    start = text.index("  s1-runtime:\n")
    end = text.index("layers:\n", start)
    (seeded / QA_ENV).write_text(text[:start] + text[end:])
    edit(seeded, "environments/qa/pins.yaml", "  s1-runtime: 1.0.0\n", "")
    _commit(seeded, "qa: s1-runtime no longer in git")
    code, out, err = run(capsys, seeded, "plan", "--env", "qa")
    assert code == 0, err
    assert ("warning: stack vectora-inbox-s1-runtime-qa exists in AWS but not in git; never "
            "deleted by this tool") in out
    assert run(capsys, seeded, "apply", "--env", "qa", "--yes")[0] == 0
    status = client("cloudformation").describe_stacks(StackName=STACKS[2])["Stacks"][0]
    assert status["StackStatus"] == "CREATE_COMPLETE"


def test_a_template_setting_layers_or_variables_is_refused(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo, commit=False)
    runtime = repo / "templates" / "s1-runtime"
    shutil.copy(runtime / "1.0.0.yaml", runtime / "1.1.0.yaml")
    edit(repo, "templates/s1-runtime/1.1.0.yaml", "      Timeout: 900\n",
         "      Timeout: 900\n      Environment:\n        Variables:\n          ENV: qa\n")
    edit(repo, "environments/qa/pins.yaml", "s1-runtime: 1.0.0", "s1-runtime: 1.1.0")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert ("templates/s1-runtime/1.1.0.yaml: Resources.IngestFunction.Properties.Environment: "
            "owned by the function reconcile") in err


def test_a_stuck_failure_says_what_to_do() -> None:
    aws = Aws("eu-west-3")
    with Stubber(aws.client("cloudformation")) as stub:
        stub.add_response("describe_stack_events", {"StackEvents": [
            {"StackId": "id", "EventId": "1", "StackName": CORE,
             "LogicalResourceId": "DataBucket", "ResourceType": "AWS::S3::Bucket",
             "Timestamp": datetime(2026, 12, 1, tzinfo=UTC), "ResourceStatus": "UPDATE_FAILED",
             "ResourceStatusReason": "Access Denied"}]}, {"StackName": CORE})
        text = failure(aws, CORE, "update", "UPDATE_ROLLBACK_FAILED")
    assert text.startswith(f"stack {CORE}: the update failed: DataBucket (AWS::S3::Bucket) "
                           "UPDATE_FAILED: Access Denied; the stack is now UPDATE_ROLLBACK_FAILED: "
                           "continue the rollback (`aws cloudformation continue-update-rollback")


def test_template_pins_are_promoted_like_any_pin() -> None:
    from vectora_gitops.desired.yamledit import apply_edits
    from vectora_gitops.model import Pins
    from vectora_gitops.promotion.pins import changes

    base = {"canonical": "2.1.0", "clients": {}, "layers": {}}
    source = Pins.from_json({**base, "templates": {"s0-core": "1.1.0", "s0-iam": "1.0.0"}})
    target = Pins.from_json({**base, "templates": {"s0-core": "1.0.0", "s0-iam": "1.0.0"}})
    [change] = changes(source, target)
    assert (change.selector, change.old, change.new) == ("templates/s0-core", "1.0.0", "1.1.0")
    text = "canonical: 2.1.0\nclients: {}\nlayers: {}\ntemplates:\n  s0-core: 1.0.0  # core\n" \
           "  s0-iam: 1.0.0\n"
    assert apply_edits(text, change.edits, display="pins.yaml") == text.replace(
        "s0-core: 1.0.0  # core", "s0-core: 1.1.0  # core")
    assert [c.selector for c in changes(source, target, only=["templates/s0-core"])] == [
        "templates/s0-core"]


def test_names_agree_with_what_the_stacks_create(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    add_qa(repo, commit=False)
    edit(repo, QA_ENV, "name: vectora-inbox-ingest-v2-qa", "name: vectora-inbox-ingest-v3-qa")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    assert ("environments/qa/environment.yaml: functions.ingest.name: vectora-inbox-ingest-v3-qa "
            "is not a name its stacks create (they create vectora-inbox-ingest-v2-qa, "
            "vectora-inbox-newsletter-v2-qa, vectora-inbox-normalize-score-v2-qa); make the two "
            "agree") in err


# --- a deleted template release never comes back ---------------------------------------------------

def test_a_deleted_template_release_cannot_come_back(repo: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Like clients and bundles (docs/evidence.md): a released template version deleted in the
    history is refused by `validate --base` when it is added again, whatever its content."""
    core = repo / "templates" / "s0-core"
    shutil.copy(core / "1.0.0.yaml", core / "1.1.0.yaml")
    _commit(repo, "release s0-core 1.1.0")
    git(repo, "rm", "-q", "templates/s0-core/1.1.0.yaml")
    _commit(repo, "drop s0-core 1.1.0")
    sha = git(repo, "log", "-1", "--format=%H").strip()
    date = git(repo, "log", "-1", "--format=%cs").strip()
    shutil.copy(core / "1.0.0.yaml", core / "1.1.0.yaml")
    edit(repo, "templates/s0-core/1.1.0.yaml", "Default: 90", "Default: 60")  # other content
    code, _, err = run(capsys, repo, "validate", "--base", "HEAD")
    assert code == 1
    assert (f"templates/s0-core/1.1.0.yaml: released templates/s0-core 1.1.0 was deleted in "
            f"{sha[:12]} ({date}); a deleted release never comes back, whatever its content: "
            "make a new version (copy the template to a new version file in templates/s0-core/ "
            "and pin that)") in err, err
    # gates --check-pr: a pin naming it is refused too (looked for at templates/<key>/)
    from vectora_gitops.promotion.checkpr import _gone_before

    assert _gone_before(Repository(repo), git(repo, "rev-parse", "HEAD").strip(),
                        {"templates/s0-core": "1.1.0", "templates/s0-iam": "1.0.0"}) == [
        ("templates/s0-core", f"templates/s0-core 1.1.0: templates/s0-core/1.1.0.yaml was "
         f"deleted in {sha[:12]} ({date}); a deleted release never comes back, whatever its "
         "content: make a new version")]
    shutil.move(core / "1.1.0.yaml", core / "1.2.0.yaml")  # a new version is fine
    code, _, err = run(capsys, repo, "validate", "--base", "HEAD")
    assert code == 0, err
