"""Drift against the moto server: hand edits, hand-attached and fake layers, heal, concurrency,
Markdown reports for the drift workflow, ignore rules; plus the pure classification."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest

from support import cli, client, function, layer_versions, put, run
from vectora_gitops.aws.client import add_request_hook
from vectora_gitops.drift.findings import Finding, apply_ignores, fingerprint
from vectora_gitops.engine.layers import code_hex, holds_pin, matching_version
from vectora_gitops.model import IgnoreRule, LayerPin
from vectora_gitops.observed import LayerVersion
from vectora_gitops.observed import layer_description as describe

CONFIG = "vectora-inbox-config-dev"
CORE = "vectora-inbox-vectora-core-dev"
INGEST = "vectora-inbox-ingest-v2-dev"
PROMPT = "canonical/prompts/matching/lai_matching.yaml"
SHA = "a" * 64


def zip_of(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/x.py", text)
    return buffer.getvalue()


def publish(name: str, data: bytes, description: str) -> str:
    arn: str = client("lambda").publish_layer_version(
        LayerName=name, Description=description, Content={"ZipFile": data})["LayerVersionArn"]
    return arn


def attach(function_name: str, arns: list[str]) -> None:
    client("lambda").update_function_configuration(FunctionName=function_name, Layers=arns)


def arns_of(name: str) -> list[str]:
    return [layer["Arn"] for layer in function(name)["Layers"]]


@pytest.fixture
def applied(seeded: Path) -> Path:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    return seeded


def hand_edits(env: str = "dev") -> None:
    """A prompt edited in S3, a layer attached next to the pinned ones, a fake layer version."""
    put(f"vectora-inbox-config-{env}", PROMPT, b"edited: in the console\n")
    core = f"vectora-inbox-vectora-core-{env}"
    extra = publish(f"vectora-inbox-extra-{env}", zip_of("extra"), "hand made")
    ingest = f"vectora-inbox-ingest-v2-{env}"
    attach(ingest, [*arns_of(ingest), extra])
    pinned = next(v["Description"] for v in layer_versions(core))
    fake = publish(core, zip_of("not the pinned content"), pinned)
    newsletter = f"vectora-inbox-newsletter-v2-{env}"
    attach(newsletter, [arns_of(newsletter)[0], fake])


def test_drift_names_each_hand_change_and_apply_repairs(applied: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, applied, "drift", "--env", "dev")[0] == 0
    hand_edits()
    code, out, _ = run(capsys, applied, "drift", "--env", "dev")
    assert code == 2
    assert f"s3:{PROMPT}" in out and "changed outside git" in out
    assert "function:ingest:layers\n" in out and "vectora-inbox-extra-dev:1" in out
    assert "function:newsletter:layers:vectora-core" in out
    assert "layer content differs from the pin" in out
    before = len(layer_versions(CORE))
    assert cli(applied, "apply", "--env", "dev", "--yes") == 0
    assert len(layer_versions(CORE)) == before
    assert run(capsys, applied, "drift", "--env", "dev")[0] == 0


def test_heal_fixes_dev_and_refuses_prod(applied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(applied, "apply", "--env", "prod", "--yes") == 0
    hand_edits("dev")
    put("vectora-inbox-config-prod", PROMPT, b"edited: in prod\n")
    code, out, err = run(capsys, applied, "drift", "--all", "--heal")
    assert code == 1
    assert "dev: healed" in out
    assert "prod: not healed: sync.self_heal is false" in err
    assert "s3:canonical/prompts/matching/lai_matching.yaml" in out  # findings still printed
    assert run(capsys, applied, "drift", "--env", "dev")[0] == 0
    assert run(capsys, applied, "drift", "--env", "prod")[0] == 2
    code, out, _ = run(capsys, applied, "drift", "--env", "dev", "--heal")
    assert code == 0


def test_all_checks_environments_concurrently(seeded: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    barrier = threading.Barrier(3, timeout=10)
    waited: set[str] = set()
    broken: list[str] = []
    lock = threading.Lock()

    def hook(*args: object) -> None:  # (service,) operation, params
        operation, params = str(args[-2]), args[-1]
        assert isinstance(params, dict)
        name = str(params.get("FunctionName") or params.get("Bucket") or "")
        env = next((e for e in ("dev", "stage", "prod") if name.endswith(f"-{e}")), None)
        if env is None:
            return
        with lock:
            first = operation == "GetFunction" and env not in waited
            if first:
                waited.add(env)
        if first:  # every environment must be inside its observe at the same time
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                broken.append(env)

    remove = add_request_hook(hook)
    try:
        code, _, err = run(capsys, seeded, "drift", "--all")
    finally:
        remove()
    assert (code, broken) == (2, []), err  # nothing applied yet: every environment drifts
    assert sorted(waited) == ["dev", "prod", "stage"]  # all three met at the barrier


def test_markdown_reports_are_stable_and_stale_ones_go(applied: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "drift"
    out_dir.mkdir()
    (out_dir / "dev.md").write_text("stale\n")
    assert run(capsys, applied, "drift", "--env", "dev", "--output", "markdown", "--out",
               str(out_dir))[0] == 0
    assert list(out_dir.iterdir()) == []  # no drift: no file, and the stale one is gone
    hand_edits("dev")
    reports = []
    for _ in range(2):
        assert run(capsys, applied, "drift", "--all", "--output", "markdown", "--out",
                   str(out_dir))[0] == 2
        reports.append((out_dir / "dev.md").read_text())
    assert reports[0] == reports[1]
    lines = reports[0].splitlines()
    assert lines[0].startswith("<!-- vectora-gitops-drift:dev fingerprint:")
    assert len(lines[0].split("fingerprint:")[1].split()[0]) == 64
    assert lines[1] == "# Drift in dev"
    assert sorted(p.name for p in out_dir.iterdir()) == ["dev.md", "prod.md", "stage.md"]
    put(CONFIG, "canonical/extra/notes.md", b"hand\n")
    run(capsys, applied, "drift", "--all", "--output", "markdown", "--out", str(out_dir))
    assert (out_dir / "dev.md").read_text().splitlines()[0] != lines[0]


def test_ignore_rules_and_json(applied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    variables = dict(function(INGEST)["Environment"]["Variables"], AWS_LAMBDA_LOG_FORMAT="JSON")
    client("lambda").update_function_configuration(FunctionName=INGEST,
                                                   Environment={"Variables": variables})
    code, out, _ = run(capsys, applied, "drift", "--env", "dev")
    assert code == 0
    assert "ignored function:ingest:env:AWS_LAMBDA_LOG_FORMAT" in out and "JSON logging" in out
    code, out, _ = run(capsys, applied, "drift", "--env", "dev", "--output", "json")
    assert code == 0 and '"ignored": "log format toggled' in out
    variables = dict(variables, LOG_LEVEL="INFO")
    del variables["DATA_BUCKET"]
    client("lambda").update_function_configuration(FunctionName=INGEST,
                                                   Environment={"Variables": variables})
    arn = function(INGEST)["FunctionArn"]
    client("lambda").tag_resource(Resource=arn, Tags={"Project": "other"})
    code, out, _ = run(capsys, applied, "drift", "--env", "dev", "--output", "json")
    found = {(f["kind"], f["resource"]) for f in json.loads(out)}
    assert code == 2 and found == {("env_added", "function:ingest:env:AWS_LAMBDA_LOG_FORMAT"),
                                   ("env_changed", "function:ingest:env:LOG_LEVEL"),
                                   ("env_removed", "function:ingest:env:DATA_BUCKET"),
                                   ("tag_changed", "function:ingest:tag:Project")}


def test_unknown_environment_is_an_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, repo, "drift", "--env", "qa")
    assert code == 1 and "unknown environment 'qa'" in err


# Pure parts: tables, no AWS.

def version(arn: str, sha: str | None) -> LayerVersion:
    return LayerVersion(arn, int(arn.rsplit(":", 1)[1]), describe("1.0.0", sha) if sha else "")


PIN = LayerPin("1.0.0", SHA, "s3://b/k.zip")


@pytest.mark.parametrize(("described", "code", "holds"), [
    (SHA, "", True),  # content unknown: the Description is trusted
    (SHA, "b" * 64, False),  # claims the pin, content differs
    (None, SHA, True),  # published by hand, same content
    (None, "", False),
    ("c" * 64, SHA, True),  # content decides
])
def test_holds_pin(described: str | None, code: str, holds: bool) -> None:
    arn = "arn:aws:lambda:eu-west-3:1:layer:l:3"
    assert holds_pin(version(arn, described), PIN, {arn: code} if code else {}) is holds


def test_matching_version_prefers_attached_real_content() -> None:
    real, fake = version("a:l:1", SHA), version("a:l:2", SHA)
    assert matching_version((real, fake), PIN, frozenset({fake.arn}), {fake.arn: "b" * 64}) == real
    assert matching_version((real, fake), PIN, frozenset({fake.arn}), {}) == fake


def test_code_hex() -> None:
    import base64

    assert code_hex(base64.b64encode(bytes.fromhex(SHA)).decode()) == SHA
    assert code_hex("") == "" and code_hex("not base64!") == ""


def test_ignore_globs_and_fingerprint() -> None:
    a = Finding("env_added", "function:ingest:env:X", "absent", "X=1")
    b = Finding("object_changed", "s3:canonical/a.yaml", "g", "e")
    marked = apply_ignores([b, a], [IgnoreRule("function:*:env:*", "known")])
    assert [f.ignored for f in marked] == ["known", ""]
    assert fingerprint(marked) == fingerprint([b]) == fingerprint(apply_ignores([b], []))
    assert fingerprint([a, b]) != fingerprint([b])
