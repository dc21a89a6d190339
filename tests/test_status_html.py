"""The status page in a real headless Chromium: it renders, logs no errors, and shows a reviewer
what changed, which gate holds a promotion and until when, and an environment never applied.

What the reviewer sees is read from the rendered page itself: a copy of the page gets a script
(the page has none) that writes, for each cell of the matrix, its `innerText` (only what CSS
lets show) and its computed colours; Chromium's `--dump-dom` returns them."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from support import client, run
from test_status import HAND_EDITED, STAGE_INGEST, scripted
from vectora_gitops.desired.repo import Repository
from vectora_gitops.masking import mask
from vectora_gitops.status import collect, labels

BROWSER_TIMEOUT_S = 60
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")
# Reads the rendered matrix: header texts, then per row its heading and each cell's visible text,
# class, background colour and outline.
READER = """<script>
const seen = {heads: [...document.querySelectorAll('#matrix thead th')].map(h => h.innerText),
  rows: [...document.querySelectorAll('#matrix tbody tr')].map(tr => ({
    name: tr.querySelector('th').innerText,
    cells: [...tr.querySelectorAll('td')].map(td => { const s = getComputedStyle(td);
      return {text: td.innerText, cls: td.className, background: s.backgroundColor,
              outline: s.outlineStyle + ' ' + s.outlineColor,
              badge: getComputedStyle(td.querySelector('.badge') || td).backgroundColor}; })}))};
const out = document.createElement('pre'); out.id = 'seen';
out.textContent = JSON.stringify(seen); document.body.appendChild(out);
</script>"""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed by scripts/install-browser (a step of bin/test)."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not on PATH: run scripts/install-browser (as root; bin/test "
                    "runs it before the tests)", pytrace=False)
    return found


def browse(chromium: str, tmp: Path, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900",
                           "--enable-logging=stderr", "--v=0", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=False)


def page_errors(stderr: str, page: Path) -> list[str]:
    return [line for line in stderr.splitlines()
            if ("Uncaught" in line or "CONSOLE(" in line)
            and (page.name in line or "file://" in line)]


def seen_by_reviewer(chromium: str, tmp: Path, page: Path) -> dict[str, Any]:
    """The matrix as Chromium rendered it: {heads, rows: [{name, cells: [...]}]}."""
    probe = tmp / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", f"{READER}</body>"),
                     encoding="utf-8")
    dom = browse(chromium, tmp, probe, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert page_errors(dom.stderr, probe) == []
    start = dom.stdout.index('<pre id="seen">') + len('<pre id="seen">')
    raw = dom.stdout[start:dom.stdout.index("</pre>", start)]
    seen: dict[str, Any] = json.loads(raw.replace("&lt;", "<").replace("&gt;", ">")
                                      .replace("&amp;", "&"))
    return seen


def cell(seen: dict[str, Any], row: str, column: str) -> dict[str, str]:
    index = next(i for i, h in enumerate(seen["heads"]) if h.startswith(column)) - 1
    found: dict[str, str] = next(r for r in seen["rows"] if r["name"] == row)["cells"][index]
    return found


def test_status_page_in_headless_chromium(seeded: Path, tmp_path: Path, chromium: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    scripted(seeded, capsys)  # stage: a hand-edited object and variable; prod never applied
    page = tmp_path / "status.html"
    assert run(capsys, seeded, "status", "--output", "html", "--out", str(page))[0] == 0
    png = tmp_path / "status.png"
    shot = browse(chromium, tmp_path, page, f"--screenshot={png}")
    assert png.exists(), shot.stderr[-2000:]
    assert png.stat().st_size > 10_000
    assert page_errors(shot.stderr, page) == []
    seen = seen_by_reviewer(chromium, tmp_path, page)

    # function drift, in stage's column: which variable (masked), and since when Lambda says
    fn_time = datetime.fromisoformat(client("lambda").get_function(
        FunctionName=STAGE_INGEST)["Configuration"]["LastModified"])
    ingest = cell(seen, "function ingest", "stage")
    assert ingest["cls"] == "cell drift"
    assert f"LOG_LEVEL = {mask('DEBUG')} (git: INFO), since {labels.day(fn_time)}" \
        in ingest["text"]
    assert "DEBUG" not in ingest["text"]
    # the object changed by hand, and since when S3 says
    s3_time = client("s3").head_object(Bucket="vectora-inbox-config-stage",
                                       Key=HAND_EDITED)["LastModified"]
    canonical = cell(seen, "canonical", "stage")
    assert f"{HAND_EDITED} changed outside git, since {labels.day(s3_time)}" in canonical["text"]
    # the promotion to prod waits for the soak gate, until 14 days after stage ran these pins
    runs = sorted(r.at for r in collect.history(Repository(seeded), "stage", limit=5) if r.at)
    ready = labels.day(runs[-1] + timedelta(days=14))
    assert "waiting for promotion to prod" in canonical["text"]
    assert f"soak fails: ready on {ready}" in canonical["text"]
    assert "e2e fails" in canonical["text"]
    # prod never applied: flagged in its header and loud (red, outlined) in every cell
    prod_head = next(h for h in seen["heads"] if h.startswith("prod"))
    assert "NEVER APPLIED: no deployment record" in prod_head
    prod = [r["cells"][-1] for r in seen["rows"]]
    assert {c["cls"] for c in prod} == {"cell never"} and len(prod) == 7
    assert all("NEVER APPLIED" in c["text"] for c in prod)
    assert {(c["badge"], c["outline"]) for c in prod} == {("rgb(207, 34, 46)",
                                                            "dashed rgb(207, 34, 46)")}
    grey = cell(seen, "canonical", "dev")["badge"]
    assert grey != "rgb(207, 34, 46)"

    dom = browse(chromium, tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<table class="matrix" id="matrix">' in dom.stdout
    assert "recent deployments" in dom.stdout and '<code class="record">' in dom.stdout
    assert page_errors(dom.stderr, page) == []
