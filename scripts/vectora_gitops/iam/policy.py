"""The IAM policy of an environment's role: read-only (plan, drift, gates, status) or apply.

Every action the tool performs is listed here with the resources of one environment, each on
the resource type AWS authorizes it against; `*` only for the actions AWS authorizes on no
resource (sts:GetCallerIdentity, lambda:ListLayerVersions, cloudwatch:GetMetricStatistics, and
for apply cloudformation:ListStacks), never for one that writes. The read-only policy grants
what plan, drift, gates, status, history and `snapshot list` read, and no more (what each
prefix holds: docs/architecture.md §4): listings of the managed prefixes and of the snapshot
manifests, the managed objects (HeadObject, for the SHA-256 checksum S3 stores), the snapshots'
summaries (never a manifest: they hold variable values), the objects of the data bucket's
`deployments/` (the evidence by version, with its Object Lock retention), the source's evidence,
layer versions and function configurations, and the stable config a switched client move
checks; no object of the newsletters bucket, of the curated data or of the layer artifacts.

Where a role reads a key that may not exist and the answer "missing" means something (the state
record before the first apply, the lock, a metrics document, a zip not copied yet, a snapshot
named by hand), S3 answers 404 instead of 403 only to a caller allowed s3:ListBucket on the
bucket. AWS does not document which s3:prefix (if any) that check evaluates, so only a listing
without a prefix condition is sure to count: such a bucket is listed whole (key names only), and
the narrower listings of that bucket are then left out as redundant.
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
    statements = _read(env) + _monitoring_read(env) + _stacks_read(env) + (
        [] if read_only else _stacks_write(env))
    if source is not None:
        statements += _evidence(source, env.promotion.gates.metrics)
        statements += _alarm_evidence(source, env)
    if not read_only:
        statements += _write(env, pins) + _monitoring_write(env)
    kept = _without_covered_listings([s for s in statements if s["Resource"]])
    return {"Version": "2012-10-17", "Statement": kept}


def _without_covered_listings(statements: list[Statement]) -> list[Statement]:
    """Leave out a listing limited by s3:prefix on buckets another statement lists whole."""
    whole = {r for s in statements if s["Action"] == ["s3:ListBucket"] and "Condition" not in s
             for r in _as_list(s["Resource"])}
    return [s for s in statements if not (s["Action"] == ["s3:ListBucket"] and "Condition" in s
                                          and set(_as_list(s["Resource"])) <= whole)]


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


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
        # HeadObject (authorized as s3:GetObject) of an object whose ETag is not its MD5: the
        # SHA-256 checksum S3 stores is its identity (docs/architecture.md §4); the bytes there
        # are git's rendered content. Only objects just listed are headed: "missing" is no
        # answer plan needs, so the config bucket is not listed whole for it
        _allow("HeadManagedObjects", ["s3:GetObject"],
               [f"{config}/{p}*" for p in env.sync.managed_prefixes]),
        # plan reads deployments/state.json, absent until the first apply (apply: the lock too);
        # S3 answers "missing" only to a caller that may list the bucket (module docstring)
        _allow("ListData", ["s3:ListBucket"], [data]),
        _allow("ReadDeployments", ["s3:GetObject"], [f"{data}/{DEPLOYMENTS}*"]),
        # `snapshot list` reads each snapshot's summary (counts, no values), never a manifest
        _allow("ReadSnapshotSummaries", ["s3:GetObject"], [f"{config}/{SNAPSHOTS}*/summary.json"]),
        # records and E2E results are read by version (the first one written: S3's time)
        _allow("ListEvidenceVersions", ["s3:ListBucketVersions"], [data],
               prefixes=list(EVIDENCE_PREFIXES)),
        # the gates trust a version only under Object Lock retention, which S3 shows (in the
        # GetObject answer) only to a caller allowed s3:GetObjectRetention (docs/evidence.md)
        _allow("ReadEvidenceVersions", ["s3:GetObjectVersion", "s3:GetObjectRetention"],
               _evidence_arns(env)),
        # `move-client retire` (a switched move) checks the stable config is active as deployed
        _allow("ReadSwitchedClientConfigs", ["s3:GetObject"],
               [f"{config}/{m.key}" for m in env.client_moves if m.step == "switched"]),
        _allow("ReadLayers", ["lambda:GetLayerVersion"], _layer_version_arns(env)),
        # GetFunction returns the tags only to a caller allowed lambda:ListTags
        _allow("ReadFunctions", ["lambda:GetFunction", "lambda:ListTags"], _function_arns(env)),
    ]


def _evidence(source: Environment, metrics: tuple[MetricGate, ...]) -> list[Statement]:
    """The source's deployment records and E2E results, and the metrics the gates read."""
    data = _bucket(source.buckets.data)
    documents = sorted({f"{data}/{m.key.replace('{client}', '*')}"
                        for m in metrics if m.source == "s3"})
    # a missing metrics document fails its gate: S3 says "missing" only to a caller that may
    # list the bucket (module docstring); without one, the deployments/ listing is enough
    listing = _allow("ListPromotionEvidence", ["s3:ListBucket"], [data],
                     prefixes=None if documents else [DEPLOYMENTS])
    out = [listing,
           _allow("ReadPromotionEvidence", ["s3:GetObject"], [f"{data}/{DEPLOYMENTS}*", *documents]),
           # records and E2E results are read by version (the first one written: S3's time),
           # with their Object Lock retention (shown only with s3:GetObjectRetention)
           _allow("ListPromotionEvidenceVersions", ["s3:ListBucketVersions"], [data],
                  prefixes=list(EVIDENCE_PREFIXES)),
           _allow("ReadPromotionEvidenceVersions", ["s3:GetObjectVersion", "s3:GetObjectRetention"],
                  _evidence_arns(source))]
    if any(m.source == "cloudwatch" for m in metrics):
        out.append(_allow("ReadMetrics", ["cloudwatch:GetMetricStatistics"], "*"))
    return out


def _write(env: Environment, pins: Pins) -> list[Statement]:
    config, data = _bucket(env.buckets.config), _bucket(env.buckets.data)
    code = _bucket(env.buckets.lambda_code)
    managed = [f"{config}/{p}*" for p in env.sync.managed_prefixes]
    sources = {p.artifact_bucket for p in pins.layers.values()}  # where apply copies zips from
    code_buckets = sorted(_bucket(b) for b in {env.buckets.lambda_code, *sources})
    artifacts = [f"{b}/{ARTIFACTS}*" for b in code_buckets]
    return [
        _allow("CheckVersioning", ["s3:GetBucketVersioning"], [config, data, code]),
        # reads that may find nothing (module docstring): a snapshot named by hand, a zip not
        # copied yet or missing at its source (the data bucket, listed whole by _read, holds
        # the lock, the state record and the curated objects snapshots name)
        _allow("ListForMissingKeys", ["s3:ListBucket"], [config, *code_buckets]),
        # snapshots record versions, restores and exports read them; import reads the objects
        _allow("ListManagedVersions", ["s3:ListBucketVersions"], [config],
               prefixes=env.sync.managed_prefixes),
        _allow("ReadManagedObjects", ["s3:GetObject", "s3:GetObjectVersion"], managed),
        _allow("ReadSnapshots", ["s3:GetObject"], [f"{config}/{SNAPSHOTS}*"]),
        _allow("HeadCurated", ["s3:GetObject"], [f"{data}/{CURATED}*"]),
        # apply verifies the zips it copies and publishes (Lambda reads them as the caller);
        # import looks for a layer's zip by listing them (ListForMissingKeys)
        _allow("ReadLayerArtifacts", ["s3:GetObject"], artifacts),
        _allow("WriteManagedObjects", ["s3:PutObject", "s3:DeleteObject"],
               [*managed, f"{config}/{SNAPSHOTS}*", f"{data}/{DEPLOYMENTS}*"]),
        _allow("WriteLayerArtifacts", ["s3:PutObject"], [f"{code}/{ARTIFACTS}*"]),
        _allow("PublishLayers", ["lambda:PublishLayerVersion"], _layer_arns(env)),
        _allow("UpdateFunctions", ["lambda:UpdateFunctionConfiguration", "lambda:TagResource"],
               _function_arns(env)),
        # import --stacks reads each stack's template
        _allow("ReadStacks", ["cloudformation:DescribeStacks", "cloudformation:GetTemplate"],
               [f"{_arns(env)['cfn']}:stack/{s}/*" for s in env.stacks]),
        # import: which stacks exist (AWS authorizes ListStacks on no resource)
        _allow("ListStacks", ["cloudformation:ListStacks"], "*"),
        # records and E2E results are put under Object Lock retention in governance mode, which
        # needs s3:PutObjectRetention; without s3:BypassGovernanceRetention (never granted) it
        # can only lengthen a retention, never shorten or remove one (docs/evidence.md)
        _allow("WriteEvidenceUnderObjectLock", ["s3:PutObjectRetention"], _evidence_arns(env)),
        _allow("CheckObjectLock", ["s3:GetBucketObjectLockConfiguration"], [data]),
    ]


# Monitoring (docs/architecture.md §11). The alarms are listed by the prefix every alarm of the
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


def _stack_arns(env: Environment) -> list[str]:
    return [f"{_arns(env)['cfn']}:stack/{s.name}/*" for s in env.managed_stacks.values()]


def _stacks_read(env: Environment) -> list[Statement]:
    """The managed stacks (docs/architecture.md §10): plan and drift read them; a plan's change
    set is created, described and deleted again."""
    if not env.managed_stacks:
        return []
    stacks = _stack_arns(env)
    return [
        _allow("ReadManagedStacks", ["cloudformation:DescribeStacks", "cloudformation:GetTemplate",
                                     "cloudformation:DescribeStackEvents",
                                     "cloudformation:ListChangeSets"], stacks),
        # AWS authorizes ListStacks on no resource (stacks of the environment not in git)
        _allow("ListAllStacks", ["cloudformation:ListStacks"], "*"),
        # a plan previews a stack that differs from git with a change set it deletes again;
        # never executed (ExecuteChangeSet is the apply role's), and no role is passed
        _allow("PreviewOwnStacks", ["cloudformation:CreateChangeSet",
                                    "cloudformation:DescribeChangeSet",
                                    "cloudformation:DeleteChangeSet"], stacks),
    ]


def _stacks_write(env: Environment) -> list[Statement]:
    """Change sets and creation on the environment's own stacks only. CloudFormation creates
    and changes their resources with the environment's service role (`stack_role_policy`), not
    with the apply role's credentials: the apply role may pass that one role, only to
    CloudFormation, and holds none of the resource-level actions itself."""
    if not env.managed_stacks:
        return []
    stacks = _stack_arns(env)
    return [
        # (change sets are created, described and deleted as a plan's are: _stacks_read)
        _allow("ChangeOwnStacks", ["cloudformation:ExecuteChangeSet",
                                   "cloudformation:CreateStack",
                                   "cloudformation:ListStackResources",
                                   "cloudformation:UpdateTerminationProtection"], stacks),
        # what the stacks made of the buckets (versioning, Object Lock), read after a creation
        _allow("ReadOwnBucketSettings", ["s3:GetBucketVersioning",
                                         "s3:GetBucketObjectLockConfiguration"],
               [_bucket(b) for b in env.buckets.all()]),
        {"Sid": "PassTheStackServiceRole", "Effect": "Allow", "Action": ["iam:PassRole"],
         "Resource": [env.cloudformation_role_arn],
         "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}},
    ]


def stack_role_trust(env: Environment) -> dict[str, Any]:
    """The trust policy of the environment's CloudFormation service role."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "CloudFormationOnly", "Effect": "Allow",
         "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def stack_role_policy(env: Environment) -> dict[str, Any]:
    """The permissions of the environment's CloudFormation service role (docs/architecture.md
    §10): exactly what the templates of templates/ need to create and update their resources
    (s0-core: buckets; s0-iam: the functions' roles; s1-runtime: functions, log groups,
    schedules), each on the names of this environment only. Never granted: deleting a bucket
    or a log group (they are kept, `DeletionPolicy: Retain`, also when a creation rolls back),
    changing a function's code (the engine's deploy owns it) and anything on another
    environment's names."""
    if not env.managed_stacks:
        return {"Version": "2012-10-17", "Statement": []}
    account, region = env.account_id, env.region
    buckets = sorted(_bucket(b) for b in env.buckets.all())
    roles = [f"arn:aws:iam::{account}:role/{r}" for r in sorted(env.roles or (env.role,))]
    functions = sorted(_function_arns(env))
    groups = sorted(f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{f.name}"
                    for f in env.functions.values())
    rules = [f"arn:aws:events:{region}:{account}:rule/vectora-inbox-*-{env.name}"]
    statements = [
        _allow("Buckets", ["s3:CreateBucket", "s3:ListBucket", "s3:GetBucketLocation",
                           "s3:PutBucketVersioning", "s3:GetBucketVersioning",
                           "s3:PutEncryptionConfiguration", "s3:GetEncryptionConfiguration",
                           "s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock",
                           "s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration",
                           "s3:PutBucketObjectLockConfiguration",
                           "s3:GetBucketObjectLockConfiguration",
                           "s3:PutBucketTagging", "s3:GetBucketTagging"], buckets),
        # the functions' roles and their inline policies (s0-iam); deleted only when their
        # creation rolls back or a reviewed change removes one (--allow-replace)
        _allow("FunctionRoles", ["iam:CreateRole", "iam:GetRole", "iam:DeleteRole",
                                 "iam:UpdateAssumeRolePolicy",
                                 "iam:PutRolePolicy", "iam:GetRolePolicy",
                                 "iam:DeleteRolePolicy", "iam:ListRolePolicies",
                                 "iam:ListAttachedRolePolicies", "iam:TagRole", "iam:UntagRole",
                                 "iam:ListRoleTags"], roles),
        {"Sid": "PassFunctionRolesToLambda", "Effect": "Allow", "Action": ["iam:PassRole"],
         "Resource": roles,
         "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
        _allow("Functions", ["lambda:CreateFunction", "lambda:GetFunction",
                             "lambda:GetFunctionConfiguration",
                             "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction",
                             "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
                             "lambda:GetFunctionCodeSigningConfig",
                             "lambda:GetRuntimeManagementConfig",
                             "lambda:AddPermission", "lambda:RemovePermission",
                             "lambda:GetPolicy"], functions),
        _allow("LogGroups", ["logs:CreateLogGroup", "logs:PutRetentionPolicy",
                             "logs:DeleteRetentionPolicy", "logs:TagResource",
                             "logs:UntagResource", "logs:ListTagsForResource",
                             "logs:TagLogGroup", "logs:UntagLogGroup", "logs:ListTagsLogGroup"],
               groups),
        # AWS authorizes DescribeLogGroups on no resource (it lists names only)
        _allow("FindLogGroups", ["logs:DescribeLogGroups"], "*"),
        _allow("Schedules", ["events:PutRule", "events:DescribeRule", "events:DeleteRule",
                             "events:EnableRule", "events:DisableRule", "events:PutTargets",
                             "events:RemoveTargets", "events:ListTargetsByRule",
                             "events:TagResource", "events:UntagResource",
                             "events:ListTagsForResource"], rules),
    ]
    return {"Version": "2012-10-17", "Statement": statements}
