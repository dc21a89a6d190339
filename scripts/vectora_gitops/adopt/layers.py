"""Layer pins from the layer versions the functions carry, whatever their names.

Every distinct content (CodeSha256) of every layer name a function carries becomes one logical
layer, so each function's layer list is recorded exactly, in order (docs/architecture.md §8).
A logical layer already declared with that name keeps its key; a new one is named after the
layer (`vectora-inbox-` and `-<env>` taken off). Its pin:
- the git pin, when it already holds that content (nothing rewritten);
- `version=... sha256=...` of a version this tool published, when that zip is in the code bucket;
- otherwise `0.0.0-adopted.<n>` by content, with the zip found by content among the code
  bucket's `layers/` objects (same size, same sha256), or where it must be uploaded.
A declared layer no function carries is kept when its pinned content is published, else dropped
(apply would publish it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from vectora_gitops.aws import lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.layers import code_hex, layer_name
from vectora_gitops.errors import InputError
from vectora_gitops.model import Environment, LayerPin, Pins
from vectora_gitops.observed import FunctionConfig, LayerVersion

MAX_KEY = 41


@dataclass(frozen=True)
class Content:
    """One content of one layer name, as the functions carry it."""

    name: str
    sha256: str
    size: int
    arns: tuple[str, ...]  # versions with this content that functions carry, in order seen
    functions: tuple[str, ...]


@dataclass(frozen=True)
class AdoptedLayer:
    key: str
    name: str
    pin: LayerPin
    how: str  # kept | published | found | missing | unused
    arns: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class LayerAdoption:
    layers: tuple[AdoptedLayer, ...]  # every logical layer the environment keeps
    dropped: tuple[str, ...]  # declared layers removed (carried by no function, not published)
    order: Mapping[str, tuple[str, ...]]  # function key -> logical layers, in order


def adopt_layers(aws: Aws, env: Environment, pins: Pins,
                 configs: Mapping[str, FunctionConfig]) -> LayerAdoption:
    contents, by_arn = carried_contents(aws, configs)
    keys = assign_keys(env, pins, contents)
    zips = s3.ZipFinder(aws, env.buckets.lambda_code)
    listed: dict[str, tuple[LayerVersion, ...]] = {}
    adopted = [pin_content(aws, env, pins, keys[(c.name, c.sha256)], c, zips, listed)
               for c in contents]
    taken = {layer.key for layer in adopted}
    dropped = []
    for key, spec in sorted(env.layers.items()):
        pin = pins.layers.get(key)
        if key in taken:
            continue
        if pin is not None and published(aws, spec.name, pin, listed):
            adopted.append(AdoptedLayer(key, spec.name, pin, "unused"))
        else:
            dropped.append(key)
    order = {fn: tuple(keys[(layer_name(arn), by_arn[arn])] for arn in config.layers)
             for fn, config in configs.items()}
    return LayerAdoption(tuple(adopted), tuple(dropped), order)


def carried_contents(aws: Aws, configs: Mapping[str, FunctionConfig]
                     ) -> tuple[list[Content], dict[str, str]]:
    """The distinct (layer name, content) pairs carried, in order seen; ARN -> content hash."""
    by_arn: dict[str, str] = {}
    sizes: dict[str, int] = {}
    seen: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for fn, config in configs.items():
        for arn in config.layers:
            if arn not in by_arn:
                code, size = lambda_.layer_content(aws, arn)
                by_arn[arn] = code_hex(code)
                sizes[arn] = size
                if not by_arn[arn]:
                    raise InputError(f"layer {arn} (function {config.name}): no readable "
                                     "CodeSha256; cannot pin its content")
            arns, fns = seen.setdefault((layer_name(arn), by_arn[arn]), ([], []))
            arns += [] if arn in arns else [arn]
            fns += [] if fn in fns else [fn]
    contents = [Content(name, sha, sizes[arns[0]], tuple(arns), tuple(fns))
                for (name, sha), (arns, fns) in seen.items()]
    return contents, by_arn


def assign_keys(env: Environment, pins: Pins,
                contents: list[Content]) -> dict[tuple[str, str], str]:
    """(layer name, content) -> logical layer: the declared key of that name holding the content,
    else a declared key of that name still free, else one named after the layer."""
    keys: dict[tuple[str, str], str] = {}
    taken: set[str] = set()
    declared = sorted(env.layers.items())
    for content in sorted(contents, key=lambda c: not any(
            s.name == c.name and k in pins.layers and pins.layers[k].sha256 == c.sha256
            for k, s in declared)):
        same = [k for k, s in declared if s.name == content.name and k not in taken]
        holding = [k for k in same if k in pins.layers and pins.layers[k].sha256 == content.sha256]
        key = (holding or same or [""])[0] or new_key(env, content, taken)
        keys[(content.name, content.sha256)] = key
        taken.add(key)
    return keys


def new_key(env: Environment, content: Content, taken: set[str]) -> str:
    base = content.name.removeprefix("vectora-inbox-").removesuffix(f"-{env.name}").lower()
    base = re.sub(r"[^a-z0-9-]+", "-", base).strip("-")
    base = base if re.match(r"^[a-z][a-z0-9-]+$", base) else f"layer-{base}".rstrip("-")
    base = base[:MAX_KEY]
    busy = taken | set(env.layers)
    number = lambda_.split_layer_arn(content.arns[0])[1]
    for i in range(100):
        suffix = "" if i == 0 else f"-{number}" if i == 1 else f"-{number}-{i}"
        key = f"{base[:MAX_KEY - len(suffix)]}{suffix}"
        if key not in busy:
            return key
    raise InputError(f"layer {content.name}: no free logical name near '{base}'")


def pin_content(aws: Aws, env: Environment, pins: Pins, key: str, content: Content,
                zips: s3.ZipFinder, listed: dict[str, tuple[LayerVersion, ...]]) -> AdoptedLayer:
    def adopted(pin: LayerPin, how: str) -> AdoptedLayer:
        return AdoptedLayer(key, content.name, pin, how, content.arns, content.functions)

    current = pins.layers.get(key)
    if current is not None and current.sha256 == content.sha256:
        return adopted(current, "kept")
    versions = _listed(aws, content.name, listed)
    bucket = env.buckets.lambda_code
    for version in (v for v in versions if v.arn in content.arns and v.pinned):
        said, sha = version.pinned or ("", "")
        artifact = f"layers/{key}-{said}.zip"
        if sha == content.sha256 and zips.holds(artifact, sha):
            return adopted(LayerPin(said, sha, f"s3://{bucket}/{artifact}"), "published")
    number = max(lambda_.split_layer_arn(arn)[1] for arn in content.arns)
    version_text = f"0.0.0-adopted.{number}"
    found = zips.find(content.sha256, content.size)
    if found:
        return adopted(LayerPin(version_text, content.sha256, f"s3://{bucket}/{found}"), "found")
    artifact = f"s3://{bucket}/layers/{key}-adopted-{number}.zip"
    return adopted(LayerPin(version_text, content.sha256, artifact), "missing")


def published(aws: Aws, name: str, pin: LayerPin,
              listed: dict[str, tuple[LayerVersion, ...]]) -> bool:
    """Whether a published version of `name` holds the pinned content (read, not assumed)."""
    for version in reversed(_listed(aws, name, listed)):
        if code_hex(lambda_.layer_content(aws, version.arn)[0]) == pin.sha256:
            return True
    return False


def _listed(aws: Aws, name: str,
            listed: dict[str, tuple[LayerVersion, ...]]) -> tuple[LayerVersion, ...]:
    if name not in listed:
        listed[name] = lambda_.list_layer_versions(aws, name)
    return listed[name]
