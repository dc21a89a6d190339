"""The live `canonical/` tree -> the bundle it equals byte for byte, or a new bundle version
holding every live object as it is (files git deleted but the engine still reads included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import versions
from vectora_gitops.desired.canonical import list_files
from vectora_gitops.desired.repo import Repository
from vectora_gitops.model import Environment


@dataclass(frozen=True)
class AdoptedBundle:
    version: str
    files: dict[str, bytes] = field(default_factory=dict)  # empty: an existing bundle is pinned
    objects: int = 0  # live objects adopted

    @property
    def new(self) -> bool:
        return bool(self.files)


@dataclass(frozen=True)
class LiveTree:
    files: dict[str, bytes]  # path under canonical/ -> bytes
    skipped: tuple[str, ...]  # s3:// keys that cannot be a file (folder markers, `..`)


def live_tree(aws: Aws, env: Environment) -> LiveTree:
    bucket = env.buckets.config
    tree: dict[str, bytes] = {}
    skipped: list[str] = []
    for obj in s3.list_objects(aws, bucket, "canonical/"):
        rel = obj.key[len("canonical/"):]
        parts = PurePosixPath(rel).parts
        if not rel or rel.endswith("/") or any(p in ("..", ".") for p in parts):
            skipped.append(f"s3://{bucket}/{obj.key}")
            continue
        tree[rel] = s3.get_bytes(aws, bucket, obj.key) or b""
    return LiveTree(tree, tuple(skipped))


def bundle_tree(repo: Repository, version: str) -> dict[str, bytes]:
    folder = repo.bundle_dir(version)
    return {rel: (folder / rel).read_bytes() for rel in list_files(folder)}


def next_version(existing: list[str]) -> str:
    parsed = [v for v in (versions.parse(e) for e in existing) if v is not None]
    if not parsed:
        return "1.0.0"
    return str(max(parsed).bump_minor())


def adopt_canonical(repo: Repository, tree: LiveTree) -> AdoptedBundle | None:
    """None when the live tree is empty (nothing to adopt)."""
    if not tree.files:
        return None
    for version in sorted(repo.bundle_versions(), key=versions.sort_key, reverse=True):
        if bundle_tree(repo, version) == tree.files:
            return AdoptedBundle(version, objects=len(tree.files))
    return AdoptedBundle(next_version(repo.bundle_versions()), tree.files, len(tree.files))
