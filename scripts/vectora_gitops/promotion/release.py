"""`release`: turn a prerelease into its immutable release: rename the file or folder (`git mv`
when tracked), update the version fields, add a changelog entry (clients), and move every pin that
pointed at the prerelease. Refuses when the release exists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import MappingNode, SequenceNode

from vectora_gitops.desired import versions
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.yamledit import Scalar, Value, compose, find, insert_item, set_scalar
from vectora_gitops.errors import GuardError, UsageError, did_you_mean
from vectora_gitops.model import pin_key, selector_of
from vectora_gitops.promotion import clock
from vectora_gitops.promotion.changeset import ChangeSet, exists
from vectora_gitops.promotion.newversion import pin_in, retitle_bundle
from vectora_gitops.promotion.run_gates import load_chain


@dataclass(frozen=True)
class Released:
    name: str
    prerelease: str
    version: str
    path: str
    repinned: tuple[str, ...]  # environments whose pin moved
    changelog: bool  # an entry was added


def release(repo: Repository, kind: str, args: Sequence[str], as_version: str | None) -> Released:
    name, pre = _arguments(kind, args)
    existing = repo.client_versions(name) if kind == "client" else repo.bundle_versions()
    version = _release_version(pre, as_version, existing, name)
    changes = ChangeSet(repo)
    if kind == "client":
        path, logged = _release_client(repo, changes, name, pre, version)
    else:
        changes.move(f"canonical/{pre}", f"canonical/{version}")
        retitle_bundle(repo, changes, version, old=pre)
        path, logged = f"canonical/{version}/", False
    pinned_as = selector_of("clients", name) if kind == "client" else selector_of("canonical")
    repinned = _repin(repo, changes, pinned_as, pre, version)
    changes.commit_or_undo(f"release {kind} {version}")
    return Released(name, pre, version, path, repinned, logged)


def _arguments(kind: str, args: Sequence[str]) -> tuple[str, str]:
    if kind == "client" and len(args) == 2:
        return args[0], args[1]
    if kind == "canonical" and len(args) == 1:
        return "canonical", args[0]
    usage = "release client <id> <prerelease>" if kind == "client" else \
        "release canonical <prerelease>"
    raise UsageError(f"usage: {usage} [--as VERSION]")


def _release_version(pre: str, as_version: str | None, existing: Sequence[str], name: str) -> str:
    if pre not in existing:
        raise UsageError(f"{name}: no version {pre} (known: {', '.join(existing) or 'none'})"
                         f"{did_you_mean(pre, existing)}")
    if not versions.is_prerelease(pre):
        raise UsageError(f"{name}: {pre} is not a prerelease (X.Y.Z-dev.N)")
    version = as_version or str(versions.sort_key(pre).finalize_version())
    bad = versions.problem(version)
    if bad or versions.is_prerelease(version):
        raise UsageError(f"--as {version}: {bad or 'a release has no prerelease part'}")
    if version in existing:
        raise GuardError(f"{name}: release {version} already exists and is immutable; make a new "
                         "version (`vectora-gitops new-version`)")
    latest = versions.latest_release(list(existing))
    if latest and versions.sort_key(version) < versions.sort_key(latest):
        raise GuardError(f"{name}: {version} is lower than the latest release {latest}")
    return version


def _release_client(repo: Repository, changes: ChangeSet, cid: str, pre: str,
                    version: str) -> tuple[str, bool]:
    old, new = repo.rel(repo.client_path(cid, pre)), repo.rel(repo.client_path(cid, version))
    if exists(repo.root / new):
        raise GuardError(f"{new} already exists")
    changes.move(old, new)
    text = set_scalar((repo.root / new).read_text(encoding="utf-8"),
                      ("client_profile", "version"), version, display=new)
    logged = add_changelog(text, version, pre, clock.now().date().isoformat(), display=new)
    changes.write(new, logged or text)
    return new, logged is not None


def add_changelog(text: str, version: str, pre: str, date: str, *, display: str) -> str | None:
    """`text` with a changelog entry for `version` first in metadata.changelog (newest first);
    its changes are those of the prereleases of that version. None without a block changelog."""
    node = find(compose(text, display=display), ("metadata", "changelog"))
    if not isinstance(node, SequenceNode) or node.flow_style or not node.value:
        return None
    items = [*_prerelease_changes(node, version), f"Released from {pre}."]
    entry: dict[str, Value] = {"version": version, "date": Scalar(date, '"'),
                               "changes": tuple(dict.fromkeys(items))}
    return insert_item(text, ("metadata", "changelog"), entry, index=0, display=display)


def _prerelease_changes(node: SequenceNode, version: str) -> list[str]:
    out: list[str] = []
    for item in node.value:
        data = _plain(item)
        listed = str(data.get("version", ""))
        if versions.is_prerelease(listed) and listed.startswith(f"{version}-"):
            out += [str(c) for c in data.get("changes") or () if isinstance(c, str)]
    return out


def _plain(item: Any) -> dict[str, Any]:
    if not isinstance(item, MappingNode):
        return {}
    out: dict[str, Any] = {}
    for key, value in item.value:
        if isinstance(value, SequenceNode):
            out[key.value] = [v.value for v in value.value if not isinstance(v, MappingNode)]
        elif not isinstance(value, MappingNode):
            out[key.value] = value.value
    return out


def _repin(repo: Repository, changes: ChangeSet, pinned_as: str, pre: str,
           version: str) -> tuple[str, ...]:
    chain = load_chain(repo)
    moved = []
    for env, pins in sorted(chain.pins.items()):
        if dict(pins.items()).get(pinned_as) == pre:
            pin_in(repo, changes, env, pin_key(pinned_as), version)
            moved.append(env)
    return tuple(moved)
