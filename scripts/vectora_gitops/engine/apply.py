"""Apply: lock, re-check, snapshot, execute exactly the plan in safe order, record, unlock."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from vectora_gitops.aws import lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine import stackapply
from vectora_gitops.engine.actual import WRITTEN_KEY, ActualState
from vectora_gitops.engine.changes import (
    Change,
    CopyArtifact,
    CreateStack,
    DeleteObject,
    ProtectStack,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
    UpdateStack,
)
from vectora_gitops.engine.monitoring_io import MonitoringSteps
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
            *, progress: Progress | None = None,
            stacks: stackapply.StackRun | None = None) -> Outcome:
    """Run the changes in their (already safe) order; the state record is kept even on failure.
    `stacks`: how the stack changes run (docs/architecture.md §10)."""
    outcome = Outcome()
    try:
        _run(aws, desired, changes, outcome, progress or (lambda _n: None), stacks)
    finally:
        if outcome.written or outcome.deleted:
            _save_written(aws, desired, actual, outcome)
    return outcome


def _run(aws: Aws, desired: DesiredState, changes: tuple[Change, ...], outcome: Outcome,
         progress: Progress, stacks: stackapply.StackRun | None = None) -> None:
    steps = _Steps(aws, desired, outcome, stacks)
    index = 0
    while index < len(changes):
        batch = [changes[index]]
        while batch[0].parallel and index + len(batch) < len(changes):
            nxt = changes[index + len(batch)]
            if not (nxt.parallel and nxt.phase == batch[0].phase):
                break
            batch.append(nxt)
        if len(batch) == 1 and not batch[0].parallel:
            batch[0].run(steps)
            outcome.done.append(batch[0])
            progress(1)
        else:
            _run_parallel(steps, batch, outcome, progress)
        index += len(batch)


def _run_parallel(steps: _Steps, batch: list[Change], outcome: Outcome, progress: Progress) -> None:
    """Run `batch` PARALLEL_WRITES at a time; what succeeded is kept even when one fails."""
    with ThreadPoolExecutor(max_workers=PARALLEL_WRITES) as pool:
        futures = [(change, pool.submit(change.run, steps)) for change in batch]
        error: BaseException | None = None
        for change, future in futures:
            try:
                future.result()
            except BaseException as exc:  # keep collecting what did succeed
                error = error or exc
                continue
            outcome.done.append(change)
            progress(1)
        if error is not None:
            raise error


class _Steps(MonitoringSteps):
    """The AWS step of each kind of change (engine/changes.py `Executor`)."""

    def __init__(self, aws: Aws, desired: DesiredState, outcome: Outcome,
                 stacks: stackapply.StackRun | None = None) -> None:
        self.aws, self.desired, self.outcome = aws, desired, outcome
        self.stacks = stacks or stackapply.StackRun(aws, desired, say=lambda _s: None)
        self._lock = threading.Lock()

    def put_object(self, change: PutObject) -> None:
        want = self.desired.objects.get(change.key)
        if want is None or want.sha256 != change.sha256:
            raise FatalError(f"s3 {change.key}: the checkout no longer has the planned content; "
                             "make a new plan")
        etag = s3.put_bytes(self.aws, self.desired.env.buckets.config, change.key, want.content,
                            content_type=_content_type(change.key), metadata={"sha256": want.sha256})
        with self._lock:
            self.outcome.written[change.key] = (change.sha256, etag)

    def delete_object(self, change: DeleteObject) -> None:
        s3.delete(self.aws, self.desired.env.buckets.config, change.key)
        self.outcome.deleted.append(change.key)

    def copy_artifact(self, change: CopyArtifact) -> None:
        _copy_artifact(self.aws, change)
        self.outcome.artifacts.add((change.bucket, change.key))

    def publish_layer(self, change: PublishLayer) -> None:
        self.outcome.published[change.layer] = _publish(self.aws, change, self.outcome.artifacts)

    def update_function(self, change: UpdateFunction) -> None:
        _update_function(self.aws, change, self.outcome)

    def tag_function(self, change: TagFunction) -> None:
        lambda_.tag(self.aws, change.arn, change.tags)

    def create_stack(self, change: CreateStack) -> None:
        stackapply.create(self.stacks, change)

    def update_stack(self, change: UpdateStack) -> None:
        stackapply.update(self.stacks, change)

    def protect_stack(self, change: ProtectStack) -> None:
        stackapply.protect(self.stacks, change.name)


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
