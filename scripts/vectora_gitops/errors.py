"""Error types users can act on; `cli.main` maps each to an exit code in one place."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


def cut(text: str, limit: int = 120) -> str:
    """`text` at most `limit` characters: a longer value ends with an ellipsis (no message
    prints a whole document)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name `name` was most likely meant to be: the same letters in another case, else
    the closest by `difflib` (None when nothing is close)."""
    names = sorted(set(known))
    same_case = [k for k in names if k.lower() == name.lower()]
    if same_case:
        return same_case[0]
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if found:
        return found[0]
    lowered = name.lower()  # `production` for `prod`: one name starts the other
    starts = [k for k in names if min(len(k), len(lowered)) >= 3
              and (lowered.startswith(k.lower()) or k.lower().startswith(lowered))]
    return starts[0] if len(starts) == 1 else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`; did you mean 'x'?` naming the closest known name, or '' when none is close."""
    found = closest(name, known)
    return f"; did you mean '{found}'?" if found is not None and found != name else ""


@dataclass(frozen=True)
class Problem:
    """One problem in a file or a resource: rendered as `where:line: message` (with the column,
    `where:line:col: message`, and the source line with a caret under it when it has them)."""

    where: str
    message: str
    line: int | None = None
    severity: str = "error"
    rule: str = ""  # kind of problem a waiver can name: duplicate-key, reference, schema
    column: int | None = None  # 1-based
    excerpt: tuple[str, ...] = ()  # the source line and the caret, already made printable

    def __str__(self) -> str:
        loc = f"{self.where}:{self.line}" if self.line else self.where
        loc += f":{self.column}" if self.line and self.column else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{loc}: {prefix}{self.message}"

    def lines(self) -> list[str]:
        """The problem's line, then its excerpt (for a terminal)."""
        return [str(self), *self.excerpt]


class FatalError(Exception):
    """Any failure that ends a command with exit code 1 and one clear line per problem."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    def lines(self) -> list[str]:
        if self.problems:
            return [line for p in self.problems for line in p.lines()]
        return [str(self)]


class UsageError(FatalError):
    """A command line that cannot be run as written."""


class InputError(FatalError):
    """A file of the repository is invalid (syntax, schema, references)."""


class AwsError(FatalError):
    """An AWS call failed: names the call and the resource."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class GuardError(FatalError):
    """A safety guard refused the operation (account, names, versioning, prune)."""


class RolledBackError(FatalError):
    """An apply whose bake saw an alarm: AWS was put back to the pre-apply snapshot and the run's
    record says `rolled back` (docs/architecture.md §11)."""

    record_result = "rolled back"


class StalePlanError(FatalError):
    """A saved plan no longer matches what AWS or git holds."""


class LockedError(FatalError):
    """Another run holds the environment's lock."""


class GitError(FatalError):
    """A git command failed or the working tree is not in the expected state."""
