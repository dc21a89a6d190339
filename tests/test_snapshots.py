"""Snapshots against the moto server: create, list, export, restore (from S3 versions and from an
export folder), the refusal without a terminal, and the restore record drift reads."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from markdown_it import MarkdownIt
from markdown_it.token import Token

from helpers_repo import git
from support import (
    CONFIG,
    GLOSSARY,
    bad_apply,
    cli,
    client,
    configs,
    function,
    managed,
    objects,
    put,
    run,
    run_records,
)
from vectora_gitops.aws.client import add_request_hook
from vectora_gitops.masking import mask as masked
from vectora_gitops.safetext import printable


@pytest.fixture
def applied(seeded: Path) -> Path:
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    return seeded


def test_restore_from_versions_is_byte_identical(applied: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, applied, "snapshot", "create", "--env", "dev", "--name", "good")[0] == 0
    before, functions = managed(), configs()
    bad_apply(applied)
    assert managed() != before
    code, out, _ = run(capsys, applied, "snapshot", "list", "--env", "dev")
    assert code == 0 and "good" in out.split()
    code, out, _ = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "good",
                       "--yes")
    assert code == 0, out
    assert "restore canonical/imports/glossary.md" in out
    assert "delete canonical/imports/new.md" in out and "git is now behind" in out
    assert managed() == before and configs() == functions
    records = run_records("vectora-inbox-data-dev")
    restore = next(r for r in records if r["kind"] == "restore")
    assert restore["result"] == "succeeded" and "pre-restore" in restore["snapshot"]
    code, out, _ = run(capsys, applied, "drift", "--env", "dev")
    assert code == 2 and "restored from snapshot good" in out and "import --env dev" in out
    assert f"revert the commits after {restore['restored_to_commit']}" in out
    assert run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name",
               restore["snapshot"], "--yes")[0] == 0  # the restore itself can be undone
    assert objects(CONFIG, "canonical/imports/glossary.md") == {
        "canonical/imports/glossary.md": b"# broken glossary\n"}


def test_restore_from_an_export(applied: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "export"
    code, out, _ = run(capsys, applied, "snapshot", "create", "--env", "dev", "--name", "x",
                       "--export", str(folder))
    assert code == 0 and "exported snapshot x (20 object(s))" in out
    assert (folder / "objects/clients/lai_weekly.yaml").read_bytes() == \
        objects(CONFIG, "clients/")["clients/lai_weekly.yaml"]
    before, functions = managed(), configs()
    bad_apply(applied)
    assert run(capsys, applied, "snapshot", "restore", "--env", "dev", "--export", str(folder),
               "--yes")[0] == 0
    assert managed() == before and configs() == functions
    code, out, _ = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--export",
                       str(folder), "--yes")
    assert code == 0 and "nothing to restore" in out


def test_restore_refuses_without_terminal_or_yes(applied: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "s") == 0
    put(CONFIG, "canonical/imports/new.md", b"x\n")
    code, out, err = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "s")
    assert code == 1 and "--yes" in err and "delete canonical/imports/new.md" in out
    assert "canonical/imports/new.md" in objects(CONFIG, "canonical/imports/")
    code, _, err = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "nope",
                       "--yes")
    assert code == 1 and "no snapshot named 'nope'" in err
    code, _, err = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--yes")
    assert code == 1 and "--name NAME or --export DIR" in err


def test_retention_keeps_the_newest_snapshots(seeded: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    env_file = seeded / "environments/dev/environment.yaml"
    env_file.write_text(env_file.read_text().replace("retention: 10", "retention: 2"))
    for i in range(4):
        (seeded / "canonical/2.1.0/imports/glossary.md").write_text(f"# glossary {i}\n")
        assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    code, out, _ = run(capsys, seeded, "snapshot", "list", "--env", "dev")
    records = sorted(r["snapshot"] for r in run_records("vectora-inbox-data-dev"))
    listed = [name for name in records if name in out]
    assert code == 0 and listed == records[-2:]


# ---- kinds and retention ----------------------------------------------------------------------

AUTO = "20260101T000000000000Z-pre-apply-abcd"  # a name the tool gives automatic snapshots


def legacy_manifest(name: str, reason: str, objects: int = 1) -> bytes:
    """A manifest as written before snapshots had a kind, a commit or a summary."""
    return json.dumps({"name": name, "env": "dev", "created_at": "2026-01-01T00:00:00+00:00",
                       "actor": "ci", "reason": reason, "bucket": CONFIG,
                       "objects": {f"canonical/o{i}.md": {"version_id": "v", "etag": "e"}
                                   for i in range(objects)},
                       "functions": {}, "layers": {}}).encode()


def snapshot_names() -> set[str]:
    return {k.split("/")[2] for k in objects(CONFIG, "backups/snapshots/")
            if k.endswith("/manifest.json")}


def test_retention_prunes_automatic_snapshots_only(seeded: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """retention: 10 (the environment's); a manual snapshot, a manual one written before kinds
    existed (even with an automatic-looking name) and a hand-made folder all outlive 11 applies;
    the automatic one written before kinds existed is pruned like the others."""
    assert cli(seeded, "snapshot", "create", "--env", "dev", "--name", "keep-me") == 0
    legacy_auto = "20250101T000000000000Z-pre-apply-0a0a"
    put(CONFIG, f"backups/snapshots/{legacy_auto}/manifest.json",
        legacy_manifest(legacy_auto, "before apply of 0123abc"))
    put(CONFIG, f"backups/snapshots/{AUTO}/manifest.json", legacy_manifest(AUTO, "manual"))
    put(CONFIG, "backups/snapshots/by-hand/manifest.json", b'{"clients": ["lai_weekly_v7"]}\n')
    broken = "20250101T000000000000Z-pre-apply-0b0b"  # an automatic name, not JSON: kept
    put(CONFIG, f"backups/snapshots/{broken}/manifest.json", b"{not json")
    for i in range(11):
        (seeded / GLOSSARY).write_text(f"# glossary {i}\n")
        assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    taken = [r["snapshot"] for r in run_records("vectora-inbox-data-dev")]
    assert len(taken) == 11 and all("-pre-apply-" in name for name in taken)
    assert snapshot_names() == {"keep-me", AUTO, "by-hand", broken, *taken[-10:]}
    code, out, _ = run(capsys, seeded, "snapshot", "list", "--env", "dev")
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]
            if line.split() and line.split()[0] in snapshot_names()}
    assert code == 0 and rows["keep-me"][1] == "manual" and rows[AUTO][1] == "manual"
    assert rows["by-hand"][1:] == ["manual", "?", "?", "?"]
    assert "by-hand: not a manifest of this tool (kept as manual)" in out
    assert f"{broken}: not a manifest of this tool (kept as manual)" in out
    assert [r[1] for n, r in rows.items() if n in taken] == ["automatic"] * 10
    assert ("dev: 14 snapshot(s); the newest 10 automatic ones are kept (snapshots.retention; "
            "10 now), manual ones until `snapshot delete`") in out


def test_a_manual_snapshot_cannot_take_an_automatic_name(seeded: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, seeded, "snapshot", "create", "--env", "dev", "--name", AUTO)
    assert code == 1 and err == (f"snapshot name '{AUTO}': names like <time>-pre-apply-<hex> are "
                                 "those of automatic snapshots, which retention prunes; choose "
                                 "another name\n")
    assert snapshot_names() == set()


def test_delete_on_purpose(applied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "old") == 0
    key = "backups/snapshots/old/manifest.json"
    code, out, err = run(capsys, applied, "snapshot", "delete", "--env", "dev", "--name", "old")
    assert code == 1 and err == "snapshot delete needs --yes when there is no terminal to " \
        "confirm on\n"
    assert "dev: snapshot old (manual, created " in out and "old" in snapshot_names()
    code, out, _ = run(capsys, applied, "snapshot", "delete", "--env", "dev", "--name", "old",
                       "--yes")
    assert code == 0 and out.endswith(
        "dev: snapshot old deleted (2 object(s) of s3://vectora-inbox-config-dev/backups/"
        "snapshots/old/ now behind a delete marker: S3 versioning keeps their bytes; the object "
        "versions it names are untouched)\n")
    assert "old" not in snapshot_names()
    versions = client("s3").list_object_versions(Bucket=CONFIG, Prefix=key)
    assert [m["IsLatest"] for m in versions["DeleteMarkers"]] == [True]
    kept = versions["Versions"][0]["VersionId"]
    body = client("s3").get_object(Bucket=CONFIG, Key=key, VersionId=kept)["Body"].read()
    assert json.loads(body)["name"] == "old" and json.loads(body)["kind"] == "manual"
    code, _, err = run(capsys, applied, "snapshot", "delete", "--env", "dev", "--name", "old",
                       "--yes")
    assert code == 1 and "no snapshot named 'old'" in err


# ---- list -------------------------------------------------------------------------------------

def test_list_is_a_table_and_json(applied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "before-migration") == 0
    commit = git(applied, "rev-parse", "HEAD").strip()
    put(CONFIG, f"backups/snapshots/{AUTO}/manifest.json", legacy_manifest(AUTO, "before apply "
                                                                           "of 0123abc", 3))
    code, out, _ = run(capsys, applied, "snapshot", "list", "--env", "dev")
    lines = [line.split() for line in out.splitlines()]
    assert code == 0 and lines[0] == ["name", "created", "kind", "commit", "objects", "functions"]
    manifest = json.loads(objects(CONFIG, "backups/snapshots/before-migration/")[
        "backups/snapshots/before-migration/manifest.json"])
    assert ["before-migration", manifest["created_at"], "manual", commit[:12], "20", "3"] in lines
    # written before kinds and summaries: read from the manifest; no apply had ended by then
    assert [AUTO, "2026-01-01T00:00:00+00:00", "automatic", "?", "3", "0"] in lines
    code, out, _ = run(capsys, applied, "snapshot", "list", "--env", "dev", "--output", "json")
    listed = {s["name"]: s for s in json.loads(out)["snapshots"]}
    assert code == 0 and listed["before-migration"] == {
        "name": "before-migration", "created_at": manifest["created_at"], "kind": "manual",
        "commit": commit, "objects": 20, "functions": 3, "note": None}
    summary = json.loads(objects(CONFIG, "backups/snapshots/before-migration/summary.json")[
        "backups/snapshots/before-migration/summary.json"])
    assert "DEBUG" not in json.dumps(summary) and summary["objects"] == 20  # no values in it


def test_list_with_a_role_that_may_not_read_manifests(applied: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The read-only role reads summaries only: a snapshot written before summaries is listed
    with what is unknown marked, not an error (AccessDenied injected where S3 would answer it)."""
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "new") == 0
    put(CONFIG, f"backups/snapshots/{AUTO}/manifest.json", legacy_manifest(AUTO, "manual"))

    def deny(service: str, operation: str, params: dict[str, Any]) -> None:
        if operation == "GetObject" and params["Key"].endswith("/manifest.json"):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}},
                              "GetObject")

    remove = add_request_hook(deny)
    try:
        code, out, err = run(capsys, applied, "snapshot", "list", "--env", "dev")
    finally:
        remove()
    rows = {line.split()[0]: line.split()[2:] for line in out.splitlines()[1:4]}
    assert code == 0 and err == "" and rows[AUTO] == ["?"] * 4  # its time: S3's for the object
    assert rows["new"][0] == "manual" and rows["new"][2:] == ["20", "3"]
    assert (f"{AUTO}: written before summaries: its manifest needs the apply role to be read"
            in out)


# ---- export of an existing snapshot -----------------------------------------------------------

def test_export_an_existing_snapshot(applied: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "x") == 0
    before = managed()
    bad_apply(applied)
    code, _, err = run(capsys, applied, "snapshot", "export", "--env", "dev", "--name", "nope",
                       str(tmp_path / "missing" / "dir"))  # the path is refused before any read
    assert code == 1 and err == (f"DIR {tmp_path}/missing/dir: {tmp_path}/missing does not "
                                 "exist; create the folder first or give another path\n")
    folder = tmp_path / "exported"
    code, out, _ = run(capsys, applied, "snapshot", "export", "--env", "dev", "--name", "x",
                       str(folder))
    assert code == 0 and out == (f"dev: exported snapshot x (20 object(s)) to {folder}; restore "
                                 f"from it with `vectora-gitops snapshot restore --env dev "
                                 f"--export {folder}`\n")
    exported = {str(p.relative_to(folder / "objects")): p.read_bytes()
                for p in (folder / "objects").rglob("*") if p.is_file()}
    assert exported == before  # byte for byte, although AWS has changed since
    assert json.loads((folder / "manifest.json").read_text())["name"] == "x"
    code, _, err = run(capsys, applied, "snapshot", "export", "--env", "dev", "--name", "x",
                       str(folder))
    assert code == 1 and err == f"DIR {folder}: not empty; give a new or empty folder\n"


# ---- the restore plan shows values ------------------------------------------------------------

def test_restore_plan_shows_versions_and_values(applied: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ingest = "vectora-inbox-ingest-v2-dev"
    variables = dict(function(ingest)["Environment"]["Variables"], HAND_SET="hand-4242")
    client("lambda").update_function_configuration(FunctionName=ingest,
                                                   Environment={"Variables": variables})
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "good") == 0
    glossary = "canonical/imports/glossary.md"
    [good] = [v for v in client("s3").list_object_versions(Bucket=CONFIG, Prefix=glossary)[
        "Versions"] if v["IsLatest"]]
    layers = [layer["Arn"] for layer in function(ingest)["Layers"]]
    bad_apply(applied)  # glossary changed, new.md added; ingest: no layers, LOG_LEVEL WARNING,
    assert "HAND_SET" not in function(ingest)["Environment"]["Variables"]  # removed by the apply
    code, out, _ = run(capsys, applied, "snapshot", "restore", "--env", "dev", "--name", "good")
    assert code == 1
    assert out.splitlines() == [
        "Restore of dev to snapshot good:",
        f"  ~ restore {glossary} to version {good['VersionId']} ({good['Size']} bytes, ETag "
        f"{good['ETag'].strip(chr(34))}); now 18 bytes, ETag "
        f"{hashlib.md5(b'# broken glossary' + bytes([10])).hexdigest()}",
        "  - delete canonical/imports/new.md (created after the snapshot; 27 bytes, ETag "
        f"{hashlib.md5(b'created after the snapshot' + bytes([10])).hexdigest()})",
        f"  ~ put back layers and environment variables of {ingest}",
        f"      layers: (none) -> {', '.join(layers)}",
        f"      env +HAND_SET={masked('hand-4242')}",  # only AWS held it: masked
        f"      env LOG_LEVEL: {masked('WARNING')} -> DEBUG"]  # DEBUG is git's: shown


# ---- show: the record kept before a migration -------------------------------------------------

HOSTILE_NOTE = "stage | lags\n# Heading <script>alert(1)</script> [x](javascript:alert(1)) `"
DATA = "vectora-inbox-data-dev"


def test_show_markdown_is_the_record(applied: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    for day in ("2025/12/29", "2026/01/05", "2026/01/12"):
        put(DATA, f"curated/lai_weekly/{day}/items.json", b"[]\n")
    put(DATA, "curated/lai_weekly/2026/01/13/other.json", b"{}\n")  # not a run output
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "pre-move") == 0
    time.sleep(1.1)  # S3 times are to the second: the next run is after the snapshot
    put(DATA, "curated/lai_weekly/2026/01/19/items.json", b"[]\n")
    out_file = tmp_path / "record.md"
    code, out, err = run(capsys, applied, "snapshot", "show", "pre-move", "--env", "dev",
                         "--output", "markdown", "--out", str(out_file), "--note",
                         "ingest retries twice on Mondays", "--note", HOSTILE_NOTE)
    assert code == 0 and out == f"dev: snapshot pre-move written to {out_file}\n", err
    page = out_file.read_text()
    manifest = json.loads(objects(CONFIG, "backups/snapshots/pre-move/")[
        "backups/snapshots/pre-move/manifest.json"])
    config_version = manifest["objects"]["clients/lai_weekly.yaml"]["version_id"]
    assert (f"| `lai_weekly` | `7.2.0-dev.1` | `true` | `clients/lai_weekly.yaml` | "
            f"`{config_version}` |") in page
    assert "| `lai_weekly` | `2026-01-12` | `curated/lai_weekly/2026/01/12/items.json` |" in page
    for key, obj in manifest["objects"].items():
        assert f"| `{key}` | `{obj['version_id']}` | {obj['size']} | `{obj['etag']}` |" in page
    for arn, sha in manifest["layers"].items():
        assert f"| `{arn}` | `{sha}` |" in page
    for fn in manifest["functions"].values():
        assert f"`{fn['code_sha256']}`" in page and f"`{fn['name']}`" in page
    tokens = list(flat(MarkdownIt("commonmark").enable("table").parse(page)))
    assert [text_of(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"] == [
        "Snapshot pre-move of dev", "Known issues", "Client configs",
        "Last successful run per client (curated data in vectora-inbox-data-dev)", "Functions",
        "Layers", "Objects (20)", "Going back"]
    html = [t.content for t in tokens if t.type in ("html_inline", "html_block")]
    assert set(html) == {"<br>"} and not [t for t in tokens if t.type == "link_open"]  # ours only
    items = [tokens[i + 2] for i, t in enumerate(tokens) if t.type == "list_item_open"]
    assert [text_of(t) for t in items] == ["ingest retries twice on Mondays",
                                           printable(HOSTILE_NOTE)]
    code, out, _ = run(capsys, applied, "snapshot", "show", "pre-move", "--env", "dev")
    assert code == 0 and out.splitlines()[:3] == [
        f"snapshot pre-move of dev: manual, created {manifest['created_at']}, commit "
        f"{manifest['commit']}, by pytest (manual)",
        f"client lai_weekly: version 7.2.0-dev.1, clients/lai_weekly.yaml version {config_version}",
        "last run lai_weekly: 2026-01-12 (curated/lai_weekly/2026/01/12/items.json, written "
        f"{run_written(DATA, 'curated/lai_weekly/2026/01/12/items.json')})"]


def test_show_without_runs_and_path_checked_first(applied: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, applied, "snapshot", "show", "nope", "--env", "dev", "--out",
                       str(tmp_path))
    assert code == 1 and err == f"--out {tmp_path}: is a directory; give a file name\n"
    assert cli(applied, "snapshot", "create", "--env", "dev", "--name", "s") == 0
    code, out, _ = run(capsys, applied, "snapshot", "show", "s", "--env", "dev", "--output",
                       "markdown")
    assert code == 0 and ("| `lai_weekly` | none | no curated/lai\\_weekly/\\<Y\\>/\\<M\\>/\\<D\\>/"
                          "items.json in s3://vectora-inbox-data-dev written by the snapshot's "
                          "time | |") in out
    assert "None given (`snapshot show --note TEXT`, repeatable)." in out


def flat(tokens: list[Token]) -> list[Token]:
    out = []
    for token in tokens:
        out += [token, *flat(token.children or [])]
    return out


def text_of(inline: Token) -> str:
    return "".join(c.content for c in inline.children or () if c.type in ("text", "code_inline"))


def run_written(bucket: str, key: str) -> str:
    return str(client("s3").head_object(Bucket=bucket, Key=key)["LastModified"].isoformat())
