"""CODEOWNERS coverage (`validate`): every path that decides what reaches prod owned by a trusted
team (the prod files by the prod approvers only, CODEOWNERS and CI by the admins only, the other
environment folders, the package, its build and install files and the CI entry points by either),
the last matching rule winning as on GitHub. Table-driven, no mocks."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers_repo import git
from support import run
from vectora_gitops.desired.codeowners import (
    ADMINS,
    PROD_APPROVERS,
    REQUIRED,
    Required,
    check,
    check_text,
    paths_to_check,
)

ROOT = Path(__file__).resolve().parents[1]
REAL = (ROOT / "CODEOWNERS").read_text(encoding="utf-8")

ENV_RULE = "/environments/      @vectora/prod-approvers"
STAR_RULE = "*                   @vectora/maintainers"
ADMIN_RULES = ("/CODEOWNERS         @vectora/admins", "/.github/           @vectora/admins")
CODE_RULES = ("/scripts/           @vectora/admins", "/pyproject.toml     @vectora/admins",
              "/requirements/      @vectora/admins", "/bin/               @vectora/admins",
              "/.ci/               @vectora/admins")
PROD_ONLY = Required("environments/prod/pins.yaml", (PROD_APPROVERS,))
ADMINS_ONLY = Required("CODEOWNERS", (ADMINS,))
ENVIRONMENTS = Required("environments/*/pins.yaml", (PROD_APPROVERS, ADMINS))
CODE = Required("scripts/**/*", (ADMINS, PROD_APPROVERS))
PROD_PATHS = ("environments/prod/environment.yaml", "environments/prod/pins.yaml")
ADMIN_PATHS = ("CODEOWNERS", ".github/workflows/pr.yml", ".github/workflows/new-file.yml")
ENV_PATHS = ("environments/stage/pins.yaml", "environments/qa/pins.yaml")
CODE_PATHS = ("scripts/vectora_gitops/cli.py", "pyproject.toml", "bin/test")


def without(*rules: str, text: str = REAL) -> str:
    lines = text.splitlines()
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
    missing: bool  # True: the trusted owners are missing; False: an untrusted owner is added
    rule: str | None  # the CODEOWNERS line reported (None: line 1)


PATHS: tuple[tuple[str, Required], ...] = (
    *((p, Required(p, (PROD_APPROVERS,))) for p in PROD_PATHS),
    *((p, Required(p, (ADMINS,))) for p in ADMIN_PATHS),
    *((p, ENVIRONMENTS) for p in ENV_PATHS),
    *((p, CODE) for p in CODE_PATHS),
)
ALL = tuple(p for p, _ in PATHS)

CASES = [
    Case("real file", REAL, (), True, None),
    Case("environments line removed", without(ENV_RULE), PROD_PATHS + ENV_PATHS, True, STAR_RULE),
    Case("* rule after the others", star_last(), ALL, True, STAR_RULE),
    Case("admin rules removed", without(*ADMIN_RULES), ADMIN_PATHS, True, STAR_RULE),
    Case("code rules removed", without(*CODE_RULES), CODE_PATHS, True, STAR_RULE),
    Case("no rule at all", "# nothing\n", ALL, True, None),
    Case("environments narrowed to prod", without(ENV_RULE)
         + "/environments/prod/ @vectora/prod-approvers\n", ENV_PATHS, True, STAR_RULE),
    Case("prod narrowed to its pins", without(ENV_RULE)
         + "/environments/ @vectora/admins\n/environments/prod/pins.yaml @vectora/prod-approvers\n",
         ("environments/prod/environment.yaml",), True, "/environments/ @vectora/admins"),
    Case("workflows only by a later maintainers rule", REAL + "/.github/workflows/ @vectora/maintainers\n",
         (".github/workflows/pr.yml", ".github/workflows/new-file.yml"), True,
         "/.github/workflows/ @vectora/maintainers"),
    Case("engine given back to the maintainers", REAL + "/scripts/vectora_gitops/ @vectora/maintainers\n",
         ("scripts/vectora_gitops/cli.py",), True, "/scripts/vectora_gitops/ @vectora/maintainers"),
    Case("environments shared with the maintainers",
         REAL.replace(ENV_RULE, ENV_RULE + " @vectora/maintainers"),
         PROD_PATHS + ENV_PATHS, False, ENV_RULE + " @vectora/maintainers"),
    Case("code shared with the maintainers",
         REAL.replace(CODE_RULES[0], CODE_RULES[0] + " @vectora/maintainers"),
         ("scripts/vectora_gitops/cli.py",), False, CODE_RULES[0] + " @vectora/maintainers"),
    # Either trusted team may own a non-prod environment or the code, not the prod files.
    Case("stage by the admins, code by the prod approvers",
         REAL + "/environments/stage/ @vectora/admins\n/scripts/ @vectora/prod-approvers\n",
         (), True, None),
    Case("prod by the admins", REAL + "/environments/prod/ @vectora/admins\n", PROD_PATHS, True,
         "/environments/prod/ @vectora/admins"),
    Case("team names are case-insensitive", REAL.replace("@vectora/admins", "@Vectora/Admins"),
         (), True, None),
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
        # names the path and the owner(s) it lacks (or that must stay the only ones)
        assert required[path].display in problem.message, str(problem)
        if case.missing:
            assert f"not {required[path].display}" in problem.message \
                or "no rule matches" in problem.message, str(problem)
        else:
            assert "any one owner" in problem.message and "@vectora/maintainers" in problem.message


def test_real_repository_passes() -> None:
    assert check(ROOT) == []


def test_every_file_that_decides_what_reaches_prod_is_checked() -> None:
    """The repository's own files are expanded, plus a probe for a file or folder added later."""
    checked = dict(paths_to_check(ROOT, "CODEOWNERS"))
    tracked = git(ROOT, "ls-files", "scripts", "bin", ".ci", ".github", "environments",
                  "requirements", "pyproject.toml", "CODEOWNERS").split()
    assert tracked and set(tracked) <= set(checked), set(tracked) - set(checked)
    assert checked["environments/prod/pins.yaml"].owners == (PROD_APPROVERS,)
    assert checked["environments/dev/pins.yaml"].owners == (PROD_APPROVERS, ADMINS)
    assert checked["scripts/vectora_gitops/schemas/pins.schema.json"].owners == (ADMINS, PROD_APPROVERS)
    assert checked["requirements/apply.txt"].owners == (ADMINS, PROD_APPROVERS)
    assert checked[".github/workflows/pr.yml"].owners == (ADMINS,)
    for probe in ("environments/new-folder/pins.yaml", "environments/new-folder/environment.yaml",
                  "scripts/new-folder/new-file", ".github/workflows/new-file.yml",
                  ".github/new-folder/new-file", "bin/new-file", ".ci/new-file",
                  "requirements/new-file"):
        assert probe in checked, probe
    assert not any("__pycache__" in p for p in checked)
    assert [r.pattern for r in REQUIRED][:2] == list(PROD_PATHS)


def test_workflow_files_present_are_each_checked(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "extra.yaml").write_text("name: x\n", encoding="utf-8")
    (tmp_path / "CODEOWNERS").write_text(without(*ADMIN_RULES), encoding="utf-8")
    found = {p.message.split(":", 1)[0] for p in check(tmp_path)}
    assert found == {"CODEOWNERS", ".github/workflows/extra.yaml", ".github/workflows/new-file.yml",
                     ".github/workflows/new-file.yaml", ".github/new-folder/new-file"}


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
        ({"docs/CODEOWNERS": REAL},
         [f"docs/CODEOWNERS:{line_in(REAL, STAR_RULE)}: docs/CODEOWNERS: the last matching rule"]),
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


# ---- `validate` per path: losing the rule that covers it fails, naming it --------------------

# (path created in the repository, the rule of the real CODEOWNERS that covers it, its owners)
PER_PATH = [
    ("scripts/vectora_gitops/render/plan.py", CODE_RULES[0], CODE.display),
    ("scripts/vectora_gitops/schemas/pins.schema.json", CODE_RULES[0], CODE.display),
    ("pyproject.toml", CODE_RULES[1], CODE.display),
    ("requirements/apply.txt", CODE_RULES[2], CODE.display),
    ("bin/test", CODE_RULES[3], CODE.display),
    (".ci/run", CODE_RULES[4], CODE.display),
    ("CODEOWNERS", ADMIN_RULES[0], ADMINS_ONLY.display),
    (".github/workflows/reconcile.yml", ADMIN_RULES[1], ADMINS_ONLY.display),
    (".github/scripts/tip-of-main.sh", ADMIN_RULES[1], ADMINS_ONLY.display),
    ("environments/prod/pins.yaml", ENV_RULE, PROD_ONLY.display),
    ("environments/stage/pins.yaml", ENV_RULE, ENVIRONMENTS.display),
    ("environments/dev/environment.yaml", ENV_RULE, ENVIRONMENTS.display),
]


def _github_repo(repo: Path, codeowners: str, *extra: str) -> None:
    """`repo` (the desired state) with CODEOWNERS, a workflow and the files `extra`."""
    (repo / "CODEOWNERS").write_text(codeowners, encoding="utf-8")
    for rel in (".github/workflows/pr.yml", *extra):
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text("# stand-in\n", encoding="utf-8")


@pytest.mark.parametrize(("path", "rule", "owners"), PER_PATH, ids=[p[0] for p in PER_PATH])
def test_validate_fails_when_the_rule_of_a_path_is_lost(
        capsys: pytest.CaptureFixture[str], repo: Path, path: str, rule: str, owners: str) -> None:
    _github_repo(repo, REAL, path)
    code, out, err = run(capsys, repo, "validate")
    assert code == 0, out + err
    _github_repo(repo, without(rule), path)
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    line = line_in(without(rule), STAR_RULE)
    assert (f"CODEOWNERS:{line}: {path}: the last matching rule '*' gives @vectora/maintainers, "
            f"not {owners}") in err, err


def test_a_new_environment_folder_is_covered(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    """`environments/qa/` is covered by `/environments/`; rules naming each environment folder
    leave it (and any environment added later) to the maintainers, and validate says so."""
    shutil.copytree(repo / "environments" / "dev", repo / "environments" / "qa")
    per_env = without(ENV_RULE) + "".join(f"/environments/{e}/ @vectora/prod-approvers\n"
                                          for e in ("dev", "stage", "prod"))
    _github_repo(repo, per_env)
    problems = [str(p) for p in check(repo)]
    line = line_in(per_env, STAR_RULE)
    for rel in ("environments/qa/environment.yaml", "environments/qa/pins.yaml",
                "environments/new-folder/pins.yaml"):
        want = (f"CODEOWNERS:{line}: {rel}: the last matching rule '*' gives @vectora/maintainers, "
                f"not {ENVIRONMENTS.display}")
        assert any(p.startswith(want) for p in problems), problems
    assert not any("environments/dev/" in p or "environments/prod/" in p for p in problems), problems
    _github_repo(repo, REAL)
    assert [p for p in check(repo) if "environments/" in p.message] == []


def test_validate_reports_codeowners(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, repo, "validate")
    assert code == 0, out  # make_repo copies no CODEOWNERS and no .github/: not checked
    shutil.copy(ROOT / "CODEOWNERS", repo / "CODEOWNERS")
    code, out, _ = run(capsys, repo, "validate")
    assert code == 0, out
    (repo / "CODEOWNERS").write_text(without(ENV_RULE), encoding="utf-8")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1
    line = line_in(without(ENV_RULE), STAR_RULE)
    assert (f"CODEOWNERS:{line}: environments/prod/pins.yaml: the last matching rule '*' gives "
            f"@vectora/maintainers, not {PROD_APPROVERS}") in err, err
