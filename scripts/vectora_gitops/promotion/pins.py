"""Pure pin copying: which pins of the source differ from the target, and the rules a copy obeys
(declared chain, selectors, prereleases, downgrades). No I/O here."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vectora_gitops.desired import versions
from vectora_gitops.errors import GuardError, UsageError
from vectora_gitops.model import Environment, LayerPin, Pins
from vectora_gitops.promotion.yamledit import ScalarEdit

SELECTOR = re.compile(r"^(canonical|clients/[a-z][a-z0-9_]{1,63}|layers/[a-z][a-z0-9-]{1,40})$")
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
        return self.selector.split("/", 1)[-1]


def identities(pins: Pins) -> dict[str, str]:
    """selector -> identity of every pin (a layer is its version and content hash)."""
    out = {"canonical": pins.canonical}
    out.update({f"clients/{cid}": v for cid, v in pins.clients.items()})
    out.update({f"layers/{n}": layer_identity(p) for n, p in pins.layers.items()})
    return out


def layer_identity(pin: LayerPin) -> str:
    return f"{pin.version}@{pin.sha256}"


def display(identity: str) -> str:
    """`1.4.1@575fed2b...` -> `1.4.1 (575fed2b)`; versions unchanged."""
    version, _, sha = identity.partition("@")
    return f"{version} ({sha[:8]})" if sha else version


def changes(source: Pins, target: Pins, only: Sequence[str] = ()) -> tuple[PinChange, ...]:
    """Pins of `source` (all, or the selectors in `only`) that differ from `target`."""
    src, dst = identities(source), identities(target)
    for selector in only:
        if not SELECTOR.match(selector):
            raise UsageError(f"--only {selector}: write clients/<id>, canonical or layers/<name>")
        if selector not in src:
            raise UsageError(f"--only {selector}: not pinned in the source environment "
                             f"(pinned: {', '.join(sorted(src))})")
    chosen = [s for s in src if not only or s in only]
    out = [_change(s, source, dst.get(s), src[s]) for s in _ordered(chosen) if dst.get(s) != src[s]]
    return tuple(out)


def _ordered(selectors: list[str]) -> list[str]:
    rank = {"canonical": 0, "clients": 1, "layers": 2}
    return sorted(selectors, key=lambda s: (rank[s.split("/")[0]], s))


def _change(selector: str, source: Pins, old: str | None, new: str) -> PinChange:
    kind, _, name = selector.partition("/")
    edits: tuple[ScalarEdit, ...]
    if kind == "canonical":
        edits = (ScalarEdit(("canonical",), source.canonical),)
    elif kind == "clients":
        edits = (ScalarEdit(("clients", name), source.clients[name]),)
    else:
        pin = source.layers[name]
        edits = tuple(ScalarEdit(("layers", name, f), getattr(pin, f))
                      for f in ("version", "sha256", "artifact"))
    return PinChange(selector, old, new, new, edits)


def check_chain(envs: Mapping[str, Environment], source: str, target: str) -> None:
    declared = envs[target].promotion.source
    if declared == source:
        return
    chain = " -> ".join(chain_of(envs))
    if declared is None:
        raise UsageError(f"cannot promote {source} -> {target}: {target} is the start of the "
                         f"chain and is never promoted into (chain: {chain})")
    raise UsageError(f"cannot promote {source} -> {target}: {target} is promoted from {declared} "
                     f"(chain: {chain}); promote {declared} -> {target} instead")


def chain_of(envs: Mapping[str, Environment]) -> list[str]:
    """Environments in promotion order (roots first), e.g. dev, stage, prod."""
    order: list[str] = []
    frontier = sorted(n for n, e in envs.items() if e.promotion.source is None)
    while frontier:
        order += frontier
        frontier = sorted(n for n, e in envs.items()
                          if e.promotion.source in frontier and n not in order)
    return order + sorted(set(envs) - set(order))


def is_chain_end(envs: Mapping[str, Environment], name: str) -> bool:
    return not any(e.promotion.source == name for e in envs.values())


def check_prerelease(found: Sequence[PinChange], target: Environment) -> None:
    if target.promotion.allow_prerelease:
        return
    for change in found:
        version = change.new.split("@")[0]
        if versions.is_prerelease(version):
            how = f"release layer {change.name} <version>" if \
                change.selector.startswith("layers/") else "release"
            raise GuardError(f"{change.selector}: {version} is a prerelease and "
                             f"{target.name} does not allow prereleases (allow_prerelease: false); "
                             f"release it first (`vectora-gitops {how}`)")


def check_downgrade(found: Sequence[PinChange], *, allow: bool, reason: str | None) -> None:
    if allow and not (reason or "").strip():
        raise UsageError("--allow-downgrade needs --reason TEXT (kept in the commit and PR body)")
    for change in found:
        if change.old is None or allow:
            continue
        old, new = change.old.split("@")[0], change.new.split("@")[0]
        if versions.sort_key(new) < versions.sort_key(old):
            raise GuardError(f"{change.selector}: {new} is lower than {old} (a downgrade); pass "
                             "--allow-downgrade --reason TEXT if that is intended")


def branch_name(target: str, found: Sequence[PinChange]) -> str:
    """`promote/<target>/<name>-<version>_...`, safe as a git ref, bounded in length."""
    parts = "_".join(f"{c.name}-{c.new.split('@')[0]}" for c in found)
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
