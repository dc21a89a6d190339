"""The cost model of a no-op plan, counted (not timed): list pages + one call per layer and
per function + a small constant."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from helpers_repo import git
from support import cli
from vectora_gitops.aws.client import counting

SMALL_CONSTANT = 2  # GetCallerIdentity + the written-state record
# dev's monitoring (engine/monitoring_io.py): DescribeAlarms, GetDashboard, GetTopicAttributes,
# ListSubscriptionsByTopic, ListTagsForResource, DescribeBudget, DescribeNotificationsForBudget
MONITORING = 7


def grow_bundle(repo: Path, version: str, n: int) -> None:
    folder = repo / "canonical" / version / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"note-{i:05d}.md").write_text(f"# note {i}\n" + "x" * 64 + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{n} generated files")


@pytest.mark.parametrize("n", [1000, 3000])
def test_noop_plan_requests_stay_at_the_floor(seeded: Path, n: int) -> None:
    grow_bundle(seeded, "2.1.0", n)
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    with counting() as counted:
        assert cli(seeded, "plan", "--env", "dev") == 0
    objects = n + 16  # generated + the bundle's own files
    floor = math.ceil(objects / 1000) + 1 + 2 + 3 + SMALL_CONSTANT + MONITORING  # + clients/
    assert counted.requests["ListObjectsV2"] == math.ceil(objects / 1000) + 1
    assert counted.requests["ListLayerVersions"] == 2
    assert counted.requests["GetFunction"] == 3
    assert counted.requests["DescribeAlarms"] == 1
    assert counted.total <= floor, counted.requests
