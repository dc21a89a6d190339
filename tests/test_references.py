"""desired/references.py: path patterns over loaded YAML, as tables (no mocks)."""

from __future__ import annotations

from typing import Any

import pytest

from vectora_gitops.desired.references import (
    BUNDLE_REFERENCES,
    CLIENT_REFERENCES,
    DEFINITIONS,
    Definition,
    Found,
    alternatives,
    defined_names,
    expand,
    kinds_label,
    ref_text,
    walk,
)
from vectora_gitops.desired.yamlfile import Key

CLIENT: dict[str, Any] = {
    "bedrock_config": {
        "model_id": "m",
        "normalization_prompt": "gen_norm",
        "matching_prompt": "lai_matching",
        "domain_scoring_prompt": "lai_ds",
        "enable_domain_scoring": True,
        "newsletter_prompt": "never_read",
        "max_tokens": 10,
    },
    "llm_config": {"editorial_prompt": "lai_ed"},
    "watch_domains": [
        {"id": "a", "technology_scope": "lai_keywords", "company_scope": "co",
         "technology_profile": "technology_complex"},
        {"id": "b", "technology_scope": "lai_keywords.core_phrases"},
        "not-a-mapping",
    ],
    "matching_config": {"fallback_company_scopes": ["co", "co2"]},
    "scoring_config": {
        "event_type_weight_overrides": {"partnership": 1.3, "regulatory": 1.5},
        "client_specific_bonuses": {"pure": {"scope": "pp", "bonus": 5},
                                    "brands": {"scope": "tm"}},
    },
    "newsletter_layout": {"sections": [{"id": "s1", "filter_event_types": ["regulatory"]},
                                       {"id": "s2"},
                                       {"id": "s3", "filter_event_types": ["other", 3]},
                                       {"id": "s4", "filter_event_types": ["*"]}]},
    "source_config": {"source_bouquets_enabled": ["b1", "b2"], "sources_extra_enabled": []},
}

WALKS: list[tuple[str, str, str, Any, list[Found]]] = [
    # id, pattern, kind, data, expected
    ("plain-key", "a.b", "k", {"a": {"b": "x"}}, [Found(("a", "b"), "x", "k")]),
    ("missing-key", "a.c", "k", {"a": {"b": "x"}}, []),
    ("non-string-leaf-ignored", "a.b", "k", {"a": {"b": 3}}, []),
    ("mapping-leaf-ignored", "a", "k", {"a": {"b": "x"}}, []),
    ("list-items", "l[]", "k", {"l": ["x", "y"]}, [Found(("l", 0), "x", "k"),
                                                   Found(("l", 1), "y", "k")]),
    ("list-items-then-key", "l[].n", "k", {"l": [{"n": "x"}, {"m": "y"}, {"n": "z"}]},
     [Found(("l", 0, "n"), "x", "k"), Found(("l", 2, "n"), "z", "k")]),
    ("list-of-lists", "l[].m[]", "k", {"l": [{"m": ["x"]}, {"m": ["y", "z"]}]},
     [Found(("l", 0, "m", 0), "x", "k"), Found(("l", 1, "m", 0), "y", "k"),
      Found(("l", 1, "m", 1), "z", "k")]),
    ("bare-brackets-on-top-list", "[]", "k", ["x", 1, "y"],
     [Found((0,), "x", "k"), Found((2,), "y", "k")]),
    ("brackets-on-mapping-yield-nothing", "l[]", "k", {"l": {"a": "x"}}, []),
    ("tilde-keys", "m.~", "k", {"m": {"a": 1, "b": {"c": 2}}},
     [Found(("m", "a"), "a", "k"), Found(("m", "b"), "b", "k")]),
    ("tilde-top-level", "~", "k", {"x": [], "y": {}}, [Found(("x",), "x", "k"),
                                                       Found(("y",), "y", "k")]),
    ("tilde-on-list-yields-nothing", "m.~", "k", {"m": ["a"]}, []),
    ("tilde-not-last-yields-nothing", "~.x", "k", {"a": {"x": "v"}}, []),
    ("glob-then-tilde", "*.~", "k", {"s": {"a": [], "b": []}, "t": ["flat"]},
     [Found(("s", "a"), "a", "k"), Found(("s", "b"), "b", "k")]),
    ("glob-fills-kind", "c.*_prompt", "prompt:{}", {"c": {"x_prompt": "p1", "model": "m"}},
     [Found(("c", "x_prompt"), "p1", "prompt:x")]),
    ("glob-prefix-fills-kind", "c.pre_*", "k:{}", {"c": {"pre_ab": "v"}},
     [Found(("c", "pre_ab"), "v", "k:ab")]),
    ("glob-middle-key", "b.*.scope", "scope", {"b": {"x": {"scope": "s1"}, "y": {"bonus": 1}}},
     [Found(("b", "x", "scope"), "s1", "scope")]),
    ("glob-without-braces-keeps-kind", "b.*", "scope", {"b": {"x": "v"}},
     [Found(("b", "x"), "v", "scope")]),
    ("braces-without-glob-kept", "c.x", "k:{}", {"c": {"x": "v"}}, [Found(("c", "x"), "v", "k:{}")]),
    ("question-mark-glob", "c.?", "k", {"c": {"a": "1", "ab": "2"}}, [Found(("c", "a"), "1", "k")]),
    ("none-data", "a.b", "k", None, []),
    ("placeholder", "{{ref:}}", "scope|definition", {"t": "x {{ref:lai}} y {{ ref:lai.core }}"},
     [Found(("t",), "lai", "scope|definition"), Found(("t",), "lai.core", "scope|definition")]),
    ("placeholder-nested", "{{ref:}}", "scope",
     {"a": [{"b": "{{ref:one}}"}, "{{ref:two}}", 3], "c": "{{plain}} {{ref:}}"},
     [Found(("a", 0, "b"), "one", "scope"), Found(("a", 1), "two", "scope")]),
    ("placeholder-runtime-vars-ignored", "{{ref:}}", "scope", {"t": "{{week_number}} {{year}}"},
     []),
    ("wildcard-is-never-a-name", "s[].f[]", "event_type", {"s": [{"f": ["*", "regulatory"]}]},
     [Found(("s", 0, "f", 1), "regulatory", "event_type")]),
    ("wildcard-key-is-never-a-name", "m.~", "event_type", {"m": {"*": 1, "other": 2}},
     [Found(("m", "other"), "other", "event_type")]),
]


@pytest.mark.parametrize(("pattern", "kind", "data", "expected"), [w[1:] for w in WALKS],
                         ids=[w[0] for w in WALKS])
def test_walk(pattern: str, kind: str, data: Any, expected: list[Found]) -> None:
    assert list(walk(data, pattern, kind)) == expected


CLIENT_ROWS: list[tuple[str, list[tuple[Key, str, str]]]] = [
    ("bedrock_config.normalization_prompt", [
        (("bedrock_config", "normalization_prompt"), "gen_norm", "prompt:normalization"),
    ]),
    ("bedrock_config.editorial_prompt", []),
    ("llm_config.normalization_prompt", []),
    ("llm_config.editorial_prompt", [
        (("llm_config", "editorial_prompt"), "lai_ed", "prompt:editorial"),
    ]),
    ("bedrock_config.matching_prompt", [
        (("bedrock_config", "matching_prompt"), "lai_matching", "prompt:matching"),
    ]),
    ("bedrock_config.domain_scoring_prompt", [
        (("bedrock_config", "domain_scoring_prompt"), "lai_ds", "prompt:domain_scoring"),
    ]),
    ("llm_config.matching_prompt", []),
    ("llm_config.domain_scoring_prompt", []),
    ("watch_domains[].technology_scope", [
        (("watch_domains", 0, "technology_scope"), "lai_keywords", "scope"),
        (("watch_domains", 1, "technology_scope"), "lai_keywords.core_phrases", "scope"),
    ]),
    ("watch_domains[].company_scope", [(("watch_domains", 0, "company_scope"), "co", "scope")]),
    ("watch_domains[].molecule_scope", []),
    ("watch_domains[].trademark_scope", []),
    ("watch_domains[].technology_profile", [
        (("watch_domains", 0, "technology_profile"), "technology_complex", "technology_profile"),
    ]),
    ("matching_config.fallback_company_scopes[]", [
        (("matching_config", "fallback_company_scopes", 0), "co", "scope"),
        (("matching_config", "fallback_company_scopes", 1), "co2", "scope"),
    ]),
    ("scoring_config.client_specific_bonuses.*.scope", [
        (("scoring_config", "client_specific_bonuses", "pure", "scope"), "pp", "scope"),
        (("scoring_config", "client_specific_bonuses", "brands", "scope"), "tm", "scope"),
    ]),
    ("scoring_config.event_type_weight_overrides.~", [
        (("scoring_config", "event_type_weight_overrides", "partnership"), "partnership",
         "event_type"),
        (("scoring_config", "event_type_weight_overrides", "regulatory"), "regulatory",
         "event_type"),
    ]),
    ("newsletter_layout.sections[].filter_event_types[]", [
        (("newsletter_layout", "sections", 0, "filter_event_types", 0), "regulatory",
         "event_type"),
        (("newsletter_layout", "sections", 2, "filter_event_types", 0), "other", "event_type"),
    ]),
    ("source_config.source_bouquets_enabled[]", [
        (("source_config", "source_bouquets_enabled", 0), "b1", "bouquet"),
        (("source_config", "source_bouquets_enabled", 1), "b2", "bouquet"),
    ]),
    ("source_config.sources_extra_enabled[]", []),
]


def test_every_client_reference_row_is_in_the_table() -> None:
    assert [r.path for r in CLIENT_REFERENCES] == [path for path, _ in CLIENT_ROWS]


@pytest.mark.parametrize(("path", "expected"), CLIENT_ROWS, ids=[p for p, _ in CLIENT_ROWS])
def test_client_reference_rows(path: str, expected: list[tuple[Key, str, str]]) -> None:
    (ref,) = [r for r in CLIENT_REFERENCES if r.path == path]
    found = [(f.key, f.name, f.kind) for f in walk(CLIENT, ref.path, ref.kind)]
    assert found == expected


CATALOG: dict[str, Any] = {
    "sources": [{"source_key": "s1", "ingestion_profile": "rss"},
                {"source_key": "s2", "ingestion_profile": "html"}],
    "bouquets": [{"bouquet_id": "b1", "source_keys": ["s1", "s3"]}],
}


@pytest.mark.parametrize(("path", "expected"), [
    ("bouquets[].source_keys[]", ["s1", "s3"]),
    ("sources[].ingestion_profile", ["rss", "html"]),
], ids=["bouquet-sources", "source-profiles"])
def test_bundle_reference_rows(path: str, expected: list[str]) -> None:
    (ref,) = [r for r in BUNDLE_REFERENCES if r.path == path]
    assert [f.name for f in walk(CATALOG, ref.path, ref.kind)] == expected


SCOPES: dict[str, Any] = {
    "lai_companies": ["Camurus", "MedinCell"],
    "lai_keywords": {"core_phrases": ["depot"], "route_terms": ["im"]},
}

DEFINED: list[tuple[str, Definition, Any, set[str]]] = [
    ("scope-names", Definition("scopes/*.yaml", "~", "scope"), SCOPES,
     {"lai_companies", "lai_keywords"}),
    ("qualified-sub-scopes", Definition("scopes/*.yaml", "*.~", "scope", qualified=True), SCOPES,
     {"lai_keywords.core_phrases", "lai_keywords.route_terms"}),
    ("sources", Definition("sources/source_catalog.yaml", "sources[].source_key", "source"),
     CATALOG, {"s1", "s2"}),
    ("bouquets", Definition("sources/source_catalog.yaml", "bouquets[].bouquet_id", "bouquet"),
     CATALOG, {"b1"}),
    ("profiles", Definition("x.yaml", "profiles.~", "ingestion_profile"),
     {"profiles": {"rss": {}, "html": {}}}, {"rss", "html"}),
    ("empty-file", Definition("x.yaml", "profiles.~", "ingestion_profile"), None, set()),
    ("wrong-shape", Definition("x.yaml", "profiles.~", "ingestion_profile"),
     {"profiles": ["rss"]}, set()),
    ("scope-metadata-skipped", Definition("scopes/*.yaml", "*.~", "scope", qualified=True,
                                          scopes_only=True),
     {"kw": {"_metadata": {"profile": "p"}, "core": ["x"]}, "_note": "n"}, {"kw.core"}),
    ("top-metadata-skipped", Definition("scopes/*.yaml", "~", "scope", scopes_only=True),
     {"kw": {"_metadata": {"profile": "p"}, "core": ["x"]}, "_note": "n", "flat": []},
     {"kw", "flat"}),
    ("non-scope-values-define-nothing",
     Definition("scopes/*.yaml", "~", "scope", scopes_only=True),
     {"lai_domain_definition": {"core": ["{{ref:kw.core}}"], "rules": {"high": 1}},
      "count": 3}, set()),
    ("non-scope-sub-lists-define-nothing",
     Definition("scopes/*.yaml", "*.~", "scope", qualified=True, scopes_only=True),
     {"lai_domain_definition": {"core": ["{{ref:kw.core}}"], "rules": {"high": 1}}}, set()),
    ("event-type-definitions", Definition("events/event_type_definitions.yaml", "~",
                                          "event_type"),
     {"clinical_update": {"description": "d"}, "_metadata": {}}, {"clinical_update"}),
    ("global-prompts", Definition("prompts/global_prompts.yaml", "*.~", "global_prompt",
                                  qualified=True, sections_only=True),
     {"metadata": {"version": "1", "changelog": []},
      "matching": {"watch_domains_v2": {"user_template": "t"}, "notes": "n"},
      "newsletter": {"tldr_generation": {"system_instructions": "s", "user_template": "t"}}},
     {"matching.watch_domains_v2", "newsletter.tldr_generation"}),
]


@pytest.mark.parametrize(("definition", "data", "expected"), [d[1:] for d in DEFINED],
                         ids=[d[0] for d in DEFINED])
def test_defined_names(definition: Definition, data: Any, expected: set[str]) -> None:
    assert defined_names(data, definition) == expected


def test_definition_rows_match_their_schema_files() -> None:
    # every definition with a path reads a named file or a glob of the bundle
    assert all(d.files and not d.files.startswith("/") for d in DEFINITIONS)
    kinds = {d.kind.replace("{}", "") for d in DEFINITIONS}
    referenced = {k.split(":")[0] + (":" if ":" in k else "")
                  for r in CLIENT_REFERENCES + BUNDLE_REFERENCES for k in alternatives(r.kind)}
    assert referenced <= kinds


@pytest.mark.parametrize(("path", "severity"), [
    ("bedrock_config.normalization_prompt", "error"),
    ("llm_config.editorial_prompt", "error"),
    ("bedrock_config.matching_prompt", "warning"),
    ("llm_config.domain_scoring_prompt", "warning"),
    ("scoring_config.event_type_weight_overrides.~", "warning"),
    ("newsletter_layout.sections[].filter_event_types[]", "warning"),
    ("watch_domains[].technology_scope", "error"),
    ("source_config.source_bouquets_enabled[]", "error"),
])
def test_severity_follows_what_the_engine_reads(path: str, severity: str) -> None:
    (ref,) = [r for r in CLIENT_REFERENCES if r.path == path]
    assert ref.severity == severity


@pytest.mark.parametrize(("kind", "label"), [
    ("prompt:matching", "matching prompt"),
    ("scope|definition", "scope or domain definition"),
    ("technology_profile", "technology profile"),
    ("event_type", "event type"),
    ("scope", "scope"),
])
def test_kinds_label(kind: str, label: str) -> None:
    assert kinds_label(kind) == label


@pytest.mark.parametrize(("text", "expected"), [
    ("  Brands: {{ref:brands}}\n", "  Brands: - Uzedy\n  - Brixadi\n"),
    ("a {{ref:brands}} b {{ ref:one }}\n", "a - Uzedy\n- Brixadi b x\n"),
    ("  keep {{ref:missing}} and {{items}}\n", "  keep {{ref:missing}} and {{items}}\n"),
    ("  DOMAIN\n  {{ref:domain}}\n", "  DOMAIN\n  id: lai\n  terms:\n  - depot\n"),
])
def test_placeholders_expand_as_the_engine_sends_them(text: str, expected: str) -> None:
    values = {"brands": ref_text(["Uzedy", "Brixadi"]), "one": "x",
              "domain": "id: lai\nterms:\n- depot"}
    assert expand(text, values) == expected
    assert ref_text({"core": ["a", "b"], "_metadata": {"v": 1}, "note": "n"}) == \
        "- core: a, b\n- note: n"
