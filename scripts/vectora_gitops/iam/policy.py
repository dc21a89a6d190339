"""The IAM policy of an environment's role: read-only (plan, drift) or apply.

Every action the tool performs is listed here with the resources of one environment, each on
the resource type AWS authorizes it against; `*` only for the actions AWS authorizes on no
resource (`STAR_ONLY`). Nothing that writes is granted on `*`.
"""

from __future__ import annotations

from typing import Any

from vectora_gitops.model import Environment, Pins

# Actions AWS authorizes on no resource type: they can only be granted on "*".
STAR_ONLY = ("sts:GetCallerIdentity", "lambda:ListLayerVersions", "cloudwatch:GetMetricStatistics")


def policy(env: Environment, pins: Pins, *, read_only: bool,
           source: Environment | None = None) -> dict[str, Any]:
    """`source`: the environment promoted from, whose records and metrics gates read."""
    statements = _read(env, pins)
    if source is not None:
        data = f"arn:aws:s3:::{source.buckets.data}"
        statements.append({"Sid": "ListPromotionEvidence", "Effect": "Allow",
                           "Action": ["s3:ListBucket"], "Resource": [data]})
        statements.append({"Sid": "ReadPromotionEvidence", "Effect": "Allow",
                           "Action": ["s3:GetObject"],
                           "Resource": [f"{data}/deployments/*", f"{data}/metrics/*"]})
    if not read_only:
        statements += _write(env)
    return {"Version": "2012-10-17", "Statement": statements}


def _arns(env: Environment) -> dict[str, str]:
    prefix = f"arn:aws:lambda:{env.region}:{env.account_id}"
    return {"lambda": prefix, "cfn": f"arn:aws:cloudformation:{env.region}:{env.account_id}"}


def _layer_arns(env: Environment) -> list[str]:
    """The layers themselves (what PublishLayerVersion is authorized against)."""
    base = _arns(env)["lambda"]
    return [f"{base}:layer:{spec.name}" for spec in env.layers.values()]


def _layer_version_arns(env: Environment) -> list[str]:
    """Every version of the layers (what GetLayerVersion is authorized against)."""
    return [f"{arn}:*" for arn in _layer_arns(env)]


def _function_arns(env: Environment) -> list[str]:
    base = _arns(env)["lambda"]
    return [f"{base}:function:{spec.name}" for spec in env.functions.values()]


def _buckets(env: Environment) -> list[str]:
    return [f"arn:aws:s3:::{b}" for b in env.buckets.all()]


def _read(env: Environment, pins: Pins) -> list[dict[str, Any]]:
    artifact_buckets = sorted({p.artifact_bucket for p in pins.layers.values()})
    objects = [f"{b}/*" for b in _buckets(env)]
    objects += [f"arn:aws:s3:::{b}/layers/*" for b in artifact_buckets]
    return [
        {"Sid": "Identity", "Effect": "Allow",
         "Action": ["sts:GetCallerIdentity", "cloudwatch:GetMetricStatistics"], "Resource": "*"},
        # AWS authorizes ListLayerVersions on no resource: it cannot be scoped to the layers
        {"Sid": "ListLayerVersions", "Effect": "Allow", "Action": ["lambda:ListLayerVersions"],
         "Resource": "*"},
        {"Sid": "ListBuckets", "Effect": "Allow",
         "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketVersioning"],
         "Resource": _buckets(env)},
        {"Sid": "ReadObjects", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": objects},
        {"Sid": "ReadLayers", "Effect": "Allow", "Action": ["lambda:GetLayerVersion"],
         "Resource": _layer_version_arns(env)},
        {"Sid": "ReadFunctions", "Effect": "Allow",
         "Action": ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:ListTags"],
         "Resource": _function_arns(env)},
        {"Sid": "ReadStacks", "Effect": "Allow", "Action": ["cloudformation:DescribeStacks"],
         "Resource": [f"{_arns(env)['cfn']}:stack/{s}/*" for s in env.stacks]},
    ]


def _write(env: Environment) -> list[dict[str, Any]]:
    config, data = f"arn:aws:s3:::{env.buckets.config}", f"arn:aws:s3:::{env.buckets.data}"
    managed = [f"{config}/{p}*" for p in env.sync.managed_prefixes]
    return [
        {"Sid": "WriteManagedObjects", "Effect": "Allow",
         "Action": ["s3:PutObject", "s3:DeleteObject"],
         "Resource": [*managed, f"{config}/backups/snapshots/*", f"{data}/deployments/*"]},
        {"Sid": "WriteLayerArtifacts", "Effect": "Allow", "Action": ["s3:PutObject"],
         "Resource": [f"arn:aws:s3:::{env.buckets.lambda_code}/layers/*"]},
        {"Sid": "PublishLayers", "Effect": "Allow", "Action": ["lambda:PublishLayerVersion"],
         "Resource": _layer_arns(env)},
        {"Sid": "UpdateFunctions", "Effect": "Allow",
         "Action": ["lambda:UpdateFunctionConfiguration", "lambda:TagResource"],
         "Resource": _function_arns(env)},
    ]
