"""Rendering of client configs for S3: environment injected, deterministic bytes."""

from __future__ import annotations

import copy
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render_client(data: dict[str, Any], *, env: str, source: str, inactive_beside: str = "") -> bytes:
    """The bytes written to s3://<config>/clients/<id>.yaml for `env` (same input, same bytes).
    `inactive_beside`: the legacy object this config is deployed beside, inactive (a client move,
    docs/architecture.md §8)."""
    rendered = copy.deepcopy(data)
    if inactive_beside:
        rendered["client_profile"]["active"] = False
    rendered["client_profile"]["environment"] = env
    header = (f"# Rendered by vectora-gitops from {source} for {env}.\n"
              "# Do not edit in S3: change the file in git and open a pull request.\n")
    if inactive_beside:
        header += (f"# Inactive while {inactive_beside} runs (client_moves in "
                   f"environments/{env}/environment.yaml).\n")
    return header.encode() + dump(rendered)


def dump(data: dict[str, Any]) -> bytes:
    """The YAML body the renderer writes for `data` (deterministic)."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)
    return body.encode()
