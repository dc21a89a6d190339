"""The command line itself: exit codes of usage errors, and a start-up that stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vectora_gitops.cli import main


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
