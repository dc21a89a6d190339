"""Observe and apply an environment's monitoring (docs/architecture.md §11): the AWS side of
engine/monitoring.py. Cost of observing: one DescribeAlarms page per 100 alarms, GetDashboard,
GetTopicAttributes, ListSubscriptionsByTopic, ListTagsForResource, and with a budget
DescribeBudget and DescribeNotificationsForBudget."""

from __future__ import annotations

from vectora_gitops.aws import budgets, cloudwatch, sns
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import monitoring as names
from vectora_gitops.engine.changes import DeleteAlarm, PutAlarm, PutBudget, PutDashboard, PutTopic
from vectora_gitops.errors import FatalError, GuardError
from vectora_gitops.model import DesiredState, Environment, Monitoring
from vectora_gitops.observed import ObservedMonitoring

ALARM_PREFIX = "vectora-inbox-"


def observe_monitoring(aws: Aws, env: Environment) -> ObservedMonitoring | None:
    spec = env.monitoring
    if spec is None:
        return None
    alarms = {a.name: a for a in cloudwatch.list_alarms(aws, ALARM_PREFIX)
              if names.is_env_alarm(a.name, env.name)}
    arn = f"arn:aws:sns:{env.region}:{env.account_id}:{names.topic_name(env.name)}"
    budget = budgets.get_budget(aws, env.account_id, names.budget_name(env.name)) \
        if spec.budget_usd > 0 else None
    topic = sns.get_topic(aws, arn)
    if topic is None:
        raise GuardError(missing_topic(env))
    return ObservedMonitoring(alarms=alarms,
                              dashboard=cloudwatch.get_dashboard(aws, names.dashboard_name(env.name)),
                              topic=topic, budget=budget)


def missing_topic(env: Environment) -> str:
    """What to do when the environment's topic does not exist. This tool never creates it: it
    and its policy (permissions management) belong to the core stack made outside the tool;
    templates/s0-core, the core stack this tool manages, does not declare it."""
    topic, core = names.topic_name(env.name), env.stack("core")
    if any(spec.name == core for spec in env.managed_stacks.values()):
        return (f"SNS topic {topic} does not exist in {env.name}; its core stack {core} comes "
                "from templates/s0-core, which does not declare the topic: create it with a "
                "policy that lets CloudWatch and AWS Budgets publish (README, Monitoring), or "
                f"remove environments/{env.name}/monitoring.yaml")
    return (f"SNS topic {topic} does not exist in {env.name}; deploy the CloudFormation stack "
            f"{core} first (it owns the topic and the policy that lets CloudWatch and AWS Budgets "
            "publish)")


class MonitoringSteps:
    """The apply steps of the monitoring changes (engine/changes.py `Executor`)."""

    aws: Aws
    desired: DesiredState

    def _monitoring(self, what: str) -> Monitoring:
        found = self.desired.monitoring
        if found is None:
            raise FatalError(f"{what}: the checkout declares no monitoring for "
                             f"{self.desired.env.name}; make a new plan")
        return found

    def put_topic(self, change: PutTopic) -> None:
        self._monitoring(f"topic {change.name}")
        arn = change.arn
        if change.action == "create":  # the stack owns it (monitoring_io.observe_monitoring)
            raise FatalError(f"topic {change.name}: deploy the CloudFormation stack that owns it")
        if change.tags:
            sns.tag_topic(self.aws, arn, change.tags)
        for protocol, endpoint in change.subscribe:
            sns.subscribe(self.aws, arn, protocol, endpoint)

    def put_alarm(self, change: PutAlarm) -> None:
        want = self._monitoring(f"alarm {change.name}")
        spec = want.alarms.get(change.name)
        if spec is None or spec.definition() != dict(change.definition):
            raise FatalError(f"alarm {change.name}: the checkout no longer declares the planned "
                             "alarm; make a new plan")
        cloudwatch.put_alarm(self.aws, spec, want.tags)

    def delete_alarm(self, change: DeleteAlarm) -> None:
        cloudwatch.delete_alarms(self.aws, [change.name])

    def put_dashboard(self, change: PutDashboard) -> None:
        want = self._monitoring(f"dashboard {change.name}")
        if want.dashboard_sha256 != change.sha256:
            raise FatalError(f"dashboard {change.name}: the checkout generates another body; "
                             "make a new plan")
        cloudwatch.put_dashboard(self.aws, change.name, want.dashboard_body)

    def put_budget(self, change: PutBudget) -> None:
        spec = self._monitoring(f"budget {change.name}").budget
        if spec is None or spec.limit_usd != change.limit_usd:
            raise FatalError(f"budget {change.name}: the checkout no longer declares the planned "
                             "budget; make a new plan")
        if change.action == "create":
            budgets.create_budget(self.aws, spec)
            return
        if change.update_budget:
            budgets.update_budget(self.aws, spec)
        for percent in change.add_alerts:
            budgets.add_alert(self.aws, spec, percent)
        for percent in change.remove_alerts:
            budgets.remove_alert(self.aws, spec, percent)
