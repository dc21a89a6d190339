"""Status matrix (pure, table-driven) and the status/history commands against the moto server."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers_repo import git
from support import put, run
from vectora_gitops.desired.repo import Repository
from vectora_gitops.engine.changes import PutObject, TagFunction
from vectora_gitops.history import Record, from_json
from vectora_gitops.render import status_html, status_markdown, status_text
from vectora_gitops.render.status_html import record_row
from vectora_gitops.status import labels
from vectora_gitops.status import matrix as m
from vectora_gitops.status.collect import gather

NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)


def rec(day: int, pins: dict[str, str], result: str = "succeeded") -> Record:
    at = datetime(2025, 3, day, 9, tzinfo=UTC)
    return Record(f"r{day}", "apply", "dev", "c" * 40, pins, {}, "ci", "", at, at, result)


def put_obj(key: str) -> PutObject:
    return PutObject(key, "s", "m", 1, "update", "src")


# ---- pure logic -------------------------------------------------------------------------------

def test_live_counts_changes_of_no_pinned_deployable_as_other() -> None:
    changes = [put_obj("canonical/a"), put_obj("clients/gone.yaml"),
               TagFunction("ingest", "f", "arn", {"A": "b"}, {})]
    live = m.live_from(changes, ["canonical", "clients/lai_weekly"], ())
    assert (live.touched, live.other_changes) == (frozenset({"canonical"}), 2)


HISTORY = (rec(9, {"canonical": "2.1.0"}), rec(8, {"canonical": "2.1.0"}, "failed"),
           rec(7, {"canonical": "2.1.0"}), rec(5, {"canonical": "2.0.0"}),
           rec(3, {"canonical": "2.1.0"}))


@pytest.mark.parametrize(("records", "version", "since"), [
    (HISTORY, "2.1.0", 7),  # continuous since the 7th; the 3rd is before a break
    (HISTORY, "2.0.0", None),  # newest succeeded record has another version
    ((), "2.1.0", None),
    ((rec(4, {"canonical": "2.1.0"}, "failed"),), "2.1.0", None),
])
def test_deployed_since(records: tuple[Record, ...], version: str, since: int | None) -> None:
    got = m.deployed_since("canonical", version, records)
    assert (got.day if got else None) == since


LIVE_OK = m.Live(frozenset(), 0, HISTORY)


@pytest.mark.parametrize(("version", "live", "state"), [
    ("2.1.0", LIVE_OK, m.State.IN_SYNC),
    ("2.1.0", m.Live(frozenset({"canonical"}), 0, HISTORY), m.State.DRIFT),
    ("2.2.0", LIVE_OK, m.State.NEVER_APPLIED),
    ("2.1.0", m.Live(frozenset(), 0, (HISTORY[1],)), m.State.NEVER_APPLIED),  # only failed
    ("2.1.0", None, m.State.UNKNOWN),
    (None, LIVE_OK, m.State.NOT_PINNED),
])
def test_cell_state(version: str | None, live: m.Live | None, state: m.State) -> None:
    assert m.cell_state("canonical", version, live) is state


def env(name: str, source: str | None, pins: dict[str, str], live: m.Live | None) -> m.EnvInput:
    return m.EnvInput(name, source, pins, live, "" if live else "no credentials")


def test_build_orders_columns_and_marks_waiting_rows() -> None:
    dev = env("dev", None, {"canonical": "2.1.0", "clients/a": "1.1.0", "layers/core": "1.0.0"},
              m.Live(frozenset({"clients/a"}), 0, (rec(9, {"canonical": "2.1.0",
                                                          "clients/a": "1.1.0"}),)))
    stage = env("stage", "dev", {"canonical": "2.1.0", "clients/a": "1.0.0"}, LIVE_OK)
    prod = env("prod", "stage", {"canonical": "2.0.0"}, None)
    got = m.build([prod, stage, dev], commit="abc", now=NOW)
    assert [c.env for c in got.columns] == ["dev", "stage", "prod"]
    assert [r.selector for r in got.rows] == ["canonical", "clients/a", "layers/core"]
    table = {r.selector: [(c.version, c.state.value, c.days, c.waiting_for) for c in r.cells]
             for r in got.rows}
    assert table == {
        "canonical": [("2.1.0", "in sync", 1, None), ("2.1.0", "in sync", 3, "prod"),
                      ("2.0.0", "unknown", None, None)],
        "clients/a": [("1.1.0", "drift", 1, "stage"), ("1.0.0", "never applied", None, "prod"),
                      (None, "not pinned", None, None)],
        "layers/core": [("1.0.0", "never applied", None, "stage"),
                        (None, "not pinned", None, None), (None, "not pinned", None, None)],
    }
    assert [r.waiting for r in got.rows] == [True, True, True]
    assert (got.columns[2].known, got.columns[2].reason) == (False, "no credentials")


def test_waiting_cells_carry_the_gate_state_of_their_promotion() -> None:
    dev = env("dev", None, {"canonical": "2.1.0"}, LIVE_OK)
    stage = env("stage", "dev", {"canonical": "2.0.0"}, LIVE_OK)
    got = m.build([dev, stage], commit="abc", now=NOW, gates={"stage": "fail"})
    waiting = got.rows[0].cells[0]
    assert (waiting.waiting_for, waiting.gates) == ("stage", "fail")
    assert labels.words(waiting).waiting == "waiting for promotion to stage (gates: fail)"
    assert got.rows[0].cells[1].gates == ""


SINCE = datetime(2025, 3, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(("cell", "said"), [
    (m.Cell("2.1.0", m.State.IN_SYNC, SINCE, 9),
     labels.CellWords("2.1.0", m.State.IN_SYNC, "in sync", "since 2025-03-01 (9 d)", "")),
    (m.Cell("2.1.0", m.State.DRIFT, SINCE, 0, "prod", "fail"),
     labels.CellWords("2.1.0", m.State.DRIFT, "drift", "since 2025-03-01 (0 d)",
                      "waiting for promotion to prod (gates: fail)")),
    (m.Cell("7.2.0-dev.1", m.State.NEVER_APPLIED, None, None, "stage"),
     labels.CellWords("7.2.0-dev.1", m.State.NEVER_APPLIED, "never applied", "",
                      "waiting for promotion to stage")),
    (m.Cell("2.0.0", m.State.UNKNOWN, None, None, "prod", "unknown"),
     labels.CellWords("2.0.0", m.State.UNKNOWN, "unknown", "",
                      "waiting for promotion to prod (gates: unknown)")),
    (m.Cell(None, m.State.NOT_PINNED), labels.CellWords("", m.State.NOT_PINNED, "not pinned", "", "")),
])
def test_cell_words_once_for_every_rendering(cell: m.Cell, said: labels.CellWords) -> None:
    assert labels.words(cell) == said
    rendered = {"text": status_text.cell_text(cell), "markdown": status_markdown.cell(cell),
                "html": status_html.cell(cell)}
    shown = [w for w in (said.version, said.since, said.waiting) if w]
    if said.pinned:
        shown.append(said.state_word)
    for name, out in rendered.items():
        for word in shown:
            assert word in out, (name, word, out)
        assert "ahead of" not in out
    assert said.pinned or "not pinned" in rendered["html"]


def test_record_from_json_flattens_pins_and_tolerates_gaps() -> None:
    r = from_json({"id": "x", "pins": {"canonical": "2.1.0", "clients": {"a": "1.0.0"},
                                       "layers": {"core": {"version": "1.4.1", "sha256": "h"}}},
                   "summary": {"put_object": 3}, "started_at": "2025-03-01T10:00:00+00:00",
                   "result": "succeeded"})
    assert r.pins == {"canonical": "2.1.0", "clients/a": "1.0.0", "layers/core": "1.4.1"}
    assert (r.at, r.succeeded, r.summary) == (datetime(2025, 3, 1, 10, tzinfo=UTC), True,
                                               {"put_object": 3})
    assert from_json({}).at is None


@pytest.mark.parametrize(("result", "css"), [("succeeded", "ok"), ("failed", "failed"),
                                             ("interrupted", "failed"), ("started", "started")])
def test_history_row_marks_an_interrupted_run_as_failed(result: str, css: str) -> None:
    row = record_row(from_json({"id": "x", "result": result,
                                "started_at": "2025-03-01T10:00:00+00:00"}))
    assert f'<span class="{css}">{result}</span>' in row


# ---- against the moto server ----------------------------------------------------------------

def set_pins(repo: Path, env_name: str, source: str, *, keep_client: str | None = None) -> None:
    """Copy `source`'s pins.yaml to `env_name` (a promotion), keeping a client version if asked."""
    text = (repo / f"environments/{source}/pins.yaml").read_text()
    if keep_client:
        text = re.sub(r"(lai_weekly: ).*", rf"\g<1>{keep_client}", text)
    (repo / f"environments/{env_name}/pins.yaml").write_text(text)
    git(repo, "commit", "-q", "-am", f"promote {source} to {env_name}")


def next_second() -> None:
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)


def scripted(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """apply dev; stage at prod's pins, applied; promote dev -> stage (client kept), apply;
    a hand edit of stage's canonical bundle; prod never applied."""
    set_pins(repo, "stage", "prod")
    assert run(capsys, repo, "apply", "--env", "dev", "--yes")[0] == 0
    assert run(capsys, repo, "apply", "--env", "stage", "--yes")[0] == 0
    set_pins(repo, "stage", "dev", keep_client="7.1.0")
    next_second()  # snapshot names have a one-second resolution
    assert run(capsys, repo, "apply", "--env", "stage", "--yes")[0] == 0
    put("vectora-inbox-config-stage", "canonical/scopes/company_scopes.yaml", b"edited: by hand\n")


def states(got: m.Matrix) -> dict[str, list[tuple[str | None, str, str | None]]]:
    return {r.selector: [(c.version, c.state.value, c.waiting_for) for c in r.cells]
            for r in got.rows}


EXPECTED = {
    "canonical": [("2.1.0", "in sync", None), ("2.1.0", "drift", "prod"),
                  ("2.0.0", "never applied", None)],
    "clients/lai_weekly": [("7.2.0-dev.1", "in sync", "stage"),
                           ("7.1.0", "in sync", "prod"), ("7.0.0", "never applied", None)],
    "layers/common-deps": [("3.2.0", "in sync", None), ("3.2.0", "in sync", None),
                           ("3.2.0", "never applied", None)],
    "layers/vectora-core": [("1.4.1", "in sync", None), ("1.4.1", "in sync", "prod"),
                            ("1.4.0", "never applied", None)],
}


def test_status_after_a_scripted_sequence(seeded: Path, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    scripted(seeded, capsys)
    got = gather(Repository(seeded))
    assert states(got) == EXPECTED
    # stage -> prod: soak (14 days) cannot hold minutes after the first apply; dev -> stage has
    # no soak but E2E evidence is required and missing
    gates = {c.waiting_for: c.gates for r in got.rows for c in r.cells if c.waiting_for}
    assert gates == {"stage": "fail", "prod": "fail"}
    stage = {r.selector: r.cells[1] for r in got.rows}
    first, second = sorted(r.at for r in got.columns[1].records if r.at)
    assert stage["layers/common-deps"].since == first  # unchanged by the promotion: soaks on
    assert stage["layers/vectora-core"].since == second
    assert got.generated_at - second < timedelta(minutes=5)
    assert_renderings(seeded, capsys, tmp_path)
    assert_history(seeded, capsys)


def assert_renderings(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, repo, "status")
    assert code == 0
    assert all(len(line) <= 100 for line in out.splitlines()), out
    for word in ("dev", "stage <- dev", "prod <- stage", "drift", "never applied",
                 "waiting for promotion", "since 20"):
        assert word in out, word
    code, out, _ = run(capsys, repo, "status", "--output", "markdown")
    row = next(line for line in out.splitlines() if line.startswith("| `canonical`"))
    assert re.search(r"`2\.1\.0`<br>🟢 in sync<br>since [-0-9]+ \(0 d\) \| `2\.1\.0`<br>🟠 drift", row)
    page = tmp_path / "status.html"
    assert run(capsys, repo, "status", "--output", "html", "--out", str(page))[0] == 0
    html = page.read_text()
    assert '<td class="cell drift"><div class="ver">2.1.0</div>' in html
    assert "<script" not in html and "http" not in html.split("<body>")[0]


def assert_history(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, repo, "history", "--env", "stage")
    assert code == 0
    lines = [line for line in out.splitlines() if "succeeded" in line]
    assert len(lines) == 2 and "canonical 2.1.0" in lines[0] and "canonical 2.0.0" in lines[1]
    code, out, _ = run(capsys, repo, "history", "--env", "stage", "--limit", "1")
    assert (code, out.count("succeeded")) == (0, 1)
    assert run(capsys, repo, "history", "--env", "prod")[1] == "prod: no deployment records\n"


def test_status_without_credentials_shows_git_side(repo: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    for output in ("text", "markdown", "html"):
        code, out, err = run(capsys, repo, "status", "--output", output)
        assert (code, err) == (0, "")
        assert "unknown" in out and "7.2.0-dev.1" in out and "2.0.0" in out
        assert "live state unknown" in out and "no AWS credentials" in out


@pytest.mark.parametrize("bad", ["0", "1001", "-3"])
def test_history_limit_is_bounded(repo: Path, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, repo, "history", "--env", "dev", "--limit", bad)
    assert code == 1 and "between 1 and 1000" in err


def test_history_unknown_environment(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, repo, "history", "--env", "qa")
    assert code == 1 and "unknown environment 'qa'" in err


def test_status_out_to_a_directory_is_a_usage_error(repo: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, repo, "status", "--out", str(tmp_path))
    assert code == 1 and "is a directory" in err
