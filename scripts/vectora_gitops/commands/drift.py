"""`vectora-gitops drift (--env ENV | --all) [--output text|markdown|json] [--out DIR_OR_FILE]
[--heal]`: 0 no drift, 2 drift, 1 error (or drift that --heal may not fix)."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from vectora_gitops import console
from vectora_gitops.commands.common import check_path, repository
from vectora_gitops.desired.repo import Repository
from vectora_gitops.drift.findings import EnvDrift
from vectora_gitops.drift.heal import heal
from vectora_gitops.drift.run import check_all
from vectora_gitops.errors import UsageError
from vectora_gitops.render import drift as render


def main(args: Namespace) -> int:
    check_path("--out", args.out, "folder" if args.output == "markdown" else "file")
    repo = repository(args)
    envs = repo.env_names() if args.all else [_known(repo, args.env)]
    results = check_all(repo, envs)
    for result in results:
        if result.error:
            console.err(f"{result.env}: {result.error}")
    report(results, output=args.output, out=args.out)
    drifted = [r for r in results if r.drifted]
    healed = heal_all(repo, drifted) if args.heal and drifted and not any(
        r.error for r in results) else {}
    if args.output == "text":
        console.out(render.next_steps(results, healed if args.heal else None))
    if any(r.error for r in results):
        return 1
    if not drifted:
        return 0
    if not args.heal:
        return 2
    return 0 if all(healed.values()) else 1


def _known(repo: Repository, env: str) -> str:
    repo.env_dir(env)
    return env


def heal_all(repo: Repository, drifted: list[EnvDrift]) -> dict[str, bool]:
    """Heal each drifting environment where allowed: env -> healed."""
    outcome = {}
    for result in drifted:
        healed = heal(repo, result)
        if healed.ok:
            console.out(healed.message)
        else:
            console.err(healed.message)
        outcome[result.env] = healed.ok
    return outcome


def report(results: list[EnvDrift], *, output: str, out: Path | None) -> None:
    if output == "markdown" and out is not None:
        write_markdown(results, out)
        return
    if output == "json":
        body = render.as_json(results)
        for result in (r for r in results if r.notice):
            console.err(f"{result.env}: {result.notice}")
    elif output == "markdown":
        body = "\n".join(render.markdown(r) if r.drifted else render.summary_markdown(r)
                         for r in results)
    else:
        body = render.text(results)
    if out is None:
        console.out(body)
    else:
        _write(out, body)


def write_markdown(results: list[EnvDrift], folder: Path) -> None:
    """One `<env>.md` per drifting environment; a stale file of a clean environment goes.
    `main` checked the folder before anything ran."""
    folder.mkdir(exist_ok=True)
    for result in results:
        path = folder / f"{result.env}.md"
        if result.drifted:
            _write(path, render.markdown(result))
            console.out(f"{result.env}: drift written to {path}")
        elif not result.error:
            path.unlink(missing_ok=True)
            console.out(render.summary(result))


def _write(path: Path, body: str) -> None:
    try:
        path.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write: {exc.strerror}") from None
