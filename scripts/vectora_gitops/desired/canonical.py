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
    defined_names,
    kinds_label,
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
from vectora_gitops.errors import FatalError, Problem

MAX_DATA_BYTES = 5 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")

FILE_SCHEMAS: tuple[tuple[str, str], ...] = (
    ("scopes/*.yaml", "canonical.scopes"),
    ("prompts/*/*.yaml", "canonical.prompt"),
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
                docs[rel] = parse_yaml(decode(raw, display), display=display, checked=True)
            else:
                check_secrets(raw.decode("utf-8", errors="replace"), display)
            contents[rel] = raw
        except FatalError as exc:
            problems.extend(exc.problems or (Problem(display, str(exc)),))
    for rel, doc in docs.items():
        problems.extend(_schema_problems(rel, doc))
    names = _names(docs)
    problems.extend(_bundle_references(docs, names, version))
    return BundleIndex(version, tuple(files), {k: frozenset(v) for k, v in names.items()},
                       tuple(problems), contents)


def _schema_problems(rel: str, doc: YamlDoc) -> list[Problem]:
    for glob, schema in FILE_SCHEMAS:
        if fnmatch.fnmatchcase(rel, glob):
            found = schemas.check(doc, schema)
            if not found and glob.startswith("prompts/"):
                found = _prompt_identity(rel, doc)
            return found
    return []


def _prompt_identity(rel: str, doc: YamlDoc) -> list[Problem]:
    parts = rel.split("/")
    stem, kind = parts[-1].rsplit(".", 1)[0], parts[-2]
    out = []
    if doc.data.get("prompt_id") != stem:
        out.append(Problem(doc.path, f"prompt_id: '{doc.data.get('prompt_id')}' must equal the "
                           f"file name '{stem}'", doc.line_of(("prompt_id",))))
    if doc.data.get("type", kind) != kind:
        out.append(Problem(doc.path, f"type: '{doc.data.get('type')}' must equal the folder "
                           f"'{kind}'", doc.line_of(("type",))))
    return out


def _names(docs: Mapping[str, YamlDoc]) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for definition in DEFINITIONS:
        for rel, doc in docs.items():
            if not fnmatch.fnmatchcase(rel, definition.files):
                continue
            if definition.path == "":
                parts = rel.split("/")
                kind = definition.kind.replace("{}", parts[-2])
                names.setdefault(kind, set()).add(parts[-1].rsplit(".", 1)[0])
            else:
                names.setdefault(definition.kind, set()).update(defined_names(doc.data, definition))
    return names


def _bundle_references(docs: Mapping[str, YamlDoc], names: Mapping[str, set[str]],
                       version: str) -> list[Problem]:
    problems = []
    for ref in BUNDLE_REFERENCES:
        for rel, doc in docs.items():
            if not fnmatch.fnmatchcase(rel, ref.files):
                continue
            for found in walk(doc.data, ref.path, ref.kind):
                if found.name not in names.get(found.kind, set()):
                    key = ".".join(map(str, found.key))
                    problems.append(Problem(doc.path, f"{key}: {kinds_label(found.kind)} "
                                            f"'{found.name}' is not defined in canonical {version}",
                                            doc.line_of(found.key)))
    return problems
