"""The pure diff: table-driven cases and a convergence property (no AWS, no mocks)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import (
    Change,
    CopyArtifact,
    DeleteObject,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
)
from vectora_gitops.engine.diff import diff
from vectora_gitops.model import (
    Buckets,
    DesiredObject,
    DesiredState,
    Environment,
    FunctionSpec,
    Gates,
    LayerPin,
    LayerSpec,
    Pins,
    Promotion,
    Sync,
)
from vectora_gitops.observed import FunctionConfig, LayerVersion, S3Object
from vectora_gitops.observed import layer_description as describe

SHA_A, SHA_B = "a" * 64, "b" * 64
LAYER_BASE = "arn:aws:lambda:eu-west-3:786469175371:layer:vectora-inbox-core-dev"


def env(functions: dict[str, FunctionSpec] | None = None) -> Environment:
    return Environment(
        name="dev", account_id="786469175371", region="eu-west-3",
        buckets=Buckets("cfg-dev", "data-dev", "news-dev", "code-dev"), role="role-dev",
        stacks=(), layers={"core": LayerSpec("core", "vectora-inbox-core-dev")},
        functions=functions if functions is not None else {
            "f": FunctionSpec("f", "fn-dev", ("core",), {"ENV": "dev"})},
        tags={"Environment": "dev"}, promotion=Promotion(None, True, Gates()),
        sync=Sync(False, False, ("clients/", "canonical/"), ("backups/",)))


def obj(key: str, content: bytes) -> DesiredObject:
    return DesiredObject(key, content, hashlib.sha256(content).hexdigest(),
                         hashlib.md5(content, usedforsecurity=False).hexdigest(), f"git/{key}")


def desired(objects: dict[str, bytes], sha: str = SHA_A, bucket: str = "code-dev") -> DesiredState:
    pins = Pins("1.0.0", {}, {"core": LayerPin("1.0.0", sha, f"s3://{bucket}/layers/core.zip")})
    return DesiredState(env(), pins, "c0ffee", {k: obj(k, v) for k, v in objects.items()})


def version(number: int, sha: str) -> LayerVersion:
    return LayerVersion(f"{LAYER_BASE}:{number}", number, describe("1.0.0", sha))


def function(layers: tuple[str, ...], env_vars: dict[str, str] | None = None,
             tags: dict[str, str] | None = None) -> FunctionConfig:
    return FunctionConfig("fn-dev", "arn:fn-dev", layers, env_vars if env_vars is not None
                          else {"ENV": "dev"}, tags if tags is not None else
                          {"Environment": "dev"}, "python3.12", "h", "")


def actual(objects: dict[str, bytes], versions: tuple[LayerVersion, ...] = (),
           fn: FunctionConfig | None = None) -> ActualState:
    s3 = {k: S3Object(k, hashlib.md5(v, usedforsecurity=False).hexdigest(), len(v))
          for k, v in objects.items()}
    return ActualState(s3, {"core": versions}, {"f": fn or function((f"{LAYER_BASE}:1",))})


IN_SYNC_LAYER = (version(1, SHA_A),)
OTHER_ARTIFACT = "s3://code-other/layers/core.zip"


def what(change: Change) -> str:
    """The action of a change and what it acts on, as a reader of the plan would check it."""
    if isinstance(change, PutObject):
        return f"{change.action} {change.key}"
    if isinstance(change, DeleteObject):
        return f"delete {change.key}"
    if isinstance(change, CopyArtifact):
        return f"copy {change.source} to s3://{change.bucket}/{change.key}"
    if isinstance(change, PublishLayer):
        return f"publish {change.layer_name} {change.version} from s3://{change.bucket}/{change.key}"
    if isinstance(change, UpdateFunction):
        parts = []
        if change.layers_after is not None:
            parts.append("layers " + ", ".join(r.arn or f"{r.layer} (published)"
                                               for r in change.layers_after))
        if change.env_after is not None:
            parts.append(f"env {dict(change.env_after)}")
        return f"update {change.name}: {'; '.join(parts)}"
    assert isinstance(change, TagFunction)
    return f"tag {change.name} {dict(change.tags)}"


PUBLISH = ("publish_layer", "layer core",
           "publish vectora-inbox-core-dev 1.0.0 from s3://code-dev/layers/core.zip")
ATTACH_PUBLISHED = ("update_function", "function f", "update fn-dev: layers core (published)")
Expected = list[tuple[str, str, str]]  # (kind, resource, what) of each change, in apply order

CASES: list[tuple[str, DesiredState, ActualState, bool, Expected]] = [
    ("in sync", desired({"canonical/a": b"1"}), actual({"canonical/a": b"1"}, IN_SYNC_LAYER),
     False, []),
    ("new object", desired({"canonical/a": b"1"}), actual({}, IN_SYNC_LAYER), False,
     [("put_object", "s3 canonical/a", "create canonical/a")]),
    ("changed object", desired({"canonical/a": b"2"}), actual({"canonical/a": b"1"},
                                                              IN_SYNC_LAYER), False,
     [("put_object", "s3 canonical/a", "update canonical/a")]),
    ("unmanaged kept without prune", desired({}), actual({"canonical/x": b"1"}, IN_SYNC_LAYER),
     False, []),
    ("unmanaged deleted with prune", desired({}), actual({"canonical/x": b"1"}, IN_SYNC_LAYER),
     True, [("delete_object", "s3 canonical/x", "delete canonical/x")]),
    ("protected kept with prune", desired({}), actual({"backups/s.json": b"1"}, IN_SYNC_LAYER),
     True, []),
    ("layer not published", desired({}), actual({}, ()), False, [PUBLISH, ATTACH_PUBLISHED]),
    ("artifact in another bucket is copied first", desired({}, bucket="code-other"),
     actual({}, ()), False,
     [("copy_artifact", "layer core", f"copy {OTHER_ARTIFACT} to s3://code-dev/layers/core.zip"),
      PUBLISH, ATTACH_PUBLISHED]),
    ("published under another version number", desired({}),
     actual({}, (version(1, SHA_B), version(2, SHA_A))), False,
     [("update_function", "function f", f"update fn-dev: layers {LAYER_BASE}:2")]),
    ("env var drift", desired({}), actual({}, IN_SYNC_LAYER, function((f"{LAYER_BASE}:1",),
                                                                      {"ENV": "x"})), False,
     [("update_function", "function f", "update fn-dev: env {'ENV': 'dev'}")]),
    ("missing tag", desired({}), actual({}, IN_SYNC_LAYER, function((f"{LAYER_BASE}:1",),
                                                                    tags={})), False,
     [("tag_function", "function f", "tag fn-dev {'Environment': 'dev'}")]),
    ("hand-attached extra layer", desired({}), actual({}, IN_SYNC_LAYER, function(
        (f"{LAYER_BASE}:1", "arn:other:layer:x:3"))), False,
     [("update_function", "function f", f"update fn-dev: layers {LAYER_BASE}:1")]),
]


@pytest.mark.parametrize(("name", "want", "have", "prune", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_diff_table(name: str, want: DesiredState, have: ActualState, prune: bool,
                    expected: Expected) -> None:
    assert [(c.kind, c.resource, what(c)) for c in diff(want, have, prune=prune)] == expected


def test_changes_come_in_safe_order() -> None:
    want = desired({"canonical/a": b"1", "clients/c.yaml": b"2"})
    have = actual({"canonical/old": b"0"}, ())
    phases = [c.phase for c in diff(want, have, prune=True)]
    assert phases == ["canonical", "clients", "layers", "functions", "deletions"]


def simulate(state: ActualState, want: DesiredState, changes: tuple[Change, ...]) -> ActualState:
    """What AWS looks like after the changes (the model of apply used by the property)."""
    objects = dict(state.objects)
    versions = list(state.layers.get("core", ()))
    fn = state.functions["f"]
    assert fn is not None
    published: dict[str, str] = {}
    for change in changes:
        if isinstance(change, PutObject):
            objects[change.key] = S3Object(change.key, change.md5, change.size)
        elif isinstance(change, DeleteObject):
            objects.pop(change.key)
        elif isinstance(change, PublishLayer):
            new = version(max((v.number for v in versions), default=0) + 1, change.sha256)
            versions.append(new)
            published[change.layer] = new.arn
        elif isinstance(change, UpdateFunction):
            layers = fn.layers if change.layers_after is None else tuple(
                r.arn or published[r.layer] for r in change.layers_after)
            fn = replace(fn, layers=layers, environment=change.env_after or fn.environment)
        elif isinstance(change, TagFunction):
            fn = replace(fn, tags={**fn.tags, **change.tags})
        else:
            assert isinstance(change, CopyArtifact)
    return ActualState(objects, {"core": tuple(versions)}, {"f": fn}, state.written)


KEYS = st.sampled_from(["canonical/a.yaml", "canonical/b/c.md", "clients/x.yaml", "canonical/d"])
CONTENT = st.binary(max_size=8)


@settings(max_examples=200, deadline=None)
@given(want=st.dictionaries(KEYS, CONTENT), have=st.dictionaries(KEYS, CONTENT),
       shas=st.lists(st.sampled_from([SHA_A, SHA_B]), max_size=3),
       attached=st.lists(st.integers(1, 4), max_size=3),
       env_vars=st.dictionaries(st.sampled_from(["ENV", "X"]), st.sampled_from(["dev", "1"])),
       tags=st.dictionaries(st.sampled_from(["Environment", "Other"]), st.sampled_from(["dev", "z"])),
       prune=st.booleans(), pin=st.sampled_from([SHA_A, SHA_B]))
def test_apply_then_plan_has_no_changes(want: dict[str, bytes], have: dict[str, bytes],
                                        shas: list[str], attached: list[int],
                                        env_vars: dict[str, str], tags: dict[str, str],
                                        prune: bool, pin: str) -> None:
    target = desired(want, sha=pin)
    versions = tuple(version(i + 1, sha) for i, sha in enumerate(shas))
    fn = function(tuple(f"{LAYER_BASE}:{n}" for n in attached), env_vars, tags)
    before = actual(have, versions, fn)
    after = simulate(before, target, diff(target, before, prune=prune))
    assert diff(target, after, prune=prune) == ()
    published = len(after.layers["core"]) - len(versions)
    assert published == (0 if pin in shas else 1)
