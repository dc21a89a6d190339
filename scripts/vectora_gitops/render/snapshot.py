"""Snapshots for people: the `snapshot list` table (text or JSON) and the `snapshot show` record
(text or Markdown). Every value read from AWS or a manifest goes through `safetext`
(docs/architecture.md §9); notes given with `--note` are prose (`md_text`)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vectora_gitops.engine.plan import short
from vectora_gitops.safetext import md_code, md_text, printable
from vectora_gitops.snapshots.values import Entry, SnapshotRecord

NOTE_CHARS = 2000  # the longest note shown; the rest is cut (…)
KEPT = {"manual": "kept until `snapshot delete`",
        "automatic": "pruned by `snapshots.retention`"}


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def entries_text(env: str, entries: Sequence[Entry], retention: int) -> str:
    """A plain table, oldest first, and what retention does."""
    if not entries:
        return f"{env}: no snapshots\n"
    table = Table(box=None, show_edge=False, pad_edge=False)
    for name in ("name", "created", "kind", "commit", "objects", "functions"):
        table.add_column(name, overflow="fold")
    for e in entries:  # names and fields are text from S3: one line each, no markup
        table.add_row(*(escape(printable(t)) for t in (
            e.name, e.created_at, e.kind or "?", short(e.commit) or "?", _count(e.objects),
            _count(e.functions))))
    notes = [escape(printable(f"{e.name}: {e.note}")) for e in entries if e.note]
    automatic = sum(e.kind == "automatic" for e in entries)
    footer = (f"{env}: {len(entries)} snapshot(s); the newest {retention} automatic ones are kept "
              f"(snapshots.retention; {automatic} now), manual ones until `snapshot delete`")
    console = Console(width=160, record=True, file=io.StringIO(), color_system=None,
                      highlight=False)
    for item in (table, *notes, escape(footer)):
        console.print(item)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def entries_json(env: str, entries: Sequence[Entry], retention: int) -> str:
    return json.dumps({"format": 1, "env": env, "retention": retention, "snapshots": [
        {"name": e.name, "created_at": e.created_at, "kind": e.kind or None,
         "commit": e.commit or None, "objects": e.objects, "functions": e.functions,
         "note": e.note or None} for e in entries]}, indent=2) + "\n"


def _size(size: int) -> str:
    return "?" if size < 0 else str(size)


def markdown(r: SnapshotRecord) -> str:
    c = md_code
    lines = [f"# Snapshot {c(r.name, cell=False)} of {c(r.env, cell=False)}", "",
             "| | |", "|---|---|",
             f"| created | {c(r.created_at)} |",
             f"| kind | {c(r.kind)} ({KEPT.get(r.kind, '')}) |",
             f"| commit AWS ran | {c(r.commit) if r.commit else 'unknown'} |",
             f"| taken by | {c(r.actor)} |", f"| reason | {c(r.reason)} |",
             f"| config bucket | {c(r.bucket)} |", "",
             "## Known issues", ""]
    lines += [f"- {md_text(n, NOTE_CHARS)}" for n in r.notes] or \
        ["None given (`snapshot show --note TEXT`, repeatable)."]
    lines += ["", "## Client configs", "", "| client | version | active | object | S3 version id |",
              "|---|---|---|---|---|"]
    lines += [f"| {c(k.client_id)} | {c(k.version) if k.version else 'not in the file'} | "
              f"{c(k.active) if k.active else '-'} | {c(k.key)} | {c(k.version_id)} |"
              for k in r.clients]
    lines += ["", f"## Last successful run per client (curated data in {c(r.data_bucket, cell=False)})",
              "", "| client | run day | object | written |", "|---|---|---|---|"]
    lines += [f"| {c(run.client_id)} | {c(run.day)} | {c(run.key)} | {c(run.written)} |"
              if run.key else f"| {c(run.client_id)} | none | {md_text(run.note)} | |"
              for run in r.runs]
    lines += ["", "## Functions", "", "| function | name | runtime | code sha256 | layers, in order |",
              "|---|---|---|---|---|"]
    lines += [f"| {c(f.key)} | {c(f.name)} | {c(f.runtime) if f.runtime else '?'} | "
              f"{c(f.code_sha256) if f.code_sha256 else '?'} | "
              f"{'<br>'.join(c(a) for a in f.layers) or 'none'} |" for f in r.functions]
    lines += ["", "## Layers", "", "| layer version ARN | code sha256 |", "|---|---|"]
    lines += [f"| {c(arn)} | {c(sha)} |" for arn, sha in r.layers.items()]
    lines += ["", f"## Objects ({len(r.objects)})", "", "| key | S3 version id | bytes | ETag |",
              "|---|---|---|---|"]
    lines += [f"| {c(o.key)} | {c(o.version_id)} | {_size(o.size)} | {c(o.etag)} |"
              for o in r.objects]
    restore = f"vectora-gitops snapshot restore --env {r.env} --name {r.name}"
    lines += ["", "## Going back", "", f"{c(restore, None, cell=False)} shows what it would put back, "
              "then asks."]
    return "\n".join(lines) + "\n"


def text(r: SnapshotRecord) -> str:
    p = printable
    lines = [f"snapshot {r.name} of {r.env}: {r.kind}, created {r.created_at}, "
             f"commit {r.commit or 'unknown'}, by {r.actor or '?'} ({r.reason})"]
    lines += [f"known issue: {n}" for n in r.notes]
    lines += [f"client {k.client_id}: version {k.version or '?'}, {k.key} version {k.version_id}"
              for k in r.clients]
    lines += [f"last run {run.client_id}: {run.day} ({run.key}, written {run.written})"
              if run.key else f"last run {run.client_id}: none ({run.note})" for run in r.runs]
    lines += [f"function {f.key} {f.name}: code {f.code_sha256 or '?'}, layers "
              f"{', '.join(f.layers) or 'none'}" for f in r.functions]
    lines += [f"layer {arn}: {sha}" for arn, sha in r.layers.items()]
    lines += [f"object {o.key}: version {o.version_id}, {_size(o.size)} bytes, ETag {o.etag}"
              for o in r.objects]
    return "\n".join(p(line) for line in lines) + "\n"
