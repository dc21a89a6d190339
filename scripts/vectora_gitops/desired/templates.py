"""CloudFormation templates owned by this repository (templates/<stack>/<version>.yaml): read
as data, never executed (docs/architecture.md §10).

The short forms of the intrinsic functions (`!Ref X`, `!Sub "..."`, `!GetAtt A.B`) become their
long forms (`{Ref: X}`, `{Fn::Sub: ...}`, `{Fn::GetAtt: [A, B]}`), so a template reads as plain
data: its parameters (with their defaults), outputs and resources.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from vectora_gitops.errors import InputError, Problem
from vectora_gitops.model import TemplateResource


class _Loader(yaml.SafeLoader):
    """Safe YAML plus CloudFormation's `!` tags."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class Template:
    """What this tool reads of a template."""

    path: str
    body: str
    sha256: str
    parameters: Mapping[str, str | None]  # name -> default (None: the stack must give it)
    outputs: tuple[str, ...]
    resources: Mapping[str, TemplateResource]


def parse(body: str, *, path: str) -> Template:
    """The template in `body`; InputError naming `path` when it is not a template."""
    try:
        data = yaml.load(body, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"{path}: not valid YAML", (Problem(path, f"not valid YAML: "
                                                             f"{getattr(exc, 'problem', exc)}",
                                                             line),)) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("Resources"), Mapping):
        raise InputError(f"{path}: not a CloudFormation template",
                         (Problem(path, "not a CloudFormation template (no Resources mapping)"),))
    params = data.get("Parameters") or {}
    resources = {}
    for logical, res in data["Resources"].items():
        res = res if isinstance(res, Mapping) else {}
        props = res.get("Properties")
        resources[str(logical)] = TemplateResource(str(logical), str(res.get("Type", "")),
                                                   props if isinstance(props, Mapping) else {})
    return Template(
        path=path, body=body, sha256=hashlib.sha256(body.encode()).hexdigest(),
        parameters={str(k): None if not isinstance(v, Mapping) or "Default" not in v
                    else _text(v["Default"]) for k, v in params.items()},
        outputs=tuple(str(k) for k in (data.get("Outputs") or {})),
        resources=resources,
    )


def _text(value: Any) -> str:
    """A default as CloudFormation reports it (DescribeStacks gives strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
