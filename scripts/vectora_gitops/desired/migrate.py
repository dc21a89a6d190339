"""Legacy client configs: `<id>_v<N>.yaml` -> `clients/<id>/<N>.0.0.yaml` (docs/architecture.md,
versions).

Part of loading the desired state: a config exported from the running system (any path on
disk) is checked with the same safe loader as repository files, then edited by the minimal text
edits of `desired.yamledit`, so every other line stays byte for byte. Only three things change: the
stable `client_profile.client_id`, `client_profile.version`, and one new `metadata.changelog` entry
(at the end of the changelog, or at the end of `metadata`, or of the file: before any closing
banner or blank lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vectora_gitops.desired import schemas, yamledit
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
    # The repository's files end lines with LF (yamllint new-lines); an export may use CRLF.
    text = read_text(source, root=source.resolve().parent, display=str(source)).replace("\r\n", "\n")
    parse_yaml(text, display=str(source))  # the loader's checks, before any rewriting
    new_text = rewrite(text, client_id=client_id, version=version, today=today,
                       legacy_id=source.name.rsplit(".", 1)[0], display=str(source))
    problems = schemas.check(parse_yaml(new_text, display=display), "client")
    return Migration(client_id, version, target, new_text, tuple(problems))


def rewrite(text: str, *, client_id: str, version: str, today: date, legacy_id: str,
            display: str) -> str:
    """`text` with the stable id, the version and a changelog entry; all else byte for byte."""
    try:
        yamledit.compose(text, display=display)
    except InputError:
        raise _error(display, "the file must be a mapping (a client config)") from None
    _expect(text, ("client_profile",), "mapping", display)
    _expect(text, ("metadata",), "mapping", display)
    _expect(text, ("metadata", "changelog"), "sequence", display)
    profile = {"client_id": client_id, "version": version}
    if yamledit.kind(text, ("client_profile",), display=display) == "mapping":
        for key, value in profile.items():
            text = yamledit.set_scalar(text, ("client_profile", key), value, display=display)
    else:
        text = yamledit.set_value(text, ("client_profile",), profile, display=display, first=True)
    entry: dict[str, yamledit.Value] = {
        "version": version, "date": today.isoformat(),
        "changes": (f"migrated from legacy id {legacy_id}",)}
    return yamledit.insert_item(text, ("metadata", "changelog"), entry, display=display)


def write(migration: Migration) -> None:
    """Create the target file; never overwrites (exclusive create)."""
    migration.target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with migration.target.open("x", encoding="utf-8") as handle:
            handle.write(migration.text)
    except FileExistsError:
        raise UsageError(f"{migration.target}: already exists") from None


def _expect(text: str, path: tuple[str, ...], kind: yamledit.Kind, display: str) -> None:
    """InputError unless `path` is absent, null or a `kind`."""
    if yamledit.kind(text, path, display=display) not in (None, "null", kind):
        name = "a mapping" if kind == "mapping" else "a list"
        raise _error(display, f"{'.'.join(path)} must be {name}")


def _error(display: str, message: str) -> InputError:
    problem = Problem(display, message)
    return InputError(str(problem), (problem,))
