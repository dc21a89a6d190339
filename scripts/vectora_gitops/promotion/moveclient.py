"""`move-client`: the move of a legacy client id to a stable one in one environment, one step per
command and pull request (docs/architecture.md §8):

- `start`: `clients/<id>/<version>.yaml` made from the legacy file by the migrate-client edit
  (client_id, version, a changelog entry), pinned under `clients`, and
  `client_moves.<id>: {from: <legacy id>, step: beside}`;
- `switch` (`--back` before the retirement): the step becomes `switched` (or `beside` again);
- `retire`: only once the stable id has run since the switch (the caller's evidence), the step
  becomes `retired`, the legacy pin goes (and the legacy file, unless another environment pins
  it), with the waivers this environment kept for it.

Each step edits files minimally (desired.yamledit) and is validated as a whole: a refusal leaves
every file as it was. Undoing a step is reverting its commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from vectora_gitops.desired import migrate, versions, yamledit
from vectora_gitops.desired.repo import CLIENT_ID, Repository, load_env, read_env
from vectora_gitops.desired.validate import LEGACY_ID
from vectora_gitops.errors import FatalError, UsageError, cut
from vectora_gitops.model import ClientMove, Environment, Pins, Waiver
from vectora_gitops.promotion.changeset import ChangeSet

LINT_CONFIG = ".yamllint"
MAX_VERSION_TRIES = 1000
# Reads AWS (read-only) for the evidence that the stable id ran since the switch: one line, or
# GuardError.
Evidence = Callable[[Environment, ClientMove], str]


@dataclass(frozen=True)
class Request:
    env: str
    source: str  # the legacy id
    target: str  # the stable id

    @property
    def command(self) -> str:
        return f"vectora-gitops move-client {self.source} --to {self.target} --env {self.env}"


@dataclass(frozen=True)
class Moved:
    """What a step did (`done`, one line each) and what comes next."""

    step: str  # the move's step now
    done: tuple[str, ...]
    next: tuple[str, ...]


def start(repo: Repository, req: Request, *, version: str | None, today: date) -> Moved:
    env, pins = _load(repo, req)
    if req.source not in pins.legacy_clients:
        pinned = ", ".join(sorted(pins.legacy_clients)) or "none"
        raise UsageError(f"{req.source} is not a legacy client of {req.env} "
                         f"(environments/{req.env}/pins.yaml legacy_clients: {pinned}); "
                         f"`vectora-gitops import --env {req.env}` adopts the live ones")
    known = env.move_to(req.target) or env.move_from(req.source)
    if known is not None:
        if (known.id, known.source, known.step) == (req.target, req.source, "beside"):
            return Moved("beside", (f"{req.env}: {req.source} -> {req.target} is already "
                                    "started (step beside); nothing written",), _after_start(req))
        raise UsageError(f"{req.env}: client_moves.{known.id} already moves {known.source} to "
                         f"{known.id} (step {known.step}); one move per id")
    if req.target in pins.clients:
        raise UsageError(f"{req.target} is already pinned in {req.env} (clients.{req.target}: "
                         f"{pins.clients[req.target]}); a move needs an id {req.env} does not "
                         "run yet")
    legacy_version = pins.legacy_clients[req.source]
    version = version or legacy_version
    bad = versions.problem(version)
    if bad:
        raise UsageError(f"--version {version}: {bad}")
    changes = ChangeSet(repo)
    target, made = _new_config(repo, changes, req, legacy_version, version, today)
    legacy = f"clients/{req.source}/{legacy_version}.yaml"
    env_rel, pins_rel = _env_files(req.env)
    _edit(repo, changes, pins_rel,
          lambda t: yamledit.set_scalar(t, ("clients", req.target), version, display=pins_rel))
    _edit(repo, changes, env_rel, lambda t: _add_move(t, req, env, legacy, target, today))
    _ignore_like(repo, changes, legacy, target)
    changes.commit_or_undo(f"move-client {req.source} --to {req.target} start")
    return Moved("beside", (
        f"{target}: {req.target} {version}, made from {legacy} (client_id, version and a "
        "changelog entry; every other line as it was)" if made else
        f"{target}: {req.target} {version}, already made from {legacy} (kept as it is)",
        f"{pins_rel}: clients.{req.target}: {version} (legacy_clients.{req.source} stays)",
        f"{env_rel}: client_moves.{req.target}: from {req.source}, step beside"),
        _after_start(req))


def switch(repo: Repository, req: Request, *, back: bool) -> Moved:
    env, _pins = _load(repo, req)
    move = _existing(env, req)
    old, new = ("switched", "beside") if back else ("beside", "switched")
    if move.step == new:
        return Moved(new, (f"{req.env}: {req.source} -> {req.target} is already at step {new}; "
                           "nothing written",), _after(req, new))
    if move.step != old:
        hint = "revert the retirement commit to bring it back" if move.step == "retired" else \
            f"run `{req.command} switch` first"
        raise UsageError(f"{req.env}: {req.source} -> {req.target} is at step {move.step}, not "
                         f"{old}; {hint}")
    env_rel = _env_files(req.env)[0]
    changes = ChangeSet(repo)
    _edit(repo, changes, env_rel, lambda t: yamledit.set_scalar(
        t, ("client_moves", req.target, "step"), new, display=env_rel))
    changes.commit_or_undo(f"move-client {req.source} --to {req.target} switch")
    return Moved(new, (f"{env_rel}: client_moves.{req.target}.step: {old} -> {new}",),
                 _after(req, new))


def retire(repo: Repository, req: Request, *, evidence: Evidence) -> Moved:
    env, pins = _load(repo, req)
    move = _existing(env, req)
    if move.step == "retired":
        return Moved("retired", (f"{req.env}: {req.source} is already retired; nothing "
                                 "written",), _after(req, "retired"))
    if move.step != "switched":
        raise UsageError(f"{req.env}: {req.source} -> {req.target} is at step {move.step}: "
                         f"retire comes after the switch (`{req.command} switch`, applied, and "
                         f"{req.target} run)")
    if req.source not in pins.legacy_clients:
        raise UsageError(f"{req.env}: legacy_clients.{req.source} is not pinned in "
                         f"environments/{req.env}/pins.yaml; run `vectora-gitops validate`")
    found = evidence(env, move)
    legacy = f"clients/{req.source}/{pins.legacy_clients[req.source]}.yaml"
    env_rel, pins_rel = _env_files(req.env)
    changes = ChangeSet(repo)
    _edit(repo, changes, env_rel, lambda t: _retire_move(t, req, env, legacy))
    _edit(repo, changes, pins_rel, lambda t: _unpin(t, req.source, pins_rel))
    done = [found, f"{env_rel}: client_moves.{req.target}.step: switched -> retired",
            f"{pins_rel}: legacy_clients.{req.source} removed"]
    others = _pinned_elsewhere(repo, req, legacy)
    if others:
        done.append(f"{legacy} kept: pinned in {', '.join(others)}")
    else:
        changes.remove(legacy)
        done.append(f"{legacy} removed (no other environment pins it)")
    changes.commit_or_undo(f"move-client {req.source} --to {req.target} retire")
    return Moved("retired", tuple(done), _after(req, "retired"))


# ---- steps' details ---------------------------------------------------------------------------

def _load(repo: Repository, req: Request) -> tuple[Environment, Pins]:
    for flag, cid in (("the legacy id", req.source), ("--to", req.target)):
        if not CLIENT_ID.match(cid):
            raise UsageError(f"{flag} {cid!r}: client ids are lowercase letters, digits and _")
    if req.source == req.target:
        raise UsageError(f"--to {req.target}: the stable id must differ from the legacy id")
    versioned = LEGACY_ID.match(req.target)
    if versioned:
        raise UsageError(f"--to {req.target}: a stable id carries no version (write "
                         f"{versioned['id']})")
    return load_env(repo, req.env)


def _existing(env: Environment, req: Request) -> ClientMove:
    move = env.move_to(req.target)
    if move is None or move.source != req.source:
        raise UsageError(f"{env.name}: no move of {req.source} to {req.target} in "
                         f"environments/{env.name}/environment.yaml; start it with "
                         f"`{req.command} start`")
    return move


def _env_files(env: str) -> tuple[str, str]:
    return f"environments/{env}/environment.yaml", f"environments/{env}/pins.yaml"


def _edit(repo: Repository, changes: ChangeSet, rel: str, edit: Callable[[str], str]) -> None:
    text = (repo.root / rel).read_text(encoding="utf-8")
    new = edit(text)
    if new != text:
        changes.write(rel, new)


def _new_config(repo: Repository, changes: ChangeSet, req: Request, legacy_version: str,
                version: str, today: date) -> tuple[str, bool]:
    """The stable id's file, written unless it exists as this very migration (made by an earlier
    start, another day or in another environment); returns its repository path and whether it
    was written. Another file under that version is never overwritten."""
    source = repo.client_path(req.source, legacy_version)
    legacy_rel, rel = repo.rel(source), f"clients/{req.target}/{version}.yaml"
    legacy = source.read_text(encoding="utf-8").replace("\r\n", "\n")

    def migrated(day: date) -> str:
        return migrate.rewrite(legacy, client_id=req.target, version=version, today=day,
                               legacy_id=req.source, display=legacy_rel)

    text = migrated(today)
    path = repo.root / rel
    if not path.exists():
        changes.write(rel, text)
        return rel, True
    existing = path.read_text(encoding="utf-8")
    day = _last_change_date(existing)
    if existing != text and (day is None or existing != migrated(day)):
        free = _free_patch(repo, req.target, version)
        raise UsageError(f"{rel} exists with other content (a released version is immutable); "
                         f"give another version: `{req.command} start --version {free}`")
    return rel, False


def _last_change_date(text: str) -> date | None:
    """The date of the last metadata.changelog entry of a client file, if readable."""
    try:
        data: Any = yaml.safe_load(text)
        entry = data["metadata"]["changelog"][-1]
        day = entry["date"]
        return day if isinstance(day, date) else date.fromisoformat(str(day))
    except (yaml.YAMLError, LookupError, TypeError, ValueError):
        return None


def _free_patch(repo: Repository, cid: str, version: str) -> str:
    """The next patch version of `version` that `cid` has no file for (bounded)."""
    taken = set(repo.client_versions(cid))
    current = versions.sort_key(version)
    for _ in range(MAX_VERSION_TRIES):
        current = current.bump_patch()
        if str(current) not in taken:
            break
    return str(current)


def _add_move(text: str, req: Request, env: Environment, legacy: str, target: str,
              today: date) -> str:
    rel = _env_files(req.env)[0]
    text = yamledit.set_value(text, ("client_moves", req.target),
                              {"from": req.source, "step": "beside"}, display=rel)
    for waiver in (w for w in env.waivers if w.file == legacy):
        text = yamledit.insert_item(text, ("waivers",), _carried(waiver, legacy, target, today),
                                    display=rel)
    return text


def _carried(waiver: Waiver, legacy: str, target: str, today: date) -> Mapping[str, yamledit.Value]:
    """The waiver of the legacy file for the stable id's file (same defect, same bytes)."""
    entry: dict[str, yamledit.Value] = {"file": target, "rule": waiver.rule}
    if waiver.key:
        entry["key"] = waiver.key
    entry["reason"] = cut(f"{waiver.reason} (carried over from {legacy})", 300)
    entry["added"] = f"move-client {today.isoformat()}"
    return entry


def _ignore_like(repo: Repository, changes: ChangeSet, legacy: str, target: str) -> None:
    """When `.yamllint` ignores the legacy file (adopted byte for byte), ignore its copy too."""
    path = repo.root / LINT_CONFIG
    if not path.is_file():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.strip() == legacy), None)
    if at is None or any(line.strip() == target for line in lines):
        return
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    end = "" if lines[at].endswith("\n") else "\n"
    lines[at] = lines[at] + end
    lines.insert(at + 1, f"{indent}{target}\n")
    changes.write(LINT_CONFIG, "".join(lines))


def _retire_move(text: str, req: Request, env: Environment, legacy: str) -> str:
    rel = _env_files(req.env)[0]
    text = yamledit.set_scalar(text, ("client_moves", req.target, "step"), "retired", display=rel)
    gone = [i for i, w in enumerate(env.waivers) if w.file == legacy]
    if gone and len(gone) == len(env.waivers):
        return yamledit.delete(text, ("waivers",), display=rel)
    for index in reversed(gone):  # the waivers of the retired file, nothing else
        text = yamledit.delete_item(text, ("waivers",), index, display=rel)
    return text


def _unpin(text: str, legacy_id: str, rel: str) -> str:
    text = yamledit.delete(text, ("legacy_clients", legacy_id), display=rel)
    if yamledit.kind(text, ("legacy_clients",), display=rel) == "mapping" and \
            not yaml.safe_load(text).get("legacy_clients"):
        text = yamledit.delete(text, ("legacy_clients",), display=rel)
    return text


def _pinned_elsewhere(repo: Repository, req: Request, legacy: str) -> list[str]:
    """Other environments whose pins select the legacy file."""
    out = []
    for name in repo.env_names():
        if name == req.env:
            continue
        try:
            pins = read_env(repo, name)[2]
        except FatalError:
            continue
        if pins is not None and legacy in {f"clients/{c}/{v}.yaml" for c, v in
                                           [*pins.legacy_clients.items(), *pins.clients.items()]}:
            out.append(name)
    return out


# ---- what comes next --------------------------------------------------------------------------

def _after_start(req: Request) -> tuple[str, ...]:
    return (f"commit and open a pull request: its plan for {req.env} creates "
            f"clients/{req.target}.yaml inactive beside clients/{req.source}.yaml, which keeps "
            "running (data paths unchanged)",
            f"once it is merged and applied: `{req.command} switch`",
            "undo: revert the commit")


def _after(req: Request, step: str) -> tuple[str, ...]:
    if step == "beside":
        return (f"commit and open a pull request: its plan for {req.env} makes "
                f"clients/{req.source}.yaml active again and clients/{req.target}.yaml "
                f"inactive; at its apply, whoever invokes normalize-score and newsletter "
                f"passes client_id {req.source} again",
                f"to switch again later: `{req.command} switch`")
    if step == "switched":
        return (f"commit and open a pull request: its plan for {req.env} makes "
                f"clients/{req.target}.yaml active and clients/{req.source}.yaml inactive, "
                f"and warns that the data paths become ingested/{req.target}/…, "
                f"curated/{req.target}/… and {req.target}/… in the newsletters bucket",
                f"at its apply, change the client_id passed by whoever invokes "
                f"normalize-score and newsletter (a schedule or a script) from {req.source} to "
                f"{req.target}",
                f"once {req.target} has run (curated/{req.target}/… in the data bucket): "
                f"`{req.command} retire`",
                f"undo before the retirement: `{req.command} switch --back`, or revert the "
                "commit")
    return (f"commit and open a pull request: its plan for {req.env} deletes "
            f"clients/{req.source}.yaml (nothing is moved or deleted in the data buckets: "
            f"ingested/{req.source}/…, curated/{req.source}/… and {req.source}/… in the "
            "newsletters bucket stay readable)",
            "undo: revert the commit (the legacy config comes back, inactive)")
