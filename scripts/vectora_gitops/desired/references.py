"""Referential integrity as data: what a canonical bundle defines and what refers to it.

Each table row is one kind of name. A path pattern walks a YAML document: segments separated
by dots, `[]` for every list item, `~` for the keys of a mapping, anything else a key (shell
globs allowed; the part matched by `*` in the last segment fills `{}` in the kind).
A new reference kind is one row.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from vectora_gitops.desired.yamlfile import Key


@dataclass(frozen=True)
class Definition:
    """Names of `kind` defined by the files of a bundle matching `files`."""

    files: str  # glob relative to the bundle root
    path: str  # pattern; "" means the file itself defines one name (its stem)
    kind: str  # "{}" is replaced by the file's parent folder name for path ""
    qualified: bool = False  # name is "<parent key>.<key>" (technology sub-lists)


@dataclass(frozen=True)
class Reference:
    """Values at `path` (in a client config, or in bundle files matching `files`) name a `kind`."""

    path: str
    kind: str
    files: str = ""  # empty for client configs


DEFINITIONS: tuple[Definition, ...] = (
    Definition("scopes/*.yaml", "~", "scope"),
    Definition("scopes/*.yaml", "*.~", "scope", qualified=True),
    Definition("prompts/*/*.yaml", "", "prompt:{}"),
    Definition("sources/source_catalog.yaml", "sources[].source_key", "source"),
    Definition("sources/source_catalog.yaml", "bouquets[].bouquet_id", "bouquet"),
    Definition("ingestion/ingestion_profiles.yaml", "profiles.~", "ingestion_profile"),
    Definition("matching/domain_matching_rules.yaml", "technology_profiles.~", "technology_profile"),
    Definition("scoring/scoring_rules.yaml", "event_type_weights.~", "event_type"),
)

CLIENT_REFERENCES: tuple[Reference, ...] = (
    Reference("bedrock_config.*_prompt", "prompt:{}"),
    Reference("watch_domains[].technology_scope", "scope"),
    Reference("watch_domains[].company_scope", "scope"),
    Reference("watch_domains[].molecule_scope", "scope"),
    Reference("watch_domains[].trademark_scope", "scope"),
    Reference("watch_domains[].technology_profile", "technology_profile"),
    Reference("matching_config.fallback_company_scopes[]", "scope"),
    Reference("scoring_config.client_specific_bonuses.*.scope", "scope"),
    Reference("scoring_config.event_type_weight_overrides.~", "event_type"),
    Reference("newsletter_layout.sections[].filter_event_types[]", "event_type"),
    Reference("source_config.source_bouquets_enabled[]", "bouquet"),
    Reference("source_config.sources_extra_enabled[]", "source"),
)

BUNDLE_REFERENCES: tuple[Reference, ...] = (
    Reference("bouquets[].source_keys[]", "source", files="sources/source_catalog.yaml"),
    Reference("sources[].ingestion_profile", "ingestion_profile", files="sources/source_catalog.yaml"),
    Reference("{{ref:}}", "scope", files="prompts/**"),
)

PLACEHOLDER = re.compile(r"\{\{\s*ref:([^}\s]+)\s*\}\}")


@dataclass(frozen=True)
class Found:
    key: Key
    name: str
    kind: str


def walk(data: Any, pattern: str, kind: str) -> Iterator[Found]:
    """Every name that `pattern` selects in `data`, with its key path and resolved kind."""
    if pattern == "{{ref:}}":
        yield from _placeholders(data, ())
        return
    segments = pattern.split(".")
    yield from _walk(data, segments, (), kind)


def _walk(node: Any, segments: list[str], key: Key, kind: str) -> Iterator[Found]:
    if not segments:
        if isinstance(node, str):
            yield Found(key, node, kind)
        return
    head, rest = segments[0], segments[1:]
    if head.endswith("[]") and head != "[]":
        yield from _walk(node, [head[:-2], "[]", *rest], key, kind)
    elif head == "[]":
        for i, item in enumerate(node if isinstance(node, list) else ()):
            yield from _walk(item, rest, (*key, i), kind)
    elif head == "~":
        for name in node if isinstance(node, dict) else ():
            if not rest:
                yield Found((*key, name), str(name), kind)
    elif isinstance(node, dict):
        for name, value in node.items():
            if fnmatch.fnmatchcase(str(name), head):
                yield from _walk(value, rest, (*key, name), _fill(kind, head, str(name)))


def _fill(kind: str, glob: str, name: str) -> str:
    if "{}" not in kind or "*" not in glob:
        return kind
    prefix, _, suffix = glob.partition("*")
    return kind.replace("{}", name[len(prefix): len(name) - len(suffix) or None])


def _placeholders(node: Any, key: Key) -> Iterator[Found]:
    if isinstance(node, str):
        for match in PLACEHOLDER.finditer(node):
            yield Found(key, match.group(1), "scope")
    elif isinstance(node, dict):
        for name, value in node.items():
            yield from _placeholders(value, (*key, name))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _placeholders(value, (*key, i))


def defined_names(data: Any, definition: Definition) -> set[str]:
    """Names `definition` finds in one loaded file."""
    names: set[str] = set()
    for found in walk(data, definition.path, definition.kind):
        if definition.qualified and len(found.key) >= 2:
            names.add(f"{found.key[-2]}.{found.key[-1]}")
        elif not definition.qualified:
            names.add(found.name)
    return names


def kinds_label(kind: str) -> str:
    if kind.startswith("prompt:"):
        return f"{kind.split(':', 1)[1]} prompt"
    return kind.replace("_", " ")
