"""Roles and stacks as AWS has them, and the names that do not end with `-<env>`.

Roles are the execution roles of the functions (in function order). Stacks are those of git that
still exist, the stacks named `vectora-inbox-...-<env>`, and the stacks the functions' tags name.
A recorded name without the `-<env>` suffix becomes a name exception with its reason, so the name
rule of validate accepts it by exact name and nothing else (docs/architecture.md §8).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from vectora_gitops.aws import cloudformation
from vectora_gitops.aws.client import Aws
from vectora_gitops.errors import AwsError
from vectora_gitops.model import Environment, NameException
from vectora_gitops.observed import FunctionConfig

STACK_TAG = "aws:cloudformation:stack-name"
# <stack>-<LogicalId>-<random suffix>: a name CloudFormation generated for a resource.
GENERATED = re.compile(r"^(?P<stack>.+)-(?P<logical>[A-Za-z0-9]+)-(?P<random>[A-Za-z0-9]{8,})$")


@dataclass(frozen=True)
class Infra:
    roles: tuple[str, ...]
    stacks: tuple[str, ...]
    gone: tuple[str, ...]  # stacks of git that do not exist
    unlisted: str = ""  # why the stacks could not be listed (then git's are kept)


def adopt_infra(aws: Aws, env: Environment, configs: Mapping[str, FunctionConfig]) -> Infra:
    roles = tuple(dict.fromkeys(role_name(c.role) for c in configs.values() if c.role))
    tagged = [c.tags[STACK_TAG] for c in configs.values() if c.tags.get(STACK_TAG)]
    try:
        live = set(cloudformation.stack_names(aws))
    except AwsError as exc:  # ListStacks has no resource-level permission: often not granted
        stacks = tuple(dict.fromkeys([*env.stacks, *tagged]))
        return Infra(roles or (env.role,), stacks, (), str(exc))
    ours = [s for s in sorted(live) if s.startswith("vectora-inbox-") and
            s.endswith(f"-{env.name}")]
    stacks = tuple(dict.fromkeys([*(s for s in env.stacks if s in live), *ours, *tagged]))
    gone = tuple(s for s in env.stacks if s not in live)
    return Infra(roles or (env.role,), stacks, gone)


def role_name(arn: str) -> str:
    """`name` of arn:aws:iam::<account>:role[/path]/name."""
    return arn.rsplit("/", 1)[-1]


def exceptions(env: Environment, infra: Infra, layers: Mapping[str, list[str]],
               configs: Mapping[str, FunctionConfig], added: str) -> tuple[NameException, ...]:
    """The name exceptions the environment needs after import: the ones it had that are still
    names of it, and one for every recorded name without the `-<env>` suffix.
    `layers`: layer name -> functions carrying it."""
    suffix = f"-{env.name}"
    kept = {e.name: e for e in env.name_exceptions}
    out: dict[str, NameException] = {}
    for role in infra.roles:
        users = [k for k, c in configs.items() if role_name(c.role) == role]
        out[role] = NameException(role, _role_reason(role, infra.stacks, users), added)
    for stack in infra.stacks:
        users = [k for k, c in configs.items() if c.tags.get(STACK_TAG) == stack]
        out[stack] = NameException(stack, f"CloudFormation stack named without -{env.name}"
                                   + _of(users, "owns"), added)
    for name, users in layers.items():
        out[name] = NameException(name, f"layer published by hand without -{env.name}"
                                  + _of(users, "on"), added)
    return tuple(kept.get(n, e) for n, e in sorted(out.items()) if not n.endswith(suffix))


def _role_reason(role: str, stacks: tuple[str, ...], users: list[str]) -> str:
    match = GENERATED.match(role)
    if match and match["stack"] in stacks:
        return f"role named by CloudFormation (stack {match['stack']}, {match['logical']})"
    return "role named outside this tool" + _of(users, "used by")


def _of(users: list[str], verb: str) -> str:
    """`; <verb> a, b` (or a count when the names would make a long line)."""
    names = ", ".join(dict.fromkeys(users))
    if not users:
        return ""
    return f"; {verb} {names}" if len(names) <= 50 else f"; {verb} {len(set(users))} functions"
