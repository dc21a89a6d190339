"""Referential integrity as data: what a canonical bundle defines and what refers to it.

Each table row is one kind of name. A path pattern walks a YAML document: segments separated
by dots, `[]` for every list item, `~` for the keys of a mapping, anything else a key (shell
globs allowed; the part matched by `*` in the last segment fills `{}` in the kind).
A new reference kind is one row.

A reference kind may list alternatives (`scope|definition`): the name must be one of them.
The value `*` is a wildcard (catch-all section, every source type) and never a reference.
Keys starting with `_` are metadata by convention (the engine skips them): they define nothing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from vectora_gitops.desired.yamlfile import Key
from vectora_gitops.errors import did_you_mean

WILDCARD = "*"


@dataclass(frozen=True)
class Definition:
    """Names of `kind` defined by the files of a bundle matching `files`."""

    files: str  # glob relative to the bundle root
    path: str  # pattern; "" means the file itself defines one name (its stem)
    kind: str  # "{}" is replaced by the file's parent folder name for path ""
    qualified: bool = False  # name is "<parent key>.<key>" (technology sub-lists)
    scopes_only: bool = False  # only values shaped like a scope (a list, or a mapping of lists)
    sections_only: bool = False  # only values shaped like a prompt (a mapping with a template)


@dataclass(frozen=True)
class Reference:
    """Values at `path` (in a client config, or in bundle files matching `files`) name a `kind`."""

    path: str
    kind: str
    files: str = ""  # empty for client configs
    severity: str = "error"  # "warning" where the engine does not depend on the name
    note: str = ""  # added to the message, e.g. why it is only a warning


# Client config sections holding prompt names: `llm_config` is the later name of `bedrock_config`.
PROMPT_SECTIONS = ("bedrock_config", "llm_config")
# Prompt keys the engine reads (a dangling name fails the run or loses the newsletter text)
# and keys it never reads (a dangling name is only a warning).
READ_PROMPTS = ("normalization", "editorial")
UNREAD_PROMPTS = ("matching", "domain_scoring")
UNREAD = "the engine does not read this key"
EVENT_NOTE = "the engine ignores an unknown event type; check the spelling"

DEFINITIONS: tuple[Definition, ...] = (
    Definition("scopes/*.yaml", "~", "scope", scopes_only=True),
    Definition("scopes/*.yaml", "*.~", "scope", qualified=True, scopes_only=True),
    Definition("domains/*.yaml", "", "definition"),
    Definition("ecosystems/*.yaml", "", "definition"),
    Definition("prompts/*/*.yaml", "", "prompt:{}"),
    Definition("prompts/global_prompts.yaml", "*.~", "global_prompt", qualified=True,
               sections_only=True),
    Definition("sources/source_catalog.yaml", "sources[].source_key", "source"),
    Definition("sources/source_catalog.yaml", "bouquets[].bouquet_id", "bouquet"),
    Definition("ingestion/ingestion_profiles.yaml", "profiles.~", "ingestion_profile"),
    Definition("matching/domain_matching_rules.yaml", "technology_profiles.~", "technology_profile"),
    Definition("events/event_type_definitions.yaml", "~", "event_type"),
    Definition("events/event_type_patterns.yaml", "event_types.~", "event_type"),
    Definition("scoring/scoring_rules.yaml", "event_type_weights.~", "event_type"),
)

CLIENT_REFERENCES: tuple[Reference, ...] = (
    *(Reference(f"{section}.{name}_prompt", f"prompt:{name}")
      for section in PROMPT_SECTIONS for name in READ_PROMPTS),
    *(Reference(f"{section}.{name}_prompt", f"prompt:{name}", severity="warning", note=UNREAD)
      for section in PROMPT_SECTIONS for name in UNREAD_PROMPTS),
    Reference("watch_domains[].technology_scope", "scope"),
    Reference("watch_domains[].company_scope", "scope"),
    Reference("watch_domains[].molecule_scope", "scope"),
    Reference("watch_domains[].trademark_scope", "scope"),
    Reference("watch_domains[].technology_profile", "technology_profile"),
    Reference("matching_config.fallback_company_scopes[]", "scope"),
    Reference("scoring_config.client_specific_bonuses.*.scope", "scope"),
    Reference("scoring_config.event_type_weight_overrides.~", "event_type", severity="warning",
              note=EVENT_NOTE),
    Reference("newsletter_layout.sections[].filter_event_types[]", "event_type",
              severity="warning", note=EVENT_NOTE),
    Reference("source_config.source_bouquets_enabled[]", "bouquet"),
    Reference("source_config.sources_extra_enabled[]", "source"),
)

BUNDLE_REFERENCES: tuple[Reference, ...] = (
    Reference("bouquets[].source_keys[]", "source", files="sources/source_catalog.yaml"),
    Reference("sources[].ingestion_profile", "ingestion_profile", files="sources/source_catalog.yaml"),
    Reference("{{ref:}}", "scope|definition", files="prompts/**"),
    Reference("{{ref:}}", "scope|definition", files="scopes/domain_definitions.yaml"),
)

# Kinds a bundle may lack altogether (post-pivot bundles have no scoring/): then unchecked.
OPTIONAL_VOCABULARIES = ("event_type",)

PLACEHOLDER = re.compile(r"\{\{\s*ref:([^}\s]+)\s*\}\}")
PROMPT_KEYS = frozenset({"user_template", "system_instructions"})


@dataclass(frozen=True)
class Found:
    key: Key
    name: str
    kind: str


def walk(data: Any, pattern: str, kind: str) -> Iterator[Found]:
    """Every name that `pattern` selects in `data`, with its key path and resolved kind
    (the wildcard `*` is never a name)."""
    if pattern == "{{ref:}}":
        yield from _placeholders(data, (), kind)
        return
    segments = pattern.split(".")
    for found in _walk(data, segments, (), kind):
        if found.name != WILDCARD:
            yield found


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


def _placeholders(node: Any, key: Key, kind: str) -> Iterator[Found]:
    if isinstance(node, str):
        for match in PLACEHOLDER.finditer(node):
            yield Found(key, match.group(1), kind)
    elif isinstance(node, dict):
        for name, value in node.items():
            yield from _placeholders(value, (*key, name), kind)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _placeholders(value, (*key, i), kind)


def is_scope(value: Any) -> bool:
    """A scope is a list, or a mapping whose every non-`_` value is a list (named sub-lists)."""
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and all(isinstance(v, list) for k, v in value.items()
                                           if not str(k).startswith("_"))


def is_prompt(value: Any) -> bool:
    """A prompt (or a prompt section) is a mapping holding a template or system instructions."""
    return isinstance(value, dict) and not PROMPT_KEYS.isdisjoint(value)


def defined_names(data: Any, definition: Definition) -> set[str]:
    """Names `definition` finds in one loaded file (`_` keys are metadata, never names)."""
    names: set[str] = set()
    for found in walk(data, definition.path, definition.kind):
        if any(str(part).startswith("_") for part in found.key) or not _shaped(
                data, found.key, definition):
            continue
        if definition.qualified and len(found.key) >= 2:
            names.add(f"{found.key[-2]}.{found.key[-1]}")
        elif not definition.qualified:
            names.add(found.name)
    return names


def _shaped(data: Any, key: Key, definition: Definition) -> bool:
    if definition.scopes_only:
        top = data.get(key[0]) if isinstance(data, dict) and key else None
        return is_scope(top) and (len(key) == 1 or isinstance(top, dict))
    if definition.sections_only:
        node = data
        for part in key:
            node = node.get(part) if isinstance(node, dict) else None
        return is_prompt(node)
    return True


def alternatives(kind: str) -> tuple[str, ...]:
    return tuple(kind.split("|"))


def kinds_label(kind: str) -> str:
    return " or ".join(_label(k) for k in alternatives(kind))


def _label(kind: str) -> str:
    if kind.startswith("prompt:"):
        return f"{kind.split(':', 1)[1]} prompt"
    if kind == "definition":
        return "domain definition"
    return kind.replace("_", " ")


def index_lookup(index: Mapping[str, frozenset[str]], kind: str, name: str) -> bool:
    return any(name in index.get(k, frozenset()) for k in alternatives(kind))


def ref_text(value: Any) -> str:
    """A `{{ref:X}}` value as the engine writes it into a prompt: a list as `- item` lines, a
    mapping as `- key: value` lines (a sub-list joined by commas), a text as it is."""
    if isinstance(value, list):
        return "\n".join(f"- {item}" for item in value)
    if isinstance(value, dict):
        return "\n".join(f"- {key}: {', '.join(map(str, item)) if isinstance(item, list) else item}"
                         for key, item in value.items() if not str(key).startswith("_"))
    return str(value)


def expand(text: str, values: Mapping[str, str]) -> str:
    """`text` (a prompt file) with each `{{ref:X}}` whose X is in `values` replaced by its value,
    the value's later lines indented like the placeholder's line, so the YAML still reads to the
    text the engine sends. Unknown names stay as written (validate reports them)."""
    out = []
    for line in text.splitlines(keepends=True):
        indent = line[: len(line) - len(line.lstrip(" "))]

        def value(match: re.Match[str], indent: str = indent) -> str:
            found = values.get(match.group(1))
            return match.group(0) if found is None else found.replace("\n", "\n" + indent)

        out.append(PLACEHOLDER.sub(value, line))
    return "".join(out)


def suggestion(index: Mapping[str, frozenset[str]], kind: str, name: str) -> str:
    """`; did you mean 'x'?` naming the closest name of `kind` the bundle defines, or ''."""
    return did_you_mean(name, (n for k in alternatives(kind) for n in index.get(k, frozenset())))
