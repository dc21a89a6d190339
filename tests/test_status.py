"""Status matrix (pure, table-driven) and the status/history commands against the moto server."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers_repo import git
from support import client, put, run
from vectora_gitops.aws.lambda_ import parse_last_modified
from vectora_gitops.desired.repo import Repository
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import (
    Change,
    DeleteObject,
    LayerRef,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
)
from vectora_gitops.history import Record, from_json
from vectora_gitops.masking import mask
from vectora_gitops.model import Gates
from vectora_gitops.observed import FunctionConfig, S3Object
from vectora_gitops.promotion.gates import Deployment, Evidence, GateResult, Inputs, evaluate
from vectora_gitops.promotion.pins import PinChange
from vectora_gitops.render import status_html, status_markdown, status_text
from vectora_gitops.render.status_html import record_row
from vectora_gitops.status import collect, labels
from vectora_gitops.status import details as d
from vectora_gitops.status import matrix as m
from vectora_gitops.status.collect import gather
from vectora_gitops.status.details import Detail

NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)


def rec(day: int, pins: dict[str, str], result: str = "succeeded") -> Record:
    at = datetime(2025, 3, day, 9, tzinfo=UTC)
    return Record(f"r{day}", "apply", "dev", "c" * 40, pins, {}, "ci", "", at, at, result)


def put_obj(key: str, action: str = "update") -> PutObject:
    return PutObject(key, "s", "m", 1, action, "src")


CHANGED_AT = datetime(2025, 3, 9, 8, 30, tzinfo=UTC)
FN_AT = datetime(2025, 3, 9, 10, 15, tzinfo=UTC)


def actual(**written: tuple[str, str]) -> ActualState:
    """AWS holding canonical/a and clients/gone.yaml (both modified at CHANGED_AT) and function
    ingest (modified at FN_AT); `written`: what the tool wrote (key -> sha256, ETag)."""
    objects = {k: S3Object(k, "e1", 1, CHANGED_AT.isoformat())
               for k in ("canonical/a", "clients/gone.yaml", "canonical/extra.yaml")}
    ingest = FunctionConfig("ingest-dev", "arn", (), {}, {}, "python3.12", "h", "c",
                            last_modified=FN_AT)
    return ActualState(objects, {}, {"ingest": ingest}, written)


# ---- pure logic -------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "when"), [
    ("2019-08-14T22:26:11.234+0000", datetime(2019, 8, 14, 22, 26, 11, 234000, tzinfo=UTC)),  # AWS
    ("2026-12-02T11:07:15.123456000Z", datetime(2026, 12, 2, 11, 7, 15, 123456, tzinfo=UTC)),  # moto
    ("2026-12-02T13:07:15+02:00", datetime(2026, 12, 2, 11, 7, 15, tzinfo=UTC)),
    ("", None), (None, None), ("yesterday", None),
])
def test_lambda_last_modified(value: object, when: datetime | None) -> None:
    got = parse_last_modified(value)
    assert got == when and (got is None or got.tzinfo == UTC)


def test_live_places_each_change_on_its_row() -> None:
    changes = [put_obj("canonical/a"), put_obj("clients/gone.yaml"),
               TagFunction("ingest", "f", "arn", {"A": "b"}, {}),
               UpdateFunction("ingest", "f", env_before={"LOG_LEVEL": mask("DEBUG")},
                              env_after={"LOG_LEVEL": "INFO"})]
    live = m.live_from(changes, actual(), ["canonical", "clients/lai_weekly"], ["ingest"], ())
    assert live.touched == frozenset({"canonical", "functions/ingest"})
    assert live.details["canonical"] == (Detail(d.OBJECT_CHANGED, "canonical/a", since=CHANGED_AT),)
    assert live.details["functions/ingest"] == (
        Detail(d.TAG_MISSING, "A", "ingest", "", "b"),
        Detail(d.ENV_CHANGED, "LOG_LEVEL", "ingest", mask("DEBUG"), "INFO", FN_AT))
    assert live.other == (Detail(d.OBJECT_CHANGED, "clients/gone.yaml", since=CHANGED_AT),)


def test_a_declared_function_missing_in_aws_is_drift() -> None:
    """The plan has no change for it (stacks create functions), but the matrix says so."""
    live = m.live_from([], actual(), ["canonical"], ["ingest", "newsletter"], ())
    assert live.details == {"functions/newsletter": (Detail(d.FUNCTION_MISSING, "newsletter",
                                                            "newsletter"),)}
    said = labels.detail(live.details["functions/newsletter"][0], on_function=True)
    assert said == "function newsletter missing in AWS, since unknown"


@pytest.mark.parametrize(("change", "written", "detail"), [
    (put_obj("canonical/a"), {}, Detail(d.OBJECT_CHANGED, "canonical/a", since=CHANGED_AT)),
    # AWS holds what the tool wrote earlier (another sha256): git's bytes are not applied yet
    (put_obj("canonical/a"), {"canonical/a": ("old", "e1")},
     Detail(d.OBJECT_EARLIER, "canonical/a", since=CHANGED_AT)),
    (put_obj("canonical/b", "create"), {}, Detail(d.OBJECT_MISSING, "canonical/b")),
    (DeleteObject("canonical/extra.yaml", "e1"), {},
     Detail(d.OBJECT_EXTRA, "canonical/extra.yaml", since=CHANGED_AT)),
    (PublishLayer("core", "core-dev", "1.4.1", "h", "b", "k"), {},
     Detail(d.LAYER_MISSING, "core", git="1.4.1")),
    (UpdateFunction("ingest", "f", ("arn:aws:lambda:r:1:layer:core-dev:1",),
                    (LayerRef("core", "h"),)), {},
     Detail(d.LAYER_NOT_ATTACHED, "core", "ingest", "core-dev:1", since=FN_AT)),
    (UpdateFunction("ingest", "f", ("arn:aws:lambda:r:1:layer:b:1", "arn:aws:lambda:r:1:layer:a:1"),
                    (LayerRef("a", "h", "arn:aws:lambda:r:1:layer:a:1"),
                     LayerRef("b", "h", "arn:aws:lambda:r:1:layer:b:1"))), {},
     Detail(d.LAYER_ORDER, "layers", "ingest", "b:1, a:1", "a, b", FN_AT)),
])
def test_what_each_change_says_and_since_when(change: Change, written: dict[str, tuple[str, str]],
                                               detail: Detail) -> None:
    assert [x for _, x in d.of_change(change, actual(**written))] == [detail]


def test_variables_are_shown_as_masking_shows_them() -> None:
    """AWS's side comes masked from the diff; git's is masked here when named like a secret."""
    got = d.env_details("ingest", {"API_KEY": mask("hand"), "EXTRA": mask("x"), "SAME": "1"},
                        {"API_KEY": "from-git", "GONE": "v", "SAME": "1"}, FN_AT)
    assert got == [Detail(d.ENV_CHANGED, "API_KEY", "ingest", mask("hand"), mask("from-git"), FN_AT),
                   Detail(d.ENV_ADDED, "EXTRA", "ingest", mask("x"), "", FN_AT),
                   Detail(d.ENV_REMOVED, "GONE", "ingest", "", "v", FN_AT)]
    words = [labels.detail(x, on_function=True) for x in got]
    assert words == [f"API_KEY = {mask('hand')} (git: {mask('from-git')}), since 2025-03-09 10:15 UTC",
                     f"EXTRA = {mask('x')} (not in git), since 2025-03-09 10:15 UTC",
                     "GONE missing (git: v), since 2025-03-09 10:15 UTC"]
    assert "hand" not in " ".join(words) and "from-git" not in " ".join(words)


@pytest.mark.parametrize(("detail", "said"), [
    (Detail(d.OBJECT_CHANGED, "canonical/a", since=CHANGED_AT),
     "canonical/a changed outside git, since 2025-03-09 08:30 UTC"),
    (Detail(d.OBJECT_EARLIER, "canonical/a", since=CHANGED_AT),
     "canonical/a holds an earlier apply (git's bytes not applied yet), since 2025-03-09 08:30 UTC"),
    (Detail(d.OBJECT_MISSING, "canonical/b"), "canonical/b missing in AWS, since unknown"),
    (Detail(d.OBJECT_EXTRA, "clients/old.yaml", git="retired: moved to new"),
     "clients/old.yaml to be deleted (retired: moved to new), since unknown"),
    (Detail(d.LAYER_MISSING, "core", git="1.4.1"), "layer core 1.4.1 not published in AWS, since unknown"),
    (Detail(d.LAYER_NOT_ATTACHED, "core", "ingest", "core-dev:1", since=FN_AT),
     "ingest: core pin not attached (carries core-dev:1), since 2025-03-09 10:15 UTC"),
    (Detail(d.TAG_CHANGED, "Team", "ingest", "x", "y"), "ingest: tag Team = x (git: y), since unknown"),
])
def test_detail_words(detail: Detail, said: str) -> None:
    assert labels.detail(detail) == said


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


def live(*touched: str, records: tuple[Record, ...] = HISTORY) -> m.Live:
    return m.Live({t: (Detail(d.OBJECT_CHANGED, f"{t}/x"),) for t in touched}, (), records)


LIVE_OK = live()


@pytest.mark.parametrize(("version", "state_live", "state"), [
    ("2.1.0", LIVE_OK, m.State.IN_SYNC),
    ("2.1.0", live("canonical"), m.State.DRIFT),
    ("2.2.0", LIVE_OK, m.State.NEVER_APPLIED),
    ("2.1.0", live(records=(HISTORY[1],)), m.State.NEVER_APPLIED),  # only failed
    ("2.1.0", None, m.State.UNKNOWN),
    (None, LIVE_OK, m.State.NOT_PINNED),
])
def test_cell_state(version: str | None, state_live: m.Live | None, state: m.State) -> None:
    assert m.cell_state("canonical", version, state_live) is state


def env(name: str, source: str | None, pins: dict[str, str], state_live: m.Live | None,
        functions: tuple[str, ...] = ()) -> m.EnvInput:
    return m.EnvInput(name, source, pins, state_live, "" if state_live else "no credentials",
                      functions)


@pytest.mark.parametrize(("functions", "state_live", "state"), [
    (("ingest",), LIVE_OK, m.State.IN_SYNC),
    (("ingest",), live("functions/ingest"), m.State.DRIFT),
    (("ingest",), live(records=()), m.State.NEVER_APPLIED),  # no deployment of the environment
    (("ingest",), live(records=(HISTORY[1],)), m.State.NEVER_APPLIED),  # none succeeded
    (("ingest",), None, m.State.UNKNOWN),
    ((), LIVE_OK, m.State.NOT_PINNED),
])
def test_function_state(functions: tuple[str, ...], state_live: m.Live | None,
                        state: m.State) -> None:
    assert m.function_state("functions/ingest", env("dev", None, {}, state_live, functions)) is state


def test_build_orders_columns_and_marks_waiting_rows() -> None:
    dev = env("dev", None, {"canonical": "2.1.0", "clients/a": "1.1.0", "layers/core": "1.0.0"},
              m.Live({"clients/a": ()}, (), (rec(9, {"canonical": "2.1.0", "clients/a": "1.1.0"}),)),
              ("ingest",))
    stage = env("stage", "dev", {"canonical": "2.1.0", "clients/a": "1.0.0"}, LIVE_OK, ("ingest",))
    prod = env("prod", "stage", {"canonical": "2.0.0"}, None, ("ingest",))
    got = m.build([prod, stage, dev], commit="abc", now=NOW)
    assert [c.env for c in got.columns] == ["dev", "stage", "prod"]
    assert [r.selector for r in got.rows] == ["canonical", "clients/a", "layers/core",
                                              "functions/ingest"]
    table = {r.selector: [(c.version, c.state.value, c.days, c.waiting_for) for c in r.cells]
             for r in got.rows}
    assert table == {
        "canonical": [("2.1.0", "in sync", 1, None), ("2.1.0", "in sync", 3, "prod"),
                      ("2.0.0", "unknown", None, None)],
        "clients/a": [("1.1.0", "drift", 1, "stage"), ("1.0.0", "never applied", None, "prod"),
                      (None, "not pinned", None, None)],
        "layers/core": [("1.0.0", "never applied", None, "stage"),
                        (None, "not pinned", None, None), (None, "not pinned", None, None)],
        "functions/ingest": [(None, "in sync", None, None), (None, "in sync", None, None),
                             (None, "unknown", None, None)],
    }
    assert [r.waiting for r in got.rows] == [True, True, True, False]
    assert (got.columns[2].known, got.columns[2].reason) == (False, "no credentials")


def test_function_drift_sits_in_its_environments_column() -> None:
    """A variable changed by hand on stage's function: a drift cell in stage's column naming the
    variable (masked) and since when; no "other changes" note."""
    hand = Detail(d.ENV_CHANGED, "LOG_LEVEL", "ingest", mask("DEBUG"), "INFO", FN_AT)
    dev = env("dev", None, {"canonical": "2.1.0"}, LIVE_OK, ("ingest",))
    stage = env("stage", "dev", {"canonical": "2.1.0"},
                m.Live({"functions/ingest": (hand,)}, (), HISTORY), ("ingest",))
    got = m.build([dev, stage], commit="abc", now=NOW)
    row = got.rows[-1]
    assert (labels.row_name(row), [c.state for c in row.cells]) == (
        "function ingest", [m.State.IN_SYNC, m.State.DRIFT])
    said = labels.words(row.cells[1])
    assert said.details == (f"LOG_LEVEL = {mask('DEBUG')} (git: INFO), since 2025-03-09 10:15 UTC",)
    assert said.version is None and said.since == "" and said.waiting == ""
    assert labels.notes(got) == ["stage: AWS differs from git in 1 row(s); every difference: "
                                 "vectora-gitops drift --env stage; to put git's state back: "
                                 "vectora-gitops apply --env stage"]
    text = status_text.text(got, color=False)
    assert "LOG_LEVEL = ***sha256:" in text and "other change" not in text


def test_a_drift_cell_lists_three_details_and_counts_the_rest() -> None:
    many = tuple(Detail(d.OBJECT_CHANGED, f"canonical/{i}") for i in range(5))
    cell = m.Cell("2.1.0", m.State.DRIFT, details=many, env="stage")
    assert labels.words(cell).details == (
        "canonical/0 changed outside git, since unknown",
        "canonical/1 changed outside git, since unknown",
        "canonical/2 changed outside git, since unknown",
        "and 2 more: vectora-gitops drift --env stage")


def test_other_changes_are_named() -> None:
    stage = env("stage", None, {"canonical": "2.1.0"},
                m.Live({}, (Detail(d.OBJECT_EXTRA, "notes/readme.txt", since=CHANGED_AT),), HISTORY))
    assert labels.notes(m.build([stage], commit="abc", now=NOW)) == [
        "stage: 1 other change(s) pending (notes/readme.txt not in git, since 2025-03-09 08:30 UTC); "
        "see vectora-gitops plan --env stage"]


SOAK_START = datetime(2025, 3, 8, 9, tzinfo=UTC)


def soak_results(soak_days: int, *, e2e: bool) -> tuple[GateResult, ...]:
    """The gates of a promotion as promotion/gates.py evaluates them: canonical 2.1.0 applied to
    dev at SOAK_START, no E2E result."""
    digest = "a" * 64
    deployment = Deployment("r1", "succeeded", SOAK_START, {"canonical": "2.1.0"},
                            {"canonical": digest})
    found = (PinChange("canonical", "2.0.0", "2.1.0", "2.1.0", ()),)
    return evaluate(Inputs("dev", Gates(soak_days, e2e), found, Evidence((deployment,)), NOW,
                           (), {"canonical": digest}))


@pytest.mark.parametrize(("soak_days", "e2e", "pills"), [
    (14, True, ("soak fails: ready on 2025-03-22 09:00 UTC", "e2e fails")),
    (2, True, ("e2e fails",)),  # soaked already
    (2, False, ("gates pass",)),
])
def test_gate_pills_name_the_gate_and_when_it_is_ready(soak_days: int, e2e: bool,
                                                        pills: tuple[str, ...]) -> None:
    gates = tuple(collect.as_gate(r) for r in soak_results(soak_days, e2e=e2e))
    dev = env("dev", None, {"canonical": "2.1.0"}, LIVE_OK)
    stage = env("stage", "dev", {"canonical": "2.0.0"}, LIVE_OK)
    got = m.build([dev, stage], commit="abc", now=NOW, gates={"stage": gates})
    waiting = got.rows[0].cells[0]
    assert (waiting.waiting_for, waiting.gates) == ("stage", gates)
    said = labels.words(waiting)
    assert (said.waiting, said.gates) == ("waiting for promotion to stage", pills)
    assert labels.words(got.rows[0].cells[1]).gates == ()
    for out in (status_text.cell_text(waiting), status_markdown.cell(waiting),
                status_html.cell(waiting)):
        assert all(p in out for p in pills), out


def test_unknown_gates_say_unknown() -> None:
    assert labels.gate_pills((m.Gate("soak", "unknown"), m.Gate("integrity", "pass"))) == (
        "soak unknown",)


SINCE = datetime(2025, 3, 1, 9, tzinfo=UTC)
FAIL_SOAK = (m.Gate("soak", "fail", datetime(2025, 3, 15, 9, tzinfo=UTC)),)


@pytest.mark.parametrize(("cell", "said"), [
    (m.Cell("2.1.0", m.State.IN_SYNC, SINCE, 9),
     labels.CellWords("2.1.0", m.State.IN_SYNC, "in sync", "deployed since 2025-03-01 (9 d)", "")),
    (m.Cell("2.1.0", m.State.DRIFT, SINCE, 0, "prod", FAIL_SOAK,
            (Detail(d.OBJECT_CHANGED, "canonical/a", since=CHANGED_AT),)),
     labels.CellWords("2.1.0", m.State.DRIFT, "drift", "deployed since 2025-03-01 (0 d)",
                      "waiting for promotion to prod",
                      ("canonical/a changed outside git, since 2025-03-09 08:30 UTC",),
                      ("soak fails: ready on 2025-03-15 09:00 UTC",))),
    (m.Cell("7.2.0-dev.1", m.State.NEVER_APPLIED, None, None, "stage"),
     labels.CellWords("7.2.0-dev.1", m.State.NEVER_APPLIED, "NEVER APPLIED", "",
                      "waiting for promotion to stage")),
    (m.Cell("2.0.0", m.State.UNKNOWN, None, None, "prod", (m.Gate("gates", "unknown"),)),
     labels.CellWords("2.0.0", m.State.UNKNOWN, "unknown", "", "waiting for promotion to prod",
                      (), ("gates unknown",))),
    (m.Cell(None, m.State.NOT_PINNED), labels.CellWords(None, m.State.NOT_PINNED, "not pinned", "",
                                                        "")),
])
def test_cell_words_once_for_every_rendering(cell: m.Cell, said: labels.CellWords) -> None:
    assert labels.words(cell) == said
    rendered = {"text": status_text.cell_text(cell), "markdown": status_markdown.cell(cell),
                "html": status_html.cell(cell)}
    shown = [w for w in (said.version, said.since, said.waiting, *said.details, *said.gates) if w]
    if said.pinned:
        shown.append(said.state_word)
    for name, out in rendered.items():
        for word in shown:
            assert word in out, (name, word, out)
        assert "ahead of" not in out
    assert said.pinned or "not pinned" in rendered["html"]


def test_never_applied_stands_out_in_every_rendering() -> None:
    """An environment without any deployment record: flagged in its header, loud in its cells
    (red and bold, not grey), and a note says how to apply it."""
    dev = env("dev", None, {"canonical": "2.1.0"}, LIVE_OK, ("ingest",))
    prod = env("prod", "dev", {"canonical": "2.0.0"}, live(records=()), ("ingest",))
    got = m.build([dev, prod], commit="abc", now=NOW)
    assert labels.never_applied(got.columns[1]) == "NEVER APPLIED: no deployment record"
    assert labels.never_applied(got.columns[0]) == ""
    assert "prod: NEVER APPLIED: no deployment record; apply it: vectora-gitops apply --env prod" \
        in labels.notes(got)
    text = status_text.text(got, color=True)
    assert "\x1b[1;31mNEVER APPLIED\x1b[0m" in text  # bold red
    plain = status_text.text(got, color=False)
    assert plain.count("NEVER APPLIED") == 2 + 1 + 1  # two cells, the header, the note
    md = status_markdown.markdown(got)
    assert "prod ← dev<br>🔴 **NEVER APPLIED: no deployment record**" in md
    assert md.count("🔴 **NEVER APPLIED**") == 2
    page = status_html.html(got)
    assert page.count('<td class="cell never">') == 2
    assert '<div class="flag">NEVER APPLIED: no deployment record</div>' in page
    never = re.search(r"td\.never\{([^}]*)\}", status_html.CSS)
    assert never and "#cf222e" in never[1]  # a red outline, not the grey of unknown
    assert re.search(r"\.never \.badge\{[^}]*background:#cf222e", status_html.CSS)


def test_text_view_keeps_each_label_in_its_column() -> None:
    """`waiting for promotion` and the gate pills sit under the environment they concern, never in
    the deployable column."""
    dev = env("dev", None, {"canonical": "2.1.0", "clients/a": "1.1.0"}, LIVE_OK)
    stage = env("stage", "dev", {"canonical": "2.0.0", "clients/a": "1.1.0"}, LIVE_OK)
    got = m.build([dev, stage], commit="abc", now=NOW, gates={"stage": FAIL_SOAK})
    lines = status_text.text(got, color=False).splitlines()
    head = next(line for line in lines if "deployable" in line)
    starts = {head.index("dev"), head.index("stage <- dev")}
    found = [(line.index("waiting for promotion"), line) for line in lines
             if "waiting for promotion" in line]
    assert found and all(at == head.index("dev") for at, _ in found), found
    pills = [line.index("soak fails") for line in lines if "soak fails" in line]
    assert pills and set(pills) <= starts
    assert not any(line[:head.index("dev")].strip() not in ("", "canonical", "clients/a")
                   for line in lines[lines.index(head) + 2:] if line.startswith("  ")), lines


# ---- deployments ------------------------------------------------------------------------------

SHA1 = "1" * 40


@pytest.mark.parametrize(("data", "mark"), [
    ({"commit": SHA1}, ""),
    ({"commit": f"{SHA1}-dirty"}, " (dirty)"),  # git's mark, as head_commit writes it
    ({"commit": SHA1, "dirty": "uncommitted changes in the working tree"}, " (dirty)"),
    ({"commit": f"{SHA1}-dirty", "dirty": "uncommitted changes in the working tree",
      "allow_dirty_reason": "hotfix during the outage"}, " (dirty: hotfix during the outage)"),
    ({"commit": SHA1, "dirty": ""}, ""),
])
def test_dirty_mark(data: dict[str, str], mark: str) -> None:
    record = from_json({"id": "r1", "result": "succeeded", **data})
    assert record.dirty is bool(mark)
    line = labels.deployment(record)
    assert line.startswith("record r1: succeeded - by ?, commit 111111111111")
    assert line.endswith(f"111111111111{'-dirty' if data['commit'].endswith('-dirty') else ''}{mark}")


@pytest.mark.parametrize(("environ", "url"), [
    ({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r"},
     "https://github.com/o/r"),
    ({"GITHUB_SERVER_URL": "https://github.com/", "GITHUB_REPOSITORY": ""}, ""),
    ({"GITHUB_REPOSITORY": "o/r"}, ""),
    ({}, ""),
])
def test_repository_address_from_github_variables(environ: dict[str, str], url: str) -> None:
    assert collect.repo_url(environ) == url


@pytest.mark.parametrize(("commit", "repo", "shown"), [
    (SHA1, "https://github.com/o/r",
     f'<a class="mono" href="https://github.com/o/r/commit/{SHA1}">111111111111</a>'),
    (f"{SHA1}-dirty", "https://github.com/o/r",
     f'<a class="mono" href="https://github.com/o/r/commit/{SHA1}">111111111111-dirty</a>'),
    (SHA1, "", "<code>111111111111</code>"),
    ("unknown", "https://github.com/o/r", "<code>unknown</code>"),
    (SHA1, "javascript:alert(1)//x", f"<code>javascript:alert(1)//x/commit/{SHA1}</code>"),
])
def test_commit_links(commit: str, repo: str, shown: str) -> None:
    assert status_html.commit(commit, repo) == shown


def test_a_dirty_latest_run_is_a_note() -> None:
    dirty = from_json({"id": "r2", "result": "succeeded", "actor": "ana",
                       "commit": f"{SHA1}-dirty", "allow_dirty_reason": "hotfix"})
    stage = env("stage", None, {"canonical": "2.1.0"}, m.Live({}, (), (dirty, *HISTORY)))
    notes = labels.notes(m.build([stage], commit="abc", now=NOW))
    assert notes == ["stage: last run r2: applied from a dirty working tree (111111111111-dirty, "
                     "by ana): hotfix"]


def test_history_row_shows_record_id_dirty_mark_and_link() -> None:
    row = record_row(from_json({"id": "20250301T100000Z-ab12", "result": "succeeded",
                                "commit": f"{SHA1}-dirty", "allow_dirty_reason": "<b>fix</b> (now)",
                                "started_at": "2025-03-01T10:00:00+00:00"}),
                     "https://github.com/o/r")
    assert '<code class="record">20250301T100000Z-ab12</code>' in row
    assert f'href="https://github.com/o/r/commit/{SHA1}">111111111111-dirty</a>' in row
    assert '<span class="dirty">dirty: &lt;b&gt;fix&lt;/b&gt; (now)</span>' in row
    out = status_text.history("stage", (from_json({"id": "20250301T100000Z-ab12",
                                                   "commit": f"{SHA1}-dirty"}),))
    assert "20250301T100000Z-ab12" in out and "111111111111-dirty (dirty)" in out


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


STAGE_INGEST = "vectora-inbox-ingest-v2-stage"
HAND_EDITED = "canonical/scopes/company_scopes.yaml"


def scripted(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """apply dev; stage at prod's pins, applied; promote dev -> stage (client kept), apply;
    a hand edit of stage's canonical bundle and of a variable of stage's ingest function; prod
    never applied."""
    set_pins(repo, "stage", "prod")
    assert run(capsys, repo, "apply", "--env", "dev", "--yes")[0] == 0
    assert run(capsys, repo, "apply", "--env", "stage", "--yes")[0] == 0
    set_pins(repo, "stage", "dev", keep_client="7.1.0")
    next_second()  # snapshot names have a one-second resolution
    assert run(capsys, repo, "apply", "--env", "stage", "--yes")[0] == 0
    put("vectora-inbox-config-stage", HAND_EDITED, b"edited: by hand\n")
    lam = client("lambda")
    variables = lam.get_function(FunctionName=STAGE_INGEST)["Configuration"]["Environment"]
    lam.update_function_configuration(FunctionName=STAGE_INGEST, Environment={
        "Variables": {**variables["Variables"], "LOG_LEVEL": "DEBUG"}})


def states(got: m.Matrix) -> dict[str, list[tuple[str | None, str, str | None]]]:
    return {r.selector: [(c.version, c.state.value, c.waiting_for) for c in r.cells]
            for r in got.rows}


NEVER = (None, "never applied", None)
EXPECTED = {
    "canonical": [("2.1.0", "in sync", None), ("2.1.0", "drift", "prod"),
                  ("2.0.0", "never applied", None)],
    "clients/lai_weekly": [("7.2.0-dev.1", "in sync", "stage"),
                           ("7.1.0", "in sync", "prod"), ("7.0.0", "never applied", None)],
    "layers/common-deps": [("3.2.0", "in sync", None), ("3.2.0", "in sync", None),
                           ("3.2.0", "never applied", None)],
    "layers/vectora-core": [("1.4.1", "in sync", None), ("1.4.1", "in sync", "prod"),
                            ("1.4.0", "never applied", None)],
    "functions/ingest": [(None, "in sync", None), (None, "drift", None), NEVER],
    "functions/newsletter": [(None, "in sync", None), (None, "in sync", None), NEVER],
    "functions/normalize-score": [(None, "in sync", None), (None, "in sync", None), NEVER],
}


def test_status_after_a_scripted_sequence(seeded: Path, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    scripted(seeded, capsys)
    got = gather(Repository(seeded))
    assert states(got) == EXPECTED
    stage = {r.selector: r.cells[1] for r in got.rows}
    first, second = sorted(r.at for r in got.columns[1].records if r.at)
    assert stage["layers/common-deps"].since == first  # unchanged by the promotion: soaks on
    assert stage["layers/vectora-core"].since == second
    assert got.generated_at - second < timedelta(minutes=5)
    # the drift cells say what changed and since when, as AWS says it
    s3_time = client("s3").head_object(Bucket="vectora-inbox-config-stage",
                                       Key=HAND_EDITED)["LastModified"]
    assert stage["canonical"].details == (Detail(d.OBJECT_CHANGED, HAND_EDITED, since=s3_time),)
    fn_time = datetime.fromisoformat(client("lambda").get_function(
        FunctionName=STAGE_INGEST)["Configuration"]["LastModified"])
    assert stage["functions/ingest"].details == (
        Detail(d.ENV_CHANGED, "LOG_LEVEL", "ingest", mask("DEBUG"), "INFO", fn_time),)
    assert labels.notes(got)[0].startswith("stage: AWS differs from git in 2 row(s)")
    # gates as run_gates evaluates them: stage -> prod soaks 14 days from the second apply (the
    # pins promoted run since then); dev -> stage has no soak, E2E evidence is missing
    gates = {c.waiting_for: labels.words(c).gates for r in got.rows for c in r.cells
             if c.waiting_for}
    assert gates["prod"][0] == f"soak fails: ready on {labels.day(second + timedelta(days=14))}"
    assert "e2e fails" in gates["prod"] and "e2e fails" in gates["stage"]
    assert_renderings(seeded, capsys, tmp_path)
    assert_history(seeded, capsys)


def assert_renderings(repo: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, repo, "status")
    assert code == 0
    assert all(len(line) <= 100 for line in out.splitlines()), out
    for word in ("dev", "stage <- dev", "prod <- stage", "drift", "NEVER APPLIED",
                 "waiting for promotion", "deployed since", "function ingest", "LOG_LEVEL =",
                 mask("DEBUG"), "soak fails: ready", "Deployments:"):
        assert word in out, word
    assert "other change" not in out and "DEBUG" not in out
    code, out, _ = run(capsys, repo, "status", "--output", "markdown")
    row = next(line for line in out.splitlines() if line.startswith("| `canonical`"))
    assert re.search(r"`2\.1\.0`<br>🟢 in sync<br>deployed since [-0-9]+ \(0 d\) \| "
                     r"`2\.1\.0`<br>🟠 drift<br>deployed since [-0-9]+ \(0 d\)<br>↳ "
                     r"canonical/scopes/company\\_scopes\.yaml changed outside git, since ", row)
    row = next(line for line in out.splitlines() if line.startswith("| `function ingest`"))
    assert rf"LOG\_LEVEL = \*\*\*sha256:{mask('DEBUG')[10:]} (git: INFO), since 20" in row
    page = tmp_path / "status.html"
    assert run(capsys, repo, "status", "--output", "html", "--out", str(page))[0] == 0
    html = page.read_text()
    assert '<td class="cell drift"><div class="ver">2.1.0</div>' in html
    assert "<script" not in html and "http" not in html.split("<body>")[0]


README = Path(__file__).resolve().parents[1] / "README.md"
VARYING = ((re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC"), "<time>"),
           (re.compile(r"\d{4}-\d{2}-\d{2}"), "<day>"),
           (re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}"), "<record>"),
           (re.compile(r"\b[0-9a-f]{12}\b"), "<commit>"))


def steady(text: str) -> str:
    """`text` with what differs from run to run (times, record ids, commits) replaced; each has
    the same length every run, so the table wraps alike."""
    for pattern, word in VARYING:
        text = pattern.sub(word, text)
    return text


def test_readme_status_example_is_the_real_output(seeded: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The scenario the README describes, run as it says; its output is the README's block."""
    monkeypatch.setenv("VECTORA_ACTOR", "root")
    for env_name in ("dev", "stage"):
        assert run(capsys, seeded, "apply", "--env", env_name, "--yes")[0] == 0
    lam = client("lambda")
    variables = lam.get_function(FunctionName=STAGE_INGEST)["Configuration"]["Environment"]
    lam.update_function_configuration(FunctionName=STAGE_INGEST, Environment={
        "Variables": {**variables["Variables"], "LOG_LEVEL": "DEBUG"}})
    s3 = client("s3")
    body = s3.get_object(Bucket="vectora-inbox-config-stage", Key=HAND_EDITED)["Body"].read()
    put("vectora-inbox-config-stage", HAND_EDITED, body + b"# edited by hand\n")
    code, out, _ = run(capsys, seeded, "status")
    assert code == 0
    section = README.read_text(encoding="utf-8").split("\n## Status\n", 1)[1]
    found = re.search(r"`vectora-gitops status` prints:\n\n```text\n(.*?)```", section, re.S)
    assert found, "README: no text block after `vectora-gitops status` prints:"
    assert steady(out) == steady(found[1])


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
