"""`gates --check-pr --base REF`: every pin that a pull request changes in an environment promoted
from another must pass every gate of that environment now, as `gates` evaluates them (soak by
content, metrics, E2E, integrity); unknown fails where the environment is strict. Stops hand
edits of prod's pins.yaml that skip stage (docs/architecture.md §7, docs/evidence.md).

The rules come from the base commit, never from the files being judged: `promotion.from`, the
gates and `allow_prerelease` are the base's (or the head's where it is stricter), the source's
buckets and region are the base's, prod is always strict, and a pull request may not add an
environment promoted from a strict end of the chain. What of the head is ignored is said.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from vectora_gitops import gitrepo
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import digests, schemas, versions
from vectora_gitops.desired.chain import PromotionChain
from vectora_gitops.desired.repo import Repository, to_environment
from vectora_gitops.desired.validate import validate
from vectora_gitops.desired.yamlfile import parse_yaml
from vectora_gitops.engine import records
from vectora_gitops.errors import FatalError, Problem
from vectora_gitops.model import Environment, Gates, MetricGate, Pins, identity_version, split_selector
from vectora_gitops.promotion import clock, evidence
from vectora_gitops.promotion.gates import (
    FAIL,
    PASS,
    Deployment,
    GateResult,
    Inputs,
    evaluate,
    soak_line,
    succeeded,
)
from vectora_gitops.promotion.pins import PinChange, display
from vectora_gitops.promotion.run_gates import ALWAYS_STRICT, Chain, load_chain

HISTORY_READ = 200  # records of the target read to see what it runs now


@dataclass(frozen=True)
class Rules:
    """The promotion rules of one environment for this check."""

    env: str
    source: str | None
    gates: Gates
    allow_prerelease: bool
    strict: bool
    source_env: Environment | None = None  # the base's description of the source (its buckets)
    target_env: Environment | None = None  # the base's description of the target, if any


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # what passed, notes and warnings


def check(repo: Repository, base: str) -> tuple[list[Problem], list[str]]:
    """(problems, lines about what passed and what of the head was ignored)."""
    commit = gitrepo.resolve(repo.root, base)
    head = load_chain(repo)
    based = base_environments(repo.root, commit)
    out = Outcome()
    out.problems += new_sources(repo, head, based)
    changed = set(gitrepo.changed_files(repo.root, commit, "environments"))
    for env in head.promotion.order():
        rules, notes = rules_of(env, head, based)
        out.lines += notes
        if rules.source is None or head.pins_path(env) not in changed:
            continue
        new = _new_pins(repo, head, env, commit)
        if new:
            _check_env(repo, head, rules, new, commit, out)
    if not out.problems:
        out.lines.append(f"check-pr: ok against {base}")
    return out.problems, out.lines


def base_environments(root: Path, commit: str) -> dict[str, Environment]:
    """The environments as the base commit describes them (a file that does not load or fails
    its schema there is left out: the head's is used, as for a new environment)."""
    found: dict[str, Environment] = {}
    for rel in gitrepo.files_at(root, commit, "environments"):
        parts = rel.split("/")
        if len(parts) != 3 or parts[2] != "environment.yaml":
            continue
        raw = gitrepo.show(root, commit, rel)
        try:
            doc = parse_yaml((raw or b"").decode("utf-8"), display=f"{commit[:12]}:{rel}")
            if schemas.check(doc, "environment"):
                continue
            env = to_environment(doc.data)
        except (FatalError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            continue
        if env.name == parts[1]:
            found[env.name] = env
    return found


def is_strict(env: str, head: PromotionChain, base: PromotionChain) -> bool:
    """prod always; and the end of the chain in the base or in the head."""
    at_end_in_base = env not in base.sources or base.is_end(env)
    return env in ALWAYS_STRICT or at_end_in_base or head.is_end(env)


def new_sources(repo: Repository, head: Chain, based: Mapping[str, Environment]) -> list[Problem]:
    """An environment that this pull request makes promoted from prod or from the base's end of
    the chain: refused (prod stays the strict end; nothing is promoted from it)."""
    chain = PromotionChain.of(based)
    problems = []
    for name, env in sorted(head.envs.items()):
        source = env.promotion.source
        if source is None or not (source in ALWAYS_STRICT or (source in based and
                                                              chain.is_end(source))):
            continue
        if name in based and based[name].promotion.source == source:
            continue
        path = f"environments/{name}/environment.yaml"
        line = repo.load(repo.root / path).line_of(("promotion", "from"))
        problems.append(Problem(path, f"promotion.from: {source}: nothing may be promoted from "
                                f"{source}, the strict end of the chain ({chain.text()}); "
                                "promote from an environment before it", line))
    return problems


def rules_of(env: str, head: Chain, based: Mapping[str, Environment]) -> tuple[Rules, list[str]]:
    """The rules of `env`: the base's, or the stricter of base and head; and notes on what of
    the head is ignored."""
    mine = head.envs[env]
    before = based.get(env)
    path = f"environments/{env}/environment.yaml"
    notes: list[str] = []
    strict = is_strict(env, head.promotion, PromotionChain.of(based))
    if before is None:
        source, gates = mine.promotion.source, mine.promotion.gates
        allow = mine.promotion.allow_prerelease
    else:
        source = before.promotion.source or mine.promotion.source
        if mine.promotion.source != before.promotion.source:
            notes.append(f"{path}: promotion.from changed in this pull request "
                         f"({before.promotion.source or 'null'} -> "
                         f"{mine.promotion.source or 'null'}); this check uses "
                         f"{source or 'null'}, the base's or the stricter")
        gates, loosened = stricter(before.promotion.gates, mine.promotion.gates)
        notes += [f"{path}: {what} in this pull request; this check uses the base's" for what
                  in loosened]
        allow = before.promotion.allow_prerelease and mine.promotion.allow_prerelease
    source_env = based.get(source) if source else None
    if source and source_env is None:
        source_env = head.envs.get(source)
    if source and source_env is not None and source in head.envs:
        notes += _moved(source, source_env, head.envs[source])
    return Rules(env, source, gates, allow, strict, source_env, before or mine), notes


def stricter(base: Gates, head: Gates) -> tuple[Gates, list[str]]:
    """The stricter of two sets of gates, and what the head loosened."""
    loosened = []
    if head.soak_days < base.soak_days:
        loosened.append(f"promotion.gates.soak_days lowered ({base.soak_days} -> "
                        f"{head.soak_days})")
    if base.e2e_required and not head.e2e_required:
        loosened.append("promotion.gates.e2e_required turned off")
    theirs = {m.name: m for m in head.metrics}
    metrics: list[MetricGate] = list(base.metrics)
    for metric in base.metrics:
        if metric.name not in theirs:
            loosened.append(f"metric gate {metric.name} removed")
        elif theirs[metric.name] != metric:
            loosened.append(f"metric gate {metric.name} changed")
    known = {m.name for m in base.metrics}
    metrics += [m for m in head.metrics if m.name not in known]
    return Gates(max(base.soak_days, head.soak_days), base.e2e_required or head.e2e_required,
                 tuple(metrics)), loosened


def _moved(name: str, used: Environment, head: Environment) -> list[str]:
    path = f"environments/{name}/environment.yaml"
    if (used.buckets.data, used.region, used.account_id) == \
            (head.buckets.data, head.region, head.account_id):
        return []
    return [f"{path}: the data bucket, region or account of {name} changed in this pull request "
            f"({head.buckets.data}); its evidence is read from the base's {used.buckets.data} "
            f"({used.region})"]


def _new_pins(repo: Repository, chain: Chain, env: str, commit: str) -> dict[str, str]:
    raw = gitrepo.show(repo.root, commit, chain.pins_path(env))
    before: dict[str, str] = {}
    if raw is not None:
        try:
            before = Pins.from_json(parse_yaml(raw.decode("utf-8"), display="base").data).identities()
        except (FatalError, KeyError, TypeError, UnicodeDecodeError):
            before = {}
    now = chain.pins[env].identities()
    return {s: i for s, i in now.items() if before.get(s) != i}


def _check_env(repo: Repository, head: Chain, rules: Rules, new: dict[str, str], commit: str,
               out: Outcome) -> None:
    env, source = rules.env, rules.source or ""
    path = head.pins_path(env)
    doc = repo.load(repo.root / path)
    pins_now = head.pins[env]

    def line(selector: str) -> int:
        return doc.line_of(pins_now.scalars(selector)[0][0])

    out.problems += [Problem(path, text, line(sel)) for sel, text in
                     _gone_before(repo, commit, new) + _prereleases(rules, new)]
    if rules.source_env is None:
        out.problems.append(Problem(path, f"cannot check: {env} is promoted from {source}, which "
                                    "is not an environment"))
        return
    content = digests.pin_digests(repo, pins_now)
    todo = _not_running(rules, new, content, path, out)
    if not todo:
        return
    now = clock.now()
    found = tuple(PinChange(sel, None, ident, ident, ()) for sel, ident in sorted(todo.items()))
    clients = [c.name for c in found if split_selector(c.selector)[0] == "clients"]
    source_pins = head.pins.get(source, pins_now)
    seen = evidence.collect(rules.source_env, source_pins, rules.gates.metrics, clients, now)
    for change in found:
        status, text = (soak_line(change.selector, change.identity,
                                  content.get(change.selector), seen.deployments, now, source,
                                  rules.gates.soak_days)
                        if not seen.unreachable else
                        ("unknown", f"{change.name} {display(change.identity)}: evidence "
                         f"unavailable: {seen.unreachable}"))
        _judge(rules, path, GateResult("soak", status, text), out, line(change.selector),
               hint=f"; promote it through {source} first")
    others = evaluate(Inputs(source, replace(rules.gates, soak_days=0), found, seen, now,
                             _integrity(repo), content))
    for result in others:
        _judge(rules, path, result, out, None, hint="")


def _judge(rules: Rules, path: str, result: GateResult, out: Outcome, line: int | None, *,
           hint: str) -> None:
    """A gate's result: pass is said, fail is a problem, unknown is a problem where the target
    is strict and a warning elsewhere."""
    name = "" if result.name == "soak" else f"gate {result.name}: "
    if result.status == PASS:
        out.lines.append(f"{path}: {name}{result.evidence}")
    elif result.status == FAIL:
        out.problems.append(Problem(path, f"{name}{result.evidence}{hint}", line))
    elif rules.strict:
        out.problems.append(Problem(path, f"{name}{result.evidence} (unknown: {rules.env} is "
                                    "strict, unknown fails)", line))
    else:
        out.lines.append(f"{path}: warning: {name}{result.evidence} (unknown)")


def _not_running(rules: Rules, new: dict[str, str], content: Mapping[str, str], path: str,
                 out: Outcome) -> dict[str, str]:
    """The new pins minus those the target already runs with the same content (its latest
    successful record says so): applying them changes nothing, they are not promoted."""
    running = _running_now(rules.target_env) if rules.target_env is not None else None
    todo = {}
    for selector, identity in new.items():
        if running is not None and running.ran(selector, identity, content.get(selector)):
            out.lines.append(f"{path}: {selector} {display(identity)} already runs in "
                             f"{rules.env} with the same content (record {running.id}); "
                             "nothing to promote")
        else:
            todo[selector] = identity
    return todo


def _running_now(env: Environment) -> Deployment | None:
    try:
        history = records.list_history(Aws(env.region), env, limit=HISTORY_READ)
    except FatalError:
        return None
    found = [d for d in map(evidence.to_deployment, history) if d is not None]
    done = succeeded(found)
    return done[-1] if done else None


def _gone_before(repo: Repository, commit: str, new: Mapping[str, str]) -> list[tuple[str, str]]:
    """New pins naming a released version that the base's history deleted."""
    candidates: dict[str, str] = {}
    for selector, identity in new.items():
        kind, name = split_selector(selector)
        version = identity_version(identity)
        if kind == "layers" or versions.parse(version) is None or \
                versions.is_prerelease(version):
            continue
        rel = {"clients": f"clients/{name}/{version}.yaml",
               "templates": f"templates/{name}/{version}.yaml"}.get(kind, f"canonical/{version}")
        present = gitrepo.show(repo.root, commit, rel) is not None if kind != "canonical" else \
            bool(gitrepo.files_at(repo.root, commit, rel))
        if not present:
            candidates[rel] = selector
    try:
        found = gitrepo.deleted_in_history(repo.root, commit, sorted(candidates))
    except FatalError as exc:
        return [(sel, f"cannot check whether {rel} was deleted before: {exc}")
                for rel, sel in sorted(candidates.items())]
    return [(candidates[rel], f"{candidates[rel]} {new[candidates[rel]]}: {rel} was deleted in "
             f"{sha[:12]} ({date}); a deleted release never comes back, whatever its content: "
             "make a new version") for rel, (sha, date) in sorted(found.items())]


def _prereleases(rules: Rules, new: Mapping[str, str]) -> list[tuple[str, str]]:
    if rules.allow_prerelease:
        return []
    return [(sel, f"{sel}: {identity_version(ident)} is a prerelease and {rules.env} does not "
             "allow prereleases (allow_prerelease: false at the base)")
            for sel, ident in sorted(new.items())
            if versions.is_prerelease(identity_version(ident))]


def _integrity(repo: Repository) -> tuple[str, ...]:
    return tuple(str(p) for p in validate(repo).errors)
