"""Crash anywhere and converge; throttling and resets; concurrent runs; nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from crash_runner import WRITES
from helpers_repo import edit, git
from support import bad_apply, cli, client, configs, managed, objects, put, run, run_records
from vectora_gitops.aws.client import add_request_hook, add_send_hook, counting
from vectora_gitops.sandbox.artifacts import layer_zip, sha256

TESTS = Path(__file__).parent
LOCK = "deployments/lock.json"
SAMPLE_WRITES = 13  # AWS write calls of the sample apply (checked below)


def prepare_sample(repo: Path) -> None:
    """Dev applied once; then two prompts edited, a new layer build pinned, a variable changed."""
    assert cli(repo, "apply", "--env", "dev", "--yes") == 0
    edit(repo, "canonical/2.1.0/imports/glossary.md", "#", "# (edited)\n#")
    edit(repo, "canonical/2.1.0/imports/company_seed_lai.csv", "company_id", "company_key")
    data = layer_zip("vectora-core", "1.4.2")
    put("vectora-inbox-lambda-code-dev", "layers/vectora-core-1.4.2.zip", data)
    edit(repo, "environments/dev/pins.yaml", "version: 1.4.1", "version: 1.4.2")
    old_sha = sha256(layer_zip("vectora-core", "1.4.1"))
    edit(repo, "environments/dev/pins.yaml", old_sha, sha256(data))
    edit(repo, "environments/dev/pins.yaml", "vectora-core-1.4.1.zip", "vectora-core-1.4.2.zip")
    git(repo, "commit", "-qam", "the sample change")  # released versions: committed, never dirty
    edit(repo, "environments/dev/environment.yaml", 'LOG_LEVEL: "DEBUG"', 'LOG_LEVEL: "INFO"')


def write_calls(counted: dict[str, int]) -> int:
    return sum(n for op, n in counted.items() if op.startswith(WRITES))


def converged(repo: Path, capsys: pytest.CaptureFixture[str], *, crashed_record: str) -> None:
    """Apply again (after the lock expires if the crash left it) and check the end state."""
    deadline = time.monotonic() + 5
    while live_lock() and time.monotonic() < deadline:
        time.sleep(0.2)
    code, _, err = run(capsys, repo, "apply", "--env", "dev", "--yes")
    assert code == 0, err
    assert run(capsys, repo, "plan", "--env", "dev")[0] == 0
    versions = client("lambda").list_layer_versions(LayerName="vectora-inbox-vectora-core-dev")
    assert len(versions["LayerVersions"]) == 2  # 1.4.1 then 1.4.2, never twice
    assert not live_lock()
    _setup, *runs = run_records("vectora-inbox-data-dev")
    if crashed_record == "none":  # the run died before it could write anything
        assert [r["result"] for r in runs] in ([], ["succeeded"]), runs
        return
    assert runs[0]["result"] == crashed_record, runs
    assert [r["result"] for r in runs[1:]] in ([], ["succeeded"]), runs


def live_lock() -> bool:
    """A lock object that has not expired (an expired one is taken over by the next apply)."""
    body = objects("vectora-inbox-data-dev", "deployments/").get(LOCK)
    if body is None:
        return False
    expires = datetime.fromisoformat(json.loads(body)["expires_at"])
    return expires > datetime.now(UTC)


def test_sample_apply_write_count(seeded: Path) -> None:
    prepare_sample(seeded)
    with counting() as counted:
        assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert write_calls(counted.requests) == SAMPLE_WRITES, counted.requests


@pytest.mark.parametrize("k", range(1, SAMPLE_WRITES + 1))
def test_connection_error_at_each_write_converges(k: int, seeded: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_LOCK_TTL_SECONDS", "1")
    prepare_sample(seeded)
    seen = [0]

    def fail_kth(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation.startswith(WRITES):
            seen[0] += 1
            if seen[0] == k:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1/injected")

    remove = add_request_hook(fail_kth)
    try:
        code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    finally:
        remove()
    # k=1 is the lock itself: nothing ran. k=SAMPLE_WRITES-1 is the closing record, written again
    # once; k=SAMPLE_WRITES is the unlock, after every change was made (the lock then expires).
    exit_code, record = {1: (1, "none"), SAMPLE_WRITES - 1: (0, "succeeded"),
                         SAMPLE_WRITES: (1, "succeeded")}.get(
        k, (1, "failed"))
    assert code == exit_code and "Traceback" not in err
    assert code == 0 or "cannot reach" in err
    converged(seeded, capsys, crashed_record=record)


@pytest.mark.parametrize("k", range(1, SAMPLE_WRITES, 3))  # 1, 4, 7, 10
def test_killed_at_a_write_converges(k: int, seeded: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_LOCK_TTL_SECONDS", "1")
    prepare_sample(seeded)
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    proc = subprocess.run([sys.executable, str(TESTS / "crash_runner.py"), str(k), "--",
                           "--repo", str(seeded), "apply", "--env", "dev", "--yes"],
                          env=env, capture_output=True, timeout=60, check=False)
    assert proc.returncode == -9, proc.stderr.decode()[-500:]
    time.sleep(1.1)  # the dead run's lock expires
    converged(seeded, capsys, crashed_record="none" if k == 1 else "interrupted")


RESTORE = ("snapshot", "restore", "--env", "dev", "--name", "good", "--yes")
RESTORE_WRITES = 9  # AWS write calls of the sample restore (checked below): lock, opening record,
# pre-restore snapshot (manifest, summary), object put back, object deleted, function put back,
# closing record, unlock
Before = tuple[dict[str, bytes], dict[str, Any]]


def prepare_restore(repo: Path) -> Before:
    """Dev applied and snapshotted as "good", then a bad apply and hand changes to undo (one
    object to put back, one to delete, one function's layers and variables)."""
    assert cli(repo, "apply", "--env", "dev", "--yes") == 0
    assert cli(repo, "snapshot", "create", "--env", "dev", "--name", "good") == 0
    before = managed(), configs()
    bad_apply(repo)
    assert managed() != before[0] and configs() != before[1]
    return before


def restore_results() -> list[str]:
    return [r["result"] for r in run_records("vectora-inbox-data-dev") if r["kind"] == "restore"]


def restored(repo: Path, capsys: pytest.CaptureFixture[str], before: Before, *,
             expected: list[str], said: str = "") -> None:
    """Restore again (after the lock expires if the crash left it) and check the end state, the
    restore records (oldest first) and what the second restore said about a lock left behind."""
    deadline = time.monotonic() + 5
    while live_lock() and time.monotonic() < deadline:
        time.sleep(0.2)
    code, _, err = run(capsys, repo, *RESTORE)
    assert code == 0, err
    assert said in err and ("expired lock" in err) == bool(said), err
    assert managed() == before[0] and configs() == before[1]
    assert not live_lock() and LOCK not in objects("vectora-inbox-data-dev", "deployments/")
    assert restore_results() == expected


def test_sample_restore_write_count(seeded: Path) -> None:
    prepare_restore(seeded)
    with counting() as counted:
        assert cli(seeded, *RESTORE) == 0
    assert write_calls(counted.requests) == RESTORE_WRITES, counted.requests


@pytest.mark.parametrize("k", range(1, RESTORE_WRITES + 1))
def test_restore_connection_error_at_each_write_converges(
        k: int, seeded: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_LOCK_TTL_SECONDS", "1")
    before = prepare_restore(seeded)
    seen = [0]

    def fail_kth(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation.startswith(WRITES):
            seen[0] += 1
            if seen[0] == k:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1/injected")

    remove = add_request_hook(fail_kth)
    try:
        code, _, err = run(capsys, seeded, *RESTORE)
    finally:
        remove()
    assert "Traceback" not in err
    last = RESTORE_WRITES
    assert code == (0 if k == last - 1 else 1) and (code == 0 or "cannot reach" in err), err
    said = ""
    if k == 1:  # the lock itself: nothing ran, nothing recorded
        expected = ["succeeded"]
    elif k == last - 1:  # the closing record: written again, the run succeeded
        expected = ["succeeded"]  # the second restore has nothing to do
    elif k == last:  # the unlock, after everything was restored: the lock is left to expire
        expected, said = ["succeeded"], "removed the expired lock of pytest"
    else:  # the lock was released, the record closed as failed with the error
        expected = ["failed", "succeeded"]
    restored(seeded, capsys, before, expected=expected, said=said)


@pytest.mark.parametrize("k", (2, 3, 5, RESTORE_WRITES - 1, RESTORE_WRITES))
def test_restore_killed_at_a_write_converges(k: int, seeded: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_LOCK_TTL_SECONDS", "1")
    before = prepare_restore(seeded)
    killed_restore(seeded, k)
    last = RESTORE_WRITES
    said = "took over the expired lock of pytest"
    if k == 1:  # at the lock: nothing was written
        expected, said = ["succeeded"], ""
    elif k == 2:  # at the opening record: the lock names a record that was never written
        expected = ["succeeded"]
    elif k == last - 1:  # at the closing record: all was restored, the record says `started`
        # closed by the second restore, which has nothing to do but clear the lock
        expected, said = ["interrupted"], "removed the expired lock of pytest"
    elif k == last:  # at the unlock: the record was closed, only the lock is left
        expected, said = ["succeeded"], "removed the expired lock of pytest"
    else:
        expected = ["interrupted", "succeeded"]
    restored(seeded, capsys, before, expected=expected, said=said)


def test_killed_restore_is_closed_by_the_next_apply(seeded: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECTORA_LOCK_TTL_SECONDS", "1")
    prepare_restore(seeded)
    killed_restore(seeded, 5)
    assert restore_results() == ["started"]
    assert LOCK in objects("vectora-inbox-data-dev", "deployments/")
    time.sleep(1.1)  # the dead run's lock expires
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 0 and "took over the expired lock of pytest" in err
    assert restore_results() == ["interrupted"]
    assert LOCK not in objects("vectora-inbox-data-dev", "deployments/")
    assert run(capsys, seeded, "plan", "--env", "dev")[0] == 0


def killed_restore(repo: Path, k: int) -> None:
    """`snapshot restore` in a child process killed (SIGKILL) at its k-th AWS write."""
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    proc = subprocess.run([sys.executable, str(TESTS / "crash_runner.py"), str(k), "--",
                           "--repo", str(repo), *RESTORE],
                          env=env, capture_output=True, timeout=60, check=False)
    assert proc.returncode == -9, proc.stderr.decode()[-500:]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self.body


def throttled(service: str, operation: str) -> AWSResponse:
    if service == "s3":
        body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        return AWSResponse("http://127.0.0.1/", 503, {}, _Raw(body))
    if service in ("sns", "sts"):  # query protocol: errors are XML
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                b"<Message>Rate exceeded</Message></Error></ErrorResponse>")
        return AWSResponse("http://127.0.0.1/", 400, {}, _Raw(body))
    if service == "cloudwatch":  # CBOR protocol: a bare 503, retried as a transient error
        return AWSResponse("http://127.0.0.1/", 503, {}, _Raw(b""))
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
    return AWSResponse("http://127.0.0.1/", 429, {"x-amzn-ErrorType": "ThrottlingException"},
                       _Raw(body))


def test_thirty_percent_faults_still_apply(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import random

    rng = random.Random(7)
    injected = {"throttle": 0, "reset": 0}
    streak = threading.local()  # faults in a row on this thread: retries of one call

    def faults(service: str, operation: str) -> AWSResponse | None:
        # at most 3 faults in a row for one call, so the bound of 6 attempts always suffices
        if rng.random() >= 0.3 or getattr(streak, "n", 0) >= 3:
            streak.n = 0
            return None
        streak.n = getattr(streak, "n", 0) + 1
        if rng.random() < 0.5:
            injected["reset"] += 1
            raise ConnectionClosedError(endpoint_url="http://127.0.0.1/injected-reset")
        injected["throttle"] += 1
        return throttled(service, operation)

    remove = add_send_hook(faults)
    try:
        with counting() as counted:
            code, out, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    finally:
        remove()
    assert code == 0, err
    with capsys.disabled():
        print(f"\nfaults injected: {injected}, calls {counted.total}, retries {counted.retries}")
    assert injected["throttle"] > 5 and injected["reset"] > 5
    assert counted.retries >= injected["throttle"]
    assert f"{counted.retries} retried request(s)" in out
    assert run(capsys, seeded, "plan", "--env", "dev")[0] == 0


def test_two_applies_at_once_exactly_one_proceeds(seeded: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    # each run's three function updates take 1 s longer: the winner holds the lock for 3 s+
    cmd = [sys.executable, str(TESTS / "slow_runner.py"), "1", "--", "--repo", str(seeded),
           "apply", "--env", "dev", "--yes"]
    started = time.monotonic()
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    results = []
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        results.append((proc.returncode, err.decode(), time.monotonic() - started))
    codes = sorted(r[0] for r in results)
    assert codes == [0, 1], results
    loser = next(r for r in results if r[0] == 1)
    assert "is locked by pytest" in loser[1] and "Traceback" not in loser[1]
    assert len(run_records("vectora-inbox-data-dev")) == 1


def test_different_environments_do_not_block(seeded: Path, tmp_path: Path) -> None:
    """dev and stage applied at once; each run, holding its lock, waits (barrier_runner.py) until
    the other holds its own, so both succeed only if the two locks are held at the same time."""
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    pairs = (("dev", "stage"), ("stage", "dev"))
    procs = [subprocess.Popen([sys.executable, str(TESTS / "barrier_runner.py"), str(tmp_path),
                               name, peer, "45", "--", "--repo", str(seeded), "apply", "--env",
                               name, "--yes"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for name, peer in pairs]
    results = []
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, err.decode()[-800:]))
    assert [r[0] for r in results] == [0, 0], results
    for name, _peer in pairs:  # each passed the barrier holding its own environment's lock
        marker = (tmp_path / f"{name}.locked").read_text()
        assert marker == f"vectora-inbox-data-{name}\n"
        records = run_records(f"vectora-inbox-data-{name}")
        assert [r["result"] for r in records] == ["succeeded"]
        assert LOCK not in objects(f"vectora-inbox-data-{name}", "deployments/")


def test_ctrl_c_releases_the_lock(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupt(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "UpdateFunctionConfiguration":
            raise KeyboardInterrupt

    remove = add_request_hook(interrupt)
    try:
        code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    finally:
        remove()
    assert code == 1 and "interrupted" in err
    assert LOCK not in objects("vectora-inbox-data-dev", "deployments/")
    [record] = run_records("vectora-inbox-data-dev")
    assert record["result"] == "failed"


def test_overwrite_and_delete_are_recoverable_from_versions(seeded: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    bucket = "vectora-inbox-config-dev"
    before = objects(bucket, "canonical/")
    put(bucket, "canonical/old/retired.md", b"# retired file\n")
    edit(seeded, "canonical/2.1.0/imports/glossary.md", "#", "# (rewritten)\n#")
    git(seeded, "commit", "-qam", "rewritten")
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes", "--prune")[0] == 0
    s3 = client("s3")
    recovered = {}
    for key in ("canonical/imports/glossary.md", "canonical/old/retired.md"):
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
        (older,) = [v for v in versions if not v["IsLatest"]]  # the delete marker or new content is
        body = s3.get_object(Bucket=bucket, Key=key, VersionId=older["VersionId"])["Body"].read()
        recovered[key] = body
    assert recovered["canonical/imports/glossary.md"] == before["canonical/imports/glossary.md"]
    assert recovered["canonical/old/retired.md"] == b"# retired file\n"


def test_sandbox_refuses_a_remote_endpoint(repo: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for url in ("http://10.0.0.5:4566", "https://s3.eu-west-3.amazonaws.com", "http://192.168.1.2"):
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        code, _, err = run(capsys, repo, "sandbox", "status")
        assert code == 1 and "127.0.0.0/8" in err
