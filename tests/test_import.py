"""`import` adopts a live environment seeded by hand (legacy client names, a canonical tree, a
layer published by this tool and one published by hand without any zip) into git, changing
nothing: every client object is kept byte for byte, and the next plan is empty."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

from helpers_repo import git
from support import cli, client, layer_versions, objects, put, run
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.observed import layer_description as describe
from vectora_gitops.sandbox.artifacts import deterministic_zip, layer_zip, sha256

CONFIG = "vectora-inbox-config-dev"
FUNCTIONS = ("ingest", "normalize-score", "newsletter")
TAGS = {"Environment": "dev", "ManagedBy": "vectora-gitops", "Project": "vectora-inbox",
        "CostCenter": "newsletter-engine"}
VARIABLES = {"ENV": "dev", "CONFIG_BUCKET": CONFIG, "DATA_BUCKET": "vectora-inbox-data-dev",
             "LOG_LEVEL": "DEBUG"}


def legacy(repo: Path, version: str, legacy_id: str) -> bytes:
    text = (repo / f"clients/lai_weekly/{version}.yaml").read_text()
    text = text.replace("client_id: lai_weekly\n", f"client_id: {legacy_id}\n", 1)
    return text.replace(f"  version: {version}\n", "  environment: dev\n", 1).encode()


def seed_live_dev(repo: Path) -> int:
    """The running dev engine as it was set up by hand; returns the hand layer's number."""
    put(CONFIG, "clients/lai_weekly_v7.yaml", legacy(repo, "7.0.0", "lai_weekly_v7"))
    monthly = legacy(repo, "7.1.0", "lai_monthly").replace(b"environment: dev\n",
                                                           b"version: 2.0.0\n  environment: dev\n")
    put(CONFIG, "clients/lai_monthly.yaml", b"# Rendered by vectora-gitops from x for dev.\n"
        b"# Do not edit in S3: change the file in git and open a pull request.\n" + monthly)
    bundle = repo / "canonical/2.1.0"
    for path in sorted(p for p in bundle.rglob("*") if p.is_file()):
        put(CONFIG, f"canonical/{path.relative_to(bundle).as_posix()}", path.read_bytes())
    put(CONFIG, "canonical/imports/glossary.md", b"# Glossary\n\nedited in the console\n")
    lam = client("lambda")
    core = lam.publish_layer_version(
        LayerName="vectora-inbox-vectora-core-dev",
        Description=describe("1.4.1", sha256(layer_zip("vectora-core", "1.4.1"))),
        Content={"S3Bucket": "vectora-inbox-lambda-code-dev",
                 "S3Key": "layers/vectora-core-1.4.1.zip"})
    hand = lam.publish_layer_version(LayerName="vectora-inbox-common-deps-dev",
                                     Description="uploaded from a laptop",
                                     Content={"ZipFile": deterministic_zip({"python/x.py": b"1"})})
    for key in FUNCTIONS:
        name = f"vectora-inbox-{key}-v2-dev"
        config = lam.update_function_configuration(
            FunctionName=name, Layers=[hand["LayerVersionArn"], core["LayerVersionArn"]],
            Environment={"Variables": VARIABLES})
        lam.tag_resource(Resource=config["FunctionArn"], Tags=TAGS)
    return int(hand["Version"])


def test_import_adopts_the_live_environment(seeded: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    number = seed_live_dev(seeded)
    live = objects(CONFIG, "clients/")
    code, out, err = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0, err
    assert "lai_weekly_v7.yaml -> clients/lai_weekly_v7/7.0.0.yaml (legacy config" in out
    assert "lai_monthly.yaml -> clients/lai_monthly/2.0.0.yaml (legacy config" in out
    assert "wrote clients/lai_weekly_v7/7.0.0.yaml" not in out
    assert "canonical/2.2.0/ (" in out and "layer vectora-core:" in out
    assert "the git pin holds this content" in out  # published by vectora-gitops, pin unchanged
    assert "no zip with this content in the code bucket" in out
    assert f"0.0.0-adopted.{number}" in out and "--zip FILE" in out
    for key, data in live.items():  # kept as they are, never re-rendered
        cid = key.removeprefix("clients/").removesuffix(".yaml")
        version = "7.0.0" if cid == "lai_weekly_v7" else "2.0.0"
        assert (seeded / f"clients/{cid}/{version}.yaml").read_bytes() == data
    pins = (seeded / "environments/dev/pins.yaml").read_text()
    assert pins.startswith("# yaml-language-server") and "canonical: 2.2.0" in pins
    assert f"version: 0.0.0-adopted.{number}" in pins and "version: 1.4.1" in pins
    assert "clients: {}\nlegacy_clients:\n  lai_monthly: 2.0.0\n  lai_weekly_v7: 7.0.0\n" in pins
    assert f"common-deps-adopted-{number}.zip" in pins
    env_file = (seeded / "environments/dev/environment.yaml").read_text()
    assert "# order matters: attached in this order" in env_file
    assert "NEWSLETTERS_BUCKET" not in env_file and 'LOG_LEVEL: "DEBUG"' in env_file
    assert "  from: null\n" in env_file  # untouched lines stay as written
    assert "waivers" not in env_file and "name_exceptions" not in env_file
    assert run(capsys, seeded, "validate")[0] == 0

    git(seeded, "add", "-A")
    git(seeded, "commit", "-qm", "import dev")
    code, out, _ = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0 and "nothing written" in out  # idempotent

    saved = tmp_path / "plan.json"
    code, out, err = run(capsys, seeded, "plan", "--env", "dev", "--out", str(saved))
    assert (code, json.loads(saved.read_text())["changes"]) == (0, []), out + err
    before = len(layer_versions("vectora-inbox-common-deps-dev"))
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert objects(CONFIG, "clients/") == live
    assert run(capsys, seeded, "drift", "--env", "dev")[0] == 0
    assert len(layer_versions("vectora-inbox-common-deps-dev")) == before


def test_objects_that_cannot_be_files_of_git_turn_prune_off(seeded: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    seed_live_dev(seeded)
    put(CONFIG, "canonical/prompts/", b"")  # a folder made in the S3 console
    put(CONFIG, "clients/archive/lai_weekly_v3.yaml", b"client_profile: {}\n")
    live = objects(CONFIG)
    code, out, err = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0, err
    assert "sync.prune turned off: 2 object(s) under the managed prefixes cannot be files of " \
        "git (first: s3://vectora-inbox-config-dev/clients/archive/lai_weekly_v3.yaml)" in out
    assert "  prune: false\n" in (seeded / "environments/dev/environment.yaml").read_text()
    git(seeded, "add", "-A")
    git(seeded, "commit", "-qm", "import dev")
    assert run(capsys, seeded, "plan", "--env", "dev")[0] == 0
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert objects(CONFIG) == live


def test_a_version_git_holds_with_other_content_never_blocks_the_import(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_live_dev(seeded)
    other = seeded / "clients/lai_weekly_v7/7.0.0.yaml"
    other.parent.mkdir(parents=True)
    other.write_text("client_profile: {client_id: lai_weekly_v7}\n", encoding="utf-8")
    code, out, err = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0, err
    assert "-> clients/lai_weekly_v7/7.0.1.yaml (legacy config, byte for byte, synced back " \
        "verbatim; 7.0.0 exists in git with other content)" in out
    assert other.read_text() == "client_profile: {client_id: lai_weekly_v7}\n"
    assert (seeded / "clients/lai_weekly_v7/7.0.1.yaml").read_bytes() == \
        objects(CONFIG, "clients/lai_weekly_v7.yaml")["clients/lai_weekly_v7.yaml"]
    assert "  lai_weekly_v7: 7.0.1\n" in (seeded / "environments/dev/pins.yaml").read_text()


def banner(title: str) -> str:
    rule = "# " + "=" * 37 + "\n"
    return f"{rule}# {title}\n{rule}"


def changed_lines(before: str, after: str) -> list[str]:
    """The lines difflib reports as removed (-) or added (+), in file order."""
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def with_banners(env_path: Path, pins_path: Path) -> tuple[str, str]:
    """environment.yaml and pins.yaml with banners between sections and at the end, comments on
    values import changes, and flow lists with trailing comments."""
    env_text = env_path.read_text(encoding="utf-8")
    for old, new in (
            ("role: vectora-inbox-lambda-role-dev\n",
             "role: vectora-inbox-lambda-role-dev   # execution role of the functions\n"),
            ("  - vectora-inbox-s0-iam-dev\n", "  - vectora-inbox-s0-iam-dev   # the roles\n"),
            ("\nlayers:\n", f"\n\n{banner('SECTION 2: layers')}\nlayers:\n"),
            ("\nfunctions:\n", f"\n\n{banner('SECTION 3: functions')}\nfunctions:\n"),
            ("-normalize-score-v2-dev\n    layers: [common-deps, vectora-core]\n",
             "-normalize-score-v2-dev\n    layers: [common-deps, vectora-core]   # order matters\n"),
            ("\ntags:\n", f"\n\n{banner('SECTION 4: tags and sync')}\ntags:\n"),
            ("  prune: true\n", "  prune: true   # delete what git does not hold\n")):
        assert env_text.count(old) == 1, old
        env_text = env_text.replace(old, new)
    env_text += f"\n\n{banner('END OF ENVIRONMENT')}"
    pins_text = pins_path.read_text(encoding="utf-8")
    for old, new in (("canonical: 2.1.0\n", "canonical: 2.1.0   # the bundle\n"),
                     ("clients:\n", f"\n{banner('clients')}clients:\n"),
                     ("layers:\n", f"\n{banner('layers')}layers:\n")):
        assert pins_text.count(old) == 1, old
        pins_text = pins_text.replace(old, new)
    pins_text += f"\n{banner('END')}"
    env_path.write_text(env_text, encoding="utf-8")
    pins_path.write_text(pins_text, encoding="utf-8")
    return env_text, pins_text


def test_import_edits_only_the_lines_it_must(seeded: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Files with section banners (between sections and at the end), comments and flow lists:
    import changes exactly the values that differ from the live environment, adds the keys it
    must before the closing banners, and every other byte stays; the next plan is empty."""
    env_path, pins_path = (seeded / "environments/dev/environment.yaml",
                           seeded / "environments/dev/pins.yaml")
    env_text, pins_text = with_banners(env_path, pins_path)
    git(seeded, "commit", "-qam", "banners")
    number = seed_live_dev(seeded)
    rules = (seeded / "canonical/2.1.0/scoring/scoring_rules.yaml").read_bytes()
    put(CONFIG, "canonical/scoring/scoring_rules.yaml",
        rules + b"\nrecency_bonuses:\n  0_7_days: 2\n")  # a duplicate key: waived
    put(CONFIG, "canonical/prompts/", b"")  # a folder made in the console: prune turned off
    engine = "vectora-inbox-s0-iam-dev-EngineRole-7HD02MNB4KQ1C"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    role = client("iam").create_role(RoleName=engine, AssumeRolePolicyDocument=trust)["Role"]
    lam = client("lambda")
    layers = {layer["LayerArn"].rsplit(":", 1)[-1]: layer["LatestMatchingVersion"]["LayerVersionArn"]
              for layer in lam.list_layers()["Layers"]}
    hand, core = layers["vectora-inbox-common-deps-dev"], layers["vectora-inbox-vectora-core-dev"]
    declared = load_env(Repository(seeded), "dev")[0].functions
    ingest = {k: v for k, v in declared["ingest"].environment.items() if k != "NEWSLETTERS_BUCKET"}
    lam.update_function_configuration(FunctionName="vectora-inbox-ingest-v2-dev",
                                      Layers=[core, hand],
                                      Environment={"Variables": {**ingest, "LOG_LEVEL": "INFO"}})
    lam.update_function_configuration(FunctionName="vectora-inbox-normalize-score-v2-dev",
                                      Environment={"Variables": dict(
                                          declared["normalize-score"].environment)})
    lam.update_function_configuration(FunctionName="vectora-inbox-newsletter-v2-dev",
                                      Role=role["Arn"], Environment={"Variables": {
                                          **declared["newsletter"].environment, "NEW_FLAG": "1"}})

    code, out, err = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0, out + err
    env_after, pins_after = env_path.read_text(), pins_path.read_text()
    added = re.findall(r"added: (import \d{4}-\d\d-\d\d)\n", env_after)
    assert len(added) == 2 and added[0] == added[1], env_after
    stamp = added[0]

    order = "# order matters: attached in this order"
    assert changed_lines(env_text, env_after) == [
        "-role: vectora-inbox-lambda-role-dev   # execution role of the functions",
        "+role:   # execution role of the functions",
        "+  - vectora-inbox-lambda-role-dev",
        f"+  - {engine}",
        f"-    layers: [common-deps, vectora-core]   {order}",
        f"+    layers: [vectora-core, common-deps]   {order}",
        '-      NEWSLETTERS_BUCKET: "vectora-inbox-newsletters-dev"',
        '-      LOG_LEVEL: "DEBUG"',
        '+      LOG_LEVEL: "INFO"',
        '+      NEW_FLAG: "1"',
        "-  prune: true   # delete what git does not hold",
        "+  prune: false   # delete what git does not hold",
        "+name_exceptions:",
        f"+  - name: {engine}",
        "+    reason: role named by CloudFormation (stack vectora-inbox-s0-iam-dev, EngineRole)",
        f"+    added: {stamp}",
        "+waivers:",
        "+  - file: canonical/2.2.0/scoring/scoring_rules.yaml",
        "+    rule: duplicate-key",
        "+    reason: live dev content adopted by import as the engine runs it",
        f"+    added: {stamp}"]
    # where each change went: in place, or right after the last key before the closing banners
    assert env_after == env_text.replace(
        "role: vectora-inbox-lambda-role-dev   # execution role of the functions\n",
        f"role:   # execution role of the functions\n  - vectora-inbox-lambda-role-dev\n"
        f"  - {engine}\n").replace(
        f"layers: [common-deps, vectora-core]   {order}",
        f"layers: [vectora-core, common-deps]   {order}").replace(
        '      NEWSLETTERS_BUCKET: "vectora-inbox-newsletters-dev"\n      LOG_LEVEL: "DEBUG"\n'
        "  normalize-score:",
        '      LOG_LEVEL: "INFO"\n  normalize-score:').replace(
        '      BEDROCK_REGION: "eu-west-3"\n\n# ====',
        '      BEDROCK_REGION: "eu-west-3"\n      NEW_FLAG: "1"\n\n# ====').replace(
        "  prune: true   #", "  prune: false   #").replace(
        "ops backlog\n\n\n# ====",
        f"ops backlog\nname_exceptions:\n  - name: {engine}\n    reason: role named by "
        f"CloudFormation (stack vectora-inbox-s0-iam-dev, EngineRole)\n    added: {stamp}\n"
        "waivers:\n  - file: canonical/2.2.0/scoring/scoring_rules.yaml\n"
        "    rule: duplicate-key\n    reason: live dev content adopted by import as the engine "
        f"runs it\n    added: {stamp}\n\n\n# ====")
    assert "    layers: [common-deps, vectora-core]   # order matters\n" in env_after

    sha = sha256(deterministic_zip({"python/x.py": b"1"}))
    code_bucket = "s3://vectora-inbox-lambda-code-dev/layers/"
    assert changed_lines(pins_text, pins_after) == [
        "-canonical: 2.1.0   # the bundle", "+canonical: 2.2.0   # the bundle",
        "-clients:", "-  lai_weekly: 7.2.0-dev.1",
        "+clients: {}", "+legacy_clients:", "+  lai_monthly: 2.0.0", "+  lai_weekly_v7: 7.0.0",
        "-    version: 3.2.0",
        '-    sha256: "ceaea732d7c5175025d7df18f8be87b3d8cc9ae2739874c3bac2257a3a16118b"',
        f"-    artifact: {code_bucket}common-deps-3.2.0.zip",
        f"+    version: 0.0.0-adopted.{number}", f'+    sha256: "{sha}"',
        f"+    artifact: {code_bucket}common-deps-adopted-{number}.zip"]
    assert pins_after.startswith(pins_text.split("canonical:")[0])
    assert f"legacy_clients:\n  lai_monthly: 2.0.0\n  lai_weekly_v7: 7.0.0\n\n{banner('layers')}" \
        in pins_after and pins_after.endswith(f"\n{banner('END')}")

    assert run(capsys, seeded, "validate")[0] == 0
    git(seeded, "add", "-A")
    git(seeded, "commit", "-qm", "import dev")
    saved = tmp_path / "plan.json"
    code, out, err = run(capsys, seeded, "plan", "--env", "dev", "--out", str(saved))
    assert (code, json.loads(saved.read_text())["changes"]) == (0, []), out + err
    code, out, _ = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0 and "nothing written" in out  # idempotent: the second run changes no byte
    assert (env_path.read_text(), pins_path.read_text()) == (env_after, pins_after)
