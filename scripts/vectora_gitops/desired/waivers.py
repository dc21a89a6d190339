"""Waivers: known defects of adopted content, accepted per environment (docs/architecture.md §8).

A waiver names a file, a rule (`duplicate-key`, `reference`, `schema`) and optionally the key
path of the problem. A matching error stays visible as a warning that quotes the reason. A file
pinned by several environments is waived only where every one of them waives it, so promoting
a defect to an environment that did not accept it is still an error there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from vectora_gitops.errors import Problem
from vectora_gitops.model import Environment, Pins, Waiver

RULES = ("duplicate-key", "reference", "schema")
KEYED = ("reference", "schema")


def key_of(problem: Problem) -> str:
    """The key path a reference or schema problem is about (the start of its message)."""
    if problem.rule not in KEYED:
        return ""
    head = problem.message.split(": ", 1)[0]
    return "" if " " in head else head


def matches(waiver: Waiver, problem: Problem) -> bool:
    return (problem.severity == "error" and problem.rule == waiver.rule
            and problem.where == waiver.file and (not waiver.key or key_of(problem) == waiver.key))


def pinned_files(pins: Pins) -> tuple[str, ...]:
    """Repository paths (a bundle as its folder prefix) an environment's pins select."""
    out = [f"canonical/{pins.canonical}/"]
    out += [f"clients/{cid}/{v}.yaml" for cid, v in pins.clients.items()]
    out += [f"clients/{cid}/{v}.yaml" for cid, v in pins.legacy_clients.items()]
    return tuple(out)


def pins_file(pinned: Sequence[str], path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in pinned)


def waive(problems: Iterable[Problem], env: Environment) -> list[Problem]:
    """`problems` with those `env` waives turned into warnings (desired state of one env)."""
    out = []
    for problem in problems:
        waiver = next((w for w in env.waivers if matches(w, problem)), None)
        out.append(_waived(problem, env.name, waiver) if waiver else problem)
    return out


def waive_all(problems: Iterable[Problem], envs: Mapping[str, tuple[Environment, Pins]]
              ) -> list[Problem]:
    """Repository-wide: an error is waived when an environment waives it and every environment
    pinning its file does; then unused waivers are reported as warnings."""
    out: list[Problem] = []
    used: set[tuple[str, int]] = set()
    for problem in problems:
        found = {name: i for name, (env, _) in envs.items()
                 for i, w in enumerate(env.waivers) if matches(w, problem)}
        pinning = [name for name, (_, pins) in envs.items()
                   if pins_file(pinned_files(pins), problem.where)]
        used.update(found.items())
        if found and all(name in found for name in pinning):
            name = next(n for n in pinning or sorted(found) if n in found)
            out.append(_waived(problem, name, envs[name][0].waivers[found[name]]))
        else:
            out.append(problem)
    for name, (env, _) in sorted(envs.items()):
        out += [Problem(f"environments/{name}/environment.yaml", f"waivers.{i}: no {w.rule} "
                        f"problem in {w.file}{' at ' + w.key if w.key else ''} any more; remove "
                        "the waiver", severity="warning")
                for i, w in enumerate(env.waivers) if (name, i) not in used]
    return out


def _waived(problem: Problem, env: str, waiver: Waiver) -> Problem:
    return dataclasses.replace(problem, severity="warning",
                               message=f"{problem.message} [waived in {env}: {waiver.reason}]")
