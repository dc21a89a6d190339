"""Time `vectora-gitops validate` of the whole repository (in-process, after one warm-up run).

Usage: python benchmarks/validate_time.py [--runs N] [--repo DIR]
Prints one line: the median, min and max wall time and the number of files validated.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from vectora_gitops.cli import main  # noqa: E402


def run_once(repo: Path) -> float:
    sink = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = main(["--repo", str(repo), "validate"])
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"validate failed:\n{sink.getvalue()}")
    return elapsed


def main_() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, choices=range(1, 1001), metavar="N")
    parser.add_argument("--repo", type=Path, default=ROOT)
    args = parser.parse_args()
    run_once(args.repo)  # warm-up: imports, schema compilation
    times = sorted(run_once(args.repo) for _ in range(args.runs))
    files = subprocess.run(["git", "-C", str(args.repo), "ls-files", "environments", "clients",
                            "canonical"], capture_output=True, text=True, check=True, timeout=60)
    count = len(files.stdout.splitlines())
    print(f"validate of the whole repository ({count} files): median {statistics.median(times):.3f} s "
          f"[{times[0]:.3f}-{times[-1]:.3f}] over {args.runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
