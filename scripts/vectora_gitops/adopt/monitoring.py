"""Import of an environment's monitoring (docs/architecture.md §11): the alarms, dashboard and
budget vectora-gitops applies are generated from environments/monitoring.yaml and the
environment's own monitoring.yaml, so import keeps that file when the live environment holds
them; when it holds none (monitoring never applied there), import leaves monitoring out of git
so that the next plan is empty, and says how to add it back."""

from __future__ import annotations

from dataclasses import dataclass

from vectora_gitops.aws import cloudwatch
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import monitoring as names
from vectora_gitops.desired.repo import Repository
from vectora_gitops.engine.monitoring_io import ALARM_PREFIX
from vectora_gitops.model import Environment


@dataclass(frozen=True)
class MonitoringAdoption:
    path: str  # environments/<env>/monitoring.yaml
    applied: bool  # the live environment holds the tool's alarms or dashboard
    alarms: int


def adopt_monitoring(aws: Aws, env: Environment, repo: Repository) -> MonitoringAdoption | None:
    if env.monitoring is None:
        return None
    alarms = [a for a in cloudwatch.list_alarms(aws, ALARM_PREFIX)
              if names.is_env_alarm(a.name, env.name)]
    board = cloudwatch.get_dashboard(aws, names.dashboard_name(env.name))
    path = repo.rel(repo.env_dir(env.name) / "monitoring.yaml")
    return MonitoringAdoption(path, bool(alarms) or board is not None, len(alarms))
