"""The import layering of docs/architecture.md holds, and the check that enforces it in bin/test
(`lint-imports`, contracts in pyproject.toml) fails on a violation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(package_parent: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scripts" / "vectora_gitops", tmp_path / "src" / "vectora_gitops",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layers(package_copy: Path) -> None:
    result = _lint(package_copy / "src", package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("engine/diff.py", "from vectora_gitops.aws import s3", "imports no AWS code"),
    ("status/matrix.py", "import boto3", "imports no AWS code"),
    ("aws/s3.py", "from vectora_gitops.engine import plan", "Pipeline layers"),
    ("engine/apply.py", "from vectora_gitops.promotion import gates", "Pipeline layers"),
])
def test_a_violation_fails_the_check(package_copy: Path, module: str, line: str,
                                     contract: str) -> None:
    path = package_copy / "src" / "vectora_gitops" / module
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("from __future__ import annotations\n",
                                 f"from __future__ import annotations\n\n{line}  # noqa\n", 1),
                    encoding="utf-8")
    result = _lint(package_copy / "src", package_copy)
    assert result.returncode == 1
    assert "0 broken" not in result.stdout
    assert contract in result.stdout.replace("\n", " ")


def test_importing_the_pure_core_loads_no_boto3() -> None:
    code = ("import sys\n"
            "import vectora_gitops.engine.diff, vectora_gitops.drift.classify\n"
            "import vectora_gitops.status.matrix, vectora_gitops.promotion.gates\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.strip() == "[]"
