"""The one module that writes to the terminal."""

from __future__ import annotations

import sys
from typing import TextIO


def out(text: str = "", *, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(text if text.endswith("\n") or not text else text + "\n")
    (stream or sys.stdout).flush()


def err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


def is_tty() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def confirm(question: str) -> bool:
    sys.stdout.write(f"{question} [y/N] ")
    sys.stdout.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")
