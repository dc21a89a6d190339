"""The change types answer for themselves (engine/changes.py): phase, resource, description,
names written, deployables touched, snapshot need and the executor step, one table row per kind.
The plan JSON of every kind is unchanged, and a plan saved before is still read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vectora_gitops.engine import apply
from vectora_gitops.engine import plan as plans
from vectora_gitops.engine.changes import (
    KINDS,
    Change,
    CopyArtifact,
    DeleteAlarm,
    DeleteObject,
    LayerRef,
    PublishLayer,
    PutAlarm,
    PutBudget,
    PutDashboard,
    PutObject,
    PutTopic,
    TagFunction,
    UpdateFunction,
    from_json,
    ordered,
    to_json,
)
from vectora_gitops.render.plan import describe

H = "h" * 64
ARN1, ARN2 = "arn:aws:lambda:eu-west-3:1:layer:core-dev:1", "arn:aws:lambda:eu-west-3:1:layer:core-dev:2"


@dataclass(frozen=True)
class Row:
    change: Change
    phase: str
    resource: str
    line: str  # symbol and description, as the plan prints them
    names: tuple[str, ...] = ()
    deployables: frozenset[str] = frozenset()
    runtime: bool = False  # apply snapshots first
    writes: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    json: dict[str, object] = field(default_factory=dict)  # the plan's JSON of it


FN_ARN = "arn:aws:lambda:eu-west-3:786469175371:function:ingest-dev"
TOPIC = "arn:aws:sns:eu-west-3:786469175371:alarms-dev"
ALARM = {"description": "d", "namespace": "AWS/Lambda", "metric": "Errors",
         "dimensions": [["FunctionName", "ingest-dev"]], "statistic": "Sum", "period": 300,
         "evaluation_periods": 1, "threshold": 1.0, "comparison": "GreaterThanOrEqualToThreshold",
         "treat_missing": "notBreaching", "actions": [TOPIC], "actions_enabled": True}
ROWS = [
    Row(PutObject("canonical/scopes/a.yaml", H, "m", 3, "create", "canonical/2.1.0/scopes/a.yaml"),
        "canonical", "s3 canonical/scopes/a.yaml",
        "+ create canonical/scopes/a.yaml from canonical/2.1.0/scopes/a.yaml",
        deployables=frozenset({"canonical"}), runtime=True, writes=("canonical/scopes/a.yaml",),
        json={"kind": "put_object", "key": "canonical/scopes/a.yaml", "sha256": H, "md5": "m",
              "size": 3, "action": "create", "source": "canonical/2.1.0/scopes/a.yaml"}),
    Row(PutObject("clients/lai_weekly.yaml", H, "m", 3, "update", "clients/lai_weekly/7.1.0.yaml"),
        "clients", "s3 clients/lai_weekly.yaml",
        "~ update clients/lai_weekly.yaml from clients/lai_weekly/7.1.0.yaml",
        deployables=frozenset({"clients/lai_weekly"}), writes=("clients/lai_weekly.yaml",)),
    Row(PutObject("other/readme.md", H, "m", 3, "update", "x"), "canonical", "s3 other/readme.md",
        "~ update other/readme.md from x", writes=("other/readme.md",)),
    Row(DeleteObject("clients/gone.yaml", "e"), "deletions", "s3 clients/gone.yaml",
        "- delete clients/gone.yaml (not in git)", deployables=frozenset({"clients/gone"}),
        runtime=True, deletes=("clients/gone.yaml",),
        json={"kind": "delete_object", "key": "clients/gone.yaml", "etag": "e"}),
    Row(DeleteObject("canonical/old.md", "e"), "deletions", "s3 canonical/old.md",
        "- delete canonical/old.md (not in git)", deployables=frozenset({"canonical"}),
        runtime=True, deletes=("canonical/old.md",)),
    Row(CopyArtifact("core", "s3://src/k.zip", "code-dev", "layers/core.zip", H), "artifacts",
        "layer core", "+ copy artifact s3://src/k.zip -> s3://code-dev/layers/core.zip",
        names=("code-dev",), deployables=frozenset({"layers/core"}),
        json={"kind": "copy_artifact", "layer": "core", "source": "s3://src/k.zip",
              "bucket": "code-dev", "key": "layers/core.zip", "sha256": H}),
    Row(PublishLayer("core", "core-dev", "1.4.1", H, "code-dev", "layers/core.zip", ("python3.11",)),
        "layers", "layer core", f"+ publish core-dev from 1.4.1 (sha256 {H[:12]})",
        names=("code-dev", "core-dev"), deployables=frozenset({"layers/core"}), runtime=True,
        json={"kind": "publish_layer", "layer": "core", "layer_name": "core-dev",
              "version": "1.4.1", "sha256": H, "bucket": "code-dev", "key": "layers/core.zip",
              "runtimes": ["python3.11"]}),
    Row(UpdateFunction("ingest", "ingest-dev", (ARN1,), (LayerRef("core", "h", ARN2),
                                                         LayerRef("deps", "h", ""))),
        "functions", "function ingest",
        "~ update ingest-dev: layers [core-dev:1] -> [core-dev:2, deps:<new>]",
        names=("ingest-dev",), deployables=frozenset({"layers/core", "layers/deps"}), runtime=True,
        json={"kind": "update_function", "function": "ingest", "name": "ingest-dev",
              "layers_before": [ARN1], "layers_after": [
                  {"layer": "core", "sha256": "h", "arn": ARN2},
                  {"layer": "deps", "sha256": "h", "arn": ""}],
              "env_before": {}, "env_after": None}),
    Row(UpdateFunction("ingest", "ingest-dev", (ARN1,), (LayerRef("core", "h", ARN1),)),
        "functions", "function ingest", "~ update ingest-dev: layers [core-dev:1] -> [core-dev:1]",
        names=("ingest-dev",), runtime=True),  # carries the layer already: touches no deployable
    Row(UpdateFunction("score", "score-dev", (), None, {"A": "1", "B": "2", "X": "1"},
                       {"A": "1", "B": "3", "C": "4"}),
        "functions", "function score",
        "~ update score-dev: env +C=4, env -X, env B: ***sha256:d4735e3a -> 3",  # only AWS holds 2
        names=("score-dev",), runtime=True),
    Row(TagFunction("ingest", "ingest-dev", FN_ARN, {"team": "x", "env": "dev"}, {}),
        "functions", "function ingest", "~ tag ingest-dev: env=dev, team=x",
        names=("ingest-dev", "ingest-dev"),  # the name, and the function its ARN names
        json={"kind": "tag_function", "function": "ingest", "name": "ingest-dev", "arn": FN_ARN,
              "tags": {"team": "x", "env": "dev"}, "before": {}}),
    Row(PutTopic("alarms-dev", TOPIC, "create", (("email", "a@example.com"),),
                 {"Environment": "dev"}),
        "topics", "topic alarms-dev", "+ create topic alarms-dev: subscribe email:a@example.com",
        names=("alarms-dev",),
        json={"kind": "put_topic", "name": "alarms-dev", "arn": TOPIC, "action": "create",
              "subscribe": [["email", "a@example.com"]], "tags": {"Environment": "dev"}}),
    Row(PutTopic("alarms-dev", TOPIC, "update", (("email", "b@example.com"),), {"Team": "x"}),
        "topics", "topic alarms-dev",
        "~ update topic alarms-dev: subscribe email:b@example.com, tags Team=x",
        names=("alarms-dev",)),
    Row(PutAlarm("errors-dev", "create", ALARM), "monitoring", "alarm errors-dev",
        "+ create alarm errors-dev: AWS/Lambda/Errors Sum GreaterThanOrEqualToThreshold 1.0",
        names=("errors-dev",),
        json={"kind": "put_alarm", "name": "errors-dev", "action": "create", "definition": ALARM,
              "details": []}),
    Row(PutAlarm("errors-dev", "update", ALARM, ("actions disabled in AWS -> enabled",)),
        "monitoring", "alarm errors-dev",
        "~ update alarm errors-dev: actions disabled in AWS -> enabled", names=("errors-dev",)),
    Row(DeleteAlarm("old-dev"), "monitoring", "alarm old-dev", "- delete alarm old-dev (not in git)",
        names=("old-dev",), json={"kind": "delete_alarm", "name": "old-dev"}),
    Row(PutDashboard("board-dev", "update", H), "monitoring", "dashboard board-dev",
        f"~ update dashboard board-dev (body sha256 {H[:12]})", names=("board-dev",),
        json={"kind": "put_dashboard", "name": "board-dev", "action": "update", "sha256": H}),
    Row(PutBudget("budget-dev", "create", 30.0, "user:Environment$dev", False, (80, 100)),
        "monitoring", "budget budget-dev",
        "+ create budget budget-dev: 30 USD a month on user:Environment$dev, alert at 80%, "
        "alert at 100%", names=("budget-dev",),
        json={"kind": "put_budget", "name": "budget-dev", "action": "create", "limit_usd": 30.0,
              "tag_filter": "user:Environment$dev", "update_budget": False,
              "add_alerts": [80, 100], "remove_alerts": []}),
    Row(PutBudget("budget-dev", "update", 30.0, "user:Environment$dev", False, (), (50,)),
        "monitoring", "budget budget-dev", "~ update budget budget-dev: no alert at 50%",
        names=("budget-dev",)),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.line[:40])
def test_each_change_answers_for_itself(row: Row) -> None:
    c = row.change
    assert (c.phase, c.resource, " ".join(describe(c))) == (row.phase, row.resource, row.line)
    assert (c.names(), c.deployables(), c.touches_runtime) == (row.names, row.deployables, row.runtime)
    assert (c.config_writes(), c.config_deletes()) == (row.writes, row.deletes)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.line[:40])
def test_plan_json_is_unchanged_and_round_trips(row: Row) -> None:
    data = json.loads(json.dumps(to_json(row.change)))
    if row.json:
        assert data == row.json
    assert from_json(data) == row.change


@dataclass
class Recorder:
    """An Executor that records which step each change asked for."""

    steps: list[tuple[str, Change]] = field(default_factory=list)

    def put_object(self, change: PutObject) -> None:
        self.steps.append(("put_object", change))

    def delete_object(self, change: DeleteObject) -> None:
        self.steps.append(("delete_object", change))

    def copy_artifact(self, change: CopyArtifact) -> None:
        self.steps.append(("copy_artifact", change))

    def publish_layer(self, change: PublishLayer) -> None:
        self.steps.append(("publish_layer", change))

    def update_function(self, change: UpdateFunction) -> None:
        self.steps.append(("update_function", change))

    def tag_function(self, change: TagFunction) -> None:
        self.steps.append(("tag_function", change))

    def put_topic(self, change: PutTopic) -> None:
        self.steps.append(("put_topic", change))

    def put_alarm(self, change: PutAlarm) -> None:
        self.steps.append(("put_alarm", change))

    def delete_alarm(self, change: DeleteAlarm) -> None:
        self.steps.append(("delete_alarm", change))

    def put_dashboard(self, change: PutDashboard) -> None:
        self.steps.append(("put_dashboard", change))

    def put_budget(self, change: PutBudget) -> None:
        self.steps.append(("put_budget", change))


def test_every_kind_runs_its_own_step_and_apply_has_it() -> None:
    assert set(KINDS) == {"put_object", "delete_object", "copy_artifact", "publish_layer",
                          "update_function", "tag_function", "put_topic", "put_alarm",
                          "delete_alarm", "put_dashboard", "put_budget", "create_stack",
                          "update_stack", "protect_stack"}
    recorder = Recorder()
    for row in ROWS:
        row.change.run(recorder)
    assert recorder.steps == [(r.change.kind, r.change) for r in ROWS]
    assert all(callable(getattr(apply._Steps, kind, None)) for kind in KINDS)


def test_only_object_writes_run_in_parallel() -> None:
    assert {r.change.kind for r in ROWS if r.change.parallel} == {"put_object"}


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown change kind 'drop_table'"):
        from_json({"kind": "drop_table"})


# A plan saved by `plan --out` before the change types carried their own behaviour.
SAVED = {
    "format": 1, "env": "dev", "commit": "c" * 40, "created_at": "2025-01-01T00:00:00+00:00",
    "prune": True, "pins": {"canonical": "2.1.0", "clients": {}, "layers": {}},
    "summary": {}, "observed": "o", "desired": "d", "unmanaged": [],
    "changes": [
        {"action": "create", "key": "canonical/a.yaml", "kind": "put_object", "md5": "m",
         "sha256": H, "size": 3, "source": "canonical/2.1.0/a.yaml"},
        {"bucket": "code-dev", "key": "layers/core.zip", "kind": "copy_artifact", "layer": "core",
         "sha256": H, "source": "s3://src/k.zip"},
        {"bucket": "code-dev", "key": "layers/core.zip", "kind": "publish_layer", "layer": "core",
         "layer_name": "core-dev", "runtimes": ["python3.11"], "sha256": H, "version": "1.4.1"},
        {"arn": "arn:f", "before": {}, "function": "ingest", "kind": "tag_function",
         "name": "ingest-dev", "tags": {"env": "dev"}},
        {"env_after": {"A": "2"}, "env_before": {"A": "1"}, "function": "ingest",
         "kind": "update_function", "layers_after": [{"arn": ARN2, "layer": "core", "sha256": "h"}],
         "layers_before": [ARN1], "name": "ingest-dev"},
        {"env_after": None, "env_before": {}, "function": "score", "kind": "update_function",
         "layers_after": None, "layers_before": [], "name": "score-dev"},
        {"etag": "e", "key": "canonical/old.md", "kind": "delete_object"},
    ],
}


def test_a_plan_saved_before_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(SAVED, indent=2, sort_keys=True) + "\n")
    plan = plans.load(path)
    assert plan.changes == (
        PutObject("canonical/a.yaml", H, "m", 3, "create", "canonical/2.1.0/a.yaml"),
        CopyArtifact("core", "s3://src/k.zip", "code-dev", "layers/core.zip", H),
        PublishLayer("core", "core-dev", "1.4.1", H, "code-dev", "layers/core.zip", ("python3.11",)),
        TagFunction("ingest", "ingest-dev", "arn:f", {"env": "dev"}, {}),
        UpdateFunction("ingest", "ingest-dev", (ARN1,), (LayerRef("core", "h", ARN2),),
                       {"A": "1"}, {"A": "2"}),
        UpdateFunction("score", "score-dev", (), None, {}, None),
        DeleteObject("canonical/old.md", "e"),
    )
    assert ordered(list(plan.changes)) == plan.changes
    saved = tmp_path / "again.json"
    plans.save(plan, saved)
    assert json.loads(saved.read_text())["changes"] == SAVED["changes"]
