"""CODEOWNERS coverage: the paths that decide what runs in prod, and the rules themselves, must be
owned by the right team, or "Require review from Code Owners" protects nothing.

GitHub reads the first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`; for a path the
last matching rule wins, and the approval of any one owner of that rule is enough. So each
required path must be matched last by a rule whose owners are exactly the required team.

The check runs when the repository looks like the GitHub repository: it has a `.github/` folder
or a CODEOWNERS file. Copies of the desired state alone (environments/, clients/, canonical/, as
tests and tools make them) have no ownership to check.
"""

from __future__ import annotations

import re
from pathlib import Path

from codeowners import CodeOwners

from vectora_gitops.errors import Problem

PROD_APPROVERS = "@vectora/prod-approvers"
ADMINS = "@vectora/admins"

# Where GitHub looks for the file, in its order: the first one found is the one used.
LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

# (path, owner): the path's last matching rule must name exactly this owner. `{codeowners}` is the
# CODEOWNERS file in use; a `*` in a path is expanded to the files present plus a new file, so a
# workflow added later is covered too.
REQUIRED: tuple[tuple[str, str], ...] = (
    ("environments/prod/environment.yaml", PROD_APPROVERS),
    ("environments/prod/pins.yaml", PROD_APPROVERS),
    ("{codeowners}", ADMINS),
    (".github/workflows/*.yml", ADMINS),
    (".github/workflows/*.yaml", ADMINS),
)
NEW_FILE = "new-file"


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
    return check_text(text, where=rel, paths=_paths(root, rel))


def check_text(text: str, *, where: str = "CODEOWNERS",
               paths: tuple[tuple[str, str], ...] | None = None) -> list[Problem]:
    """Problems of one CODEOWNERS text; `paths` default to REQUIRED with a new file for each `*`."""
    try:
        owners = CodeOwners(text)
    except (ValueError, re.error) as exc:  # e.g. an unterminated [class] in a pattern
        return [Problem(where, f"cannot parse: {exc}", 1)]
    problems: list[Problem] = []
    for path, required in paths if paths is not None else _paths(None, where):
        matched, line, pattern = _last_match(owners, path)
        names = [name for _, name in matched]
        wanted = required.lower()
        if wanted not in (n.lower() for n in names):
            if line is None:
                problems.append(Problem(where, f"{path}: no rule matches it, so {required} is not "
                                        f"its owner; add a rule '/{path} {required}'", 1))
            else:
                got = " ".join(names) or "no owner"
                problems.append(Problem(where, f"{path}: the last matching rule '{pattern}' gives "
                                        f"{got}, not {required} (the last matching rule wins); "
                                        f"make a rule owned by {required} match it, after any "
                                        "broader rule", line))
        elif len(names) > 1:
            others = " ".join(n for n in names if n.lower() != wanted)
            problems.append(Problem(where, f"{path}: rule '{pattern}' also names {others}; GitHub "
                                    f"accepts the approval of any one owner, so {required} would "
                                    "not be required: leave it the only owner", line))
    return problems


def _last_match(owners: CodeOwners, path: str) -> tuple[list[tuple[str, str]], int | None,
                                                        str | None]:
    matched, line, pattern, _section = owners.matching_line(path)
    return list(matched), line, pattern


def _paths(root: Path | None, codeowners_rel: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for path, owner in REQUIRED:
        path = path.replace("{codeowners}", codeowners_rel)
        if "*" not in path:
            out.append((path, owner))
            continue
        folder, _, pattern = path.rpartition("/")
        if root is not None and (root / folder).is_dir():
            out.extend((f"{folder}/{p.name}", owner)
                       for p in sorted((root / folder).glob(pattern)) if p.is_file())
        out.append((f"{folder}/{pattern.replace('*', NEW_FILE)}", owner))
    return tuple(dict.fromkeys(out))
