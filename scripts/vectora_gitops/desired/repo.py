"""The repository on disk: environments, pins, client configs and canonical bundles.

Scans the folders of the repository layout (README, Concepts), loads and schema-checks
environment and pins files and turns them into the typed model. Problems are collected (validate
reports them all); commands that need a valid environment call `load_env`, which raises on the
first file with problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vectora_gitops.desired import schemas
from vectora_gitops.desired.monitoring import monitoring_spec
from vectora_gitops.desired.yamlfile import YamlDoc, load_yaml
from vectora_gitops.errors import FatalError, InputError, Problem, UsageError, did_you_mean
from vectora_gitops.model import (
    Buckets,
    ClientMove,
    DenyWindow,
    Environment,
    FunctionSpec,
    Gates,
    IgnoreRule,
    LayerSpec,
    MetricGate,
    NameException,
    OutputRef,
    Pins,
    Promotion,
    StackSpec,
    Sync,
    Waiver,
)

ENV_NAME = re.compile(r"^[a-z][a-z0-9]{1,15}$")
CLIENT_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass(frozen=True)
class Repository:
    """Where things are; nothing here is loaded until asked for."""

    root: Path

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def env_names(self) -> list[str]:
        folder = self.root / "environments"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def env_dir(self, env: str) -> Path:
        """The folder of environment `env`; a name that is not one says which one was meant."""
        names = self.env_names()
        check_env_name(env, names)
        path = self.root / "environments" / env
        if not (path / "environment.yaml").is_file():
            known = ", ".join(names) or "none"
            raise UsageError(f"unknown environment '{env}' (known: {known})"
                             f"{did_you_mean(env, names)}")
        return path

    def client_ids(self) -> list[str]:
        folder = self.root / "clients"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def client_versions(self, client_id: str) -> list[str]:
        folder = self.root / "clients" / client_id
        if not folder.is_dir():
            return []
        return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))

    def client_path(self, client_id: str, version: str) -> Path:
        return self.root / "clients" / client_id / f"{version}.yaml"

    def bundle_versions(self) -> list[str]:
        folder = self.root / "canonical"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def bundle_dir(self, version: str) -> Path:
        return self.root / "canonical" / version

    def load(self, path: Path) -> YamlDoc:
        return load_yaml(path, root=self.root, display=self.rel(path))


def check_env_name(env: str, known: Sequence[str] = ()) -> None:
    if not ENV_NAME.match(env):
        raise UsageError(f"'{env}' is not an environment name (lowercase letters and digits)"
                         f"{did_you_mean(env, known)}")


def load_env(repo: Repository, env: str) -> tuple[Environment, Pins]:
    """The environment and its pins, or InputError listing every problem of the two files."""
    problems, environment, pins = read_env(repo, env)
    if problems or environment is None or pins is None:
        raise InputError(f"{env}: invalid environment files", tuple(problems))
    return environment, pins


def read_env(repo: Repository, env: str) -> tuple[list[Problem], Environment | None, Pins | None]:
    folder = repo.env_dir(env)
    problems: list[Problem] = []
    env_doc = _checked(repo, folder / "environment.yaml", "environment", problems)
    pins_doc = _checked(repo, folder / "pins.yaml", "pins", problems)
    environment = to_environment(env_doc.data) if env_doc else None
    pins = Pins.from_json(pins_doc.data) if pins_doc else None
    if environment is not None:
        environment = with_monitoring(repo, environment, problems)
    if env_doc and environment and environment.name != env:
        problems.append(Problem(env_doc.path, f"name: '{environment.name}' must equal the folder "
                                f"name '{env}'", env_doc.line_of(("name",))))
    return problems, environment, pins


MONITORING_DEFAULTS = "environments/monitoring.yaml"


def with_monitoring(repo: Repository, environment: Environment,
                    problems: list[Problem]) -> Environment:
    """The environment with its monitoring (environments/<env>/monitoring.yaml over the shared
    defaults, docs/architecture.md §11); unchanged when the environment declares none."""
    path = repo.root / "environments" / environment.name / "monitoring.yaml"
    if not path.is_file():
        return environment
    own = _checked(repo, path, "monitoring", problems)
    defaults = _checked(repo, repo.root / MONITORING_DEFAULTS, "monitoring.defaults", problems)
    if own is None or defaults is None:
        return environment
    return replace(environment, monitoring=monitoring_spec(defaults.data, own.data))


def _checked(repo: Repository, path: Path, schema: str, problems: list[Problem]) -> YamlDoc | None:
    if not path.is_file():
        problems.append(Problem(repo.rel(path), f"missing; every environment needs its {path.name}"))
        return None
    try:
        doc = repo.load(path)
    except FatalError as exc:
        problems.extend(exc.problems or (Problem(repo.rel(path), str(exc)),))
        return None
    found = schemas.check(doc, schema)
    problems.extend(found)
    return None if found else doc


def to_environment(data: Mapping[str, Any]) -> Environment:
    """Model of a schema-valid environment.yaml."""
    promotion = data["promotion"]
    gates = promotion.get("gates") or {}
    sync = data["sync"]
    roles = (data["role"],) if isinstance(data["role"], str) else tuple(data["role"])
    return Environment(
        name=data["name"],
        account_id=data["aws"]["account_id"],
        region=data["aws"]["region"],
        buckets=Buckets(**data["buckets"]),
        role=roles[0],
        roles=roles,
        stacks=_stack_names(data.get("stacks")),
        managed_stacks=_stack_specs(data.get("stacks")),
        stack_role=str(data.get("stack_role") or ""),
        layers={k: LayerSpec(k, v["name"], tuple(v.get("compatible_runtimes", ())))
                for k, v in data["layers"].items()},
        functions={k: FunctionSpec(k, v["name"], tuple(v.get("layers", ())),
                                   dict(v.get("environment", {})),
                                   None if v.get("tags") is None else dict(v["tags"]))
                   for k, v in data["functions"].items()},
        tags=dict(data.get("tags", {})),
        promotion=Promotion(
            source=promotion.get("from"),
            allow_prerelease=bool(promotion.get("allow_prerelease", False)),
            gates=Gates(
                soak_days=int(gates.get("soak_days", 0)),
                e2e_required=bool(gates.get("e2e_required", False)),
                metrics=tuple(MetricGate(**m) for m in gates.get("metrics", ())),
            ),
        ),
        sync=Sync(
            prune=bool(sync.get("prune", False)),
            self_heal=bool(sync.get("self_heal", False)),
            managed_prefixes=tuple(sync.get("managed_prefixes", ("clients/", "canonical/"))),
            protected_prefixes=tuple(sync.get("protected_prefixes", ("backups/",))),
        ),
        snapshot_retention=int((data.get("snapshots") or {}).get("retention", 10)),
        deny_windows=tuple(
            DenyWindow(tuple(w["days"]), w["start"], w["end"], w.get("timezone", "UTC"), w["reason"])
            for w in data.get("deny_windows") or ()
        ),
        drift_ignore=tuple(IgnoreRule(r["resource"], r["reason"])
                           for r in (data.get("drift") or {}).get("ignore") or ()),
        name_exceptions=tuple(NameException(e["name"], e["reason"], e["added"])
                              for e in data.get("name_exceptions") or ()),
        waivers=tuple(Waiver(w["file"], w["rule"], w["reason"], w["added"], w.get("key", ""))
                      for w in data.get("waivers") or ()),
        client_moves=tuple(ClientMove(cid, m["from"], m["step"])
                           for cid, m in (data.get("client_moves") or {}).items()),
    )


def _stack_names(stacks: Any) -> tuple[str, ...]:
    """Every stack's name: the listed ones, or the names of the managed ones."""
    if isinstance(stacks, Mapping):
        return tuple(str(s["name"]) for s in stacks.values())
    return tuple(stacks or ())


def _stack_specs(stacks: Any) -> dict[str, StackSpec]:
    """The stacks this tool manages (`stacks` as a mapping; docs/architecture.md §10)."""
    if not isinstance(stacks, Mapping):
        return {}
    return {key: StackSpec(key, str(spec["name"]),
                           {p: _parameter(v) for p, v in (spec.get("parameters") or {}).items()},
                           None if spec.get("tags") is None else dict(spec["tags"]))
            for key, spec in stacks.items()}


def _parameter(value: Any) -> str | OutputRef:
    if isinstance(value, Mapping):
        stack, _, output = str(value["output"]).partition(".")
        return OutputRef(stack, output)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
