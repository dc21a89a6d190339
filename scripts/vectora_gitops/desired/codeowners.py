"""CODEOWNERS coverage: everything that decides what reaches prod (every environment folder, the
package and its schemas, how it is built and installed, the CI entry points and workflows) and
the rules themselves must be owned by a trusted team, or "Require review from Code Owners"
protects nothing (docs/architecture.md §7).

GitHub reads the first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`; for a path the
last matching rule wins, and the approval of any one owner of that rule is enough. So each
required path must be matched last by a rule whose owners are all trusted for it: one more owner
(say the maintainers) would make the trusted team's review optional.

The check runs when the repository looks like the GitHub repository: it has a `.github/` folder
or a CODEOWNERS file. Copies of the desired state alone (environments/, clients/, canonical/, as
tests and tools make them) have no ownership to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from codeowners import CodeOwners

from vectora_gitops.errors import Problem

PROD_APPROVERS = "@vectora/prod-approvers"
ADMINS = "@vectora/admins"

# Where GitHub looks for the file, in its order: the first one found is the one used.
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

# A `*` in a folder of a pattern stands for a folder added later, a `*` in the file name for a
# file added later: both are checked as well as the files present.
NEW_FOLDER = "new-folder"
NEW_FILE = "new-file"
SKIPPED_PARTS = ("__pycache__",)  # never committed (.gitignore): not checked


@dataclass(frozen=True)
class Required:
    """`pattern` (a path; `*` is one name, `**` any folders, `{codeowners}` the file in use) must
    be matched last by a rule whose owners are among `owners` (the first is the one suggested)."""

    pattern: str
    owners: tuple[str, ...]

    @property
    def display(self) -> str:
        return " or ".join(self.owners)


# The first requirement of a path is the one checked (the prod files stay prod-approvers only).
REQUIRED: tuple[Required, ...] = (
    # What runs in prod: its pins and environment file, reviewed by a prod approver.
    Required("environments/prod/environment.yaml", (PROD_APPROVERS,)),
    Required("environments/prod/pins.yaml", (PROD_APPROVERS,)),
    # prod's monitoring and the thresholds every environment shares (its bake and alarms)
    Required("environments/prod/monitoring.yaml", (PROD_APPROVERS,)),
    Required("environments/monitoring.yaml", (PROD_APPROVERS,)),
    # The rules themselves and what CI runs with the roles and the tokens: the admins.
    Required("{codeowners}", (ADMINS,)),
    Required(".github/workflows/*.yml", (ADMINS,)),
    Required(".github/workflows/*.yaml", (ADMINS,)),
    Required(".github/**/*", (ADMINS,)),
    # Every environment folder, a new one too: stage's records decide what prod may run.
    Required("environments/*/environment.yaml", (PROD_APPROVERS, ADMINS)),
    Required("environments/*/pins.yaml", (PROD_APPROVERS, ADMINS)),
    Required("environments/*/*", (PROD_APPROVERS, ADMINS)),
    # The code that turns git into AWS calls (its schemas included) and how it is built,
    # installed and run in CI: a renderer change changes what prod receives.
    Required("scripts/**/*", (ADMINS, PROD_APPROVERS)),
    Required("pyproject.toml", (ADMINS, PROD_APPROVERS)),
    Required("requirements/*", (ADMINS, PROD_APPROVERS)),
    Required("bin/*", (ADMINS, PROD_APPROVERS)),
    Required(".ci/*", (ADMINS, PROD_APPROVERS)),
)


def locate(root: Path) -> Path | None:
    """The CODEOWNERS file GitHub would use, or None."""
    for rel in LOCATIONS:
        if (root / rel).is_file():
            return root / rel
    return None


def applies(root: Path) -> bool:
    """Whether `root` is a GitHub repository checkout (not a copy of the desired state only)."""
    return (root / ".github").is_dir() or locate(root) is not None


def check(root: Path) -> list[Problem]:
    """Problems of the CODEOWNERS file of the repository at `root` (none if the check does not apply)."""
    if not applies(root):
        return []
    found = locate(root)
    if found is None:
        return [Problem("CODEOWNERS", "missing: add a CODEOWNERS file (root or .github/) so prod "
                        f"pins need {PROD_APPROVERS} and workflows need {ADMINS}")]
    rel = found.relative_to(root).as_posix()
    try:
        text = found.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(rel, f"cannot read: {exc}", 1)]
    return check_text(text, where=rel, paths=paths_to_check(root, rel))


def check_text(text: str, *, where: str = "CODEOWNERS",
               paths: tuple[tuple[str, Required], ...] | None = None) -> list[Problem]:
    """Problems of one CODEOWNERS text; `paths` default to REQUIRED's probes (no files present)."""
    try:
        owners = CodeOwners(text)
    except (ValueError, re.error) as exc:  # e.g. an unterminated [class] in a pattern
        return [Problem(where, f"cannot parse: {exc}", 1)]
    problems: list[Problem] = []
    for path, required in paths if paths is not None else paths_to_check(None, where):
        problem = _problem(owners, path, required, where)
        if problem is not None:
            problems.append(problem)
    return problems


def _problem(owners: CodeOwners, path: str, required: Required, where: str) -> Problem | None:
    matched, line, pattern, _section = owners.matching_line(path)
    names = [name for _, name in matched]
    allowed = {o.lower() for o in required.owners}
    trusted = [n for n in names if n.lower() in allowed]
    others = [n for n in names if n.lower() not in allowed]
    if line is None:
        return Problem(where, f"{path}: no rule matches it, so {required.display} is not its "
                       f"owner; add a rule '/{path} {required.owners[0]}'", 1)
    if not trusted:
        got = " ".join(names) or "no owner"
        return Problem(where, f"{path}: the last matching rule '{pattern}' gives {got}, not "
                       f"{required.display} (the last matching rule wins); make a rule owned by "
                       f"{required.display} match it, after any broader rule", line)
    if others:
        return Problem(where, f"{path}: rule '{pattern}' also names {' '.join(others)}; GitHub "
                       f"accepts the approval of any one owner, so {required.display} would not "
                       f"be required: leave only {required.display}", line)
    return None


def paths_to_check(root: Path | None, codeowners_rel: str) -> tuple[tuple[str, Required], ...]:
    """Each required path with its requirement: the files present under `root` that a pattern
    matches, plus one probe per pattern for a folder or file added later."""
    out: dict[str, Required] = {}
    for required in REQUIRED:
        pattern = required.pattern.replace("{codeowners}", codeowners_rel)
        for path in (*_present(root, pattern), _probe(pattern)):
            out.setdefault(path, required)
    return tuple(out.items())


def _probe(pattern: str) -> str:
    *folders, name = pattern.split("/")
    folders = [NEW_FOLDER if "*" in part else part for part in folders]
    return "/".join([*folders, name.replace("*", NEW_FILE)])


def _present(root: Path | None, pattern: str) -> list[str]:
    if root is None or "*" not in pattern:
        return []
    return [p.relative_to(root).as_posix() for p in sorted(root.glob(pattern))
            if p.is_file() and not any(part in SKIPPED_PARTS or part.endswith(".egg-info")
                                       for part in p.relative_to(root).parts)]
