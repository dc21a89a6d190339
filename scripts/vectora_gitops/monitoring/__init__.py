"""Monitoring as a capability: the bake after an apply, the rollback on an alarm, budgets."""
