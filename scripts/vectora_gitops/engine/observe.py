"""Observe AWS for one environment: listings, layer versions, function configurations.

Cost of a no-op plan: one ListObjectsV2 page per 1,000 objects and prefix, one
ListLayerVersions per layer, one GetFunction per function, plus a small constant
(caller identity, bucket versioning, the written-state record).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from vectora_gitops.aws import lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.actual import WRITTEN_KEY, ActualState
from vectora_gitops.engine.layers import code_hex, needs_code
from vectora_gitops.engine.monitoring_io import observe_monitoring
from vectora_gitops.errors import AwsError, GuardError
from vectora_gitops.model import Environment
from vectora_gitops.observed import FunctionConfig, S3Object


def observe(aws: Aws, env: Environment) -> ActualState:
    with ThreadPoolExecutor(max_workers=8) as pool:
        listings = {p: pool.submit(_list, aws, env.buckets.config, p)
                    for p in env.sync.managed_prefixes}
        layers = {k: pool.submit(lambda_.list_layer_versions, aws, spec.name)
                  for k, spec in env.layers.items()}
        functions = {k: pool.submit(_function, aws, env, spec.name)
                     for k, spec in env.functions.items()}
        written = pool.submit(s3.get_json, aws, env.buckets.data, WRITTEN_KEY)
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
        )


def _code(aws: Aws, arn: str) -> str:
    """Hex content hash of an attached layer version ('' when it cannot be read)."""
    try:
        return code_hex(lambda_.layer_code_sha256(aws, arn))
    except AwsError:
        return ""


def _list(aws: Aws, bucket: str, prefix: str) -> list[S3Object]:
    return list(s3.list_objects(aws, bucket, prefix))


def _function(aws: Aws, env: Environment, name: str) -> FunctionConfig:
    try:
        return lambda_.get_function(aws, name)
    except AwsError as exc:
        if exc.code == "ResourceNotFoundException":
            raise GuardError(f"function {name} does not exist in {env.name}; deploy the "
                             f"CloudFormation stack {env.stack('runtime')} first") from None
        raise
