"""Bad input never reaches AWS: every case of the validate catalogue, fed to `apply`, and bad
command lines each exit 1 with a clear message and zero AWS calls (counted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import run
from test_validate_catalogue import CASES, Case
from vectora_gitops.aws.client import counting

FILE_CASES = [c for c in CASES if not c.base]


def env_of(case: Case) -> str:
    for env in ("dev", "stage", "prod"):
        if case.path.startswith(f"environments/{env}/"):
            return env
    return "stage" if case.path.startswith("clients/") else "dev"


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_bad_file_makes_no_aws_call(case: Case, moto: object, repo: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    case.mutate(repo)
    with counting() as counted:
        code, _, err = run(capsys, repo, "apply", "--env", env_of(case), "--yes")
    assert code == 1 and case.path in err and "Traceback" not in err
    assert counted.total == 0, counted.requests


def write_garbage(repo: Path) -> str:
    path = repo / "garbage.json"
    path.write_text("{not json")
    return str(path)


COMMAND_LINES: list[tuple[str, tuple[str, ...], str]] = [
    ("env-with-slash", ("apply", "--env", "dev/x", "--yes"), "not an environment name"),
    ("env-with-dotdot", ("apply", "--env", "../prod", "--yes"), "not an environment name"),
    ("env-uppercase", ("plan", "--env", "DEV"), "not an environment name"),
    ("env-unknown", ("apply", "--env", "qa", "--yes"), "unknown environment 'qa'"),
    ("plan-file-missing", ("apply", "--env", "dev", "--plan", "no-such.json", "--yes"),
     "not a plan saved by"),
    ("plan-file-garbage", ("apply", "--env", "dev", "--plan", "@garbage", "--yes"),
     "not a plan saved by"),
    ("reason-without-override", ("apply", "--env", "dev", "--yes", "--reason", "x"),
     "--reason goes with --override-window"),
    ("unknown-flag", ("apply", "--env", "dev", "--force"), "unrecognized arguments"),
    ("missing-env", ("plan",), "required"),
    ("bad-output", ("plan", "--env", "dev", "--output", "xml"), "invalid choice"),
    ("drift-both", ("drift", "--env", "dev", "--all"), "not allowed with"),
    ("promote-skips-stage", ("promote", "--from", "dev", "--to", "prod"), "stage"),
    ("promote-bad-selector", ("promote", "--from", "dev", "--to", "stage", "--only", "x/../y"),
     "--only x/../y"),
    ("snapshot-bad-name", ("snapshot", "restore", "--env", "dev", "--name", "../x", "--yes"),
     "snapshot name"),
    ("history-limit", ("history", "--env", "dev", "--limit", "0"), "limit"),
    ("no-command", (), "required"),
]


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in COMMAND_LINES],
                         ids=[c[0] for c in COMMAND_LINES])
def test_bad_command_line_makes_no_aws_write(argv: tuple[str, ...], message: str, moto: object,
                                             repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = tuple(write_garbage(repo) if a == "@garbage" else a for a in argv)
    with counting() as counted:
        code, _, err = run(capsys, repo, *argv)
    assert code == 1 and message in err and "Traceback" not in err, err
    writes = {op: n for op, n in counted.requests.items()
              if op.startswith(("Put", "Delete", "Publish", "Update", "Tag", "Copy", "Create"))}
    assert writes == {}


def test_catalogue_is_large_enough() -> None:
    assert len(FILE_CASES) + len(COMMAND_LINES) >= 60
