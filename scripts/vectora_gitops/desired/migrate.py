"""Legacy client configs: `<id>_v<N>.yaml` -> `clients/<id>/<N>.0.0.yaml` (DESIGN §2, Versions).

Part of loading the desired state: a config exported from the running system (any path on
disk) is checked with the same safe loader as repository files, then edited with ruamel.yaml
round-trip so that comments and key order survive. Only three things change: the stable
`client_profile.client_id`, `client_profile.version`, and one new `metadata.changelog` entry.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from vectora_gitops.desired import schemas
from vectora_gitops.desired.repo import CLIENT_ID
from vectora_gitops.desired.yamlfile import parse_yaml, read_text
from vectora_gitops.errors import InputError, Problem, UsageError

LEGACY_FILE = re.compile(r"^(?P<id>[a-z][a-z0-9_]*?)_v(?P<n>0|[1-9][0-9]{0,3})\.ya?ml$")


@dataclass(frozen=True)
class Migration:
    """The file a legacy config becomes; nothing is written until `write`."""

    client_id: str
    version: str
    target: Path  # clients/<id>/<N>.0.0.yaml under the repository root
    text: str
    problems: tuple[Problem, ...]  # client schema problems left in the migrated file


def legacy_name(path: Path) -> tuple[str, str]:
    """(client id, version) from a file named `<id>_v<N>.yaml`, or UsageError."""
    match = LEGACY_FILE.match(path.name)
    if match is None or not CLIENT_ID.match(match["id"]):
        raise UsageError(f"{path}: file name must be <client_id>_v<N>.yaml "
                         "(e.g. lai_weekly_v7.yaml)")
    return match["id"], f"{match['n']}.0.0"


def plan(source: Path, root: Path, *, today: date) -> Migration:
    """The migration of `source` into the repository at `root`; refuses an existing target."""
    client_id, version = legacy_name(source)
    target = root / "clients" / client_id / f"{version}.yaml"
    display = f"clients/{client_id}/{version}.yaml"
    if target.exists():
        raise UsageError(f"{display} already exists; released versions are immutable "
                         "(remove it first if it is an earlier migration of the same file)")
    if not source.is_file():
        raise UsageError(f"{source}: no such file")
    text = read_text(source, root=source.resolve().parent, display=str(source))
    parse_yaml(text, display=str(source))  # the loader's checks, before any rewriting
    new_text = rewrite(text, client_id=client_id, version=version, today=today,
                       legacy_id=source.name.rsplit(".", 1)[0], display=str(source))
    problems = schemas.check(parse_yaml(new_text, display=display), "client")
    return Migration(client_id, version, target, new_text, tuple(problems))


def rewrite(text: str, *, client_id: str, version: str, today: date, legacy_id: str,
            display: str) -> str:
    """`text` with the stable id, the version and a changelog entry; comments kept."""
    yaml = _yaml()
    data = yaml.load(text)
    if not isinstance(data, CommentedMap):
        raise _error(display, "the file must be a mapping (a client config)")
    profile = _mapping(data, "client_profile", display, first=True)
    profile["client_id"] = client_id
    profile["version"] = version
    metadata = _mapping(data, "metadata", display)
    changelog = metadata.get("changelog")
    if changelog is None:
        changelog = metadata["changelog"] = CommentedSeq()
    if not isinstance(changelog, list):
        raise _error(display, "metadata.changelog must be a list")
    entry = CommentedMap()
    entry["version"] = version
    entry["date"] = today.isoformat()
    entry["changes"] = CommentedSeq([f"migrated from legacy id {legacy_id}"])
    changelog.append(entry)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def write(migration: Migration) -> None:
    """Create the target file; never overwrites (exclusive create)."""
    migration.target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with migration.target.open("x", encoding="utf-8") as handle:
            handle.write(migration.text)
    except FileExistsError:
        raise UsageError(f"{migration.target}: already exists") from None


def _mapping(data: CommentedMap, key: str, display: str, *, first: bool = False) -> Any:
    value = data.get(key)
    if value is None:
        value = CommentedMap()
        if first:
            data.insert(0, key, value)
        else:
            data[key] = value
    if not isinstance(value, dict):
        raise _error(display, f"{key} must be a mapping")
    return value


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _error(display: str, message: str) -> InputError:
    problem = Problem(display, message)
    return InputError(str(problem), (problem,))
