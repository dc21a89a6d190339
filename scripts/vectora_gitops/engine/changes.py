"""Typed changes: what the pure diff produces, a plan stores and apply executes.

Everything the rest of the tool asks of a change is answered by the change itself (its phase,
resource, description, the names it writes, the deployables it touches, whether apply snapshots
first, and which `Executor` step runs it), so a new kind of change is one class here plus its
step in engine/apply.py (docs/architecture.md). Subclasses register themselves by `kind`, the
name the plan JSON stores.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from vectora_gitops.masking import aws_value, git_value, same
from vectora_gitops.model import object_selector, selector_of
from vectora_gitops.observed import ResourceChange

# Order in which apply runs the phases: a reader never sees a config naming something missing;
# the stacks first, since they create the buckets, roles and functions the others write to.
# Monitoring (docs/architecture.md §11) comes after everything it watches: the topic first
# (alarms and the budget notify it), then alarms, dashboard and budget.
PHASES = ("stacks", "canonical", "clients", "artifacts", "layers", "functions", "deletions",
          "topics", "monitoring")
SYMBOL = {"create": "+", "update": "~", "delete": "-"}
KINDS: dict[str, type[Change]] = {}  # kind -> class, filled by the subclasses


class Executor(Protocol):
    """One step per kind of change; engine/apply.py runs them against AWS."""

    def put_object(self, change: PutObject) -> None: ...
    def delete_object(self, change: DeleteObject) -> None: ...
    def copy_artifact(self, change: CopyArtifact) -> None: ...
    def publish_layer(self, change: PublishLayer) -> None: ...
    def update_function(self, change: UpdateFunction) -> None: ...
    def tag_function(self, change: TagFunction) -> None: ...
    def put_topic(self, change: PutTopic) -> None: ...
    def put_alarm(self, change: PutAlarm) -> None: ...
    def delete_alarm(self, change: DeleteAlarm) -> None: ...
    def put_dashboard(self, change: PutDashboard) -> None: ...
    def put_budget(self, change: PutBudget) -> None: ...
    def create_stack(self, change: CreateStack) -> None: ...
    def update_stack(self, change: UpdateStack) -> None: ...
    def protect_stack(self, change: ProtectStack) -> None: ...


@dataclass(frozen=True)
class Change(ABC):
    """One change of a plan."""

    kind: ClassVar[str]
    parallel: ClassVar[bool] = False  # apply may run it alongside others of its phase
    optional: ClassVar[tuple[str, ...]] = ()  # fields left out of the JSON when empty

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in vars(cls):
            KINDS[cls.kind] = cls

    @property
    @abstractmethod
    def phase(self) -> str:
        """One of PHASES."""

    @property
    @abstractmethod
    def resource(self) -> str:
        """What the plan groups it under: `s3 <key>`, `layer <name>`, `function <name>`."""

    @property
    @abstractmethod
    def symbol(self) -> str:
        """`+` creates, `~` updates, `-` deletes."""

    @abstractmethod
    def describe(self) -> str:
        """One line saying what the change does."""

    def names(self) -> tuple[str, ...]:
        """The AWS names of the environment's own resources it writes (checked to end in
        `-<env>`); objects of the config bucket have none of their own."""
        return ()

    def deployables(self) -> frozenset[str]:
        """The pinned deployables it concerns (`canonical`, `clients/<id>`, `layers/<name>`)."""
        return frozenset()

    def config_writes(self) -> tuple[str, ...]:
        """Keys of the config bucket it writes (prune's guard reads them)."""
        return ()

    def config_deletes(self) -> tuple[str, ...]:
        """Keys of the config bucket it deletes."""
        return ()

    @property
    def touches_runtime(self) -> bool:
        """It changes what a running Lambda reads or runs (functions, layers, canonical) or
        deletes something: apply takes a snapshot first."""
        return False

    def more(self) -> tuple[str, ...]:
        """Lines shown under the change's line (a stack's resource changes)."""
        return ()

    @abstractmethod
    def run(self, executor: Executor) -> None:
        """Call the executor's step for this kind."""

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        """The change from its JSON fields (lists back to tuples where needed)."""
        return cls(**fields)


@dataclass(frozen=True)
class PutObject(Change):
    kind: ClassVar[str] = "put_object"
    parallel: ClassVar[bool] = True  # S3 writes run several at a time
    key: str
    sha256: str
    md5: str
    size: int
    action: str  # create | update
    source: str

    @property
    def phase(self) -> str:
        return "clients" if self.key.startswith("clients/") else "canonical"

    @property
    def resource(self) -> str:
        return f"s3 {self.key}"

    @property
    def symbol(self) -> str:
        return SYMBOL[self.action]

    def config_writes(self) -> tuple[str, ...]:
        return (self.key,)

    def describe(self) -> str:
        return f"{self.action} {self.key} from {self.source}"

    def deployables(self) -> frozenset[str]:
        found = object_selector(self.key)
        return frozenset({found} if found else ())

    @property
    def touches_runtime(self) -> bool:
        return self.key.startswith("canonical/")

    def run(self, executor: Executor) -> None:
        executor.put_object(self)


@dataclass(frozen=True)
class DeleteObject(Change):
    kind: ClassVar[str] = "delete_object"
    optional: ClassVar[tuple[str, ...]] = ("why",)  # plans saved before it stay the same
    key: str
    etag: str
    why: str = ""  # empty: not in git (prune); else why git deletes it (a retired legacy config)

    @property
    def phase(self) -> str:
        return "deletions"

    @property
    def resource(self) -> str:
        return f"s3 {self.key}"

    @property
    def symbol(self) -> str:
        return "-"

    def config_deletes(self) -> tuple[str, ...]:
        return (self.key,)

    def describe(self) -> str:
        return f"delete {self.key} ({self.why or 'not in git'})"

    def deployables(self) -> frozenset[str]:
        found = object_selector(self.key)
        return frozenset({found} if found else ())

    @property
    def touches_runtime(self) -> bool:
        return True

    def run(self, executor: Executor) -> None:
        executor.delete_object(self)


@dataclass(frozen=True)
class _LayerChange(Change):
    layer: str

    @property
    def resource(self) -> str:
        return f"layer {self.layer}"

    @property
    def symbol(self) -> str:
        return "+"

    def deployables(self) -> frozenset[str]:
        return frozenset({selector_of("layers", self.layer)})


@dataclass(frozen=True)
class CopyArtifact(_LayerChange):
    kind: ClassVar[str] = "copy_artifact"
    source: str  # s3://bucket/key
    bucket: str
    key: str
    sha256: str

    @property
    def phase(self) -> str:
        return "artifacts"

    def describe(self) -> str:
        return f"copy artifact {self.source} -> s3://{self.bucket}/{self.key}"

    def names(self) -> tuple[str, ...]:
        return (self.bucket,)

    def run(self, executor: Executor) -> None:
        executor.copy_artifact(self)


@dataclass(frozen=True)
class PublishLayer(_LayerChange):
    kind: ClassVar[str] = "publish_layer"
    layer_name: str
    version: str
    sha256: str
    bucket: str
    key: str
    runtimes: tuple[str, ...] = ()

    @property
    def phase(self) -> str:
        return "layers"

    def describe(self) -> str:
        return f"publish {self.layer_name} from {self.version} (sha256 {self.sha256[:12]})"

    def names(self) -> tuple[str, ...]:
        return (self.bucket, self.layer_name)

    @property
    def touches_runtime(self) -> bool:
        return True

    def run(self, executor: Executor) -> None:
        executor.publish_layer(self)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        return cls(**{**fields, "runtimes": tuple(fields.get("runtimes", ()))})


@dataclass(frozen=True)
class LayerRef:
    """A layer version a function must carry: a known ARN, or the one publish creates."""

    layer: str
    sha256: str
    arn: str = ""  # empty: published by this plan


@dataclass(frozen=True)
class _FunctionChange(Change):
    function: str
    name: str

    @property
    def phase(self) -> str:
        return "functions"

    @property
    def resource(self) -> str:
        return f"function {self.function}"

    @property
    def symbol(self) -> str:
        return "~"

    def names(self) -> tuple[str, ...]:
        return (self.name,)


@dataclass(frozen=True)
class UpdateFunction(_FunctionChange):
    kind: ClassVar[str] = "update_function"
    layers_before: tuple[str, ...] = ()
    layers_after: tuple[LayerRef, ...] | None = None  # None: unchanged
    # AWS's variables as shown (masked where git does not hold the value: engine/diff.py), and
    # git's, which apply sets (docs/architecture.md §9).
    env_before: Mapping[str, str] = field(default_factory=dict)
    env_after: Mapping[str, str] | None = None  # None: unchanged

    def describe(self) -> str:
        return f"update {self.name}: {', '.join(self.details())}"

    def details(self) -> list[str]:
        parts = []
        if self.layers_after is not None:
            before = [_short_layer(a) for a in self.layers_before]
            after = [_short_layer(r.arn) if r.arn else f"{r.layer}:<new>" for r in self.layers_after]
            parts.append(f"layers [{', '.join(before)}] -> [{', '.join(after)}]")
        if self.env_after is not None:
            parts += env_delta(self.env_before, self.env_after)
        return parts

    def deployables(self) -> frozenset[str]:
        """Layers it attaches that the function does not carry yet."""
        if self.layers_after is None:
            return frozenset()
        return frozenset(selector_of("layers", r.layer) for r in self.layers_after
                         if not r.arn or r.arn not in self.layers_before)

    @property
    def touches_runtime(self) -> bool:
        return True

    def run(self, executor: Executor) -> None:
        executor.update_function(self)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        after = fields.get("layers_after")
        return cls(**{**fields, "layers_before": tuple(fields.get("layers_before", ())),
                      "layers_after": None if after is None else tuple(LayerRef(**r) for r in after)})


@dataclass(frozen=True)
class TagFunction(_FunctionChange):
    kind: ClassVar[str] = "tag_function"
    arn: str
    tags: Mapping[str, str]
    before: Mapping[str, str]

    def describe(self) -> str:
        tags = ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items()))
        return f"tag {self.name}: {tags}"

    def names(self) -> tuple[str, ...]:
        """Tagging goes by ARN: the function named inside it is checked too."""
        parts = self.arn.split(":")  # arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
        in_arn = parts[6] if len(parts) > 6 and parts[5] == "function" else self.arn
        return (self.name, in_arn)

    def run(self, executor: Executor) -> None:
        executor.tag_function(self)


# Monitoring as code (docs/architecture.md §11): one change per topic, alarm, dashboard, budget.


@dataclass(frozen=True)
class _MonitoringChange(Change):
    name: str

    @property
    def phase(self) -> str:
        return "monitoring"

    def names(self) -> tuple[str, ...]:
        return (self.name,)


@dataclass(frozen=True)
class PutTopic(_MonitoringChange):
    kind: ClassVar[str] = "put_topic"
    arn: str
    action: str  # create | update
    # (protocol, endpoint) to subscribe; a subscriber git no longer has is drift, removed by hand
    # (sns:Unsubscribe is authorized on no resource: the apply role is not granted it on "*")
    subscribe: tuple[tuple[str, str], ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)  # to set

    @property
    def phase(self) -> str:
        return "topics"

    @property
    def resource(self) -> str:
        return f"topic {self.name}"

    @property
    def symbol(self) -> str:
        return SYMBOL[self.action]

    def describe(self) -> str:
        parts = [f"subscribe {p}:{e}" for p, e in self.subscribe]
        if self.tags and self.action == "update":
            parts.append("tags " + ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items())))
        return f"{self.action} topic {self.name}" + (f": {', '.join(parts)}" if parts else "")

    def run(self, executor: Executor) -> None:
        executor.put_topic(self)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        return cls(**{**fields, "subscribe": tuple(tuple(s) for s in fields.get("subscribe", ()))})


@dataclass(frozen=True)
class PutAlarm(_MonitoringChange):
    kind: ClassVar[str] = "put_alarm"
    action: str  # create | update
    definition: Mapping[str, Any]  # model.AlarmSpec.definition(): what apply must find in git
    details: tuple[str, ...] = ()  # what differs from AWS (update)

    @property
    def resource(self) -> str:
        return f"alarm {self.name}"

    @property
    def symbol(self) -> str:
        return SYMBOL[self.action]

    def describe(self) -> str:
        if self.action == "create":
            d = self.definition
            return (f"create alarm {self.name}: {d.get('namespace')}/{d.get('metric')} "
                    f"{d.get('statistic')} {d.get('comparison')} {d.get('threshold')}")
        return f"update alarm {self.name}: {', '.join(self.details)}"

    def run(self, executor: Executor) -> None:
        executor.put_alarm(self)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        return cls(**{**fields, "details": tuple(fields.get("details", ()))})


@dataclass(frozen=True)
class DeleteAlarm(_MonitoringChange):
    kind: ClassVar[str] = "delete_alarm"

    @property
    def resource(self) -> str:
        return f"alarm {self.name}"

    @property
    def symbol(self) -> str:
        return "-"

    def describe(self) -> str:
        return f"delete alarm {self.name} (not in git)"

    def run(self, executor: Executor) -> None:
        executor.delete_alarm(self)


@dataclass(frozen=True)
class PutDashboard(_MonitoringChange):
    kind: ClassVar[str] = "put_dashboard"
    action: str
    sha256: str  # of the body git generates

    @property
    def resource(self) -> str:
        return f"dashboard {self.name}"

    @property
    def symbol(self) -> str:
        return SYMBOL[self.action]

    def describe(self) -> str:
        return f"{self.action} dashboard {self.name} (body sha256 {self.sha256[:12]})"

    def run(self, executor: Executor) -> None:
        executor.put_dashboard(self)


@dataclass(frozen=True)
class PutBudget(_MonitoringChange):
    kind: ClassVar[str] = "put_budget"
    action: str  # create | update
    limit_usd: float
    tag_filter: str
    update_budget: bool = False  # limit or filter differ
    add_alerts: tuple[int, ...] = ()  # percentages
    remove_alerts: tuple[int, ...] = ()

    @property
    def resource(self) -> str:
        return f"budget {self.name}"

    @property
    def symbol(self) -> str:
        return SYMBOL[self.action]

    def describe(self) -> str:
        parts = [f"{self.limit_usd:g} USD a month on {self.tag_filter}"] \
            if self.action == "create" or self.update_budget else []
        parts += [f"alert at {p}%" for p in self.add_alerts]
        parts += [f"no alert at {p}%" for p in self.remove_alerts]
        return f"{self.action} budget {self.name}: {', '.join(parts)}"

    def run(self, executor: Executor) -> None:
        executor.put_budget(self)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        return cls(**{**fields, "add_alerts": tuple(fields.get("add_alerts", ())),
                      "remove_alerts": tuple(fields.get("remove_alerts", ()))})


# Resources whose replacement or removal loses data or breaks what runs (docs/architecture.md §10):
# refused unless `apply --allow-replace <stack>.<LogicalId> --reason TEXT`.
STATEFUL_TYPES = ("AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::IAM::Role")


def destroys(change: ResourceChange) -> bool:
    """It removes the resource, or replaces it (or may: `Conditional`)."""
    return change.action == "Remove" or (change.action == "Modify" and
                                         change.replacement in ("True", "Conditional"))


def resource_line(change: ResourceChange) -> str:
    replace = ""
    if change.action == "Modify" and change.replacement in ("True", "Conditional"):
        replace = f" REPLACEMENT {change.replacement}"
        replace += f" ({change.inferred})" if change.inferred else ""
    stateful = " [stateful]" if change.resource_type in STATEFUL_TYPES and destroys(change) else ""
    return f"{change.action} {change.logical_id} ({change.resource_type}){replace}{stateful}"


@dataclass(frozen=True)
class _StackChange(Change):
    stack: str  # its key in environment.yaml `stacks` (the template folder)
    name: str  # the stack's name in AWS

    @property
    def phase(self) -> str:
        return "stacks"

    @property
    def resource(self) -> str:
        return f"stack {self.name}"

    def names(self) -> tuple[str, ...]:
        return (self.name,)


def _resources(fields: dict[str, Any]) -> tuple[ResourceChange, ...]:
    return tuple(ResourceChange(**r) for r in fields.get("resources", ()))


@dataclass(frozen=True)
class StackWrite(_StackChange):
    template_version: str
    sha256: str  # of the template's text
    parameters: Mapping[str, str]  # known values
    outputs_in: Mapping[str, str]  # parameter -> `<stack key>.<OutputKey>`, read when applied
    tags: Mapping[str, str]
    resources: tuple[ResourceChange, ...]

    def deployables(self) -> frozenset[str]:
        return frozenset({selector_of("templates", self.stack)})

    def destroyed(self) -> tuple[str, ...]:
        """`<stack>.<LogicalId>` of each stateful resource the change removes or replaces."""
        return tuple(f"{self.stack}.{r.logical_id}" for r in self.resources
                     if r.resource_type in STATEFUL_TYPES and destroys(r))

    def more(self) -> tuple[str, ...]:
        lines = [resource_line(r) for r in self.resources]
        lines += [f"parameter {k} = output {v} (read when applied)"
                  for k, v in sorted(self.outputs_in.items())]
        return tuple(lines)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        return cls(**{**fields, "resources": _resources(fields)})


@dataclass(frozen=True)
class CreateStack(StackWrite):
    kind: ClassVar[str] = "create_stack"
    protect: bool = False  # termination protection (prod)

    @property
    def symbol(self) -> str:
        return "+"

    def describe(self) -> str:
        guard = ", termination protection" if self.protect else ""
        return (f"create stack {self.name} from templates/{self.stack}/{self.template_version}"
                f".yaml ({len(self.resources)} resource(s){guard})")

    def run(self, executor: Executor) -> None:
        executor.create_stack(self)


@dataclass(frozen=True)
class UpdateStack(StackWrite):
    kind: ClassVar[str] = "update_stack"
    why: tuple[str, ...] = ()  # what differs from git: template, parameter X, tag X

    @property
    def symbol(self) -> str:
        return "~"

    def describe(self) -> str:
        return (f"update stack {self.name} to templates/{self.stack}/{self.template_version}"
                f".yaml: {', '.join(self.why)}; {len(self.resources)} resource change(s)")

    @property
    def touches_runtime(self) -> bool:
        return True

    def run(self, executor: Executor) -> None:
        executor.update_stack(self)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Change:
        return cls(**{**fields, "resources": _resources(fields),
                      "why": tuple(fields.get("why", ()))})


@dataclass(frozen=True)
class ProtectStack(_StackChange):
    kind: ClassVar[str] = "protect_stack"

    @property
    def symbol(self) -> str:
        return "~"

    def describe(self) -> str:
        return f"turn on termination protection of stack {self.name}"

    def run(self, executor: Executor) -> None:
        executor.protect_stack(self)


def _short_layer(arn: str) -> str:
    """`arn:...:layer:core-dev:2` -> `core-dev:2`."""
    return arn.rsplit(":", 2)[-2] + ":" + arn.rsplit(":", 1)[-1]


def env_delta(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """`env +NAME=value`, `env -NAME`, `env NAME: old -> new`, by name. `after` is git's; a value
    only AWS holds (every old value shown) or named like a secret is masked (masking.py); `before`
    may already be masked (the diff masks it)."""
    out = [f"env +{k}={git_value(k, after[k])}" for k in sorted(after.keys() - before.keys())]
    out += [f"env -{k}" for k in sorted(before.keys() - after.keys())]
    out += [f"env {k}: {aws_value(k, before[k], after)} -> {git_value(k, after[k])}"
            for k in sorted(after.keys() & before.keys()) if not same(before[k], after[k])]
    return out


def ordered(changes: list[Change]) -> tuple[Change, ...]:
    """Changes in apply order: by phase, then by resource."""
    return tuple(sorted(changes, key=lambda c: (PHASES.index(c.phase), c.resource, c.kind)))


def to_json(change: Change) -> dict[str, Any]:
    data = dataclasses.asdict(change)
    for name in change.optional:
        if not data[name]:
            del data[name]
    data["kind"] = change.kind
    return data


def from_json(data: Mapping[str, Any]) -> Change:
    fields = dict(data)
    cls = KINDS.get(str(fields.pop("kind", "")))
    if cls is None:
        raise ValueError(f"unknown change kind {data.get('kind')!r}")
    return cls.from_fields(fields)
