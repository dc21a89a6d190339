"""Helpers for engine tests: run the CLI, read S3 and Lambda through boto3, and the "bad apply"
that snapshot restores undo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from helpers_repo import git
from vectora_gitops.cli import main

REGION = "eu-west-3"
CONFIG = "vectora-inbox-config-dev"
FUNCTIONS = ("ingest", "normalize-score", "newsletter")
GLOSSARY = "canonical/2.1.0/imports/glossary.md"


def cli(repo: Path, *args: str) -> int:
    return main(["--repo", str(repo), *args])


def run(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli(repo, *args)
    out, err = capsys.readouterr()
    return code, out, err


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def objects(bucket: str, prefix: str = "") -> dict[str, bytes]:
    s3 = client("s3")
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            out[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return out


def run_records(bucket: str) -> list[dict[str, Any]]:
    """Each run's deployment record as its last write left it, oldest first: the closing record
    `<id>.closed.json` where the run wrote one, else the opening record `<id>.json`."""
    found = objects(bucket, "deployments/records/")
    prefix = "deployments/records/"
    ids = sorted({key[len(prefix):].split(".", 1)[0] for key in found})
    return [json.loads(found.get(f"{prefix}{rid}.closed.json") or found[f"{prefix}{rid}.json"])
            for rid in ids]


def put(bucket: str, key: str, body: bytes) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def function(name: str) -> dict[str, Any]:
    config: dict[str, Any] = client("lambda").get_function(FunctionName=name)["Configuration"]
    return config


def layer_versions(name: str) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = client("lambda").list_layer_versions(LayerName=name)[
        "LayerVersions"]
    return versions


def managed() -> dict[str, bytes]:
    return {k: v for k, v in objects(CONFIG).items() if not k.startswith("backups/")}


def configs() -> dict[str, Any]:
    out = {}
    for key in FUNCTIONS:
        conf = function(f"vectora-inbox-{key}-v2-dev")
        out[key] = ([layer["Arn"] for layer in conf["Layers"]], conf["Environment"]["Variables"])
    return out


def bad_apply(repo: Path) -> None:
    """A canonical file edited in git and applied, a file added by hand, a variable changed."""
    (repo / GLOSSARY).write_text("# broken glossary\n")
    git(repo, "commit", "-qam", "bad glossary")
    assert cli(repo, "apply", "--env", "dev", "--yes") == 0
    put(CONFIG, "canonical/imports/new.md", b"created after the snapshot\n")
    name = "vectora-inbox-ingest-v2-dev"
    variables = dict(function(name)["Environment"]["Variables"], LOG_LEVEL="WARNING")
    client("lambda").update_function_configuration(FunctionName=name, Layers=[],
                                                   Environment={"Variables": variables})
