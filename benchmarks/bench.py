#!/usr/bin/env python3
"""Benchmark of vectora-gitops against `aws s3 sync` on a local moto server (issue 7).

    python benchmarks/bench.py [--quick] [--runs N] [--sizes 1000,10000] [--markdown FILE]

Run it with the project's Python (the one where `vectora_gitops`, moto[server] and boto3 are
installed). It starts its own moto server on 127.0.0.1 (free port) with fake credentials, builds
a temporary git repository holding this repository's content plus N generated ~2 KB files in
the canonical bundle dev pins, and measures, for each N, cases A-F (see docs/performance.md).
The AWS CLI (v1) is installed into `<tmp>/awscli-venv` if missing; if that fails, only our
side runs. Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTENT = ("environments", "clients", "canonical")
ACCOUNT = "786469175371"
REGION = "eu-west-3"
HOST = "127.0.0.1"
CONFIG_BUCKET = "vectora-inbox-config-dev"
SMALL_CONSTANT = 2  # GetCallerIdentity + the written-state record (tests/test_cost.py)
GIT = ("git", "-c", "user.email=bench@example.invalid", "-c", "user.name=bench",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", "-c", "gc.auto=0")
STEP_TIMEOUT_S = 1800  # any single subprocess
FILE_BYTES = 2048

GOALS = {
    "A_time": 0.2, "B_time": 1.0, "C_time": 1.0, "D_time": 5.0, "E_time": 1.5, "F_mb": 200.0,
}


# ------------------------------------------------------------------------------------ helpers

class BenchError(Exception):
    pass


def log(msg: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        check: bool = True, ok: tuple[int, ...] = (0,), timeout: float = STEP_TIMEOUT_S,
        ) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command; return (wall seconds, completed process)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if check and proc.returncode not in ok:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BenchError(f"{' '.join(cmd[:6])}...: exit {proc.returncode}: {' | '.join(tail)}")
    return elapsed, proc


def git(root: Path, *args: str) -> None:
    run([*GIT, "-C", str(root), *args])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


# ------------------------------------------------------------------------------------ machine

def machine() -> dict[str, str]:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    import boto3
    import moto
    load = "?"
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {
        "load": load,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "moto": moto.__version__,
        "boto3": boto3.__version__,
    }


# ------------------------------------------------------------------------------------ aws cli

def ensure_awscli(skip: bool) -> tuple[Path | None, str]:
    """Path of `aws` (v1, in its own virtualenv under the temp dir), or None and why."""
    if skip:
        return None, "skipped (--no-aws)"
    venv = Path(tempfile.gettempdir()) / "awscli-venv"
    aws = venv / "bin" / "aws"
    if not aws.exists():
        log(f"installing the AWS CLI v1 into {venv} (separate virtualenv)")
        try:
            run([sys.executable, "-m", "venv", str(venv)], timeout=300)
            run([str(venv / "bin" / "pip"), "install", "-q", "awscli"], timeout=900)
        except (BenchError, subprocess.TimeoutExpired, OSError) as exc:
            return None, f"cannot install the AWS CLI: {exc}"
    try:
        _, proc = run([str(aws), "--version"], timeout=120)
    except (BenchError, subprocess.TimeoutExpired, OSError) as exc:
        return None, f"the AWS CLI does not run: {exc}"
    return aws, (proc.stdout or proc.stderr).strip()


# ------------------------------------------------------------------------------------ moto

@dataclass
class Moto:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=30):
            pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_moto(workdir: Path) -> Moto:
    port = free_port()
    log_path = workdir / "moto.log"
    env = {**os.environ, "MOTO_ACCOUNT_ID": ACCOUNT}
    with log_path.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    server = Moto(proc, port, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"moto server exited ({proc.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise BenchError(f"moto server did not start in 30 s; see {log_path}")


def fake_env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": endpoint,
                "AWS_MAX_ATTEMPTS": "6", "VECTORA_ACTOR": "bench",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    return env


# ------------------------------------------------------------------------------------ repo

def dev_bundle_version() -> str:
    text = (CONTENT_ROOT / "environments" / "dev" / "pins.yaml").read_text(encoding="utf-8")
    found = re.search(r"^canonical:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    if not found:
        raise BenchError("environments/dev/pins.yaml: no canonical pin")
    return found.group(1)


def generated_file(i: int) -> str:
    head = f"# Generated note {i:05d}\n\nReference text for the benchmark, file {i}.\n\n"
    line = f"- item {i:05d}: lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"
    body = head
    while len(body) + len(line) <= FILE_BYTES - 1:
        body += line
    return body + "\n"


def freeze(work: Path) -> tuple[Path, str]:
    """Copy the code and content under test into `work` so that edits made to the checkout while
    the benchmark runs do not change what is measured; returns (copy, commit description)."""
    copy = work / "frozen"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO_ROOT / "scripts" / "vectora_gitops", copy / "code" / "vectora_gitops",
                    ignore=ignore)
    for folder in CONTENT:
        shutil.copytree(REPO_ROOT / folder, copy / "content" / folder, symlinks=True)
    _, head = run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], check=False)
    _, dirty = run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "scripts",
                    *CONTENT], check=False)
    commit = (head.stdout.strip() or "unknown") + (" (with uncommitted changes)"
                                                  if dirty.stdout.strip() else "")
    return copy, commit


CONTENT_ROOT = REPO_ROOT  # replaced by the frozen copy in main()


def build_repo(dest: Path, version: str, n: int) -> int:
    """A git repository with this repository's content plus n generated files in the dev bundle;
    returns the number of files in that bundle."""
    dest.mkdir(parents=True)
    for folder in CONTENT:
        shutil.copytree(CONTENT_ROOT / folder, dest / folder, symlinks=True)
    gen = dest / "canonical" / version / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (gen / f"note-{i:05d}.md").write_text(generated_file(i), encoding="utf-8")
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", f"bench: {n} generated files")
    git(dest, "repack", "-adq")  # no background auto-gc racing the clones
    return sum(1 for p in (dest / "canonical" / version).rglob("*") if p.is_file())


class Clones:
    def __init__(self, src: Path, base: Path) -> None:
        self.src, self.base, self.n = src, base, 0

    def fresh(self) -> Path:
        self.n += 1
        dest = self.base / f"clone-{self.n}"
        run([*GIT, "clone", "-q", f"file://{self.src}", str(dest)])
        return dest

    def drop(self, path: Path) -> None:
        shutil.rmtree(path, ignore_errors=True)


# ------------------------------------------------------------------------------------ sides

@dataclass
class Ctx:
    moto: Moto
    env: dict[str, str]
    cli: list[str]
    aws: Path | None
    version: str


def seed(ctx: Ctx, repo: Path) -> None:
    from vectora_gitops.aws.client import Aws
    from vectora_gitops.desired.repo import Repository
    from vectora_gitops.sandbox.seed import seed as do_seed

    ctx.moto.reset()
    notes = do_seed(Aws(REGION, endpoint_url=ctx.moto.endpoint), Repository(repo))
    if notes:
        raise BenchError("seed: " + "; ".join(notes))


CHANGE_LINE = re.compile(r"^\s+[+~-] ", re.MULTILINE)


def ours(ctx: Ctx, repo: Path, *args: str, ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
    elapsed, proc = run([*ctx.cli, "--repo", str(repo), *args], env=ctx.env, ok=ok)
    return elapsed, proc.stdout


def written_by_apply(out: str) -> int:
    """Objects written, from the CLI output: 'nothing to apply' is 0; else the S3 puts listed."""
    if "nothing to apply" in out:
        return 0
    return len(re.findall(r"^\s+[+~] (?:create|update) ", out, re.MULTILINE))


def aws_sync(ctx: Ctx, clone: Path, *, dryrun: bool = False) -> tuple[float, int]:
    assert ctx.aws is not None
    cmd = [str(ctx.aws), "s3", "sync", f"{clone}/canonical/{ctx.version}/",
           f"s3://{CONFIG_BUCKET}/canonical/", "--endpoint-url", ctx.moto.endpoint,
           "--no-progress"]
    if dryrun:
        cmd.append("--dryrun")
    elapsed, proc = run(cmd, env=ctx.env)
    uploads = len(re.findall(r"^(?:\(dryrun\) )?upload: ", proc.stdout, re.MULTILINE))
    return elapsed, uploads


def inprocess(repo: Path, *args: str) -> tuple[float, int, dict[str, int]]:
    """Run the CLI in this process (stdout swallowed); (seconds, exit code, requests by op)."""
    from vectora_gitops.aws.client import counting
    from vectora_gitops.cli import main

    sink = io.StringIO()
    with counting() as counted, contextlib.redirect_stdout(sink):
        start = time.perf_counter()
        code = main(["--repo", str(repo), *args])
        elapsed = time.perf_counter() - start
    return elapsed, code, dict(counted.requests)


def max_rss_mb(ctx: Ctx, repo: Path, *args: str) -> float:
    """Peak RSS of the CLI run as the only child of a fresh helper process."""
    helper = ("import json, resource, subprocess, sys\n"
              "cmd = json.loads(sys.argv[1])\n"
              "p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
              "if p.returncode not in (0, 2): sys.exit(p.stderr.decode()[-500:] or 'failed')\n"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    cmd = [*ctx.cli, "--repo", str(repo), *args]
    _, proc = run([sys.executable, "-c", helper, json.dumps(cmd)], env=ctx.env)
    return int(proc.stdout.strip()) / 1024  # KiB on Linux


# ------------------------------------------------------------------------------------ cases

@dataclass
class Series:
    values: list[float] = field(default_factory=list)

    def add(self, v: float) -> None:
        self.values.append(v)

    @property
    def med(self) -> float:
        return median(self.values)

    def spread(self, fmt: str = "{:.2f}") -> str:
        if not self.values:
            return "-"
        return f"{fmt.format(self.med)} [{fmt.format(min(self.values))}-" \
               f"{fmt.format(max(self.values))}]"


@dataclass
class SizeResult:
    n: int
    bundle_files: int
    s: dict[str, Series] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)

    def series(self, key: str) -> Series:
        return self.s.setdefault(key, Series())


def bench_size(ctx: Ctx, work: Path, n: int, runs: int) -> SizeResult:
    src = work / f"repo-{n}"
    log(f"N={n}: building the repository")
    bundle_files = build_repo(src, ctx.version, n)
    res = SizeResult(n, bundle_files)
    clones = Clones(src, work / f"clones-{n}")
    clones.base.mkdir()
    for r in range(runs):
        log(f"N={n} run {r + 1}/{runs}")
        if ctx.aws is not None:
            # C (aws): sync into an empty prefix; A (aws): fresh clone after the initial sync.
            seed(ctx, src)
            c1 = clones.fresh()
            t, up = aws_sync(ctx, c1)
            res.series("C_aws").add(t)
            res.counts["C_aws_uploads"] = up
            time.sleep(1.2)  # S3 LastModified has second precision; the clone must be newer
            c2 = clones.fresh()
            t, up = aws_sync(ctx, c2)
            res.series("A_aws").add(t)
            res.series("A_aws_writes").add(up)
            c3 = clones.fresh()
            t, up = aws_sync(ctx, c3, dryrun=True)
            res.series("B_aws").add(t)
            res.series("B_aws_changes").add(up)
            for c in (c1, c2, c3):
                clones.drop(c)
        # C (ours): first apply of an empty (freshly seeded) environment.
        seed(ctx, src)
        c4 = clones.fresh()
        t, out = ours(ctx, c4, "apply", "--env", "dev", "--yes")
        res.series("C_ours").add(t)
        res.counts["C_ours_writes"] = written_by_apply(out)
        # A (ours): re-sync from a fresh clone, nothing changed.
        c5 = clones.fresh()
        t, out = ours(ctx, c5, "apply", "--env", "dev", "--yes")
        res.series("A_ours").add(t)
        res.series("A_ours_writes").add(written_by_apply(out))
        # B (ours): no-op plan from a fresh clone.
        c6 = clones.fresh()
        t, out = ours(ctx, c6, "plan", "--env", "dev")
        res.series("B_ours").add(t)
        res.series("B_ours_changes").add(len(CHANGE_LINE.findall(out)))
        for c in (c4, c5, c6):
            clones.drop(c)
        # D: no-op plan in this process, counted.
        t, code, reqs = inprocess(src, "plan", "--env", "dev")
        if code != 0:
            raise BenchError(f"N={n}: the in-process no-op plan exited {code}")
        res.series("D_plan").add(t)
        res.counts["D_requests"] = reqs
        t, code, reqs = inprocess(src, "apply", "--env", "dev", "--yes")
        res.counts["A_requests"] = reqs
        # F: peak memory of a no-op plan (subprocess).
        res.series("F_mb").add(max_rss_mb(ctx, src, "plan", "--env", "dev"))
        # E: drift of every environment vs dev alone (all applied first).
        for env in ("stage", "prod"):
            ours(ctx, src, "apply", "--env", env, "--yes")
        t, _ = ours(ctx, src, "drift", "--env", "dev", ok=(0, 2))
        res.series("E_one").add(t)
        t, _ = ours(ctx, src, "drift", "--all", ok=(0, 2))
        res.series("E_all").add(t)
    shutil.rmtree(clones.base, ignore_errors=True)
    return res


def cli_start(ctx: Ctx, runs: int) -> tuple[Series, bool]:
    s = Series()
    for _ in range(runs):
        t, _ = ours(ctx, REPO_ROOT, "--help")
        s.add(t)
    probe = ("import sys\nfrom vectora_gitops.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print('BOTO3', 'boto3' in sys.modules)\n")
    _, proc = run([sys.executable, "-c", probe], env=ctx.env)
    return s, "BOTO3 True" in proc.stdout


# ------------------------------------------------------------------------------------ report

def floor_requests(bundle_files: int, layers: int = 2, functions: int = 3) -> int:
    return math.ceil(bundle_files / 1000) + 1 + layers + functions + SMALL_CONSTANT


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def verdict(value: float, goal: float, *, strict: bool = False) -> str:
    if value != value:  # nan
        return "n/a"
    met = value < goal if strict else value <= goal
    return "met" if met else "**MISSED**"


def table(results: list[SizeResult], start: Series, boto3_on_help: bool, has_aws: bool,
          runs: int) -> list[list[str]]:
    rows = [["case", "N", "ours (median [min-max])", "aws s3 sync (median [min-max])",
             "measured", "goal", "verdict"]]
    for r in results:
        n = f"{r.n:,}"
        if has_aws:
            a = ratio(r.s["A_ours"].med, r.s["A_aws"].med)
            rows.append(["A re-sync, fresh clone, no change: time s", n, r.s["A_ours"].spread(),
                         r.s["A_aws"].spread(), f"ratio {a:.3f}", "≤ 0.2", verdict(a, 0.2)])
            rows.append(["A objects written", n, f"{r.s['A_ours_writes'].med:.0f}",
                         f"{r.s['A_aws_writes'].med:.0f}", "", f"0 vs {r.bundle_files}",
                         verdict(r.s["A_ours_writes"].med, 0)])
            b = ratio(r.s["B_ours"].med, r.s["B_aws"].med)
            rows.append(["B no-op plan vs sync --dryrun: time s", n, r.s["B_ours"].spread(),
                         r.s["B_aws"].spread(), f"ratio {b:.3f}", "≤ 1.0", verdict(b, 1.0)])
            rows.append(["B changes reported", n, f"{r.s['B_ours_changes'].med:.0f}",
                         f"{r.s['B_aws_changes'].med:.0f}", "", f"0 vs {r.bundle_files}",
                         verdict(r.s["B_ours_changes"].med, 0)])
            c = ratio(r.s["C_ours"].med, r.s["C_aws"].med)
            rows.append(["C first apply into empty env: time s", n, r.s["C_ours"].spread(),
                         r.s["C_aws"].spread(), f"ratio {c:.3f}", "≤ 1.0", verdict(c, 1.0)])
        else:
            rows.append(["A re-sync, fresh clone, no change: time s", n, r.s["A_ours"].spread(),
                         "-", f"{r.s['A_ours_writes'].med:.0f} written", "≤ 0.2", "n/a"])
            rows.append(["B no-op plan: time s", n, r.s["B_ours"].spread(), "-",
                         f"{r.s['B_ours_changes'].med:.0f} changes", "≤ 1.0", "n/a"])
            rows.append(["C first apply into empty env: time s", n, r.s["C_ours"].spread(), "-",
                         "", "≤ 1.0", "n/a"])
        reqs = r.counts["D_requests"]
        total = sum(reqs.values())
        floor = floor_requests(r.bundle_files)
        detail = ", ".join(f"{k} {v}" for k, v in sorted(reqs.items()))
        rows.append(["D no-op plan requests (in-process)", n, f"{total} ({detail})", "-",
                     f"floor {floor}", "≤ floor", verdict(total, floor)])
        areqs = r.counts["A_requests"]
        rows.append(["A no-op apply requests (in-process)", n,
                     f"{sum(areqs.values())} ({', '.join(f'{k} {v}' for k, v in sorted(areqs.items()))})",
                     "-", "", "", ""])
        rows.append(["D no-op plan in-process: time s", n, r.s["D_plan"].spread(), "-", "", "",
                     ""])
        e = ratio(r.s["E_all"].med, r.s["E_one"].med)
        rows.append(["E drift --all vs --env dev: time s", n,
                     f"all {r.s['E_all'].spread()} / dev {r.s['E_one'].spread()}", "-",
                     f"ratio {e:.3f}", "≤ 1.5", verdict(e, 1.5)])
        rows.append(["F no-op plan peak RSS MB", n, r.s["F_mb"].spread("{:.0f}"), "-", "",
                     "< 200", verdict(r.s["F_mb"].med, 200.0, strict=True)])
    if len(results) >= 2:
        lo, hi = results[0], results[-1]
        d = ratio(hi.s["D_plan"].med, lo.s["D_plan"].med)
        rq = ratio(sum(hi.counts["D_requests"].values()), sum(lo.counts["D_requests"].values()))
        rows.append([f"D scaling {hi.n:,} vs {lo.n:,}: plan time ratio", "", "", "",
                     f"ratio {d:.2f} (requests x{rq:.2f})", "≤ 5", verdict(d, 5.0)])
        bs = ratio(hi.s["B_ours"].med, lo.s["B_ours"].med)
        rows.append([f"D scaling {hi.n:,} vs {lo.n:,}: CLI plan (subprocess) time ratio", "",
                     "", "", f"ratio {bs:.2f}", "(info)", ""])
    rows.append(["CLI start: `vectora-gitops --help` s", "", start.spread("{:.3f}"), "-",
                 f"boto3 imported: {'yes' if boto3_on_help else 'no'}", "no boto3",
                 "**MISSED**" if boto3_on_help else "met"])
    return rows


def render_text(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for j, r in enumerate(rows):
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def render_markdown(rows: list[list[str]], info: dict[str, str], runs: int, sizes: list[int],
                    aws_note: str) -> str:
    lines = [f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} RAM, {info['os']}; "
             f"Python {info['python']}, moto {info['moto']}, boto3 {info['boto3']}; "
             f"{info['date']}; load average {info['load']} at start, {info['load_end']} at end. "
             f"Code and content of {info['commit']}. Runs per case: {runs}; "
             f"N = {', '.join(f'{n:,}' for n in sizes)}. "
             f"AWS CLI: {aws_note}.", ""]
    lines.append("| " + " | ".join(rows[0]) + " |")
    lines.append("|" + "|".join("---" for _ in rows[0]) + "|")
    for r in rows[1:]:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ main

def cli_command() -> list[str]:
    return [sys.executable, "-m", "vectora_gitops"]


@contextlib.contextmanager
def workspace(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="vectora-bench-"))
    try:
        yield path
    finally:
        if keep:
            log(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def _terminated(_sig: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # so the moto server and the temp folder are cleaned up


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1,000 and 3,000")
    parser.add_argument("--sizes", help="comma-separated N (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--markdown", type=Path, metavar="FILE", help="also write the table")
    parser.add_argument("--no-aws", action="store_true", help="skip the AWS CLI side")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 20:
        parser.error("--runs must be between 1 and 20")
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else [1000, 3000] if args.quick else [1000, 10000])
    if any(not 1 <= n <= 50_000 for n in sizes):
        parser.error("sizes must be between 1 and 50,000")

    signal.signal(signal.SIGTERM, _terminated)
    info = machine()
    aws, aws_note = ensure_awscli(args.no_aws)
    log(f"AWS CLI: {aws_note}")
    global CONTENT_ROOT
    with workspace(args.keep) as work:
        frozen, commit = freeze(work)
        CONTENT_ROOT = frozen / "content"
        sys.path.insert(0, str(frozen / "code"))
        version = dev_bundle_version()
        log(f"measuring the code and content of {commit} (frozen copy in {frozen})")
        server = start_moto(work)
        try:
            env = fake_env(server.endpoint)
            env["PYTHONPATH"] = str(frozen / "code")
            os.environ.clear()
            os.environ.update(env)
            ctx = Ctx(server, env, cli_command(), aws, version)
            log(f"moto on {server.endpoint}; dev bundle canonical/{version}")
            results = []
            for n in sizes:
                results.append(bench_size(ctx, work, n, args.runs))
                partial = table(results[-1:], Series(), False, aws is not None, args.runs)
                log(f"N={n} done:\n" + render_text(partial[:-1]))
            start, boto3_on_help = cli_start(ctx, max(5, args.runs))
        finally:
            server.stop()
    info["commit"] = commit
    rows = table(results, start, boto3_on_help, aws is not None, args.runs)
    info["load_end"] = machine()["load"]
    header = (f"Machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram']} RAM, {info['os']}; "
              f"load average {info['load']} at start, {info['load_end']} at end\n"
              f"Python {info['python']}, moto {info['moto']}, boto3 {info['boto3']}; "
              f"AWS CLI: {aws_note}\nDate: {info['date']}; runs per case: {args.runs}; "
              f"code and content of {commit}")
    print(header)
    print()
    print(render_text(rows))
    if args.markdown:
        args.markdown.write_text(render_markdown(rows, info, args.runs, sizes, aws_note),
                                 encoding="utf-8")
        log(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BenchError as exc:
        sys.stderr.write(f"bench: {exc}\n")
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
