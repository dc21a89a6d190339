"""Observe AWS for one environment: listings, layer versions, function configurations.

Cost of a no-op plan: one ListObjectsV2 page per 1,000 objects and prefix, one
ListLayerVersions per layer, one GetFunction per function, plus a small constant
(caller identity, bucket versioning, the written-state record). Objects whose ETag is not the
MD5 of the desired bytes cost one HeadObject each, and only when the ETag cannot tell
(`checksums`, engine/identity.py): none on SSE-S3 buckets in sync. With managed stacks
(docs/architecture.md §10): one DescribeStacks and one GetTemplate per stack and one ListStacks
page; a change set only for a stack that differs from git.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from vectora_gitops.aws import cloudformation, lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.actual import WRITTEN_KEY, ActualState
from vectora_gitops.engine.identity import needs_checksum
from vectora_gitops.engine.layers import code_hex, needs_code
from vectora_gitops.engine.monitoring_io import observe_monitoring
from vectora_gitops.errors import AwsError, GuardError
from vectora_gitops.model import DesiredObject, Environment
from vectora_gitops.observed import FunctionConfig, ObservedStack, S3Object


def observe(aws: Aws, env: Environment) -> ActualState:
    with ThreadPoolExecutor(max_workers=8) as pool:
        stacks = observe_stacks(aws, env, pool)
        # a stack still to create: its buckets and functions do not exist yet (docs §10)
        to_create = any(s is None for s in stacks.values())
        listings = {p: pool.submit(_list, aws, env.buckets.config, p, missing_ok=to_create)
                    for p in env.sync.managed_prefixes}
        layers = {k: pool.submit(lambda_.list_layer_versions, aws, spec.name)
                  for k, spec in env.layers.items()}
        functions = {k: pool.submit(_function, aws, env, spec.name, missing_ok=to_create)
                     for k, spec in env.functions.items()}
        written = pool.submit(_written, aws, env, missing_ok=to_create)
        monitoring = pool.submit(observe_monitoring, aws, env)
        objects = {o.key: o for f in listings.values() for o in f.result()}
        state = written.result() or {}
        listed = {k: f.result() for k, f in layers.items()}
        configs = {k: f.result() for k, f in functions.items()}
        attached = frozenset(arn for c in configs.values() if c for arn in c.layers)
        wanted = sorted(arn for vs in listed.values() for arn in needs_code(vs, attached))
        codes = dict(zip(wanted, pool.map(lambda a: _code(aws, a), wanted), strict=True))
        return ActualState(
            objects=objects,
            layers=listed,
            functions=configs,
            written={k: (str(v[0]), str(v[1])) for k, v in state.get("objects", {}).items()},
            layer_code=codes,
            monitoring=monitoring.result(),
            stacks=stacks,
            unnamed_stacks=_unnamed(aws, env) if env.managed_stacks else (),
        )


def checksums(aws: Aws, env: Environment, objects: Mapping[str, DesiredObject],
              actual: ActualState) -> ActualState:
    """`actual` with the SHA-256 checksums S3 stores for the desired objects whose listed ETag
    cannot tell whether they hold the desired bytes (HeadObject ChecksumMode=ENABLED, 8 at a
    time)."""
    wanted = sorted(key for key, want in objects.items()
                    if (have := actual.objects.get(key)) is not None
                    and needs_checksum(want, have, actual.written))
    if not wanted:
        return actual
    bucket = env.buckets.config
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = pool.map(lambda k: s3.checksum_sha256(aws, bucket, k, actual.objects[k].etag),
                         wanted)
        return replace(actual, checksums=dict(zip(wanted, found, strict=True)))


def observe_stacks(aws: Aws, env: Environment, pool: ThreadPoolExecutor
                   ) -> dict[str, ObservedStack | None]:
    """The managed stacks (None: CloudFormation says it does not exist). A stack that cannot be
    read raises (its state is unknown, never taken for absent)."""
    found = {k: pool.submit(cloudformation.describe_stack, aws, spec.name)
             for k, spec in env.managed_stacks.items()}
    return {k: f.result() for k, f in found.items()}


def _unnamed(aws: Aws, env: Environment) -> tuple[str, ...]:
    """Stacks of this environment (`vectora-inbox-*-<env>`) that git does not name: reported,
    never deleted."""
    named = set(env.stacks)
    return tuple(s for s in cloudformation.stack_names(aws)
                 if s.startswith("vectora-inbox-") and s.endswith(f"-{env.name}")
                 and s not in named)


def _written(aws: Aws, env: Environment, *, missing_ok: bool) -> Any:
    try:
        return s3.get_json(aws, env.buckets.data, WRITTEN_KEY)
    except AwsError as exc:
        if missing_ok and exc.code == "NoSuchBucket":
            return None
        raise


def _code(aws: Aws, arn: str) -> str:
    """Hex content hash of an attached layer version ('' when it cannot be read)."""
    try:
        return code_hex(lambda_.layer_code_sha256(aws, arn))
    except AwsError:
        return ""


def _list(aws: Aws, bucket: str, prefix: str, *, missing_ok: bool = False) -> list[S3Object]:
    try:
        return list(s3.list_objects(aws, bucket, prefix))
    except AwsError as exc:
        if missing_ok and exc.code == "NoSuchBucket":  # created by a stack of this plan
            return []
        raise


def _function(aws: Aws, env: Environment, name: str, *, missing_ok: bool = False
              ) -> FunctionConfig | None:
    try:
        return lambda_.get_function(aws, name)
    except AwsError as exc:
        if exc.code == "ResourceNotFoundException" and missing_ok:
            return None  # created by a stack of this plan
        if exc.code == "ResourceNotFoundException":
            raise GuardError(f"function {name} does not exist in {env.name}; deploy the "
                             f"CloudFormation stack {env.stack('runtime')} first") from None
        raise
