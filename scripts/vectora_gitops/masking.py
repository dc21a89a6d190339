"""Environment variable values as every output shows them (docs/architecture.md §9).

A value is shown only when git holds it for that function and its name does not say secret;
any other (a variable set or changed by hand, which only AWS holds, or one named like a key,
token, secret, password or credential) is shown as `***sha256:<first 8 hex of its sha256>`, so a
reader still sees that it changed, and which way, without seeing it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")
PREFIX = "***sha256:"
_MASKED = re.compile(r"\*\*\*sha256:[0-9a-f]{8}")


def secret_name(name: str) -> bool:
    """The name says secret (case-insensitive): `API_KEY`, `github_token`, `DbPassword`."""
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS)


def is_masked(value: str) -> bool:
    return _MASKED.fullmatch(value) is not None


def mask(value: str) -> str:
    """`***sha256:1a2b3c4d`; a value already masked stays as it is."""
    if is_masked(value):
        return value
    return PREFIX + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def git_value(name: str, value: str) -> str:
    """A value git holds: shown, unless its name says secret."""
    return mask(value) if secret_name(name) else value


def aws_value(name: str, value: str, git: Mapping[str, str]) -> str:
    """A value AWS holds: shown only when git holds the same value for that name (`git`: the
    function's variables in environment.yaml) and the name does not say secret."""
    return value if git.get(name) == value and not secret_name(name) else mask(value)


def aws_env(env: Mapping[str, str], git: Mapping[str, str]) -> dict[str, str]:
    return {name: aws_value(name, value, git) for name, value in env.items()}


def same(shown: str, value: str) -> bool:
    """Whether a value as shown (masked or not) stands for `value`."""
    return shown in (value, mask(value))
