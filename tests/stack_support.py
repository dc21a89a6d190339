"""A new environment `qa` whose stacks this tool creates (docs/architecture.md §10), written
into a test repository the way a pull request would add it."""

from __future__ import annotations

from pathlib import Path

from helpers_repo import git

QA_STACKS = """\
stacks:
  s0-core:
    name: vectora-inbox-s0-core-qa
    parameters:
      Env: qa
      NoncurrentVersionDays: 30
  s0-iam:
    name: vectora-inbox-s0-iam-qa
    parameters:
      Env: qa
      ConfigBucketName: {output: s0-core.ConfigBucketName}
      DataBucketName: {output: s0-core.DataBucketName}
      NewslettersBucketName: {output: s0-core.NewslettersBucketName}
  s1-runtime:
    name: vectora-inbox-s1-runtime-qa
    parameters:
      Env: qa
      IngestRoleArn: {output: s0-iam.IngestRoleArn}
      NormalizeScoreRoleArn: {output: s0-iam.NormalizeScoreRoleArn}
      NewsletterRoleArn: {output: s0-iam.NewsletterRoleArn}
      LogRetentionDays: 14
"""
TEMPLATES = "templates:\n  s0-core: 1.0.0\n  s0-iam: 1.0.0\n  s1-runtime: 1.0.0\n"


def qa_environment(dev_yaml: str) -> str:
    """dev's environment.yaml made into qa's: names ending -qa, promoted from dev, the stacks
    as a mapping, one role per function (created by s0-iam)."""
    text = dev_yaml.replace("-dev", "-qa").replace('ENV: "dev"', 'ENV: "qa"')
    text = text.replace("name: dev", "name: qa").replace("Environment: dev", "Environment: qa")
    start = text.index("stacks:\n")
    end = text.index("layers:\n", start)
    text = text[:start] + QA_STACKS + text[end:]
    text = text.replace("role: vectora-inbox-lambda-role-qa\n",
                        "role: [vectora-inbox-ingest-role-qa, "
                        "vectora-inbox-normalize-score-role-qa, "
                        "vectora-inbox-newsletter-role-qa]\n")
    text = text.replace("  from: null\n  allow_prerelease: true\n",
                        "  from: dev\n  allow_prerelease: true\n")
    start = text.index("drift:\n")
    return text[:start] + "drift:\n  ignore: []\n"


def add_qa(repo: Path, *, commit: bool = True) -> None:
    """environments/qa/ as a pull request adds it: dev's pins, the templates pinned."""
    folder = repo / "environments" / "qa"
    folder.mkdir()
    dev = repo / "environments" / "dev"
    (folder / "environment.yaml").write_text(qa_environment((dev / "environment.yaml").read_text()))
    (folder / "pins.yaml").write_text((dev / "pins.yaml").read_text() + TEMPLATES)
    if commit:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "add environment qa")
