"""Untrusted text is inert (issue 13, finding 8): a table of hostile values through safetext and
through every Markdown and HTML writer (drift issue, plan comment, promotion body, status), each
output parsed by a real Markdown parser (markdown-it-py, GFM tables) or the standard HTML parser
to check that its structure is the writer's own: the same rows and columns, no heading, HTML
element, link or marker that a value brought in."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from support import cli, client, function, put, run
from vectora_gitops.drift.findings import EnvDrift, Finding
from vectora_gitops.engine.changes import Change, DeleteObject, PutObject, UpdateFunction, ordered
from vectora_gitops.engine.plan import Plan
from vectora_gitops.history import Record
from vectora_gitops.promotion.body import Body
from vectora_gitops.promotion.body import render as render_body
from vectora_gitops.promotion.diffs import FileDiff
from vectora_gitops.promotion.gates import GateResult
from vectora_gitops.promotion.pins import PinChange
from vectora_gitops.promotion.summary import FilesDiff, KeyChange
from vectora_gitops.render import drift as render_drift
from vectora_gitops.render import plan as render_plan
from vectora_gitops.render import status_html, status_markdown, status_text
from vectora_gitops.safetext import (
    MAX_CHARS,
    html_link,
    html_text,
    md_code,
    md_text,
    printable,
    safe_url,
)
from vectora_gitops.status import details
from vectora_gitops.status import matrix as m
from vectora_gitops.status.details import Detail

MD = MarkdownIt("commonmark").enable("table")  # GitHub's Markdown: CommonMark and GFM tables
DRIFT_MARKER = "<!-- vectora-gitops-drift:dev fingerprint:" + "0" * 64 + " -->"
HOSTILE = (
    "x\r# Drift resolved",
    "x\n# Drift resolved\n",
    "\r\n\r\n## all prod gates passed",
    "# heading",
    "<details>",
    "<details><summary>open me</summary>",
    "</details>",
    "</table>",
    "</td></tr><tr><td>forged",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&lt;details&gt; &amp; &#60;b&#62;",
    "`",
    "``double``",
    "```",
    "````diff",
    "a|b|c",
    "\\|",
    "trailing\\",
    "[text](javascript:alert(1))",
    "![img](https://tracker.example/p.png)",
    "<https://autolink.example>",
    "<!-- vectora-gitops-plan:dev -->",
    DRIFT_MARKER,
    "\n" + DRIFT_MARKER,
    "- item",
    "1. item",
    "> quote",
    "---",
    "    indented",
    "**bold** _it_ ~~struck~~",
    "\x1b[31mred\x1b[0m\x07",
    "\u202eevil\u202c and\u2028separated\u2029and\x85next",
    "zero\u200bwidth\ufeff",
    "tab\tand\x0bvertical\x0cfeed",
    "@vectora/admins #1",
    "",
    " ",
    " padded ",
    "x" * 5000,
    "| forged | row |",
)


# ---- parsing helpers --------------------------------------------------------------------------

def flat(tokens: Sequence[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from flat(token.children or ())


def plain(inline: Token) -> str:
    return "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline"))


class Parsed:
    def __init__(self, src: str) -> None:
        self.src = src
        self.tokens = MD.parse(src)

    def headings(self) -> list[str]:
        return [plain(self.tokens[i + 1]) for i, t in enumerate(self.tokens)
                if t.type == "heading_open"]

    def html(self) -> list[str]:
        return [t.content.strip() for t in flat(self.tokens) if t.type in ("html_block", "html_inline")]

    def links(self) -> list[Token]:
        return [t for t in flat(self.tokens) if t.type in ("link_open", "image")]

    def tables(self) -> list[list[list[Token]]]:
        """tables -> rows (header first) -> the inline token of each cell."""
        out: list[list[list[Token]]] = []
        row: list[Token] | None = None
        for token in self.tokens:
            if token.type == "table_open":
                out.append([])
            elif token.type == "tr_open":
                row = []
                out[-1].append(row)
            elif token.type == "tr_close":
                row = None
            elif token.type == "inline" and row is not None:
                row.append(token)
        return out

    def count(self, kind: str) -> int:
        return sum(1 for t in self.tokens if t.type == kind)

    def fences(self) -> list[Token]:
        return [t for t in self.tokens if t.type in ("fence", "code_block")]


def assert_own_lines(src: str) -> None:
    """Every line break is one the writer made: no CR, LS, PS, NEL or form feed from a value."""
    assert len(src.splitlines()) == src.count("\n"), [line for line in src.splitlines()][:5]


def marker_lines(src: str) -> list[str]:
    return [line for line in src.split("\n") if line.lstrip().startswith("<!--")]


def is_code(cell: Token, value: str, limit: int = MAX_CHARS) -> bool:
    children = [c for c in cell.children or () if c.type != "text" or c.content.strip()]
    shown = printable(value, limit)
    return [c.type for c in children] == ["code_inline"] and \
        children[0].content == (shown if shown.strip(" ") else shown or " ")


def is_text(cell: Token, value: str, limit: int = MAX_CHARS) -> bool:
    kinds = {c.type for c in cell.children or ()}
    return kinds <= {"text"} and plain(cell).strip() == printable(value, limit).strip()


# ---- the helpers themselves -------------------------------------------------------------------

def one_cell_table(cell: str) -> Parsed:
    return Parsed(f"| value | end |\n|---|---|\n| {cell} | end |\n")


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_md_code_is_one_code_span_in_a_table_cell(value: str) -> None:
    parsed = one_cell_table(md_code(value))
    [table] = parsed.tables()
    assert [len(row) for row in table] == [2, 2]
    assert is_code(table[1][0], value), (md_code(value), table[1][0].children)
    assert plain(table[1][1]) == "end"
    assert (parsed.headings(), parsed.html(), parsed.links()) == ([], [], [])
    assert len(md_code(value)) < MAX_CHARS * 6  # capped (escapes may lengthen what is kept)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_md_text_reads_as_it_is_in_a_cell_and_in_a_list_item(value: str) -> None:
    [table] = one_cell_table(md_text(value)).tables()
    assert [len(row) for row in table] == [2, 2]
    assert is_text(table[1][0], value), (md_text(value), table[1][0].children)
    parsed = Parsed(f"- {md_text(value)}\n")
    assert parsed.count("list_item_open") == 1 and parsed.count("bullet_list_open") == 1
    inlines = [t for t in parsed.tokens if t.type == "inline"]
    assert all(is_text(t, value) for t in inlines) and len(inlines) <= 1
    assert (parsed.headings(), parsed.html(), parsed.links(), parsed.fences()) == ([], [], [], [])


class Tags(HTMLParser):
    def __init__(self, src: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []
        self.feed(src)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_html_text_is_text(value: str) -> None:
    page = Tags(f"<td>{html_text(value)}</td>")
    assert [t for t, _ in page.tags] == ["td"]
    assert "".join(page.data) == printable(value, MAX_CHARS)
    attribute = Tags(f'<a title="{html_text(value)}">x</a>')
    assert attribute.tags == [("a", {"title": printable(value, MAX_CHARS)})]


@pytest.mark.parametrize(("url", "link"), [
    ("https://github.com/o/r/actions/runs/1", True),
    ("http://127.0.0.1:8080/run?id=1&x=2#top", True),
    ("javascript:alert(1)", False),
    ("JAVASCRIPT:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ('https://x.example/" onmouseover="alert(1)', False),
    ("https://x.example/<script>", False),
    ("https://x.example/a b", False),
    ("https://x.example/(a)", False),
    ("https://x.example/\r\n<details>", False),
    ("//evil.example/x", False),
    ("https://", False),
    ("https://" + "a" * 3000, False),
])
def test_links_only_to_plain_http_addresses(url: str, link: bool) -> None:
    assert safe_url(url) is link
    page = Tags(html_link("run <b>", url))
    if link:
        assert page.tags == [("a", {"href": url})] and "".join(page.data) == "run <b>"
    else:
        assert [t for t, _ in page.tags] == ["code"]
        assert "".join(page.data) == printable(url, MAX_CHARS)


# ---- the drift issue --------------------------------------------------------------------------

def hostile_drift() -> EnvDrift:
    live = tuple(Finding("env_changed", f"function:ingest:env:{v}", v, v) for v in HOSTILE)
    ignored = tuple(Finding("object_unmanaged", f"s3:{v}", "not in git", v, ignored=v or "?")
                    for v in HOSTILE)
    return EnvDrift("dev", live + ignored, notice="\r\n# Drift resolved\n<details>" + DRIFT_MARKER)


def test_drift_issue_keeps_its_structure() -> None:
    result = hostile_drift()
    src = render_drift.markdown(result)
    parsed = Parsed(src)
    assert_own_lines(src)
    assert marker_lines(src) == [src.split("\n")[0]] == [render_drift.marker("dev", result.findings)]
    assert parsed.headings() == ["Drift in dev"]
    assert parsed.html() == [src.split("\n")[0], "<details><summary>Ignored (drift.ignore)</summary>",
                             "</details>"]
    assert parsed.links() == []
    [table] = parsed.tables()
    assert len(table) == 1 + len(HOSTILE) and {len(row) for row in table} == {4}
    for row, value in zip(table[1:], HOSTILE, strict=True):
        assert is_code(row[0], f"function:ingest:env:{value}")
        assert is_code(row[2], value) and is_code(row[3], value)
    assert parsed.count("list_item_open") == len(HOSTILE)


def test_drift_text_keeps_one_line_per_finding() -> None:
    out = render_drift.text([hostile_drift()])
    assert_own_lines(out)
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
    # summary, notice, then per live finding its resource and its line, per ignored one a line
    assert out.count("\n") == 2 + 2 * len(HOSTILE) + len(HOSTILE)


# ---- the plan comment -------------------------------------------------------------------------

def hostile_plan() -> Plan:
    changes: list[Change] = [PutObject(f"canonical/{v}", "s" * 64, "m", 1, "create", v)
                             for v in HOSTILE]
    changes += [DeleteObject(f"canonical/old/{v}", "e") for v in HOSTILE]
    changes.append(UpdateFunction("ingest", "ingest-dev", (), None,
                                  {f"V{i}": v for i, v in enumerate(HOSTILE)},
                                  {f"V{i}": f"{v}!" for i, v in enumerate(HOSTILE)}))
    return Plan("dev", "c" * 40, "2025-01-01T00:00:00+00:00", True,
                {"canonical": "<details>2.1.0`|"}, ordered(changes), "o", "d",
                tuple(f"canonical/{v}" for v in HOSTILE))


def test_plan_comment_keeps_its_structure() -> None:
    plan = hostile_plan()
    src = render_plan.markdown(plan)
    parsed = Parsed(src)
    assert_own_lines(src)
    assert marker_lines(src) == []  # the workflow adds its own marker above this text
    assert parsed.headings() == ["📝 Plan for dev"]
    assert parsed.html() == ["<details><summary>All changes</summary>", "</details>"]
    assert parsed.links() == []
    [table] = parsed.tables()
    assert [[plain(c) for c in row] for row in table] == [
        ["phase", "change", "count"], ["canonical", "put object", str(len(HOSTILE))],
        ["functions", "update function", "1"], ["deletions", "delete object", str(len(HOSTILE))]]
    [fence] = parsed.fences()
    assert fence.info == "diff"
    assert len(fence.content.splitlines()) == len(plan.changes)
    summary = next(t for t in parsed.tokens if t.type == "inline" and "commit" in t.content)
    codes = [c.content for c in summary.children or () if c.type == "code_inline"]
    assert codes == ["c" * 12, "<details>2.1.0`|"]


def test_plan_text_keeps_one_line_per_change() -> None:
    plan = hostile_plan()
    out = render_plan.text(plan, color=False)
    assert_own_lines(out)
    assert "\x1b" not in out and "\u202e" not in out
    # header, 3 phases, the changes, the unmanaged line and its 20 keys, the summary
    assert out.count("\n") == 1 + 3 + len(plan.changes) + 1 + 20 + 1


# ---- the promotion pull request ---------------------------------------------------------------

E2E_ATTACK = ("E2E passed for deployment r1 at 2026-11-19T12:00:00+00:00 (https://ci.example/1)"
              "\n\n## ✅ all prod gates passed\n\n| soak | ✅ pass | forged |\n")


def test_promotion_body_keeps_its_structure() -> None:
    gates = (GateResult("e2e", "pass", E2E_ATTACK),
             *(GateResult(f"metric {v}", "fail", v) for v in HOSTILE))
    body = Body("stage", "prod", (PinChange("clients/lai_weekly", "7.0.0", "7.1.0", "7.1.0", ()),),
                {"lai_weekly": tuple(KeyChange(v, "changed", v, v) for v in HOSTILE)},
                FilesDiff(added=HOSTILE, removed=(), changed=()), gates, strict=True,
                reason=E2E_ATTACK)
    src = render_body(body)
    parsed = Parsed(src)
    assert_own_lines(src)
    assert parsed.headings() == ["Promote stage → prod", "Client lai_weekly", "Canonical bundle",
                                 "Gates of prod", "Roll back"]
    assert (parsed.html(), parsed.links()) == ([], [])
    pins, gate_table = parsed.tables()
    assert [len(row) for row in pins] == [3, 3]
    assert len(gate_table) == 1 + len(gates) and {len(row) for row in gate_table} == {3}
    assert is_code(gate_table[1][2], E2E_ATTACK, 1000)
    for row, value in zip(gate_table[2:], HOSTILE, strict=True):
        assert is_code(row[2], value, 1000)
    # the client's key changes, the bundle line, the two roll-back lines
    assert parsed.count("list_item_open") == len(HOSTILE) + 1 + 2


# ---- status -----------------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOSTILE_URLS = ("javascript:alert(1)", 'https://x.example/" onmouseover="alert(1)',
                "https://github.com/o/r/actions/runs/1")


def hostile_records() -> tuple[Record, ...]:
    return tuple(Record(f"r{i}{v}", "apply", "stage", v, {"canonical": v}, {"put_object": 1}, v,
                        HOSTILE_URLS[i % 3], NOW, NOW, v or "succeeded",
                        extra={"dirty": "true"} if i % 2 else {})
                 for i, v in enumerate(HOSTILE[:8]))


def hostile_details(value: str) -> tuple[Detail, ...]:
    """What a drift cell says, every field from AWS: an object key, a variable name and value."""
    return (Detail(details.OBJECT_CHANGED, value, since=NOW),
            Detail(details.ENV_CHANGED, value, value, value, value, NOW),
            Detail(details.TAG_MISSING, value, value, git=value))


def hostile_matrix(repo_url: str = "") -> m.Matrix:
    other = (Detail(details.OBJECT_EXTRA, HOSTILE[0], git=HOSTILE[1]),)
    columns = (m.Column("dev", None, False, "\r\n# AWS said <details>" + DRIFT_MARKER, (), ()),
               m.Column("stage", "dev", True, "", other, hostile_records()))
    rows = tuple(m.Row(v, (m.Cell(v, m.State.DRIFT, NOW, 1, "stage",
                                  (m.Gate(v, "fail", NOW), m.Gate("e2e", v)),
                                  hostile_details(v), "dev"),
                           m.Cell(None, m.State.NOT_PINNED))) for v in HOSTILE)
    return m.Matrix(columns, rows, "c" * 40, NOW, repo_url)


def test_status_markdown_keeps_its_structure() -> None:
    src = status_markdown.markdown(hostile_matrix())
    parsed = Parsed(src)
    assert_own_lines(src)
    assert parsed.headings() == ["Vectora Inbox environments", "Deployments"]
    assert set(parsed.html()) == {"<br>"} and parsed.links() == []
    [table] = parsed.tables()
    assert len(table) == 1 + len(HOSTILE) and {len(row) for row in table} == {3}
    for row, value in zip(table[1:], HOSTILE, strict=True):
        assert is_code(row[0], value)
        first = [c for c in row[1].children or () if c.type == "code_inline"]
        assert first and first[0].content == (printable(value, MAX_CHARS) or " ")
    # dev: unknown; stage: never applied (no record succeeded), its other change; the latest
    # deployment of stage
    assert parsed.count("list_item_open") == 4


@pytest.mark.parametrize("repo_url", ["", "https://github.com/o/r", "javascript:alert(1)//"])
def test_status_page_keeps_its_structure(repo_url: str) -> None:
    page = status_html.html(hostile_matrix(repo_url))
    tags = Tags(page)
    names = {t for t, _ in tags.tags}
    assert names <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "div", "code",
                     "p", "span", "table", "thead", "tbody", "tr", "th", "td", "a", "br", "ul",
                     "li"}, names
    links = [attrs.get("href") for t, attrs in tags.tags if t == "a"]
    commit = [f"https://github.com/o/r/commit/{'c' * 40}"] if repo_url.startswith("https") else []
    assert links and set(links) == {"https://github.com/o/r/actions/runs/1", *commit}
    assert all(set(attrs) <= {"class", "id", "href", "lang", "charset", "name", "content"}
               for _, attrs in tags.tags)
    rows = sum(1 for t, _ in tags.tags if t == "tr")
    records = min(len(hostile_records()), status_html.HISTORY_ROWS)
    assert rows == (1 + len(HOSTILE)) + (1 + records)
    assert sum(1 for t, _ in tags.tags if t == "li") == len(HOSTILE) * 3
    assert "\r" not in page and "\x1b" not in page


def test_history_text_has_no_control_characters() -> None:
    out = status_text.history("stage", hostile_records())
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out and "\x07" not in out


# ---- the commands, against the emulator ---------------------------------------------------------

CONFIG = "vectora-inbox-config-dev"


@pytest.fixture
def applied(seeded: Path) -> Path:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    return seeded


# The emulator refuses a LF in a key (S3 does not): CR, as in the finding, ends a Markdown line too.
HOSTILE_KEY = "canonical/x\r# Drift resolved <details>`|<!-- vectora-gitops-drift:dev -->.md"


def test_hostile_s3_key_in_drift_issue_and_plan_comment(applied: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    put(CONFIG, HOSTILE_KEY, b"hand\n")
    out_dir = tmp_path / "drift"
    code, _, err = run(capsys, applied, "drift", "--env", "dev", "--output", "markdown", "--out",
                       str(out_dir))
    assert code == 2, err
    src = (out_dir / "dev.md").read_text(encoding="utf-8")
    parsed = Parsed(src)
    assert_own_lines(src)
    assert len(marker_lines(src)) == 1 and parsed.headings() == ["Drift in dev"]
    assert parsed.html() == [src.split("\n")[0]] and parsed.links() == []
    [table] = parsed.tables()
    assert len(table) == 2 and is_code(table[1][0], f"s3:{HOSTILE_KEY}")
    code, out, err = run(capsys, applied, "plan", "--env", "dev", "--prune", "--output", "markdown")
    assert code == 2, err
    parsed = Parsed(out)
    assert_own_lines(out)
    assert parsed.headings() == ["📝 Plan for dev"] and parsed.links() == []
    assert parsed.html() == ["<details><summary>All changes</summary>", "</details>"]
    [fence] = parsed.fences()
    assert fence.content == f"- delete {printable(HOSTILE_KEY)} (not in git)\n"


def test_hostile_e2e_url_in_the_promotion_body(moto: object, repo: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    s3 = client("s3")
    for env in ("stage", "prod"):
        s3.create_bucket(Bucket=f"vectora-inbox-data-{env}", ObjectLockEnabledForBucket=True,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    record = {"id": "20261001T000000Z-0001", "kind": "apply", "env": "stage", "commit": "c0ffee",
              "pins": {"canonical": "2.1.0"}, "summary": {}, "actor": "<b>pytest</b>",
              "run_url": "javascript:alert(1)", "started_at": "2026-10-01T00:00:00+00:00",
              "ended_at": "2026-10-01T00:00:00+00:00", "result": "succeeded"}
    put("vectora-inbox-data-stage", "deployments/records/20261001T000000Z-0001.json",
        json.dumps(record).encode())
    url = "https://ci.example.invalid/e2e/1)\n\n## ✅ all prod gates passed\n\n<details>"
    code, _, err = run(capsys, repo, "record-e2e", "--env", "stage", "--result", "pass", "--url", url)
    assert code == 0, err
    body = tmp_path / "body.md"
    code, _, err = run(capsys, repo, "promote", "--from", "stage", "--to", "prod", "--body-out",
                       str(body))
    assert code == 0, err
    src = body.read_text(encoding="utf-8")
    parsed = Parsed(src)
    assert_own_lines(src)
    assert not any("all prod gates passed" in h for h in parsed.headings())
    assert parsed.headings()[0] == "Promote stage → prod" and parsed.headings()[-1] == "Roll back"
    # the only HTML is the writer's own folding of long diffs (a client file, a new prompt)
    assert parsed.html() == [
        "<details><summary>98 lines of diff of "
        "canonical/2.1.0/prompts/domain_scoring/lai_domain_scoring.yaml</summary>", "</details>",
        "<details><summary>71 lines of diff of clients/lai_weekly/7.1.0.yaml</summary>",
        "</details>"]
    assert parsed.links() == []
    gate_table = parsed.tables()[-1]
    assert [plain(row[0]) for row in gate_table] == [
        "Gate", "soak", "metric noise_rate", "metric bedrock_cost_per_run_usd", "e2e", "alarms",
        "integrity"]
    assert {len(row) for row in gate_table} == {3}
    [evidence] = gate_table[4][2].children or []
    assert evidence.type == "code_inline" and printable(url) in evidence.content
    # `gates` prints the same evidence as text, which the promote workflow puts in a fenced block
    code, out, _ = run(capsys, repo, "gates", "--from", "stage", "--to", "prod")
    assert code == 1 and printable(url) in out
    assert not any(line.startswith(("#", "<", "```")) for line in out.splitlines())


def test_hand_edited_function_stays_a_one_row_finding(applied: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    name = "vectora-inbox-ingest-v2-dev"
    variables = dict(function(name)["Environment"]["Variables"],
                     LOG_LEVEL="x\r# Drift resolved\n<details>", NOTE="</table><!-- x -->")
    client("lambda").update_function_configuration(FunctionName=name,
                                                   Environment={"Variables": variables})
    out_dir = tmp_path / "drift"
    assert run(capsys, applied, "drift", "--env", "dev", "--output", "markdown", "--out",
               str(out_dir))[0] == 2
    src = (out_dir / "dev.md").read_text(encoding="utf-8")
    parsed = Parsed(src)
    assert_own_lines(src)
    assert parsed.headings() == ["Drift in dev"] and parsed.html() == [src.split("\n")[0]]
    [table] = parsed.tables()
    assert [plain(row[0]) for row in table[1:]] == ["function:ingest:env:LOG_LEVEL",
                                                    "function:ingest:env:NOTE"]
    assert "Drift resolved" not in src and "</table>" not in src  # values AWS holds are masked


def test_promotion_diffs_keep_their_structure() -> None:
    """Hostile lines of a prompt or client file, and a hostile file name, in the body's diffs:
    each diff is one fenced block holding exactly its lines; the only HTML is the writer's fold."""
    lines = tuple(f"+{value}" for value in HOSTILE)
    short = FileDiff("canonical", "canonical/2.2.0/prompts/x/`a`.yaml", lines[:20], 0, True,
                     (("lai_weekly", "bedrock_config.editorial_prompt"),), ("dev",), "stage",
                     ("prod",))
    long = FileDiff("clients/lai_weekly", "clients/</details><b>x.yaml", lines * 2, 3, False,
                    (("lai_weekly", "its own config"),), ("dev",), "stage", ("prod",))
    src = render_body(Body("dev", "stage", (PinChange("canonical", "2.1.0", "2.2.0", "2.2.0", ()),),
                           diffs=(short, long)))
    parsed = Parsed(src)
    assert_own_lines(src)
    assert parsed.headings() == ["Promote dev → stage", "What changes, file by file",
                                 "canonical/2.2.0/prompts/x/`a`.yaml",
                                 "clients/</details><b>x.yaml", "Gates of stage", "Roll back"]
    fences = parsed.fences()
    assert [f.info for f in fences] == ["diff", "diff"]
    assert fences[0].content == "".join(f"{printable(line, 1000)}\n" for line in lines[:20])
    assert fences[1].content == "".join(f"{printable(line, 1000)}\n" for line in lines * 2) + \
        "… 3 more line(s)\n"
    total = 2 * len(HOSTILE) + 1
    assert parsed.html() == [
        f"<details><summary>{total} lines of diff of clients/&lt;/details&gt;&lt;b&gt;x.yaml"
        "</summary>", "</details>"]
    assert parsed.links() == []


def test_promotion_diffs_stop_at_the_body_budget() -> None:
    lines = tuple(f"+line {n}" for n in range(400))
    diffs = tuple(FileDiff("canonical", f"canonical/2.2.0/prompts/t/p{n}.yaml", lines, 0, True,
                           (), ("dev",), "stage", ()) for n in range(5))
    src = render_body(Body("dev", "stage", (), diffs=diffs))
    assert len(Parsed(src).fences()) == 3  # 1,200 lines; a fourth would pass 1,500
    assert ("Not shown, to keep this body readable (2 file(s)): "
            "`canonical/2.2.0/prompts/t/p3.yaml`, `canonical/2.2.0/prompts/t/p4.yaml`") in src
