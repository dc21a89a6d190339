"""The name and prune guards of apply, through the CLI against the moto server.

The validator already refuses a resource name of another environment, and the diff never plans
a deletion under a protected prefix, so a fresh plan cannot reach these guards: a saved plan
can. A plan file is input like any other (a CI artifact, possibly edited): one changed to reach
another environment, a protected prefix or an unmanaged key is refused with one line, exit 1,
and no AWS write at all."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crash_runner import WRITES
from helpers_repo import edit
from support import cli, client, function, objects, put, run
from vectora_gitops.aws.client import counting

Changes = list[dict[str, Any]]
PROD_INGEST = "vectora-inbox-ingest-v2-prod"


def saved_plan(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], env: str,
               forge: Callable[[Changes], None]) -> Path:
    """`plan --env ENV --out FILE`, then `forge` edits the changes in the file."""
    path = tmp_path / f"{env}-plan.json"
    code, _, err = run(capsys, repo, "plan", "--env", env, "--out", str(path))
    assert code in (0, 2) and path.exists(), err
    data = json.loads(path.read_text())
    forge(data["changes"])
    path.write_text(json.dumps(data, indent=2))
    return path


def refused(repo: Path, capsys: pytest.CaptureFixture[str], env: str, path: Path) -> str:
    """Apply the saved plan: exit 1, one line, and not a single AWS write."""
    with counting() as counted:
        code, _, err = run(capsys, repo, "apply", "--env", env, "--plan", str(path), "--yes")
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    writes = {op: n for op, n in counted.requests.items() if op.startswith(WRITES)}
    assert writes == {}, writes
    return err


def first(changes: Changes, kind: str) -> dict[str, Any]:
    return next(c for c in changes if c["kind"] == kind)


def prod_ingest_arn() -> str:
    arn = str(function(PROD_INGEST)["FunctionArn"])
    assert arn.endswith(f":function:{PROD_INGEST}"), arn
    return arn


# (id, environment planned, field of the first change of a kind, value of another environment)
FOREIGN: list[tuple[str, str, str, str, str]] = [
    ("function-name", "dev", "update_function", "name", PROD_INGEST),
    ("tagged-function-name", "dev", "tag_function", "name", PROD_INGEST),
    ("tagged-function-arn", "dev", "tag_function", "arn", "@prod-arn"),
    ("layer-name", "dev", "publish_layer", "layer_name", "vectora-inbox-vectora-core-prod"),
    ("layer-bucket", "dev", "publish_layer", "bucket", "vectora-inbox-lambda-code-prod"),
    ("artifact-bucket", "stage", "copy_artifact", "bucket", "vectora-inbox-lambda-code-prod"),
]


@pytest.mark.parametrize(("env", "kind", "field", "value"), [c[1:] for c in FOREIGN],
                         ids=[c[0] for c in FOREIGN])
def test_saved_plan_touching_another_environment_is_refused(
        env: str, kind: str, field: str, value: str, seeded: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    foreign = prod_ingest_arn() if value == "@prod-arn" else value
    prod_before = function(PROD_INGEST)

    def forge(changes: Changes) -> None:
        first(changes, kind)[field] = foreign

    err = refused(seeded, capsys, env, saved_plan(seeded, tmp_path, capsys, env, forge))
    named = PROD_INGEST if value == "@prod-arn" else value  # the function the ARN names
    assert f"{named} does not belong to {env}" in err and "another environment" in err
    assert function(PROD_INGEST) == prod_before
    assert client("lambda").list_layer_versions(
        LayerName="vectora-inbox-vectora-core-prod")["LayerVersions"] == []


@pytest.mark.parametrize("also_managed", [False, True], ids=["protected", "protected-and-managed"])
def test_saved_plan_deleting_a_protected_object_is_refused(also_managed: bool, seeded: Path,
                                                           tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    if also_managed:  # valid, and then only the protected prefix keeps backups/ from a prune
        edit(seeded, "environments/dev/environment.yaml", "managed_prefixes: [clients/, canonical/]",
             "managed_prefixes: [clients/, canonical/, backups/]")
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    backup = "backups/snapshots/keep.json"
    put("vectora-inbox-config-dev", backup, b"{}")

    def forge(changes: Changes) -> None:
        assert changes == []  # dev is in sync: the whole plan is the forged deletion
        changes.append({"kind": "delete_object", "key": backup, "etag": "x"})

    err = refused(seeded, capsys, "dev", saved_plan(seeded, tmp_path, capsys, "dev", forge))
    assert f"s3 {backup}: protected prefix; never deleted" in err
    assert backup in objects("vectora-inbox-config-dev", "backups/")


def test_saved_plan_deleting_outside_the_managed_prefixes_is_refused(
        seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    put("vectora-inbox-config-dev", "reports/weekly.md", b"# kept\n")

    def forge(changes: Changes) -> None:
        changes.append({"kind": "delete_object", "key": "reports/weekly.md", "etag": "x"})

    err = refused(seeded, capsys, "dev", saved_plan(seeded, tmp_path, capsys, "dev", forge))
    assert "s3 reports/weekly.md: outside the managed prefixes; never deleted" in err
    assert "reports/weekly.md" in objects("vectora-inbox-config-dev", "reports/")


def test_saved_plan_deleting_a_whole_prefix_is_refused(seeded: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    before = objects("vectora-inbox-config-dev", "clients/")
    assert before

    def forge(changes: Changes) -> None:
        changes += [{"kind": "delete_object", "key": key, "etag": "x"} for key in sorted(before)]

    err = refused(seeded, capsys, "dev", saved_plan(seeded, tmp_path, capsys, "dev", forge))
    assert f"prune would delete all {len(before)} objects under clients/" in err
    assert objects("vectora-inbox-config-dev", "clients/") == before


def test_a_missing_bucket_names_the_stack_to_deploy(seeded: Path) -> None:
    """Versioning and Object Lock are checked on buckets that exist; a missing one is one
    GuardError naming the stack (real requests to the emulator, which answers NoSuchBucket)."""
    from dataclasses import replace

    from conftest import REGION
    from vectora_gitops.aws.client import Aws
    from vectora_gitops.desired.repo import Repository, load_env
    from vectora_gitops.engine import guards
    from vectora_gitops.errors import GuardError

    env = load_env(Repository(seeded), "dev")[0]
    gone = replace(env, buckets=replace(env.buckets, data="vectora-inbox-gone-dev"))
    expected = ("bucket vectora-inbox-gone-dev does not exist; deploy the CloudFormation stack "
                f"{env.stack('core')} first")
    aws = Aws(REGION)
    with pytest.raises(GuardError) as versioning:
        guards.check_versioning(aws, gone, (env.buckets.config, gone.buckets.data))
    with pytest.raises(GuardError) as object_lock:
        guards.check_object_lock(aws, gone)
    assert str(versioning.value) == str(object_lock.value) == expected
    guards.check_versioning(aws, env, (env.buckets.config, env.buckets.data))
    guards.check_object_lock(aws, env)
