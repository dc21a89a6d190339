"""Command line: parses arguments, dispatches to `commands/`, maps errors to exit codes.

Exit codes (DESIGN §5): 0 ok / in sync, 2 changes or drift present, 1 any error (usage included).
Nothing here imports boto3: commands are imported when they run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from vectora_gitops import console
from vectora_gitops.errors import FatalError, UsageError

OUTPUTS = ("text", "markdown", "json")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vectora-gitops", description="GitOps for the Vectora Inbox environments.")
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
    return parser


def _validate(sub: Any) -> None:
    p = sub.add_parser("validate", help="check every file of the repository")
    p.add_argument("--base", metavar="REF", help="also check released versions against REF")
    p = sub.add_parser("migrate-client", help="turn a legacy <id>_v<N>.yaml into clients/<id>/<N>.0.0.yaml")
    p.add_argument("file", type=Path)


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
    p.add_argument("--reason", help="why the deny window is overridden (kept in the record)")


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
    p = sub.add_parser("sandbox", help="local AWS emulator on 127.0.0.1")
    p.add_argument("action", choices=("up", "down", "status"))


def parse(argv: Sequence[str]) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
        module = importlib.import_module(f"vectora_gitops.commands.{_module_name(args.command)}")
        code: int = module.main(args)
        return code
    except FatalError as exc:
        for line in exc.lines():
            console.err(line)
        return 1
    except KeyboardInterrupt:
        console.err("interrupted")
        return 1
    except SystemExit as exc:  # --help and friends
        return 0 if exc.code in (0, None) else 1


def _module_name(command: str) -> str:
    return {"import": "import_env"}.get(command, command.replace("-", "_"))
