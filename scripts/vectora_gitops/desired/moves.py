"""Client moves: a legacy client id (`lai_weekly_v7`) becomes a stable one (`lai_weekly`) in one
environment, in three steps that are each one pull request (docs/architecture.md §8).

The engine knows a client only by the id in `clients/<id>.yaml` and in its Lambda events; its
multi-client ingest runs every config whose `client_profile.active` is true. So:

- `beside`: the stable id's config is rendered with `client_profile.active: false` (whatever its
  file says) next to the legacy config, which keeps running: one active config;
- `switched`: the stable id's config is rendered as written (it must be active) and the legacy
  object is synced with `client_profile.active: false`, the only change to its bytes;
- `retired`: the legacy pin is gone and the legacy object is deleted from the config bucket, even
  without prune; nothing is ever moved or deleted in the data buckets.

Pure: what the desired state renders, what validate checks and what a plan says about a move.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

import yaml

from vectora_gitops.desired import yamledit
from vectora_gitops.errors import InputError, Problem
from vectora_gitops.model import MOVE_STEPS, ClientMove, Environment, Pins

# Steps a pull request may take a move through, seen from its base (None: no move): one step
# forward, the switch back, the revert of a start or of a retirement, a retired move removed.
ALLOWED = frozenset({(None, "beside"), ("beside", "switched"), ("switched", "beside"),
                     ("switched", "retired"), ("retired", "switched"), ("beside", None),
                     ("retired", None)})


def renders_inactive(env: Environment, client_id: str) -> bool:
    """The stable id's config is deployed inactive beside its legacy config."""
    move = env.move_to(client_id)
    return move is not None and move.step == "beside"


def deactivates_legacy(env: Environment, legacy_id: str) -> bool:
    """The legacy config is synced with `client_profile.active: false` (switched)."""
    move = env.move_from(legacy_id)
    return move is not None and move.step == "switched"


def deactivate(raw: bytes, *, display: str) -> bytes:
    """`raw` with `client_profile.active: false` (set or added), every other byte kept; checked
    with the engine's reader (PyYAML, YAML 1.1), so a quoted "false" cannot stay truthy."""
    try:
        new = yamledit.set_value(raw.decode("utf-8"), ("client_profile", "active"), False,
                                 display=display)
        data: Any = yaml.safe_load(new)
    except (InputError, yaml.YAMLError, UnicodeDecodeError):
        data = new = None
    profile = data.get("client_profile") if isinstance(data, dict) else None
    if new is None or not isinstance(profile, dict) or profile.get("active") is not False:
        raise InputError(f"{display}: cannot set client_profile.active to false for the switch "
                         "(client_profile must be a mapping with one active key); fix it in a "
                         "new version of the file")
    return new.encode("utf-8")


def deletions(env: Environment, pins: Pins) -> dict[str, str]:
    """Legacy objects of retired moves, deleted by apply even with prune off: key -> why."""
    return {m.legacy_key: f"legacy config retired by client_moves: {m.id} runs instead"
            for m in env.client_moves
            if m.step == "retired" and m.source not in pins.legacy_clients
            and m.source not in pins.clients}


# ---- validate ---------------------------------------------------------------------------------

def problems(env: Environment, pins: Pins, active: Callable[[str], object]) -> list[Problem]:
    """What is wrong with the moves of `env` given its pins; `active(id)` is the value of
    `client_profile.active` in the pinned file of a stable id (None when it cannot be read)."""
    where = f"environments/{env.name}/environment.yaml"
    out: list[Problem] = []
    sources: dict[str, str] = {}
    for move in env.client_moves:
        at = f"client_moves.{move.id}"
        if move.source == move.id:
            out.append(Problem(where, f"{at}: from must be the legacy id, not {move.id} itself"))
            continue
        if move.source in sources:
            out.append(Problem(where, f"{at}: {move.source} already moves to "
                               f"{sources[move.source]}; a legacy id moves once"))
        sources.setdefault(move.source, move.id)
        out += _pin_problems(env, pins, move, where)
        if move.step != "beside" and move.id in pins.clients and active(move.id) is not True:
            path = f"clients/{move.id}/{pins.clients[move.id]}.yaml"
            out.append(Problem(path, f"client_profile.active must be true: {env.name}'s "
                               f"client_moves.{move.id} is {move.step}, and nothing else would "
                               f"run {move.id}"))
    return out


def _pin_problems(env: Environment, pins: Pins, move: ClientMove, where: str) -> list[Problem]:
    at, pins_file = f"client_moves.{move.id}", f"environments/{env.name}/pins.yaml"
    out: list[Problem] = []
    if move.id not in pins.clients:
        out.append(Problem(where, f"{at}: step {move.step} needs clients.{move.id} pinned in "
                           f"{pins_file}"))
    if move.step == "retired" and move.source in pins.legacy_clients:
        out.append(Problem(where, f"{at}: step retired, but legacy_clients.{move.source} is "
                           f"still pinned in {pins_file}; remove the pin (`vectora-gitops "
                           f"move-client {move.source} --to {move.id} --env {env.name} retire` "
                           "does)"))
    elif move.step != "retired" and move.source not in pins.legacy_clients:
        out.append(Problem(where, f"{at}: step {move.step} needs legacy_clients.{move.source} "
                           f"pinned in {pins_file}"))
    return out


def pair_problems(env: Environment, pins: Pins, known: Collection[tuple[str, str]]
                  ) -> list[Problem]:
    """A stable id pinned beside the legacy id it replaces elsewhere (`known`: every (legacy id,
    stable id) of the repository's moves) with no move here: both configs would run (a promotion
    copies pins, never moves: each environment moves on its own)."""
    where = f"environments/{env.name}/pins.yaml"
    return [Problem(where, f"clients.{new}: pinned beside legacy_clients.{old}, which it replaces "
                    f"(client_moves of another environment) but {env.name} has no such move: "
                    f"both configs would run; move {env.name} too (`vectora-gitops move-client "
                    f"{old} --to {new} --env {env.name} start`) instead of copying the pin")
            for old, new in sorted(set(known))
            if old in pins.legacy_clients and new in pins.clients and env.move_to(new) is None]


def base_steps(text: str | None) -> dict[str, str]:
    """stable id -> step of the moves of an environment.yaml at a base commit (tolerant)."""
    if not text:
        return {}
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    moves = data.get("client_moves") if isinstance(data, dict) else None
    if not isinstance(moves, dict):
        return {}
    return {str(k): str(v["step"]) for k, v in moves.items()
            if isinstance(v, dict) and v.get("step") in MOVE_STEPS}


def transition_problems(env: Environment, base: Mapping[str, str], ref: str) -> list[Problem]:
    """Moves changed by more than one step since `ref` (validate --base): a retirement before
    the switch was merged, a switch without the config deployed beside first, a move dropped
    after its switch (its stable config would keep running beside the legacy one)."""
    where = f"environments/{env.name}/environment.yaml"
    now = {m.id: m.step for m in env.client_moves}
    out = []
    for cid in sorted(set(now) | set(base)):
        old, new = base.get(cid), now.get(cid)
        if old == new or (old, new) in ALLOWED:
            continue
        out.append(Problem(where, f"client_moves.{cid}: {old or 'no move'} -> {new or 'no move'} "
                           f"since {ref}; a move goes beside -> switched -> retired, one step "
                           "per pull request, each applied before the next (`vectora-gitops "
                           "move-client`); undo a step by reverting its commit"))
    return out


# ---- what a plan says -------------------------------------------------------------------------

def data_paths(env: Environment, client_id: str) -> str:
    """Where the engine keeps the data of `client_id` in `env`."""
    data, letters = env.buckets.data, env.buckets.newsletters
    return (f"s3://{data}/ingested/{client_id}/…, s3://{data}/curated/{client_id}/… and "
            f"s3://{letters}/{client_id}/…")


def notes(env: Environment, puts: Mapping[str, str], deletes: Collection[str]) -> tuple[str, ...]:
    """What the engine will see after a plan that writes (`puts`: key -> create|update) or
    deletes keys of a move; warnings start with `warning:`."""
    out: list[str] = []
    for move in env.client_moves:
        touched = move.key in puts or move.legacy_key in puts or move.legacy_key in deletes
        if not touched:
            continue
        if move.step == "beside":
            back = puts.get(move.legacy_key) == "update" and puts.get(move.key) == "update"
            out += _back(env, move) if back else _beside(env, move)
        elif move.step == "switched":
            out += _switched(env, move)
        elif move.legacy_key in deletes:
            out += _retired(env, move)
    return tuple(out)


def _head(env: Environment, move: ClientMove) -> str:
    return f"client move {move.source} -> {move.id} in {env.name}, step {move.step}"


def _invokers(new: str, old: str) -> str:
    return (f"warning: whoever invokes normalize-score and newsletter (a schedule or a script, "
            f"not managed by vectora-gitops) must pass client_id {new} instead of {old} from "
            f"this apply on, and so must any ingest invocation that names a client_id")


def _beside(env: Environment, move: ClientMove) -> list[str]:
    return [f"{_head(env, move)}: {move.key} is deployed inactive (client_profile.active: "
            f"false) beside {move.legacy_key}, which keeps running; the multi-client ingest "
            f"runs {move.source} only",
            f"data paths unchanged: the engine still writes {data_paths(env, move.source)}"]


def _back(env: Environment, move: ClientMove) -> list[str]:
    return [f"{_head(env, move)} (switched back): {move.legacy_key} runs again and "
            f"{move.key} is inactive",
            f"warning: data paths change back: the engine writes {data_paths(env, move.source)} "
            f"again instead of {data_paths(env, move.id)} (what {move.id} wrote stays there)",
            _invokers(move.source, move.id)]


def _switched(env: Environment, move: ClientMove) -> list[str]:
    return [f"{_head(env, move)}: after this apply the multi-client ingest runs {move.key} "
            f"(active) instead of {move.legacy_key}, kept inactive (client_profile.active: "
            "false is the only change to its bytes)",
            f"warning: data paths change: the engine writes {data_paths(env, move.id)} instead "
            f"of {data_paths(env, move.source)}",
            _invokers(move.id, move.source),
            f"history: nothing is moved or deleted in the data buckets; "
            f"{data_paths(env, move.source)} stay readable under the old id (a newsletter of "
            f"{move.id} reads curated/{move.id}/ only)",
            f"undo before the retirement: `vectora-gitops move-client {move.source} --to "
            f"{move.id} --env {env.name} switch --back`, or revert the commit"]


def _retired(env: Environment, move: ClientMove) -> list[str]:
    return [f"{_head(env, move)}: {move.legacy_key} is deleted from s3://{env.buckets.config} "
            f"(its versions stay in the versioned bucket); {move.key} keeps running",
            f"warning: an invocation with client_id {move.source} now fails (no config); every "
            f"invoker must pass {move.id}",
            f"history: nothing is moved or deleted in the data buckets; "
            f"{data_paths(env, move.source)} stay readable under the old id"]
