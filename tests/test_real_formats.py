"""The formats of the live Vectora Inbox system: one small file of each kind (our own copies,
in tests/fixtures/real_formats/, with the real files' quirks: accents, emoji, trailing spaces,
whitespace-only lines, no final newline) validate with exactly the expected warnings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers_repo import edit, make_repo
from vectora_gitops.cli import main
from vectora_gitops.desired.canonical import index_bundle
from vectora_gitops.desired.repo import Repository

FIXTURES = Path(__file__).parent / "fixtures" / "real_formats"
BUNDLE = "canonical/2.2.0"
LEGACY = "clients/lai_weekly_v7/7.0.0.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The sample repository with the fixture bundle and the legacy client pinned in dev."""
    root = make_repo(tmp_path / "repo")
    shutil.copytree(FIXTURES / BUNDLE, root / BUNDLE)
    shutil.copytree(FIXTURES / "clients/lai_weekly_v7", root / "clients/lai_weekly_v7")
    edit(root, "environments/dev/pins.yaml", "canonical: 2.1.0", "canonical: 2.2.0")
    edit(root, "environments/dev/pins.yaml", "lai_weekly: 7.2.0-dev.1", "lai_weekly_v7: 7.0.0")
    return root


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["--repo", str(root), "validate"])
    out, err = capsys.readouterr()
    return code, err.splitlines(), out


def test_fixture_files_keep_the_real_quirks() -> None:
    legacy = (FIXTURES / LEGACY).read_bytes()
    assert not legacy.endswith(b"\n") and b"    \n" in legacy and b'"nda_submission" \n' in legacy
    assert "🛟".encode() in legacy and b"version:" not in legacy.split(b"pipeline:")[0]
    technology = (FIXTURES / BUNDLE / "scopes/technology_scopes.yaml").read_bytes()
    assert not technology.endswith(b"\n") and b"\n  \n" in technology


def test_real_formats_validate_with_exactly_the_expected_warnings(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, out = validate(repo, capsys)
    assert code == 0, lines
    assert lines == [
        "clients/lai_weekly_v7: warning: legacy client id; the id is stable: run "
        "`vectora-gitops migrate-client` to make it 'lai_weekly' version 7.0.0",
        f"{LEGACY}:13: warning: client_profile: no version (legacy config); "
        "`vectora-gitops migrate-client` adds version 7.0.0",
    ]
    assert out.splitlines()[0] == "validate: ok (2 warning(s))"


def test_names_each_file_kind_defines(repo: Path) -> None:
    names = index_bundle(Repository(repo), "2.2.0").names
    assert {"lai_keywords", "lai_keywords.core_phrases", "lai_molecules_addiction",
            "exclude_contexts"} <= names["scope"]
    # `_` keys are metadata and domain_definitions.yaml is not a scope file
    assert not {n for n in names["scope"] if "_metadata" in n or n.startswith("lai_domain")}
    assert names["definition"] == {"lai_domain_definition", "lai_ecosystem_definition"}
    assert names["global_prompt"] == {"normalization.lai_default", "newsletter.tldr_generation",
                                      "matching.matching_watch_domains_v2"}
    assert names["prompt:normalization"] == {"generic_normalization", "lai_normalization"}
    # event types: events/ definitions, events/ patterns and scoring weights together
    assert {"clinical_update", "scientific_paper", "manufacturing_supply",
            "scientific_publication", "other"} <= names["event_type"]
    assert names["source"] == {"press_corporate__medincell", "press_sector__fiercebiotech"}
    assert names["ingestion_profile"] == {"corporate_pure_player_broad",
                                          "press_technology_focused", "default_broad"}


@pytest.mark.parametrize(("rel", "old", "new", "message"), [
    ("prompts/global_prompts.yaml", "{{ref:lai_ecosystem_definition}}", "{{ref:lai_ghost}}",
     "prompts/global_prompts.yaml:32: matching.matching_watch_domains_v2.user_template: scope or "
     "domain definition 'lai_ghost' is not defined in canonical 2.2.0"),
    ("prompts/global_prompts.yaml", '    user_template: "Summarise: {{items_summary}}"\n', "",
     "prompts/global_prompts.yaml:22: newsletter.tldr_generation: 'user_template' is a required "
     "property"),
    ("scopes/domain_definitions.yaml", "{{ref:lai_keywords.negative_terms}}",
     "{{ref:lai_keywords.negatives}}",
     "scopes/domain_definitions.yaml:21: lai_domain_definition.exclusions.0: scope or domain "
     "definition 'lai_keywords.negatives' is not defined in canonical 2.2.0; did you mean "
     "'lai_keywords.negative_terms'?"),
    ("prompts/normalization/lai_normalization.yaml", "{{ref:lai_keywords.core_phrases}}",
     "{{ref:lai_keywords.core}}",
     "prompts/normalization/lai_normalization.yaml:9: user_template: scope or domain definition "
     "'lai_keywords.core' is not defined in canonical 2.2.0; did you mean 'lai_keywords'?"),
    ("prompts/domain_scoring/lai_domain_scoring.yaml", "  temperature: 0.0", "  temperature: 3",
     "prompts/domain_scoring/lai_domain_scoring.yaml:14: llm_config.temperature: 3 is greater "
     "than the maximum of 1"),
    ("sources/source_catalog.yaml", '    ingestion_profile: "press_technology_focused"',
     '    ingestion_profile: "press_focused"',
     "sources/source_catalog.yaml:27: sources.1.ingestion_profile: ingestion profile "
     "'press_focused' is not defined in canonical 2.2.0; did you mean 'press_technology_focused'?"),
    ("scopes/technology_scopes.yaml", '    - "once-monthly"', "    - 30",
     "scopes/technology_scopes.yaml:13: lai_keywords.interval_patterns.0: 30 is a number where "
     "text is expected; quote it"),
], ids=["global-ref", "global-section", "domain-definitions-ref", "prompt-sub-ref",
        "llm-config", "source-profile", "technology-sub-list"])
def test_each_file_kind_is_still_checked(repo: Path, capsys: pytest.CaptureFixture[str],
                                         rel: str, old: str, new: str, message: str) -> None:
    edit(repo, f"{BUNDLE}/{rel}", old, new)
    code, lines, _ = validate(repo, capsys)
    assert code == 1
    assert [line for line in lines if "warning:" not in line] == [
        f"{BUNDLE}/{message}", "validate: 1 error(s), 2 warning(s)"]


def test_deleted_normalization_prompt_is_an_error_in_the_legacy_client(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / BUNDLE / "prompts/normalization/lai_normalization.yaml").unlink()
    code, lines, _ = validate(repo, capsys)
    assert code == 1
    assert f"{LEGACY}:37: bedrock_config.normalization_prompt: normalization prompt " \
           "'lai_normalization' is not in canonical 2.2.0 (pinned in dev); did you mean " \
           "'generic_normalization'?" in lines


def test_deleted_matching_prompt_is_only_a_warning(repo: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (repo / BUNDLE / "prompts/matching/lai_matching.yaml").unlink()
    code, lines, _ = validate(repo, capsys)
    assert code == 0, lines
    assert lines[-1] == f"{LEGACY}:38: warning: bedrock_config.matching_prompt: matching prompt " \
        "'lai_matching' is not in canonical 2.2.0 (pinned in dev); the engine does not read " \
        "this key"


def test_a_bundle_without_scoring_or_matching_still_validates(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # post-pivot bundles lack matching/, scoring/, the editorial and domain scoring prompts
    for folder in ("matching", "scoring", "prompts/editorial", "prompts/domain_scoring"):
        shutil.rmtree(repo / BUNDLE / folder)
    edit(repo, f"{BUNDLE}/../../{LEGACY}", '  editorial_prompt: "lai_editorial"\n', "")
    edit(repo, f"{BUNDLE}/../../{LEGACY}", '    technology_profile: "technology_complex"\n', "")
    code, lines, _ = validate(repo, capsys)
    assert code == 0, lines
    # scientific_publication was defined by scoring weights only: now a warning, not an error
    assert any("event type 'scientific_publication' is not in canonical 2.2.0" in line
               and "warning:" in line for line in lines), lines
