"""`vectora-gitops new-version (client <id> | canonical) [--major|--minor|--patch] [--force-new]`."""

from __future__ import annotations

from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.commands.common import repository
from vectora_gitops.promotion.newversion import new_version


def main(args: Namespace) -> int:
    created = new_version(repository(args), args.kind, args.client_id, args.bump or "minor",
                          force_new=args.force_new)
    what = f"client {created.name}" if created.kind == "client" else "canonical"
    release = f"release {'client ' + created.name if created.kind == 'client' else 'canonical'}"
    console.out(f"created {what} {created.version} (copied from {created.copied_from}): "
                f"{created.path}")
    console.out(f"pinned {created.version} in {created.pinned_in} "
                f"(environments/{created.pinned_in}/pins.yaml)")
    console.out("next:")
    console.out(f"  1. edit {created.path}"
                + (" and add a metadata.changelog entry for it" if created.kind == "client" else ""))
    console.out("  2. vectora-gitops validate")
    console.out(f"  3. when it is ready: vectora-gitops {release} {created.version}")
    return 0
