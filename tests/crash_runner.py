"""Run the CLI in a child process that dies (SIGKILL) at its k-th AWS write call.

Usage: python crash_runner.py K -- <vectora-gitops arguments>
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from vectora_gitops.aws.client import add_request_hook
from vectora_gitops.cli import main

WRITES = ("Put", "Delete", "Publish", "Update", "Tag", "Copy", "Create")


def install(k: int) -> None:
    seen = [0]

    def hook(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation.startswith(WRITES):
            seen[0] += 1
            if seen[0] == k:
                os.kill(os.getpid(), signal.SIGKILL)

    add_request_hook(hook)


if __name__ == "__main__":
    install(int(sys.argv[1]))
    raise SystemExit(main(sys.argv[3:]))
