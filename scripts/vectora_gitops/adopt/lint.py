"""Files adopted byte for byte keep the live layout (trailing spaces, no final newline, a
duplicate key); the repository's yamllint (`.yamllint`, run by bin/test, pre-commit and CI)
would refuse them. Import lists them under its `ignore: |` block, so the first pull request
passes; the next version of such a file is linted again (docs/architecture.md §8)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

CONFIG = ".yamllint"
IGNORE = re.compile(r"^ignore:\s*\|[-+]?\s*$")


def ignore_adopted(root: Path, paths: Sequence[str], note: str) -> list[str]:
    """Add `paths` to the ignore block of `root/.yamllint`; returns the paths added. Nothing is
    done without a `.yamllint`, or when its `ignore` is not a block scalar (said by the caller)."""
    config = root / CONFIG
    if not config.is_file() or not paths:
        return []
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if IGNORE.match(line)), None)
    if start is None and any(line.startswith("ignore:") for line in lines):
        return []
    if start is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append("ignore: |\n")
        start = len(lines) - 1
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    block = {line.strip() for line in lines[start + 1:end]}
    new = [p for p in dict.fromkeys(paths) if p not in block]
    if not new:
        return []
    if end > start + 1 and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    lines[end:end] = [f"  # {note}\n", *(f"  {p}\n" for p in new)]
    config.write_text("".join(lines), encoding="utf-8")
    return new
