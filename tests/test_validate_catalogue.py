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
    Case("client-wrong-type", sub(C, "max_tokens: 1500", "max_tokens: many"),
         C, "bedrock_config.max_tokens: 'many' is not of type 'integer'"),
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
    Case("client-latin1", latin1(C, "name: LAI Weekly Intelligence", "name: LAI Hebdo Qualité"),
         C, "not valid UTF-8"),
    Case("client-aws-key", sub(C, "owner: newsletter-engine team", f"owner: {AWS_KEY}"),
         C, "looks like an AWS access key id"),
    Case("client-github-token", sub(C, "owner: newsletter-engine team", f"owner: {GITHUB_TOKEN}"),
         C, "looks like a GitHub token"),
    Case("client-private-key", add(C, f"# {PRIVATE_KEY}\n"), C, "looks like a private key"),
    Case("client-multi-document", add(C, "---\nclient_profile: {}\n", offset=1),
         C, "holds more than one YAML document"),
]

# One case per row of references.CLIENT_REFERENCES (and per prompt type of the first row).
REFERENCE_CASES = [
    Case(f"ref-{kind}-prompt", sub(C, f"{kind}_prompt: {name}", f"{kind}_prompt: missing_{kind}"),
         C, f"bedrock_config.{kind}_prompt: {kind} prompt 'missing_{kind}' is not in "
            "canonical 2.1.0")
    for kind, name in (
        ("normalization", "generic_normalization"),
        ("editorial", "lai_editorial"),
    )
] + [
    Case(f"ref-{key}", sub(C, f"{key}: {old}", f"{key}: {new}"),
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
         sub(C, "technology_scope: lai_keywords.core_phrases",
             "technology_scope: lai_keywords.ghost"),
         C, "watch_domains.1.technology_scope: scope 'lai_keywords.ghost' is not in "
            "canonical 2.1.0"),
    Case("ref-fallback-company-scope",
         sub(C, "fallback_company_scopes:\n    - lai_companies_global",
             "fallback_company_scopes:\n    - ghost_companies", offset=1),
         C, "matching_config.fallback_company_scopes.0: scope 'ghost_companies' is not in"),
    Case("ref-bonus-scope", sub(C, "scope: lai_companies_pure_players", "scope: ghost_players"),
         C, "scoring_config.client_specific_bonuses.pure_player_companies.scope: scope "
            "'ghost_players' is not in canonical 2.1.0"),
    Case("ref-bouquet", sub(C, "    - lai_trade_press", "    - ghost_bouquet"),
         C, "source_config.source_bouquets_enabled.1: bouquet 'ghost_bouquet' is not in"),
    Case("ref-extra-source",
         sub(C, "    - press_sector__endpoints_news", "    - press_sector__ghost"),
         C, "source_config.sources_extra_enabled.0: source 'press_sector__ghost' is not in"),
]

BUNDLE_CASES = [
    Case("bundle-bouquet-unknown-source",
         sub(CATALOG, "      - press_sector__fiercepharma", "      - press_sector__ghost"),
         CATALOG, "source 'press_sector__ghost' is not defined in canonical 2.1.0"),
    Case("bundle-source-unknown-profile",
         sub(CATALOG, "ingestion_profile: sector_rss", "ingestion_profile: ghost_rss"),
         CATALOG, "sources.4.ingestion_profile: ingestion profile 'ghost_rss' is not defined"),
    Case("bundle-prompt-unknown-ref",
         sub(EDITORIAL, "{{ref:lai_companies_pure_players}}", "{{ref:unknown}}", located=False),
         EDITORIAL, "user_template: scope or domain definition 'unknown' is not defined in "
                    "canonical 2.1.0"),
    Case("bundle-prompt-unknown-sub-ref",
         sub(f"{B}/prompts/matching/lai_matching.yaml", "{{ref:lai_keywords.route_terms}}",
             "{{ref:lai_keywords.unknown_sub}}", located=False),
         f"{B}/prompts/matching/lai_matching.yaml",
         "scope or domain definition 'lai_keywords.unknown_sub' is not defined"),
    Case("bundle-prompt-id-not-file",
         sub(EDITORIAL, "prompt_id: lai_editorial", "prompt_id: other"),
         EDITORIAL, "prompt_id: 'other' must equal the file name 'lai_editorial'"),
    Case("bundle-prompt-type-not-folder", sub(EDITORIAL, "type: editorial", "type: matching"),
         EDITORIAL, "type: 'matching' must equal the folder 'editorial'"),
    Case("bundle-scoring-wrong-type", sub(f"{B}/scoring/scoring_rules.yaml", "partnership: 1.2",
                                          "partnership: high"),
         f"{B}/scoring/scoring_rules.yaml", "'high' is not of type 'number'"),
    Case("bundle-missing-profiles", sub(f"{B}/ingestion/ingestion_profiles.yaml", "\nprofiles:",
                                        "\nprofilez:", located=False),
         f"{B}/ingestion/ingestion_profiles.yaml", "'profiles' is a required property"),
    Case("bundle-folder-not-semver", copy(B, "canonical/latest"),
         "canonical/latest", "folder name: 'latest' is not a semantic version"),
    Case("bundle-symlink-passwd", symlink(f"{B}/reference/passwd", "/etc/passwd"),
         f"{B}/reference/passwd", "symlink that points outside the repository"),
    Case("bundle-symlink-yaml-passwd", symlink(f"{B}/scopes/extra_scopes.yaml", "/etc/passwd"),
         f"{B}/scopes/extra_scopes.yaml", "symlink that points outside the repository"),
    Case("bundle-private-key-in-markdown", add(f"{B}/reference/glossary.md", f"{PRIVATE_KEY}\n"),
         f"{B}/reference/glossary.md", "looks like a private key"),
    Case("bundle-aws-key-in-csv", add(f"{B}/reference/event_types.csv", f"leak,{AWS_KEY}\n"),
         f"{B}/reference/event_types.csv", "looks like an AWS access key id"),
    Case("bundle-duplicate-scope",
         add(f"{B}/scopes/company_scopes.yaml", "lai_companies_global: []\n"),
         f"{B}/scopes/company_scopes.yaml", "duplicate key 'lai_companies_global'"),
]

IMMUTABLE_CASES = [
    Case("base-deleted-pinned-client", remove(C), C,
         "released clients/lai_weekly 7.1.0 is deleted while an environment pins it", base=True),
    Case("base-edited-released-client",
         sub(C, "name: LAI Weekly Intelligence", "name: LAI Weekly", located=False),
         C, "released version 7.1.0 is immutable", base=True),
    Case("base-edited-released-bundle-file",
         sub(f"{B}/README.md", "# Canonical bundle 2.1.0", "# Canonical bundle 2.1.0 (edited)",
             located=False),
         f"{B}/README.md", "released version 2.1.0 is immutable", base=True),
    Case("base-new-file-in-released-bundle",
         write_bytes(f"{B}/reference/new_terms.csv", b"term\nlai\n"),
         f"{B}/reference/new_terms.csv", "released bundle 2.1.0 is immutable: this file is new",
         base=True),
]

CASES = ENV_CASES + PINS_CASES + CLIENT_CASES + REFERENCE_CASES + BUNDLE_CASES + IMMUTABLE_CASES

# Names the engine does not depend on: a warning (exit 0), still located and explained.
WARNING_CASES = [
    Case(f"warn-{kind}-prompt", sub(C, f"{kind}_prompt: {name}", f"{kind}_prompt: missing_{kind}"),
         C, f"warning: bedrock_config.{kind}_prompt: {kind} prompt 'missing_{kind}' is not in "
            "canonical 2.1.0 (pinned in stage); the engine does not read this key")
    for kind, name in (("matching", "lai_matching"), ("domain_scoring", "lai_domain_scoring"))
] + [
    Case("warn-event-type-override", sub(C, "partnership: 1.3", "merger: 1.3"),
         C, "warning: scoring_config.event_type_weight_overrides.merger: event type 'merger' is "
            "not in canonical 2.1.0 (pinned in stage); the engine ignores an unknown event type"),
    Case("warn-section-event-type",
         sub(C, "filter_event_types: [regulatory]", "filter_event_types: [regulatory, ghost]"),
         C, "warning: newsletter_layout.sections.0.filter_event_types.1: event type 'ghost' is "
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
