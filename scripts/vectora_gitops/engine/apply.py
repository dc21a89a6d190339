"""Apply: lock, re-check, snapshot, execute exactly the plan in safe order, record, unlock."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from vectora_gitops.aws import lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.actual import WRITTEN_KEY, ActualState
from vectora_gitops.engine.changes import (
    Change,
    CopyArtifact,
    DeleteObject,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
)
from vectora_gitops.errors import AwsError, FatalError
from vectora_gitops.model import DesiredState
from vectora_gitops.observed import code_sha256_b64, layer_description

PARALLEL_WRITES = 16
Progress = Callable[[int], None]


@dataclass
class Outcome:
    done: list[Change] = field(default_factory=list)
    published: dict[str, str] = field(default_factory=dict)  # layer -> version ARN
    written: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (sha256, etag)
    deleted: list[str] = field(default_factory=list)
    artifacts: set[tuple[str, str]] = field(default_factory=set)  # (bucket, key) verified here


def execute(aws: Aws, desired: DesiredState, changes: tuple[Change, ...], actual: ActualState,
            *, progress: Progress | None = None) -> Outcome:
    """Run the changes in their (already safe) order; the state record is kept even on failure."""
    outcome = Outcome()
    try:
        _run(aws, desired, changes, outcome, progress or (lambda _n: None))
    finally:
        if outcome.written or outcome.deleted:
            _save_written(aws, desired, actual, outcome)
    return outcome


def _run(aws: Aws, desired: DesiredState, changes: tuple[Change, ...], outcome: Outcome,
         progress: Progress) -> None:
    index = 0
    while index < len(changes):
        batch = [changes[index]]
        if isinstance(batch[0], PutObject):
            phase = batch[0].phase
            while index + len(batch) < len(changes):
                nxt = changes[index + len(batch)]
                if not (isinstance(nxt, PutObject) and nxt.phase == phase):
                    break
                batch.append(nxt)
            _put_batch(aws, desired, batch, outcome, progress)
        else:
            _one(aws, desired, batch[0], outcome)
            outcome.done.append(batch[0])
            progress(1)
        index += len(batch)


def _put_batch(aws: Aws, desired: DesiredState, batch: list[Change], outcome: Outcome,
               progress: Progress) -> None:
    bucket = desired.env.buckets.config

    def put(change: PutObject) -> tuple[PutObject, str]:
        want = desired.objects.get(change.key)
        if want is None or want.sha256 != change.sha256:
            raise FatalError(f"s3 {change.key}: the checkout no longer has the planned content; "
                             "make a new plan")
        return change, s3.put_bytes(aws, bucket, change.key, want.content,
                                    content_type=_content_type(change.key),
                                    metadata={"sha256": want.sha256})

    with ThreadPoolExecutor(max_workers=PARALLEL_WRITES) as pool:
        futures = [pool.submit(put, c) for c in batch if isinstance(c, PutObject)]
        error: BaseException | None = None
        for future in futures:
            try:
                change, etag = future.result()
            except BaseException as exc:  # keep collecting what did succeed
                error = error or exc
                continue
            outcome.written[change.key] = (change.sha256, etag)
            outcome.done.append(change)
            progress(1)
        if error is not None:
            raise error


def _one(aws: Aws, desired: DesiredState, change: Change, outcome: Outcome) -> None:
    if isinstance(change, DeleteObject):
        s3.delete(aws, desired.env.buckets.config, change.key)
        outcome.deleted.append(change.key)
    elif isinstance(change, CopyArtifact):
        _copy_artifact(aws, change)
        outcome.artifacts.add((change.bucket, change.key))
    elif isinstance(change, PublishLayer):
        outcome.published[change.layer] = _publish(aws, change, outcome.artifacts)
    elif isinstance(change, UpdateFunction):
        _update_function(aws, change, outcome)
    elif isinstance(change, TagFunction):
        lambda_.tag(aws, change.arn, change.tags)


def _verified(aws: Aws, bucket: str, key: str, sha256: str) -> bytes | None:
    data = s3.get_bytes(aws, bucket, key)
    if data is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise FatalError(f"s3://{bucket}/{key}: content hash {hashlib.sha256(data).hexdigest()} "
                         f"is not the pinned {sha256}; artifacts are immutable: build a new "
                         "version and pin its hash")
    return data


def _copy_artifact(aws: Aws, change: CopyArtifact) -> None:
    if _verified(aws, change.bucket, change.key, change.sha256) is not None:
        return  # already there with the right content
    src_bucket, src_key = change.source[len("s3://"):].split("/", 1)
    data = _verified(aws, src_bucket, src_key, change.sha256)
    if data is None:
        raise FatalError(f"layer {change.layer}: artifact {change.source} does not exist; "
                         "upload the built zip there first")
    s3.put_bytes(aws, change.bucket, change.key, data, content_type="application/zip",
                 metadata={"sha256": change.sha256})


def _publish(aws: Aws, change: PublishLayer, verified: set[tuple[str, str]]) -> str:
    """Publish from the environment's own bucket; the artifact is verified first, unless the
    copy of this same apply just did."""
    if (change.bucket, change.key) not in verified and \
            _verified(aws, change.bucket, change.key, change.sha256) is None:
        raise FatalError(f"layer {change.layer}: artifact s3://{change.bucket}/{change.key} does "
                         "not exist; upload the built zip (or pin an existing artifact)")
    arn, code_sha = lambda_.publish_layer_version(
        aws, change.layer_name, bucket=change.bucket, key=change.key,
        description=layer_description(change.version, change.sha256), runtimes=change.runtimes)
    expected = code_sha256_b64(change.sha256)
    if code_sha and code_sha != expected:
        raise AwsError(f"PublishLayerVersion {change.layer_name}: CodeSha256 {code_sha} is not "
                       f"the pinned content {expected}")
    return arn


def _update_function(aws: Aws, change: UpdateFunction, outcome: Outcome) -> None:
    layers = None
    if change.layers_after is not None:
        layers = tuple(ref.arn or outcome.published.get(ref.layer, "")
                       for ref in change.layers_after)
        for ref, arn in zip(change.layers_after, layers, strict=True):
            if not arn:
                raise FatalError(f"function {change.function}: layer {ref.layer} was not "
                                 "published; apply again")
            if ref.arn:
                _check_layer_content(aws, ref.layer, arn, ref.sha256)
    lambda_.update_configuration(aws, change.name, layers=layers, environment=change.env_after)


def _check_layer_content(aws: Aws, layer: str, arn: str, sha256: str) -> None:
    code = lambda_.layer_code_sha256(aws, arn)
    if code and code != code_sha256_b64(sha256):
        raise FatalError(f"layer {layer}: {arn} says sha256={sha256} in its description but its "
                         "CodeSha256 differs; it was published by hand: delete it or pin its "
                         "real content")


def _save_written(aws: Aws, desired: DesiredState, actual: ActualState,
                  outcome: Outcome) -> None:
    state: dict[str, Any] = {k: list(v) for k, v in actual.written.items()}
    state.update({k: list(v) for k, v in outcome.written.items()})
    for key in outcome.deleted:
        state.pop(key, None)
    s3.put_json(aws, desired.env.buckets.data, WRITTEN_KEY,
                {"env": desired.env.name, "commit": desired.commit, "objects": state})


def _content_type(key: str) -> str:
    suffix = key.rsplit(".", 1)[-1].lower()
    return {"yaml": "application/yaml", "yml": "application/yaml", "json": "application/json",
            "csv": "text/csv", "md": "text/markdown"}.get(suffix, "application/octet-stream")
