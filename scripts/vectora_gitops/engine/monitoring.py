"""The pure diff of an environment's monitoring (docs/architecture.md §11): the alarms, the
dashboard, the topic and the budget git declares (desired/monitoring.py) against what AWS holds
(observed.ObservedMonitoring). No I/O here; drift classifies the same changes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from vectora_gitops.desired.monitoring import is_env_alarm
from vectora_gitops.engine.changes import (
    Change,
    DeleteAlarm,
    PutAlarm,
    PutBudget,
    PutDashboard,
    PutTopic,
)
from vectora_gitops.model import AlarmSpec, Monitoring
from vectora_gitops.observed import Alarm, ObservedMonitoring


def monitoring_changes(env: str, want: Monitoring | None, have: ObservedMonitoring | None
                       ) -> list[Change]:
    """Alarms named like the tool's (`vectora-inbox-…-<env>`) that git no longer declares (a
    client unpinned, a function removed) are deleted whatever `sync.prune` says: that name
    space is the tool's, as `clients/` and `canonical/` are not."""
    if want is None or have is None:
        return []
    changes: list[Change] = []
    changes += topic_changes(want, have)
    for name, spec in want.alarms.items():
        change = alarm_change(spec, have.alarms.get(name))
        if change is not None:
            changes.append(change)
    changes += [DeleteAlarm(name) for name in sorted(have.alarms)
                if name not in want.alarms and is_env_alarm(name, env)]
    if have.dashboard is None or not same_body(have.dashboard, want.dashboard_body):
        changes.append(PutDashboard(want.dashboard, "create" if have.dashboard is None
                                    else "update", want.dashboard_sha256))
    changes += budget_changes(want, have)
    return changes


def same_body(have: str, want: str) -> bool:
    try:
        return bool(json.loads(have) == json.loads(want))
    except ValueError:
        return False


def topic_changes(want: Monitoring, have: ObservedMonitoring) -> list[Change]:
    wanted = [(s.protocol, s.endpoint) for s in want.topic.subscribers]
    if have.topic is None:  # observe refuses a missing topic: the core stack owns it
        return [PutTopic(want.topic.name, want.topic.arn, "create", tuple(wanted),
                         dict(want.tags))]
    present = {(p, e) for p, e, _ in have.topic.subscriptions}
    subscribe = tuple(s for s in wanted if s not in present)
    tags = {k: v for k, v in want.tags.items() if have.topic.tags.get(k) != v}
    if not (subscribe or tags):
        return []
    return [PutTopic(want.topic.name, want.topic.arn, "update", subscribe, tags)]


def extra_subscribers(want: Monitoring | None, have: ObservedMonitoring | None
                      ) -> list[tuple[str, str]]:
    """Subscribers of the topic git does not declare (drift; apply does not remove them)."""
    if want is None or have is None or have.topic is None:
        return []
    wanted = {(s.protocol, s.endpoint) for s in want.topic.subscribers}
    return sorted({(p, e) for p, e, _ in have.topic.subscriptions} - wanted)


def alarm_change(spec: AlarmSpec, have: Alarm | None) -> PutAlarm | None:
    definition = spec.definition()
    if have is None:
        return PutAlarm(spec.name, "create", definition)
    details = alarm_details(definition, have.definition)
    return PutAlarm(spec.name, "update", definition, details) if details else None


def alarm_details(want: Mapping[str, Any], have: Mapping[str, Any]) -> tuple[str, ...]:
    """What differs, one phrase per field; an alarm whose actions were disabled by hand says so."""
    out = []
    for field, value in want.items():
        seen = have.get(field)
        if field == "threshold":
            if seen is None or abs(float(seen) - float(value)) > 1e-9:
                out.append(f"threshold {seen} -> {value}")
        elif field == "actions_enabled":
            if bool(seen) != bool(value):
                out.append("actions disabled in AWS -> enabled" if value
                           else "actions enabled in AWS -> disabled")
        elif seen != value:
            out.append(f"{field} {json.dumps(seen)} -> {json.dumps(value)}")
    return tuple(out)


def budget_changes(want: Monitoring, have: ObservedMonitoring) -> list[Change]:
    spec = want.budget
    if spec is None:
        return []
    if have.budget is None:
        return [PutBudget(spec.name, "create", spec.limit_usd, spec.tag_filter, False,
                          tuple(sorted(spec.alerts)))]
    update = abs(have.budget.limit_usd - spec.limit_usd) > 1e-9 or \
        have.budget.tag_filters != (spec.tag_filter,)
    add = tuple(sorted(set(spec.alerts) - set(have.budget.alerts)))
    remove = tuple(sorted(set(have.budget.alerts) - set(spec.alerts)))
    if not (update or add or remove):
        return []
    return [PutBudget(spec.name, "update", spec.limit_usd, spec.tag_filter, update, add, remove)]
