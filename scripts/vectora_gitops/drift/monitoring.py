"""Drift of an environment's monitoring (docs/architecture.md §11), pure: the changes the
monitoring diff would make, as findings. An alarm whose actions were disabled by hand (the
console's "disable actions") is its own kind of finding."""

from __future__ import annotations

from vectora_gitops.drift.findings import Finding
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import DeleteAlarm, PutAlarm, PutBudget, PutDashboard, PutTopic
from vectora_gitops.engine.monitoring import extra_subscribers, monitoring_changes
from vectora_gitops.model import DesiredState


def monitoring_findings(desired: DesiredState, actual: ActualState) -> list[Finding]:
    out = []
    for change in monitoring_changes(desired.env.name, desired.monitoring, actual.monitoring):
        if isinstance(change, PutAlarm):
            resource = f"alarm:{change.name}"
            if change.action == "create":
                out.append(Finding("alarm_missing", resource, "declared", "missing"))
            elif any(d.startswith("actions disabled in AWS") for d in change.details):
                out.append(Finding("alarm_disabled", resource, "actions enabled",
                                   "actions disabled"))
            others = [d for d in change.details if not d.startswith("actions disabled in AWS")]
            if change.action == "update" and others:
                out.append(Finding("alarm_changed", resource, "as declared", "; ".join(others)))
        elif isinstance(change, DeleteAlarm):
            out.append(Finding("alarm_unmanaged", f"alarm:{change.name}", "not in git", "exists"))
        elif isinstance(change, PutDashboard):
            out.append(Finding("dashboard_changed" if change.action == "update"
                               else "dashboard_missing", f"dashboard:{change.name}",
                               f"generated (sha256 {change.sha256[:12]})",
                               "other body" if change.action == "update" else "missing"))
        elif isinstance(change, PutTopic):
            out.append(Finding("topic_changed" if change.action == "update" else "topic_missing",
                               f"topic:{change.name}", "as declared",
                               change.describe().partition(": ")[2] or "missing"))
        elif isinstance(change, PutBudget):
            out.append(Finding("budget_changed" if change.action == "update"
                               else "budget_missing", f"budget:{change.name}", "as declared",
                               change.describe().partition(": ")[2] if change.action == "update"
                               else "missing"))
    topic = desired.monitoring.topic.name if desired.monitoring else ""
    out += [Finding("topic_subscriber_unmanaged", f"topic:{topic}:{protocol}:{endpoint}",
                    "not in git", f"{protocol}:{endpoint} subscribed (remove it by hand)")
            for protocol, endpoint in extra_subscribers(desired.monitoring, actual.monitoring)]
    return out
