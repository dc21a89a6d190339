"""`import`: read the live environment (never writes to AWS), then write client configs, the
canonical bundle, environment.yaml (variables, layer order) and pins.yaml (minimal text edits of
`desired.yamledit`: comments, banners and layout of every other line kept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from vectora_gitops.adopt.canonical import AdoptedBundle, adopt_canonical
from vectora_gitops.adopt.clients import AdoptedClient, adopt_clients
from vectora_gitops.adopt.layers import AdoptedLayer, adopt_layer, attached_by_layer
from vectora_gitops.aws import lambda_
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import yamledit
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.yamledit import Scalar
from vectora_gitops.engine import guards
from vectora_gitops.engine.layers import layer_name
from vectora_gitops.model import Environment, Pins
from vectora_gitops.observed import FunctionConfig


@dataclass
class Imported:
    env: str
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_env(repo: Repository, name: str, *, today: date) -> Imported:
    env, pins = load_env(repo, name)
    aws = Aws(env.region)
    guards.check_account(aws, env)
    configs = {k: lambda_.get_function(aws, spec.name) for k, spec in env.functions.items()}
    clients = adopt_clients(aws, env, repo, today=today)
    bundle = adopt_canonical(aws, env, repo)
    layers = [adopt_layer(aws, env, k, arn) for k, arn in
              sorted(attached_by_layer(env, configs).items())]
    result = Imported(name)
    result.warnings += [layer.note for layer in layers if layer.note]
    result.warnings += _function_warnings(env, configs)
    _write_clients(repo, clients, result)
    _write_bundle(repo, bundle, result)
    _edit_environment(repo, env, configs, result)
    _edit_pins(repo, env, pins, clients, bundle, layers, result)
    return result


def _function_warnings(env: Environment, configs: dict[str, FunctionConfig]) -> list[str]:
    names = {spec.name for spec in env.layers.values()}
    out = []
    for key, config in sorted(configs.items()):
        out += [f"function {key}: carries {arn}, a layer not declared in environment.yaml; "
                "the next apply detaches it" for arn in config.layers if layer_name(arn) not in names]
        missing = sorted(k for k, v in env.tags.items() if config.tags.get(k) != v)
        if missing:
            out.append(f"function {key}: lacks the tags {', '.join(missing)} of environment.yaml; "
                       "the next apply adds them")
    return out


def _write_clients(repo: Repository, clients: list[AdoptedClient], result: Imported) -> None:
    for client in clients:
        if not client.write:
            result.kept.append(f"{client.path} (same content as {client.source})")
            continue
        path = repo.root / client.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(client.text, encoding="utf-8")
        result.written.append(client.path)
        if client.source.rsplit("/", 1)[-1] != f"{client.client_id}.yaml":
            result.warnings.append(f"{client.source} becomes clients/{client.client_id}.yaml at the "
                                   "next apply (and the old object is pruned where prune is on); "
                                   f"make the functions read client id {client.client_id} first")


def _write_bundle(repo: Repository, bundle: AdoptedBundle | None, result: Imported) -> None:
    if bundle is None:
        result.warnings.append("no canonical/ objects in the config bucket; canonical pin kept")
        return
    if not bundle.new:
        result.kept.append(f"canonical/{bundle.version} (equals the live canonical/ tree)")
        return
    for rel, data in sorted(bundle.files.items()):
        path = repo.bundle_dir(bundle.version) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    result.written.append(f"canonical/{bundle.version}/ ({len(bundle.files)} file(s))")


def _edit_environment(repo: Repository, env: Environment,
                      configs: dict[str, FunctionConfig], result: Imported) -> None:
    path = repo.env_dir(env.name) / "environment.yaml"
    display = repo.rel(path)
    text = path.read_text(encoding="utf-8")
    by_name = {spec.name: k for k, spec in env.layers.items()}
    for key, config in configs.items():
        variables = {k: Scalar(v, '"') for k, v in sorted(config.environment.items())}
        text = yamledit.set_mapping(text, ("functions", key, "environment"), variables,
                                    display=display)
        order = tuple(by_name[layer_name(a)] for a in config.layers if layer_name(a) in by_name)
        if order and env.functions[key].layers != order:
            text = yamledit.set_value(text, ("functions", key, "layers"), order, display=display)
    _save(repo, path, text, result)


def _edit_pins(repo: Repository, env: Environment, pins: Pins, clients: list[AdoptedClient],
               bundle: AdoptedBundle | None, layers: list[AdoptedLayer], result: Imported) -> None:
    path = repo.env_dir(env.name) / "pins.yaml"
    display = repo.rel(path)
    text = path.read_text(encoding="utf-8")
    if bundle is not None:
        text = yamledit.set_scalar(text, ("canonical",), bundle.version, display=display)
    text = yamledit.set_mapping(text, ("clients",), {c.client_id: c.version for c in clients},
                                display=display)
    for client_id in sorted(set(pins.clients) - {c.client_id for c in clients}):
        result.warnings.append(f"clients.{client_id}: not in s3://{env.buckets.config}/clients/; "
                               "unpinned")
    for layer in layers:
        text = yamledit.set_mapping(text, ("layers", layer.key),
                                    {"version": layer.pin.version,
                                     "sha256": Scalar(layer.pin.sha256, '"'),
                                     "artifact": layer.pin.artifact}, display=display)
    _save(repo, path, text, result)


def _save(repo: Repository, path: Path, text: str, result: Imported) -> None:
    if path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        result.written.append(repo.rel(path))
