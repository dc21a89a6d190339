"""A CLI that teaches: every option of every command says what it does, every command shows an
example with the repository's real environment names and its exit codes, `--version`."""

from __future__ import annotations

import argparse
import re
from importlib import metadata
from pathlib import Path

import pytest

from support import run
from vectora_gitops.cli import PROG, build_parser, environment_names, main

REPO_ENVS = ["dev", "stage", "prod"]


def commands(parser: argparse.ArgumentParser, prefix: str = "",
             depth: int = 0) -> dict[str, argparse.ArgumentParser]:
    """Every command by its name, nested subcommands included (`snapshot export`)."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and depth < 3:
            for name, command in action.choices.items():
                found[f"{prefix}{name}"] = command
                found.update(commands(command, f"{prefix}{name} ", depth + 1))
    return found


def undocumented(parser: argparse.ArgumentParser) -> list[str]:
    """What the help leaves out: an option or argument without a help line, a command without
    an example of itself, the environment names or its exit codes."""
    missing = [f"{PROG} {'/'.join(a.option_strings) or a.dest}: no help"
               for a in parser._actions if not isinstance(a, argparse._SubParsersAction)
               and (not a.help or a.help == argparse.SUPPRESS)]
    for prefix, owner in [("", parser), *((f"{n} ", c) for n, c in commands(parser).items())]:
        for sub in (a for a in owner._actions if isinstance(a, argparse._SubParsersAction)):
            listed = {a.dest: a.help for a in sub._choices_actions}
            missing += [f"{prefix}{name}: no help line in the list of commands"
                        for name in sub.choices if not listed.get(name)]
    for name, command in commands(parser).items():
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue  # its commands are checked one by one
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}: no help")
        epilog = command.epilog or ""
        if not re.search(rf"^examples:\n  {PROG} {re.escape(name)}( |$)", epilog, re.M):
            missing.append(f"{name}: no example")
        if "\nenvironments: dev, stage, prod\n" not in f"\n{epilog}":
            missing.append(f"{name}: no environment names")
        if "exit codes: 0 " not in epilog:
            missing.append(f"{name}: no exit codes")
        if not isinstance(command.formatter_class, type) or not issubclass(
                command.formatter_class, argparse.RawDescriptionHelpFormatter):
            missing.append(f"{name}: the examples would be rewrapped")
    return missing


def test_every_option_of_every_command_has_help_and_every_command_an_example() -> None:
    parser = build_parser(REPO_ENVS)
    assert len(commands(parser)) >= 17
    assert undocumented(parser) == []


def test_the_walk_finds_what_is_missing() -> None:
    # The same walk over a parser built to lack each thing: each is named (the check can fail).
    parser = build_parser(REPO_ENVS)
    plan = commands(parser)["plan"]
    plan.add_argument("--brand-new-flag", action="store_true")
    plan.epilog = "environments: dev, stage, prod\n\nexit codes: 0 in sync"
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bare = sub.add_parser("bare")
    bare.add_argument("thing")
    nested = commands(parser)["history"].add_subparsers(dest="what")
    nested.add_parser("export", help="export one", epilog="environments: dev, stage, prod\n\n"
                      "examples:\n  vectora-gitops history export x\n\nexit codes: 0 done",
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    nested.add_parser("show")
    assert undocumented(parser) == [
        "bare: no help line in the list of commands",
        "history show: no help line in the list of commands",
        "plan --brand-new-flag: no help", "plan: no example",
        "history show: no example", "history show: no environment names",
        "history show: no exit codes", "history show: the examples would be rewrapped",
        "bare thing: no help", "bare: no example", "bare: no environment names",
        "bare: no exit codes", "bare: the examples would be rewrapped"]


def test_environment_options_name_the_real_environments() -> None:
    parser = build_parser(REPO_ENVS)
    for name, command in commands(parser).items():
        for action in command._actions:
            if "--env" in action.option_strings or {"--from", "--to"} & set(action.option_strings):
                if name == "move-client" and "--to" in action.option_strings:
                    continue  # a client id there
                assert action.help and action.help.endswith("one of dev, stage, prod"), (name, action)


def test_environment_names_come_from_the_repository(repo: Path, tmp_path: Path) -> None:
    assert environment_names(repo) == ["dev", "stage", "prod"]
    assert environment_names(repo / "environments" / "dev") == ["dev", "stage", "prod"]
    (repo / "environments" / "qa").mkdir()
    (repo / "environments" / "qa" / "environment.yaml").write_text("name: qa\n")
    (repo / "environments" / "empty").mkdir()
    assert environment_names(repo) == ["dev", "stage", "prod", "qa"]
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    assert environment_names(alone) == ["dev", "stage", "prod"]  # the documented chain


@pytest.mark.parametrize(("command", "example", "codes"), [
    ("plan", "vectora-gitops plan --env dev\n",
     "exit codes: 0 nothing to change, 2 changes to apply, 1 error"),
    ("drift", "vectora-gitops drift --all\n", "exit codes: 0 no drift, 2 drift found, 1 error"),
    ("promote", "vectora-gitops promote --from dev --to stage\n", "exit codes: 0 done, 1 error"),
    ("apply", "vectora-gitops apply --env prod --plan plan.json --yes\n",
     "exit codes: 0 done, 1 error"),
])
def test_command_help_shows_examples_and_exit_codes(
        repo: Path, capsys: pytest.CaptureFixture[str], command: str, example: str,
        codes: str) -> None:
    code, out, err = run(capsys, repo, command, "--help")
    assert code == 0 and err == ""
    assert f"\nexamples:\n  vectora-gitops {command} " in out
    assert f"  {example}" in out and codes in out


def test_help_of_another_repository_names_its_environments(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "environments" / "qa").mkdir()
    (repo / "environments" / "qa" / "environment.yaml").write_text("name: qa\n")
    code, out, _ = run(capsys, repo, "--help")
    assert code == 0
    assert "environments: dev, stage, prod, qa (promotion chain: dev -> stage -> prod -> qa)" in out
    assert "exit codes: 0 in sync, 2 changes or drift present, 1 error" in out
    code, out, _ = run(capsys, repo, "history", "--help")
    assert code == 0 and "--env ENV the environment: one of dev, stage, prod, qa " in \
        " ".join(out.split())


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"vectora-gitops {metadata.version('vectora-gitops')}\n"
