"""`import --stacks`: adopt the stacks an environment lists by name (made by hand) as managed
stacks (docs/architecture.md §10), so that they come under git without being replaced: each
stack's template as CloudFormation holds it becomes a template version pinned in that
environment (`templates/<key>/<version>.yaml`), its parameters and tags go to environment.yaml,
and a parameter whose value is another adopted stack's output takes that output. Reads AWS only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from vectora_gitops.adopt.run import Imported
from vectora_gitops.aws import cloudformation
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import yamledit
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.desired.stacks import ownership_problems, template_path, template_versions
from vectora_gitops.desired.templates import parse
from vectora_gitops.desired.yamledit import Value
from vectora_gitops.engine import guards
from vectora_gitops.model import Environment
from vectora_gitops.observed import ObservedStack

KEY = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
MASKED = "****"  # what DescribeStacks shows of a NoEcho parameter


def stack_key(name: str, env: str) -> str:
    """`vectora-inbox-s0-core-dev` -> `s0-core` (the template folder)."""
    key = name.removeprefix("vectora-inbox-").removesuffix(f"-{env}").lower()
    return re.sub(r"[^a-z0-9-]", "-", key)


def import_stacks(repo: Repository, name: str) -> Imported:
    env, pins = load_env(repo, name)
    aws = Aws(env.region)
    guards.check_account(aws, env)
    result = Imported(name)
    live: dict[str, ObservedStack] = {}
    for stack in env.stacks:
        found = cloudformation.describe_stack(aws, stack)
        if found is None:
            result.warnings.append(f"stacks: {stack} does not exist in {name}; not adopted")
            continue
        key = stack_key(stack, name)
        if not KEY.match(key) or key in live:
            result.errors.append(f"stacks: {stack}: no template folder name can be made of it "
                                 f"({key!r}); adopt it by hand")
            continue
        live[key] = found
    if result.errors or not live:
        result.todo.append("nothing adopted" if not result.errors else "fix the problems above")
        return result
    versions = {key: _write_template(repo, key, stack, name, result)
                for key, stack in live.items()}
    _edit_environment(repo, env, live, result)
    _edit_pins(repo, name, versions, pins.templates, result)
    result.todo += [f"`vectora-gitops plan --env {name}`: the stacks are in sync (no change set "
                    "is made for a stack whose template, parameters and tags equal git's)",
                    "open a pull request with the templates and the two files"]
    return result


def _write_template(repo: Repository, key: str, stack: ObservedStack, env: str,
                    result: Imported) -> str:
    """The version holding the stack's template: an existing one with the same text, else a new
    prerelease `0.0.0-adopted.<env>[.<n>]` (a release is made of it with a pull request)."""
    for version in template_versions(repo, key):
        if (repo.root / template_path(key, version)).read_text(encoding="utf-8") == \
                stack.template_body:
            result.adopted.append(f"stack {stack.name}: template {template_path(key, version)} "
                                  "(already in git)")
            return version
    existing = set(template_versions(repo, key))
    version = f"0.0.0-adopted.{env}"
    for n in range(2, 1000):
        if version not in existing:
            break
        version = f"0.0.0-adopted.{env}.{n}"
    path = repo.root / template_path(key, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stack.template_body, encoding="utf-8")
    for problem in ownership_problems(parse(stack.template_body, path=template_path(key, version))):
        result.errors.append(f"{problem}: edit the adopted file before planning; the stack update "
                             "then clears the property and the same apply sets git's values "
                             "right after it (functions come after stacks)")
    result.written.append(template_path(key, version))
    result.adopted.append(f"stack {stack.name}: template {template_path(key, version)}")
    return version


def _parameters(key: str, stack: ObservedStack, live: Mapping[str, ObservedStack],
                result: Imported) -> dict[str, Value]:
    """The stack's parameters; a value another adopted stack gives as an output takes it."""
    outputs = {value: f"{other}.{out}" for other, s in live.items() if other != key
               for out, value in sorted(s.outputs.items())}
    params: dict[str, Value] = {}
    for name, value in sorted(stack.parameters.items()):
        if value == MASKED:
            result.errors.append(f"stacks: {stack.name}: parameter {name} is NoEcho (AWS shows "
                                 "****); write its value or its source by hand")
        params[name] = {"output": outputs[value]} if value in outputs else value
    return params


def _edit_environment(repo: Repository, env: Environment, live: Mapping[str, ObservedStack],
                      result: Imported) -> None:
    path = repo.env_dir(env.name) / "environment.yaml"
    display = repo.rel(path)
    stacks: dict[str, Value] = {}
    for key, stack in live.items():
        spec: dict[str, Value] = {"name": stack.name,
                                  "parameters": _parameters(key, stack, live, result)}
        if dict(stack.tags) != dict(env.tags):
            spec["tags"] = dict(sorted(stack.tags.items()))
            result.warnings.append(f"stacks: {stack.name}: its tags differ from environment.yaml "
                                   "tags; recorded as the stack's own")
        stacks[key] = spec
    text = path.read_text(encoding="utf-8")
    path.write_text(yamledit.set_value(text, ("stacks",), stacks, display=display),
                    encoding="utf-8")
    result.written.append(display)


def _edit_pins(repo: Repository, env: str, versions: Mapping[str, str],
               before: Mapping[str, str], result: Imported) -> None:
    if dict(versions) == dict(before):
        return
    path = repo.env_dir(env) / "pins.yaml"
    display = repo.rel(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(yamledit.set_mapping(text, ("templates",), dict(versions), display=display),
                    encoding="utf-8")
    result.written.append(display)
