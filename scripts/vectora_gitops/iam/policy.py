"""The IAM policy of an environment's role: read-only (plan, drift) or apply.

Every action the tool performs is listed here with the resources of one environment; nothing
that writes is granted on `*`.
"""

from __future__ import annotations

from typing import Any

from vectora_gitops.model import Environment, Pins

READ_ANYWHERE = ("sts:GetCallerIdentity", "cloudwatch:GetMetricStatistics")


def policy(env: Environment, pins: Pins, *, read_only: bool,
           source: Environment | None = None) -> dict[str, Any]:
    """`source`: the environment promoted from, whose records and metrics gates read."""
    statements = _read(env, pins)
    if source is not None:
        data = f"arn:aws:s3:::{source.buckets.data}"
        statements.append({"Sid": "ReadPromotionEvidence", "Effect": "Allow",
                           "Action": ["s3:ListBucket", "s3:GetObject"],
                           "Resource": [data, f"{data}/deployments/*", f"{data}/metrics/*"]})
        # records and E2E results are read by version (the first one written, S3's time)
        statements.append({"Sid": "ReadPromotionEvidenceVersions", "Effect": "Allow",
                           "Action": ["s3:ListBucketVersions", "s3:GetObjectVersion"],
                           "Resource": [data, *_evidence(source)]})
    if not read_only:
        statements += _write(env)
    return {"Version": "2012-10-17", "Statement": statements}


def _arns(env: Environment) -> dict[str, str]:
    prefix = f"arn:aws:lambda:{env.region}:{env.account_id}"
    return {"lambda": prefix, "cfn": f"arn:aws:cloudformation:{env.region}:{env.account_id}"}


def _layer_arns(env: Environment) -> list[str]:
    base = _arns(env)["lambda"]
    return [arn for spec in env.layers.values()
            for arn in (f"{base}:layer:{spec.name}", f"{base}:layer:{spec.name}:*")]


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
        {"Sid": "Identity", "Effect": "Allow", "Action": list(READ_ANYWHERE), "Resource": "*"},
        {"Sid": "ListBuckets", "Effect": "Allow",
         "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketVersioning"],
         "Resource": _buckets(env)},
        {"Sid": "ReadObjects", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": objects},
        {"Sid": "ReadLayers", "Effect": "Allow",
         "Action": ["lambda:ListLayerVersions", "lambda:GetLayerVersion"],
         "Resource": _layer_arns(env)},
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
        # records and E2E results are put under Object Lock retention in governance mode, which
        # needs s3:PutObjectRetention; without s3:BypassGovernanceRetention (never granted) it
        # can only lengthen a retention, never shorten or remove one (docs/evidence.md)
        {"Sid": "WriteEvidenceUnderObjectLock", "Effect": "Allow",
         "Action": ["s3:PutObjectRetention"], "Resource": _evidence(env)},
        {"Sid": "CheckObjectLock", "Effect": "Allow",
         "Action": ["s3:GetBucketObjectLockConfiguration"], "Resource": [data]},
    ]


EVIDENCE_PREFIXES = ("deployments/records/", "deployments/e2e/")
RETENTION_DAYS_MAX = 401  # engine/records.py writes 400 days


def _evidence(env: Environment) -> list[str]:
    return [f"arn:aws:s3:::{env.buckets.data}/{p}*" for p in EVIDENCE_PREFIXES]


def writer_arn(env: Environment, role: str | None = None) -> str:
    """The apply role, the only principal that writes the environment's deployments/ prefix."""
    return f"arn:aws:iam::{env.account_id}:role/{role or f'vectora-gitops-apply-{env.name}'}"


def bucket_policy(env: Environment, writer: str) -> dict[str, Any]:
    """The data bucket's policy (docs/evidence.md): only `writer` (the apply role) writes the
    records, the E2E results and the state record, so the Lambda roles cannot; records and E2E
    results are written once (If-None-Match), under governance retention of at most
    RETENTION_DAYS_MAX days, and nobody deletes a version of them or bypasses their retention.
    The lock is left out: an operator may have to delete a broken one by hand."""
    data = f"arn:aws:s3:::{env.buckets.data}"
    evidence = _evidence(env)
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyTheApplyRoleWritesTheEvidence", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:PutObject", "s3:DeleteObject", "s3:PutObjectRetention"],
         "Resource": [*evidence, f"{data}/deployments/state.json"],
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": writer}}},
        {"Sid": "EvidenceIsNeverDeleted", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion",
                    "s3:BypassGovernanceRetention"],
         "Resource": evidence},
        {"Sid": "EvidenceIsWrittenOnce", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:PutObject"], "Resource": evidence,
         "Condition": {"Null": {"s3:if-none-match": "true"}}},
        {"Sid": "EvidenceIsUnderGovernanceRetention", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:PutObject", "s3:PutObjectRetention"], "Resource": evidence,
         "Condition": {"StringNotEquals": {"s3:object-lock-mode": "GOVERNANCE"}}},
        {"Sid": "EvidenceRetentionIsBounded", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:PutObject", "s3:PutObjectRetention"], "Resource": evidence,
         "Condition": {"NumericGreaterThan": {
             "s3:object-lock-remaining-retention-days": str(RETENTION_DAYS_MAX)}}},
    ]}
