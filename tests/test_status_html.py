"""The status page in a real headless Chromium: it renders, holds the matrix, logs no errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from support import run
from test_status import scripted

BROWSER_TIMEOUT_S = 60
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars")


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


def test_status_page_in_headless_chromium(seeded: Path, tmp_path: Path, chromium: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    scripted(seeded, capsys)
    page = tmp_path / "status.html"
    assert run(capsys, seeded, "status", "--output", "html", "--out", str(page))[0] == 0
    png = tmp_path / "status.png"
    shot = browse(chromium, tmp_path, page, f"--screenshot={png}")
    assert png.exists(), shot.stderr[-2000:]
    assert png.stat().st_size > 10_000
    assert page_errors(shot.stderr, page) == []
    dom = browse(chromium, tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<table class="matrix" id="matrix">' in dom.stdout
    assert '<td class="cell drift"><div class="ver">2.1.0</div>' in dom.stdout
    assert "recent deployments" in dom.stdout
    assert page_errors(dom.stderr, page) == []
