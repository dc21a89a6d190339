"""Run the CLI in a child process whose function updates take `SECONDS` longer each, so a run
holds its lock long enough for a concurrent one to meet it.

Usage: python slow_runner.py SECONDS -- <vectora-gitops arguments>
"""

from __future__ import annotations

import sys
import time
from typing import Any

from vectora_gitops.aws.client import add_request_hook
from vectora_gitops.cli import main


def install(seconds: float) -> None:
    def hook(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "UpdateFunctionConfiguration":
            time.sleep(seconds)

    add_request_hook(hook)


if __name__ == "__main__":
    install(float(sys.argv[1]))
    raise SystemExit(main(sys.argv[3:]))
