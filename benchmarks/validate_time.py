"""Time `vectora-gitops validate` of the whole repository (in-process, after one warm-up run).

Usage: python benchmarks/validate_time.py [--runs N] [--repo DIR]
Prints two lines: the median, min and max wall time and the number of files validated, for the
repository and for a generated repository holding a bundle the size of the live one (35 files:
scopes with 160 companies and 80 molecules, 8 sources, several prompts, four legacy clients).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from vectora_gitops.cli import main  # noqa: E402


def run_once(repo: Path) -> tuple[float, float]:
    """Wall and CPU time of one validate (CPU time is what a loaded machine does not inflate)."""
    sink = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = main(["--repo", str(repo), "validate"])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if code != 0:
        raise SystemExit(f"validate failed:\n{sink.getvalue()}")
    return elapsed, cpu


def _names(prefix: str, count: int) -> str:
    return "".join(f'  - "{prefix} {i}"\n' for i in range(count))


def _scope_files() -> dict[str, str]:
    technology = "lai_keywords:\n  _metadata:\n    profile: technology_complex\n"
    technology += "".join(f"  {sub}:\n{_names(sub, 12)}" for sub in (
        "core_phrases", "technology_terms_high_precision", "technology_use", "route_admin_terms",
        "interval_patterns", "generic_terms", "negative_terms"))
    refs = "".join(f'  {k}:\n    - "{{{{ref:{v}}}}}"\n' for k, v in (
        ("core_technologies", "lai_keywords.core_phrases"), ("companies", "lai_companies_global"),
        ("molecules", "lai_molecules_global"), ("trademarks", "lai_trademarks_global")))
    return {
        "scopes/company_scopes.yaml": "".join(f"lai_companies_{name}:\n{_names(name, n)}" for name, n in (
            ("mvp_core", 5), ("pure_players", 14), ("hybrid", 27), ("global", 162))),
        "scopes/molecule_scopes.yaml": f"lai_molecules_global:\n{_names('molecule', 81)}"
                                       "lai_molecules_other: []\n",
        "scopes/trademark_scopes.yaml": f"lai_trademarks_global:\n{_names('Brand', 76)}",
        "scopes/exclusion_scopes.yaml": "".join(f"exclude_{i}:\n{_names('noise', 8)}"
                                                for i in range(11)),
        "scopes/technology_scopes.yaml": technology,
        "scopes/indication_scopes.yaml": "lai_indications: []\n",
        "scopes/domain_definitions.yaml": f"lai_domain_definition:\n  _metadata: {{version: '1'}}\n"
                                          f"{refs}  min_score: 70\n",
    }


def _prompt(variables: str) -> str:
    return ("metadata:\n  version: '1.0'\nsystem_instructions: |\n  You read news.\n"
            f"user_template: |\n  {variables}\n" + "  Return JSON.\n" * 40 +
            "bedrock_config:\n  max_tokens: 1000\n  temperature: 0.0\n")


def _bundle_files() -> dict[str, str]:
    sources = "".join(
        f'  - source_key: "press_corporate__c{i}"\n    source_type: "press_corporate"\n'
        f'    homepage_url: "https://c{i}.example/"\n    rss_url: ""\n'
        f'    html_url: "https://c{i}.example/news/"\n    ingestion_mode: "html"\n'
        f'    enabled: true\n    ingestion_profile: "profile_{i % 6}"\n' for i in range(8))
    bouquets = ('  - bouquet_id: "lai_corporate_mvp"\n    source_keys:\n' +
                "".join(f'      - "press_corporate__c{i}"\n' for i in range(5)) +
                '  - bouquet_id: "lai_press_mvp"\n    source_keys:\n' +
                "".join(f'      - "press_corporate__c{i}"\n' for i in range(5, 8)))
    events = ("clinical_update", "regulatory", "partnership", "corporate_move", "other")
    files = {
        **_scope_files(),
        "prompts/normalization/generic_normalization.yaml": _prompt("{{item_text}}"),
        "prompts/normalization/lai_normalization.yaml":
            _prompt("{{ref:lai_keywords.core_phrases}} {{ref:lai_companies_global}} {{item_text}}"),
        "prompts/matching/lai_matching.yaml": _prompt("{{item_title}} {{domains_context}}"),
        "prompts/domain_scoring/lai_domain_scoring.yaml": _prompt("{{ref:lai_domain_definition}}"),
        "prompts/editorial/lai_editorial.yaml": "".join(
            f"{section}:\n  system_instructions: x\n  user_template: '{{{{items_summary}}}}'\n"
            for section in ("tldr_generation", "introduction_generation")),
        "sources/source_catalog.yaml": f"sources:\n{sources}bouquets:\n{bouquets}",
        "sources/source_catalog_backup.yaml": "sources:\n" + "".join(
            f'  - {{source_key: "old_{i}", source_type: "press_sector", url: "https://o{i}.example/"}}\n'
            for i in range(184)),
        "sources/html_extractors.yaml": "extractors:\n  press_corporate__c0: {max_items: 20}\n",
        "ingestion/ingestion_profiles.yaml": "profiles:\n" + "".join(
            f"  profile_{i}:\n    description: profile {i}\n    applicable_contexts:\n"
            f"      source_types: ['*']\n" for i in range(6)),
        "matching/domain_matching_rules.yaml":
            "technology_profiles:\n  technology_complex: {}\n  technology_simple: {}\n",
        "scoring/scoring_rules.yaml": "event_type_weights:\n" + "".join(
            f"  {e}: {i + 1}\n" for i, e in enumerate(events)),
        "events/event_type_definitions.yaml": "".join(f"{e}:\n  description: {e}\n" for e in events),
        "events/event_type_patterns.yaml": "event_types:\n  safety_signal: {label: Safety}\n",
        "domains/lai_domain_definition.yaml": "domain_id: lai\nstrong_signals:\n"
                                              "  companies: {scope_ref: lai_companies_mvp_core}\n",
        "README.md": "# Canonical\n", "ingestion/README.md": "# Ingestion\n",
        "sources/INGESTION_EXPLAINED.md": "# Ingestion explained\n",
        "matching/README.md": "# Matching\n", "scoring/scoring_examples.md": "# Examples\n",
        "imports/glossary.md": "# Glossary\n",
        "imports/source-catalog.press.v1.json": "[]\n",
        "imports/lai-core-scopes.yaml": "lai_scopes:\n  companies: {}\n",
    }
    for name in ("company_seed", "technology_family", "technology_tag", "technology_type",
                 "route_admin", "narrative_topic"):
        files[f"imports/{name}.csv"] = "id,label\n" + "".join(f"{i},label {i}\n" for i in range(50))
    return files


def _client(n: int) -> str:
    sections = "".join(
        f'    - id: "section_{e}"\n      filter_event_types: ["{e}"]\n      priority: {i + 1}\n'
        for i, e in enumerate(("regulatory", "partnership", "clinical_update")))
    filler = "".join(f"  note_{i}: \"padding to the size of a real config\"\n" for i in range(180))
    return (f'client_profile:\n  client_id: "lai_weekly_v{n}"\n  name: "LAI v{n}"\n'
            f'  active: true\n  frequency: "weekly"\n'
            f'bedrock_config:\n  normalization_prompt: "lai_normalization"\n'
            f'  matching_prompt: "lai_matching"\n  editorial_prompt: "lai_editorial"\n'
            f'watch_domains:\n  - id: "tech_lai_ecosystem"\n    technology_scope: "lai_keywords"\n'
            f'    company_scope: "lai_companies_global"\n    molecule_scope: "lai_molecules_global"\n'
            f'    trademark_scope: "lai_trademarks_global"\n    technology_profile: "technology_complex"\n'
            f'source_config:\n  source_bouquets_enabled: ["lai_corporate_mvp", "lai_press_mvp"]\n'
            f'scoring_config:\n  event_type_weight_overrides: {{partnership: 8, regulatory: 7}}\n'
            f'newsletter_layout:\n  sections:\n{sections}'
            f'    - id: "others"\n      filter_event_types: ["*"]\n      priority: 999\n'
            f'metadata:\n{filler}')


def live_sized_repo(dest: Path) -> Path:
    """A repository whose dev pins a generated bundle and four legacy clients of the live size."""
    shutil.copytree(ROOT / "environments", dest / "environments")
    shutil.copytree(ROOT / "clients", dest / "clients")
    shutil.copytree(ROOT / "canonical", dest / "canonical")
    for rel, text in _bundle_files().items():
        path = dest / "canonical/9.0.0" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    clients = ""
    for n in (4, 5, 6, 7):
        (dest / f"clients/lai_weekly_v{n}").mkdir()
        (dest / f"clients/lai_weekly_v{n}/{n}.0.0.yaml").write_text(_client(n), encoding="utf-8")
        clients += f"  lai_weekly_v{n}: {n}.0.0\n"
    pins = dest / "environments/dev/pins.yaml"
    text = pins.read_text(encoding="utf-8")
    start, end = text.index("canonical:"), text.index("layers:")
    pins.write_text(text[:start] + f"canonical: 9.0.0\nclients:\n{clients}" + text[end:],
                    encoding="utf-8")
    return dest


def timed(repo: Path, runs: int) -> str:
    run_once(repo)  # warm-up: imports, schema compilation
    walls, cpus = zip(*(run_once(repo) for _ in range(runs)), strict=True)
    return (f"median {statistics.median(walls):.3f} s [{min(walls):.3f}-{max(walls):.3f}], "
            f"CPU {statistics.median(cpus):.3f} s, over {runs} runs")


def main_() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, choices=range(1, 1001), metavar="N")
    parser.add_argument("--repo", type=Path, default=ROOT)
    args = parser.parse_args()
    figures = timed(args.repo, args.runs)
    files = subprocess.run(["git", "-C", str(args.repo), "ls-files", "environments", "clients",
                            "canonical"], capture_output=True, text=True, check=True, timeout=60)
    count = len(files.stdout.splitlines())
    print(f"validate of the whole repository ({count} files): {figures}")
    with tempfile.TemporaryDirectory(prefix="vectora-validate-") as tmp:
        repo = live_sized_repo(Path(tmp))
        bundle = sum(1 for p in (repo / "canonical/9.0.0").rglob("*") if p.is_file())
        figures = timed(repo, args.runs)
    print(f"validate with a live-sized bundle ({bundle} files, 4 legacy clients): {figures}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main_())
