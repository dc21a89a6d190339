"""`vectora-gitops snapshot (create|list|restore) --env ENV [--name NAME] [--export DIR] [--yes]`."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from vectora_gitops import console
from vectora_gitops.aws.client import Aws
from vectora_gitops.commands.common import check_path, confirmed, repository
from vectora_gitops.desired.repo import load_env
from vectora_gitops.engine import guards
from vectora_gitops.engine.lockedrun import settle_dead_run
from vectora_gitops.errors import UsageError
from vectora_gitops.model import Environment
from vectora_gitops.snapshots import export, restore, take


def main(args: Namespace) -> int:
    if args.action == "create":
        check_path("--export", args.export, "new folder")
    elif args.action == "restore":
        check_path("--export", args.export, "existing folder")
    env, _ = load_env(repository(args), args.env)
    aws = Aws(env.region)
    guards.check_account(aws, env)
    if args.action == "create":
        return create(aws, env, name=args.name, folder=args.export)
    if args.action == "list":
        for name in take.list_snapshots(aws, env):
            console.out(name)
        return 0
    return run_restore(aws, env, name=args.name, folder=args.export, yes=args.yes)


def create(aws: Aws, env: Environment, *, name: str | None, folder: Path | None) -> int:
    guards.check_versioning(aws, env, (env.buckets.config,))
    made = take.create(aws, env, name=take.check_name(name) if name else take.new_name("manual"))
    take.prune_old(aws, env)
    console.out(f"{env.name}: snapshot {made} created")
    if folder is not None:
        manifest = export.parse(take.load_manifest(aws, env, made), where=made)
        count = export.export(aws, manifest, folder)
        console.out(f"{env.name}: exported snapshot {made} ({count} object(s)) to {folder}")
    return 0


def run_restore(aws: Aws, env: Environment, *, name: str | None, folder: Path | None,
                yes: bool) -> int:
    if (name is None) == (folder is None):
        raise UsageError("snapshot restore needs --name NAME or --export DIR (one of them)")
    content: restore.Content | None = None
    if folder is not None:
        manifest = export.read_export(folder)
        content = _reader(folder, manifest)
    else:
        manifest = export.parse(take.load_manifest(aws, env, str(name)), where=str(name))
    if manifest.env != env.name:
        raise UsageError(f"snapshot {manifest.name} is of {manifest.env}, not {env.name}")
    plan = restore.make_plan(aws, env, manifest)
    if plan.empty:
        settle_dead_run(aws, env)
        console.out(f"{env.name}: already as in snapshot {manifest.name}; nothing to restore")
        return 0
    console.out("\n".join(plan.lines()))
    if not confirmed(yes, command="restore",
                     question=f"Restore {env.name} to snapshot {manifest.name}?"):
        return 1
    record = restore.run(aws, env, manifest, plan, content=content)
    after = record.notes.get("restored_to_commit") or ""
    revert = f"revert the commits after {after}" if after else "revert the commits applied " \
        "after the snapshot"
    console.out(f"{env.name}: restored to snapshot {manifest.name} (snapshot of the state before: "
                f"{record.snapshot}; record {record.id})")
    console.out(f"git is now behind AWS: bring git in line: `vectora-gitops import --env "
                f"{env.name}` or {revert}")
    return 0


def _reader(folder: Path, manifest: export.Manifest) -> restore.Content:
    def content(key: str) -> bytes:
        return export.exported_bytes(folder, manifest, key)
    return content
