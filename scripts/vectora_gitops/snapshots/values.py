"""What `snapshot list` and `snapshot show` present, as typed values (pure: no AWS code), read
by `snapshots/catalog.py` and `snapshots/show.py` and formatted by `render/snapshot.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One row of `snapshot list`; counts are None where the manifest could not be read."""
    name: str
    created_at: str
    kind: str  # manual | automatic | "" (unknown)
    commit: str  # the commit AWS ran when it was taken ("" unknown)
    objects: int | None
    functions: int | None
    note: str = ""  # why a field is unknown


@dataclass(frozen=True)
class ObjectRow:
    key: str
    version_id: str
    etag: str
    size: int  # -1: not recorded


@dataclass(frozen=True)
class FunctionRow:
    key: str
    name: str
    code_sha256: str
    runtime: str
    layers: tuple[str, ...]  # layer version ARNs, in order


@dataclass(frozen=True)
class ClientRow:
    """A client config object of the snapshot and what its content says of itself."""
    client_id: str  # from the object's key
    key: str
    version_id: str
    version: str  # client_profile.version ("" when the content does not say)
    active: str  # client_profile.active as written ("" when absent)


@dataclass(frozen=True)
class RunRow:
    """The newest run output (`curated/<id>/<Y>/<M>/<D>/items.json`) written by the snapshot's
    time; key "" when none was found within the bounded search (`note` says so)."""
    client_id: str
    key: str
    written: str  # S3's LastModified (ISO 8601)
    note: str = ""

    @property
    def day(self) -> str:
        """The run's day as its key names it (YYYY-MM-DD)."""
        parts = self.key.split("/")
        return "-".join(parts[2:5]) if len(parts) == 6 else ""


@dataclass(frozen=True)
class SnapshotRecord:
    """The human record of a snapshot (`snapshot show`), e.g. before a migration."""
    name: str
    env: str
    created_at: str
    kind: str
    commit: str
    reason: str
    actor: str
    bucket: str
    data_bucket: str
    objects: tuple[ObjectRow, ...]
    functions: tuple[FunctionRow, ...]
    layers: Mapping[str, str]  # layer version ARN -> CodeSha256
    clients: tuple[ClientRow, ...]
    runs: tuple[RunRow, ...]
    notes: tuple[str, ...]  # known issues given with --note
