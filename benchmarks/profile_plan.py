#!/usr/bin/env python3
"""Profile one command of vectora-gitops (in-process, cProfile) on a seeded local moto server.

    python benchmarks/profile_plan.py [--n 3000] [--top 30] [--sort cumulative|tottime]
        [--command "plan --env dev"] [--before "apply --env dev --yes"]

Builds the same temporary repository as bench.py (N generated ~2 KB files in the dev bundle),
starts its own moto server on 127.0.0.1, seeds it, runs --before (default: one apply, so the
plan is a no-op), then profiles --command and prints the top functions.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--command", default="plan --env dev")
    parser.add_argument("--before", default="apply --env dev --yes")
    parser.add_argument("--out", type=Path, help="also dump the raw profile (pstats) here")
    args = parser.parse_args()
    if not 1 <= args.n <= 50_000:
        parser.error("--n must be between 1 and 50,000")
    version = bench.dev_bundle_version()
    with bench.workspace(keep=False) as work:
        server = bench.start_moto(work)
        try:
            env = bench.fake_env(server.endpoint)
            os.environ.clear()
            os.environ.update(env)
            ctx = bench.Ctx(server, env, bench.cli_command(), None, version)
            src = work / "repo"
            bench.build_repo(src, version, args.n)
            bench.seed(ctx, src)
            if args.before:
                bench.inprocess(src, *shlex.split(args.before))
            from vectora_gitops.cli import main as cli_main

            profiler = cProfile.Profile()
            sink = io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(sink):
                profiler.enable()
                code = cli_main(["--repo", str(src), *shlex.split(args.command)])
                profiler.disable()
            elapsed = time.perf_counter() - start
        finally:
            server.stop()
    print(f"{args.command} at N={args.n}: exit {code}, {elapsed:.2f} s (profiled)")
    stats = pstats.Stats(profiler)
    if args.out:
        stats.dump_stats(str(args.out))
    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
