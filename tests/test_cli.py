"""The command line itself: exit codes of usage errors, and a start-up that stays light."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from vectora_gitops.cli import main
from vectora_gitops.commands.validate import NEXT


def test_help_does_not_import_boto3() -> None:
    code = ("import sys, contextlib, io\n"
            "from vectora_gitops.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['--help']) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("argv", [["nonsense"], ["plan"], ["plan", "--env"], ["--bogus"], []])
def test_usage_errors_exit_1_never_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "see --help" in err and "Traceback" not in err


# ---- unexpected errors: one line on the terminal, the traceback in a crash log -----------------

# A real bug stand-in: the child process replaces a function of the package by one that raises,
# then runs the real CLI. Nothing in the package knows about it.
BROKEN_CLI = """\
import sys
import vectora_gitops.desired.validate as target
def broken(*args, **kwargs):
    raise {error}
target.validate = broken
from vectora_gitops.cli import main
from vectora_gitops.commands.validate import NEXT
raise SystemExit(main(sys.argv[1:]))
"""


def run_broken(repo: Path, error: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("VECTORA_GITOPS_CRASH_DIR", "XDG_STATE_HOME")}
    return subprocess.run([sys.executable, "-c", BROKEN_CLI.format(error=error),
                           "--repo", str(repo), "validate"],
                          capture_output=True, text=True, timeout=60, env={**base, **env},
                          check=False)


def crash_log(err: str) -> Path:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    match = re.search(r"full trace in (\S+\.log);", err)
    assert match, err
    return Path(match.group(1))


def test_unexpected_error_is_one_line_and_a_crash_log(repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "crashes"
    proc = run_broken(repo, 'RuntimeError("index went\\nsideways")',
                      {"VECTORA_GITOPS_CRASH_DIR": str(folder)})
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("vectora-gitops validate: unexpected error RuntimeError: "
                                  "index went sideways; full trace in "), proc.stderr
    log = crash_log(proc.stderr)
    assert log.parent == folder and log.name.startswith("crash-")
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert f"arguments: ['--repo', '{repo}', 'validate']" in text
    assert "in broken" in text and text.rstrip().endswith("RuntimeError: index went\nsideways")


def test_crash_log_goes_to_the_xdg_state_folder(repo: Path, tmp_path: Path) -> None:
    proc = run_broken(repo, "KeyError('pins')", {"XDG_STATE_HOME": str(tmp_path / "state")})
    assert proc.returncode == 1 and "unexpected error KeyError: 'pins'" in proc.stderr
    log = crash_log(proc.stderr)
    assert log.parent == tmp_path / "state" / "vectora-gitops"
    assert "KeyError: 'pins'" in log.read_text(encoding="utf-8")


def test_crash_log_falls_back_to_the_temporary_folder(repo: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = run_broken(repo, "ValueError('x')", {"VECTORA_GITOPS_CRASH_DIR": str(blocker / "c"),
                                                "XDG_STATE_HOME": str(blocker / "state"),
                                                "TMPDIR": str(temp)})
    assert proc.returncode == 1
    log = crash_log(proc.stderr)
    assert log.parent == temp / "vectora-gitops"
    assert "ValueError: x" in log.read_text(encoding="utf-8")


def test_ctrl_c_is_one_line_without_traceback(repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "crashes"
    proc = run_broken(repo, "KeyboardInterrupt", {"VECTORA_GITOPS_CRASH_DIR": str(folder)})
    assert (proc.returncode, proc.stderr) == (1, "vectora-gitops validate: interrupted\n")
    assert not folder.exists()  # an interruption is not a crash


def test_repo_works_before_and_after_the_command(repo: Path, tmp_path: Path) -> None:
    for argv in (["--repo", str(repo), "validate"], ["validate", "--repo", str(repo)]):
        done = subprocess.run([sys.executable, "-m", "vectora_gitops", *argv], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, check=False)
        assert (done.returncode, done.stdout) == (0, f"validate: ok (0 warning(s))\n{NEXT}\n"), argv


def test_a_reader_that_goes_away_gets_no_traceback(repo: Path, tmp_path: Path) -> None:
    """`vectora-gitops ... | head`: the pipe closes before the command writes."""
    env = dict(os.environ, VECTORA_GITOPS_CRASH_DIR=str(tmp_path / "crash"))
    proc = subprocess.Popen([sys.executable, "-m", "vectora_gitops", "--repo", str(repo),
                             "iam-policy", "--env", "dev"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    proc.stdout.close()  # nobody reads: the first write fails with EPIPE
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and err == b"", err.decode()
    assert not (tmp_path / "crash").exists()
