"""`vectora-gitops migrate-client FILE` and desired/migrate.py."""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path

import pytest

from helpers_repo import REPO_ROOT, make_repo
from vectora_gitops.cli import main
from vectora_gitops.desired import migrate, schemas
from vectora_gitops.desired.yamlfile import load_yaml, parse_yaml
from vectora_gitops.errors import InputError, UsageError

TODAY = date(2026, 3, 4)

LEGACY = """\
# Exported from s3://vectora-inbox-config-dev/clients/acme_news_v3.yaml
client_profile:
  client_id: acme_news_v3   # the old id carried the version
  version: "3"
  name: Acme News
bedrock_config:
  # prompts live in the canonical bundle
  matching_prompt: lai_matching
watch_domains:
  - id: tech
    technology_scope: lai_keywords   # keep this comment
source_config:
  source_bouquets_enabled:
    - lai_trade_press
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    path = tmp_path / "export" / "acme_news_v3.yaml"
    path.parent.mkdir()
    path.write_text(LEGACY)
    return path


def migrated(repo: Path, source: Path) -> str:
    migration = migrate.plan(source, repo, today=TODAY)
    migrate.write(migration)
    return migration.target.read_text()


def test_cli_writes_the_new_version_and_prints_its_path(
        repo: Path, legacy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--repo", str(repo), "migrate-client", str(legacy)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.strip() == "wrote clients/acme_news/3.0.0.yaml"
    assert err == ""
    data = load_yaml(repo / "clients/acme_news/3.0.0.yaml", root=repo, display="x").data
    assert data["client_profile"]["client_id"] == "acme_news"
    assert data["metadata"]["changelog"][-1]["date"] == date.today().isoformat()


def test_fields_are_set_and_comments_and_order_survive(repo: Path, legacy: Path) -> None:
    text = migrated(repo, legacy)
    data = parse_yaml(text, display="x").data
    assert data["client_profile"]["client_id"] == "acme_news"
    assert data["client_profile"]["version"] == "3.0.0"
    assert data["client_profile"]["name"] == "Acme News"
    for comment in ("# Exported from s3://vectora-inbox-config-dev/clients/acme_news_v3.yaml",
                    "# prompts live in the canonical bundle", "# keep this comment",
                    "# the old id carried the version"):
        assert comment in text
    assert list(data) == ["client_profile", "bedrock_config", "watch_domains", "source_config",
                          "metadata"]
    assert text.startswith("# Exported from")


def test_changelog_is_created_when_absent(repo: Path, legacy: Path) -> None:
    data = parse_yaml(migrated(repo, legacy), display="x").data
    assert data["metadata"] == {"changelog": [{
        "version": "3.0.0", "date": "2026-03-04",
        "changes": ["migrated from legacy id acme_news_v3"],
    }]}


def test_changelog_entry_is_appended_to_an_existing_one(repo: Path, tmp_path: Path) -> None:
    source = tmp_path / "acme_news_v3.yaml"
    source.write_text(LEGACY + "metadata:\n  owner: team  # who\n  changelog:\n"
                      "    - version: 2.0.0\n      date: \"2025-01-01\"\n      changes: [first]\n")
    text = migrated(repo, source)
    data = parse_yaml(text, display="x").data
    assert data["metadata"]["owner"] == "team"
    assert [e["version"] for e in data["metadata"]["changelog"]] == ["2.0.0", "3.0.0"]
    assert "# who" in text


def test_client_profile_is_created_first_when_absent(repo: Path, tmp_path: Path) -> None:
    source = tmp_path / "acme_news_v3.yml"
    source.write_text("bedrock_config: {}\nwatch_domains: [{id: a}]\nsource_config: {}\n")
    data = parse_yaml(migrated(repo, source), display="x").data
    assert next(iter(data)) == "client_profile"
    assert data["client_profile"] == {"client_id": "acme_news", "version": "3.0.0"}


def test_migrated_file_validates_against_the_client_schema(repo: Path, legacy: Path) -> None:
    migrated(repo, legacy)
    path = repo / "clients/acme_news/3.0.0.yaml"
    doc = load_yaml(path, root=repo, display="clients/acme_news/3.0.0.yaml")
    assert schemas.check(doc, "client") == []


def test_migrated_real_config_passes_validate(repo: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    released = (REPO_ROOT / "clients/lai_weekly/7.0.0.yaml").read_text()
    legacy = tmp_path / "lai_weekly_v7.yaml"
    legacy.write_text(released.replace("client_id: lai_weekly", "client_id: lai_weekly_v7")
                      .replace("version: 7.0.0\n", "version: \"7\"\n", 1))
    (repo / "clients/lai_weekly/7.0.0.yaml").unlink()
    assert main(["--repo", str(repo), "migrate-client", str(legacy)]) == 0
    capsys.readouterr()
    assert main(["--repo", str(repo), "validate"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("name", [
    "acme_news.yaml", "acme_news_v.yaml", "Acme_news_v3.yaml", "acme_news_v03.yaml",
    "acme_news_v3.json", "acme-news_v3.yaml", "a_v3.yaml", "acme_news_v3.yaml.bak",
])
def test_refuses_a_name_that_is_not_legacy(
        repo: Path, tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / name
    source.write_text(LEGACY)
    assert main(["--repo", str(repo), "migrate-client", str(source)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "file name must be <client_id>_v<N>.yaml" in line
    with pytest.raises(UsageError):
        migrate.legacy_name(source)


@pytest.mark.parametrize(("name", "client_id", "version"), [
    ("lai_weekly_v7.yaml", "lai_weekly", "7.0.0"),
    ("lai_weekly_v12.yml", "lai_weekly", "12.0.0"),
    ("a_v2_v3.yaml", "a_v2", "3.0.0"),
    ("news0_v0.yaml", "news0", "0.0.0"),
])
def test_legacy_names(name: str, client_id: str, version: str) -> None:
    assert migrate.legacy_name(Path("/anywhere") / name) == (client_id, version)


def test_refuses_an_existing_target(repo: Path, legacy: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = repo / "clients/acme_news/3.0.0.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("kept: true\n")
    assert main(["--repo", str(repo), "migrate-client", str(legacy)]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("clients/acme_news/3.0.0.yaml already exists")
    assert target.read_text() == "kept: true\n"


INVALID = [
    ("duplicate-key", LEGACY + "watch_domains: []\n", "duplicate key 'watch_domains'"),
    ("no-trap", LEGACY + "active: no\n", "'no' is read as a boolean"),
    ("syntax", LEGACY + "bad: [\n", "YAML syntax error"),
    ("secret", LEGACY + "token: " + "ghp" + "_" + "Z" * 36 + "\n", "looks like a GitHub token"),
    ("multi-document", LEGACY + "---\na: 1\n", "more than one YAML document"),
    ("not-a-mapping", "- a\n- b\n", "must be a mapping"),
    ("profile-not-a-mapping", "client_profile: [a]\n", "client_profile must be a mapping"),
    ("changelog-not-a-list", LEGACY + "metadata:\n  changelog: nope\n",
     "metadata.changelog must be a list"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_refuses_invalid_yaml(repo: Path, tmp_path: Path, text: str, message: str,
                              capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "acme_news_v3.yaml"
    source.write_text(text)
    assert main(["--repo", str(repo), "migrate-client", str(source)]) == 1
    line, *excerpt = capsys.readouterr().err.splitlines()
    assert line.startswith(str(source))
    assert message in line
    # one line per problem; a syntax error adds its source line and a caret under the column
    assert excerpt == ([] if "syntax" not in message else ["  bad: [", "        ^"])
    assert not (repo / "clients/acme_news").exists()


def test_refuses_binary_content(repo: Path, tmp_path: Path) -> None:
    source = tmp_path / "acme_news_v3.yaml"
    source.write_bytes(b"client_profile:\n  name: Acme\xe9\n")
    with pytest.raises(InputError, match="not valid UTF-8"):
        migrate.plan(source, repo, today=TODAY)


def test_refuses_a_missing_file(repo: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--repo", str(repo), "migrate-client", str(tmp_path / "gone_v1.yaml")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_schema_problems_of_the_result_are_warnings(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "acme_news_v3.yaml"
    source.write_text("client_profile:\n  name: Acme\n")  # no watch_domains, source_config
    assert main(["--repo", str(repo), "migrate-client", str(source)]) == 0
    out, err = capsys.readouterr()
    assert "wrote clients/acme_news/3.0.0.yaml" in out
    assert "clients/acme_news/3.0.0.yaml:1: warning: (top level): 'watch_domains' is a " \
           "required property" in err.splitlines()


def banner(title: str) -> str:
    rule = "# " + "=" * 37 + "\n"
    return f"{rule}# {title}\n{rule}"


def changed_lines(before: str, after: str) -> list[str]:
    """The lines difflib reports as removed (-) or added (+), in file order."""
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


BANNERED = f"""\
{banner("Acme News: profile")}client_profile:
  client_id: acme_news_v3   # the old id carried the version
  version: '3'
  name: Acme News

{banner("SECTION 2: sources")}
source_config:
  source_bouquets_enabled: [lai_trade_press, lai_regulators]   # order matters
  sources_extra_enabled:
    - press_sector__endpoints_news
"""
ENTRY = ("  changelog:\n    - version: 3.0.0\n      date: \"2026-03-04\"\n      changes:\n"
         "        - migrated from legacy id acme_news_v3\n")
BANNER_CASES = [
    ("metadata-section-then-closing-banner",
     BANNERED + f"\n{banner('SECTION 3: metadata')}\nmetadata:\n  owner: team   # who\n\n"
     f"{banner('END OF CONFIG')}",
     ["+  changelog:", "+    - version: 3.0.0", '+      date: "2026-03-04"', "+      changes:",
      "+        - migrated from legacy id acme_news_v3"]),
    ("no-metadata-closing-banner-no-final-newline",
     BANNERED + f"\n\n{banner('END OF CONFIG')}".rstrip("\n"),
     ["+metadata:", "+  changelog:", "+    - version: 3.0.0", '+      date: "2026-03-04"',
      "+      changes:", "+        - migrated from legacy id acme_news_v3"]),
    ("existing-changelog-then-banner",
     BANNERED + "metadata:\n  changelog:\n    - version: 2.0.0\n      changes: [first]\n\n"
     f"{banner('END')}",
     ["+    - version: 3.0.0", '+      date: "2026-03-04"', "+      changes:",
      "+        - migrated from legacy id acme_news_v3"]),
]


@pytest.mark.parametrize(("text", "added"), [c[1:] for c in BANNER_CASES],
                         ids=[c[0] for c in BANNER_CASES])
def test_banners_and_layout_survive_byte_for_byte(repo: Path, tmp_path: Path, text: str,
                                                  added: list[str]) -> None:
    source = tmp_path / "acme_news_v3.yaml"
    source.write_text(text)
    after = migrated(repo, source)
    changed = ["-  client_id: acme_news_v3   # the old id carried the version", "-  version: '3'",
               "+  client_id: acme_news   # the old id carried the version", "+  version: '3.0.0'"]
    assert changed_lines(text, after) == changed + added
    # the added lines sit right after the last value, before the blank lines and banner
    lines = text.splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.strip() and not line.startswith("#"))
    assert after.endswith("".join(f"{line[1:]}\n" for line in added) + "".join(lines[last + 1:]))
    assert after.replace("".join(f"{line[1:]}\n" for line in added), "", 1) == text.replace(
        "acme_news_v3   #", "acme_news   #").replace("version: '3'", "version: '3.0.0'")


def test_migrated_text_is_exact(repo: Path, tmp_path: Path) -> None:
    text = BANNER_CASES[0][1]
    source = tmp_path / "acme_news_v3.yaml"
    source.write_text(text)
    assert migrated(repo, source) == text.replace("acme_news_v3   #", "acme_news   #").replace(
        "version: '3'", "version: '3.0.0'").replace("  owner: team   # who\n",
                                                    "  owner: team   # who\n" + ENTRY)


def test_crlf_export_becomes_lf(repo: Path, tmp_path: Path) -> None:
    """The repository's files end lines with LF (yamllint); only the line endings change."""
    text = BANNER_CASES[0][1]
    (tmp_path / "lf").mkdir()
    (tmp_path / "lf/acme_news_v3.yaml").write_text(text)
    expected = migrate.plan(tmp_path / "lf/acme_news_v3.yaml", repo, today=TODAY).text
    source = tmp_path / "acme_news_v3.yaml"
    source.write_bytes(text.replace("\n", "\r\n").encode())
    assert migrated(repo, source) == expected
    assert (repo / "clients/acme_news/3.0.0.yaml").read_bytes() == expected.encode()
