"""Command line: parses arguments, dispatches to `commands/`, maps errors to exit codes.

Exit codes (docs/architecture.md): 0 ok / in sync, 2 changes or drift present, 1 any error (usage included).
Nothing here imports boto3: commands are imported when they run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from vectora_gitops import console
from vectora_gitops.errors import FatalError, UsageError

PROG = "vectora-gitops"
OUTPUTS = ("text", "markdown", "json")
# Overrides where crash logs are written (tests, CI artifacts); see `crash_folders`.
CRASH_DIR_ENV = "VECTORA_GITOPS_CRASH_DIR"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="GitOps for the Vectora Inbox environments.")
    parser.add_argument("--repo", type=Path, default=None,
                        help="repository checkout to use (default: the current one)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _validate(sub)
    _plan_apply(sub)
    _drift(sub)
    _promotion(sub)
    _versions(sub)
    _snapshots(sub)
    _misc(sub)
    for command in sub.choices.values():  # `--repo` also after the command, as the README shows
        command.add_argument("--repo", type=Path, default=argparse.SUPPRESS,
                             help="repository checkout to use (default: the current one)")
    return parser


def _validate(sub: Any) -> None:
    p = sub.add_parser("validate", help="check every file of the repository")
    p.add_argument("--base", metavar="REF", help="also check released versions against REF")
    p = sub.add_parser("migrate-client", help="turn a legacy <id>_v<N>.yaml into clients/<id>/<N>.0.0.yaml")
    p.add_argument("file", type=Path)
    p = sub.add_parser("move-client", help="move a legacy client id to a stable id in one "
                       "environment, one step at a time")
    p.add_argument("legacy_id", metavar="LEGACY_ID", help="the legacy id, e.g. lai_weekly_v7")
    p.add_argument("--to", required=True, metavar="ID", help="the stable id, e.g. lai_weekly")
    p.add_argument("--env", required=True)
    p.add_argument("step", choices=("start", "switch", "retire"))
    p.add_argument("--version", help="start: the stable id's version (default: the legacy pin's)")
    p.add_argument("--back", action="store_true", help="switch: back to the legacy config")


def _plan_apply(sub: Any) -> None:
    p = sub.add_parser("plan", help="show what apply would change in an environment")
    p.add_argument("--env", required=True)
    p.add_argument("--output", choices=OUTPUTS, default="text")
    p.add_argument("--out", type=Path, metavar="FILE", help="also save the plan (JSON) to FILE")
    p.add_argument("--prune", action="store_true", help="include deletions of unmanaged objects")
    p = sub.add_parser("apply", help="make an environment match git")
    p.add_argument("--env", required=True)
    p.add_argument("--plan", type=Path, metavar="FILE", help="apply exactly this saved plan")
    p.add_argument("--prune", action="store_true", help="delete objects that git no longer has")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--override-window", action="store_true",
                   help="apply inside a deny window (needs --reason)")
    p.add_argument("--reason", help="why the deny window is overridden, or why an alarm in ALARM "
                   "is ignored (kept in the record)")
    p.add_argument("--bake-seconds", type=int, metavar="N",
                   help="after the changes, watch the environment's alarms N seconds and roll "
                        "back on ALARM (default: rollout.bake_seconds of its monitoring.yaml)")
    p.add_argument("--ignore-alarm", action="append", metavar="NAME",
                   help="an alarm already in ALARM that must not stop this apply (needs "
                        "--reason; repeatable)")
    p.add_argument("--break-glass-reason", metavar="TEXT",
                   help="why the promotion check is bypassed (kept in the record; default: "
                        "$VECTORA_BREAK_GLASS_REASON)")


def _drift(sub: Any) -> None:
    p = sub.add_parser("drift", help="compare AWS with git and report differences")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--env")
    group.add_argument("--all", action="store_true")
    p.add_argument("--output", choices=OUTPUTS, default="text")
    p.add_argument("--out", type=Path, metavar="DIR_OR_FILE")
    p.add_argument("--heal", action="store_true", help="fix drift where self_heal allows it")


def _promotion(sub: Any) -> None:
    p = sub.add_parser("promote", help="copy pins from one environment to the next")
    p.add_argument("--from", dest="source", required=True)
    p.add_argument("--to", dest="target", required=True)
    p.add_argument("--only", action="append", default=[], metavar="SELECTOR",
                   help="clients/<id>, canonical or layers/<name> (repeatable)")
    p.add_argument("--body-out", type=Path, metavar="FILE")
    p.add_argument("--commit", action="store_true", help="commit on a branch named after the pins")
    p.add_argument("--allow-downgrade", action="store_true")
    p.add_argument("--reason")
    p = sub.add_parser("gates", help="evaluate the promotion gates of the target environment")
    p.add_argument("--from", dest="source")
    p.add_argument("--to", dest="target")
    p.add_argument("--check-pr", action="store_true")
    p.add_argument("--base", metavar="REF")
    p = sub.add_parser("record-e2e", help="record an end-to-end test result")
    p.add_argument("--env", required=True)
    p.add_argument("--result", choices=("pass", "fail"), required=True)
    p.add_argument("--url")


def _versions(sub: Any) -> None:
    p = sub.add_parser("new-version", help="start a prerelease of a client config or the bundle")
    p.add_argument("kind", choices=("client", "canonical"))
    p.add_argument("client_id", nargs="?")
    bump = p.add_mutually_exclusive_group()
    for flag in ("--major", "--minor", "--patch"):
        bump.add_argument(flag, dest="bump", action="store_const", const=flag[2:])
    p = sub.add_parser("release", help="turn a prerelease into its immutable release")
    p.add_argument("kind", choices=("client", "canonical", "layer"))
    p.add_argument("args", nargs="+", metavar="[ID] PRERELEASE | NAME VERSION")
    p.add_argument("--as", dest="as_version", metavar="VERSION")
    p.add_argument("--zip", type=Path, metavar="FILE",
                   help="layer only: the zip of the pinned content, uploaded when none is found")


def _snapshots(sub: Any) -> None:
    p = sub.add_parser("snapshot", help="create, list or restore snapshots")
    p.add_argument("action", choices=("create", "list", "restore"))
    p.add_argument("--env", required=True)
    p.add_argument("--name")
    p.add_argument("--export", type=Path, metavar="DIR")
    p.add_argument("--yes", action="store_true")
    p = sub.add_parser("import", help="adopt a live environment into git")
    p.add_argument("--env", required=True)


def _misc(sub: Any) -> None:
    p = sub.add_parser("status", help="environment matrix")
    p.add_argument("--output", choices=("text", "markdown", "html"), default="text")
    p.add_argument("--out", type=Path)
    p = sub.add_parser("history", help="deployment records, newest first")
    p.add_argument("--env", required=True)
    p.add_argument("--limit", type=int, default=20)
    p = sub.add_parser("iam-policy", help="least-privilege IAM policy for an environment's role")
    p.add_argument("--env", required=True)
    p.add_argument("--read-only", action="store_true")
    p.add_argument("--bucket-policy", action="store_true",
                   help="the data bucket's policy instead: only the apply role writes "
                        "deployments/, evidence is written once and never deleted")
    p.add_argument("--writer-role", metavar="NAME",
                   help="with --bucket-policy: the apply role's name (default "
                        "vectora-gitops-apply-ENV)")
    p = sub.add_parser("hold", help="show or release the hold a rolled-back apply left")
    p.add_argument("action", choices=("show", "release"))
    p.add_argument("--env", required=True)
    p.add_argument("--reason", help="why the hold is lifted (release; kept in S3)")
    p = sub.add_parser("sandbox", help="local AWS emulator on 127.0.0.1")
    p.add_argument("action", choices=("up", "down", "status"))


def parse(argv: Sequence[str]) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the only place errors become exit codes (docs/architecture.md)."""
    command, arguments = PROG, list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse(arguments)
        command = f"{PROG} {args.command}"
        module = importlib.import_module(f"vectora_gitops.commands.{_module_name(args.command)}")
        code: int = module.main(args)
        return code
    except FatalError as exc:
        for line in exc.lines():
            console.err(line)
        return 1
    except KeyboardInterrupt:
        console.err(f"{command}: interrupted")
        return 1
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say to it
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except SystemExit as exc:  # --help and friends
        return 0 if exc.code in (0, None) else 1
    except Exception as exc:  # a bug: one line here, the traceback in a crash log
        console.err(crash_line(command, arguments, exc))
        return 1


def crash_line(command: str, arguments: list[str], exc: Exception) -> str:
    """Keep the traceback of an unexpected error in a log file; the one line that names it."""
    log = _write_crash_log(command, arguments, exc)
    kept = f"full trace in {log}" if log else "the trace could not be saved to any log folder"
    return (f"{command}: unexpected error {_one_line(exc)}; {kept}; please report it with the "
            "command line")


def _one_line(exc: Exception, limit: int = 300) -> str:
    try:
        message = str(exc)
    except Exception:  # an exception whose __str__ fails is still reported
        message = "(message unavailable)"
    text = " ".join(f"{type(exc).__name__}: {message}".split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def crash_folders() -> list[Path]:
    """Where crash logs go, first writable wins: $VECTORA_GITOPS_CRASH_DIR, the XDG state
    folder ($XDG_STATE_HOME or ~/.local/state), then the temporary folder."""
    import tempfile

    folders = [Path(p) for p in (os.environ.get(CRASH_DIR_ENV),) if p]
    for state in (os.environ.get("XDG_STATE_HOME", ""), os.path.expanduser("~/.local/state")):
        if Path(state).is_absolute():  # XDG: a relative value is ignored
            folders.append(Path(state) / PROG)
            break
    folders.append(Path(tempfile.gettempdir()) / PROG)
    return folders


def _write_crash_log(command: str, arguments: list[str], exc: Exception) -> Path | None:
    import traceback
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    text = (f"{command} crashed at {now.isoformat(timespec='seconds')}\n"
            f"arguments: {arguments!r}\npython: {sys.version.split()[0]} on {sys.platform}\n\n"
            + "".join(traceback.format_exception(exc)))
    name = f"crash-{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{os.getpid()}.log"
    for folder in crash_folders():
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            return folder / name
        except OSError:
            continue
    return None


def _module_name(command: str) -> str:
    return {"import": "import_env"}.get(command, command.replace("-", "_"))
