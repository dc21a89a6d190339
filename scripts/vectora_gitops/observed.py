"""What the AWS layer observes, as typed immutable values (no boto3 here).

`aws/` builds these from API responses; the pure parts of the pipeline (diff, drift
classification, status) work on them without importing any AWS code (docs/architecture.md).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

# What this tool writes into a layer version's Description: `version=<v> sha256=<hex>`.
_TOOL_DESCRIPTION = re.compile(r"version=(?P<version>\S+) sha256=(?P<sha>[0-9a-f]{64})")


def layer_description(version: str, sha256: str) -> str:
    return f"vectora-gitops version={version} sha256={sha256}"


def code_sha256_b64(sha256_hex: str) -> str:
    """Lambda's CodeSha256 for a zip whose sha256 is `sha256_hex`."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


@dataclass(frozen=True)
class Fetched:
    """One object version as S3 returned it: its bytes and what S3, not the content, says about
    it (docs/evidence.md): when S3 stored that version and its Object Lock retention."""

    body: bytes
    version_id: str
    last_modified: datetime | None
    lock_mode: str = ""  # GOVERNANCE, COMPLIANCE, or "" (no Object Lock retention)
    retain_until: datetime | None = None


@dataclass(frozen=True)
class S3Object:
    key: str
    etag: str  # without quotes
    size: int
    last_modified: str = ""  # ISO 8601


@dataclass(frozen=True)
class ObjectVersion:
    key: str
    version_id: str
    etag: str
    is_latest: bool
    is_delete_marker: bool
    last_modified: str
    size: int = -1  # bytes; -1 for a delete marker


@dataclass(frozen=True)
class LayerVersion:
    arn: str  # layer version ARN
    number: int
    description: str

    @property
    def pinned(self) -> tuple[str, str] | None:
        """(version, sha256) written by this tool into the Description, if any."""
        match = _TOOL_DESCRIPTION.search(self.description)
        return (match["version"], match["sha"]) if match else None


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    arn: str
    layers: tuple[str, ...]  # layer version ARNs, in order
    environment: Mapping[str, str]
    tags: Mapping[str, str]
    runtime: str
    handler: str
    code_sha256: str
    role: str = ""  # execution role ARN
    # when Lambda last changed the function's code or configuration (its LastModified): the
    # "since when" of a setting changed by hand; None when AWS did not say
    last_modified: datetime | None = None


@dataclass(frozen=True)
class Datapoint:
    timestamp: datetime
    value: float


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch metric alarm as DescribeAlarms returns it (docs/architecture.md §11)."""

    name: str
    arn: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    definition: Mapping[str, object]  # the fields of model.AlarmSpec.definition()
    state_updated: datetime | None = None
    state_reason: str = ""


@dataclass(frozen=True)
class AlarmTransition:
    """One StateUpdate of DescribeAlarmHistory: the alarm went from one state to another."""

    alarm: str
    at: datetime
    old: str
    new: str
    summary: str


@dataclass(frozen=True)
class Topic:
    arn: str
    subscriptions: tuple[tuple[str, str, str], ...]  # (protocol, endpoint, subscription ARN)
    tags: Mapping[str, str]


@dataclass(frozen=True)
class Budget:
    name: str
    limit_usd: float
    tag_filters: tuple[str, ...]
    alerts: tuple[int, ...]  # ACTUAL GREATER_THAN PERCENTAGE notifications
    actual_usd: float | None = None  # what Budgets says was spent this period (None: unknown)


@dataclass(frozen=True)
class ObservedMonitoring:
    alarms: Mapping[str, Alarm]  # the environment's alarms (name ends with -<env>)
    dashboard: str | None  # body, None: missing
    topic: Topic | None
    budget: Budget | None
    budget_readable: bool = True  # False: Budgets did not answer (not allowed, not supported)


@dataclass(frozen=True)
class ObservedStack:
    """A CloudFormation stack as DescribeStacks and GetTemplate give it."""

    name: str
    stack_id: str
    status: str
    parameters: Mapping[str, str]
    outputs: Mapping[str, str]
    tags: Mapping[str, str]
    template_body: str  # GetTemplate (Original), as CloudFormation holds it
    termination_protection: bool
    updated: str = ""  # LastUpdatedTime or CreationTime, ISO 8601
    status_reason: str = ""


@dataclass(frozen=True)
class ResourceChange:
    """One resource change of a change set (DescribeChangeSet `ResourceChange`), or of a stack
    to create (every resource of its template is an Add)."""

    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True | False | Conditional | "" (not said)
    physical_id: str = ""
    # why it is a replacement when CloudFormation did not say (the emulator): the property
    # changed, from the templates (engine/stackdiff.py)
    inferred: str = ""


@dataclass(frozen=True)
class StackEvent:
    """One DescribeStackEvents entry."""

    logical_id: str
    resource_type: str
    status: str
    reason: str
    timestamp: str
