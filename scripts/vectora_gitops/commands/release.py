"""`vectora-gitops release (client <id> | canonical) <prerelease> [--as VERSION]` and
`vectora-gitops release layer <name> <version> [--zip FILE]`."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.errors import UsageError
from vectora_gitops.promotion.release import release
from vectora_gitops.promotion.release_layer import release_layer


def main(args: Namespace) -> int:
    if args.kind == "layer":
        return _layer(args)
    if args.zip:
        raise UsageError("--zip goes with `release layer`")
    done = release(repository(args), args.kind, list(args.args), args.as_version)
    console.out(f"released {done.name} {done.version} from {done.prerelease}: {done.path}")
    if done.changelog:
        console.out(f"added a metadata.changelog entry for {done.version}; review its wording")
    for env in done.repinned:
        console.out(f"re-pinned {env}: {done.prerelease} -> {done.version}")
    console.out("released versions are immutable: commit, then promote "
                "(`vectora-gitops promote --from <env> --to <env>`)")
    return 0


def _layer(args: Namespace) -> int:
    if args.as_version or len(args.args) != 2:
        raise UsageError("usage: release layer <name> <version> [--zip FILE]")
    done = release_layer(repository(args), args.args[0], args.args[1], args.zip)
    how = "uploaded to" if done.uploaded else "zip"
    console.out(f"released layer {done.name} {done.version} from {done.prerelease} (sha256 "
                f"{done.sha256[:12]}, unchanged; {how} {done.artifact})")
    for env in done.repinned:
        console.out(f"re-pinned {env}: {done.prerelease} -> {done.version}")
    console.out("the published layer version keeps running (same content); commit, then promote "
                "(`vectora-gitops promote --from <env> --to <env>`)")
    return 0
