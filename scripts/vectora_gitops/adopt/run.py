"""`import`: read the live environment (never writes to AWS), then write what it runs into git so
that the next plan is empty (docs/architecture.md §8): client configs and the canonical tree as
they are, every attached layer pinned, functions' layers, variables and tags, roles, stacks,
name exceptions, and waivers for the defects found in the adopted content."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from vectora_gitops.adopt import lint, yamledit
from vectora_gitops.adopt.canonical import AdoptedBundle, adopt_canonical, live_tree
from vectora_gitops.adopt.clients import ClientAdoption, adopt_clients
from vectora_gitops.adopt.infra import Infra, adopt_infra, exceptions
from vectora_gitops.adopt.layers import AdoptedLayer, LayerAdoption, adopt_layers
from vectora_gitops.aws import lambda_
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import waivers as waiving
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.validate import validate
from vectora_gitops.engine import guards
from vectora_gitops.model import Environment, Pins
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
    return result


def observe(aws: Aws, env: Environment, pins: Pins, repo: Repository) -> Live:
    configs = {k: lambda_.get_function(aws, spec.name) for k, spec in env.functions.items()}
    clients = adopt_clients(aws, env, repo)
    tree = live_tree(aws, env)
    return Live(configs, clients, adopt_canonical(repo, tree), clients.skipped + tree.skipped,
                adopt_layers(aws, env, pins, configs), adopt_infra(aws, env, configs))


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
    data = yamledit.load(path)
    _edit_layers(data, env, live.layers, result)
    for key, config in live.configs.items():
        spec = yamledit.child(yamledit.child(data, "functions"), key)
        variables = {k: yamledit.quoted(v) for k, v in sorted(config.environment.items())}
        yamledit.set_mapping(yamledit.child(spec, "environment"), variables)
        _set_list(spec, "layers", list(live.layers.order[key]))
        if any(config.tags.get(k) != v for k, v in env.function_tags(key).items()):
            spec["tags"] = {k: v for k, v in sorted(config.tags.items())
                            if not k.startswith("aws:")}
        result.adopted.append(f"function {key} ({config.name}): {len(config.environment)} "
                              f"variable(s), layers {', '.join(live.layers.order[key]) or 'none'}"
                              + (", its own tags" if "tags" in spec else ""))
    _edit_infra(data, env, live, added, result)
    if live.skipped and env.sync.prune:
        yamledit.child(data, "sync")["prune"] = False
        result.warnings.append(f"sync.prune turned off: {len(live.skipped)} object(s) under the "
                               f"managed prefixes cannot be files of git (first: "
                               f"{live.skipped[0]}); prune would delete them")
    _save(repo, path, data, result)


def _edit_layers(data: CommentedMap, env: Environment, adoption: LayerAdoption,
                 result: Imported) -> None:
    section = yamledit.child(data, "layers")
    for key in adoption.dropped:
        section.pop(key, None)
        result.warnings.append(f"layers.{key}: carried by no function and its pinned content is "
                               f"not published in {env.name}; removed (apply would publish it)")
    for layer in adoption.layers:
        entry = yamledit.child(section, layer.key)
        if entry.get("name") != layer.name:
            entry["name"] = layer.name
        result.adopted.append(_layer_line(layer))


def _layer_line(layer: AdoptedLayer) -> str:
    carried = ", ".join(arn.rsplit(":", 1)[-1] for arn in layer.arns)
    where = f"{layer.name}:{carried} on {', '.join(layer.functions)}" if layer.arns else \
        f"{layer.name} (no function carries it; its pinned content is published)"
    how = {"kept": "the git pin holds this content", "unused": "pin kept",
           "published": f"published by vectora-gitops, zip {layer.pin.artifact}",
           "found": f"published by hand; zip found by content: {layer.pin.artifact}",
           "missing": "published by hand; no zip with this content in the code bucket"}[layer.how]
    return f"layer {layer.key}: {where} -> {layer.pin.version} ({how})"


def _edit_infra(data: CommentedMap, env: Environment, live: Live, added: str,
                result: Imported) -> None:
    infra = live.infra
    if len(infra.roles) == 1:
        if data.get("role") != infra.roles[0]:
            data["role"] = infra.roles[0]
    else:
        _set_list(data, "role", list(infra.roles))
    _set_list(data, "stacks", list(infra.stacks))
    result.adopted.append(f"roles {', '.join(infra.roles)}; stacks {', '.join(infra.stacks)}")
    result.warnings += [f"stacks: {s} does not exist in {env.name}; removed" for s in infra.gone]
    if infra.unlisted:
        result.warnings.append(f"stacks: kept git's and those the functions' tags name; cannot "
                               f"list the others ({infra.unlisted})")
    by_layer: dict[str, list[str]] = {}
    for layer in live.layers.layers:
        by_layer.setdefault(layer.name, []).extend(layer.functions)
    found = exceptions(env, infra, by_layer, live.configs, added)
    names = _names(data, infra, live.layers)
    keep = [e for e in env.name_exceptions if e.name in names and e.name not in
            {f.name for f in found}]
    listed = sorted([*keep, *found], key=lambda e: e.name)
    if listed:
        value = [{"name": e.name, "reason": e.reason, "added": e.added} for e in listed]
        if _plain(data.get("name_exceptions")) != value:
            data["name_exceptions"] = value
        result.adopted.append(f"name exceptions: {', '.join(e.name for e in found) or 'none new'}")
    else:
        data.pop("name_exceptions", None)


def _names(data: CommentedMap, infra: Infra, layers: LayerAdoption) -> set[str]:
    functions = data.get("functions") or {}
    return ({*infra.roles, *infra.stacks, *(layer.name for layer in layers.layers)}
            | {str(f.get("name")) for f in functions.values() if isinstance(f, dict)})


def _set_list(parent: CommentedMap, key: str, values: list[str]) -> None:
    """`parent[key] = values`, keeping the flow style and the comments around the old value (a
    comment after a scalar or after the last item moves after the new last item)."""
    old = parent.get(key)
    if isinstance(old, list) and list(old) == values:
        return
    seq = CommentedSeq(values)
    trailing = None
    if isinstance(old, CommentedSeq):
        if old.fa.flow_style():
            seq.fa.set_flow_style()
        seq.ca.comment = old.ca.comment
        trailing = old.ca.items.get(len(old) - 1) if len(old) else None
    elif key in parent.ca.items and parent.ca.items[key][2] is not None:
        trailing = [parent.ca.items[key][2], None]
        parent.ca.items[key][2] = None
    if trailing and values and not seq.fa.flow_style():
        seq.ca.items[len(values) - 1] = trailing
    parent[key] = seq


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _edit_pins(repo: Repository, env: Environment, pins: Pins, live: Live,
               result: Imported) -> None:
    path = repo.env_dir(env.name) / "pins.yaml"
    data = yamledit.load(path)
    if live.bundle is not None and data.get("canonical") != live.bundle.version:
        data["canonical"] = live.bundle.version
    regular = {c.client_id: c.version for c in live.clients.clients if not c.legacy}
    legacy = {c.client_id: c.version for c in live.clients.clients if c.legacy}
    yamledit.set_mapping(yamledit.child(data, "clients"), regular)
    if legacy:
        if "legacy_clients" not in data:
            data.insert(list(data).index("clients") + 1, "legacy_clients", CommentedMap())
        yamledit.set_mapping(yamledit.child(data, "legacy_clients"), legacy)
    else:
        data.pop("legacy_clients", None)
    for cid in sorted({*pins.clients, *pins.legacy_clients} - {*regular, *legacy}):
        result.warnings.append(f"clients.{cid}: no clients/{cid}.yaml in "
                               f"s3://{env.buckets.config}/; unpinned (apply would add it)")
    section = yamledit.child(data, "layers")
    for key in live.layers.dropped:
        section.pop(key, None)
    for layer in live.layers.layers:
        yamledit.set_mapping(yamledit.child(section, layer.key), {
            "version": layer.pin.version, "sha256": yamledit.quoted(layer.pin.sha256),
            "artifact": layer.pin.artifact})
    _save(repo, path, data, result)


def _adopted_files(live: Live) -> tuple[str, ...]:
    files = [c.path for c in live.clients.clients]
    if live.bundle is not None:
        files.append(f"canonical/{live.bundle.version}/")
    return tuple(files)


def _waive(repo: Repository, env: Environment, live: Live, added: str, result: Imported) -> None:
    """Every error of the adopted files that a waiver may cover becomes one, with its reason."""
    adopted = _adopted_files(live)
    report = validate(repo)
    found = [p for p in report.errors if waiving.pins_file(adopted, p.where)]
    new = [p for p in found if p.rule in waiving.RULES]
    if new:
        path = repo.env_dir(env.name) / "environment.yaml"
        data = yamledit.load(path)
        existing = _plain(data.get("waivers")) or []
        entries = [*existing] if isinstance(existing, list) else []
        for problem in new:
            entry = {"file": problem.where, "rule": problem.rule}
            key = waiving.key_of(problem)
            if key:
                entry["key"] = key
            entry["reason"] = f"live {env.name} content adopted by import as the engine runs it"
            entry["added"] = added
            if not any(_same_waiver(e, entry) for e in entries):
                entries.append(entry)
            result.waived.append(str(problem))
        data["waivers"] = entries
        _save(repo, path, data, result)


def _same_waiver(a: object, b: Mapping[str, str]) -> bool:
    return isinstance(a, dict) and all(a.get(k) == b.get(k) for k in ("file", "rule", "key"))


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


def _save(repo: Repository, path: Path, data: object, result: Imported) -> None:
    text = yamledit.dump(data)
    rel = repo.rel(path)
    if path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        if rel not in result.written:
            result.written.append(rel)
