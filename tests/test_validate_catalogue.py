"""Catalogue of bad inputs: each one mutates a copy of the repository and must fail `validate`.

Every case names the file the error must be reported in and a piece of its message; where the
line is known (the mutation returns it) the error must read `path:line: ...`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers_repo import append, edit, make_repo
from vectora_gitops.cli import main

Mutation = Callable[[Path], int | None]

D, DP = "environments/dev/environment.yaml", "environments/dev/pins.yaml"
S, SP = "environments/stage/environment.yaml", "environments/stage/pins.yaml"
P, PP = "environments/prod/environment.yaml", "environments/prod/pins.yaml"
C = "clients/lai_weekly/7.1.0.yaml"  # pinned by stage, checked against canonical 2.1.0
B = "canonical/2.1.0"  # pinned by dev and stage
CATALOG = f"{B}/sources/source_catalog.yaml"
EDITORIAL = f"{B}/prompts/editorial/lai_editorial.yaml"
MATCHING = f"{B}/prompts/matching/lai_matching.yaml"
DOMAIN_SCORING = f"{B}/prompts/domain_scoring/lai_domain_scoring.yaml"
SCORING = f"{B}/scoring/scoring_rules.yaml"

# Built at run time so that no secret-looking literal sits in the repository.
AWS_KEY = "AKIA" + "IOSFODNN7" + "EXAMPLE"
GITHUB_TOKEN = "ghp" + "_" + "x1" * 18
PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----"


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Mutation
    path: str  # the error line starts with this
    message: str  # and contains this
    base: bool = False  # run `validate --base HEAD`


def sub(rel: str, old: str, new: str, *, located: bool = True, offset: int = 0) -> Mutation:
    """Replace `old` by `new` in `rel`; the error is expected on the line of `old` (+offset)."""
    def mutate(root: Path) -> int | None:
        line = edit(root, rel, old, new)
        return line + offset if located else None
    return mutate


def add(rel: str, extra: str, *, located: bool = True, offset: int = 0) -> Mutation:
    """Append `extra` to `rel`; the error is expected on its first line (+offset)."""
    def mutate(root: Path) -> int | None:
        line = append(root, rel, extra)
        return line + offset if located else None
    return mutate


def resub(rel: str, pattern: str, new: str) -> Mutation:
    """Replace the first match of `pattern`; the error is expected on its line."""
    def mutate(root: Path) -> int | None:
        text = (root / rel).read_text(encoding="utf-8")
        match = re.search(pattern, text)
        assert match, f"{rel}: no match for {pattern!r}"
        return edit(root, rel, match.group(0), new)
    return mutate


def write_bytes(rel: str, content: bytes) -> Mutation:
    def mutate(root: Path) -> int | None:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
        return None
    return mutate


def copy(src: str, dst: str, *, edits: tuple[tuple[str, str], ...] = ()) -> Mutation:
    def mutate(root: Path) -> int | None:
        if (root / src).is_dir():
            shutil.copytree(root / src, root / dst)
        else:
            shutil.copyfile(root / src, root / dst)
        for old, new in edits:
            edit(root, dst, old, new)
        return None
    return mutate


def remove(rel: str) -> Mutation:
    def mutate(root: Path) -> int | None:
        (root / rel).unlink()
        return None
    return mutate


def symlink(rel: str, target: str) -> Mutation:
    def mutate(root: Path) -> int | None:
        os.symlink(target, root / rel)
        return None
    return mutate


def latin1(rel: str, old: str, new: str) -> Mutation:
    def mutate(root: Path) -> int | None:
        line = edit(root, rel, old, "\x00PLACEHOLDER\x00")
        raw = (root / rel).read_bytes().replace(b"\x00PLACEHOLDER\x00", new.encode("latin-1"))
        (root / rel).write_bytes(raw)
        return line
    return mutate


def alias_bomb() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def huge_yaml() -> bytes:
    row = "# " + "x" * 1000 + "\n"
    return b"client_profile: {client_id: lai_weekly, version: 7.1.0}\n" + row.encode() * 2048


ENV_CASES = [
    Case("env-yaml-syntax", sub(D, "region: eu-west-3", "region: [eu-west-3", located=False),
         D, "YAML syntax error"),
    Case("env-duplicate-key", add(D, "name: dev\n"), D,
         "duplicate key 'name' on lines 3 and"),
    Case("env-account-id-number", sub(D, 'account_id: "786469175371"', "account_id: 786469175371"),
         D, "is a number where text is expected; quote it"),
    Case("env-bad-account-id", sub(D, 'account_id: "786469175371"', 'account_id: "12345"'),
         D, "aws.account_id: '12345' does not match"),
    Case("env-region-wrong-type", sub(S, "region: eu-west-3", "region: [eu-west-3]"),
         S, "aws.region: ['eu-west-3'] is not of type 'string'"),
    Case("env-unknown-top-key", add(P, "colour: blue\n"), P, "'colour' was unexpected"),
    Case("env-unknown-aws-key", sub(D, "  region: eu-west-3\n",
                                    "  region: eu-west-3\n  profile: admin\n", located=False),
         D, "'profile' was unexpected"),
    Case("env-missing-role", sub(D, "role: vectora-inbox-lambda-role-dev\n", "", located=False),
         D, "'role' is a required property"),
    Case("env-missing-bucket", sub(S, "  data: vectora-inbox-data-stage\n", "", located=False),
         S, "'data' is a required property"),
    Case("env-name-not-folder", sub(D, "name: dev", "name: stage"),
         D, "name: 'stage' must equal the folder name 'dev'"),
    Case("env-no-trap", sub(D, "  prune: true", "  prune: no"),
         D, "'no' is read as a boolean by YAML 1.1 readers"),
    Case("env-on-trap", sub(S, "  self_heal: false", "  self_heal: on"),
         S, "'on' is read as a boolean"),
    Case("env-octal-retention", sub(D, "retention: 10", "retention: 010"),
         D, "'010' is read as a number in another base"),
    Case("env-unknown-promotion-from", sub(S, "from: dev", "from: qa", located=False),
         S, "promotion.from: 'qa' is not an environment"),
    Case("env-promotion-cycle", sub(D, "from: null", "from: prod", located=False),
         D, "promotion.from: the promotion chain has a cycle"),
    Case("env-foreign-bucket", sub(S, "config: vectora-inbox-config-stage",
                                   "config: vectora-inbox-config-dev", located=False),
         S, "buckets.config: 'vectora-inbox-config-dev' does not belong to environment stage"),
    Case("env-foreign-function", sub(P, "name: vectora-inbox-ingest-v2-prod",
                                     "name: vectora-inbox-ingest-v2-dev", located=False),
         P, "functions.ingest.name: 'vectora-inbox-ingest-v2-dev' does not belong"),
    Case("env-foreign-layer", sub(S, "name: vectora-inbox-vectora-core-stage",
                                  "name: vectora-inbox-vectora-core-prod", located=False),
         S, "layers.vectora-core.name: 'vectora-inbox-vectora-core-prod' does not belong"),
    Case("env-foreign-role", sub(P, "role: vectora-inbox-lambda-role-prod",
                                 "role: vectora-inbox-lambda-role-dev", located=False),
         P, "role: 'vectora-inbox-lambda-role-dev' does not belong to environment prod"),
    Case("env-foreign-stack", sub(S, "- vectora-inbox-s0-core-stage", "- vectora-inbox-s0-core-dev",
                                  located=False),
         S, "stacks.0: 'vectora-inbox-s0-core-dev' does not belong"),
    Case("env-function-layer-undeclared",
         sub(D, "layers: [common-deps, vectora-core]", "layers: [common-deps, vectora-core, extra]",
             located=False),
         D, "functions.ingest.layers: 'extra' is not a layer declared under layers"),
    Case("env-layer-not-pinned",
         sub(D, "  common-deps:\n    name: vectora-inbox-common-deps-dev\n",
             "  common-deps:\n    name: vectora-inbox-common-deps-dev\n"
             "  extra:\n    name: vectora-inbox-extra-dev\n", located=False),
         DP, "layers.extra: no pin for the layer declared in environment.yaml"),
    Case("env-folder-uppercase", copy("environments/dev", "environments/Dev"),
         "environments/Dev", "environment folder names are lowercase"),
    Case("env-folder-dots", copy("environments/dev", "environments/dev..old"),
         "environments/dev..old", "environment folder names are lowercase"),
]

PINS_CASES = [
    Case("pins-unknown-key", add(DP, "extra: 1\n", located=False), DP, "'extra' was unexpected"),
    Case("pins-unknown-layer-key",
         sub(SP, "    version: 1.4.1\n", "    version: 1.4.1\n    notes: built by hand\n",
             located=False),
         SP, "'notes' was unexpected"),
    Case("pins-missing-canonical", sub(DP, "canonical: 2.1.0\n", "", located=False),
         DP, "'canonical' is a required property"),
    Case("pins-clients-wrong-type",
         sub(SP, "clients:\n  lai_weekly: 7.1.0", "clients: [lai_weekly]"),
         SP, "clients: ['lai_weekly'] is not of type 'object'"),
    Case("pins-bad-semver", sub(SP, "canonical: 2.1.0", 'canonical: "2.1"'),
         SP, "canonical: '2.1' does not match the expected form"),
    Case("pins-build-metadata", sub(SP, "lai_weekly: 7.1.0", "lai_weekly: 7.1.0+build.5"),
         SP, "clients.lai_weekly: '7.1.0+build.5' does not match"),
    Case("pins-version-trap-1.10", sub(SP, "canonical: 2.1.0", "canonical: 1.10"),
         SP, "canonical: '1.10' is read as the number 1.1; quote it (\"1.10\")"),
    Case("pins-absurd-canonical", sub(SP, "canonical: 2.1.0", "canonical: 99999999.0.0",
                                      located=False),
         SP, "canonical: bundle 99999999.0.0 does not exist"),
    Case("pins-prerelease-in-stage", sub(SP, "lai_weekly: 7.1.0", "lai_weekly: 7.2.0-dev.1",
                                         located=False),
         SP, "clients/lai_weekly: prerelease 7.2.0-dev.1 cannot be pinned in stage"),
    Case("pins-prerelease-in-prod", sub(PP, "lai_weekly: 7.0.0", "lai_weekly: 7.2.0-dev.1",
                                        located=False),
         PP, "clients/lai_weekly: prerelease 7.2.0-dev.1 cannot be pinned in prod"),
    Case("pins-bad-sha256", resub(PP, r'sha256: "[0-9a-f]{64}"', 'sha256: "abc123"'),
         PP, "layers.vectora-core.sha256: 'abc123' does not match"),
    Case("pins-artifact-not-s3",
         sub(DP, "artifact: s3://vectora-inbox-lambda-code-dev/layers/vectora-core-1.4.1.zip",
             "artifact: https://example.invalid/vectora-core-1.4.1.zip"),
         DP, "layers.vectora-core.artifact: 'https://example.invalid/vectora-core-1.4.1.zip'"),
    Case("pins-artifact-foreign-bucket",
         sub(DP, "s3://vectora-inbox-lambda-code-dev/layers/vectora-core-1.4.1.zip",
             "s3://someone-elses-bucket/layers/vectora-core-1.4.1.zip", located=False),
         DP, "is not in a vectora-inbox-lambda-code-<env> bucket"),
    Case("pins-artifact-unknown-env-bucket",
         sub(DP, "s3://vectora-inbox-lambda-code-dev/layers/vectora-core-1.4.1.zip",
             "s3://vectora-inbox-lambda-code-qa/layers/vectora-core-1.4.1.zip", located=False),
         DP, "bucket vectora-inbox-lambda-code-qa belongs to no environment"),
    Case("pins-client-missing-version", sub(SP, "lai_weekly: 7.1.0", "lai_weekly: 7.9.0",
                                            located=False),
         SP, "clients.lai_weekly: clients/lai_weekly/7.9.0.yaml does not exist"),
    Case("pins-unknown-client", sub(SP, "lai_weekly: 7.1.0", "ghost_client: 1.0.0", located=False),
         SP, "clients.ghost_client: clients/ghost_client/1.0.0.yaml does not exist"),
    Case("pins-canonical-missing-bundle", sub(SP, "canonical: 2.1.0", "canonical: 2.9.0",
                                              located=False),
         SP, "canonical: bundle 2.9.0 does not exist (no canonical/2.9.0/)"),
    Case("pins-layer-not-declared",
         add(DP, "  extra:\n    version: 1.0.0\n    sha256: \"" + "0" * 64 + "\"\n"
             "    artifact: s3://vectora-inbox-lambda-code-dev/layers/extra-1.0.0.zip\n",
             located=False),
         DP, "layers.extra: pinned but not declared in environment.yaml"),
]

CLIENT_CASES = [
    Case("client-profile-missing-version",
         sub(C, "  version: 7.1.0\n", "", located=False),
         C, "client_profile: 'version' is a required property"),
    Case("client-missing-required", sub(C, "watch_domains:", "watch_domainz:", located=False),
         C, "'watch_domains' is a required property"),
    Case("client-wrong-type", sub(C, "max_items_total: 18", "max_items_total: many"),
         C, "newsletter_selection.max_items_total: 'many' is not of type 'integer'"),
    Case("client-period-wrong-type", sub(C, "default_period_days: 30", 'default_period_days: "30"'),
         C, "pipeline.default_period_days: '30' is not of type 'integer'"),
    Case("client-event-type-bad-form",
         sub(C, '        - "regulatory"\n', '        - "Regulatory Affairs"\n'),
         C, "filter_event_types.0: 'Regulatory Affairs' does not match the expected form"),
    Case("client-enable-domain-scoring-not-bool",
         sub(C, "enable_domain_scoring: true", 'enable_domain_scoring: "yes please"'),
         C, "bedrock_config.enable_domain_scoring: 'yes please' is not of type 'boolean'"),
    Case("client-id-not-folder", sub(C, "client_id: lai_weekly", "client_id: lai_daily"),
         C, "client_profile.client_id: 'lai_daily' must equal the folder name 'lai_weekly'"),
    Case("client-version-not-file", sub(C, "version: 7.1.0", "version: 7.1.1"),
         C, "client_profile.version: '7.1.1' must equal the file name '7.1.0'"),
    Case("client-file-not-semver", copy(C, "clients/lai_weekly/latest.yaml"),
         "clients/lai_weekly/latest.yaml", "file name: 'latest' is not a semantic version"),
    Case("client-file-build-metadata", copy(C, "clients/lai_weekly/7.1.0+b1.yaml"),
         "clients/lai_weekly/7.1.0+b1.yaml", "carries build metadata"),
    Case("client-file-absurd-version", copy(C, "clients/lai_weekly/99999999.0.0.yaml"),
         "clients/lai_weekly/99999999.0.0.yaml", "'99999999.0.0' is not a semantic version"),
    Case("client-folder-bad-id", copy("clients/lai_weekly", "clients/LAI-weekly"),
         "clients/LAI-weekly", "client ids are lowercase letters, digits and _"),
    Case("client-yes-trap", sub(C, "active: true", "active: yes"),
         C, "'yes' is read as a boolean"),
    Case("client-alias-bomb", write_bytes(C, alias_bomb()),
         C, "too many nodes or too deep (alias expansion?)"),
    Case("client-2mb", write_bytes(C, huge_yaml()), C, "more than the 1048576 allowed"),
    Case("client-nul-bytes", write_bytes(C, b"client_profile:\n  client_id: lai\x00weekly\n"),
         C, "binary content (NUL bytes)"),
    Case("client-latin1", latin1(C, 'name: "LAI Weekly Intelligence"', 'name: "LAI Hebdo Qualité"'),
         C, "not valid UTF-8"),
    Case("client-aws-key", sub(C, 'created_by: "newsletter-engine team"', f"created_by: {AWS_KEY}"),
         C, "looks like an AWS access key id"),
    Case("client-github-token", sub(C, 'created_by: "newsletter-engine team"',
                                    f"created_by: {GITHUB_TOKEN}"),
         C, "looks like a GitHub token"),
    Case("client-private-key", add(C, f"# {PRIVATE_KEY}\n"), C, "looks like a private key"),
    Case("client-multi-document", add(C, "---\nclient_profile: {}\n", offset=1),
         C, "holds more than one YAML document"),
]

# One case per row of references.CLIENT_REFERENCES (and per prompt type of the first row).
REFERENCE_CASES = [
    Case(f"ref-{kind}-prompt",
         sub(C, f'{kind}_prompt: "{name}"', f'{kind}_prompt: "missing_{kind}"'),
         C, f"bedrock_config.{kind}_prompt: {kind} prompt 'missing_{kind}' is not in "
            "canonical 2.1.0 (pinned in stage)")
    for kind, name in (
        ("normalization", "generic_normalization"),
        ("editorial", "lai_editorial"),
    )
] + [
    Case(f"ref-{key}", sub(C, f'{key}: "{old}"', f'{key}: "{new}"'),
         C, f"watch_domains.0.{key}: {label} '{new}' is not in canonical 2.1.0")
    for key, old, new, label in (
        ("technology_scope", "lai_keywords", "ghost_keywords", "scope"),
        ("company_scope", "lai_companies_global", "ghost_companies", "scope"),
        ("molecule_scope", "lai_molecules_global", "ghost_molecules", "scope"),
        ("trademark_scope", "lai_trademarks_global", "ghost_trademarks", "scope"),
        ("technology_profile", "technology_complex", "technology_ghost", "technology profile"),
    )
] + [
    Case("ref-technology-sub-scope",
         sub(C, 'technology_scope: "lai_keywords"', 'technology_scope: "lai_keywords.ghost"'),
         C, "watch_domains.0.technology_scope: scope 'lai_keywords.ghost' is not in "
            "canonical 2.1.0"),
    Case("ref-fallback-company-scope",
         sub(C, 'fallback_company_scopes:\n    - "lai_companies_global"',
             'fallback_company_scopes:\n    - "ghost_companies"', offset=1),
         C, "matching_config.fallback_company_scopes.0: scope 'ghost_companies' is not in"),
    Case("ref-bonus-scope", sub(C, 'scope: "lai_companies_pure_players"', 'scope: "ghost_players"'),
         C, "scoring_config.client_specific_bonuses.pure_player_companies.scope: scope "
            "'ghost_players' is not in canonical 2.1.0"),
    Case("ref-llm-config-editorial-prompt",
         add(C, 'llm_config:\n  editorial_prompt: "ghost_editorial"\n', offset=1),
         C, "llm_config.editorial_prompt: editorial prompt 'ghost_editorial' is not in "
            "canonical 2.1.0"),
    Case("ref-bouquet", sub(C, '    - "lai_press_mvp"', '    - "ghost_bouquet"'),
         C, "source_config.source_bouquets_enabled.1: bouquet 'ghost_bouquet' is not in"),
    Case("ref-extra-source",
         sub(C, '    - "press_sector__endpoints_news"', '    - "press_sector__ghost"'),
         C, "source_config.sources_extra_enabled.0: source 'press_sector__ghost' is not in"),
]

BUNDLE_CASES = [
    Case("bundle-bouquet-unknown-source",
         sub(CATALOG, '      - "press_sector__fiercepharma"', '      - "press_sector__ghost"'),
         CATALOG, "bouquets.1.source_keys.0: source 'press_sector__ghost' is not defined in "
                  "canonical 2.1.0"),
    Case("bundle-source-unknown-profile",
         sub(CATALOG, 'ingestion_profile: "press_technology_focused"', 'ingestion_profile: "ghost"'),
         CATALOG, "sources.3.ingestion_profile: ingestion profile 'ghost' is not defined"),
    Case("bundle-source-missing-mode",
         sub(CATALOG, '    ingestion_mode: "html"\n', "", located=False),
         CATALOG, "sources.0: 'ingestion_mode' is a required property"),
    Case("bundle-source-unknown-mode",
         sub(CATALOG, 'ingestion_mode: "html"', 'ingestion_mode: "ftp"'),
         CATALOG, "sources.0.ingestion_mode: 'ftp' is not one of ['rss', 'html', 'api', 'none']"),
    Case("bundle-source-url-not-http",
         sub(CATALOG, 'html_url: "https://medincell.example/news/"', 'html_url: "medincell news"'),
         CATALOG, "sources.0.html_url: 'medincell news' does not match the expected form"),
    Case("bundle-prompt-unknown-ref",
         sub(MATCHING, "{{ref:lai_companies_pure_players}}", "{{ref:unknown}}", located=False),
         MATCHING, "user_template: scope or domain definition 'unknown' is not defined in "
                   "canonical 2.1.0"),
    Case("bundle-prompt-unknown-sub-ref",
         sub(MATCHING, "{{ref:lai_keywords.negative_terms}}", "{{ref:lai_keywords.unknown_sub}}",
             located=False),
         MATCHING, "scope or domain definition 'lai_keywords.unknown_sub' is not defined"),
    Case("bundle-domain-definition-removed", remove(f"{B}/domains/lai_domain_definition.yaml"),
         DOMAIN_SCORING, "user_template: scope or domain definition 'lai_domain_definition' is "
                         "not defined in canonical 2.1.0"),
    Case("bundle-domain-definitions-unknown-ref",
         sub(f"{B}/scopes/domain_definitions.yaml", "{{ref:lai_molecules_global}}",
             "{{ref:lai_molecules_ghost}}"),
         f"{B}/scopes/domain_definitions.yaml", "lai_domain_definition.molecules.0: scope or "
         "domain definition 'lai_molecules_ghost' is not defined in canonical 2.1.0"),
    Case("bundle-prompt-id-not-file",
         sub(DOMAIN_SCORING, 'prompt_id: "lai_domain_scoring"', 'prompt_id: "other"'),
         DOMAIN_SCORING, "metadata.prompt_id: 'other' must equal the file name "
                         "'lai_domain_scoring'"),
    Case("bundle-prompt-type-not-folder", add(EDITORIAL, "type: matching\n"),
         EDITORIAL, "type: 'matching' must equal the folder 'editorial'"),
    Case("bundle-prompt-without-template",
         write_bytes(f"{B}/prompts/normalization/generic_normalization.yaml",
                     b"metadata:\n  version: '3'\nsystem_instructions: Read the item.\n"),
         f"{B}/prompts/normalization/generic_normalization.yaml:1: ", "(top level): no "
         "user_template: write one at the top level, or sections"),
    Case("bundle-prompt-section-without-template",
         sub(EDITORIAL, "  user_template: |\n    Write a TL;DR", "  user_templat: |\n    Write a TL;DR",
             located=False),
         EDITORIAL, "tldr_generation: 'user_template' is a required property"),
    Case("bundle-prompt-temperature-too-high",
         sub(EDITORIAL, "temperature: 0.2", "temperature: 2.0"),
         EDITORIAL, "tldr_generation.bedrock_config.temperature: 2.0 is greater than the maximum"),
    Case("bundle-scope-sub-list-not-a-list",
         sub(f"{B}/scopes/technology_scopes.yaml", "  _metadata:", "  metadata:"),
         f"{B}/scopes/technology_scopes.yaml", "lai_keywords.metadata: {'profile': "
         "'technology_complex', 'description'"),
    Case("bundle-scope-item-not-text",
         sub(f"{B}/scopes/molecule_scopes.yaml", '  - "octreotide"', "  - 42"),
         f"{B}/scopes/molecule_scopes.yaml", "lai_molecules_global.5: 42 is a number where text "
         "is expected"),
    Case("bundle-scoring-wrong-type", sub(SCORING, "  partnership: 6", "  partnership: high"),
         SCORING, "event_type_weights.partnership: 'high' is not of type 'number'"),
    Case("bundle-event-types-not-mappings",
         sub(f"{B}/events/event_type_definitions.yaml", "other:\n  description:",
             "other: 5\nx:\n  description:"),
         f"{B}/events/event_type_definitions.yaml", "other: 5 is not of type 'object'"),
    Case("bundle-duplicate-key-names-kept-block",
         add(SCORING, "contextual_penalties:\n  late_item: -1\n"),
         SCORING, "duplicate key 'contextual_penalties' on lines 23 and "),
    Case("bundle-missing-profiles", sub(f"{B}/ingestion/ingestion_profiles.yaml", "\nprofiles:",
                                        "\nprofilez:", located=False),
         f"{B}/ingestion/ingestion_profiles.yaml", "'profiles' is a required property"),
    Case("bundle-folder-not-semver", copy(B, "canonical/latest"),
         "canonical/latest", "folder name: 'latest' is not a semantic version"),
    Case("bundle-symlink-passwd", symlink(f"{B}/imports/passwd", "/etc/passwd"),
         f"{B}/imports/passwd", "symlink that points outside the repository"),
    Case("bundle-symlink-yaml-passwd", symlink(f"{B}/scopes/extra_scopes.yaml", "/etc/passwd"),
         f"{B}/scopes/extra_scopes.yaml", "symlink that points outside the repository"),
    Case("bundle-private-key-in-markdown", add(f"{B}/imports/glossary.md", f"{PRIVATE_KEY}\n"),
         f"{B}/imports/glossary.md", "looks like a private key"),
    Case("bundle-aws-key-in-csv",
         add(f"{B}/imports/company_seed_lai.csv", f"leak,{AWS_KEY},https://x.example/\n"),
         f"{B}/imports/company_seed_lai.csv", "looks like an AWS access key id"),
    Case("bundle-duplicate-scope",
         add(f"{B}/scopes/company_scopes.yaml", "lai_companies_global: []\n"),
         f"{B}/scopes/company_scopes.yaml", "duplicate key 'lai_companies_global'"),
]

IMMUTABLE_CASES = [
    Case("base-deleted-pinned-client", remove(C), C,
         "released clients/lai_weekly 7.1.0 is deleted while an environment pins it", base=True),
    Case("base-edited-released-client",
         sub(C, 'name: "LAI Weekly Intelligence"', 'name: "LAI Weekly"', located=False),
         C, "released version 7.1.0 is immutable", base=True),
    Case("base-edited-released-bundle-file",
         sub(f"{B}/README.md", "# Canonical bundle 2.1.0", "# Canonical bundle 2.1.0 (edited)",
             located=False),
         f"{B}/README.md", "released version 2.1.0 is immutable", base=True),
    Case("base-new-file-in-released-bundle",
         write_bytes(f"{B}/imports/new_terms.csv", b"term\nlai\n"),
         f"{B}/imports/new_terms.csv", "released bundle 2.1.0 is immutable: this file is new",
         base=True),
]

CASES = ENV_CASES + PINS_CASES + CLIENT_CASES + REFERENCE_CASES + BUNDLE_CASES + IMMUTABLE_CASES

# Names the engine does not depend on: a warning (exit 0), still located and explained.
WARNING_CASES = [
    Case(f"warn-{kind}-prompt",
         sub(C, f'{kind}_prompt: "{name}"', f'{kind}_prompt: "missing_{kind}"'),
         C, f"warning: bedrock_config.{kind}_prompt: {kind} prompt 'missing_{kind}' is not in "
            "canonical 2.1.0 (pinned in stage); the engine does not read this key")
    for kind, name in (("matching", "lai_matching"), ("domain_scoring", "lai_domain_scoring"))
] + [
    Case("warn-event-type-override", sub(C, "partnership: 8", "merger: 8"),
         C, "warning: scoring_config.event_type_weight_overrides.merger: event type 'merger' is "
            "not in canonical 2.1.0 (pinned in stage); the engine ignores an unknown event type"),
    Case("warn-section-event-type",
         sub(C, '        - "regulatory"\n', '        - "ghost"\n'),
         C, "warning: newsletter_layout.sections.0.filter_event_types.0: event type 'ghost' is "
            "not in canonical 2.1.0"),
]


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("template") / "repo")


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    shutil.copytree(template, dest, symlinks=True)
    return dest


def run_validate(root: Path, capsys: pytest.CaptureFixture[str], *,
                 base: bool = False) -> tuple[int, list[str]]:
    argv = ["--repo", str(root), "validate", *(["--base", "HEAD"] if base else [])]
    code = main(argv)
    return code, capsys.readouterr().err.splitlines()


def test_catalogue_is_large_and_ids_are_unique() -> None:
    ids = [case.id for case in CASES + WARNING_CASES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused(case: Case, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = case.mutate(repo)
    code, errors = run_validate(repo, capsys, base=case.base)
    assert code == 1, errors
    prefix = f"{case.path}:{line}: " if line is not None else case.path
    matching = [e for e in errors if e.startswith(prefix) and case.message in e]
    assert matching, f"no line starting with {prefix!r} containing {case.message!r} in:\n" + \
        "\n".join(errors)
    assert not any(e.startswith("Traceback") for e in errors)


@pytest.mark.parametrize("case", WARNING_CASES, ids=[case.id for case in WARNING_CASES])
def test_unread_name_is_a_warning(case: Case, repo: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    line = case.mutate(repo)
    code, errors = run_validate(repo, capsys)
    assert code == 0, errors
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{case.path}:{line}: ") and case.message in errors[0], errors


@pytest.mark.parametrize("base", [False, True], ids=["plain", "base-HEAD"])
def test_good_inputs_pass(repo: Path, capsys: pytest.CaptureFixture[str], base: bool) -> None:
    code, errors = run_validate(repo, capsys, base=base)
    assert code == 0, errors
    assert errors == []


def test_editing_a_prerelease_is_allowed_with_base(repo: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, "clients/lai_weekly/7.2.0-dev.1.yaml", "min_domain_score: 0.30",
         "min_domain_score: 0.35")
    code, errors = run_validate(repo, capsys, base=True)
    assert code == 0, errors


def test_deleted_prompt_names_client_key_name_and_version(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / B / "prompts/normalization/generic_normalization.yaml").unlink()
    code, errors = run_validate(repo, capsys)
    assert code == 1
    hits = [e for e in errors if "bedrock_config.normalization_prompt" in e]
    assert hits, errors
    for client, env in (("clients/lai_weekly/7.1.0.yaml", "stage"),
                        ("clients/lai_weekly/7.2.0-dev.1.yaml", "dev")):
        line = next(e for e in hits if e.startswith(client + ":"))
        assert "'generic_normalization'" in line
        assert "canonical 2.1.0" in line
        assert f"(pinned in {env})" in line


def test_legacy_client_id_is_a_warning_only(repo: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    legacy = repo / "clients/lai_weekly_v7"
    legacy.mkdir()
    shutil.copyfile(repo / "clients/lai_weekly/7.0.0.yaml", legacy / "7.0.0.yaml")
    edit(repo, "clients/lai_weekly_v7/7.0.0.yaml", "client_id: lai_weekly",
         "client_id: lai_weekly_v7")
    code, errors = run_validate(repo, capsys)
    assert code == 0, errors
    assert errors == ["clients/lai_weekly_v7: warning: legacy client id; the id is stable: run "
                      "`vectora-gitops migrate-client` to make it 'lai_weekly' version 7.0.0"]


def test_invalid_pinned_client_is_reported_once(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    line = edit(repo, C, "client_id: lai_weekly", "client_id: [lai_weekly]")
    code, errors = run_validate(repo, capsys)
    assert code == 1
    assert [e for e in errors if not e.startswith("validate:")] == [
        e for e in errors if e.startswith(f"{C}:{line}: ")]
    assert not any("does not exist" in e for e in errors)


def test_client_pinned_in_three_environments_is_reported_once(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, DP, "lai_weekly: 7.2.0-dev.1", "lai_weekly: 7.1.0")
    edit(repo, PP, "canonical: 2.0.0", "canonical: 2.1.0")
    edit(repo, PP, "lai_weekly: 7.0.0", "lai_weekly: 7.1.0")
    line = edit(repo, C, 'company_scope: "lai_companies_global"', 'company_scope: "ghost"')
    code, errors = run_validate(repo, capsys)
    assert code == 1
    assert errors == [f"{C}:{line}: watch_domains.0.company_scope: scope 'ghost' is not in "
                      "canonical 2.1.0 (pinned in dev, stage, prod)",
                      "validate: 1 error(s), 0 warning(s)"]


def test_schema_errors_do_not_hide_reference_errors(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema_line = edit(repo, C, "max_items_total: 18", "max_items_total: many")
    ref_line = edit(repo, C, 'normalization_prompt: "generic_normalization"',
                    'normalization_prompt: "lai_normalization"')
    code, errors = run_validate(repo, capsys)
    assert code == 1
    assert errors == [
        f"{C}:{schema_line}: newsletter_selection.max_items_total: 'many' is not of type 'integer'",
        f"{C}:{ref_line}: bedrock_config.normalization_prompt: normalization prompt "
        "'lai_normalization' is not in canonical 2.1.0 (pinned in stage); did you mean "
        "'generic_normalization'?",
        "validate: 2 error(s), 0 warning(s)"]


def test_unloadable_vocabulary_gives_one_message(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    # the duplicate key stops scoring_rules.yaml from loading: its event types are unknown, so
    # the clients' event type names cannot be checked; one message says so, not one per name
    line = append(repo, SCORING, "contextual_penalties:\n  late_item: -1\n")
    (repo / B / "events/event_type_definitions.yaml").unlink()
    edit(repo, C, "partnership: 8", "merger: 8")
    code, errors = run_validate(repo, capsys)
    assert code == 1
    assert errors == [
        f"{SCORING}:{line}: duplicate key 'contextual_penalties' on lines 23 and {line}: the "
        f"engine's YAML reader keeps the last one (line {line}) and ignores line 23; keep one",
        f"{B}: warning: cannot check event types: {SCORING} did not load",
        "validate: 1 error(s), 1 warning(s)"]


def test_long_values_are_cut(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_text = "Camurus " * 200
    line = append(repo, f"{B}/scopes/company_scopes.yaml", f"lai_companies_text: {long_text}\n")
    line2 = edit(repo, C, 'language: "en"', f'language: "{long_text}"')
    code, errors = run_validate(repo, capsys)
    assert code == 1
    assert errors[:2] == [
        f"{C}:{line2}: client_profile.language: '" + ("Camurus " * 15)[:118] + "… does not match "
        "the expected form ^[a-z]{2}(-[A-Z]{2})?$",
        f"{B}/scopes/company_scopes.yaml:{line}: lai_companies_text: '"
        + ("Camurus " * 15)[:118] + "… is not valid under any of the given schemas"]
    assert all(len(e) < 300 for e in errors), errors


def test_unloadable_scope_file_gives_one_message(repo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # the matching prompt and the client both name trademark scopes: one line says why they
    # are not checked, instead of a dangling-name error for each
    line = append(repo, f"{B}/scopes/trademark_scopes.yaml", "lai_trademarks_global: []\n")
    code, errors = run_validate(repo, capsys)
    assert code == 1
    assert errors == [
        f"{B}/scopes/trademark_scopes.yaml:{line}: duplicate key 'lai_trademarks_global' on lines "
        f"3 and {line}: the engine's YAML reader keeps the last one (line {line}) and ignores "
        "line 3; keep one",
        f"{B}: warning: cannot check scopes: {B}/scopes/trademark_scopes.yaml did not load",
        "validate: 1 error(s), 1 warning(s)"]
