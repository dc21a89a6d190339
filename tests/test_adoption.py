"""Day one with the real Vectora Inbox: `import --env dev` of a live environment shaped like the
real dev one changes nothing. validate passes (defects of the live content waived, shown as
warnings), the next plan is empty, apply writes nothing, and every object version, function
setting and layer version is byte-identical before and after."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import realdev
from helpers_repo import REPO_ROOT, edit, git
from support import client, objects, run
from vectora_gitops.aws.client import Aws, add_request_hook
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.observed import code_sha256_b64
from vectora_gitops.sandbox.artifacts import sha256
from vectora_gitops.sandbox.seed import seed_artifacts, seed_environment

WRITES = ("Put", "Delete", "Publish", "Update", "Tag", "Copy", "Create", "Restore")


def loaded(repo: Path, rel: str) -> Any:
    return yaml.safe_load((repo / rel).read_text(encoding="utf-8"))


def imported(moto: Any, repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[
        realdev.Inventory, dict[str, Any], str]:
    """The real dev inventory, imported and committed: (inventory, state before, screen)."""
    shutil.copy(REPO_ROOT / ".yamllint", repo / ".yamllint")
    git(repo, "add", ".yamllint")
    git(repo, "commit", "-qm", "lint settings")
    inventory = realdev.build()
    before = realdev.state()
    code, out, err = run(capsys, repo, "import", "--env", "dev")
    assert code == 0, out + err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "import dev")
    return inventory, before, out


def test_import_of_the_real_dev_changes_nothing(moto: Any, repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    sample = (repo / "clients/lai_weekly/7.0.0.yaml").read_bytes()
    inventory, before, screen = imported(moto, repo, capsys)

    # one screen: what was adopted, what was waived, what to do next
    assert len(screen.splitlines()) <= 45
    for n in (4, 5, 6, 7):
        assert f"clients/lai_weekly_v{n}/{n}.0.0.yaml (legacy config, byte for byte" in screen
    assert "canonical/ (22 objects) -> canonical/2.2.0/ (a new bundle, byte for byte)" in screen
    waived = screen.split("waived (validate shows them as warnings):\n")[1].split("\nwarnings:")[0]
    assert "scoring_rules.yaml:12: duplicate key 'contextual_penalties'" in waived
    assert "lai_weekly_v5/5.0.0.yaml:37: bedrock_config.normalization_prompt" in waived
    assert len(waived.splitlines()) == 2
    assert "clients.lai_weekly: no clients/lai_weekly.yaml" in screen  # the sample: unpinned
    assert "next:\n  1. `vectora-gitops validate`" in screen

    # legacy configs and the canonical tree byte for byte; the sample content untouched
    for n in (4, 5, 6, 7):
        assert (repo / f"clients/lai_weekly_v{n}/{n}.0.0.yaml").read_bytes() == \
            realdev.legacy_config(n)
    assert (repo / "clients/lai_weekly/7.0.0.yaml").read_bytes() == sample
    bundle = repo / "canonical/2.2.0"
    assert {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*")
            if p.is_file()} == {k: v.encode() for k, v in realdev.CANONICAL.items()}

    pins = loaded(repo, "environments/dev/pins.yaml")
    assert pins["canonical"] == "2.2.0" and pins["clients"] == {}
    assert pins["legacy_clients"] == {f"lai_weekly_v{n}": f"{n}.0.0" for n in (4, 5, 6, 7)}
    zips = inventory.layers
    code = "s3://vectora-inbox-lambda-code-dev/layers/"
    assert pins["layers"] == {
        "common-deps": {"version": "0.0.0-adopted.4", "artifact": f"{code}common-deps-1.0.5.zip",
                        "sha256": sha256(zips["vectora-inbox-common-deps-dev"][4])},
        "common-deps-3": {"version": "0.0.0-adopted.3",
                          "artifact": f"{code}common-deps-3-adopted-3.zip",
                          "sha256": sha256(zips["vectora-inbox-common-deps-dev"][3])},
        "vectora-core": {"version": "0.0.0-adopted.3", "artifact": f"{code}vectora-core-1.4.0.zip",
                         "sha256": sha256(zips["vectora-inbox-vectora-core-dev"][3])},
        "vectora-core-approche-b": {
            "version": "0.0.0-adopted.3", "artifact": f"{code}vectora-core-approche-b-adopted-3.zip",
            "sha256": sha256(zips["vectora-inbox-vectora-core-approche-b-dev"][3])},
        "dependencies": {"version": "0.0.0-adopted.1", "artifact": f"{code}dependencies-adopted-1.zip",
                         "sha256": sha256(zips["vectora-inbox-dependencies"][1])},
        "yaml-fix": {"version": "0.0.0-adopted.1", "artifact": f"{code}yaml-fix.zip",
                     "sha256": sha256(zips["vectora-inbox-yaml-fix-dev"][1])},
    }

    env = loaded(repo, "environments/dev/environment.yaml")
    assert env["role"] == [realdev.INGEST_ROLE, realdev.ENGINE_ROLE]
    assert env["stacks"] == list(realdev.STACKS)
    assert env["layers"]["dependencies"] == {"name": "vectora-inbox-dependencies"}
    assert env["layers"]["common-deps-3"] == {"name": "vectora-inbox-common-deps-dev"}
    functions = env["functions"]
    assert [functions[k]["layers"] for k in ("ingest", "normalize-score", "newsletter")] == [
        ["common-deps", "vectora-core"], ["common-deps", "vectora-core-approche-b", "dependencies"],
        ["common-deps-3", "vectora-core-approche-b", "yaml-fix"]]
    assert functions["newsletter"]["environment"]["CACHE_BUST"] == "v11"
    assert "ENV" not in functions["newsletter"]["environment"]
    assert functions["ingest"]["tags"] == {"Env": "dev", "Project": "vectora-inbox"}
    assert functions["normalize-score"]["tags"] == {} == functions["newsletter"]["tags"]
    exceptions = {e["name"]: e for e in env["name_exceptions"]}
    assert set(exceptions) == {realdev.INGEST_ROLE, realdev.ENGINE_ROLE,
                               "vectora-inbox-dependencies"}
    assert exceptions[realdev.ENGINE_ROLE]["reason"] == \
        "role named by CloudFormation (stack vectora-inbox-s0-iam-dev, EngineRole)"
    assert exceptions["vectora-inbox-dependencies"]["reason"] == \
        "layer published by hand without -dev; on normalize-score"
    assert all(e["added"].startswith("import 20") for e in exceptions.values())
    assert [(w["file"], w["rule"], w.get("key")) for w in env["waivers"]] == [
        ("canonical/2.2.0/scoring/scoring_rules.yaml", "duplicate-key", None),
        ("clients/lai_weekly_v5/5.0.0.yaml", "reference", "bedrock_config.normalization_prompt")]

    # the repository's own lint passes: what was adopted byte for byte is listed in .yamllint
    lint = subprocess.run([sys.executable, "-m", "yamllint", "-s", "environments", "clients",
                           "canonical"], cwd=repo, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout
    ignored = (repo / ".yamllint").read_text()
    assert "  clients/lai_weekly_v5/5.0.0.yaml\n" in ignored and "  canonical/2.2.0/\n" in ignored

    # validate passes, the waived defects stay visible as warnings
    code, out, err = run(capsys, repo, "validate")
    assert code == 0, err
    assert "scoring_rules.yaml:12: warning: duplicate key 'contextual_penalties'" in out + err
    assert "5.0.0.yaml:37: warning: bedrock_config.normalization_prompt" in out + err
    assert (out + err).count("[waived in dev: live dev content adopted by import") == 2

    code, out, err = run(capsys, repo, "plan", "--env", "dev")
    assert (code, err) == (0, ""), out + err
    assert "no changes" in out

    calls: list[tuple[str, str]] = []
    remove = add_request_hook(lambda service, op, params: calls.append((service, op)))
    try:
        code, out, err = run(capsys, repo, "apply", "--env", "dev", "--yes")
    finally:
        remove()
    assert code == 0, out + err
    assert "nothing to apply" in out
    assert [op for _, op in calls if op.startswith(WRITES)] == []
    assert {op for _, op in calls} == {  # what an empty apply reads, and nothing else
        "GetCallerIdentity", "ListObjectsV2", "ListLayerVersions", "GetFunction",
        "GetLayerVersion", "GetObject"}

    assert realdev.state() == before  # every version, byte, setting and layer as it was
    assert run(capsys, repo, "drift", "--env", "dev")[0] == 0
    code, out, _ = run(capsys, repo, "import", "--env", "dev")
    assert code == 0 and "nothing written" in out  # idempotent
    assert realdev.state() == before


def test_adopted_layers_are_released_and_promoted(moto: Any, repo: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    inventory, before, _ = imported(moto, repo, capsys)
    name = "vectora-core-approche-b"
    data = inventory.layers["vectora-inbox-vectora-core-approche-b-dev"][3]
    pins_file = repo / "environments/dev/pins.yaml"
    adopted = pins_file.read_text()

    code, _, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage",
                       "--only", f"layers/{name}")
    assert code == 1 and f"release it: `vectora-gitops release layer {name} <version>`" in err \
        and "nothing else differs, so that is the only way" in err

    # no zip holds the content: refused until the user gives it, and only the right one
    code, _, err = run(capsys, repo, "release", "layer", name, "1.0.0")
    assert code == 1 and "no zip with sha256" in err and "--zip FILE" in err
    wrong = tmp_path / "wrong.zip"
    wrong.write_bytes(inventory.layers["vectora-inbox-dependencies"][1])
    code, _, err = run(capsys, repo, "release", "layer", name, "1.0.0", "--zip", str(wrong))
    assert code == 1 and "is not the pinned content" in err
    assert pins_file.read_text() == adopted and realdev.state() == before

    right = tmp_path / "approche-b.zip"
    right.write_bytes(data)
    code, out, err = run(capsys, repo, "release", "layer", name, "1.0.0", "--zip", str(right))
    assert code == 0, err
    assert f"released layer {name} 1.0.0 from 0.0.0-adopted.3" in out and "re-pinned dev" in out
    artifact = f"layers/{name}-1.0.0.zip"
    assert objects(realdev.CODE, artifact) == {artifact: data}
    # found by content in the code bucket: nothing uploaded
    code, out, err = run(capsys, repo, "release", "layer", "common-deps", "1.0.5")
    assert code == 0 and "zip s3://vectora-inbox-lambda-code-dev/layers/common-deps-1.0.5.zip" \
        in out, err
    code, _, err = run(capsys, repo, "release", "layer", name, "1.0.1")
    assert code == 1 and "no prerelease pin to release" in err

    pins = loaded(repo, "environments/dev/pins.yaml")["layers"]
    assert pins[name] == {"version": "1.0.0", "sha256": sha256(data),
                          "artifact": f"s3://{realdev.CODE}/{artifact}"}
    assert pins["common-deps"]["version"] == "1.0.5"
    git(repo, "commit", "-qam", "release adopted layers")
    code, out, err = run(capsys, repo, "plan", "--env", "dev")
    assert code == 0, out + err  # same content: the published versions stay in use

    # stage declares the layer; the promotion copies the pin as for any other layer
    edit(repo, "environments/stage/environment.yaml", "layers:\n",
         f"layers:\n  {name}:\n    name: vectora-inbox-vectora-core-approche-b-stage\n")
    git(repo, "commit", "-qam", "stage declares the approche-b layer")
    code, out, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage",
                         "--only", f"layers/{name}")
    assert code == 0, err
    assert f"layers/{name}: (absent) -> 1.0.0 ({sha256(data)[:8]})" in err
    assert loaded(repo, "environments/stage/pins.yaml")["layers"][name] == pins[name]
    git(repo, "commit", "-qam", "promote")

    aws = Aws(realdev.REGION)
    stage, stage_pins = load_env(Repository(repo), "stage")
    seed_environment(aws, dataclasses.replace(stage, stacks=()))
    seed_artifacts(aws, stage_pins)
    code, out, err = run(capsys, repo, "apply", "--env", "stage", "--yes")
    assert code == 0, out + err
    published = client("lambda").list_layer_versions(
        LayerName="vectora-inbox-vectora-core-approche-b-stage")["LayerVersions"]
    assert len(published) == 1
    content = client("lambda").get_layer_version(
        LayerName="vectora-inbox-vectora-core-approche-b-stage", VersionNumber=1)["Content"]
    assert content["CodeSha256"] == code_sha256_b64(sha256(data))
    assert objects("vectora-inbox-lambda-code-stage", artifact) == {artifact: data}
    assert run(capsys, repo, "plan", "--env", "stage")[0] == 0
