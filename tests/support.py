"""Helpers for engine tests: run the CLI, read S3 and Lambda through boto3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from vectora_gitops.cli import main

REGION = "eu-west-3"


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


def put(bucket: str, key: str, body: bytes) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def function(name: str) -> dict[str, Any]:
    config: dict[str, Any] = client("lambda").get_function(FunctionName=name)["Configuration"]
    return config


def layer_versions(name: str) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = client("lambda").list_layer_versions(LayerName=name)[
        "LayerVersions"]
    return versions
