"""Files the tool keeps on this machine (crash logs, records no data bucket can hold): where
they go and how each is written once, readable by its owner only (docs/architecture.md §5)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def state_folders(env_var: str, sub: str) -> list[Path]:
    """First writable wins: $`env_var`, the XDG state folder ($XDG_STATE_HOME or ~/.local/state)
    joined with `sub`, then the temporary folder joined with `sub`."""
    folders = [Path(p) for p in (os.environ.get(env_var),) if p]
    for state in (os.environ.get("XDG_STATE_HOME", ""), os.path.expanduser("~/.local/state")):
        if Path(state).is_absolute():  # XDG: a relative value is ignored
            folders.append(Path(state) / sub)
            break
    folders.append(Path(tempfile.gettempdir()) / sub)
    return folders


def write_once(folders: Sequence[Path], name: str, text: str) -> Path | None:
    """Write `text` to a new file `name` (mode 0600) in the first folder that takes it; None when
    none does."""
    for folder in folders:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            return folder / name
        except OSError:
            continue
    return None
