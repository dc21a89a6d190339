"""CODEOWNERS coverage (`validate`): prod paths owned by the prod approvers, CODEOWNERS and the
workflows by the admins, the last matching rule winning as on GitHub. Table-driven, no mocks."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import run
from vectora_gitops.desired.codeowners import ADMINS, PROD_APPROVERS, check, check_text

ROOT = Path(__file__).resolve().parents[1]
REAL = (ROOT / "CODEOWNERS").read_text(encoding="utf-8")

PROD_RULE = "/environments/prod/ @vectora/prod-approvers"
STAR_RULE = "*                   @vectora/maintainers"
ADMIN_RULES = ("/CODEOWNERS         @vectora/admins", "/.github/           @vectora/admins")
PROD_PATHS = ("environments/prod/environment.yaml", "environments/prod/pins.yaml")
ADMIN_PATHS = ("CODEOWNERS", ".github/workflows/pr.yml", ".github/workflows/new-file.yml")


def without(*rules: str) -> str:
    lines = REAL.splitlines()
    for rule in rules:
        assert rule in lines, f"{rule!r} is not a line of CODEOWNERS (it changed?)"
        lines.remove(rule)
    return "\n".join(lines) + "\n"


def star_last() -> str:
    """The general rule moved after the narrow ones: it matches everything last, so it wins."""
    return without(STAR_RULE) + STAR_RULE + "\n"


def line_in(text: str, rule: str) -> int:
    return text.splitlines().index(rule) + 1


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    failing: tuple[str, ...]  # paths that must be reported
    missing: str | None  # the owner each failing path lacks (None: extra owners)
    rule: str | None  # the CODEOWNERS line reported (None: line 1)


PATHS = (*((p, PROD_APPROVERS) for p in PROD_PATHS), *((p, ADMINS) for p in ADMIN_PATHS))

CASES = [
    Case("real file", REAL, (), None, None),
    Case("prod line removed", without(PROD_RULE), PROD_PATHS, PROD_APPROVERS, STAR_RULE),
    Case("* rule after the others", star_last(), PROD_PATHS + ADMIN_PATHS, None, STAR_RULE),
    Case("admin rules removed", without(*ADMIN_RULES), ADMIN_PATHS, ADMINS, STAR_RULE),
    Case("no rule at all", "# nothing\n", PROD_PATHS + ADMIN_PATHS, None, None),
    Case("prod rule narrowed to pins", without(PROD_RULE)
         + "/environments/prod/pins.yaml @vectora/prod-approvers\n",
         ("environments/prod/environment.yaml",), PROD_APPROVERS, STAR_RULE),
    Case("workflows only by a later maintainers rule", REAL + "/.github/workflows/ @vectora/maintainers\n",
         (".github/workflows/pr.yml", ".github/workflows/new-file.yml"), ADMINS,
         "/.github/workflows/ @vectora/maintainers"),
    Case("prod shared with the maintainers", REAL.replace(PROD_RULE, PROD_RULE + " @vectora/maintainers"),
         PROD_PATHS, None, PROD_RULE + " @vectora/maintainers"),
    Case("team names are case-insensitive", REAL.replace("@vectora/admins", "@Vectora/Admins"),
         (), None, None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_codeowners_coverage(case: Case) -> None:
    problems = check_text(case.text, paths=PATHS)
    assert sorted(p.message.split(":", 1)[0] for p in problems) == sorted(case.failing), problems
    want_line = line_in(case.text, case.rule) if case.rule else 1
    required = dict(PATHS)
    for problem in problems:
        path = problem.message.split(":", 1)[0]
        assert problem.where == "CODEOWNERS"
        assert problem.severity == "error"
        assert problem.line == want_line, str(problem)
        # names the path and the owner it lacks (or that must stay the only one)
        assert required[path] in problem.message, str(problem)
        if case.missing is not None:
            assert required[path] == case.missing
            assert f"not {case.missing}" in problem.message or "no rule matches" in problem.message
        else:
            assert "no rule matches" in problem.message or "last matching rule" in problem.message \
                or "any one owner" in problem.message


def test_real_repository_passes() -> None:
    assert check(ROOT) == []


def test_workflow_files_present_are_each_checked(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "extra.yaml").write_text("name: x\n", encoding="utf-8")
    (tmp_path / "CODEOWNERS").write_text(without(*ADMIN_RULES), encoding="utf-8")
    found = {p.message.split(":", 1)[0] for p in check(tmp_path)}
    assert found == {"CODEOWNERS", ".github/workflows/extra.yaml", ".github/workflows/new-file.yml",
                     ".github/workflows/new-file.yaml"}


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ({}, []),  # a copy of the desired state only: nothing to check
        ({".github/workflows/pr.yml": "name: pr\n"}, ["CODEOWNERS: missing"]),
        ({"CODEOWNERS": "* @vectora/maintainers\n"}, ["CODEOWNERS:1: environments/prod/"]),
        # GitHub uses .github/CODEOWNERS first: the good root file does not count then
        ({".github/CODEOWNERS": "* @vectora/maintainers\n", "CODEOWNERS": REAL},
         [".github/CODEOWNERS:1: environments/prod/"]),
        # the real file names /CODEOWNERS: in docs/ the file itself would be a maintainers' file
        ({"docs/CODEOWNERS": REAL}, ["docs/CODEOWNERS:5: docs/CODEOWNERS: the last matching rule"]),
        ({"docs/CODEOWNERS": REAL + "/docs/CODEOWNERS @vectora/admins\n"}, []),
    ],
    ids=["desired-state-only", "github-folder-without-codeowners", "root-file", "github-file-first",
         "docs-file-uncovered", "docs-file"],
)
def test_where_the_file_is(tmp_path: Path, layout: dict[str, str], expected: list[str]) -> None:
    for rel, text in layout.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    found = [str(p) for p in check(tmp_path)]
    if not expected:
        assert found == []
    for prefix in expected:
        assert any(line.startswith(prefix) for line in found), found


def test_validate_reports_codeowners(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, repo, "validate")
    assert code == 0, out  # make_repo copies no CODEOWNERS and no .github/: not checked
    shutil.copy(ROOT / "CODEOWNERS", repo / "CODEOWNERS")
    code, out, _ = run(capsys, repo, "validate")
    assert code == 0, out
    (repo / "CODEOWNERS").write_text(without(PROD_RULE), encoding="utf-8")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    line = line_in(without(PROD_RULE), STAR_RULE)
    assert (f"CODEOWNERS:{line}: environments/prod/pins.yaml: the last matching rule '*' gives "
            f"@vectora/maintainers, not {PROD_APPROVERS}") in err, err
