"""Actual state: what AWS holds, as typed immutable values (no AWS code here)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from vectora_gitops.observed import FunctionConfig, LayerVersion, ObservedMonitoring, S3Object

# What the tool wrote (key -> sha256, ETag), in the environment's data bucket.
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
    # alarms, dashboard, topic, budget (None: the environment declares no monitoring)
    monitoring: ObservedMonitoring | None = None

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
        }
        if self.monitoring is not None:
            data["monitoring"] = monitoring_fingerprint(self.monitoring)
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
