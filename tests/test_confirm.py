"""The one "confirm or --yes" prompt of the commands that write under the lock (apply, snapshot
restore), answered on a real terminal (a pseudo-terminal): "n" changes nothing, "y" goes on."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from support import CONFIG, cli, objects, put, run_records

DATA = "vectora-inbox-data-dev"


def on_terminal(repo: Path, answer: str, *args: str) -> tuple[int, str, str]:
    """Run the CLI with a terminal as stdin and stdout; answer its question with `answer`."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "vectora_gitops", "--repo", str(repo), *args],
                            stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    out, answered = b"", False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.5)[0]:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            out += chunk
            if not answered and b"[y/N]" in out:
                os.write(master, answer.encode() + b"\n")
                answered = True
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert answered, out.decode()[-500:]
    return proc.returncode, out.decode(), err.decode()


def results() -> list[str]:
    return [r["result"] for r in run_records(DATA)]


# dev's first plan: 28 changes of objects, layers and functions, and 16 of its monitoring
# (13 alarms, the dashboard, the topic's tags, the budget)
FIRST_PLAN = 28 + 16


def test_apply_asks_on_a_terminal(seeded: Path) -> None:
    code, out, err = on_terminal(seeded, "n", "apply", "--env", "dev")
    assert code == 1 and f"Apply {FIRST_PLAN} change(s) to dev? [y/N]" in out
    assert err.strip() == "apply cancelled; nothing changed"
    assert objects(CONFIG) == {} and objects(DATA, "deployments/") == {}
    code, out, err = on_terminal(seeded, "y", "apply", "--env", "dev")
    assert code == 0 and f"dev: applied {FIRST_PLAN} change(s)" in out, err
    assert results() == ["succeeded"]


def test_restore_asks_on_a_terminal(seeded: Path) -> None:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert cli(seeded, "snapshot", "create", "--env", "dev", "--name", "good") == 0
    put(CONFIG, "canonical/reference/new.md", b"created after the snapshot\n")
    before = objects(CONFIG)
    code, out, err = on_terminal(seeded, "n", "snapshot", "restore", "--env", "dev", "--name",
                                 "good")
    assert code == 1 and "Restore dev to snapshot good? [y/N]" in out
    assert err.strip() == "restore cancelled; nothing changed"
    assert objects(CONFIG) == before and results() == ["succeeded"]
    code, out, err = on_terminal(seeded, "y", "snapshot", "restore", "--env", "dev", "--name",
                                 "good")
    assert code == 0 and "dev: restored to snapshot good" in out, err
    assert "canonical/reference/new.md" not in objects(CONFIG)
    assert results() == ["succeeded", "succeeded"]
