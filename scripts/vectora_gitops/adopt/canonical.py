"""The live `canonical/` tree -> the bundle it equals byte for byte, or a new bundle version."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import versions
from vectora_gitops.desired.canonical import list_files
from vectora_gitops.desired.repo import Repository
from vectora_gitops.errors import InputError
from vectora_gitops.model import Environment


@dataclass(frozen=True)
class AdoptedBundle:
    version: str
    files: dict[str, bytes] = field(default_factory=dict)  # empty: an existing bundle is pinned

    @property
    def new(self) -> bool:
        return bool(self.files)


def live_tree(aws: Aws, env: Environment) -> dict[str, bytes]:
    bucket = env.buckets.config
    tree: dict[str, bytes] = {}
    for obj in s3.list_objects(aws, bucket, "canonical/"):
        rel = obj.key[len("canonical/"):]
        parts = PurePosixPath(rel).parts
        if not rel or rel.endswith("/") or any(p in ("..", ".") for p in parts):
            raise InputError(f"s3://{bucket}/{obj.key}: cannot be a file of a bundle")
        tree[rel] = s3.get_bytes(aws, bucket, obj.key) or b""
    return tree


def bundle_tree(repo: Repository, version: str) -> dict[str, bytes]:
    folder = repo.bundle_dir(version)
    return {rel: (folder / rel).read_bytes() for rel in list_files(folder)}


def next_version(existing: list[str]) -> str:
    parsed = [v for v in (versions.parse(e) for e in existing) if v is not None]
    if not parsed:
        return "1.0.0"
    return str(max(parsed).bump_minor())


def adopt_canonical(aws: Aws, env: Environment, repo: Repository) -> AdoptedBundle | None:
    """None when the live tree is empty (nothing to adopt)."""
    tree = live_tree(aws, env)
    if not tree:
        return None
    for version in sorted(repo.bundle_versions(), key=versions.sort_key, reverse=True):
        if bundle_tree(repo, version) == tree:
            return AdoptedBundle(version)
    return AdoptedBundle(next_version(repo.bundle_versions()), tree)
