"""Canonical bundles: the files of one version, their schemas and the names they define."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass
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
from vectora_gitops.desired.yamlfile import YamlDoc, check_secrets, read_bytes
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


def list_files(root: Path) -> list[str]:
    """Every file under `root`, relative, sorted; folders are walked without following links."""
    out: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder)
        out.extend((base / name).relative_to(root).as_posix() for name in files)
    return sorted(out)


def index_bundle(repo: Repository, version: str) -> BundleIndex:
    folder = repo.bundle_dir(version)
    files = list_files(folder)
    problems: list[Problem] = []
    docs: dict[str, YamlDoc] = {}
    for rel in files:
        path = folder / rel
        display = repo.rel(path)
        try:
            if rel.endswith(YAML_SUFFIXES):
                docs[rel] = repo.load(path)
            else:
                raw = read_bytes(path, root=repo.root, display=display, max_bytes=MAX_DATA_BYTES)
                check_secrets(raw.decode("utf-8", errors="replace"), display)
        except FatalError as exc:
            problems.extend(exc.problems or (Problem(display, str(exc)),))
    for rel, doc in docs.items():
        problems.extend(_schema_problems(rel, doc))
    names = _names(docs)
    problems.extend(_bundle_references(docs, names, version))
    return BundleIndex(version, tuple(files), {k: frozenset(v) for k, v in names.items()},
                       tuple(problems))


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
