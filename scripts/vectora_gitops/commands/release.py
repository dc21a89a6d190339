"""`vectora-gitops release (client <id> | canonical) <prerelease> [--as VERSION]`."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.promotion.release import release


def main(args: Namespace) -> int:
    done = release(repository(args), args.kind, list(args.args), args.as_version)
    console.out(f"released {done.name} {done.version} from {done.prerelease}: {done.path}")
    if done.changelog:
        console.out(f"added a metadata.changelog entry for {done.version}; review its wording")
    for env in done.repinned:
        console.out(f"re-pinned {env}: {done.prerelease} -> {done.version}")
    console.out("released versions are immutable: commit, then promote "
                "(`vectora-gitops promote --from <env> --to <env>`)")
    return 0
