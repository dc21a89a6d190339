"""Error types users can act on; `cli.main` maps each to an exit code in one place."""

from __future__ import annotations

from dataclasses import dataclass


def cut(text: str, limit: int = 120) -> str:
    """`text` at most `limit` characters: a longer value ends with an ellipsis (no message
    prints a whole document)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One problem in a file or a resource: rendered as `where: message`."""

    where: str
    message: str
    line: int | None = None
    severity: str = "error"
    rule: str = ""  # kind of problem a waiver can name: duplicate-key, reference, schema

    def __str__(self) -> str:
        loc = f"{self.where}:{self.line}" if self.line else self.where
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{loc}: {prefix}{self.message}"


class FatalError(Exception):
    """Any failure that ends a command with exit code 1 and one clear line per problem."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    def lines(self) -> list[str]:
        if self.problems:
            return [str(p) for p in self.problems]
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
    record says `rolled back` (docs/architecture.md §10)."""

    record_result = "rolled back"


class StalePlanError(FatalError):
    """A saved plan no longer matches what AWS or git holds."""


class LockedError(FatalError):
    """Another run holds the environment's lock."""


class GitError(FatalError):
    """A git command failed or the working tree is not in the expected state."""
