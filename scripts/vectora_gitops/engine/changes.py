"""Typed changes: what the pure diff produces, a plan stores and apply executes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

# Order in which apply runs the phases: a reader never sees a config naming something missing.
PHASES = ("canonical", "clients", "artifacts", "layers", "functions", "deletions")


@dataclass(frozen=True)
class PutObject:
    kind: ClassVar[str] = "put_object"
    key: str
    sha256: str
    md5: str
    size: int
    action: str  # create | update
    source: str

    @property
    def phase(self) -> str:
        return "clients" if self.key.startswith("clients/") else "canonical"

    @property
    def resource(self) -> str:
        return f"s3 {self.key}"


@dataclass(frozen=True)
class DeleteObject:
    kind: ClassVar[str] = "delete_object"
    key: str
    etag: str
    phase: ClassVar[str] = "deletions"

    @property
    def resource(self) -> str:
        return f"s3 {self.key}"


@dataclass(frozen=True)
class CopyArtifact:
    kind: ClassVar[str] = "copy_artifact"
    layer: str
    source: str  # s3://bucket/key
    bucket: str
    key: str
    sha256: str
    phase: ClassVar[str] = "artifacts"

    @property
    def resource(self) -> str:
        return f"layer {self.layer}"


@dataclass(frozen=True)
class PublishLayer:
    kind: ClassVar[str] = "publish_layer"
    layer: str
    layer_name: str
    version: str
    sha256: str
    bucket: str
    key: str
    runtimes: tuple[str, ...] = ()
    phase: ClassVar[str] = "layers"

    @property
    def resource(self) -> str:
        return f"layer {self.layer}"


@dataclass(frozen=True)
class LayerRef:
    """A layer version a function must carry: a known ARN, or the one publish creates."""

    layer: str
    sha256: str
    arn: str = ""  # empty: published by this plan


@dataclass(frozen=True)
class UpdateFunction:
    kind: ClassVar[str] = "update_function"
    function: str
    name: str
    layers_before: tuple[str, ...] = ()
    layers_after: tuple[LayerRef, ...] | None = None  # None: unchanged
    env_before: Mapping[str, str] = field(default_factory=dict)
    env_after: Mapping[str, str] | None = None  # None: unchanged
    phase: ClassVar[str] = "functions"

    @property
    def resource(self) -> str:
        return f"function {self.function}"


@dataclass(frozen=True)
class TagFunction:
    kind: ClassVar[str] = "tag_function"
    function: str
    name: str
    arn: str
    tags: Mapping[str, str]
    before: Mapping[str, str]
    phase: ClassVar[str] = "functions"

    @property
    def resource(self) -> str:
        return f"function {self.function}"


Change = PutObject | DeleteObject | CopyArtifact | PublishLayer | UpdateFunction | TagFunction
KINDS: Mapping[str, type[Any]] = {c.kind: c for c in (PutObject, DeleteObject, CopyArtifact,
                                                      PublishLayer, UpdateFunction, TagFunction)}


def ordered(changes: list[Change]) -> tuple[Change, ...]:
    """Changes in apply order: by phase, then by resource."""
    return tuple(sorted(changes, key=lambda c: (PHASES.index(c.phase), c.resource, c.kind)))


def to_json(change: Change) -> dict[str, Any]:
    data = dataclasses.asdict(change)
    data["kind"] = change.kind
    return data


def from_json(data: Mapping[str, Any]) -> Change:
    fields = dict(data)
    cls = KINDS.get(str(fields.pop("kind", "")))
    if cls is None:
        raise ValueError(f"unknown change kind {data.get('kind')!r}")
    if cls is UpdateFunction:
        if fields.get("layers_after") is not None:
            fields["layers_after"] = tuple(LayerRef(**r) for r in fields["layers_after"])
        fields["layers_before"] = tuple(fields.get("layers_before", ()))
    if cls is PublishLayer:
        fields["runtimes"] = tuple(fields.get("runtimes", ()))
    change: Change = cls(**fields)
    return change
