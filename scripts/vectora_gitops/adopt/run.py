"""`import`: read the live environment (never writes to AWS), then write what it runs into git so
that the next plan is empty (docs/architecture.md §8): client configs and the canonical tree as
they are, every attached layer pinned, functions' layers, variables and tags, roles, stacks,
name exceptions, and waivers for the defects found in the adopted content. environment.yaml and
pins.yaml get the minimal text edits of `desired.yamledit`: only the lines of values that change
differ; comments, banners, blank lines and flow style of the others stay."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from vectora_gitops.adopt import lint
from vectora_gitops.adopt.canonical import AdoptedBundle, adopt_canonical, live_tree
from vectora_gitops.adopt.clients import ClientAdoption, adopt_clients
from vectora_gitops.adopt.infra import Infra, adopt_infra, exceptions
from vectora_gitops.adopt.layers import AdoptedLayer, LayerAdoption, adopt_layers
from vectora_gitops.adopt.monitoring import MonitoringAdoption, adopt_monitoring
from vectora_gitops.aws import lambda_
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import waivers as waiving
from vectora_gitops.desired import yamledit
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.validate import validate
from vectora_gitops.desired.yamledit import Scalar, Value
from vectora_gitops.engine import guards
from vectora_gitops.model import Environment, NameException, Pins
from vectora_gitops.observed import FunctionConfig


@dataclass
class Imported:
    env: str
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    waived: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems no waiver may cover


@dataclass(frozen=True)
class Live:
    configs: Mapping[str, FunctionConfig]
    clients: ClientAdoption
    bundle: AdoptedBundle | None
    skipped: tuple[str, ...]  # objects of managed prefixes that cannot be files of git
    layers: LayerAdoption
    infra: Infra
    monitoring: MonitoringAdoption | None = None


def import_env(repo: Repository, name: str, *, today: date) -> Imported:
    env, pins = load_env(repo, name)
    aws = Aws(env.region)
    guards.check_account(aws, env)
    before = Counter(str(p) for p in validate(repo).errors)
    live = observe(aws, env, pins, repo)
    result = Imported(name)
    added = f"import {today.isoformat()}"
    _write_clients(repo, live.clients, result)
    _write_bundle(repo, live.bundle, result)
    _lint_exempt(repo, live, today, result)
    _edit_environment(repo, env, live, added, result)
    _edit_pins(repo, env, pins, live, result)
    _waive(repo, env, live, added, result)
    after = Counter(str(p) for p in validate(repo).errors)
    result.errors = sorted((after - before).keys())
    _next_steps(env, live, result)
    _monitoring(repo, live, result)
    return result


def observe(aws: Aws, env: Environment, pins: Pins, repo: Repository) -> Live:
    configs = {k: lambda_.get_function(aws, spec.name) for k, spec in env.functions.items()}
    clients = adopt_clients(aws, env, repo)
    tree = live_tree(aws, env)
    return Live(configs, clients, adopt_canonical(repo, tree), clients.skipped + tree.skipped,
                adopt_layers(aws, env, pins, configs), adopt_infra(aws, env, configs),
                adopt_monitoring(aws, env, repo))


def _monitoring(repo: Repository, live: Live, result: Imported) -> None:
    """Monitoring the live environment never had is left out of git (the plan stays empty)."""
    found = live.monitoring
    if found is None:
        return
    if found.applied:
        result.kept.append(f"{found.path} ({found.alarms} alarm(s) of vectora-gitops live)")
        return
    (repo.root / found.path).unlink()
    result.written.append(f"{found.path} (removed: no alarm or dashboard of vectora-gitops live)")
    result.todo.append(f"monitoring: restore {found.path} (`git checkout HEAD -- {found.path}`) "
                       "in a later pull request; its plan creates the alarms, dashboard and "
                       "budget")


def _write_clients(repo: Repository, adoption: ClientAdoption, result: Imported) -> None:
    for client in adoption.clients:
        how = ("legacy config, byte for byte, synced back verbatim" if client.legacy
               else "rendered by vectora-gitops from this file")
        note = f"; {client.note}" if client.note else ""
        result.adopted.append(f"{client.source} -> {client.path} ({how}{note})")
        if not client.write:
            result.kept.append(client.path)
            continue
        path = repo.root / client.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(client.content)
        result.written.append(client.path)


def _write_bundle(repo: Repository, bundle: AdoptedBundle | None, result: Imported) -> None:
    if bundle is None:
        result.warnings.append("no canonical/ objects in the config bucket; canonical pin kept")
        return
    state = "a new bundle, byte for byte" if bundle.new else "equals this bundle"
    result.adopted.append(f"canonical/ ({bundle.objects} objects) -> canonical/{bundle.version}/ "
                          f"({state})")
    if not bundle.new:
        result.kept.append(f"canonical/{bundle.version}/")
        return
    for rel, data in sorted(bundle.files.items()):
        path = repo.bundle_dir(bundle.version) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    result.written.append(f"canonical/{bundle.version}/ ({len(bundle.files)} file(s))")


def _lint_exempt(repo: Repository, live: Live, today: date, result: Imported) -> None:
    """yamllint would refuse the live layout of files adopted byte for byte: list them under
    the ignore block of .yamllint (their next version is linted)."""
    paths = [c.path for c in live.clients.clients if c.legacy]
    if live.bundle is not None and live.bundle.new:
        paths.append(f"canonical/{live.bundle.version}/")
    added = lint.ignore_adopted(repo.root, paths, f"adopted byte for byte by import "
                                f"{today.isoformat()}; their next version is linted")
    if added:
        result.written.append(lint.CONFIG)
    elif paths and (repo.root / lint.CONFIG).is_file() and not all(
            p in (repo.root / lint.CONFIG).read_text(encoding="utf-8") for p in paths):
        result.warnings.append(f"{lint.CONFIG}: its ignore is not a `|` block; add the adopted "
                               f"files to it ({', '.join(paths)})")


def _edit_environment(repo: Repository, env: Environment, live: Live, added: str,
                      result: Imported) -> None:
    path = repo.env_dir(env.name) / "environment.yaml"
    display = repo.rel(path)
    text = _edit_layers(path.read_text(encoding="utf-8"), display, env, live.layers, result)
    for key, config in live.configs.items():
        text = _edit_function(text, display, env, key, config, live.layers)
        own = yamledit.kind(text, ("functions", key, "tags"), display=display) is not None
        result.adopted.append(f"function {key} ({config.name}): {len(config.environment)} "
                              f"variable(s), layers {', '.join(live.layers.order[key]) or 'none'}"
                              + (", its own tags" if own else ""))
    text = _edit_infra(text, display, env, live, added, result)
    if live.skipped and env.sync.prune:
        text = yamledit.set_scalar(text, ("sync", "prune"), False, display=display)
        result.warnings.append(f"sync.prune turned off: {len(live.skipped)} object(s) under the "
                               f"managed prefixes cannot be files of git (first: "
                               f"{live.skipped[0]}); prune would delete them")
    _save(repo, path, text, result)


def _edit_layers(text: str, display: str, env: Environment, adoption: LayerAdoption,
                 result: Imported) -> str:
    for key in adoption.dropped:
        text = yamledit.delete(text, ("layers", key), display=display)
        result.warnings.append(f"layers.{key}: carried by no function and its pinned content is "
                               f"not published in {env.name}; removed (apply would publish it)")
    for layer in adoption.layers:
        text = yamledit.set_scalar(text, ("layers", layer.key, "name"), layer.name,
                                   display=display)
        result.adopted.append(_layer_line(layer))
    return text


def _edit_function(text: str, display: str, env: Environment, key: str, config: FunctionConfig,
                   layers: LayerAdoption) -> str:
    """Exact variables, layers in order, and the function's own tags when it lacks the
    environment's."""
    spec = ("functions", key)
    variables = {k: Scalar(v, '"') for k, v in sorted(config.environment.items())}
    text = yamledit.set_mapping(text, (*spec, "environment"), variables, display=display)
    text = yamledit.set_items(text, (*spec, "layers"), layers.order[key], display=display)
    if any(config.tags.get(k) != v for k, v in env.function_tags(key).items()):
        tags = {k: v for k, v in sorted(config.tags.items()) if not k.startswith("aws:")}
        text = yamledit.set_mapping(text, (*spec, "tags"), tags, display=display)
    return text


def _layer_line(layer: AdoptedLayer) -> str:
    carried = ", ".join(arn.rsplit(":", 1)[-1] for arn in layer.arns)
    where = f"{layer.name}:{carried} on {', '.join(layer.functions)}" if layer.arns else \
        f"{layer.name} (no function carries it; its pinned content is published)"
    how = {"kept": "the git pin holds this content", "unused": "pin kept",
           "published": f"published by vectora-gitops, zip {layer.pin.artifact}",
           "found": f"published by hand; zip found by content: {layer.pin.artifact}",
           "missing": "published by hand; no zip with this content in the code bucket"}[layer.how]
    return f"layer {layer.key}: {where} -> {layer.pin.version} ({how})"


def _edit_infra(text: str, display: str, env: Environment, live: Live, added: str,
                result: Imported) -> str:
    infra = live.infra
    if len(infra.roles) == 1:  # a list of one role becomes `role: <name>` again
        text = yamledit.set_value(text, ("role",), infra.roles[0], display=display, replace=True)
    else:
        text = yamledit.set_items(text, ("role",), infra.roles, display=display)
    text = yamledit.set_items(text, ("stacks",), infra.stacks, display=display)
    result.adopted.append(f"roles {', '.join(infra.roles)}; stacks {', '.join(infra.stacks)}")
    result.warnings += [f"stacks: {s} does not exist in {env.name}; removed" for s in infra.gone]
    if infra.unlisted:
        result.warnings.append(f"stacks: kept git's and those the functions' tags name; cannot "
                               f"list the others ({infra.unlisted})")
    by_layer: dict[str, list[str]] = {}
    for layer in live.layers.layers:
        by_layer.setdefault(layer.name, []).extend(layer.functions)
    found = exceptions(env, infra, by_layer, live.configs, added)
    names = _names(env, infra, live.layers)
    keep = [e for e in env.name_exceptions if e.name in names and e.name not in
            {f.name for f in found}]
    listed = sorted([*keep, *found], key=lambda e: e.name)
    if not listed:
        return yamledit.delete(text, ("name_exceptions",), display=display)
    result.adopted.append(f"name exceptions: {', '.join(e.name for e in found) or 'none new'}")
    return yamledit.set_items(text, ("name_exceptions",), [_exception(e) for e in listed],
                              display=display)


def _exception(exception: NameException) -> Value:
    return {"name": exception.name, "reason": exception.reason, "added": exception.added}


def _names(env: Environment, infra: Infra, layers: LayerAdoption) -> set[str]:
    return ({*infra.roles, *infra.stacks, *(layer.name for layer in layers.layers)}
            | {spec.name for spec in env.functions.values()})


def _edit_pins(repo: Repository, env: Environment, pins: Pins, live: Live,
               result: Imported) -> None:
    path = repo.env_dir(env.name) / "pins.yaml"
    display = repo.rel(path)
    text = path.read_text(encoding="utf-8")
    if live.bundle is not None:
        text = yamledit.set_scalar(text, ("canonical",), live.bundle.version, display=display)
    regular: dict[str, Value] = {c.client_id: c.version for c in live.clients.clients
                                 if not c.legacy}
    legacy: dict[str, Value] = {c.client_id: c.version for c in live.clients.clients
                                if c.legacy}
    text = yamledit.set_mapping(text, ("clients",), regular, display=display)
    if not legacy:
        text = yamledit.delete(text, ("legacy_clients",), display=display)
    elif yamledit.kind(text, ("legacy_clients",), display=display) is None:
        text = yamledit.set_value(text, ("legacy_clients",), legacy, display=display,
                                  after="clients")
    else:
        text = yamledit.set_mapping(text, ("legacy_clients",), legacy, display=display)
    for cid in sorted({*pins.clients, *pins.legacy_clients} - {*regular, *legacy}):
        result.warnings.append(f"clients.{cid}: no clients/{cid}.yaml in "
                               f"s3://{env.buckets.config}/; unpinned (apply would add it)")
    for key in live.layers.dropped:
        text = yamledit.delete(text, ("layers", key), display=display)
    for layer in live.layers.layers:
        text = yamledit.set_mapping(text, ("layers", layer.key), {
            "version": layer.pin.version, "sha256": Scalar(layer.pin.sha256, '"'),
            "artifact": layer.pin.artifact}, display=display)
    _save(repo, path, text, result)


def _adopted_files(live: Live) -> tuple[str, ...]:
    files = [c.path for c in live.clients.clients]
    if live.bundle is not None:
        files.append(f"canonical/{live.bundle.version}/")
    return tuple(files)


def _waive(repo: Repository, env: Environment, live: Live, added: str, result: Imported) -> None:
    """Every error of the adopted files that a waiver may cover becomes one, with its reason;
    the waivers already there stay as they are, new ones are appended."""
    adopted = _adopted_files(live)
    report = validate(repo)
    found = [p for p in report.errors if waiving.pins_file(adopted, p.where)]
    new = [p for p in found if p.rule in waiving.RULES]
    if not new:
        return
    path = repo.env_dir(env.name) / "environment.yaml"
    display = repo.rel(path)
    text = path.read_text(encoding="utf-8")
    have = {(w.file, w.rule, w.key) for w in env.waivers}
    for problem in new:
        key = waiving.key_of(problem)
        if (problem.where, problem.rule, key) not in have:
            have.add((problem.where, problem.rule, key))
            entry: dict[str, Value] = {"file": problem.where, "rule": problem.rule}
            if key:
                entry["key"] = key
            entry["reason"] = f"live {env.name} content adopted by import as the engine runs it"
            entry["added"] = added
            text = yamledit.insert_item(text, ("waivers",), entry, display=display)
        result.waived.append(str(problem))
    _save(repo, path, text, result)


def _next_steps(env: Environment, live: Live, result: Imported) -> None:
    name = env.name
    result.todo.append(f"`vectora-gitops validate` (waived defects show as warnings), then "
                       f"`vectora-gitops plan --env {name}`: it should say no changes")
    result.todo.append("commit and open a pull request")
    found = [layer.key for layer in live.layers.layers if layer.how == "found"]
    missing = [layer.key for layer in live.layers.layers if layer.how == "missing"]
    if found or missing:
        result.todo.append("before promoting an adopted layer, give it a real version: "
                           "`vectora-gitops release layer <name> <version>`"
                           + (f" ({', '.join(found)}: zip found)" if found else ""))
    if missing:
        result.todo.append(f"{', '.join(missing)}: no zip holds the published content; add "
                           "`--zip FILE` to that command (its sha256 must be the pin's)")
    if result.waived:
        result.todo.append("fix each waived defect in a new version, then remove its waiver")
    if any(c.legacy for c in live.clients.clients):
        result.todo.append("legacy client ids stay as they are; moving one to a stable id "
                           "(`vectora-gitops migrate-client`) changes the key the engine reads")


def _save(repo: Repository, path: Path, text: str, result: Imported) -> None:
    rel = repo.rel(path)
    if path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        if rel not in result.written:
            result.written.append(rel)
