"""Pure pin copying: which pins of the source differ from the target, and the rules a copy obeys
(declared chain, selectors, prereleases, downgrades). No I/O here."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from vectora_gitops.desired import versions
from vectora_gitops.desired.chain import PromotionChain
from vectora_gitops.desired.yamledit import ScalarEdit
from vectora_gitops.errors import GuardError, UsageError, closest
from vectora_gitops.model import (
    PIN_KINDS,
    SELECTOR,
    Environment,
    Pins,
    identity_version,
    selector_name,
    selector_of,
    selector_order,
    split_selector,
)

MAX_BRANCH = 120


@dataclass(frozen=True)
class PinChange:
    """One pin copied from source to target: `old` is None when the target lacks it."""

    selector: str
    old: str | None
    new: str
    identity: str  # what the source runs: version, or version@sha256 for a layer
    edits: tuple[ScalarEdit, ...]

    @property
    def name(self) -> str:
        return selector_name(self.selector)


def display(identity: str) -> str:
    """`1.4.1@575fed2b...` -> `1.4.1 (575fed2b)`; versions unchanged."""
    version, _, sha = identity.partition("@")
    return f"{version} ({sha[:8]})" if sha else version


def changes(source: Pins, target: Pins, only: Sequence[str] = ()) -> tuple[PinChange, ...]:
    """Pins of `source` (all, or the selectors in `only`) that differ from `target`."""
    src, dst = source.identities(), target.identities()
    for selector in only:
        meant = close_selector(selector, src)
        hint = f"; did you mean '{meant}'?" if meant and meant != selector else ""
        if not SELECTOR.match(selector):
            raise UsageError(f"--only {selector}: write clients/<id>, canonical, layers/<name> or "
                             f"templates/<stack>{hint}")
        if selector not in src:
            raise UsageError(f"--only {selector}: not pinned in the source environment "
                             f"(pinned: {', '.join(sorted(src))}){hint}")
    chosen = sorted((s for s in src if not only or s in only), key=selector_order)
    return tuple(PinChange(s, dst.get(s), src[s], src[s],
                           tuple(ScalarEdit(path, value) for path, value in source.scalars(s)))
                 for s in chosen if dst.get(s) != src[s])


def close_selector(selector: str, pinned: Collection[str]) -> str | None:
    """The pinned selector `selector` probably meant (`clinets/x` -> `clients/<the one>`)."""
    found = closest(selector, pinned)
    if found:
        return found
    kind, _, name = selector.partition("/")
    kind = closest(kind, PIN_KINDS) or kind
    same_kind = sorted(s for s in pinned if split_selector(s)[0] == kind)
    if kind == "canonical" and "canonical" in pinned:
        return "canonical"
    named = closest(name, [split_selector(s)[1] for s in same_kind]) if name else None
    if named:
        return selector_of(kind, named)
    return same_kind[0] if len(same_kind) == 1 else None


def check_chain(envs: Mapping[str, Environment], source: str, target: str) -> None:
    chain = PromotionChain.of(envs)
    declared = chain.source(target)
    if declared == source:
        return
    if declared is None:
        raise UsageError(f"cannot promote {source} -> {target}: {target} is the start of the "
                         f"chain and is never promoted into (chain: {chain.text()})")
    raise UsageError(f"cannot promote {source} -> {target}: {target} is promoted from {declared} "
                     f"(chain: {chain.text()}); promote {declared} -> {target} instead")


def check_prerelease(found: Sequence[PinChange], target: Environment, *, source: str = "",
                     only: Sequence[str] = ()) -> None:
    """Refuse prereleases where the target does not allow them, naming both ways out: release
    them (the exact commands), or promote the other pins with `--only` (the exact command)."""
    if target.promotion.allow_prerelease:
        return
    pre = [c for c in found if versions.is_prerelease(identity_version(c.new))]
    if not pre:
        return
    what = " and ".join(f"{c.selector}: {identity_version(c.new)}" for c in pre)
    verb = "is a prerelease" if len(pre) == 1 else "are prereleases"
    releases = "; ".join(release_step(c) for c in pre)
    rest = [c.selector for c in found if c not in pre]
    if only:
        rest = [s for s in only if s in rest]
    start = f"vectora-gitops promote --from {source} --to {target.name}"
    then = f"(commit, let {source or 'the source'} apply and soak it, then promote again)"
    head = (f"{what} {verb} and {target.name} does not allow prereleases "
            "(allow_prerelease: false); ")
    if not rest:
        raise GuardError(f"{head}release it: {releases} {then}; nothing else differs, so that "
                         "is the only way")
    raise GuardError(f"{head}either release it: {releases} {then}, or promote the rest without "
                     f"it: `{start}{''.join(f' --only {s}' for s in rest)}`")


def release_step(change: PinChange) -> str:
    """How to release what `change` promotes: the exact command, or for a template (which has
    no `release` command) the file to rename."""
    kind, name = split_selector(change.selector)
    if kind == "templates":
        version = identity_version(change.new)
        final = versions.sort_key(version).finalize_version()
        return (f"rename templates/{name}/{version}.yaml to templates/{name}/{final}.yaml and "
                "pin that")
    return f"`vectora-gitops {release_command(change)}`"


def release_command(change: PinChange) -> str:
    """The `release` command that turns the prerelease `change` promotes into a release."""
    kind, name = split_selector(change.selector)
    version = identity_version(change.new)
    if kind == "layers":  # an adopted layer (0.0.0-adopted.N) has no release yet: choose one
        final = str(versions.sort_key(version).finalize_version())
        return f"release layer {name} {'<version>' if final == '0.0.0' else final}"
    if kind == "clients":
        return f"release client {name} {version}"
    return f"release canonical {version}"


def check_downgrade(found: Sequence[PinChange], *, allow: bool, reason: str | None) -> None:
    if allow and not (reason or "").strip():
        raise UsageError("--allow-downgrade needs --reason TEXT (kept in the commit and PR body)")
    for change in found:
        if change.old is None or allow:
            continue
        old, new = identity_version(change.old), identity_version(change.new)
        if versions.sort_key(new) < versions.sort_key(old):
            raise GuardError(f"{change.selector}: {new} is lower than {old} (a downgrade); pass "
                             "--allow-downgrade --reason TEXT if that is intended")


def branch_name(target: str, found: Sequence[PinChange]) -> str:
    """`promote/<target>/<name>-<version>_...`, safe as a git ref, bounded in length."""
    parts = "_".join(f"{c.name}-{identity_version(c.new)}" for c in found)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", parts)
    safe = re.sub(r"\.{2,}", ".", safe).strip(".-") or "pins"
    if len(safe) > MAX_BRANCH:
        digest = hashlib.sha256(parts.encode()).hexdigest()[:10]
        safe = f"{safe[:MAX_BRANCH - 11].rstrip('.-')}-{digest}"
    return f"promote/{target}/{safe.removesuffix('.lock')}"


def commit_message(source: str, target: str, found: Sequence[PinChange],
                   reason: str | None = None) -> str:
    lines = [f"promote {source} -> {target}: {', '.join(c.name for c in found)}", ""]
    lines += [f"- {c.selector}: {display(c.old) if c.old else '(new)'} -> {display(c.new)}"
              for c in found]
    if reason:
        lines += ["", f"Downgrade reason: {reason}"]
    return "\n".join([*lines, "", "Promoted-by: vectora-gitops"]) + "\n"
