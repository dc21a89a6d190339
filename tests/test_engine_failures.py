"""Failure paths of plan and apply: one clear line, exit 1, no traceback, nothing half-done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import client, objects, run, run_records
from vectora_gitops.aws.client import add_request_hook

ALL_DAY = """deny_windows:
  - days: [mon, tue, wed, thu, fri, sat, sun]
    start: "00:00"
    end: "23:59"
    timezone: UTC
    reason: test freeze
"""


def set_deny_window(repo: Path) -> None:
    path = repo / "environments/dev/environment.yaml"
    text = path.read_text()
    assert "deny_windows: []" in text
    path.write_text(text.replace("deny_windows: []\n", ALL_DAY))


def test_deny_window_refuses_unless_overridden(seeded: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    set_deny_window(seeded)
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 1 and "deny window" in err and "test freeze" in err
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes", "--override-window")
    assert code == 1 and "--reason" in err
    code, _, _ = run(capsys, seeded, "apply", "--env", "dev", "--yes", "--override-window",
                     "--reason", "hotfix for the weekly run")
    assert code == 0
    [record] = run_records("vectora-inbox-data-dev")
    assert record["override_window_reason"] == "hotfix for the weekly run"


def test_missing_credentials_is_one_line(seeded: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    code, _, err = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 1 and "GetCallerIdentity: no AWS credentials" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unreachable_endpoint_is_one_line(repo: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from vectora_gitops.sandbox.server import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    code, _, err = run(capsys, repo, "plan", "--env", "dev")
    assert code == 1 and "GetCallerIdentity: cannot reach" in err
    assert len(err.strip().splitlines()) == 1


def deny(operation: str) -> Any:
    def hook(service: str, op: str, params: dict[str, Any]) -> None:
        if op == operation:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, op)
    return hook


def test_access_denied_names_call_and_resource(seeded: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    remove = add_request_hook(deny("GetFunction"))
    try:
        code, _, err = run(capsys, seeded, "plan", "--env", "dev")
    finally:
        remove()
    assert code == 1 and "GetFunction vectora-inbox-" in err and "AccessDenied" in err
    assert "iam-policy" in err and "Traceback" not in err


def test_failed_apply_leaves_failed_record_and_no_lock(seeded: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    remove = add_request_hook(deny("UpdateFunctionConfiguration"))
    try:
        code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    finally:
        remove()
    assert code == 1 and "UpdateFunctionConfiguration" in err
    records = run_records("vectora-inbox-data-dev")
    assert [r["result"] for r in records] == ["failed"]
    assert "AccessDenied" in records[0]["error"]
    assert "deployments/lock.json" not in objects("vectora-inbox-data-dev", "deployments/")
    code, _, _ = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 0
    versions = client("lambda").list_layer_versions(LayerName="vectora-inbox-vectora-core-dev")
    assert len(versions["LayerVersions"]) == 1
