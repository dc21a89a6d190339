"""Layer pins from the layer versions the functions carry.

A version published by this tool (Description `version=... sha256=...`) whose artifact is in the
environment's lambda-code bucket is pinned as it is. A version published by hand is pinned by its
content (CodeSha256) as `0.0.0-adopted.<n>`; when no zip with that content exists the pin names
where it must be uploaded, and the caller says so.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from vectora_gitops.aws import lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.layers import code_hex, layer_name
from vectora_gitops.errors import InputError
from vectora_gitops.model import Environment, LayerPin
from vectora_gitops.observed import FunctionConfig


@dataclass(frozen=True)
class AdoptedLayer:
    key: str
    arn: str
    pin: LayerPin
    note: str = ""  # a warning for the operator


def attached_by_layer(env: Environment,
                      configs: Mapping[str, FunctionConfig]) -> dict[str, str]:
    """Logical layer -> the version ARN most functions carry (ties: the newest)."""
    by_name = {spec.name: key for key, spec in env.layers.items()}
    seen: dict[str, Counter[str]] = {}
    for config in configs.values():
        for arn in config.layers:
            key = by_name.get(layer_name(arn))
            if key:
                seen.setdefault(key, Counter())[arn] += 1
    return {key: max(c, key=lambda a: (c[a], lambda_.split_layer_arn(a)[1]))
            for key, c in seen.items()}


def adopt_layer(aws: Aws, env: Environment, key: str, arn: str) -> AdoptedLayer:
    listed = {v.arn: v for v in lambda_.list_layer_versions(aws, env.layers[key].name)}
    number = lambda_.split_layer_arn(arn)[1]
    code = code_hex(lambda_.layer_code_sha256(aws, arn))
    pinned = listed[arn].pinned if arn in listed else None
    bucket = env.buckets.lambda_code
    if pinned and (not code or code == pinned[1]):
        artifact = f"layers/{key}-{pinned[0]}.zip"
        if _holds(aws, bucket, artifact, pinned[1]):
            return AdoptedLayer(key, arn, LayerPin(pinned[0], pinned[1], f"s3://{bucket}/{artifact}"))
    if not code:
        raise InputError(f"layer {key}: {arn} has no readable CodeSha256; cannot pin its content")
    found = _find_zip(aws, bucket, code)
    version = f"0.0.0-adopted.{number}"
    if found:
        return AdoptedLayer(key, arn, LayerPin(version, code, f"s3://{bucket}/{found}"),
                            f"layer {key}: {arn} was published by hand; pinned by content "
                            f"{code[:12]} to the zip s3://{bucket}/{found}")
    artifact = f"s3://{bucket}/layers/{key}-adopted-{number}.zip"
    return AdoptedLayer(key, arn, LayerPin(version, code, artifact),
                        f"layer {key}: {arn} was published by hand and its zip exists nowhere; "
                        f"pinned by content (sha256 {code}) as {version}. It cannot be rebuilt or "
                        f"promoted until that zip is uploaded to {artifact}")


def _holds(aws: Aws, bucket: str, key: str, sha256: str) -> bool:
    data = s3.get_bytes(aws, bucket, key)
    return data is not None and hashlib.sha256(data).hexdigest() == sha256


def _find_zip(aws: Aws, bucket: str, sha256: str) -> str:
    """Key of a zip under layers/ whose recorded sha256 metadata is `sha256`, else ''."""
    for obj in s3.list_objects(aws, bucket, "layers/"):
        meta = s3.head(aws, bucket, obj.key) or {}
        if (meta.get("Metadata") or {}).get("sha256") == sha256:
            return obj.key
    return ""
