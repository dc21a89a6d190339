"""Run the CLI in a child process that, once it holds its environment's lock, waits until every
peer run holds its own: a barrier over marker files in DIR, bounded by TIMEOUT seconds. Passing
the barrier shows that the runs held their locks at the same time.

Usage: python barrier_runner.py DIR NAME PEER[,PEER...] TIMEOUT -- <vectora-gitops arguments>

The first deployment record is written right after the lock is taken, so that write is the
point where this run is known to hold it. On timeout the run exits 3 (its lock left behind).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from vectora_gitops.aws.client import add_request_hook
from vectora_gitops.cli import main

POLL_S = 0.05
TIMED_OUT = 3


def marker(folder: Path, name: str) -> Path:
    return folder / f"{name}.locked"


def install(folder: Path, name: str, peers: list[str], timeout: float) -> None:
    passed = [False]

    def hook(service: str, operation: str, params: dict[str, Any]) -> None:
        if passed[0] or operation != "PutObject" or \
                not str(params.get("Key", "")).startswith("deployments/records/"):
            return
        passed[0] = True
        marker(folder, name).write_text(f"{params['Bucket']}\n")
        deadline = time.monotonic() + timeout
        while not all(marker(folder, peer).exists() for peer in peers):
            if time.monotonic() > deadline:
                sys.stderr.write(f"barrier: {name} held its lock {timeout:g} s and "
                                 f"{', '.join(peers)} never held theirs meanwhile\n")
                sys.stderr.flush()
                os._exit(TIMED_OUT)
            time.sleep(POLL_S)

    add_request_hook(hook)


if __name__ == "__main__":
    install(Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(","), float(sys.argv[4]))
    raise SystemExit(main(sys.argv[6:]))
