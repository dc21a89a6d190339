"""The managed stacks of an environment as desired state: each one's pinned template, its
parameters checked against the template's Parameters, outputs wired between stacks and the
dependency order (a cycle is a validation error). Pure: files in, values and problems out
(docs/architecture.md §10)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.templates import Template, parse
from vectora_gitops.desired.yamlfile import read_bytes
from vectora_gitops.errors import FatalError, InputError, Problem
from vectora_gitops.model import DesiredStack, Environment, OutputRef, Pins, StackSpec


def template_path(key: str, version: str) -> str:
    return f"templates/{key}/{version}.yaml"


def template_versions(repo: Repository, key: str) -> list[str]:
    folder = repo.root / "templates" / key
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_template(repo: Repository, key: str, version: str) -> Template:
    rel = template_path(key, version)
    body = read_bytes(repo.root / rel, root=repo.root, display=rel)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{rel}: not UTF-8 text") from None
    return parse(text, path=rel)


def problems(repo: Repository, env: Environment, pins: Pins) -> list[Problem]:
    """Every problem of the environment's stacks (validate)."""
    return read_stacks(repo, env, pins)[0]


def read_stacks(repo: Repository, env: Environment, pins: Pins
                ) -> tuple[list[Problem], tuple[DesiredStack, ...]]:
    """The problems, and the stacks in dependency order when there are none."""
    env_file = f"environments/{env.name}/environment.yaml"
    pins_file = f"environments/{env.name}/pins.yaml"
    found: list[Problem] = []
    if pins.templates and not env.managed_stacks:
        return [Problem(pins_file, "templates: pinned, but environment.yaml `stacks` lists names "
                        "only; describe the stacks as a mapping (key: {name, parameters}) or "
                        "remove the templates pins")], ()
    templates: dict[str, Template] = {}
    for key, spec in env.managed_stacks.items():
        version = pins.templates.get(key)
        if version is None:
            found.append(Problem(pins_file, f"templates.{key}: no pin for the stack {spec.name} "
                                 f"(add `templates: {{{key}: <version>}}`, a folder of "
                                 f"templates/{key}/)"))
            continue
        try:
            templates[key] = load_template(repo, key, version)
        except FatalError as exc:
            found.extend(exc.problems or (Problem(pins_file, f"templates.{key}: {exc}"),))
    for key in sorted(pins.templates.keys() - env.managed_stacks.keys()):
        found.append(Problem(pins_file, f"templates.{key}: pinned but no stack `{key}` is "
                             "declared under stacks in environment.yaml"))
    for template in templates.values():
        found += ownership_problems(template)
    for key, spec in env.managed_stacks.items():
        if key in templates:
            found += _parameter_problems(env_file, spec, templates[key], templates,
                                         env.managed_stacks)
    order, cycle = _order(env.managed_stacks)
    if cycle:
        found.append(Problem(env_file, "stacks: the outputs they take form a cycle ("
                             f"{' -> '.join(cycle)}); a stack cannot wait for itself"))
    if found:
        return found, ()
    stacks = tuple(_desired(env, env.managed_stacks[k], templates[k], pins.templates[k])
                   for k in order)
    return name_problems(env, stacks), stacks


# The name property of the resources environment.yaml also names (buckets, functions, roles).
NAMED = {"AWS::S3::Bucket": "BucketName", "AWS::Lambda::Function": "FunctionName",
         "AWS::IAM::Role": "RoleName"}


def created_names(stacks: tuple[DesiredStack, ...]) -> dict[str, set[str]]:
    """resource type -> the names the stacks give (a plain string or a `Fn::Sub` of the stack's
    own parameters; other forms are not evaluated)."""
    out: dict[str, set[str]] = {t: set() for t in NAMED}
    for stack in stacks:
        for res in stack.resources.values():
            prop = NAMED.get(res.type)
            value = res.properties.get(prop) if prop else None
            name = _evaluated(value, stack.parameters)
            if prop and name:
                out[res.type].add(name)
    return out


def _evaluated(value: object, params: Mapping[str, str | OutputRef]) -> str | None:
    if isinstance(value, Mapping) and set(value) == {"Fn::Sub"}:
        value = value["Fn::Sub"]
    if not isinstance(value, str):
        return None
    out = value
    for name in re.findall(r"\$\{([^}!]+)\}", value):
        given = params.get(name)
        if not isinstance(given, str):
            return None
        out = out.replace("${" + name + "}", given)
    return out


def name_problems(env: Environment, stacks: tuple[DesiredStack, ...]) -> list[Problem]:
    """The buckets, functions and roles environment.yaml names are those its stacks create
    (checked for each kind the stacks create at all): one name, one owner."""
    where = f"environments/{env.name}/environment.yaml"
    made = created_names(stacks)
    named = [("AWS::S3::Bucket", f"buckets.{k}", v) for k, v in vars(env.buckets).items()]
    named += [("AWS::Lambda::Function", f"functions.{k}.name", f.name)
              for k, f in env.functions.items()]
    named += [("AWS::IAM::Role", "role", r) for r in env.roles or (env.role,)]
    return [Problem(where, f"{key}: {value} is not a name its stacks create (they create "
                    f"{', '.join(sorted(made[kind]))}); make the two agree")
            for kind, key, value in named if made[kind] and value not in made[kind]]


# Function properties this tool's function reconcile owns (README, Stacks): a template setting
# them would undo what apply sets at every stack update, and apply would undo the template.
RECONCILED = {"AWS::Lambda::Function": ("Layers", "Environment")}


def ownership_problems(template: Template) -> list[Problem]:
    return [Problem(template.path, f"Resources.{res.logical_id}.Properties.{prop}: owned by the "
                    "function reconcile (pins.yaml layers, environment.yaml functions.<f>."
                    "environment); remove it from the template so that neither undoes the other")
            for res in template.resources.values() for prop in RECONCILED.get(res.type, ())
            if prop in res.properties]


def _parameter_problems(where: str, spec: StackSpec, template: Template,
                        templates: Mapping[str, Template],
                        specs: Mapping[str, StackSpec]) -> list[Problem]:
    out = []
    known = ", ".join(sorted(template.parameters)) or "none"
    for name, value in spec.parameters.items():
        at = f"stacks.{spec.key}.parameters.{name}"
        if name not in template.parameters:
            out.append(Problem(where, f"{at}: not a parameter of {template.path} (its parameters: "
                               f"{known})"))
        if not isinstance(value, OutputRef):
            continue
        if value.stack == spec.key:
            out.append(Problem(where, f"{at}: takes an output of its own stack"))
        elif value.stack not in specs:
            out.append(Problem(where, f"{at}: output {value.text()}: no stack `{value.stack}` "
                               f"under stacks (stacks: {', '.join(sorted(specs))})"))
        elif value.stack in templates and value.output not in templates[value.stack].outputs:
            outputs = ", ".join(templates[value.stack].outputs) or "none"
            out.append(Problem(where, f"{at}: output {value.text()}: "
                               f"{templates[value.stack].path} has no output {value.output} "
                               f"(its outputs: {outputs})"))
    for name, default in sorted(template.parameters.items()):
        if default is None and name not in spec.parameters:
            out.append(Problem(where, f"stacks.{spec.key}.parameters: {name} is required by "
                               f"{template.path} (it has no Default)"))
    return out


def _order(specs: Mapping[str, StackSpec]) -> tuple[list[str], list[str]]:
    """(keys in dependency order, a cycle if any); unknown stacks are left to other checks."""
    order: list[str] = []
    state: dict[str, str] = {}
    for start in sorted(specs):
        cycle = _visit(start, specs, state, order, [])
        if cycle:
            return [], cycle
    return order, []


def _visit(key: str, specs: Mapping[str, StackSpec], state: dict[str, str], order: list[str],
           path: list[str]) -> list[str]:
    if state.get(key) == "done" or key not in specs:
        return []
    if state.get(key) == "open":
        return [*path[path.index(key):], key]
    state[key] = "open"
    for dep in specs[key].depends_on():
        cycle = _visit(dep, specs, state, order, [*path, key])
        if cycle:
            return cycle
    state[key] = "done"
    order.append(key)
    return []


def _desired(env: Environment, spec: StackSpec, template: Template, version: str) -> DesiredStack:
    params: dict[str, str | OutputRef] = {k: v for k, v in template.parameters.items()
                                          if v is not None}
    params.update(spec.parameters)
    return DesiredStack(key=spec.key, name=spec.name, template_version=version,
                        body=template.body, sha256=template.sha256,
                        parameters=dict(sorted(params.items())),
                        tags=dict(env.tags if spec.tags is None else spec.tags),
                        resources=template.resources, outputs=template.outputs,
                        protect=env.termination_protected, source=template.path)
