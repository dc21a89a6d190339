"""Text the tool did not write (AWS names and values, S3 keys, record fields, evidence, client
files) made inert before a writer puts it into a terminal, Markdown or HTML
(docs/architecture.md §9). Every Markdown and HTML writer goes through these functions, so a
value can never end a table row, open a heading, a link or an HTML element, or forge a marker.

- `printable`: one line; control, line-separator and bidirectional characters shown as escapes.
- `md_code`: a Markdown code span (safe in a table cell): the value exactly, nothing interpreted.
- `md_text`: Markdown prose: every character that could mean something is escaped.
- `md_block`: a fenced code block (a diff): its fence outgrows any backticks inside.
- `html_text`, `html_link`: HTML text, and links only to plain http(s) addresses.
"""

from __future__ import annotations

import html
import re

MAX_CHARS = 300  # the longest value shown in Markdown or HTML; the rest is cut (…)
MAX_LINE = 1000  # the longest line of a fenced block (a diff line)

# C0 and C1 controls (CR, LF, ESC, ...), zero-width and bidirectional marks, line and paragraph
# separators: each could move, hide or reorder what a reader sees.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~!])")  # inline syntax, HTML, entities, table pipes
# What opens a block at the start of a line: a heading, a bullet, a thematic break, an ordered item.
_MD_BLOCK_START = re.compile(r"^(?:#{1,6}(?= |$)|[+-](?= |$)|-(?=[- ]*$)|\d{1,9}(?=[.)](?: |$)))")
_BACKTICKS = re.compile(r"`+")
_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9._~&+,;=:@%/?#-]*)?")
MAX_URL = 2000


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def cap(text: str, limit: int | None = MAX_CHARS) -> str:
    """`text`, cut to `limit` characters (the last one `…`)."""
    return text if limit is None or len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def printable(text: str, limit: int | None = None) -> str:
    """One line: CR, LF, ESC, zero-width and bidi characters as visible escapes (`\\r`, `\\x1b`,
    `\\u202e`), cut to `limit` characters first (None: whole)."""
    return _INVISIBLE.sub(_visible, cap(text, limit))


def md_code(text: str, limit: int | None = MAX_CHARS, *, cell: bool = True) -> str:
    """A code span holding `text` as it is (one line, cut to `limit`): backticks inside get a
    longer fence, and nothing inside is read as Markdown or HTML. In a table cell (`cell`, the
    default) pipes are escaped, as GFM needs even inside code; elsewhere `cell=False` keeps them
    (an escaped pipe would show its backslash there)."""
    body = printable(text, limit)
    body = body.replace("|", "\\|") if cell else body
    if not body.strip(" "):
        return f"`{body or ' '}`"  # spaces only: kept as they are (an empty value shows one)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(body)), default=0) + 1)
    pad = " " if body[0] in "` " or body[-1] in "` " else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def md_text(text: str, limit: int | None = MAX_CHARS) -> str:
    """`text` as Markdown prose (one line, cut to `limit`, leading spaces dropped) that reads as
    it is: inline syntax, HTML, entities and pipes escaped, and whatever would open a block
    (heading, list item, thematic break)."""
    body = _MD_INLINE.sub(r"\\\1", printable(text, limit).lstrip(" "))  # no indented code
    return _MD_BLOCK_START.sub(lambda m: f"{m[0]}\\" if m[0].isdigit() else f"\\{m[0]}", body,
                               count=1)


def html_text(text: str, limit: int | None = MAX_CHARS) -> str:
    """`text` as HTML text or attribute value (one line, cut to `limit`)."""
    return html.escape(printable(text, limit), quote=True)


def safe_url(url: str) -> bool:
    """A plain http(s) address: no other scheme (`javascript:`), no space, quote or bracket."""
    return len(url) <= MAX_URL and _URL.fullmatch(url) is not None


def html_link(text: str, url: str) -> str:
    """A link to `url` when it is a plain http(s) address, else the address as code."""
    if safe_url(url):
        return f'<a href="{html.escape(url, quote=True)}">{html_text(text)}</a>'
    return f"<code>{html_text(url)}</code>"


def md_block(lines: list[str], lang: str = "", limit: int | None = MAX_LINE) -> str:
    """A fenced code block holding `lines` as they are (each one line, cut to `limit`): the fence
    is longer than any run of backticks inside, so no line can close it, and nothing inside is
    read as Markdown or HTML."""
    body = [printable(line, limit) for line in lines]
    longest = max((len(run) for line in body for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([f"{fence}{lang}", *body, fence])
