"""`vectora-gitops snapshot (create|list|show|export|delete|restore) --env ENV ...`: record AWS,
read the records, copy one to a folder, delete one on purpose, put one back."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

from vectora_gitops import console
from vectora_gitops.aws.client import Aws
from vectora_gitops.commands.common import PathUse, check_path, confirmed, repository
from vectora_gitops.desired.repo import load_env
from vectora_gitops.engine import guards
from vectora_gitops.engine.lockedrun import settle_dead_run
from vectora_gitops.errors import UsageError
from vectora_gitops.model import Environment
from vectora_gitops.render import snapshot as render
from vectora_gitops.snapshots import catalog, export, restore, show, take

# Each action's path option, and what it must be (checked before anything is read).
PATHS: dict[str, tuple[str, str, PathUse]] = {
    "create": ("--export", "export", "new folder"), "export": ("DIR", "folder", "new folder"),
         "restore": ("--export", "export", "existing folder"), "show": ("--out", "out", "file")}


def main(args: Namespace) -> int:
    if args.action in PATHS:
        flag, attr, use = PATHS[args.action]
        check_path(flag, getattr(args, attr), use)
    env, _ = load_env(repository(args), args.env)
    aws = Aws(env.region)
    guards.check_account(aws, env)
    if args.action == "create":
        return create(aws, env, name=args.name, folder=args.export)
    if args.action == "list":
        entries = catalog.entries(aws, env)
        writer = render.entries_json if args.output == "json" else render.entries_text
        console.out(writer(env.name, entries, env.snapshot_retention))
        return 0
    if args.action == "show":
        return show_record(aws, env, name=args.name, output=args.output, out=args.out,
                           notes=tuple(args.note))
    if args.action == "export":
        return export_one(aws, env, name=args.name, folder=args.folder)
    if args.action == "delete":
        return delete(aws, env, name=args.name, yes=args.yes)
    return run_restore(aws, env, name=args.name, folder=args.export, yes=args.yes)


def _manifest(aws: Aws, env: Environment, name: str) -> export.Manifest:
    return export.parse(take.load_manifest(aws, env, name), where=take.manifest_key(name))


def create(aws: Aws, env: Environment, *, name: str | None, folder: Path | None) -> int:
    guards.check_versioning(aws, env, (env.buckets.config,))
    made = take.create(aws, env, name=take.check_name(name) if name else take.new_name("manual"))
    console.out(f"{env.name}: snapshot {made} created (manual: kept until `vectora-gitops "
                f"snapshot delete --env {env.name} --name {made}`; retention prunes only the "
                "automatic ones)")
    if folder is not None:
        count = export.export(aws, _manifest(aws, env, made), folder)
        console.out(f"{env.name}: exported snapshot {made} ({count} object(s)) to {folder}")
    return 0


def export_one(aws: Aws, env: Environment, *, name: str, folder: Path) -> int:
    manifest = _manifest(aws, env, name)
    count = export.export(aws, manifest, folder, flag="DIR")
    console.out(f"{env.name}: exported snapshot {manifest.name} ({count} object(s)) to {folder}; "
                f"restore from it with `vectora-gitops snapshot restore --env {env.name} "
                f"--export {folder}`")
    return 0


def show_record(aws: Aws, env: Environment, *, name: str, output: str, out: Path | None,
                notes: tuple[str, ...]) -> int:
    record = show.record(aws, env, _manifest(aws, env, name), notes)
    written = render.markdown(record) if output == "markdown" else render.text(record)
    if out is None:
        console.out(written)
        return 0
    out.write_text(written, encoding="utf-8")
    console.out(f"{env.name}: snapshot {record.name} written to {out}")
    return 0


def delete(aws: Aws, env: Environment, *, name: str, yes: bool) -> int:
    manifest = _manifest(aws, env, name)
    console.out(f"{env.name}: snapshot {manifest.name} ({manifest.kind}, created "
                f"{manifest.created_at}, {len(manifest.objects)} object(s), "
                f"{len(manifest.functions)} function(s)) will be deleted")
    if not confirmed(yes, command="snapshot delete",
                     question=f"Delete snapshot {manifest.name} of {env.name}?"):
        return 1
    count = take.remove(aws, env, manifest.name)
    console.out(f"{env.name}: snapshot {manifest.name} deleted ({count} object(s) of "
                f"s3://{env.buckets.config}/{take.PREFIX}{manifest.name}/ now behind a delete "
                "marker: S3 versioning keeps their bytes; the object versions it names are "
                "untouched)")
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
        manifest = _manifest(aws, env, str(name))
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
