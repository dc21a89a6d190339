"""`import` adopts a live environment seeded by hand (legacy client names, a canonical tree, a
layer published by this tool and one published by hand without any zip) into git, changing
nothing: every client object is kept byte for byte, and the next plan is empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers_repo import git
from support import cli, client, layer_versions, objects, put, run
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
