"""`vectora-gitops release (client <id> | canonical) <prerelease> [--as VERSION]` and
`vectora-gitops release layer <name> <version> [--zip FILE]`."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import Repository
from vectora_gitops.errors import UsageError
from vectora_gitops.model import selector_of
from vectora_gitops.promotion.release import release
from vectora_gitops.promotion.release_layer import release_layer
from vectora_gitops.promotion.run_gates import load_chain


def main(args: Namespace) -> int:
    if args.kind == "layer":
        return _layer(args)
    if args.zip:
        raise UsageError("--zip goes with `release layer`")
    repo = repository(args)
    done = release(repo, args.kind, list(args.args), args.as_version)
    console.out(f"released {done.name} {done.version} from {done.prerelease}: {done.path}")
    if done.changelog:
        console.out(f"added a metadata.changelog entry for {done.version}; review its wording")
    for env in done.repinned:
        console.out(f"re-pinned {env}: {done.prerelease} -> {done.version}")
    if args.kind == "client":
        logged = " and changelog" if done.changelog else ""
        why = f"the release changed the bytes (its version field{logged})"
    elif (repo.bundle_dir(done.version) / "README.md").is_file():
        why = "the release changed the bytes (the bundle's README heading)"
    else:
        why = "its pin names a new version"
    selector = selector_of("clients", done.name) if args.kind == "client" else "canonical"
    _apply_again(repo, done.repinned, why, selector)
    return 0


def _apply_again(repo: Repository, repinned: tuple[str, ...], why: str, selector: str) -> None:
    """Which environments must be applied again, that the soak starts at that apply, and the
    exact promote command that comes after it."""
    if not repinned:
        console.out("released versions are immutable: commit; no environment pins it yet (pin "
                    "it in the first environment with `vectora-gitops new-version` next time)")
        return
    chain = load_chain(repo)
    envs = ", ".join(repinned)
    source = repinned[0]
    targets = chain.promotion.targets(source)
    soak = ""
    if targets:
        days = chain.envs[targets[0]].promotion.gates.soak_days
        soak = f", and the {days}-day soak {targets[0]} asks for starts at that apply" if days \
            else ""
    console.out(f"{envs} must be applied again: {why}, so what {envs} ran before is not this "
                f"release{soak}")
    console.out("released versions are immutable: commit, open a pull request and merge it; "
                f"the reconcile workflow applies {envs}")
    if targets:
        console.out(f"next, once {source} is applied and has soaked: vectora-gitops promote "
                    f"--from {source} --to {targets[0]} --only {selector}")


def _layer(args: Namespace) -> int:
    if args.as_version or len(args.args) != 2:
        raise UsageError("usage: release layer <name> <version> [--zip FILE]")
    done = release_layer(repository(args), args.args[0], args.args[1], args.zip)
    how = "uploaded to" if done.uploaded else "zip"
    console.out(f"released layer {done.name} {done.version} from {done.prerelease} (sha256 "
                f"{done.sha256[:12]}, unchanged; {how} {done.artifact})")
    for env in done.repinned:
        console.out(f"re-pinned {env}: {done.prerelease} -> {done.version}")
    console.out("the published layer version keeps running (same content)")
    _apply_again(repository(args), done.repinned, "its pin names a new version",
                 selector_of("layers", done.name))
    return 0
