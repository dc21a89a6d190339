"""Command line: parses arguments, dispatches to `commands/`, maps errors to exit codes.

Exit codes (docs/architecture.md): 0 ok / in sync, 2 changes or drift present, 1 any error (usage included).
Nothing here imports boto3: commands are imported when they run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

from vectora_gitops import console, localfiles
from vectora_gitops.errors import FatalError, UsageError, did_you_mean

PROG = "vectora-gitops"
OUTPUTS = ("text", "markdown", "json")
# Overrides where crash logs are written (tests, CI artifacts); see `crash_folders`.
CRASH_DIR_ENV = "VECTORA_GITOPS_CRASH_DIR"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}{_meant(message)} (see --help)")


_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)$")


def _meant(message: str) -> str:
    """`; did you mean 'plan'?` after argparse's "invalid choice" (`vectora-gitops plna`)."""
    found = _INVALID_CHOICE.search(message)
    if not found:
        return ""
    return did_you_mean(found.group(1), re.findall(r"'([^']*)'", found.group(2)))


# The documented promotion chain; the help shows the environments of the repository in this
# order (others after them), or these when no environments/ folder is found.
CHAIN = ("dev", "stage", "prod")
EXIT_CODES = {
    "diff": "exit codes: 0 in sync, 2 changes or drift present, 1 error (usage errors included)",
    "plan": "exit codes: 0 nothing to change, 2 changes to apply, 1 error (usage errors included)",
    "drift": "exit codes: 0 no drift, 2 drift found, 1 error (or drift --heal could not fix)",
    "gates": "exit codes: 0 every gate passes, 1 a gate fails or an error",
    "sandbox": "exit codes: 0 ok (status: running), 1 error (status: not running)",
    "done": "exit codes: 0 done, 1 error (usage errors included); never 2",
}


def environment_names(repo: Path | None = None) -> list[str]:
    """The environments of the repository at `repo` (or around the current folder): folders of
    `environments/` holding an environment.yaml, in chain order; the documented chain when none
    is found. Cheap (no git, no YAML): the help shows real names."""
    start = (repo or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        envs = folder / "environments"
        if envs.is_dir():
            found = {p.name for p in envs.iterdir() if (p / "environment.yaml").is_file()}
            if found:
                return [e for e in CHAIN if e in found] + sorted(found.difference(CHAIN))
    return list(CHAIN)


@dataclass(frozen=True)
class _Names:
    """Environment names as the examples use them: the first, the next, the last of the chain."""

    all: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.all[0]

    @property
    def second(self) -> str:
        return self.all[1] if len(self.all) > 1 else self.all[0]

    @property
    def last(self) -> str:
        return self.all[-1]

    def env_help(self, what: str) -> str:
        return f"{what}: one of {', '.join(self.all)}"


def _version() -> str:
    try:
        return metadata.version(PROG)
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown (not installed)"


def build_parser(envs: Sequence[str] | None = None) -> argparse.ArgumentParser:
    names = _Names(tuple(envs or environment_names()))
    parser = _Parser(prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="GitOps for the Vectora Inbox environments: git holds the "
                     "desired state,\nvectora-gitops makes S3 and Lambda match it.",
                     epilog=_main_epilog(names))
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                        help="print the version of vectora-gitops and exit")
    parser.add_argument("--repo", type=Path, default=None,
                        help="repository checkout to use (default: the current one)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND")
    for group in (_validate, _plan_apply, _drift, _promotion, _versions, _snapshots, _misc):
        group(sub, names)
    for command in sub.choices.values():  # `--repo` also after the command, as the README shows
        command.add_argument("--repo", type=Path, default=argparse.SUPPRESS,
                             help="repository checkout to use (default: the current one)")
    return parser


def _main_epilog(n: _Names) -> str:
    chain = " -> ".join(n.all)
    return (f"environments: {', '.join(n.all)} (promotion chain: {chain})\n\n"
            "examples:\n"
            f"  {PROG} validate\n"
            f"  {PROG} plan --env {n.first}\n"
            f"  {PROG} apply --env {n.first}\n"
            f"  {PROG} promote --from {n.first} --to {n.second}\n"
            f"  {PROG} drift --all\n\n"
            f"{EXIT_CODES['diff']}\n"
            f"`{PROG} COMMAND --help` shows a command's options and examples.")


def _command(sub: Any, n: _Names, name: str, summary: str, examples: Sequence[str], codes: str,
             note: str = "") -> argparse.ArgumentParser:
    """One command's parser: its help line; at the end of its --help the environments, examples
    and exit codes."""
    shown = "\n".join(f"  {PROG} {e}" for e in examples)
    epilog = (f"{note}\n\n" if note else "") + (
        f"environments: {', '.join(n.all)}\n\nexamples:\n{shown}\n\n{EXIT_CODES[codes]}")
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=summary[0].upper() + summary[1:] + ".", epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser


def _validate(sub: Any, n: _Names) -> None:
    p = _command(sub, n, "validate", "check every file of the repository",
                 ["validate", "validate --base origin/main"], "done",
                 "Every problem is one line, path:line: message (a YAML syntax error adds the "
                 "column, the line and a caret); warnings alone exit 0.")
    p.add_argument("--base", metavar="REF", help="also check released versions against REF "
                   "(a released file must be byte-identical and may not be deleted)")
    p = _command(sub, n, "migrate-client", "turn a legacy <id>_v<N>.yaml into "
                 "clients/<id>/<N>.0.0.yaml", ["migrate-client clients/lai_weekly_v7.yaml"], "done")
    p.add_argument("file", type=Path, metavar="FILE", help="the legacy client config to migrate")
    p = _command(sub, n, "move-client", "move a legacy client id to a stable id in one "
                 "environment, one step at a time",
                 [f"move-client lai_weekly_v7 --to lai_weekly --env {n.first} start",
                  f"move-client lai_weekly_v7 --to lai_weekly --env {n.first} switch",
                  f"move-client lai_weekly_v7 --to lai_weekly --env {n.first} retire"], "done",
                 "One step per pull request: start (the stable config beside, inactive), switch "
                 "(the stable one active), retire (the legacy one deleted).")
    p.add_argument("legacy_id", metavar="LEGACY_ID", help="the legacy id, e.g. lai_weekly_v7")
    p.add_argument("--to", required=True, metavar="ID", help="the stable id, e.g. lai_weekly")
    p.add_argument("--env", required=True, help=n.env_help("the environment to move it in"))
    p.add_argument("step", choices=("start", "switch", "retire"),
                   help="the step to take: start, switch or retire")
    p.add_argument("--version", help="start: the stable id's version (default: the legacy pin's)")
    p.add_argument("--back", action="store_true", help="switch: back to the legacy config")


def _plan_apply(sub: Any, n: _Names) -> None:
    p = _command(sub, n, "plan", "show what apply would change in an environment",
                 [f"plan --env {n.first}",
                  f"plan --env {n.second} --output markdown --out plan.json"], "plan")
    p.add_argument("--env", required=True, help=n.env_help("the environment to plan"))
    p.add_argument("--output", choices=OUTPUTS, default="text",
                   help="how to print the plan: text (default), markdown (a pull request "
                   "comment) or json")
    p.add_argument("--out", type=Path, metavar="FILE",
                   help="also save the plan (JSON) to FILE, for `apply --plan FILE`")
    p.add_argument("--prune", action="store_true", help="include deletions of unmanaged objects")
    p = _command(sub, n, "apply", "make an environment match git",
                 [f"apply --env {n.first}", f"apply --env {n.first} --yes",
                  f"apply --env {n.last} --plan plan.json --yes"], "done",
                 "Prints the plan, asks (or --yes), then applies it under the environment's lock.")
    p.add_argument("--env", required=True, help=n.env_help("the environment to apply"))
    p.add_argument("--plan", type=Path, metavar="FILE",
                   help="apply exactly this saved plan (`plan --out FILE`); refused when stale")
    p.add_argument("--prune", action="store_true", help="delete objects that git no longer has")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--override-window", action="store_true",
                   help="apply inside a deny window (needs --reason)")
    p.add_argument("--allow-dirty", action="store_true",
                   help="apply to stage or prod from a working tree with uncommitted changes "
                        "(needs --reason)")
    p.add_argument("--reason", help="why the deny window is overridden, the stateful resources "
                   "replaced, the working tree is dirty or an alarm in ALARM ignored (kept in the "
                   "record)")
    p.add_argument("--allow-replace", action="append", default=[], metavar="STACK.RESOURCE",
                   help="let a stack change remove or replace this stateful resource (bucket, "
                        "log group, role), e.g. s0-core.ConfigBucket; repeatable; needs --reason")
    p.add_argument("--bake-seconds", type=int, metavar="N",
                   help="after the changes, watch the environment's alarms N seconds and roll "
                        "back on ALARM (default: rollout.bake_seconds of its monitoring.yaml)")
    p.add_argument("--ignore-alarm", action="append", metavar="NAME",
                   help="an alarm already in ALARM that must not stop this apply (needs "
                        "--reason; repeatable)")
    p.add_argument("--break-glass-reason", metavar="TEXT",
                   help="why the promotion check is bypassed (kept in the record; default: "
                        "$VECTORA_BREAK_GLASS_REASON)")


def _drift(sub: Any, n: _Names) -> None:
    p = _command(sub, n, "drift", "compare AWS with git and report differences",
                 [f"drift --env {n.first}", "drift --all",
                  "drift --all --output markdown --out drift/", f"drift --env {n.first} --heal"],
                 "drift")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--env", help=n.env_help("the environment to check"))
    group.add_argument("--all", action="store_true", help="check every environment at once")
    p.add_argument("--output", choices=OUTPUTS, default="text",
                   help="text (default), markdown (one issue body per environment) or json")
    p.add_argument("--out", type=Path, metavar="DIR_OR_FILE",
                   help="write the report there instead (markdown: a folder, <env>.md each)")
    p.add_argument("--heal", action="store_true", help="fix drift where self_heal allows it")


def _promotion(sub: Any, n: _Names) -> None:
    p = _command(sub, n, "promote", "copy pins from one environment to the next",
                 [f"promote --from {n.first} --to {n.second}",
                  f"promote --from {n.first} --to {n.second} --only canonical",
                  f"promote --from {n.second} --to {n.last} --commit --body-out body.md"], "done")
    p.add_argument("--from", dest="source", required=True, metavar="ENV",
                   help=n.env_help("the environment to copy pins from"))
    p.add_argument("--to", dest="target", required=True, metavar="ENV",
                   help=n.env_help("the environment to copy pins into (the next one)"))
    p.add_argument("--only", action="append", default=[], metavar="SELECTOR",
                   help="clients/<id>, canonical, layers/<name> or templates/<stack> (repeatable)")
    p.add_argument("--body-out", type=Path, metavar="FILE",
                   help="write the pull request body (Markdown) to FILE")
    p.add_argument("--commit", action="store_true", help="commit on a branch named after the pins")
    p.add_argument("--allow-downgrade", action="store_true",
                   help="allow a pin to go back to an older version (needs --reason)")
    p.add_argument("--reason", help="why a downgrade is allowed (kept in the commit and the PR body)")
    p = _command(sub, n, "gates", "evaluate the promotion gates of the target environment",
                 [f"gates --from {n.first} --to {n.second}",
                  f"gates --from {n.second} --to {n.last}", "gates --check-pr --base origin/main"],
                 "gates")
    p.add_argument("--from", dest="source", metavar="ENV",
                   help=n.env_help("the environment promoted from (default: the target's source)"))
    p.add_argument("--to", dest="target", metavar="ENV",
                   help=n.env_help("the environment whose gates are evaluated"))
    p.add_argument("--only", action="append", default=[], metavar="SELECTOR",
                   help="only these pins, as promote --only (repeatable)")
    p.add_argument("--check-pr", action="store_true",
                   help="check every new pin of a pull request against the gates (needs --base)")
    p.add_argument("--base", metavar="REF", help="with --check-pr: the pull request's base")
    p = _command(sub, n, "record-e2e", "record an end-to-end test result",
                 [f"record-e2e --env {n.second} --result pass --url https://ci.example/run/42"],
                 "done")
    p.add_argument("--env", required=True, help=n.env_help("the environment tested"))
    p.add_argument("--result", choices=("pass", "fail"), required=True,
                   help="the test's result: pass or fail")
    p.add_argument("--url", help="where the test run can be seen (kept in the evidence)")


def _versions(sub: Any, n: _Names) -> None:
    p = _command(sub, n, "new-version", "start a prerelease of a client config or the bundle",
                 ["new-version canonical --minor", "new-version client lai_weekly"], "done",
                 f"The prerelease is pinned in {n.first}; edit it, validate, then release it.")
    p.add_argument("kind", choices=("client", "canonical"),
                   help="what to version: client (then CLIENT_ID) or canonical")
    p.add_argument("client_id", nargs="?", metavar="CLIENT_ID",
                   help="with client: the client id, e.g. lai_weekly")
    bump = p.add_mutually_exclusive_group()
    for flag in ("--major", "--minor", "--patch"):
        bump.add_argument(flag, dest="bump", action="store_const", const=flag[2:],
                          help=f"bump the {flag[2:]} number" + (" (default)" if flag == "--minor"
                                                                else ""))
    p.add_argument("--force-new", action="store_true",
                   help="start another prerelease of a line whose first is not released")
    p = _command(sub, n, "release", "turn a prerelease into its immutable release",
                 ["release canonical 2.2.0-dev.1", "release client lai_weekly 7.2.0-dev.1",
                  "release layer vectora-core 1.4.1 --zip build/vectora-core.zip"], "done")
    p.add_argument("kind", choices=("client", "canonical", "layer"),
                   help="what to release: client, canonical or layer")
    p.add_argument("args", nargs="+", metavar="[ID] PRERELEASE | NAME VERSION",
                   help="client: ID PRERELEASE; canonical: PRERELEASE; layer: NAME VERSION")
    p.add_argument("--as", dest="as_version", metavar="VERSION",
                   help="release under this version instead of the prerelease's own")
    p.add_argument("--zip", type=Path, metavar="FILE",
                   help="layer only: the zip of the pinned content, uploaded when none is found")


def _snapshots(sub: Any, n: _Names) -> None:
    e = n.first
    p = _command(sub, n, "snapshot", "create, list, show, export, delete or restore snapshots",
                 [f"snapshot create --env {e} --name before-migration",
                  f"snapshot list --env {e}",
                  f"snapshot restore --env {e} --name before-migration"], "done",
                 "Manual snapshots stay until `snapshot delete`; snapshots.retention prunes "
                 "automatic ones only.")
    actions = p.add_subparsers(dest="action", required=True, parser_class=_Parser,
                               metavar="ACTION")
    specs = {
        "create": ("record AWS now (a manual snapshot: kept until deleted)",
                   [f"create --env {e} --name before-migration",
                    f"create --env {e} --name before-migration --export ./dev-backup"]),
        "list": ("every snapshot: name, created, kind, commit, objects, functions",
                 [f"list --env {e}", f"list --env {e} --output json"]),
        "show": ("one snapshot's exact versions, client configs and last runs",
                 [f"show before-migration --env {e} --output markdown --out record.md "
                  "--note 'known issue'"]),
        "export": ("copy a snapshot and its objects' content to a new local folder",
                   [f"export --env {e} --name before-migration ./dev-backup"]),
        "delete": ("delete a snapshot on purpose (S3 versioning keeps its bytes)",
                   [f"delete --env {e} --name before-migration"]),
        "restore": ("put AWS back as a snapshot (or an export folder) recorded it",
                    [f"restore --env {e} --name before-migration",
                     f"restore --env {e} --export ./dev-backup --yes"]),
    }
    parsers = {}
    for action, (summary, examples) in specs.items():
        q = _command(actions, n, action, summary, [f"snapshot {x}" for x in examples], "done")
        q.add_argument("--env", required=True, help=n.env_help("the environment"))
        q.add_argument("--repo", type=Path, default=argparse.SUPPRESS,
                       help="repository checkout to use (default: the current one)")
        parsers[action] = q
    _snapshot_options(parsers)
    p = _command(sub, n, "import", "adopt a live environment into git",
                 [f"import --env {n.first}", f"import --env {n.first} --stacks"], "done",
                 "Only reads AWS; writes git so that the next plan is empty.")
    p.add_argument("--env", required=True, help=n.env_help("the environment to adopt"))
    p.add_argument("--stacks", action="store_true",
                   help="only adopt the stacks listed by name as managed stacks (each one's "
                        "template pinned as a version, its parameters and tags)")


def _snapshot_options(parsers: dict[str, argparse.ArgumentParser]) -> None:
    parsers["create"].add_argument("--name", help="the snapshot's name (default: "
                                   "<time>-manual-<hex>)")
    parsers["create"].add_argument("--export", type=Path, metavar="DIR",
                                   help="also export it to this new or empty folder")
    parsers["list"].add_argument("--output", choices=("text", "json"), default="text",
                                 help="a table (default) or JSON for scripts")
    show = parsers["show"]
    show.add_argument("name", metavar="NAME", help="the snapshot (see `snapshot list`)")
    show.add_argument("--output", choices=("text", "markdown"), default="text",
                      help="text (default) or markdown: the record to keep before a migration")
    show.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE instead")
    show.add_argument("--note", action="append", default=[], metavar="TEXT",
                      help="a known issue to record with it (repeatable)")
    parsers["export"].add_argument("--name", required=True, help="the snapshot to export")
    parsers["export"].add_argument("folder", type=Path, metavar="DIR",
                                   help="a new or empty folder")
    parsers["delete"].add_argument("--name", required=True, help="the snapshot to delete")
    parsers["delete"].add_argument("--yes", action="store_true",
                                   help="do not ask for confirmation")
    parsers["restore"].add_argument("--name", help="the snapshot to put back")
    parsers["restore"].add_argument("--export", type=Path, metavar="DIR",
                                    help="or the export folder to put back")
    parsers["restore"].add_argument("--yes", action="store_true",
                                    help="do not ask for confirmation")


def _misc(sub: Any, n: _Names) -> None:
    p = _command(sub, n, "status", "environment matrix",
                 ["status", "status --output html --out status.html"], "done")
    p.add_argument("--output", choices=("text", "markdown", "html"), default="text",
                   help="text (default), markdown or html")
    p.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE instead")
    p = _command(sub, n, "history", "deployment records, newest first",
                 [f"history --env {n.last}", f"history --env {n.first} --limit 5"], "done")
    p.add_argument("--env", required=True, help=n.env_help("the environment"))
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="show at most N records (default 20)")
    p = _command(sub, n, "iam-policy", "least-privilege IAM policy for an environment's role",
                 [f"iam-policy --env {n.last}", f"iam-policy --env {n.last} --read-only",
                  f"iam-policy --env {n.last} --bucket-policy",
                  f"iam-policy --env {n.last} --stack-role",
                  f"iam-policy --env {n.last} --stack-role --trust"], "done")
    p.add_argument("--env", required=True, help=n.env_help("the environment"))
    p.add_argument("--read-only", action="store_true",
                   help="the policy of a role that only reads (plan, drift, status)")
    p.add_argument("--bucket-policy", action="store_true",
                   help="the data bucket's policy instead: only the apply role writes "
                        "deployments/, evidence is written once and never deleted")
    p.add_argument("--writer-role", metavar="NAME",
                   help="with --bucket-policy: the apply role's name (default "
                        "vectora-gitops-apply-ENV)")
    p.add_argument("--stack-role", action="store_true",
                   help="the policy of the CloudFormation service role instead (environment.yaml "
                        "stack_role): what the managed stacks' templates create, on this "
                        "environment's names only")
    p.add_argument("--trust", action="store_true",
                   help="with --stack-role: its trust policy (cloudformation.amazonaws.com)")
    _hold(sub, n)
    p = _command(sub, n, "sandbox", "local AWS emulator on 127.0.0.1",
                 ["sandbox up", "sandbox status", "sandbox down"], "sandbox",
                 "`sandbox up` prints the export lines that point the other commands at it.")
    p.add_argument("action", choices=("up", "down", "status"), help="up, down or status")


def _hold(sub: Any, n: _Names) -> None:
    e = n.last
    p = _command(sub, n, "hold", "show or release the hold a rolled-back apply left",
                 [f"hold show --env {e}",
                  f"hold release --env {e} --reason 'alarm explained, fix in the next pins'"],
                 "done", "A hold refuses the pins an alarm rolled back until a commit changes "
                 "them or `hold release` lifts it.")
    actions = p.add_subparsers(dest="action", required=True, parser_class=_Parser,
                               metavar="ACTION")
    specs = {
        "show": ("the holds of an environment: alarm, pins, record", [f"show --env {e}"]),
        "release": ("lift the holds of an environment (kept in S3 with the reason)",
                    [f"release --env {e} --reason 'alarm explained'"]),
    }
    for action, (summary, examples) in specs.items():
        q = _command(actions, n, action, summary, [f"hold {x}" for x in examples], "done")
        q.add_argument("--env", required=True, help=n.env_help("the environment"))
        q.add_argument("--repo", type=Path, default=argparse.SUPPRESS,
                       help="repository checkout to use (default: the current one)")
        if action == "release":
            q.add_argument("--reason", metavar="TEXT",
                           help="why the rolled-back pins may be applied again (kept in S3)")


def parse(argv: Sequence[str]) -> argparse.Namespace:
    arguments = list(argv)
    return build_parser(environment_names(_repo_option(arguments))).parse_args(arguments)


def _repo_option(arguments: list[str]) -> Path | None:
    """The `--repo` given anywhere on the line (the help names that repository's environments)."""
    for i, arg in enumerate(arguments):
        if arg == "--repo" and i + 1 < len(arguments):
            return Path(arguments[i + 1])
        if arg.startswith("--repo="):
            return Path(arg.split("=", 1)[1])
    return None


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
    return localfiles.state_folders(CRASH_DIR_ENV, PROG)


def _write_crash_log(command: str, arguments: list[str], exc: Exception) -> Path | None:
    import traceback
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    text = (f"{command} crashed at {now.isoformat(timespec='seconds')}\n"
            f"arguments: {arguments!r}\npython: {sys.version.split()[0]} on {sys.platform}\n\n"
            + "".join(traceback.format_exception(exc)))
    name = f"crash-{now.strftime('%Y%m%dT%H%M%S.%fZ')}-{os.getpid()}.log"
    return localfiles.write_once(crash_folders(), name, text)


def _module_name(command: str) -> str:
    return {"import": "import_env"}.get(command, command.replace("-", "_"))
