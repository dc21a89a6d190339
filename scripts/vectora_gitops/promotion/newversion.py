"""`new-version`: start the next prerelease (`X.Y.Z-dev.N`) of a client config or the canonical
bundle from the latest release (or from the newest prerelease of that next version), and pin it
in the first environment of the chain (dev)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vectora_gitops.desired import versions
from vectora_gitops.desired.repo import CLIENT_ID, Repository
from vectora_gitops.desired.yamledit import set_scalar
from vectora_gitops.errors import GuardError, UsageError
from vectora_gitops.model import pin_key, selector_of, split_selector
from vectora_gitops.promotion.changeset import ChangeSet
from vectora_gitops.promotion.run_gates import Chain, load_chain

PRERELEASE = "dev"  # X.Y.Z-dev.N
DEV = re.compile(r"^dev\.(\d+)$")


@dataclass(frozen=True)
class Created:
    kind: str  # client | canonical
    name: str  # client id, or "canonical"
    version: str
    copied_from: str
    path: str  # what to edit
    pinned_in: str  # environment


def next_prerelease(existing: Sequence[str], bump: str) -> tuple[str, str]:
    """(new prerelease, version it starts from) for `bump` in major | minor | patch."""
    latest = versions.latest_release(list(existing))
    if latest is None:
        raise UsageError("no release to start from; create the first version file by hand")
    base = versions.sort_key(latest)
    target = {"major": base.bump_major, "minor": base.bump_minor, "patch": base.bump_patch}[bump]()
    started = [v for v in existing if _same_release(v, str(target)) and _dev_number(v) is not None]
    if not started:
        return str(target.bump_prerelease(PRERELEASE)), latest
    newest = max(started, key=versions.sort_key)  # dev.10 after dev.9: semver's numeric order
    return str(versions.sort_key(newest).bump_prerelease(PRERELEASE)), newest


def _same_release(version: str, release: str) -> bool:
    parsed = versions.parse(version)
    return bool(parsed and parsed.prerelease and str(parsed.finalize_version()) == release)


def _dev_number(version: str) -> int | None:
    parsed = versions.parse(version)
    match = DEV.match(str(parsed.prerelease)) if parsed and parsed.prerelease else None
    return int(match[1]) if match else None


def root_env(chain: Chain) -> str:
    roots = list(chain.promotion.starts())
    if len(roots) != 1:
        raise UsageError(f"expected one environment with promotion.from: null, found {roots}")
    return roots[0]


def new_version(repo: Repository, kind: str, client_id: str | None, bump: str, *,
                force_new: bool = False) -> Created:
    chain = load_chain(repo)
    dev = root_env(chain)
    changes = ChangeSet(repo)
    if kind == "client":
        cid = _client_id(repo, client_id)
        _one_per_line(repo, chain, selector_of("clients", cid), repo.client_versions(cid), bump,
                      force_new=force_new)
        created = _new_client(repo, changes, cid, bump, dev)
    else:
        if client_id:
            raise UsageError("new-version canonical takes no client id")
        _one_per_line(repo, chain, selector_of("canonical"), repo.bundle_versions(), bump,
                      force_new=force_new)
        created = _new_bundle(repo, changes, bump, dev)
    changes.commit_or_undo(f"new-version {kind} {created.version}")
    return created


def _one_per_line(repo: Repository, chain: Chain, selector: str, existing: Sequence[str],
                  bump: str, *, force_new: bool) -> None:
    """Refuse a second prerelease of a line whose first is not released (without --force-new),
    saying where the first one is and which environments pin it."""
    version, source = next_prerelease(existing, bump)
    if force_new or not versions.is_prerelease(source):
        return
    kind, name = split_selector(selector)
    where = repo.rel(repo.client_path(name, source)) if kind == "clients" else \
        f"canonical/{source}/"
    pinned = [env for env in chain.promotion.order()
              if dict(chain.pins[env].items()).get(selector) == source]
    pinned_text = f"pinned in {', '.join(pinned)}" if pinned else "pinned nowhere"
    what = f"client {name}" if kind == "clients" else "canonical"
    raise GuardError(f"{what}: {source} is started and not released ({where}, {pinned_text}); "
                     f"edit it there, or release it (`vectora-gitops release {what} {source}`), "
                     f"or pass --force-new to start {version} as a copy of it")


def _client_id(repo: Repository, client_id: str | None) -> str:
    if not client_id or not CLIENT_ID.match(client_id):
        raise UsageError("new-version client needs a client id, e.g. `new-version client lai_weekly`")
    if client_id not in repo.client_ids():
        raise UsageError(f"no client '{client_id}' (known: {', '.join(repo.client_ids()) or 'none'})")
    return client_id


def _new_client(repo: Repository, changes: ChangeSet, cid: str, bump: str, dev: str) -> Created:
    version, source = next_prerelease(repo.client_versions(cid), bump)
    src = repo.client_path(cid, source)
    text = set_scalar(src.read_text(encoding="utf-8"), ("client_profile", "version"), version,
                      display=repo.rel(src))
    rel = repo.rel(repo.client_path(cid, version))
    changes.write(rel, text)
    pin_in(repo, changes, dev, pin_key(selector_of("clients", cid)), version)
    return Created("client", cid, version, source, rel, dev)


def _new_bundle(repo: Repository, changes: ChangeSet, bump: str, dev: str) -> Created:
    version, source = next_prerelease(repo.bundle_versions(), bump)
    changes.copytree(f"canonical/{source}", f"canonical/{version}")
    retitle_bundle(repo, changes, version, old=source)
    pin_in(repo, changes, dev, pin_key(selector_of("canonical")), version)
    return Created("canonical", "canonical", version, source, f"canonical/{version}/", dev)


def pin_in(repo: Repository, changes: ChangeSet, env: str, path: tuple[str, ...], version: str) -> None:
    rel = f"environments/{env}/pins.yaml"
    text = (repo.root / rel).read_text(encoding="utf-8")
    changes.write(rel, set_scalar(text, path, version, display=rel))


def retitle_bundle(repo: Repository, changes: ChangeSet, version: str, *, old: str) -> None:
    """The bundle README's first line names its version: keep it true."""
    rel = f"canonical/{version}/README.md"
    path = repo.root / rel
    if not path.is_file():
        return
    first, sep, rest = path.read_text(encoding="utf-8").partition("\n")
    if old in first:
        changes.write(rel, first.replace(old, version) + sep + rest)
