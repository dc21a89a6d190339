"""The typed desired-state model: what crosses the loader is one of these frozen values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Buckets:
    config: str
    data: str
    newsletters: str
    lambda_code: str

    def all(self) -> tuple[str, ...]:
        return (self.config, self.data, self.newsletters, self.lambda_code)


@dataclass(frozen=True)
class LayerSpec:
    key: str  # logical name, e.g. vectora-core
    name: str  # Lambda layer name in this environment
    compatible_runtimes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunctionSpec:
    key: str  # logical name, e.g. ingest
    name: str
    layers: tuple[str, ...]  # logical layer names, in order
    environment: Mapping[str, str]
    tags: Mapping[str, str] | None = None  # None: the environment's tags


@dataclass(frozen=True)
class NameException:
    """A resource name recorded from AWS that does not end with `-<env>` (docs/architecture.md §7)."""

    name: str
    reason: str
    added: str


@dataclass(frozen=True)
class Waiver:
    """A known defect of adopted content accepted in this environment: problems of `rule` in
    `file` (at `key`, when given) are warnings here, not errors (docs/architecture.md §7)."""

    file: str
    rule: str
    reason: str
    added: str
    key: str = ""


@dataclass(frozen=True)
class MetricGate:
    name: str
    source: str  # s3 | cloudwatch
    max: float
    key: str = ""
    field: str = ""
    namespace: str = ""
    metric: str = ""
    statistic: str = "Maximum"
    period_days: int = 7


@dataclass(frozen=True)
class Gates:
    soak_days: int = 0
    e2e_required: bool = False
    metrics: tuple[MetricGate, ...] = ()


@dataclass(frozen=True)
class Promotion:
    source: str | None
    allow_prerelease: bool
    gates: Gates


@dataclass(frozen=True)
class Sync:
    prune: bool
    self_heal: bool
    managed_prefixes: tuple[str, ...]
    protected_prefixes: tuple[str, ...]


@dataclass(frozen=True)
class DenyWindow:
    days: tuple[str, ...]
    start: str
    end: str
    timezone: str
    reason: str


@dataclass(frozen=True)
class IgnoreRule:
    resource: str
    reason: str


@dataclass(frozen=True)
class Environment:
    name: str
    account_id: str
    region: str
    buckets: Buckets
    role: str
    stacks: tuple[str, ...]
    layers: Mapping[str, LayerSpec]
    functions: Mapping[str, FunctionSpec]
    tags: Mapping[str, str]
    promotion: Promotion
    sync: Sync
    snapshot_retention: int = 10
    deny_windows: tuple[DenyWindow, ...] = ()
    drift_ignore: tuple[IgnoreRule, ...] = ()
    roles: tuple[str, ...] = ()  # every role when several are recorded (role is the first)
    name_exceptions: tuple[NameException, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    def function_tags(self, key: str) -> Mapping[str, str]:
        """The tags function `key` must carry: its own when recorded, else the environment's."""
        own = self.functions[key].tags
        return self.tags if own is None else own

    def stack(self, part: str) -> str:
        """The CloudFormation stack whose name holds `part` (core, iam, runtime), for messages."""
        return next((s for s in self.stacks if part in s), f"the {part} stack")


@dataclass(frozen=True)
class LayerPin:
    version: str
    sha256: str
    artifact: str  # s3://bucket/key.zip

    @property
    def artifact_bucket(self) -> str:
        return self.artifact[len("s3://"):].split("/", 1)[0]

    @property
    def artifact_key(self) -> str:
        return self.artifact[len("s3://"):].split("/", 1)[1]


@dataclass(frozen=True)
class Pins:
    canonical: str
    clients: Mapping[str, str]
    layers: Mapping[str, LayerPin]
    # client id -> version of a legacy config synced byte for byte (docs/architecture.md §7)
    legacy_clients: Mapping[str, str] = field(default_factory=dict)

    def items(self) -> tuple[tuple[str, str], ...]:
        """Every pin as (selector, version): canonical, clients/<id>, layers/<name>."""
        out = [("canonical", self.canonical)]
        out += [(f"clients/{cid}", v) for cid, v in sorted(self.clients.items())]
        out += [(f"layers/{name}", p.version) for name, p in sorted(self.layers.items())]
        return tuple(out)


@dataclass(frozen=True)
class DesiredObject:
    """One S3 object the config bucket must hold, byte for byte."""

    key: str
    content: bytes
    sha256: str
    md5: str
    source: str  # repository path it comes from


@dataclass(frozen=True)
class DesiredState:
    """Everything one environment must look like, computed from the repository."""

    env: Environment
    pins: Pins
    commit: str
    objects: Mapping[str, DesiredObject] = field(default_factory=dict)
