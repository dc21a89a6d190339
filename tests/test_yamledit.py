"""desired/yamledit.py, the one YAML editor: each edit kind as a table of input text -> exact
output text (banners between sections and at the end, flow sequences with comments, nested
mappings, 2 and 4 space indentation, CRLF, with and without a final newline)."""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers_repo import REPO_ROOT
from vectora_gitops.desired import yamledit
from vectora_gitops.desired.yamledit import Scalar
from vectora_gitops.errors import InputError

D = "t.yaml"

BANNERS = """\
# =====================================
# SECTION 1: profile
# =====================================
client_profile:
  client_id: acme_news_v3   # the old id
  version: '3'

# =====================================
# SECTION 2: sources
# =====================================

source_config:
  bouquets: [press, trade]   # order matters
  limits:
    per_source: 40
    per_day: 200


# =====================================
# END OF FILE
# =====================================
"""

FOUR = """\
functions:
    ingest:
        layers:
        -   common-deps
        -   core
        environment:
            ENV: "dev"
# tail comment
"""

CHANGELOG = """\
metadata:
  owner: team   # who
  changelog:
    # newest first
    - version: 1.1.0
      changes: [b]
    - version: 1.0.0
      changes:
        - a

# ---- end ----
"""

STACKS = """\
role: r1   # execution role
stacks:
  # owners first
  - core
  - iam   # since 2025
  - gone
layers: [a, b]   # order matters

# =====================================
# SECTION 2: sync
# =====================================
sync:
  prune: true

# =====================================
# END
# =====================================
"""

WAIVERS = """\
a: 1
waivers:
  - file: f
    rule: r   # why
  - file: g
    rule: s
    key: k

# ---- end ----
"""

PINS = """\
canonical: 2.1.0   # the bundle

# ---- clients ----
clients: {}   # none

# ---- layers ----
layers:
  core:
    version: 1.0.0
    sha256: "aa"

# ---- end ----
"""

Edit = Callable[[str], str]


def case(name: str, before: str, edit: Edit, after: str) -> object:
    return pytest.param(before, edit, after, id=name)


CASES = [
    # ---- replace a scalar: only its text changes, quote style and comments kept ----
    case("scalar-plain-with-comment", BANNERS,
         lambda t: yamledit.set_scalar(t, ("client_profile", "client_id"), "acme_news", display=D),
         BANNERS.replace("client_id: acme_news_v3   #", "client_id: acme_news   #")),
    case("scalar-single-quoted-kept", BANNERS,
         lambda t: yamledit.set_scalar(t, ("client_profile", "version"), "3.0.0", display=D),
         BANNERS.replace("version: '3'", "version: '3.0.0'")),
    case("scalar-needs-quotes", "a: x\n",
         lambda t: yamledit.set_scalar(t, ("a",), "no", display=D), 'a: "no"\n'),
    case("scalar-forced-double-quotes", "a: x  # c\n",
         lambda t: yamledit.set_scalar(t, ("a",), Scalar("y", '"'), display=D), 'a: "y"  # c\n'),
    case("scalar-unchanged-value-untouched", "a: 'x'\nb: \"y\"\n",
         lambda t: yamledit.set_scalar(yamledit.set_scalar(t, ("a",), "x", display=D), ("b",),
                                       Scalar("y", "'"), display=D), "a: 'x'\nb: \"y\"\n"),
    case("scalar-in-flow-mapping", "a: {b: 1, c: 2}   # flow\n",
         lambda t: yamledit.set_scalar(t, ("a", "c"), "x", display=D), "a: {b: 1, c: x}   # flow\n"),
    case("scalar-null-gets-value", "a:\nb: 1\n",
         lambda t: yamledit.set_scalar(t, ("a",), "x", display=D), "a: x\nb: 1\n"),
    case("scalar-block-folded", "a: >-\n  long\n  text\n\n# c\nb: 1\n",
         lambda t: yamledit.set_scalar(t, ("a",), "short", display=D), "a: short\n\n# c\nb: 1\n"),
    case("scalar-crlf", "a: 1\r\nb: x   # c\r\n",
         lambda t: yamledit.set_scalar(t, ("b",), "z", display=D), "a: 1\r\nb: z   # c\r\n"),
    case("scalar-no-final-newline", "a: 1\nb: x",
         lambda t: yamledit.set_scalar(t, ("b",), "z", display=D), "a: 1\nb: z"),

    # ---- set a key that is missing: after the last key of its mapping, before banners ----
    case("add-key-before-section-banner", BANNERS,
         lambda t: yamledit.set_scalar(t, ("client_profile", "name"), "Acme", display=D),
         BANNERS.replace("  version: '3'\n", "  version: '3'\n  name: Acme\n")),
    case("add-key-after-nested-block-value", BANNERS,
         lambda t: yamledit.set_scalar(t, ("source_config", "extra"), "x", display=D),
         BANNERS.replace("    per_day: 200\n", "    per_day: 200\n  extra: x\n")),
    case("add-top-key-before-closing-banner", BANNERS,
         lambda t: yamledit.set_scalar(t, ("owner",), "team", display=D),
         BANNERS.replace("    per_day: 200\n", "    per_day: 200\nowner: team\n")),
    case("add-key-with-missing-parents", BANNERS,
         lambda t: yamledit.set_scalar(t, ("source_config", "limits", "burst", "max"), "5",
                                       display=D),
         BANNERS.replace("    per_day: 200\n", "    per_day: 200\n    burst:\n      max: \"5\"\n")),
    case("add-key-4-spaces", FOUR,
         lambda t: yamledit.set_scalar(t, ("functions", "ingest", "memory", "mb"), "512",
                                       display=D),
         FOUR.replace('            ENV: "dev"\n',
                      '            ENV: "dev"\n        memory:\n            mb: "512"\n')),
    case("add-key-no-final-newline", "a:\n  b: 1\n\n# end", lambda t: yamledit.set_scalar(
        t, ("a", "c"), "2", display=D), "a:\n  b: 1\n  c: \"2\"\n\n# end"),
    case("add-key-at-end-no-final-newline", "a:\n  b: 1", lambda t: yamledit.set_scalar(
        t, ("a", "c"), "x", display=D), "a:\n  b: 1\n  c: x"),
    case("add-key-crlf", "a:\r\n  b: 1\r\n\r\n# end\r\n", lambda t: yamledit.set_scalar(
        t, ("a", "c"), "x", display=D), "a:\r\n  b: 1\r\n  c: x\r\n\r\n# end\r\n"),
    case("add-key-after-flow-value-with-comment", "a:\n  l: [x, y]   # order\n\n# end\n",
         lambda t: yamledit.set_scalar(t, ("a", "m"), "z", display=D),
         "a:\n  l: [x, y]   # order\n  m: z\n\n# end\n"),
    case("add-key-after-keep-block-scalar", "a:\n  s: |+\n    kept\n\n# end\n",
         lambda t: yamledit.set_scalar(t, ("a", "m"), "z", display=D),
         "a:\n  s: |+\n    kept\n\n  m: z\n# end\n"),
    case("add-key-after-empty-value", "a:\n  b:\n# end\n",
         lambda t: yamledit.set_scalar(t, ("a", "c"), "z", display=D), "a:\n  b:\n  c: z\n# end\n"),
    case("add-key-into-flow-mapping", "a: {b: 1}  # c\n",
         lambda t: yamledit.set_scalar(t, ("a", "c"), "z", display=D), "a: {b: 1, c: z}  # c\n"),
    case("add-key-into-empty-flow-mapping", "gates: {}   # none yet\nnext: 1\n",
         lambda t: yamledit.set_scalar(t, ("gates", "soak"), "x", display=D),
         "gates:   # none yet\n  soak: x\nnext: 1\n"),
    case("add-key-into-null", "a:\n  b:\n  c: 1\n",
         lambda t: yamledit.set_scalar(t, ("a", "b", "k"), "v", display=D),
         "a:\n  b:\n    k: v\n  c: 1\n"),
    case("add-key-first", "# header\n\na: 1\nb: 2\n",
         lambda t: yamledit.set_value(t, ("z",), {"k": "v"}, display=D, first=True),
         "# header\n\nz:\n  k: v\na: 1\nb: 2\n"),

    # ---- a whole new mapping entry ----
    case("new-mapping-entry", "layers:\n  core:\n    version: 1.0.0\n    sha256: \"aa\"\n\n# end\n",
         lambda t: yamledit.set_value(t, ("layers", "deps"), {
             "version": "2.0.0", "sha256": Scalar("bb", '"'), "artifact": "s3://b/k.zip"},
             display=D),
         "layers:\n  core:\n    version: 1.0.0\n    sha256: \"aa\"\n  deps:\n    version: 2.0.0\n"
         "    sha256: \"bb\"\n    artifact: s3://b/k.zip\n\n# end\n"),
    case("new-mapping-entry-4-spaces", FOUR,
         lambda t: yamledit.set_value(t, ("functions", "newsletter"), {
             "layers": ("core",), "environment": {"ENV": Scalar("dev", '"')}}, display=D),
         FOUR.replace('            ENV: "dev"\n',
                      '            ENV: "dev"\n    newsletter:\n        layers:\n        -   core\n'
                      '        environment:\n            ENV: "dev"\n')),
    case("mapping-inside-flow-stays-flow", "h: {k: 1, l: 2}\n",
         lambda t: yamledit.set_value(t, ("h", "k"), {"x": "1"}, display=D),
         "h: {k: {x: \"1\"}, l: 2}\n"),
    case("add-under-null-inside-flow", "h: {k: null}   # c\n",
         lambda t: yamledit.set_scalar(t, ("h", "k", "x"), "v", display=D), "h: {k: {x: v}}   # c\n"),
    case("set-mapping-exactly", "env:\n  A: \"1\"   # kept\n  B: \"2\"\n  C: \"3\"\n\n# end\n",
         lambda t: yamledit.set_mapping(t, ("env",), {"A": Scalar("1", '"'), "C": Scalar("4", '"'),
                                                      "D": Scalar("5", '"')}, display=D),
         "env:\n  A: \"1\"   # kept\n  C: \"4\"\n  D: \"5\"\n\n# end\n"),
    case("set-mapping-to-empty", "env:\n  A: x\nb: 1\n",
         lambda t: yamledit.set_mapping(t, ("env",), {}, display=D), "env: {}\nb: 1\n"),

    # ---- delete a key ----
    case("delete-middle-key-with-comment", BANNERS,
         lambda t: yamledit.delete(t, ("client_profile", "client_id"), display=D),
         BANNERS.replace("  client_id: acme_news_v3   # the old id\n", "")),
    case("delete-last-nested-key-before-banner", BANNERS,
         lambda t: yamledit.delete(t, ("source_config", "limits", "per_day"), display=D),
         BANNERS.replace("    per_day: 200\n", "")),
    case("delete-key-with-block-value", BANNERS,
         lambda t: yamledit.delete(t, ("source_config", "limits"), display=D),
         BANNERS.replace("  limits:\n    per_source: 40\n    per_day: 200\n", "")),
    case("delete-only-key", "a:\n  b: 1   # c\nd: 2\n",
         lambda t: yamledit.delete(t, ("a", "b"), display=D), "a: {}   # c\nd: 2\n"),
    case("delete-only-key-after-comment-with-colon", "env:\n  # vars: none yet\n  A: x\nb: 1\n",
         lambda t: yamledit.delete(t, ("env", "A"), display=D),
         "env:\n  # vars: none yet\n  {}\nb: 1\n"),
    case("delete-in-flow-mapping-first", "a: {b: 1, c: 2}\n",
         lambda t: yamledit.delete(t, ("a", "b"), display=D), "a: {c: 2}\n"),
    case("delete-in-flow-mapping-last", "a: {b: 1, c: 2}\n",
         lambda t: yamledit.delete(t, ("a", "c"), display=D), "a: {b: 1}\n"),
    case("delete-absent-key", "a: 1\n", lambda t: yamledit.delete(t, ("b", "c"), display=D),
         "a: 1\n"),
    case("delete-last-line-no-final-newline", "a: 1\nb: 2",
         lambda t: yamledit.delete(t, ("b",), display=D), "a: 1"),

    # ---- insert into a sequence ----
    case("append-block-item-before-banner", CHANGELOG,
         lambda t: yamledit.insert_item(t, ("metadata", "changelog"), {
             "version": "0.9.0", "changes": ("x: y",)}, display=D),
         CHANGELOG.replace("        - a\n", "        - a\n    - version: 0.9.0\n      changes:\n"
                                             "        - \"x: y\"\n")),
    case("insert-block-item-first-after-comment", CHANGELOG,
         lambda t: yamledit.insert_item(t, ("metadata", "changelog"), {
             "version": "1.2.0", "date": "2026-01-02", "changes": ("c",)}, display=D, index=0),
         CHANGELOG.replace("    # newest first\n", "    # newest first\n    - version: 1.2.0\n"
                                                    "      date: \"2026-01-02\"\n      changes:\n"
                                                    "        - c\n")),
    case("append-scalar-4-spaces", FOUR,
         lambda t: yamledit.insert_item(t, ("functions", "ingest", "layers"), "extra", display=D),
         FOUR.replace("        -   core\n", "        -   core\n        -   extra\n")),
    case("append-indentless", "l:\n- a\n- b\n# end\n",
         lambda t: yamledit.insert_item(t, ("l",), "c", display=D), "l:\n- a\n- b\n- c\n# end\n"),
    case("append-flow-with-comment", BANNERS,
         lambda t: yamledit.insert_item(t, ("source_config", "bouquets"), "regulators",
                                        display=D),
         BANNERS.replace("[press, trade]", "[press, trade, regulators]")),
    case("insert-flow-first", BANNERS,
         lambda t: yamledit.insert_item(t, ("source_config", "bouquets"), "a, b", display=D,
                                        index=0),
         BANNERS.replace("[press, trade]", '["a, b", press, trade]')),
    case("append-flow-multiline", "l: [\n  a,\n  b\n]  # c\n",
         lambda t: yamledit.insert_item(t, ("l",), "c", display=D), "l: [\n  a,\n  b, c\n]  # c\n"),
    case("append-flow-mapping-item", "l: [{id: a}]\n",
         lambda t: yamledit.insert_item(t, ("l",), {"id": "b"}, display=D),
         "l: [{id: a}, {id: b}]\n"),
    case("append-to-empty-flow", "a:\n  l: []   # none\n  m: 1\n",
         lambda t: yamledit.insert_item(t, ("a", "l"), "x", display=D),
         "a:\n  l:   # none\n    - x\n  m: 1\n"),
    case("append-to-missing", BANNERS,
         lambda t: yamledit.insert_item(t, ("metadata", "changelog"), {"version": "3.0.0"},
                                        display=D),
         BANNERS.replace("    per_day: 200\n", "    per_day: 200\nmetadata:\n  changelog:\n"
                                                "    - version: 3.0.0\n")),
    case("append-no-final-newline", "l:\n  - a", lambda t: yamledit.insert_item(
        t, ("l",), "b", display=D), "l:\n  - a\n  - b"),

    # ---- replace a whole sequence: flow stays flow, block stays block ----
    case("replace-flow-sequence", BANNERS,
         lambda t: yamledit.set_value(t, ("source_config", "bouquets"), ("trade", "press"),
                                      display=D),
         BANNERS.replace("[press, trade]", "[trade, press]")),
    case("replace-block-sequence", FOUR,
         lambda t: yamledit.set_value(t, ("functions", "ingest", "layers"), ("core", "deps"),
                                      display=D),
         FOUR.replace("        -   common-deps\n        -   core\n",
                      "        -   core\n        -   deps\n")),

    # ---- a sequence made to hold exactly some items: equal items (and their comments) stay ----
    case("items-append-keeps-comments", STACKS,
         lambda t: yamledit.set_items(t, ("stacks",), ("core", "iam", "gone", "new"), display=D),
         STACKS.replace("  - gone\n", "  - gone\n  - new\n")),
    case("items-delete-and-insert-in-place", STACKS,
         lambda t: yamledit.set_items(t, ("stacks",), ("core", "runtime", "gone"), display=D),
         STACKS.replace("  - iam   # since 2025\n", "  - runtime\n")),
    case("items-delete-last-before-banner", STACKS,
         lambda t: yamledit.set_items(t, ("stacks",), ("core", "iam"), display=D),
         STACKS.replace("  - gone\n", "")),
    case("items-unchanged-untouched", STACKS,
         lambda t: yamledit.set_items(t, ("stacks",), ("core", "iam", "gone"), display=D), STACKS),
    case("items-to-empty", STACKS,
         lambda t: yamledit.set_items(t, ("stacks",), (), display=D),
         STACKS.replace("stacks:\n  # owners first\n  - core\n  - iam   # since 2025\n  - gone\n",
                        "stacks: []\n")),
    case("items-flow-reorder-keeps-comment", STACKS,
         lambda t: yamledit.set_items(t, ("layers",), ("b", "a"), display=D),
         STACKS.replace("[a, b]   # order matters", "[b, a]   # order matters")),
    case("items-flow-delete-and-append", STACKS,
         lambda t: yamledit.set_items(t, ("layers",), ("b", "c, d"), display=D),
         STACKS.replace("[a, b]   # order matters", '[b, "c, d"]   # order matters')),
    case("items-scalar-becomes-list", STACKS,
         lambda t: yamledit.set_items(t, ("role",), ("r1", "r2"), display=D),
         STACKS.replace("role: r1   # execution role\n",
                        "role:   # execution role\n  - r1\n  - r2\n")),
    case("items-missing-added-before-banner", STACKS,
         lambda t: yamledit.set_items(t, ("name_exceptions",), (
             {"name": "n1", "reason": "why; because", "added": "import 2026-01-02"},), display=D),
         STACKS.replace("  prune: true\n", "  prune: true\nname_exceptions:\n  - name: n1\n"
                                           "    reason: why; because\n"
                                           "    added: import 2026-01-02\n")),
    case("items-of-mappings-equal-as-data-untouched", WAIVERS,
         lambda t: yamledit.set_items(t, ("waivers",), (
             {"rule": "r", "file": "f"}, {"file": "g", "rule": "s", "key": "k"}), display=D),
         WAIVERS),
    case("items-of-mappings-insert-between", WAIVERS,
         lambda t: yamledit.set_items(t, ("waivers",), (
             {"file": "f", "rule": "r"}, {"file": "h", "rule": "t"},
             {"file": "g", "rule": "s", "key": "k"}), display=D),
         WAIVERS.replace("  - file: g\n", "  - file: h\n    rule: t\n  - file: g\n")),
    case("items-of-mappings-changed-replaced", WAIVERS,
         lambda t: yamledit.set_items(t, ("waivers",), (
             {"file": "f", "rule": "r2"}, {"file": "g", "rule": "s", "key": "k"}), display=D),
         WAIVERS.replace("  - file: f\n    rule: r   # why\n", "  - file: f\n    rule: r2\n")),
    case("items-4-spaces", FOUR,
         lambda t: yamledit.set_items(t, ("functions", "ingest", "layers"), ("core", "extra"),
                                      display=D),
         FOUR.replace("        -   common-deps\n        -   core\n",
                      "        -   core\n        -   extra\n")),
    case("items-no-final-newline", "l:\n  - a\n  - b",
         lambda t: yamledit.set_items(t, ("l",), ("a",), display=D), "l:\n  - a"),
    case("items-to-empty-no-final-newline", "l:   # c\n  - a",
         lambda t: yamledit.set_items(t, ("l",), (), display=D), "l: []   # c"),

    # ---- delete one item of a sequence ----
    case("delete-first-item-keeps-comment-above", STACKS,
         lambda t: yamledit.delete_item(t, ("stacks",), 0, display=D),
         STACKS.replace("  - core\n", "")),
    case("delete-item-with-its-comment", STACKS,
         lambda t: yamledit.delete_item(t, ("stacks",), 1, display=D),
         STACKS.replace("  - iam   # since 2025\n", "")),
    case("delete-mapping-item", WAIVERS,
         lambda t: yamledit.delete_item(t, ("waivers",), 1, display=D),
         WAIVERS.replace("  - file: g\n    rule: s\n    key: k\n", "")),
    case("delete-only-item", "l:   # c\n  - a\nm: 1\n",
         lambda t: yamledit.delete_item(t, ("l",), 0, display=D), "l: []   # c\nm: 1\n"),
    case("delete-flow-item-middle", "l: [a, b, c]   # c\n",
         lambda t: yamledit.delete_item(t, ("l",), 1, display=D), "l: [a, c]   # c\n"),
    case("delete-flow-item-last", "l: [a, b, c]   # c\n",
         lambda t: yamledit.delete_item(t, ("l",), 2, display=D), "l: [a, b]   # c\n"),
    case("delete-flow-only-item", "l: [a]   # c\n",
         lambda t: yamledit.delete_item(t, ("l",), 0, display=D), "l: []   # c\n"),
    case("delete-absent-item", "l: [a]\n",
         lambda t: yamledit.delete_item(t, ("l",), 3, display=D), "l: [a]\n"),

    # ---- a key added right after another one ----
    case("add-key-after-a-key", PINS,
         lambda t: yamledit.set_value(t, ("legacy_clients",), {"old_v7": "7.0.0"}, display=D,
                                      after="clients"),
         PINS.replace("clients: {}   # none\n",
                      "clients: {}   # none\nlegacy_clients:\n  old_v7: 7.0.0\n")),
    case("add-key-after-a-block-value", PINS,
         lambda t: yamledit.set_value(t, ("owner",), "team", display=D, after="layers"),
         PINS.replace('    sha256: "aa"\n', '    sha256: "aa"\nowner: team\n')),
    case("add-key-after-in-flow-mapping", "a: {b: 1, c: 2}   # c\n",
         lambda t: yamledit.set_value(t, ("a", "x"), "z", display=D, after="b"),
         "a: {b: 1, x: z, c: 2}   # c\n"),
    case("add-key-after-absent-key-goes-last", PINS,
         lambda t: yamledit.set_value(t, ("z",), "1", display=D, after="nope"),
         PINS.replace('    sha256: "aa"\n', '    sha256: "aa"\nz: "1"\n')),

    # ---- a scalar replacing a sequence, with `replace` ----
    case("replace-block-list-by-scalar", STACKS,
         lambda t: yamledit.set_value(t, ("stacks",), "core", display=D, replace=True),
         STACKS.replace("stacks:\n  # owners first\n  - core\n  - iam   # since 2025\n  - gone\n",
                        "stacks: core\n")),
    case("replace-flow-list-by-scalar-keeps-comment", STACKS,
         lambda t: yamledit.set_value(t, ("layers",), "a", display=D, replace=True),
         STACKS.replace("layers: [a, b]   #", "layers: a   #")),

    # ---- booleans: written plain ----
    case("bool-replaces-bool-keeps-comment", STACKS,
         lambda t: yamledit.set_scalar(t, ("sync", "prune"), False, display=D),
         STACKS.replace("  prune: true\n", "  prune: false\n")),
    case("bool-unchanged-untouched", "a: True   # c\n",
         lambda t: yamledit.set_scalar(t, ("a",), True, display=D), "a: True   # c\n"),
    case("bool-replaces-quoted-string", "a: \"true\"\n",
         lambda t: yamledit.set_scalar(t, ("a",), True, display=D), "a: true\n"),
    case("bool-added", STACKS,
         lambda t: yamledit.set_scalar(t, ("sync", "self_heal"), True, display=D),
         STACKS.replace("  prune: true\n", "  prune: true\n  self_heal: true\n")),
]


@pytest.mark.parametrize(("before", "edit", "after"), CASES)
def test_edit(before: str, edit: Edit, after: str) -> None:
    yaml.safe_load(after)  # the expected text itself is YAML
    assert edit(before) == after


def test_only_intended_lines_differ_on_a_real_client_config() -> None:
    """Three edits of the released lai_weekly config (blank lines between sections)."""
    before = (REPO_ROOT / "clients/lai_weekly/7.0.0.yaml").read_text(encoding="utf-8")
    text = yamledit.set_scalar(before, ("client_profile", "version"), "7.0.1", display=D)
    text = yamledit.set_scalar(text, ("pipeline", "default_period_days"), "28", display=D)
    text = yamledit.set_scalar(text, ("bedrock_config", "top_p"), "0.9", display=D)
    changed = [line for line in difflib.unified_diff(before.splitlines(), text.splitlines(),
                                                     lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-  version: 7.0.0", "+  version: 7.0.1", "-  default_period_days: 30",
                       "+  default_period_days: \"28\"", "+  top_p: \"0.9\""]
    lines = text.splitlines()
    assert lines[lines.index('  top_p: "0.9"') + 1] == ""  # before the blank line, not after it


@pytest.mark.parametrize(("text", "edit", "message"), [
    ("a: [\n", lambda t: yamledit.set_scalar(t, ("a",), "x", display=D), "t.yaml:1:5: YAML syntax error"),
    ("- a\n", lambda t: yamledit.set_scalar(t, ("a",), "x", display=D),
     "t.yaml: expected a mapping at the top of the file"),
    ("a:\n  b: 1\n", lambda t: yamledit.set_scalar(t, ("a",), "x", display=D),
     "t.yaml: a is not a plain value; edit it by hand"),
    ("a: 1\n", lambda t: yamledit.set_scalar(t, ("a", "b"), "x", display=D),
     "t.yaml: cannot add a.b: a is not a mapping; edit it by hand"),
    ("a: 1\n", lambda t: yamledit.insert_item(t, ("a",), "x", display=D),
     "t.yaml: a is not a list; edit it by hand"),
    ("a: {b: 1}\n", lambda t: yamledit.delete_item(t, ("a",), 0, display=D),
     "t.yaml: a is not a list; edit it by hand"),
    ("a: [x]\n", lambda t: yamledit.set_value(t, ("a",), "x", display=D),
     "t.yaml: a is not a plain value; edit it by hand"),
    ("a:\n  - x: 1\n", lambda t: yamledit.set_scalar(t, ("a", "x"), "2", display=D),
     "t.yaml: cannot add a.x: a is not a mapping; edit it by hand"),
])
def test_refusals_name_the_file_and_key(text: str, edit: Edit, message: str) -> None:
    with pytest.raises(InputError) as err:
        edit(text)
    assert str(err.value).startswith(message)


# ---- property: any edit of any generated layout changes the data as asked, and only its lines ----

Data = dict[str, "str | list[str] | Data"]
WORDS = st.sampled_from(["a", "bb", "no", "1.10", "x: y", "#c", "two words", "3", "[z]"])
KEYS = st.sampled_from(["k1", "k2", "k3", "k4"])
LEAF = WORDS | st.lists(WORDS, max_size=3)
DATA = st.dictionaries(KEYS, LEAF | st.dictionaries(KEYS, LEAF, min_size=1, max_size=3),
                       min_size=1, max_size=4)


@dataclass(frozen=True)
class Layout:
    indent: int
    dash: int  # offset of "-" from its key
    flow_lists: bool
    banners: bool
    comments: bool
    final_newline: bool
    crlf: bool


LAYOUTS = st.builds(Layout, st.sampled_from([2, 4]), st.sampled_from([0, 2]), st.booleans(),
                    st.booleans(), st.booleans(), st.booleans(), st.booleans())


def quote(value: str) -> str:
    return value if re.fullmatch(r"[a-z]+", value) and value != "no" else json.dumps(value)


def emit(data: Data, layout: Layout) -> str:
    lines: list[str] = []
    for i, (key, value) in enumerate(data.items()):
        if layout.banners and i:
            lines += ["", "# " + "=" * 20, f"# SECTION {i}", "# " + "=" * 20, ""]
        lines += emit_entry(key, value, 0, layout)
    if layout.banners:
        lines += ["", "", "# " + "=" * 20, "# END", "# " + "=" * 20]
    newline = "\r\n" if layout.crlf else "\n"
    return newline.join(lines) + (newline if layout.final_newline else "")


def emit_entry(key: str, value: str | list[str] | Data, col: int, layout: Layout) -> list[str]:
    pad, note = " " * col, "   # note" if layout.comments else ""
    if isinstance(value, str):
        return [f"{pad}{key}: {quote(value)}{note}"]
    if isinstance(value, list) and (layout.flow_lists or not value):
        return [f"{pad}{key}: [{', '.join(json.dumps(v) for v in value)}]{note}"]
    if isinstance(value, list):
        return [f"{pad}{key}:", *[f"{' ' * (col + layout.dash)}- {quote(v)}" for v in value]]
    return [f"{pad}{key}:", *[line for k, v in value.items()
                              for line in emit_entry(k, v, col + layout.indent, layout)]]


def paths(data: Data, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    out: list[tuple[tuple[str, ...], object]] = [(prefix, data)]
    for key, value in data.items():
        if isinstance(value, dict):
            out += paths(value, (*prefix, key))
        else:
            out.append(((*prefix, key), value))
    return out


def at(data: Data, path: tuple[str, ...]) -> Data:
    node = data
    for key in path:
        value = node[key]
        assert isinstance(value, dict)
        node = value
    return node


@settings(max_examples=150, deadline=None)
@given(data=DATA, layout=LAYOUTS, choice=st.data())
def test_any_edit_changes_only_its_lines(data: Data, layout: Layout, choice: st.DataObject) -> None:
    before = emit(data, layout)
    assert yaml.safe_load(before) == data
    expected = copy.deepcopy(data)
    path, value = choice.draw(st.sampled_from(paths(data)))
    word = choice.draw(WORDS)
    items: list[str] = []
    changed = (0, 0)  # set_items: (items deleted, items inserted)
    if isinstance(value, dict):  # add a key to this mapping
        key = choice.draw(KEYS.filter(lambda k: k not in value))
        at(expected, path)[key] = word
        after, kind = yamledit.set_scalar(before, (*path, key), word, display=D), "add"
    elif isinstance(value, list) and choice.draw(st.booleans()):  # make it hold other items
        items = choice.draw(st.lists(WORDS, max_size=4))
        kept = sum(block.size for block in difflib.SequenceMatcher(
            None, value, items, autojunk=False).get_matching_blocks())
        changed = (len(value) - kept, len(items) - kept)
        at(expected, path[:-1])[path[-1]] = items
        after, kind = yamledit.set_items(before, path, tuple(items), display=D), "items"
    elif choice.draw(st.booleans()):  # delete the key
        del at(expected, path[:-1])[path[-1]]
        after, kind = yamledit.delete(before, path, display=D), "delete"
    elif isinstance(value, str):
        at(expected, path[:-1])[path[-1]] = word
        after, kind = yamledit.set_scalar(before, path, word, display=D), "set"
    else:
        index = choice.draw(st.integers(0, len(value)))
        at(expected, path[:-1])[path[-1]] = [*value[:index], word, *value[index:]]
        after, kind = yamledit.insert_item(before, path, word, display=D, index=index), "append"
    assert (yaml.safe_load(after) or {}) == expected, after
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [line for line in diff if line.startswith("- ")]
    added = [line for line in diff if line.startswith("+ ")]
    emptied = kind == "delete" and not at(expected, path[:-1])
    flow = isinstance(value, list) and (layout.flow_lists or not value)
    if kind == "set" and value != word:
        assert len(removed) == len(added) == 1
    elif kind == "items" and changed == (0, 0):
        assert after == before
    elif kind == "items" and not flow and items:  # only the lines of the items not kept
        lines, lines_after = Counter(before.splitlines()), Counter(after.splitlines())
        assert (lines - lines_after).total() <= changed[0]
        assert (lines_after - lines).total() <= changed[1]
    elif kind in ("add", "append") and not flow:
        assert not removed and added
    elif kind == "append":
        assert len(removed) == 1 and added
    elif kind == "delete" and not emptied:
        assert removed and not added
    assert after.endswith("\n") is layout.final_newline or emptied
    if "\n" in before:  # a file of one line without newline has no line ending to follow
        assert ("\r\n" in after) is layout.crlf or "\n" not in after
        assert not layout.crlf or "\n" not in after.replace("\r\n", "")
