"""moto is the `sandbox` extra (the `dev` extra includes it); without it, `sandbox up` says in one
line how to install it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The CLI in a fresh interpreter where `import moto` fails as if it were not installed.
WITHOUT_MOTO = ("import sys\n"
                "sys.modules['moto'] = None\n"
                "from vectora_gitops.cli import main\n"
                "sys.exit(main(['--repo', sys.argv[1], 'sandbox', 'up']))\n")


def test_sandbox_up_without_moto_says_how_to_install_it(repo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    proc = subprocess.run([sys.executable, "-c", WITHOUT_MOTO, str(repo)], capture_output=True,
                          text=True, timeout=120, env=env, check=False)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "the sandbox needs moto" in proc.stderr
    assert "pip install 'vectora-gitops[sandbox]'" in proc.stderr
    assert not (repo / ".sandbox" / "server.json").exists()


def test_moto_is_the_sandbox_extra_and_dev_includes_it() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert [d for d in extras["sandbox"] if d.startswith("moto")] == ["moto[server]==5.2.1"]
    assert "vectora-gitops[sandbox]" in extras["dev"]
    assert not [d for d in extras["dev"] if d.startswith("moto")]  # one place for its version
    assert "moto" not in " ".join(tomllib.loads((ROOT / "pyproject.toml").read_text())
                                  ["project"]["dependencies"])
    demo = (ROOT / "bin" / "demo").read_text()
    assert "-e '.[sandbox]'" in demo or "-e '.[dev]'" in demo
