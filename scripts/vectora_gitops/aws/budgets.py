"""AWS Budgets, typed: the monthly cost budget of an environment, filtered on its Environment
tag, with its alerts to the environment's topic (docs/architecture.md §11).

The emulator answers CreateBudget, DescribeBudget, DescribeNotificationsForBudget,
CreateNotification, DeleteNotification and DeleteBudget; it lacks UpdateBudget, which is tested
with botocore's Stubber (README, "Monitoring")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vectora_gitops.aws.client import Aws, call
from vectora_gitops.errors import AwsError
from vectora_gitops.model import BudgetSpec
from vectora_gitops.observed import Budget

NOT_FOUND = ("NotFoundException",)


def _notification(percent: int) -> dict[str, Any]:
    return {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
            "Threshold": float(percent), "ThresholdType": "PERCENTAGE"}


def _budget(spec: BudgetSpec) -> dict[str, Any]:
    return {"BudgetName": spec.name, "BudgetType": "COST", "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": f"{spec.limit_usd:g}", "Unit": "USD"},
            "CostFilters": {"TagKeyValue": [spec.tag_filter]}}


def get_budget(aws: Aws, account_id: str, name: str) -> Budget | None:
    """The budget with its ACTUAL percentage alerts and this period's spend; None: missing."""
    client = aws.client("budgets")
    try:
        raw = call(f"DescribeBudget {name}", client.describe_budget, AccountId=account_id,
                   BudgetName=name)["Budget"]
    except AwsError as exc:
        if exc.code in NOT_FOUND:
            return None
        raise
    notes = call(f"DescribeNotificationsForBudget {name}",
                 client.describe_notifications_for_budget, AccountId=account_id,
                 BudgetName=name).get("Notifications", ())
    return budget_of(raw, notes)


def budget_of(raw: Mapping[str, Any], notifications: Any) -> Budget:
    alerts = sorted(int(float(n["Threshold"])) for n in notifications
                    if n.get("NotificationType") == "ACTUAL"
                    and n.get("ComparisonOperator") == "GREATER_THAN"
                    and n.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE")
    spend = ((raw.get("CalculatedSpend") or {}).get("ActualSpend") or {}).get("Amount")
    filters = (raw.get("CostFilters") or {}).get("TagKeyValue") or ()
    return Budget(str(raw["BudgetName"]), float((raw.get("BudgetLimit") or {}).get("Amount", 0)),
                  tuple(sorted(str(f) for f in filters)), tuple(alerts),
                  None if spend is None else float(spend))


def create_budget(aws: Aws, spec: BudgetSpec) -> None:
    call(f"CreateBudget {spec.name}", aws.client("budgets").create_budget,
         AccountId=spec.account_id, Budget=_budget(spec),
         NotificationsWithSubscribers=[
             {"Notification": _notification(p),
              "Subscribers": [{"SubscriptionType": "SNS", "Address": spec.topic_arn}]}
             for p in spec.alerts])


def update_budget(aws: Aws, spec: BudgetSpec) -> None:
    call(f"UpdateBudget {spec.name}", aws.client("budgets").update_budget,
         AccountId=spec.account_id, NewBudget=_budget(spec))


def add_alert(aws: Aws, spec: BudgetSpec, percent: int) -> None:
    call(f"CreateNotification {spec.name}", aws.client("budgets").create_notification,
         AccountId=spec.account_id, BudgetName=spec.name, Notification=_notification(percent),
         Subscribers=[{"SubscriptionType": "SNS", "Address": spec.topic_arn}])


def remove_alert(aws: Aws, spec: BudgetSpec, percent: int) -> None:
    call(f"DeleteNotification {spec.name}", aws.client("budgets").delete_notification,
         AccountId=spec.account_id, BudgetName=spec.name, Notification=_notification(percent))
