"""Status as one self-contained HTML page: inline CSS, no scripts, no external assets. Every
text goes through safetext.html_text (escaped, one line, capped); a run's address is a link only
when it is a plain http(s) one."""

from __future__ import annotations

from vectora_gitops.history import Record
from vectora_gitops.safetext import html_link, html_text
from vectora_gitops.status import labels
from vectora_gitops.status.matrix import Cell, Column, Matrix, State

HISTORY_ROWS = 8
CLASS = {State.IN_SYNC: "sync", State.DRIFT: "drift", State.NEVER_APPLIED: "never",
         State.UNKNOWN: "unknown", State.NOT_PINNED: "none"}
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;
 margin:24px 32px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#57606a;margin-bottom:16px}.mono,code{font-family:ui-monospace,Menlo,Consolas,monospace}
table{border-collapse:collapse;margin-bottom:8px}
th,td{border:1px solid #d0d7de;padding:6px 10px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
table.matrix td.cell{min-width:190px}
.ver{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:600;font-size:15px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
 margin:2px 0}
.sync .badge{background:#dafbe1;color:#116329}.sync{background:#f3fcf5}
.drift .badge{background:#fff1c2;color:#7d4e00}.drift{background:#fffbea}
.unknown .badge{background:#eaeef2;color:#57606a}.unknown{background:#f6f8fa}
.never .badge{background:#cf222e;color:#fff;letter-spacing:.04em}
td.never{background:#ffebe9;outline:2px dashed #cf222e;outline-offset:-3px}
.flag{display:inline-block;margin-top:4px;border-radius:10px;padding:0 8px;font-size:12px;
 font-weight:700;background:#cf222e;color:#fff}
ul.details{margin:4px 0;padding-left:16px;font-size:12px;color:#7d4e00}
ul.details li{overflow-wrap:anywhere}
.gate{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
 margin:2px 0}
.gate.fail{background:#ffebe9;color:#a40e26;border:1px solid #ff8182}
.gate.pass{background:#dafbe1;color:#116329}
.dirty{display:inline-block;border-radius:10px;padding:0 6px;font-size:11px;font-weight:700;
 background:#fff1c2;color:#7d4e00;border:1px solid #d4a72c}
.none{color:#8c959f}
.wait{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
 background:#ddf4ff;color:#0550ae}
.since{color:#57606a;font-size:12px}
.note{border-left:4px solid #bf8700;background:#fff8c5;padding:6px 10px;margin:6px 0}
.legend span{margin-right:14px}
.ok{color:#116329;font-weight:600}.failed{color:#cf222e;font-weight:600}
.started{color:#7d4e00;font-weight:600}
table.history td{font-size:13px}table.history td:nth-child(-n+4){white-space:nowrap}
"""


def cell(c: Cell) -> str:
    said = labels.words(c)
    if not said.pinned:
        return f'<td class="cell none">{html_text(said.state_word)}</td>'
    parts = [f'<div class="ver">{html_text(said.version)}</div>'] \
        if said.version is not None else []
    parts.append(f'<span class="badge">{html_text(said.state_word)}</span>')
    if said.since:
        parts.append(f'<div class="since">{html_text(said.since)}</div>')
    if said.details:
        items = "".join(f"<li>{html_text(x)}</li>" for x in said.details)
        parts.append(f'<ul class="details">{items}</ul>')
    if said.waiting:
        parts.append(f'<div><span class="wait">{html_text(said.waiting)}</span></div>')
    parts += [f'<div><span class="gate {"pass" if g == labels.GATES_PASS else "fail"}">'
              f"{html_text(g)}</span></div>" for g in said.gates]
    return f'<td class="cell {CLASS[said.state]}">{"".join(parts)}</td>'


def head(col: Column) -> str:
    flag = labels.never_applied(col)
    mark = f'<div class="flag">{html_text(flag)}</div>' if flag else ""
    return f"<th>{html_text(labels.header(col, arrow='←'))}{mark}</th>"


def matrix_table(matrix: Matrix) -> str:
    heads = "".join(head(c) for c in matrix.columns)
    rows = "".join(f'<tr><th class="mono">{html_text(labels.row_name(r))}</th>'
                   f'{"".join(cell(c) for c in r.cells)}</tr>' for r in matrix.rows)
    first = html_text(labels.FIRST_COLUMN)
    return (f'<table class="matrix" id="matrix"><thead><tr><th>{first}</th>{heads}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def legend() -> str:
    classes = ("sync", "drift", "never", "unknown")
    items = [f'<span class="{k}"><span class="badge">{html_text(w)}</span> {html_text(d)}</span>'
             for k, (w, d) in zip(classes, labels.LEGEND, strict=False)]
    items.append(f'<span><span class="wait">{html_text(labels.WAITING)}</span> '
                 f"{html_text(labels.LEGEND[-1][1])}</span>")
    return f'<p class="legend">{"".join(items)}</p>'


def commit(value: str, repo_url: str) -> str:
    """The commit, a link to its page when the repository is known (safetext.html_link), with
    the dirty mark."""
    shown, url = labels.commit(value), labels.commit_url(repo_url, value)
    code = html_link(shown, url) if url else f"<code>{html_text(shown)}</code>"
    return code.replace("<a ", '<a class="mono" ', 1)


def full_commit(matrix: Matrix) -> str:
    url = labels.commit_url(matrix.repo_url, matrix.commit)
    return html_link(matrix.commit, url) if url else f"<code>{html_text(matrix.commit)}</code>"


def record_row(r: Record, repo_url: str = "") -> str:
    result = {"succeeded": "ok", "failed": "failed", "interrupted": "failed"}.get(r.result, "started")
    link = html_link("run", r.run_url) if r.run_url else ""
    dirty = f' <span class="dirty">{html_text(labels.dirty_word(r))}</span>' if r.dirty else ""
    cells = (html_text(labels.day(r.at)), f'<code class="record">{html_text(r.id)}</code>',
             html_text(r.actor), f'<span class="{result}">{html_text(r.result)}</span>',
             f"{commit(r.commit, repo_url)}{dirty} {link}", html_text(labels.summary(r)),
             f'<span class="mono">{html_text(labels.pins(r))}</span>')
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def history(col: Column, repo_url: str = "") -> str:
    title = f"<h2>{html_text(col.env)}: recent deployments</h2>"
    if not col.known:
        return f'{title}<p class="note">{html_text(labels.unknown(col))}</p>'
    if not col.records:
        flag = html_text(labels.never_applied(col))
        return f'{title}<p><span class="flag">{flag}</span></p>'
    head = "".join(f"<th>{h}</th>" for h in ("when", "record", "who", "result", "commit",
                                             "changes", "pins"))
    rows = "".join(record_row(r, repo_url) for r in col.records[:HISTORY_ROWS])
    return f'{title}<table class="history"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def html(matrix: Matrix) -> str:
    notes = "".join(f'<p class="note">{html_text(n)}</p>' for n in labels.notes(matrix))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Vectora Inbox status</title><style>{CSS}</style></head><body>"
        f"<h1>{html_text(labels.TITLE)}</h1>"
        f'<div class="meta">{html_text(labels.caption(matrix))} '
        f"({full_commit(matrix)})</div>"
        f"{legend()}{matrix_table(matrix)}{notes}"
        f'{"".join(history(c, matrix.repo_url) for c in matrix.columns)}'
        "</body></html>\n"
    )
