"""The typed desired-state model: what crosses the loader is one of these frozen values."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
    """A resource name recorded from AWS that does not end with `-<env>` (docs/architecture.md §8)."""

    name: str
    reason: str
    added: str


@dataclass(frozen=True)
class Waiver:
    """A known defect of adopted content accepted in this environment: problems of `rule` in
    `file` (at `key`, when given) are warnings here, not errors (docs/architecture.md §8)."""

    file: str
    rule: str
    reason: str
    added: str
    key: str = ""


# The steps of a client move, in order (docs/architecture.md §8): the new config deployed
# inactive beside the legacy one, the switch, the legacy object retired.
MOVE_STEPS = ("beside", "switched", "retired")


@dataclass(frozen=True)
class ClientMove:
    """A legacy client id (`lai_weekly_v7`, pinned under legacy_clients) moving to a stable id
    (`lai_weekly`, pinned under clients) in one environment (docs/architecture.md §8)."""

    id: str  # the stable id
    source: str  # the legacy id (`from:` in environment.yaml)
    step: str  # one of MOVE_STEPS

    @property
    def legacy_key(self) -> str:
        return f"clients/{self.source}.yaml"

    @property
    def key(self) -> str:
        return f"clients/{self.id}.yaml"


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
class OutputRef:
    """A stack parameter taking another stack's output: `{output: s0-iam.IngestRoleArn}`."""

    stack: str  # the other stack's key in environment.yaml `stacks`
    output: str

    def text(self) -> str:
        return f"{self.stack}.{self.output}"


@dataclass(frozen=True)
class StackSpec:
    """A CloudFormation stack of the environment, created and updated by this tool from the
    template pinned in pins.yaml `templates` (docs/architecture.md §10)."""

    key: str  # s0-core, s0-iam, s1-runtime: also the folder templates/<key>/
    name: str  # the stack's name in AWS
    parameters: Mapping[str, str | OutputRef]
    tags: Mapping[str, str] | None = None  # None: the environment's tags

    def depends_on(self) -> tuple[str, ...]:
        """The stacks whose outputs it takes, sorted."""
        return tuple(sorted({v.stack for v in self.parameters.values()
                             if isinstance(v, OutputRef)}))


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
    client_moves: tuple[ClientMove, ...] = ()
    # environments/<env>/monitoring.yaml over environments/monitoring.yaml (None: not declared)
    monitoring: MonitoringSpec | None = None

    @property
    def bake_seconds(self) -> int:
        """How long an apply watches the alarms (`rollout.bake_seconds`; 0: no bake)."""
        return self.monitoring.rollout.bake_seconds if self.monitoring else 0
    # the stacks this tool creates and updates (environment.yaml `stacks` as a mapping); empty
    # when `stacks` lists names only (stacks made by hand, read-only for this tool)
    managed_stacks: Mapping[str, StackSpec] = field(default_factory=dict)
    # environment.yaml `stack_role`: the CloudFormation service role the managed stacks are
    # created and changed with ("" : the default name, see `cloudformation_role`)
    stack_role: str = ""

    @property
    def cloudformation_role(self) -> str:
        """The name of the service role CloudFormation acts with on the managed stacks
        (docs/architecture.md §10): apply passes it, and only it, to CloudFormation."""
        return self.stack_role or f"vectora-gitops-cloudformation-{self.name}"

    @property
    def cloudformation_role_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{self.cloudformation_role}"

    @property
    def termination_protected(self) -> bool:
        """Prod's stacks get termination protection."""
        return self.name == "prod"

    def move_to(self, client_id: str) -> ClientMove | None:
        """The move whose stable id is `client_id`, if any."""
        return next((m for m in self.client_moves if m.id == client_id), None)

    def move_from(self, legacy_id: str) -> ClientMove | None:
        """The move whose legacy id is `legacy_id`, if any."""
        return next((m for m in self.client_moves if m.source == legacy_id), None)

    def function_tags(self, key: str) -> Mapping[str, str]:
        """The tags function `key` must carry: its own when recorded, else the environment's."""
        own = self.functions[key].tags
        return self.tags if own is None else own

    def stack(self, part: str) -> str:
        """The CloudFormation stack whose name holds `part` (core, iam, runtime), for messages."""
        return next((s for s in self.stacks if part in s), f"the {part} stack")


# The pins (docs/architecture.md): each deployable has a selector (`canonical`, `clients/<id>`,
# `layers/<name>`) and sits in pins.yaml (and in the `pins` of a plan or deployment record) as
# `canonical: V`, `clients: {<id>: V}`, `layers: {<name>: {version, sha256, artifact}}`. The
# mapping between the two lives here and nowhere else.
PIN_KINDS = ("canonical", "clients", "layers", "templates")  # pins.yaml's order, and every listing's
LAYER_FIELDS = ("version", "sha256", "artifact")
SELECTOR = re.compile(r"^(canonical|clients/[a-z][a-z0-9_]{1,63}|layers/[a-z][a-z0-9-]{1,40}"
                      r"|templates/[a-z][a-z0-9-]{1,40})$")


def selector_of(kind: str, name: str = "") -> str:
    """`canonical`, `clients/<id>` or `layers/<name>`."""
    return kind if kind == "canonical" else f"{kind}/{name}"


def split_selector(sel: str) -> tuple[str, str]:
    """(kind, name): `clients/lai_weekly` -> (clients, lai_weekly); `canonical` -> (canonical, '')."""
    kind, _, name = sel.partition("/")
    return kind, name


def selector_name(sel: str) -> str:
    """The short name of a deployable: `lai_weekly`, `vectora-core`, `canonical`."""
    kind, name = split_selector(sel)
    return name or kind


def selector_order(sel: str) -> tuple[int, str]:
    """Sort key: canonical, then clients, then layers, each by name."""
    kind = split_selector(sel)[0]
    return (PIN_KINDS.index(kind) if kind in PIN_KINDS else len(PIN_KINDS), sel)


def pin_key(sel: str) -> tuple[str, ...]:
    """Where the pin of a selector sits in pins.yaml: (canonical,), (clients, id), (layers, name)."""
    kind, name = split_selector(sel)
    return (kind,) if kind == "canonical" else (kind, name)


def object_selector(key: str) -> str | None:
    """The deployable an object of the config bucket belongs to: `canonical/...` -> canonical,
    `clients/<id>.yaml` -> clients/<id> (desired/state.py writes them there); else None."""
    if key.startswith("canonical/"):
        return "canonical"
    if key.startswith("clients/") and key.endswith(".yaml"):
        return key[: -len(".yaml")]
    return None


def identity_version(identity: str) -> str:
    """The version of a pin identity (`1.4.1@<sha256>` -> `1.4.1`; a version is its own)."""
    return identity.partition("@")[0]


def flat_pins(data: Any, *, with_hash: bool = False) -> dict[str, str]:
    """The pins structure -> selector -> version, canonical first, then clients and layers in
    the structure's order (layers as `version@sha256`, their identity, with `with_hash`).
    Tolerant: what is malformed (an old or hand-written record) is left out."""
    if not isinstance(data, Mapping):
        return {}
    out: dict[str, str] = {}
    if isinstance(data.get("canonical"), str):
        out["canonical"] = data["canonical"]
    for cid, version in (data.get("clients") or {}).items():
        out[selector_of("clients", cid)] = str(version)
    for name, layer in (data.get("layers") or {}).items():
        if isinstance(layer, Mapping) and "version" in layer:
            suffix = f"@{layer.get('sha256')}" if with_hash else ""
            out[selector_of("layers", name)] = f"{layer['version']}{suffix}"
    for name, version in (data.get("templates") or {}).items():
        out[selector_of("templates", name)] = str(version)
    return out


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

    @property
    def identity(self) -> str:
        """What promotion compares: the version and the content (`1.4.1@<sha256>`)."""
        return f"{self.version}@{self.sha256}"


@dataclass(frozen=True)
class Pins:
    canonical: str
    clients: Mapping[str, str]
    layers: Mapping[str, LayerPin]
    # client id -> version of a legacy config synced byte for byte (docs/architecture.md §8)
    legacy_clients: Mapping[str, str] = field(default_factory=dict)
    # stack key -> version of templates/<key>/<version>.yaml (docs/architecture.md §10)
    templates: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Pins:
        """Model of a schema-valid pins structure (pins.yaml)."""
        return cls(
            canonical=data["canonical"],
            clients=dict(data.get("clients") or {}),
            layers={k: LayerPin(*(v[f] for f in LAYER_FIELDS))
                    for k, v in (data.get("layers") or {}).items()},
            legacy_clients=dict(data.get("legacy_clients") or {}),
            templates=dict(data.get("templates") or {}),
        )

    def to_json(self) -> dict[str, Any]:
        """The pins structure of pins.yaml, clients and layers sorted (plans and records)."""
        data: dict[str, Any] = {
            "canonical": self.canonical,
            "clients": dict(sorted(self.clients.items())),
            "layers": {k: {f: getattr(p, f) for f in LAYER_FIELDS}
                       for k, p in sorted(self.layers.items())},
        }
        if self.legacy_clients:
            data["legacy_clients"] = dict(sorted(self.legacy_clients.items()))
        if self.templates:
            data["templates"] = dict(sorted(self.templates.items()))
        return data

    def items(self) -> tuple[tuple[str, str], ...]:
        """Every pin as (selector, version): canonical, clients/<id>, layers/<name>."""
        return tuple(flat_pins(self.to_json()).items())

    def identities(self) -> dict[str, str]:
        """selector -> identity of every pin (a layer is its version and content hash)."""
        return flat_pins(self.to_json(), with_hash=True)

    def scalars(self, sel: str) -> tuple[tuple[tuple[str, ...], str], ...]:
        """The pins.yaml scalars holding the pin of `sel`, as (key path, value); KeyError when
        it is not pinned."""
        kind, name = split_selector(sel)
        if kind == "layers":
            pin = self.layers[name]
            return tuple(((*pin_key(sel), f), str(getattr(pin, f))) for f in LAYER_FIELDS)
        if kind == "clients":
            return ((pin_key(sel), self.clients[name]),)
        if kind == "templates":
            return ((pin_key(sel), self.templates[name]),)
        if sel == "canonical":
            return ((pin_key(sel), self.canonical),)
        raise KeyError(sel)


@dataclass(frozen=True)
class DesiredObject:
    """One S3 object the config bucket must hold, byte for byte."""

    key: str
    content: bytes
    sha256: str
    md5: str
    source: str  # repository path it comes from


@dataclass(frozen=True)
class TemplateResource:
    """One resource of a template: its type and properties as written (intrinsics included)."""

    logical_id: str
    type: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class DesiredStack:
    """One managed stack as git says: the pinned template's text and the parameters it gets
    (the template's defaults filled in; another stack's output stays an `OutputRef` until that
    stack exists) (docs/architecture.md §10)."""

    key: str
    name: str
    template_version: str
    body: str  # the template file's text, sent to CloudFormation as it is
    sha256: str  # of the body
    parameters: Mapping[str, str | OutputRef]
    tags: Mapping[str, str]
    resources: Mapping[str, TemplateResource]
    outputs: tuple[str, ...]
    protect: bool  # termination protection (prod)
    source: str  # templates/<key>/<version>.yaml

    def depends_on(self) -> tuple[str, ...]:
        return tuple(sorted({v.stack for v in self.parameters.values()
                             if isinstance(v, OutputRef)}))


@dataclass(frozen=True)
class DesiredState:
    """Everything one environment must look like, computed from the repository."""

    env: Environment
    pins: Pins
    commit: str
    objects: Mapping[str, DesiredObject] = field(default_factory=dict)
    # keys of the config bucket git says to delete even without prune, with the reason (a legacy
    # config retired by a client move, docs/architecture.md §8)
    deletions: Mapping[str, str] = field(default_factory=dict)
    # selector -> content digest of the pinned version (desired/digests.py); deployment records
    # carry them so that promotion judges a pin by its content
    digests: Mapping[str, str] = field(default_factory=dict)
    # sha256 of environments/<env>/environment.yaml: a saved plan is stale when it changed
    env_file: str = ""
    # the managed stacks in dependency order (a stack after those whose outputs it takes)
    stacks: tuple[DesiredStack, ...] = ()
    # the alarms, dashboard, topic and budget git declares (desired/monitoring.py)
    monitoring: Monitoring | None = None


# Monitoring as code (docs/architecture.md §11): thresholds written once in
# environments/monitoring.yaml, overridden per environment in environments/<env>/monitoring.yaml.


@dataclass(frozen=True)
class Thresholds:
    function_errors: float = 1
    function_throttles: float = 1
    function_timeout_seconds: int = 900
    duration_ratio: float = 0.8  # alarm when a run's Maximum Duration passes this part of the timeout
    newsletter_window_days: int = 7
    bedrock_cost_per_run_usd: float = 5.0
    noise_rate: float = 0.10
    items_curated_min: float = 0  # alarm when a run curates this many items or fewer


@dataclass(frozen=True)
class Subscriber:
    protocol: str  # email | https | sms | lambda | sqs
    endpoint: str


@dataclass(frozen=True)
class Rollout:
    bake_seconds: int = 0  # 0: no bake
    poll_seconds: int = 15


@dataclass(frozen=True)
class MonitoringSpec:
    """What an environment's monitoring.yaml (over the shared defaults) says."""

    namespace: str
    period_seconds: int
    thresholds: Thresholds
    subscribers: tuple[Subscriber, ...]
    budget_usd: float  # monthly limit; 0: no budget
    budget_alerts: tuple[int, ...]  # percentages of the limit
    rollout: Rollout


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch metric alarm, as PutMetricAlarm takes it."""

    name: str
    description: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period: int
    evaluation_periods: int
    threshold: float
    comparison: str
    treat_missing: str
    actions: tuple[str, ...]  # topic ARNs notified on ALARM
    actions_enabled: bool = True

    def definition(self) -> dict[str, Any]:
        """The fields compared with AWS and stored in a plan (JSON types)."""
        return {"description": self.description, "namespace": self.namespace,
                "metric": self.metric, "dimensions": sorted(list(d) for d in self.dimensions),
                "statistic": self.statistic, "period": self.period,
                "evaluation_periods": self.evaluation_periods, "threshold": float(self.threshold),
                "comparison": self.comparison, "treat_missing": self.treat_missing,
                "actions": sorted(self.actions), "actions_enabled": self.actions_enabled}


@dataclass(frozen=True)
class TopicSpec:
    name: str
    arn: str
    subscribers: tuple[Subscriber, ...]


@dataclass(frozen=True)
class BudgetSpec:
    name: str
    account_id: str
    limit_usd: float
    tag_filter: str  # `user:Environment$<env>`
    alerts: tuple[int, ...]  # percentages, notified to the topic
    topic_arn: str


@dataclass(frozen=True)
class Monitoring:
    """Every monitoring resource git declares for one environment (desired/monitoring.py)."""

    topic: TopicSpec
    alarms: Mapping[str, AlarmSpec]
    dashboard: str  # name
    dashboard_body: str  # JSON, deterministic
    budget: BudgetSpec | None
    tags: Mapping[str, str]

    @property
    def dashboard_sha256(self) -> str:
        return hashlib.sha256(self.dashboard_body.encode()).hexdigest()
