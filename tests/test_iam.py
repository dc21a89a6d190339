"""Every AWS action the tool performs in the suite's scenarios is allowed by the policy it
generates for that environment; no write is granted on `*`; the read-only policies read only
what plan, drift, gates and status read; and the IAM linter (parliament) finds nothing in any
generated policy."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iam_check import Call, allowed, calls_of, lint, recording
from support import cli, put, run
from test_import import seed_live_dev
from test_move_client import MOVE, adopt_legacy_dev, commit, step

ENVS = ("dev", "stage", "prod")
# The actions AWS authorizes on no resource, the only ones granted on "*".
STAR = {"sts:GetCallerIdentity", "lambda:ListLayerVersions", "cloudwatch:GetMetricStatistics",
        "cloudformation:ListStacks"}

WRITES = ("Put", "Delete", "Update", "Publish", "Tag", "Create", "Copy")


def env_of(call: Call) -> str:
    for env in ("dev", "stage", "prod"):
        if f"-{env}" in call.resource:
            return env
    return "any"


def policy_of(capsys: pytest.CaptureFixture[str], repo: Path, env: str, *, read_only: bool) -> dict:
    args = ["iam-policy", "--env", env] + (["--read-only"] if read_only else [])
    code, out, _ = run(capsys, repo, *args)
    assert code == 0
    return json.loads(out)


def test_generated_policies_grant_no_write_on_star(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for env in ENVS:
        for read_only in (True, False):
            policy = policy_of(capsys, repo, env, read_only=read_only)
            for statement in policy["Statement"]:
                if statement["Resource"] == "*":
                    assert not any(a.split(":")[1].startswith(WRITES) for a in statement["Action"])
                    assert set(statement["Action"]) <= STAR, statement
            if read_only:
                actions = [a for s in policy["Statement"] for a in s["Action"]]
                assert not any(a.split(":")[1].startswith(WRITES) for a in actions), actions
                assert "cloudformation:ListStacks" not in actions  # import only: the apply role


def test_the_iam_linter_finds_nothing_in_any_generated_policy(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each policy exactly as `iam-policy` prints it, every environment, read-only and apply."""
    for env in ENVS:
        for read_only in (True, False):
            policy = policy_of(capsys, repo, env, read_only=read_only)
            assert lint(policy) == [], (env, read_only)


def layers_scoped_as_before(policy: dict[str, Any]) -> dict[str, Any]:
    """`policy` with ListLayerVersions granted as the generator did before: beside
    GetLayerVersion, on the layers' ARNs and their versions' ARNs."""
    old = copy.deepcopy(policy)
    old["Statement"] = [s for s in old["Statement"] if s["Sid"] != "ListLayerVersions"]
    [layers] = [s for s in old["Statement"] if s["Sid"] == "ReadLayers"]
    layers["Action"] = ["lambda:ListLayerVersions", "lambda:GetLayerVersion"]
    layers["Resource"] = [arn for v in layers["Resource"] for arn in (v.removesuffix(":*"), v)]
    return old


def test_the_linter_catches_a_layer_listing_scoped_to_the_layers(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for read_only in (True, False):
        policy = policy_of(capsys, repo, "dev", read_only=read_only)
        old = layers_scoped_as_before(policy)
        [layers] = [s for s in old["Statement"] if s["Sid"] == "ReadLayers"]
        assert lint(old) == [
            "MEDIUM RESOURCE_MISMATCH: [{'action': 'lambda:ListLayerVersions', 'required_format': '*'}]",
            *(f"RESOURCE_TYPE lambda:ListLayerVersions on {arn}" for arn in layers["Resource"]),
            # and the layers' own ARNs never were GetLayerVersion's type (a version's ARN is)
            *(f"RESOURCE_TYPE lambda:GetLayerVersion on {arn}" for arn in layers["Resource"][::2])]
        # a real plan lists the layer's versions; AWS checks that against "*", which the old
        # scoping does not grant: the recorded-calls check sees the denial too now
        [listing] = calls_of("lambda", "ListLayerVersions", {"LayerName": "vectora-inbox-vectora-core-dev"})
        assert listing == Call("lambda:ListLayerVersions", "*")
        assert not allowed(old, listing) and allowed(policy, listing)


def test_the_linter_reports_every_kind_of_denial(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Findings that AWS turns into denials are reported whatever parliament's severity (an
    unknown action is LOW), and so is an action given a resource of another type beside one
    of its own, which parliament lets through."""
    policy = policy_of(capsys, repo, "dev", read_only=True)
    typo, wrong_type = copy.deepcopy(policy), copy.deepcopy(policy)
    [functions] = [s for s in typo["Statement"] if s["Sid"] == "ReadFunctions"]
    functions["Action"] = ["lambda:GetFunctions", "lambda:ListTags"]
    assert lint(typo) == ["LOW UNKNOWN_ACTION: Unknown action lambda:GetFunctions"]
    wrong_type["Statement"].append({
        "Sid": "ObjectsAndBucket", "Effect": "Allow", "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::vectora-inbox-data-dev/x/*", "arn:aws:s3:::vectora-inbox-data-dev"]})
    assert lint(wrong_type) == ["RESOURCE_TYPE s3:GetObject on arn:aws:s3:::vectora-inbox-data-dev"]


EDIT = "canonical/scopes/company_scopes.yaml"


def steps(tmp: Path) -> list[tuple[tuple[str, ...], bool, tuple[str, ...], tuple[int, ...]]]:
    """(environments whose role runs it, read-only role?, command line, exit codes accepted):
    apply, drift, snapshot and promotion as the suite runs them, in one sequence."""
    all_envs = ("dev", "stage", "prod")
    return [
        (("dev",), True, ("plan", "--env", "dev"), (2,)),
        (("dev",), False, ("apply", "--env", "dev", "--yes"), (0,)),
        (("stage",), False, ("apply", "--env", "stage", "--yes"), (0,)),
        (all_envs, True, ("drift", "--all"), (2,)),
        (("dev",), False, ("drift", "--env", "dev", "--heal"), (0,)),
        (("stage",), False, ("apply", "--env", "stage", "--yes", "--prune"), (0,)),
        (("stage",), False, ("apply", "--env", "stage", "--yes", "--bake-seconds", "1"), (0,)),
        (("stage",), True, ("hold", "show", "--env", "stage"), (0,)),
        (("dev",), False, ("snapshot", "create", "--env", "dev", "--name", "iam-check",
                           "--export", str(tmp / "export")), (0,)),
        (("dev",), True, ("snapshot", "list", "--env", "dev"), (0,)),
        (("dev",), False, ("snapshot", "show", "iam-check", "--env", "dev", "--output",
                           "markdown"), (0,)),
        (("dev",), False, ("snapshot", "export", "--env", "dev", "--name", "iam-check",
                           str(tmp / "export-again")), (0,)),
        (("dev",), False, ("snapshot", "restore", "--env", "dev", "--name", "iam-check", "--yes"),
         (0,)),
        (("dev",), False, ("snapshot", "delete", "--env", "dev", "--name", "iam-check", "--yes"),
         (0,)),
        (("dev",), False, ("record-e2e", "--env", "dev", "--result", "pass"), (0,)),
        (("stage",), True, ("gates", "--from", "dev", "--to", "stage"), (0, 1)),
        (("prod",), True, ("promote", "--from", "stage", "--to", "prod", "--body-out",
                           str(tmp / "body.md")), (0,)),
        (all_envs, True, ("status",), (0,)),
        (("dev",), True, ("history", "--env", "dev"), (0,)),
        (("dev",), False, ("import", "--env", "dev"), (0,)),
    ]


CURATED = "curated/lai_weekly/2026/01/05/items.json"
# Reads of the scenario above where "no such key" means something (aws/s3.py returns None).
MAY_BE_MISSING = {
    "s3://vectora-inbox-data-dev/deployments/state.json",  # plan before the first apply
    "s3://vectora-inbox-data-dev/deployments/lock.json",  # every locked run
    "s3://vectora-inbox-data-stage/deployments/lock.json",
    "s3://vectora-inbox-lambda-code-stage/layers/vectora-core-1.4.1.zip",  # not copied yet
    "s3://vectora-inbox-data-dev/metrics/lai_weekly/latest.json",  # a gate's document
    "s3://vectora-inbox-config-dev/backups/snapshots/iam-check/manifest.json",  # by name
}


# Reads only of keys the command has just listed (`snapshot list` reads the summary.json its
# listing of backups/snapshots/ names): "missing" is no answer they need, so the config bucket is
# not listed whole for them (as for the stable config `move-client retire` reads, below).
READ_AFTER_LISTING = re.compile(r"^s3://vectora-inbox-config-\w+/backups/snapshots/[^/]+/summary\.json$")


def test_every_recorded_action_is_allowed(seeded: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    policies = {(env, ro): policy_of(capsys, seeded, env, read_only=ro)
                for env in ("dev", "stage", "prod") for ro in (True, False)}
    seen: set[str] = set()
    for i, (roles, read_only, argv, codes) in enumerate(steps(tmp_path)):
        if i == 3:  # someone edits objects by hand between the applies
            put("vectora-inbox-config-stage", EDIT, b"edited: by hand\n")
            put("vectora-inbox-config-dev", EDIT, b"edited: by hand\n")
        if argv[:2] == ("snapshot", "create"):  # a snapshot names the newest curated object
            put("vectora-inbox-data-dev", CURATED, b"[]\n")
        if argv[:2] == ("snapshot", "restore"):
            put("vectora-inbox-config-dev", "canonical/extra.md", b"# added by hand\n")
        if argv[0] == "import":  # a live environment set up by hand, layers included
            seed_live_dev(seeded)
        with recording() as calls:
            assert cli(seeded, *argv) in codes, argv
        denied = [c for c in calls
                  if not any(allowed(policies[(env, read_only)], c) for env in roles)
                  and not READ_AFTER_LISTING.match(c.missing)]
        assert denied == [], (argv, denied)
        seen |= set(calls)
    for expected in ("lambda:PublishLayerVersion", "s3:GetObjectVersion", "s3:ListBucketVersions",
                     "cloudformation:DescribeStacks", "lambda:UpdateFunctionConfiguration",
                     "s3:DeleteObject", "lambda:GetLayerVersion", "cloudwatch:GetMetricStatistics",
                     "lambda:ListLayerVersions", "lambda:ListTags", "s3:GetBucketVersioning",
                     "cloudformation:ListStacks", "s3:PutObjectRetention",
                     "s3:GetBucketObjectLockConfiguration", "s3:GetObjectRetention",
                     "cloudwatch:DescribeAlarms",
                     "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource",
                     "cloudwatch:GetDashboard", "cloudwatch:PutDashboard",
                     "sns:TagResource", "sns:Subscribe", "sns:GetTopicAttributes",
                     "budgets:ViewBudget", "budgets:ModifyBudget"):
        assert expected in {c.action for c in seen}
    # the reads that may find nothing, each allowed the 404 above (a listing without prefix)
    got = {c.missing for c in seen}
    assert not MAY_BE_MISSING - got, MAY_BE_MISSING - got
    for call in (Call("s3:GetObject", f"arn:aws:s3:::vectora-inbox-data-dev/{CURATED}"),
                 Call("s3:ListBucket", "arn:aws:s3:::vectora-inbox-lambda-code-dev", "layers/"),
                 Call("s3:ListBucket", "arn:aws:s3:::vectora-inbox-data-dev", "curated/"),
                 Call("s3:ListBucket", "arn:aws:s3:::vectora-inbox-config-dev", "backups/snapshots/")):
        assert call in seen


def test_read_only_policy_covers_plan(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    with recording() as calls:
        assert cli(seeded, "plan", "--env", "dev") == 0
    policy = policy_of(capsys, seeded, "dev", read_only=True)
    assert [c for c in calls if not allowed(policy, c)] == []


def test_policy_denies_other_environments(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = policy_of(capsys, repo, "dev", read_only=False)
    foreign = Call("s3:PutObject", "arn:aws:s3:::vectora-inbox-config-prod/canonical/x.yaml")
    assert not allowed(policy, foreign)
    assert allowed(policy, Call("s3:PutObject", "arn:aws:s3:::vectora-inbox-config-dev/canonical/x.yaml"))


def s3(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::vectora-inbox-{bucket}" + (f"/{key}" if key is not None else "")


def test_read_only_policies_read_nothing_but_what_the_tool_reads(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No newsletters bucket, no lambda-code bucket, no curated data; objects only under the
    prefixes plan, drift, gates, status and history read; listings limited to them, but for the
    data buckets, whose key names are listed (a missing key's 404 needs it)."""
    source = {"dev": None, "stage": "dev", "prod": "stage"}
    for env in ENVS:
        policy = policy_of(capsys, repo, env, read_only=True)
        text = json.dumps(policy)
        for other in ENVS:
            assert f"newsletters-{other}" not in text and f"lambda-code-{other}" not in text
        assert "curated" not in text
        objects = {s3(f"data-{env}", "deployments/*"), s3(f"config-{env}", "clients/*"),
                   s3(f"config-{env}", "canonical/*"),  # HeadObject: S3's checksum
                   s3(f"config-{env}", "backups/snapshots/*/summary.json")}
        if source[env]:
            objects |= {s3(f"data-{source[env]}", "deployments/*"),
                        s3(f"data-{source[env]}", "metrics/*/latest.json")}
        # the data buckets are listed whole: S3 says "no such key" only to a caller that may list
        # the bucket (the state record before the first apply, a missing metrics document)
        listings = {(s3(f"config-{env}"), ("clients/*", "canonical/*", "backups/snapshots/*")),
                    (s3(f"data-{env}"), None)}
        if source[env]:
            listings.add((s3(f"data-{source[env]}"), None))
        evidence = ("deployments/records/*", "deployments/e2e/*")
        readers = [e for e in (env, source[env]) if e]
        versions = {s3(f"data-{e}", p) for e in readers for p in evidence}
        version_listings = {(s3(f"data-{e}"), evidence) for e in readers}
        got_objects, got_listings, got_versions, got_version_listings = set(), set(), set(), set()
        for statement in policy["Statement"]:
            s3_actions = [a for a in statement["Action"] if a.startswith("s3:")]
            assert s3_actions in ([], ["s3:GetObject"], ["s3:ListBucket"], ["s3:ListBucketVersions"],
                                  ["s3:GetObjectVersion", "s3:GetObjectRetention"]), statement
            if s3_actions == ["s3:GetObject"]:
                got_objects |= set(statement["Resource"])
            elif s3_actions == ["s3:GetObjectVersion", "s3:GetObjectRetention"]:
                got_versions |= set(statement["Resource"])
            elif s3_actions == ["s3:ListBucket"] and "Condition" not in statement:
                got_listings |= {(bucket, None) for bucket in statement["Resource"]}
            elif s3_actions:
                assert list(statement["Condition"]) == ["StringLike"], statement
                prefixes = tuple(statement["Condition"]["StringLike"]["s3:prefix"])
                into = got_listings if s3_actions == ["s3:ListBucket"] else got_version_listings
                into |= {(bucket, prefixes) for bucket in statement["Resource"]}
        assert (got_objects, got_listings) == (objects, listings), env
        assert (got_versions, got_version_listings) == (versions, version_listings), env
        if env == "dev":
            assert "-stage" not in text and "-prod" not in text


def test_read_only_prod_probes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What someone holding prod's plan role could try, request by request."""
    policy = policy_of(capsys, repo, "prod", read_only=True)
    denied = [
        Call("s3:GetObject", s3("newsletters-prod", "2026/01/05/lai_weekly.html")),
        Call("s3:ListBucket", s3("newsletters-prod"), ""),
        Call("s3:GetObject", s3("data-prod", CURATED)),
        Call("s3:GetObject", s3("data-stage", CURATED)),
        Call("s3:ListBucket", s3("config-prod"), None),  # a listing without a prefix
        Call("s3:ListBucket", s3("config-prod"), ""),
        Call("s3:ListBucket", s3("config-prod"), "backups/"),
        Call("s3:GetObject", s3("config-prod", "backups/snapshots/before/manifest.json")),
        Call("s3:GetObject", s3("lambda-code-prod", "layers/vectora-core-1.4.0.zip")),
        Call("s3:GetObject", s3("lambda-code-dev", "layers/vectora-core-1.4.0.zip")),
        Call("s3:GetObject", s3("data-stage", "metrics/lai_weekly/raw.json")),
        Call("s3:GetObject", s3("data-dev", "deployments/state.json")),
        Call("s3:ListBucketVersions", s3("config-prod"), "clients/"),
        Call("s3:GetObjectVersion", s3("data-prod", "deployments/state.json")),
        Call("s3:GetObjectRetention", s3("data-prod", "deployments/state.json")),
        Call("s3:GetObjectRetention", s3("data-stage", "metrics/lai_weekly/latest.json")),
        Call("lambda:GetLayerVersion", "arn:aws:lambda:eu-west-3:786469175371:layer:other:1"),
    ]
    granted = [
        Call("s3:ListBucket", s3("config-prod"), "clients/"),
        Call("s3:ListBucket", s3("config-prod"), "backups/snapshots/"),
        Call("s3:ListBucket", s3("data-prod"), "deployments/records/"),
        Call("s3:GetObject", s3("data-prod", "deployments/state.json")),
        # HeadObject of an object whose ETag is not its MD5 (S3's stored SHA-256)
        Call("s3:GetObject", s3("config-prod", "canonical/README.md")),
        Call("s3:GetObject", s3("config-prod", "backups/snapshots/before/summary.json")),
        Call("s3:ListBucket", s3("data-stage"), "deployments/e2e/1/"),
        Call("s3:GetObject", s3("data-stage", "deployments/records/1.json")),
        Call("s3:GetObject", s3("data-stage", "metrics/lai_weekly/latest.json")),
        # the key names (never the content) of the data buckets: S3 answers "no such key" only
        # to a caller that may list the bucket
        Call("s3:ListBucket", s3("data-prod"), None),
        Call("s3:ListBucket", s3("data-prod"), "curated/"),
        Call("s3:ListBucket", s3("data-stage"), None),
        # the Object Lock retention of the evidence, which the gates trust
        Call("s3:GetObjectRetention", s3("data-prod", "deployments/records/1.closed.json")),
        Call("s3:GetObjectRetention", s3("data-stage", "deployments/e2e/1/2026.json")),
        Call("lambda:ListLayerVersions", "*"),
        Call("lambda:GetLayerVersion",
             "arn:aws:lambda:eu-west-3:786469175371:layer:vectora-inbox-vectora-core-prod:7"),
    ]
    assert [c for c in denied if allowed(policy, c)] == []
    assert [c for c in granted if not allowed(policy, c)] == []


def test_no_managed_prefix_means_no_listing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A listing is never granted without a prefix condition, even with no managed prefix."""
    env_file = repo / "environments/dev/environment.yaml"
    text = env_file.read_text()
    env_file.write_text(text.replace("managed_prefixes: [clients/, canonical/]", "managed_prefixes: []"))
    policy = policy_of(capsys, repo, "dev", read_only=False)
    assert "ListManagedVersions" not in [s["Sid"] for s in policy["Statement"]]
    assert not allowed(policy, Call("s3:ListBucketVersions", s3("config-dev"), ""))
    assert lint(policy) == []
    # the apply role lists the config bucket whole (a snapshot named by hand may not exist)
    read_only = policy_of(capsys, repo, "dev", read_only=True)
    assert not allowed(read_only, Call("s3:ListBucket", s3("config-dev"), "clients/"))
    assert allowed(read_only, Call("s3:ListBucket", s3("config-dev"), "backups/snapshots/"))
    assert lint(read_only) == []


def narrowed_as_before(policy: dict[str, Any]) -> dict[str, Any]:
    """`policy` as the generator made it before: data buckets listed under deployments/ only,
    evidence read by version without its retention."""
    old = copy.deepcopy(policy)
    for statement in old["Statement"]:
        if statement["Sid"] in ("ListData", "ListPromotionEvidence"):
            statement["Condition"] = {"StringLike": {"s3:prefix": ["deployments/*"]}}
        if statement["Sid"] in ("ReadEvidenceVersions", "ReadPromotionEvidenceVersions"):
            statement["Action"] = ["s3:GetObjectVersion"]
    return old


def test_reads_that_may_find_nothing_and_the_evidence_retention_are_granted(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first plan (no state record yet) and a gate whose metrics document is missing get
    S3's 404 with the read-only policies, and the gates see the evidence's retention; the
    policies made before denied both (a 403 where the tool expects "no such key", records
    that look unlocked)."""
    dev = policy_of(capsys, seeded, "dev", read_only=True)
    stage = policy_of(capsys, seeded, "stage", read_only=True)
    with recording() as calls:
        assert cli(seeded, "plan", "--env", "dev") == 2  # nothing applied: no state record
    missing = [c for c in calls if c.missing]
    assert [c.missing for c in missing] == ["s3://vectora-inbox-data-dev/deployments/state.json"]
    assert [c for c in calls if not allowed(dev, c)] == []
    assert [c for c in missing if not allowed(narrowed_as_before(dev), c)] == missing

    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert cli(seeded, "record-e2e", "--env", "dev", "--result", "pass") == 0
    with recording() as calls:  # no metrics document in dev: the noise_rate gate fails
        assert cli(seeded, "gates", "--from", "dev", "--to", "stage") == 1
    missing = [c for c in calls if c.missing]
    assert {c.missing for c in missing} == {"s3://vectora-inbox-data-dev/metrics/lai_weekly/latest.json"}
    retention = [c for c in calls if c.action == "s3:GetObjectRetention"]
    assert {c.resource.split("/deployments/")[1].split("/")[0] for c in retention} == \
        {"records", "e2e"}
    assert [c for c in calls if not allowed(stage, c)] == []
    old = narrowed_as_before(stage)
    assert [c for c in missing + retention if not allowed(old, c)] == missing + retention


def test_a_retirement_plan_lists_the_stable_id_s_run_outputs_with_the_read_only_policy(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`move-client retire` and the plan of the retirement it writes list `curated/<id>/` of
    the data bucket for the evidence that the stable id ran (engine/retire.py), and the command
    reads the stable config: the read-only role may."""
    adopt_legacy_dev(seeded)
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    step(capsys, seeded, "start")
    step(capsys, seeded, "switch")
    put("vectora-inbox-data-dev", "curated/lai_weekly/2026/02/10/items.json", b"[]\n")
    policy = policy_of(capsys, seeded, "dev", read_only=True)
    stable = s3("config-dev", "clients/lai_weekly.yaml")
    assert [s["Resource"] for s in policy["Statement"]
            if s["Sid"] == "ReadSwitchedClientConfigs"] == [[stable]]
    with recording() as calls:  # the command checks the switch is applied, read-only too
        assert run(capsys, seeded, *MOVE, "retire")[0] == 0
    # it reads the stable config only once listed (engine/retire.py): "missing" is no answer
    # it needs, so the config bucket is not listed whole for it
    read_after_listing = "s3://vectora-inbox-config-dev/clients/lai_weekly.yaml"
    assert Call("s3:GetObject", stable) in calls
    assert [c for c in calls if not allowed(policy, c)] == \
        [Call("s3:ListBucket", s3("config-dev"), None, missing=read_after_listing)]
    commit(seeded, "move-client retire")
    with recording() as calls:
        code, out, err = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 2 and "evidence: lai_weekly ran since the switch" in out, out + err
    listing = Call("s3:ListBucket", s3("data-dev"), "curated/lai_weekly/")
    assert listing in calls
    assert [c for c in calls if not allowed(policy, c)] == []
    assert not allowed(narrowed_as_before(policy), listing)  # the gap the whole listing closed


LINT_IAM = Path(__file__).resolve().parents[1] / "bin" / "lint-iam"


def lint_iam(*files: Path | str) -> subprocess.CompletedProcess[str]:
    """bin/lint-iam on policy files, with this interpreter's scripts (parliament) on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run([str(LINT_IAM), *map(str, files)], capture_output=True, text=True,
                          env={**os.environ, "PATH": path}, timeout=120, check=False)


def test_bucket_policies_are_linted_and_a_broken_one_fails(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The data bucket's policy (`--bucket-policy`) goes through the same linter as the role
    policies (bin/lint-iam lints it for every environment): clean as generated; a mistyped
    action, a condition key the actions do not know (its Deny would hit every principal, the
    apply role included) or an object action given the bucket's ARN is reported."""
    for env in ENVS:
        code, out, _ = run(capsys, repo, "iam-policy", "--env", env, "--bucket-policy")
        assert code == 0 and lint(json.loads(out)) == [], env
    good = json.loads(run(capsys, repo, "iam-policy", "--env", "stage", "--bucket-policy")[1])
    typo, key, wrong_type = copy.deepcopy(good), copy.deepcopy(good), copy.deepcopy(good)
    typo["Statement"][1]["Action"][2] = "s3:BypassGovernanceRetentions"
    key["Statement"][0]["Condition"] = {"ArnNotEquals": {"aws:PrincipleArn": "x"}}
    wrong_type["Statement"][1]["Resource"] = ["arn:aws:s3:::vectora-inbox-data-stage"]
    assert lint(typo) == ["LOW UNKNOWN_ACTION: Unknown action s3:BypassGovernanceRetentions"]
    assert lint(key) == [
        f"MEDIUM UNKNOWN_CONDITION_FOR_ACTION: Unknown condition aws:PrincipleArn for action {a}"
        for a in ("s3:PutObject", "s3:DeleteObject", "s3:PutObjectRetention")]
    assert lint(wrong_type) == [f"RESOURCE_TYPE {a} on arn:aws:s3:::vectora-inbox-data-stage"
                                for a in good["Statement"][1]["Action"]]
    files = {}
    for name, policy in (("good", good), ("typo", typo), ("key", key)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(policy, indent=2))
    assert lint_iam(files["good"]).returncode == 0
    for name in ("typo", "key"):
        result = lint_iam(files["good"], files[name])
        assert result.returncode == 1, result
        assert f"bin/lint-iam: {files[name]} has findings (above)" in result.stderr
