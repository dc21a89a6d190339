"""Smoke: the installed CLI validates a repository of its own (a fresh git copy of this
repository's content in a temporary folder), never the checkout the tests run from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers_repo import edit
from vectora_gitops.commands.validate import NEXT


def validate(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vectora_gitops", "--repo", str(repo), "validate"],
                          cwd=repo.parent, capture_output=True, text=True, timeout=60, check=False)


def test_validate_repository_passes(repo: Path) -> None:
    proc = validate(repo)
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0, f"validate: ok (0 warning(s))\n{NEXT}\n", "")


def test_validate_reads_the_repository_it_is_given(repo: Path) -> None:
    edit(repo, "environments/dev/pins.yaml", "canonical: ", "canonical: 9.9.9 #")
    proc = validate(repo)
    assert proc.returncode == 1, proc.stderr
    assert "environments/dev/pins.yaml: canonical: bundle 9.9.9 does not exist" in proc.stderr
