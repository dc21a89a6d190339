"""The pure diff: desired + actual -> typed changes, in apply order. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping

from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import (
    Change,
    CopyArtifact,
    DeleteObject,
    LayerRef,
    PublishLayer,
    PutObject,
    TagFunction,
    UpdateFunction,
    ordered,
)
from vectora_gitops.engine.identity import in_sync
from vectora_gitops.engine.layers import holds_pin, layer_name, matching_version
from vectora_gitops.engine.monitoring import monitoring_changes
from vectora_gitops.engine.stackdiff import stack_changes
from vectora_gitops.masking import aws_env
from vectora_gitops.model import DesiredObject, DesiredState, Environment
from vectora_gitops.observed import FunctionConfig


def diff(desired: DesiredState, actual: ActualState, *, prune: bool) -> tuple[Change, ...]:
    changes: list[Change] = []
    if desired.stacks:
        changes += stack_changes(desired.stacks, actual)
    changes += object_changes(desired.objects, actual, prune=prune,
                              protected=desired.env.sync.protected_prefixes,
                              deletions=desired.deletions)
    refs = layer_refs(desired, actual)
    changes += layer_changes(desired, refs)
    for key, spec in desired.env.functions.items():
        config = actual.functions.get(key)
        if config is None:
            if desired.stacks:  # its stack is created by this plan (observe allows it then)
                changes += new_function_changes(desired.env, key, tuple(
                    refs[layer] for layer in spec.layers))
            continue
        wanted = tuple(carried_ref(desired, actual, config, layer) or refs[layer]
                       for layer in spec.layers)
        changes += function_changes(key, config, wanted, spec.environment,
                                    desired.env.function_tags(key))
    changes += monitoring_changes(desired.env.name, desired.monitoring, actual.monitoring)
    return ordered(changes)


def carried_ref(desired: DesiredState, actual: ActualState, config: FunctionConfig,
                layer: str) -> LayerRef | None:
    """The version of `layer` the function already carries, when it holds the pinned content:
    two versions published from one zip are the same pin, so neither function is moved."""
    pin = desired.pins.layers.get(layer)
    spec = desired.env.layers.get(layer)
    if pin is None or spec is None:
        return None
    versions = {v.arn: v for v in actual.layers.get(layer, ())}
    for arn in config.layers:
        version = versions.get(arn)
        if layer_name(arn) == spec.name and version and holds_pin(version, pin, actual.layer_code):
            return LayerRef(layer, pin.sha256, arn)
    return None


def object_changes(objects: Mapping[str, DesiredObject], actual: ActualState, *, prune: bool,
                   protected: tuple[str, ...], deletions: Mapping[str, str] | None = None
                   ) -> list[Change]:
    """Puts of what differs; deletions git names (`deletions`: key -> why, made even without
    prune: a retired legacy config, docs/architecture.md §8), and with `prune` every other
    object git does not have."""
    changes: list[Change] = []
    named = deletions or {}
    for key, want in objects.items():
        have = actual.objects.get(key)
        if have is None or not in_sync(want, have, actual.checksums):
            changes.append(PutObject(key, want.sha256, want.md5, len(want.content),
                                     "create" if have is None else "update", want.source))
    for key, why in sorted(named.items()):
        have = actual.objects.get(key)
        if have is not None and key not in objects and not key.startswith(protected):
            changes.append(DeleteObject(key, have.etag, why))
    if prune:
        changes += [DeleteObject(key, have.etag) for key, have in actual.objects.items()
                    if key not in objects and key not in named and not key.startswith(protected)]
    return changes


def layer_refs(desired: DesiredState, actual: ActualState) -> dict[str, LayerRef]:
    """For each pinned layer, the published version with its content, if any."""
    attached = frozenset(arn for f in actual.functions.values() if f for arn in f.layers)
    refs: dict[str, LayerRef] = {}
    for key, pin in desired.pins.layers.items():
        version = matching_version(actual.layers.get(key, ()), pin, attached, actual.layer_code)
        refs[key] = LayerRef(key, pin.sha256, version.arn if version else "")
    return refs


def layer_changes(desired: DesiredState, refs: Mapping[str, LayerRef]) -> list[Change]:
    changes: list[Change] = []
    env = desired.env
    for key, ref in sorted(refs.items()):
        if ref.arn or key not in env.layers:
            continue
        pin = desired.pins.layers[key]
        dest_key = pin.artifact_key
        if pin.artifact_bucket != env.buckets.lambda_code:
            changes.append(CopyArtifact(key, pin.artifact, env.buckets.lambda_code, dest_key,
                                        pin.sha256))
        spec = env.layers[key]
        changes.append(PublishLayer(key, spec.name, pin.version, pin.sha256,
                                    env.buckets.lambda_code, dest_key, spec.compatible_runtimes))
    return changes


def function_changes(key: str, config: FunctionConfig, wanted: tuple[LayerRef, ...],
                     environment: Mapping[str, str], tags: Mapping[str, str]) -> list[Change]:
    changes: list[Change] = []
    layers_ok = all(r.arn for r in wanted) and tuple(r.arn for r in wanted) == config.layers
    env_ok = dict(config.environment) == dict(environment)
    if not (layers_ok and env_ok):
        changes.append(UpdateFunction(
            key, config.name, config.layers, None if layers_ok else wanted,
            aws_env(config.environment, environment), None if env_ok else dict(environment)))
    missing = {k: v for k, v in tags.items() if config.tags.get(k) != v}
    if missing:
        changes.append(TagFunction(key, config.name, config.arn, missing, dict(config.tags)))
    return changes



def new_function_changes(env: Environment, key: str, wanted: tuple[LayerRef, ...]
                         ) -> list[Change]:
    """A function a stack of this plan creates: the stack owns what it is (runtime, role, code
    placeholder), this tool sets its layers, variables and tags once it exists
    (docs/architecture.md §10)."""
    spec = env.functions[key]
    arn = f"arn:aws:lambda:{env.region}:{env.account_id}:function:{spec.name}"
    changes: list[Change] = [UpdateFunction(key, spec.name, (), wanted, {},
                                            dict(spec.environment))]
    tags = dict(env.function_tags(key))
    if tags:
        changes.append(TagFunction(key, spec.name, arn, tags, {}))
    return changes
