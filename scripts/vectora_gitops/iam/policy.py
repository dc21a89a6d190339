"""The IAM policy of an environment's role: read-only (plan, drift, gates, status) or apply.

Every action the tool performs is listed here with the resources of one environment, each on
the resource type AWS authorizes it against; `*` only for the actions AWS authorizes on no
resource (sts:GetCallerIdentity, lambda:ListLayerVersions, cloudwatch:GetMetricStatistics, and
for apply cloudformation:ListStacks), never for one that writes. The read-only policy grants
what plan, drift, gates, status, history and `snapshot list` read, and no more (what each
prefix holds: docs/architecture.md §4): listings of the managed prefixes and of the snapshot
manifests, the data bucket's `deployments/`, the source's evidence, layer versions and function
configurations; nothing of the newsletters bucket, of the curated data or of the layer
artifacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vectora_gitops.model import Environment, MetricGate, Pins

# Prefixes the tool keeps (docs/architecture.md §4).
SNAPSHOTS = "backups/snapshots/"
DEPLOYMENTS = "deployments/"  # lock, records, state, e2e
CURATED = "curated/"  # the newest object per client is named in a snapshot (apply role only)
ARTIFACTS = "layers/"

Statement = dict[str, Any]


def policy(env: Environment, pins: Pins, *, read_only: bool,
           source: Environment | None = None) -> dict[str, Any]:
    """`source`: the environment promoted from, whose records and metrics gates read."""
    statements = _read(env) + _monitoring_read(env)
    if source is not None:
        statements += _evidence(source, env.promotion.gates.metrics)
        statements += _alarm_evidence(source, env)
    if not read_only:
        statements += _write(env, pins) + _monitoring_write(env)
    return {"Version": "2012-10-17", "Statement": [s for s in statements if s["Resource"]]}


def _allow(sid: str, actions: Sequence[str], resources: str | list[str], *,
           prefixes: Sequence[str] | None = None) -> Statement:
    """One Allow statement; `prefixes` limit a listing to keys under them (s3:prefix), and
    no prefix at all means nothing to list (the statement is left out)."""
    statement: Statement = {"Sid": sid, "Effect": "Allow", "Action": list(actions),
                            "Resource": resources if prefixes is None or prefixes else []}
    if prefixes is not None:
        statement["Condition"] = {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}}
    return statement


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


def _bucket(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def _read(env: Environment) -> list[Statement]:
    config, data = _bucket(env.buckets.config), _bucket(env.buckets.data)
    return [
        _allow("Identity", ["sts:GetCallerIdentity"], "*"),
        # AWS authorizes ListLayerVersions on no resource: it cannot be scoped to the layers
        _allow("ListLayerVersions", ["lambda:ListLayerVersions"], "*"),
        _allow("ListManagedObjects", ["s3:ListBucket"], [config],
               prefixes=[*env.sync.managed_prefixes, SNAPSHOTS]),
        _allow("ListDeployments", ["s3:ListBucket"], [data], prefixes=[DEPLOYMENTS]),
        _allow("ReadDeployments", ["s3:GetObject"], [f"{data}/{DEPLOYMENTS}*"]),
        # records and E2E results are read by version (the first one written: S3's time)
        _allow("ListEvidenceVersions", ["s3:ListBucketVersions"], [data],
               prefixes=list(EVIDENCE_PREFIXES)),
        _allow("ReadEvidenceVersions", ["s3:GetObjectVersion"], _evidence_arns(env)),
        _allow("ReadLayers", ["lambda:GetLayerVersion"], _layer_version_arns(env)),
        # GetFunction returns the tags only to a caller allowed lambda:ListTags
        _allow("ReadFunctions", ["lambda:GetFunction", "lambda:ListTags"], _function_arns(env)),
    ]


def _evidence(source: Environment, metrics: tuple[MetricGate, ...]) -> list[Statement]:
    """The source's deployment records and E2E results, and the metrics the gates read."""
    data = _bucket(source.buckets.data)
    documents = sorted({f"{data}/{m.key.replace('{client}', '*')}"
                        for m in metrics if m.source == "s3"})
    out = [_allow("ListPromotionEvidence", ["s3:ListBucket"], [data], prefixes=[DEPLOYMENTS]),
           _allow("ReadPromotionEvidence", ["s3:GetObject"], [f"{data}/{DEPLOYMENTS}*", *documents]),
           # records and E2E results are read by version (the first one written: S3's time)
           _allow("ListPromotionEvidenceVersions", ["s3:ListBucketVersions"], [data],
                  prefixes=list(EVIDENCE_PREFIXES)),
           _allow("ReadPromotionEvidenceVersions", ["s3:GetObjectVersion"], _evidence_arns(source))]
    if any(m.source == "cloudwatch" for m in metrics):
        out.append(_allow("ReadMetrics", ["cloudwatch:GetMetricStatistics"], "*"))
    return out


def _write(env: Environment, pins: Pins) -> list[Statement]:
    config, data = _bucket(env.buckets.config), _bucket(env.buckets.data)
    code = _bucket(env.buckets.lambda_code)
    managed = [f"{config}/{p}*" for p in env.sync.managed_prefixes]
    sources = {p.artifact_bucket for p in pins.layers.values()}  # where apply copies zips from
    artifacts = sorted(f"{_bucket(b)}/{ARTIFACTS}*" for b in {env.buckets.lambda_code, *sources})
    return [
        _allow("CheckVersioning", ["s3:GetBucketVersioning"], [config, data, code]),
        # snapshots record versions, restores and exports read them; import reads the objects
        _allow("ListManagedVersions", ["s3:ListBucketVersions"], [config],
               prefixes=env.sync.managed_prefixes),
        _allow("ReadManagedObjects", ["s3:GetObject", "s3:GetObjectVersion"], managed),
        _allow("ReadSnapshots", ["s3:GetObject"], [f"{config}/{SNAPSHOTS}*"]),
        _allow("ListCurated", ["s3:ListBucket"], [data], prefixes=[CURATED]),
        _allow("HeadCurated", ["s3:GetObject"], [f"{data}/{CURATED}*"]),
        # apply verifies the zips it copies and publishes (Lambda reads them as the caller);
        # import looks for a layer's zip by listing them
        _allow("ListLayerArtifacts", ["s3:ListBucket"], [code], prefixes=[ARTIFACTS]),
        _allow("ReadLayerArtifacts", ["s3:GetObject"], artifacts),
        _allow("WriteManagedObjects", ["s3:PutObject", "s3:DeleteObject"],
               [*managed, f"{config}/{SNAPSHOTS}*", f"{data}/{DEPLOYMENTS}*"]),
        _allow("WriteLayerArtifacts", ["s3:PutObject"], [f"{code}/{ARTIFACTS}*"]),
        _allow("PublishLayers", ["lambda:PublishLayerVersion"], _layer_arns(env)),
        _allow("UpdateFunctions", ["lambda:UpdateFunctionConfiguration", "lambda:TagResource"],
               _function_arns(env)),
        _allow("ReadStacks", ["cloudformation:DescribeStacks"],
               [f"{_arns(env)['cfn']}:stack/{s}/*" for s in env.stacks]),
        # import: which stacks exist (AWS authorizes ListStacks on no resource)
        _allow("ListStacks", ["cloudformation:ListStacks"], "*"),
        # records and E2E results are put under Object Lock retention in governance mode, which
        # needs s3:PutObjectRetention; without s3:BypassGovernanceRetention (never granted) it
        # can only lengthen a retention, never shorten or remove one (docs/evidence.md)
        _allow("WriteEvidenceUnderObjectLock", ["s3:PutObjectRetention"], _evidence_arns(env)),
        _allow("CheckObjectLock", ["s3:GetBucketObjectLockConfiguration"], [data]),
    ]


# Monitoring (docs/architecture.md §10). The alarms are listed by the prefix every alarm of the
# tool carries (`vectora-inbox-`, which names no environment: DescribeAlarms reads their
# definitions and states only); each environment's role writes only its own, `...-<env>`.
ALARM_PREFIX = "vectora-inbox-"


def _alarm_arn(env: Environment, name: str) -> str:
    return f"arn:aws:cloudwatch:{env.region}:{env.account_id}:alarm:{name}"


def _monitoring_arns(env: Environment) -> dict[str, str]:
    return {
        "alarms": _alarm_arn(env, f"{ALARM_PREFIX}*-{env.name}"),
        "dashboard": f"arn:aws:cloudwatch::{env.account_id}:dashboard/vectora-inbox-{env.name}",
        "topic": f"arn:aws:sns:{env.region}:{env.account_id}:vectora-inbox-alarms-{env.name}",
        "budget": f"arn:aws:budgets::{env.account_id}:budget/vectora-inbox-{env.name}",
    }


def _monitoring_read(env: Environment) -> list[Statement]:
    """What plan and drift read of the environment's monitoring, when it declares one."""
    if env.monitoring is None:
        return []
    arns = _monitoring_arns(env)
    out = [_allow("ReadAlarms", ["cloudwatch:DescribeAlarms"], [_alarm_arn(env, f"{ALARM_PREFIX}*")]),
           _allow("ReadDashboard", ["cloudwatch:GetDashboard"], [arns["dashboard"]]),
           _allow("ReadTopic", ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic",
                                "sns:ListTagsForResource"], [arns["topic"]])]
    if env.monitoring.budget_usd > 0:
        out.append(_allow("ReadBudget", ["budgets:ViewBudget"], [arns["budget"]]))
    return out


def _alarm_evidence(source: Environment, target: Environment) -> list[Statement]:
    """The alarms gate (the target's soak) reads the source's alarms and their history."""
    if source.monitoring is None or target.promotion.gates.soak_days <= 0:
        return []
    return [_allow("ReadSourceAlarms", ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"],
                   [_alarm_arn(source, f"{ALARM_PREFIX}*")])]


def _monitoring_write(env: Environment) -> list[Statement]:
    """apply: the environment's alarms (tags come with PutMetricAlarm), dashboard, topic and
    budget. sns:Unsubscribe, authorized on no resource, is not granted: apply never unsubscribes."""
    if env.monitoring is None:
        return []
    arns = _monitoring_arns(env)
    out = [_allow("WriteAlarms", ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
                                  "cloudwatch:TagResource"], [arns["alarms"]]),
           _allow("WriteDashboard", ["cloudwatch:PutDashboard"], [arns["dashboard"]]),
           # the topic itself and its policy belong to the core stack (permissions management)
           _allow("WriteTopic", ["sns:TagResource", "sns:Subscribe"], [arns["topic"]])]
    if env.monitoring.budget_usd > 0:
        out.append(_allow("WriteBudget", ["budgets:ModifyBudget"], [arns["budget"]]))
    return out


EVIDENCE_PREFIXES = ("deployments/records/", "deployments/e2e/")
RETENTION_DAYS_MAX = 401  # engine/records.py writes 400 days


def _evidence_arns(env: Environment) -> list[str]:
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
    evidence = _evidence_arns(env)
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
