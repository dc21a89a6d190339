"""The real Vectora Inbox dev environment as it ran in early 2026, rebuilt on the emulator with
content of our own in the real formats: four concurrent legacy clients (lai_weekly_v4..v7), a
canonical tree holding prompts git no longer has, layers attached by hand (an unsuffixed one,
the approche-b duplicate of vectora-core, versions republished from one zip), CloudFormation
role names, variables set partly by templates and partly by hand, versioned buckets with data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from support import client
from vectora_gitops.sandbox.artifacts import deterministic_zip, function_zip

ACCOUNT = "786469175371"
REGION = "eu-west-3"
ENV = "dev"
CONFIG, DATA = "vectora-inbox-config-dev", "vectora-inbox-data-dev"
NEWSLETTERS, CODE = "vectora-inbox-newsletters-dev", "vectora-inbox-lambda-code-dev"
BUCKETS = (CONFIG, DATA, NEWSLETTERS, CODE)
INGEST_ROLE = "vectora-inbox-s0-iam-dev-IngestNormalizeRole-1QX8T5JK2ZP3A"
ENGINE_ROLE = "vectora-inbox-s0-iam-dev-EngineRole-7HD02MNB4KQ1C"
STACKS = ("vectora-inbox-s0-core-dev", "vectora-inbox-s0-iam-dev", "vectora-inbox-s1-runtime-dev",
          "vectora-inbox-s1-ingest-v2-dev")
FUNCTIONS = {"ingest": "vectora-inbox-ingest-v2-dev",
             "normalize-score": "vectora-inbox-normalize-score-v2-dev",
             "newsletter": "vectora-inbox-newsletter-v2-dev"}
LAYERS = ("vectora-inbox-common-deps-dev", "vectora-inbox-vectora-core-dev",
          "vectora-inbox-vectora-core-approche-b-dev", "vectora-inbox-dependencies",
          "vectora-inbox-yaml-fix-dev", "vectora-inbox-yaml-minimal-dev")
MODEL = "anthropic.claude-3-sonnet-20240229-v1:0"


def layer_build(name: str, build: int) -> bytes:
    """A layer zip with a `python/` root, as the build scripts make them."""
    package = name.replace("-", "_")
    return deterministic_zip({f"python/{package}/__init__.py": f"BUILD = {build}\n".encode(),
                              "python/yaml/__init__.py": b"__version__ = '6.0.1'\n"})


# ---------------------------------------------------------------- client configs (legacy ids)

BANNER = "# " + "=" * 76


def _section(title: str) -> str:
    return f"\n{BANNER}\n# {title}\n{BANNER}\n\n"


def legacy_config(n: int) -> bytes:
    """clients/lai_weekly_v<n>.yaml: banners in French caps, indented blank lines, a trailing
    space, quoted strings; v4 has no bedrock_config, v5 names the `lai` prompts of an older
    convention and has no final newline, v6/v7 name prompts git deleted since."""
    prompts = ""
    if n == 5:
        prompts = '  normalization_prompt: "lai"      # lai_prompt.yaml\n  matching_prompt: "lai"\n'
    elif n >= 6:
        prompts = ('  normalization_prompt: "lai_normalization"\n'
                   '  matching_prompt: "lai_matching"\n  editorial_prompt: "lai_editorial"\n')
    text = (f"{BANNER}\n# LAI WEEKLY - CONFIGURATION CLIENT v{n}\n{BANNER}\n#\n"
            f"# Veille hebdomadaire sur les injectables à action prolongée (LAI) — essai v{n}\n"
            f"#\n{BANNER}\n"
            + _section("PROFIL CLIENT")
            + "client_profile:\n"
            f'  name: "LAI Weekly v{n}"\n'
            f'  client_id: "lai_weekly_v{n}"\n'
            "  active: true\n"
            '  language: "en"\n'
            '  frequency: "weekly"\n'
            '  tone: "executive"\n'
            '  voice: "concise"\n'
            '  target_audience: "executives"\n'
            + _section("CONFIGURATION DU PIPELINE")
            + "pipeline:\n"
            + ('  newsletter_mode: "latest_run_only"\n' if n >= 5 else "")
            + "  default_period_days: 30\n"
            f'  notes: "Version v{n}"\n'
            + (_section("CONFIGURATION BEDROCK") + "bedrock_config:\n" + prompts if prompts else "")
            + _section("DOMAINES DE VEILLE")
            + "watch_domains:\n"
            '  - id: "tech_lai_ecosystem"\n'
            '    type: "technology"\n'
            '    priority: "high"\n'
            "    \n"
            '    technology_scope: "lai_keywords"\n'
            '    company_scope: "lai_companies_global"\n'
            '    molecule_scope: "lai_molecules_global"\n'
            '    trademark_scope: "lai_trademarks_global"\n'
            "    \n"
            '    technology_profile: "technology_complex"\n'
            '    matching_profile: "balanced"\n'
            "    enabled: true\n"
            + _section("CONFIGURATION DES SOURCES")
            + "source_config:\n"
            "  source_bouquets_enabled:\n"
            '    - "lai_corporate_mvp"\n'
            '    - "lai_press_mvp"\n'
            "  \n"
            "  sources_extra_enabled: []\n"
            "  bouquet_ingestion_overrides: {}\n"
            + ("  content_filters:\n    min_word_count: 50\n" if n >= 6 else "")
            + _section("MATCHING")
            + "matching_config:\n"
            "  min_domain_score: 0.25\n"
            "  fallback_company_scopes:\n"
            '    - "lai_companies_global"\n'
            + _section("SCORING")
            + "scoring_config:\n"
            "  event_type_weight_overrides:\n"
            "    partnership: 8\n"
            "    clinical_update: 6\n"
            "    regulatory: 7\n"
            "  client_specific_bonuses:\n"
            "    pure_player_companies:\n"
            '      scope: "lai_companies_mvp_core"\n'
            "      bonus: 5.0\n"
            '      description: "Acteurs purs LAI"\n'
            + _section("SÉLECTION NEWSLETTER")
            + "newsletter_selection:\n"
            "  max_items_total: 20\n"
            "  critical_event_types:\n"
            '    - "regulatory_approval"\n'
            '    - "nda_submission" \n'
            '    - "partnership"\n'
            + _section("MISE EN PAGE")
            + "newsletter_layout:\n"
            '  distribution_strategy: "specialized_with_fallback"\n'
            "  sections:\n"
            '    - id: "regulatory_updates"\n'
            '      title: "Regulatory Updates"\n'
            '      source_domains: ["tech_lai_ecosystem"]\n'
            "      max_items: 5\n"
            '      filter_event_types: ["regulatory"]\n'
            '      sort_by: "score_desc"\n'
            "      priority: 1\n"
            '    - id: "others"\n'
            '      title: "Other Signals"\n'
            '      source_domains: ["tech_lai_ecosystem"]\n'
            "      max_items: 8\n"
            '      filter_event_types: ["*"]\n'
            '      sort_by: "date_desc"\n'
            "      priority: 999\n"
            + _section("MÉTADONNÉES")
            + "metadata:\n"
            f'  template_version: "{n}.0.0"\n'
            '  created_date: "2026-01-12"\n'
            '  min_runtime_version: "2.0.0"\n'
            "  creation_notes: |\n"
            f"    v{n} 🚀 : essai de la chaîne complète\n"
            f"{BANNER}\n# FIN DE CONFIGURATION\n{BANNER}")
    return (text if n == 5 else text + "\n").encode()


# ---------------------------------------------------------------- the live canonical/ tree

CANONICAL: dict[str, str] = {
    "README.md": "# Canonical\n\nRéférentiel partagé par tous les clients.\n",
    "scopes/company_scopes.yaml": (
        "# Sociétés suivies\nlai_companies_mvp_core:\n  - medincell\n  - camurus\n"
        "lai_companies_hybrid:\n  - teva\n"
        "lai_companies_global:\n  - medincell\n  - camurus\n  - teva\n  - indivior\n"),
    "scopes/molecule_scopes.yaml": (
        "lai_molecules_global:\n  - risperidone\n  - buprenorphine\nlai_molecules_other: []\n"),
    "scopes/trademark_scopes.yaml": "lai_trademarks_global:\n  - uzedy\n  - brixadi\n",
    "scopes/exclusion_scopes.yaml": (
        "lai_exclude_noise:\n  - webinar\nfinancial_reporting_terms:\n"
        "  - \"publishes.*financial results\"\nexclude_contexts: []\n"),
    "scopes/technology_scopes.yaml": (
        "lai_keywords:\n  _metadata:\n    profile: technology_complex\n"
        "    description: \"Vocabulaire LAI\"\n"
        "  core_phrases:\n    - long-acting injectable\n"
        "  technology_terms_high_precision:\n    - in situ depot\n"
        "  negative_terms:\n    - oral tablet\n"),
    "scopes/indication_scopes.yaml": "lai_indications_psychiatry: []\n",
    "scopes/domain_definitions.yaml": (
        "lai_domain_definition:\n  _metadata:\n    version: \"1.0\"\n"
        "  core_technologies:\n    - \"{{ref:lai_keywords.core_phrases}}\"\n"
        "  pure_player_companies:\n    - \"{{ref:lai_companies_mvp_core}}\"\n"
        "  event_type_base_scores:\n    regulatory: 7\n"),
    "prompts/normalization/generic_normalization.yaml": (
        "metadata:\n  prompt_id: generic_normalization\n  version: \"2.0\"\n"
        "system_instructions: |\n  Tu es un analyste.\n"
        "user_template: |\n  Texte : {{item_text}}\n"
        "bedrock_config:\n  max_tokens: 1500\n  temperature: 0.0\n"),
    # deleted from git since, still read by lai_weekly_v6 and v7 (normalization_prompt)
    "prompts/normalization/lai_normalization.yaml": (
        "metadata:\n  vertical: LAI\n  version: \"1.1\"\n"
        "system_instructions: |\n  Normalise l'article.\n"
        "user_template: |\n  {{item_text}}\n  Mots-clés : {{ref:lai_keywords.core_phrases}}\n"
        "  Sociétés : {{ref:lai_companies_global}}\n"
        "bedrock_config:\n  max_tokens: 1200\n  temperature: 0.0\n"),
    "prompts/matching/lai_matching.yaml": (
        "metadata:\n  vertical: LAI\nsystem_instructions: |\n  Rattache l'article.\n"
        "user_template: |\n  {{item_title}} {{domains_context}}\n"
        "bedrock_config:\n  max_tokens: 800\n"),
    # never committed: the older naming convention, still in the bucket
    "prompts/normalization/lai_prompt.yaml": (
        "system_instructions: ancien prompt\nuser_template: \"{{item_text}}\"\n"),
    "prompts/matching/lai_prompt.yaml": (
        "system_instructions: ancien prompt\nuser_template: \"{{item_title}}\"\n"),
    "prompts/editorial/lai_editorial.yaml": (
        "metadata:\n  vertical: LAI\n  version: \"1.0\"\n"
        "tldr_generation:\n  system_instructions: Résume.\n"
        "  user_template: \"{{items_summary}}\"\n  bedrock_config:\n    max_tokens: 300\n"
        "introduction_generation:\n  system_instructions: Introduis.\n"
        "  user_template: \"{{week_start}} {{week_end}}\"\n"),
    "prompts/domain_scoring/lai_domain_scoring.yaml": (
        "metadata:\n  prompt_id: lai_domain_scoring\nsystem_instructions: Note.\n"
        "user_template: |\n  {{item_title}}\n  {{ref:lai_domain_definition}}\n"),
    "sources/source_catalog.yaml": (
        "sources:\n"
        "  - source_key: press_corporate__medincell\n    source_type: press_corporate\n"
        "    company_id: medincell\n    homepage_url: https://www.example.invalid/medincell\n"
        "    rss_url: ''\n    html_url: https://www.example.invalid/medincell/news\n"
        "    ingestion_mode: html\n    enabled: true\n"
        "    ingestion_profile: corporate_pure_player_broad\n"
        "  - source_key: press_sector__fiercebiotech\n    source_type: press_sector\n"
        "    homepage_url: https://www.example.invalid/fierce\n"
        "    rss_url: https://www.example.invalid/fierce/rss\n    html_url: ''\n"
        "    ingestion_mode: rss\n    enabled: true\n"
        "    ingestion_profile: press_technology_focused\n"
        "bouquets:\n"
        "  - bouquet_id: lai_corporate_mvp\n    source_keys: [press_corporate__medincell]\n"
        "  - bouquet_id: lai_press_mvp\n    source_keys: [press_sector__fiercebiotech]\n"),
    "ingestion/ingestion_profiles.yaml": (
        "profiles:\n  corporate_pure_player_broad:\n    description: Tout garder\n"
        "    strategy: broad\n  press_technology_focused:\n    description: Filtre techno\n"
        "    strategy: keywords\n    signal_requirements:\n      mode: any\n"
        "      company_scopes: [lai_companies_global]\n"),
    "matching/domain_matching_rules.yaml": (
        "technology_profiles:\n  technology_complex:\n    description: plusieurs signaux\n"
        "  technology_simple:\n    description: un signal\n"),
    # the duplicate key is a real authoring defect (the engine keeps the second block)
    "scoring/scoring_rules.yaml": (
        "event_type_weights:\n  clinical_update: 6\n  regulatory: 7\n  partnership: 8\n"
        "  corporate_move: 4\n  scientific_publication: 4\n  other: 1\n"
        "contextual_penalties:\n  old_news: -2\n"
        "recency_bonuses:\n  0_7_days: 2\n"
        "contextual_penalties:\n  old_news: -3\n"),
    "events/event_type_definitions.yaml": (
        "clinical_update:\n  description: essais\nregulatory:\n  description: agences\n"
        "partnership:\n  description: accords\ncorporate_move:\n  description: société\n"
        "scientific_publication:\n  description: articles\nother:\n  description: autre\n"),
    "domains/lai_domain_definition.yaml": (
        "domain_id: lai\ndomain_name: Long-Acting Injectables\nversion: \"2.0\"\n"
        "strong_signals:\n  pure_player_companies:\n    scope_ref: lai_companies_mvp_core\n"),
    "imports/company_seed_lai.csv": "company_id,company_name\nmedincell,MedinCell\ncamurus,Camurus",
}


# ---------------------------------------------------------------- the inventory

@dataclass(frozen=True)
class Inventory:
    layers: Mapping[str, Mapping[int, bytes]]  # layer name -> version -> zip
    attached: Mapping[str, tuple[str, ...]]  # function key -> layer version ARNs


def arn(name: str, version: int) -> str:
    return f"arn:aws:lambda:eu-west-3:{ACCOUNT}:layer:{name}:{version}"


def build() -> Inventory:
    """Create the whole dev environment in the emulator (the caller's moto fixture)."""
    _buckets()
    _config_objects()
    _data_objects()
    zips = _layers()
    _code_bucket(zips)
    roles = _roles()
    _stacks()
    attached = _functions(roles)
    return Inventory(zips, attached)


def _buckets() -> None:
    s3 = client("s3")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def _put(bucket: str, key: str, body: bytes, **extra: Any) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body, **extra)


def _config_objects() -> None:
    for n in (4, 5, 6, 7):
        _put(CONFIG, f"clients/lai_weekly_v{n}.yaml", legacy_config(n))
    _put(CONFIG, "clients/lai_weekly_v7.yaml", legacy_config(7))  # uploaded twice: two versions
    for rel, text in CANONICAL.items():
        _put(CONFIG, f"canonical/{rel}", text.encode())
    _put(CONFIG, "backups/snapshots/lai_v7_stable_20260130_132356/manifest.json",
         b'{"clients": ["lai_weekly_v7"]}\n')


def _data_objects() -> None:
    items = json.dumps([{"title": "Depot approval", "event_type": "regulatory"}]).encode()
    _put(DATA, "ingested/lai_weekly_v7/2026/01/29/items.json", items)
    _put(DATA, "curated/lai_weekly_v7/2026/01/29/items.json", items)
    _put(DATA, "raw/lai_weekly_v7/press_corporate__medincell/2026/01/29/raw.json", b"{}")
    _put(DATA, "normalized/lai_weekly_v4/2025/12/18/items.json", b"[]")
    _put(DATA, "deployments/2026-01-30-v7-stable.json", b'{"by": "hand"}\n')
    _put(NEWSLETTERS, "lai_weekly_v7/2026/01/29/newsletter.md", "# LAI Weekly — 29/01\n".encode())


def _layers() -> dict[str, dict[int, bytes]]:
    """Layer versions in publication order. vectora-core-dev:3 and :4 and approche-b :2 and :3
    are each published twice from one zip (duplicates)."""
    builds = {
        "vectora-inbox-common-deps-dev": [101, 102, 103, 104],
        "vectora-inbox-vectora-core-dev": [201, 202, 203, 203, 205],
        "vectora-inbox-vectora-core-approche-b-dev": [301, 302, 302],
        "vectora-inbox-dependencies": [401],
        "vectora-inbox-yaml-fix-dev": [501],
        "vectora-inbox-yaml-minimal-dev": [601],
    }
    lam = client("lambda")
    out: dict[str, dict[int, bytes]] = {}
    for name, numbers in builds.items():
        for build_number in numbers:
            data = layer_build(name, build_number)
            runtimes = ["python3.11"] if "common-deps" in name else ["python3.11", "python3.12"]
            response = lam.publish_layer_version(
                LayerName=name, Description=f"Built from repo - build {build_number}",
                Content={"ZipFile": data}, CompatibleRuntimes=runtimes)
            out.setdefault(name, {})[int(response["Version"])] = data
    return out


def _code_bucket(zips: Mapping[str, Mapping[int, bytes]]) -> None:
    """Some zips are in the code bucket (under names of their own), most are not."""
    _put(CODE, "layers/common-deps-1.0.5.zip", zips["vectora-inbox-common-deps-dev"][4])
    _put(CODE, "layers/vectora-core-1.4.0.zip", zips["vectora-inbox-vectora-core-dev"][3])
    _put(CODE, "layers/vectora-core-v12.zip", zips["vectora-inbox-vectora-core-dev"][1])
    _put(CODE, "layers/yaml-fix.zip", zips["vectora-inbox-yaml-fix-dev"][1])
    _put(CODE, "lambda/ingest-v2/latest.zip", function_zip("ingest"))
    _put(CODE, "lambda-packages/vectora-inbox-normalize-score-v2-dev.zip",
         function_zip("normalize"))


def _roles() -> dict[str, str]:
    iam = client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    return {name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
            for name in (INGEST_ROLE, ENGINE_ROLE)}


def _stacks() -> None:
    cfn = client("cloudformation")
    outputs = {
        "vectora-inbox-s0-core-dev": {"ConfigBucketName": CONFIG, "DataBucketName": DATA,
                                      "NewslettersBucketName": NEWSLETTERS},
        "vectora-inbox-s0-iam-dev": {"IngestNormalizeRoleName": INGEST_ROLE,
                                     "EngineRoleName": ENGINE_ROLE},
        "vectora-inbox-s1-runtime-dev": {"EngineFunctionName": "vectora-inbox-engine-dev"},
        "vectora-inbox-s1-ingest-v2-dev": {"IngestV2FunctionName": FUNCTIONS["ingest"]},
        "vectora-inbox-s0-core-stage": {"ConfigBucketName": "vectora-inbox-config-stage"},
    }
    for name, values in outputs.items():
        template = {"Resources": {"Placeholder": {
            "Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {k: {"Value": v} for k, v in values.items()}}
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))


def _functions(roles: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Created by a template or a script with some variables, then changed by hand."""
    lam = client("lambda")
    base = {"CONFIG_BUCKET": CONFIG, "DATA_BUCKET": DATA}
    specs: dict[str, dict[str, Any]] = {
        "ingest": {"role": INGEST_ROLE, "runtime": "python3.12", "memory": 512,
                   "template": {**base, "ENV": "dev", "PROJECT_NAME": "vectora-inbox",
                                "LOG_LEVEL": "INFO"},
                   "by_hand": {},
                   "tags": {"aws:cloudformation:stack-name": "vectora-inbox-s1-ingest-v2-dev",
                            "aws:cloudformation:logical-id": "IngestV2Function",
                            "Project": "vectora-inbox", "Env": "dev"},
                   "layers": (arn("vectora-inbox-common-deps-dev", 4),
                              arn("vectora-inbox-vectora-core-dev", 3))},
        "normalize-score": {"role": INGEST_ROLE, "runtime": "python3.11", "memory": 1024,
                            "template": {**base, "ENV": "dev", "PROJECT_NAME": "vectora-inbox",
                                         "LOG_LEVEL": "INFO"},
                            "by_hand": {"BEDROCK_MODEL_ID": MODEL, "BEDROCK_REGION": "us-east-1"},
                            "tags": {},
                            "layers": (arn("vectora-inbox-common-deps-dev", 4),
                                       arn("vectora-inbox-vectora-core-approche-b-dev", 3),
                                       arn("vectora-inbox-dependencies", 1))},
        "newsletter": {"role": ENGINE_ROLE, "runtime": "python3.11", "memory": 1024,
                       "template": {**base, "NEWSLETTERS_BUCKET": NEWSLETTERS},
                       "by_hand": {"BEDROCK_MODEL_ID": MODEL, "BEDROCK_REGION": "us-east-1",
                                   "CACHE_BUST": "v11"},
                       "tags": {},
                       "layers": (arn("vectora-inbox-common-deps-dev", 3),
                                  arn("vectora-inbox-vectora-core-approche-b-dev", 2),
                                  arn("vectora-inbox-yaml-fix-dev", 1))},
    }
    out = {}
    for key, spec in specs.items():
        name = FUNCTIONS[key]
        lam.create_function(FunctionName=name, Runtime=spec["runtime"], Role=roles[spec["role"]],
                            Handler="handler.lambda_handler", Code={"ZipFile": function_zip(name)},
                            Timeout=900, MemorySize=spec["memory"],
                            Environment={"Variables": spec["template"]}, Tags=spec["tags"])
        lam.update_function_configuration(
            FunctionName=name, Layers=list(spec["layers"]),
            Environment={"Variables": {**spec["template"], **spec["by_hand"]}})
        out[key] = spec["layers"]
    return out


# ---------------------------------------------------------------- everything observable

def state() -> dict[str, Any]:
    """Every object version (key, VersionId, ETag, bytes of the current one), every function
    setting and tag, every layer version and its content hash, stacks and roles."""
    s3, lam = client("s3"), client("lambda")
    out: dict[str, Any] = {}
    for bucket in BUCKETS:
        versions = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            versions += [(v["Key"], v["VersionId"], v["ETag"], v["IsLatest"])
                         for v in page.get("Versions", ())]
            versions += [(d["Key"], d["VersionId"], "delete-marker", d["IsLatest"])
                         for d in page.get("DeleteMarkers", ())]
        out[f"s3:{bucket}"] = sorted(versions)
        out[f"s3-bytes:{bucket}"] = {
            key: s3.get_object(Bucket=bucket, Key=key, VersionId=vid)["Body"].read()
            for key, vid, etag, latest in versions if latest and etag != "delete-marker"}
    for key, name in FUNCTIONS.items():
        found = lam.get_function(FunctionName=name)
        out[f"function:{key}"] = found["Configuration"]
        out[f"tags:{key}"] = found.get("Tags")
    for name in LAYERS:
        listed = lam.list_layer_versions(LayerName=name)["LayerVersions"]
        out[f"layer:{name}"] = [(v["Version"], v["Description"], lam.get_layer_version(
            LayerName=name, VersionNumber=v["Version"])["Content"]["CodeSha256"])
            for v in listed]
    out["stacks"] = client("cloudformation").describe_stacks()["Stacks"]
    out["roles"] = sorted(r["RoleName"] for r in client("iam").list_roles()["Roles"])
    return out
