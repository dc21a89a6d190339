"""The plan as text: plain when piped (byte for byte what it always was), rich's colours on a
terminal only. A plan holding every kind of change, then the real command in a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vectora_gitops.engine.changes import (
    CopyArtifact,
    DeleteObject,
    LayerRef,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
    ordered,
)
from vectora_gitops.engine.plan import Plan
from vectora_gitops.render.plan import text

S, H = "s" * 64, "h" * 64
A1, A2 = "arn:aws:lambda:eu-west-3:1:layer:core-dev:1", "arn:aws:lambda:eu-west-3:1:layer:core-dev:2"
PINS = {"canonical": "2.1.0", "clients": {}, "layers": {}}
CHANGES = ordered([
    PutObject("canonical/a.yaml", S, "m", 3, "create", "canonical/2.1.0/a.yaml"),
    PutObject("clients/x.yaml", S, "m", 3, "update", "clients/x/1.0.0.yaml"),
    PutObject("clients/[odd].yaml", S, "m", 3, "update", "clients/odd/1.0.0.yaml"),
    DeleteObject("canonical/old.md", "e"),
    CopyArtifact("core", "s3://src/k.zip", "code-dev", "layers/core.zip", H),
    PublishLayer("core", "core-dev", "1.4.1", H, "code-dev", "layers/core.zip", ("python3.11",)),
    UpdateFunction("ingest", "ingest-dev", (A1,), (LayerRef("core", "h", A2), LayerRef("deps", "h")),
                   {"A": "1", "B": "2"}, {"A": "1", "B": "3", "C": "4"}),
    UpdateFunction("score", "score-dev", (), None, {"X": "1"}, {}),
    TagFunction("ingest", "ingest-dev", "arn:f", {"env": "dev", "team": "x"}, {}),
])
PLAN = Plan("dev", "c" * 40, "2025-01-01T00:00:00+00:00", False, PINS, CHANGES, "o", "d",
            ("canonical/stray.md",))
EMPTY = Plan("dev", "c" * 40, "2025-01-01T00:00:00+00:00", False, PINS, (), "o", "d")

PLAIN = """\
Plan for dev at cccccccccccc (canonical 2.1.0)
canonical:
  + create canonical/a.yaml from canonical/2.1.0/a.yaml
clients:
  ~ update clients/[odd].yaml from clients/odd/1.0.0.yaml
  ~ update clients/x.yaml from clients/x/1.0.0.yaml
artifacts:
  + copy artifact s3://src/k.zip -> s3://code-dev/layers/core.zip
layers:
  + publish core-dev from 1.4.1 (sha256 hhhhhhhhhhhh)
functions:
  ~ tag ingest-dev: env=dev, team=x
  ~ update ingest-dev: layers [core-dev:1] -> [core-dev:2, deps:<new>], env +C=4, \
env B: ***sha256:d4735e3a -> 3
  ~ update score-dev: env -X
deletions:
  - delete canonical/old.md (not in git)
unmanaged (kept; `--prune` deletes): 1 object(s)
    canonical/stray.md
dev: 9 change(s): 1 copy artifact, 1 delete object, 1 publish layer, 3 put object, \
1 tag function, 2 update function
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plain_text_is_what_it_always_was() -> None:
    assert text(PLAN, color=False) == PLAIN
    assert text(EMPTY, color=False) == ("Plan for dev at cccccccccccc (canonical 2.1.0)\n"
                                        "dev: in sync with cccccccccccc, no changes\n")


def test_colour_styles_only_the_symbols(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = text(PLAN, color=True)
    assert "\x1b[32m+\x1b[0m create canonical/a.yaml" in coloured  # green
    assert "\x1b[33m~\x1b[0m tag ingest-dev" in coloured  # yellow
    assert "\x1b[31m-\x1b[0m delete canonical/old.md" in coloured  # red
    assert "[odd]" in coloured  # no markup is read from keys
    assert ANSI.sub("", coloured) == PLAIN


def in_terminal(args: list[str], cwd: Path, timeout: float = 120.0) -> tuple[int, str]:
    """Run `args` with a pseudo-terminal as stdin, stdout and stderr; (exit code, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, cwd=cwd, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=30)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return code, b"".join(chunks).decode().replace("\r\n", "\n")


def test_the_command_colours_a_terminal_and_not_a_pipe(seeded: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    args = [sys.executable, "-m", "vectora_gitops", "--repo", str(seeded), "plan", "--env", "dev"]
    piped = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert piped.returncode == 2, piped.stderr
    assert "\x1b" not in piped.stdout and "  + " in piped.stdout
    code, shown = in_terminal(args, seeded)
    assert code == 2, shown
    assert "\x1b[32m+\x1b[0m" in shown
    assert ANSI.sub("", shown) == piped.stdout + piped.stderr
