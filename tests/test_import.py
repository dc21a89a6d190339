"""`import` adopts a live environment seeded by hand (legacy client names, a canonical tree, a
layer published by this tool and one published by hand without any zip) into git."""

from __future__ import annotations

import difflib
import json
from datetime import date
from pathlib import Path

import pytest

from helpers_repo import git
from support import cli, client, layer_versions, put, run
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
    code, out, err = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0, err
    assert "kept clients/lai_weekly/7.0.0.yaml" in out
    assert "wrote clients/lai_monthly/2.0.0.yaml" in out and "wrote canonical/2.2.0/" in out
    assert "published by hand and its zip exists nowhere" in err
    assert f"common-deps-adopted-{number}.zip" in err
    migrated = (seeded / "clients/lai_monthly/2.0.0.yaml").read_text()
    assert "client_id: lai_monthly\n" in migrated and "environment:" not in migrated.split(
        "client_profile:")[1].split("\n\n")[0]
    pins = (seeded / "environments/dev/pins.yaml").read_text()
    assert pins.startswith("# yaml-language-server") and "canonical: 2.2.0" in pins
    assert f"version: 0.0.0-adopted.{number}" in pins and "lai_monthly: 2.0.0" in pins
    env_file = (seeded / "environments/dev/environment.yaml").read_text()
    assert "# order matters: attached in this order" in env_file
    assert "NEWSLETTERS_BUCKET" not in env_file and 'LOG_LEVEL: "DEBUG"' in env_file
    assert "  from: null\n" in env_file  # untouched lines stay as written
    assert run(capsys, seeded, "validate")[0] == 0

    git(seeded, "add", "-A")
    git(seeded, "commit", "-qm", "import dev")
    code, out, _ = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0 and "nothing written" in out  # idempotent

    # the next plan only re-renders client objects: no canonical object, no layer (the one
    # published by hand is recognised by its content), no function
    saved = tmp_path / "plan.json"
    code, _, err = run(capsys, seeded, "plan", "--env", "dev", "--out", str(saved))
    assert code == 2, err
    changes = [(c["kind"], c.get("action", ""), c.get("key", c.get("layer", c.get("function"))))
               for c in json.loads(saved.read_text())["changes"]]
    assert changes == [("put_object", "update", "clients/lai_monthly.yaml"),  # header, env
                       ("put_object", "create", "clients/lai_weekly.yaml"),  # under its new id
                       ("delete_object", "", "clients/lai_weekly_v7.yaml")]  # the legacy name
    before = len(layer_versions("vectora-inbox-common-deps-dev"))
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert run(capsys, seeded, "plan", "--env", "dev")[0] == 0
    assert run(capsys, seeded, "drift", "--env", "dev")[0] == 0
    assert len(layer_versions("vectora-inbox-common-deps-dev")) == before


def banner(title: str) -> str:
    rule = "# " + "=" * 37 + "\n"
    return f"{rule}# {title}\n{rule}"


def changed_lines(before: str, after: str) -> list[str]:
    """The lines difflib reports as removed (-) or added (+), in file order."""
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


LIVE_CLIENT = f"""\
# Rendered by vectora-gitops from clients/acme_news/3.0.0.yaml for dev.
# Do not edit in S3: change the file in git and open a pull request.
{banner("Acme News: profile")}client_profile:
  client_id: acme_news_v3   # the old id carried the version
  version: "3"
  environment: dev
  name: Acme News

{banner("SECTION 2: sources")}
source_config:
  source_bouquets_enabled: [lai_trade_press, lai_regulators]   # order matters
  sources_extra_enabled:
    - press_sector__endpoints_news

{banner("SECTION 3: metadata")}
metadata:
  owner: newsletter-engine team   # who answers

{banner("END OF CONFIG")}"""


def test_import_edits_only_the_lines_it_must(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files with section banners (between sections and at the end): import changes exactly the
    values that differ from the live environment; every other byte stays."""
    env_path, pins_path = (seeded / "environments/dev/environment.yaml",
                           seeded / "environments/dev/pins.yaml")
    env_text = env_path.read_text().replace(
        "functions:\n", f"\n{banner('SECTION 3: functions')}\nfunctions:\n").replace(
        "tags:\n", f"\n{banner('SECTION 4: tags')}\ntags:\n") + f"\n{banner('END')}"
    pins_text = pins_path.read_text().replace(
        "clients:\n", f"\n{banner('clients')}clients:\n").replace(
        "layers:\n", f"\n{banner('layers')}layers:\n") + f"\n{banner('END')}\n"
    env_path.write_text(env_text)
    pins_path.write_text(pins_text)
    put(CONFIG, "clients/acme_news_v3.yaml", LIVE_CLIENT.encode())
    lam = client("lambda")
    arns = {}
    for key, version in (("vectora-core", "1.4.1"), ("common-deps", "3.2.0")):
        arns[key] = lam.publish_layer_version(
            LayerName=f"vectora-inbox-{key}-dev",
            Description=describe(version, sha256(layer_zip(key, version))),
            Content={"S3Bucket": "vectora-inbox-lambda-code-dev",
                     "S3Key": f"layers/{key}-{version}.zip"})["LayerVersionArn"]
    newsletter = {"ENV": "dev", "CONFIG_BUCKET": CONFIG, "DATA_BUCKET": "vectora-inbox-data-dev",
                  "LOG_LEVEL": "INFO", "BEDROCK_MODEL_ID": "eu.anthropic.claude-3-5-sonnet-20240620-v1:0",
                  "BEDROCK_REGION": "eu-west-3", "NEW_FLAG": "1"}
    score = {**newsletter, "NEWSLETTERS_BUCKET": "vectora-inbox-newsletters-dev",
             "LOG_LEVEL": "DEBUG", "MAX_CONCURRENT_BEDROCK_CALLS": "4"}
    del score["NEW_FLAG"]
    ingest = {k: score[k] for k in ("ENV", "CONFIG_BUCKET", "DATA_BUCKET", "NEWSLETTERS_BUCKET",
                                    "LOG_LEVEL")}
    for key, variables, layers in (("ingest", ingest, ["vectora-core", "common-deps"]),
                                   ("normalize-score", score, ["common-deps", "vectora-core"]),
                                   ("newsletter", newsletter, ["common-deps", "vectora-core"])):
        lam.update_function_configuration(FunctionName=f"vectora-inbox-{key}-v2-dev",
                                          Layers=[arns[k] for k in layers],
                                          Environment={"Variables": variables})

    code, out, err = run(capsys, seeded, "import", "--env", "dev")
    assert code == 0, err
    assert "wrote clients/acme_news/3.0.0.yaml" in out

    today = date.today().isoformat()
    adopted = (seeded / "clients/acme_news/3.0.0.yaml").read_text()
    live = LIVE_CLIENT.split("pull request.\n", 1)[1]
    assert adopted == live.replace("client_id: acme_news_v3", "client_id: acme_news").replace(
        'version: "3"', 'version: "3.0.0"').replace("  environment: dev\n", "").replace(
        "  owner: newsletter-engine team   # who answers\n",
        "  owner: newsletter-engine team   # who answers\n  changelog:\n    - version: 3.0.0\n"
        f'      date: "{today}"\n      changes:\n        - migrated from legacy id acme_news_v3\n')
    assert changed_lines(live, adopted) == [
        "-  client_id: acme_news_v3   # the old id carried the version",
        "-  version: \"3\"", "-  environment: dev",
        "+  client_id: acme_news   # the old id carried the version", '+  version: "3.0.0"',
        "+  changelog:", "+    - version: 3.0.0", f'+      date: "{today}"', "+      changes:",
        "+        - migrated from legacy id acme_news_v3"]

    order = "# order matters: attached in this order"
    assert env_path.read_text() == env_text.replace(
        f"layers: [common-deps, vectora-core]   {order}",
        f"layers: [vectora-core, common-deps]   {order}").replace(
        '      BEDROCK_REGION: "eu-west-3"\n\n',
        '      BEDROCK_REGION: "eu-west-3"\n      NEW_FLAG: "1"\n\n').replace(
        '      NEWSLETTERS_BUCKET: "vectora-inbox-newsletters-dev"\n      LOG_LEVEL: "DEBUG"\n'
        '      BEDROCK_MODEL_ID: "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"\n'
        '      BEDROCK_REGION: "eu-west-3"\n      NEW_FLAG',
        '      LOG_LEVEL: "INFO"\n'
        '      BEDROCK_MODEL_ID: "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"\n'
        '      BEDROCK_REGION: "eu-west-3"\n      NEW_FLAG')
    assert changed_lines(env_text, env_path.read_text()) == [
        f"-    layers: [common-deps, vectora-core]   {order}",
        f"+    layers: [vectora-core, common-deps]   {order}",
        '-      NEWSLETTERS_BUCKET: "vectora-inbox-newsletters-dev"', '-      LOG_LEVEL: "DEBUG"',
        '+      LOG_LEVEL: "INFO"', '+      NEW_FLAG: "1"']
    assert pins_path.read_text() == pins_text.replace(
        "  lai_weekly: 7.2.0-dev.1\n", "  acme_news: 3.0.0\n")
    assert "clients.lai_weekly: not in s3://vectora-inbox-config-dev/clients/; unpinned" in err
