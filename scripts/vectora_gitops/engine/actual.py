"""Actual state: what AWS holds, as typed immutable values (no AWS code here)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from vectora_gitops.observed import (
    FunctionConfig,
    LayerVersion,
    ObservedMonitoring,
    ObservedStack,
    ResourceChange,
    S3Object,
)

# What the tool wrote (key -> sha256, ETag), in the environment's data bucket. A hint of which
# objects are worth reading S3's stored checksum for, never proof of identity (engine/identity.py).
WRITTEN_KEY = "deployments/state.json"


@dataclass(frozen=True)
class ActualState:
    objects: Mapping[str, S3Object]  # managed prefixes of the config bucket
    layers: Mapping[str, tuple[LayerVersion, ...]]  # logical layer -> versions
    functions: Mapping[str, FunctionConfig | None]  # logical function -> config (None: missing)
    written: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # key -> (sha256, etag)
    # attached layer version ARN -> hex sha256 of its content, for the versions whose content
    # was read (engine.layers.needs_code): no tool Description, or two claiming one hash
    layer_code: Mapping[str, str] = field(default_factory=dict)
    # key -> the SHA-256 checksum S3 stores with the object (base64, '' none), read only for the
    # objects whose ETag cannot tell (engine/identity.needs_checksum)
    checksums: Mapping[str, str] = field(default_factory=dict)
    # alarms, dashboard, topic, budget (None: the environment declares no monitoring)
    monitoring: ObservedMonitoring | None = None
    # the managed stacks (docs/architecture.md §10): key -> the stack, None when CloudFormation
    # says it does not exist (a stack that cannot be read fails the observation: unknown)
    stacks: Mapping[str, ObservedStack | None] = field(default_factory=dict)
    # key -> what a change set previews for a stack that differs from git (None: no changes)
    previews: Mapping[str, tuple[ResourceChange, ...] | None] = field(default_factory=dict)
    # stacks of this environment in AWS that git does not name (reported, never deleted)
    unnamed_stacks: tuple[str, ...] = ()

    @property
    def not_created(self) -> bool:
        """Git manages stacks and none of them exists yet: the environment is to be created."""
        return bool(self.stacks) and all(s is None for s in self.stacks.values())

    def fingerprint(self) -> str:
        """Hash of everything observed that a plan depends on."""
        data: dict[str, object] = {
            "objects": {k: o.etag for k, o in sorted(self.objects.items())},
            "layers": {k: [[v.number, v.description] for v in vs]
                       for k, vs in sorted(self.layers.items())},
            "functions": {k: None if f is None else [list(f.layers), dict(sorted(
                f.environment.items())), dict(sorted(f.tags.items()))]
                for k, f in sorted(self.functions.items())},
            "layer_code": dict(sorted(self.layer_code.items())),
            "checksums": dict(sorted(self.checksums.items())),
        }
        if self.monitoring is not None:
            data["monitoring"] = monitoring_fingerprint(self.monitoring)
        if self.stacks:  # left out without managed stacks: fingerprints of older plans hold
            data["stacks"] = {k: None if s is None else [s.status, s.updated, hashlib.sha256(
                s.template_body.encode()).hexdigest(), dict(sorted(s.parameters.items())),
                dict(sorted(s.tags.items())), s.termination_protection]
                for k, s in sorted(self.stacks.items())}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def monitoring_fingerprint(seen: ObservedMonitoring) -> str:
    """What a plan of the monitoring depends on (never the alarms' states nor the spend)."""
    data = {
        "alarms": {k: dict(a.definition) for k, a in sorted(seen.alarms.items())},
        "dashboard": seen.dashboard,
        "topic": None if seen.topic is None else [list(seen.topic.subscriptions),
                                                  dict(sorted(seen.topic.tags.items()))],
        "budget": None if seen.budget is None else [seen.budget.limit_usd,
                                                    list(seen.budget.tag_filters),
                                                    list(seen.budget.alerts)],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
