"""What AWS holds differently from git, row by row of the status matrix, and since when (pure).

The plan's changes say what apply would put back; each becomes `Detail`s on the row it concerns:
an object on its deployable (`canonical`, `clients/<id>`), a pinned layer a function does not
carry on `layers/<name>`, a function's variables, tags and layer order on `functions/<key>`.
Times are AWS's own: the object's LastModified, the function's LastModified; None where AWS gives
none (a missing object, a tag). Values are as `masking.py` shows them (docs/architecture.md §9):
the diff already masked AWS's side of a function, git's side is masked here when named secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import (
    Change,
    CopyArtifact,
    DeleteObject,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
)
from vectora_gitops.history import parse_time
from vectora_gitops.masking import git_value, same
from vectora_gitops.model import object_selector, selector_of

FUNCTIONS = "functions"  # rows `functions/<key>`: one per function an environment declares

# Kinds of detail (labels.detail words each one).
OBJECT_CHANGED = "object_changed"  # AWS's bytes are not git's nor what the tool wrote
OBJECT_EARLIER = "object_earlier"  # AWS holds what the tool wrote earlier: git's bytes not applied
OBJECT_MISSING = "object_missing"
OBJECT_EXTRA = "object_extra"  # in AWS, not in git (or deleted by git: `git` says why)
LAYER_MISSING = "layer_missing"  # the pinned layer version is not published in AWS
LAYER_NOT_ATTACHED = "layer_not_attached"  # a function does not carry the pinned layer
LAYER_ORDER = "layer_order"  # the function's layers differ in another way (order)
ENV_CHANGED, ENV_ADDED, ENV_REMOVED = "env_changed", "env_added", "env_removed"
TAG_CHANGED, TAG_MISSING = "tag_changed", "tag_missing"
FUNCTION_MISSING = "function_missing"  # declared in git, absent from AWS (the plan cannot fix it)


@dataclass(frozen=True)
class Detail:
    """One thing AWS holds differently from git."""

    kind: str
    subject: str  # object key, variable or tag name, layer name
    function: str = ""  # the function's key, for function settings and layer attachments
    aws: str = ""  # AWS's side as shown (masked where masking.py says so)
    git: str = ""  # git's side as shown
    since: datetime | None = None  # since when AWS holds it, as AWS says; None: unknown


def function_row(key: str) -> str:
    return f"{FUNCTIONS}/{key}"


def placed(changes: Sequence[Change], actual: ActualState, rows: frozenset[str]
           ) -> tuple[dict[str, tuple[Detail, ...]], tuple[Detail, ...]]:
    """(row -> its details, details of no row): `rows` are the environment's pinned deployables
    and its function rows. A declared function AWS does not have differs too, though the plan
    has no change for it (the stacks create functions, not this tool)."""
    out: dict[str, list[Detail]] = {}
    other: list[Detail] = []
    for row in sorted(rows):
        kind, _, key = row.partition("/")
        if kind == FUNCTIONS and actual.functions.get(key) is None:
            out[row] = [Detail(FUNCTION_MISSING, key, key)]
    for change in changes:
        for row, detail in of_change(change, actual):
            (out.setdefault(row, []) if row in rows else other).append(detail)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}, tuple(dict.fromkeys(other))


def of_change(change: Change, actual: ActualState) -> Iterator[tuple[str, Detail]]:
    """The (row, detail) pairs of one change."""
    if isinstance(change, PutObject | DeleteObject):
        row = object_selector(change.key) or f"s3 {change.key}"
        yield row, object_detail(change, actual)
    elif isinstance(change, PublishLayer | CopyArtifact):
        version = change.version if isinstance(change, PublishLayer) else ""
        yield selector_of("layers", change.layer), Detail(LAYER_MISSING, change.layer, git=version)
    elif isinstance(change, UpdateFunction):
        yield from function_details(change, function_time(change.function, actual))
    elif isinstance(change, TagFunction):
        for name, value in sorted(change.tags.items()):
            have = change.before.get(name)
            yield function_row(change.function), Detail(
                TAG_MISSING if have is None else TAG_CHANGED, name, change.function,
                have or "", value)


def object_detail(change: PutObject | DeleteObject, actual: ActualState) -> Detail:
    have = actual.objects.get(change.key)
    since = parse_time(have.last_modified) if have else None
    if isinstance(change, DeleteObject):
        return Detail(OBJECT_EXTRA, change.key, git=change.why, since=since)
    if have is None:
        return Detail(OBJECT_MISSING, change.key)
    sha, etag = actual.written.get(change.key, ("", ""))
    earlier = etag == have.etag and sha != change.sha256
    return Detail(OBJECT_EARLIER if earlier else OBJECT_CHANGED, change.key, since=since)


def function_time(key: str, actual: ActualState) -> datetime | None:
    config = actual.functions.get(key)
    return config.last_modified if config else None


def function_details(change: UpdateFunction, since: datetime | None
                     ) -> Iterator[tuple[str, Detail]]:
    key, row = change.function, function_row(change.function)
    if change.layers_after is not None:
        carried = ", ".join(short_layer(a) for a in change.layers_before) or "none"
        missing = change.deployables()
        for layer in sorted(missing):
            yield layer, Detail(LAYER_NOT_ATTACHED, layer.split("/", 1)[1], key, carried,
                                since=since)
        if not missing:
            wanted = ", ".join(r.layer for r in change.layers_after)
            yield row, Detail(LAYER_ORDER, "layers", key, carried, wanted, since)
    if change.env_after is not None:
        for detail in env_details(key, change.env_before, change.env_after, since):
            yield row, detail


def env_details(key: str, before: Mapping[str, str], after: Mapping[str, str],
                since: datetime | None) -> list[Detail]:
    """By variable name: AWS's value as the diff masked it, git's as masking.git_value shows it."""
    out = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            out.append(Detail(ENV_ADDED, name, key, before[name], since=since))
        elif name not in before:
            out.append(Detail(ENV_REMOVED, name, key, git=git_value(name, after[name]),
                              since=since))
        elif not same(before[name], after[name]):
            out.append(Detail(ENV_CHANGED, name, key, before[name], git_value(name, after[name]),
                              since))
    return out


def short_layer(arn: str) -> str:
    """`arn:...:layer:core-dev:2` -> `core-dev:2`."""
    parts = arn.rsplit(":", 2)
    return f"{parts[-2]}:{parts[-1]}" if len(parts) == 3 else arn
