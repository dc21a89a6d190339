"""A lock object that cannot be trusted (hand-written, truncated, from another tool) is one clear
error naming the object, what is wrong and how to clear it: for apply, for an apply with nothing
to do (which clears expired locks) and for snapshot restore; nothing is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from support import CONFIG, cli, objects, put, run
from vectora_gitops.engine.lock import MAX_TTL_S, parse
from vectora_gitops.errors import LockedError

DATA = "vectora-inbox-data-dev"
LOCK = "deployments/lock.json"
WHERE = f"s3://{DATA}/{LOCK}"
SHAPES = ("no expires_at", "naive time", "year 9999", "not JSON", "not an object",
          "expires_at not a time", "owner not text")


def good_lock(now: datetime) -> dict[str, object]:
    return {"owner": "alice", "token": "t1", "run_url": "", "record_id": "",
            "acquired_at": (now - timedelta(minutes=1)).isoformat(timespec="seconds"),
            "expires_at": (now + timedelta(minutes=10)).isoformat(timespec="seconds")}


def bad_lock(shape: str) -> tuple[bytes, str]:
    """The lock object's bytes for one bad shape, and what the error must say is wrong."""
    body = good_lock(datetime.now(UTC))
    if shape == "not JSON":
        return b'{"owner": "alice", "expires_at": ', "not valid JSON"
    if shape == "not an object":
        return b'["alice", "2026-01-01T00:00:00+00:00"]', "not a JSON object"
    if shape == "no expires_at":
        del body["expires_at"]
        return json.dumps(body).encode(), "no expires_at field"
    if shape == "naive time":
        body["expires_at"] = str(body["expires_at"])[:19]
        return json.dumps(body).encode(), "has no time zone"
    if shape == "year 9999":
        body["expires_at"] = "9999-12-31T23:59:59+00:00"
        return json.dumps(body).encode(), "more than 24 h after acquired_at"
    if shape == "expires_at not a time":
        body["expires_at"] = "when the run ends"
        return json.dumps(body).encode(), "is not an ISO 8601 time"
    assert shape == "owner not text"
    body["owner"] = 42
    return json.dumps(body).encode(), "owner is 42, not a non-empty string"


def refused(err: str, what: str) -> None:
    """One clear error: the object, what is wrong, how to clear it; no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{WHERE}: bad lock: ") and what in lines[0], err
    assert f"if no run is in progress, delete it: aws s3 rm {WHERE}" in lines[0], err
    assert "Traceback" not in err and "forever" not in err


def records() -> dict[str, bytes]:
    return objects(DATA, "deployments/records/")


@pytest.mark.parametrize("shape", SHAPES)
def test_apply_refuses_a_bad_lock(shape: str, seeded: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    body, what = bad_lock(shape)
    put(DATA, LOCK, body)
    before = objects(CONFIG)
    code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
    assert code == 1
    refused(err, what)
    assert objects(DATA, LOCK)[LOCK] == body  # left for a human to look at
    assert records() == {} and objects(CONFIG) == before


def test_apply_with_nothing_to_do_refuses_a_bad_lock(seeded: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    done = records()
    for shape in SHAPES:
        body, what = bad_lock(shape)
        put(DATA, LOCK, body)
        code, out, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
        assert code == 1 and "nothing to apply" not in out, shape
        refused(err, what)
        assert objects(DATA, LOCK)[LOCK] == body and records() == done


def test_restore_refuses_a_bad_lock(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert cli(seeded, "snapshot", "create", "--env", "dev", "--name", "good") == 0
    put(CONFIG, "canonical/reference/new.md", b"created after the snapshot\n")
    before, done = objects(CONFIG), records()
    for shape in SHAPES:
        body, what = bad_lock(shape)
        put(DATA, LOCK, body)
        code, out, err = run(capsys, seeded, "snapshot", "restore", "--env", "dev", "--name",
                             "good", "--yes")
        assert code == 1 and "delete canonical/reference/new.md" in out, shape
        refused(err, what)
        assert objects(DATA, LOCK)[LOCK] == body and records() == done
        assert objects(CONFIG) == before  # no pre-restore snapshot either


def test_the_lock_limits() -> None:
    """At the edges: 24 h is the longest a lock may run, a `Z` suffix is a time zone."""
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    body = good_lock(now)
    body.update(acquired_at="2026-06-01T12:00:00Z", expires_at="2026-06-02T12:00:00Z")
    held = parse(json.dumps(body).encode(), bucket=DATA, now=now)
    assert held.expires_at - held.acquired_at == timedelta(seconds=MAX_TTL_S)
    assert not held.expired(now) and held.expired(now + timedelta(days=1))
    body.update(expires_at="2026-06-02T12:00:01+00:00")
    with pytest.raises(LockedError, match="more than 24 h after acquired_at"):
        parse(json.dumps(body).encode(), bucket=DATA, now=now)
    body.update(acquired_at="2026-06-03T12:00:00+00:00", expires_at="2026-06-03T12:30:00+00:00")
    with pytest.raises(LockedError, match="more than 24 h after now"):  # acquired in the future
        parse(json.dumps(body).encode(), bucket=DATA, now=now)


def test_a_bad_lock_ttl_setting_is_one_clear_error(seeded: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("soon", "0", str(MAX_TTL_S + 1)):
        monkeypatch.setenv("VECTORA_LOCK_TTL_SECONDS", value)
        code, _, err = run(capsys, seeded, "apply", "--env", "dev", "--yes")
        assert code == 1 and f"VECTORA_LOCK_TTL_SECONDS={value}: " in err
        assert "Traceback" not in err and LOCK not in objects(DATA, "deployments/")
