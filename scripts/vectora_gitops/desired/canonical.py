"""Canonical bundles: the files of one version, their schemas and the names they define."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from vectora_gitops.desired import schemas
from vectora_gitops.desired.references import (
    BUNDLE_REFERENCES,
    DEFINITIONS,
    OPTIONAL_VOCABULARIES,
    alternatives,
    defined_names,
    index_lookup,
    is_prompt,
    kinds_label,
    suggestion,
    walk,
)
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.yamlfile import (
    MAX_BYTES,
    YamlDoc,
    check_secrets,
    decode,
    parse_yaml,
    read_bytes,
)
from vectora_gitops.errors import FatalError, Problem, cut

MAX_DATA_BYTES = 5 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")

# First matching row wins; "" = no schema (files the engine never reads as scopes).
FILE_SCHEMAS: tuple[tuple[str, str], ...] = (
    ("scopes/domain_definitions.yaml", ""),
    ("scopes/*.yaml", "canonical.scopes"),
    ("prompts/global_prompts.yaml", "canonical.global_prompts"),
    ("prompts/*/*.yaml", "canonical.prompt"),
    ("events/event_type_definitions.yaml", "canonical.event_types"),
    ("sources/source_catalog.yaml", "canonical.source_catalog"),
    ("ingestion/ingestion_profiles.yaml", "canonical.ingestion_profiles"),
    ("matching/domain_matching_rules.yaml", "canonical.matching_rules"),
    ("scoring/scoring_rules.yaml", "canonical.scoring_rules"),
)


@dataclass(frozen=True)
class BundleIndex:
    version: str
    files: tuple[str, ...]  # paths relative to the bundle folder, sorted
    names: Mapping[str, frozenset[str]]  # kind -> names defined
    problems: tuple[Problem, ...]
    contents: Mapping[str, bytes] = field(default_factory=dict)  # relative path -> bytes read
    # kind -> why names of that kind cannot be checked (a defining file did not load)
    unchecked: Mapping[str, str] = field(default_factory=dict)


def list_files(root: Path, *, linked_dirs: list[str] | None = None) -> list[str]:
    """Every file under `root`, relative, sorted; folders are walked without following links
    (the linked folders found are added to `linked_dirs` when given)."""
    out: list[str] = []
    prefix = len(str(root)) + 1
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        if linked_dirs is not None:
            linked_dirs += [os.path.join(folder, d)[prefix:] for d in dirs
                            if os.path.islink(os.path.join(folder, d))]
        out.extend(os.path.join(folder, name)[prefix:].replace(os.sep, "/") for name in files)
    return sorted(out)


def index_bundle(repo: Repository, version: str) -> BundleIndex:
    """Read every file of a bundle once: checks, schemas, names defined, inner references."""
    folder = repo.bundle_dir(version)
    problems: list[Problem] = []
    if not folder.resolve().is_relative_to(repo.root.resolve()):
        problems.append(Problem(repo.rel(folder), "is a symlink that points outside the repository"))
        return BundleIndex(version, (), {}, tuple(problems))
    linked: list[str] = []
    files = list_files(folder, linked_dirs=linked)
    problems += [Problem(f"{repo.rel(folder)}/{rel}", "is a symlink to a folder: its files would "
                         "not be synced; replace it with a real folder") for rel in linked]
    docs: dict[str, YamlDoc] = {}
    contents: dict[str, bytes] = {}
    for rel in files:
        display = f"canonical/{version}/{rel}"
        try:
            is_yaml = rel.endswith(YAML_SUFFIXES)
            raw = read_bytes(folder / rel, root=repo.root, display=display, listed=True,
                             max_bytes=MAX_BYTES if is_yaml else MAX_DATA_BYTES)
            if is_yaml:
                text = decode(raw, display)
                contents[rel] = raw  # synced as it is, even when a waiver accepts its defect
                docs[rel] = parse_yaml(text, display=display, checked=True)
            else:
                check_secrets(raw.decode("utf-8", errors="replace"), display)
                contents[rel] = raw
        except FatalError as exc:
            problems.extend(exc.problems or (Problem(display, str(exc)),))
    for rel, doc in docs.items():
        problems.extend(_schema_problems(rel, doc))
    names = _names(files, docs)
    unchecked = _unchecked(files, docs, version)
    problems.extend(_bundle_references(docs, names, unchecked, version))
    return BundleIndex(version, tuple(files), {k: frozenset(v) for k, v in names.items()},
                       tuple(problems), contents, unchecked)


def _schema_problems(rel: str, doc: YamlDoc) -> list[Problem]:
    for glob, schema in FILE_SCHEMAS:
        if fnmatch.fnmatchcase(rel, glob):
            found = schemas.check(doc, schema) if schema else []
            if schema == "canonical.prompt" and isinstance(doc.data, dict):
                found += _prompt_identity(rel, doc) + _prompt_template(doc)
            return found
    return []


def _prompt_identity(rel: str, doc: YamlDoc) -> list[Problem]:
    """The path is the prompt's identity; an id or type written in the file must agree."""
    parts = rel.split("/")
    stem, kind = parts[-1].rsplit(".", 1)[0], parts[-2]
    metadata = doc.data.get("metadata")
    ids: list[tuple[tuple[str, ...], object]] = [(("prompt_id",), doc.data.get("prompt_id"))]
    if isinstance(metadata, dict):
        ids.append((("metadata", "prompt_id"), metadata.get("prompt_id")))
    out = [Problem(doc.path, f"{'.'.join(map(str, key))}: '{cut(str(value))}' must equal the "
                   f"file name '{stem}'", doc.line_of(key), rule="schema")
           for key, value in ids if value is not None and value != stem]
    if doc.data.get("type", kind) != kind:
        out.append(Problem(doc.path, f"type: '{cut(str(doc.data.get('type')))}' must equal the "
                           f"folder '{kind}'", doc.line_of(("type",)), rule="schema"))
    return out


def _prompt_template(doc: YamlDoc) -> list[Problem]:
    """A prompt has a top-level user_template, or sections each with one (schema-checked)."""
    if "user_template" in doc.data or any(is_prompt(v) for v in doc.data.values()):
        return []
    return [Problem(doc.path, "(top level): no user_template: write one at the top level, or "
                    "sections (e.g. tldr_generation) each with system_instructions and "
                    "user_template", 1, rule="schema")]


def _names(files: list[str], docs: Mapping[str, YamlDoc]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for definition in DEFINITIONS:
        for rel in files:
            if not fnmatch.fnmatchcase(rel, definition.files) or not rel.endswith(YAML_SUFFIXES):
                continue
            if definition.path == "":  # the path names it, loaded or not
                parts = rel.split("/")
                kind = definition.kind.replace("{}", parts[-2])
                names.setdefault(kind, set()).add(parts[-1].rsplit(".", 1)[0])
            elif rel in docs:
                names.setdefault(definition.kind, set()).update(
                    defined_names(docs[rel].data, definition))
    return names


def _unchecked(files: list[str], docs: Mapping[str, YamlDoc], version: str) -> dict[str, str]:
    """Kinds whose names cannot be checked: a defining file did not load, or (for optional
    vocabularies such as event types) no file of the bundle defines any."""
    out: dict[str, str] = {}
    for definition in DEFINITIONS:
        if definition.path == "":
            continue
        label = kinds_label(definition.kind)
        for rel in files:
            if fnmatch.fnmatchcase(rel, definition.files) and rel not in docs and \
                    rel.endswith(YAML_SUFFIXES):
                out.setdefault(definition.kind, f"cannot check {label}s: canonical/{version}/"
                               f"{rel} did not load")
    for kind in OPTIONAL_VOCABULARIES:
        defining = [d.files for d in DEFINITIONS if d.kind == kind]
        if not any(fnmatch.fnmatchcase(rel, glob) for rel in files for glob in defining):
            out.setdefault(kind, f"cannot check {kinds_label(kind)}s: canonical/{version} has "
                           f"no file defining them ({', '.join(defining)})")
    return out


def _bundle_references(docs: Mapping[str, YamlDoc], names: Mapping[str, set[str]],
                       unchecked: Mapping[str, str], version: str) -> list[Problem]:
    problems: list[Problem] = []
    frozen = {k: frozenset(v) for k, v in names.items()}
    for ref in BUNDLE_REFERENCES:
        for rel, doc in docs.items():
            if not fnmatch.fnmatchcase(rel, ref.files):
                continue
            for found in walk(doc.data, ref.path, ref.kind):
                skipped = [unchecked[k] for k in alternatives(found.kind) if k in unchecked]
                if skipped:
                    problems.append(Problem(f"canonical/{version}", skipped[0],
                                            severity="warning"))
                elif not index_lookup(frozen, found.kind, found.name):
                    key = ".".join(map(str, found.key))
                    hint = suggestion(frozen, found.kind, found.name)
                    problems.append(Problem(doc.path, f"{key}: {kinds_label(found.kind)} "
                                            f"'{cut(found.name)}' is not defined in canonical "
                                            f"{version}{hint}", doc.line_of(found.key),
                                            ref.severity,
                                            rule="reference"))
    return list(dict.fromkeys(problems))  # "cannot check" once
