"""Semver rules of client configs and canonical bundles (releases are immutable)."""

from __future__ import annotations

import semver

_MAX_PART = 10_000


def parse(text: str) -> semver.Version | None:
    """The version, or None when `text` is not a plain semver (build metadata refused)."""
    if not isinstance(text, str) or "+" in text or len(text) > 64:
        return None
    try:
        version = semver.Version.parse(text)
    except (ValueError, TypeError):
        return None
    if max(version.major, version.minor, version.patch) > _MAX_PART:
        return None
    return version


def problem(text: object) -> str | None:
    """Why `text` is not an acceptable version, or None."""
    if not isinstance(text, str):
        return f"{text!r} is not a version string; write it quoted like \"1.2.0\""
    if "+" in text:
        return f"'{text}' carries build metadata (+...); versions here are MAJOR.MINOR.PATCH[-pre]"
    if parse(text) is None:
        return f"'{text}' is not a semantic version (MAJOR.MINOR.PATCH[-pre], parts up to {_MAX_PART})"
    return None


def is_prerelease(text: str) -> bool:
    version = parse(text)
    return bool(version and version.prerelease)


def sort_key(text: str) -> semver.Version:
    version = parse(text)
    return version if version is not None else semver.Version(0)


def latest_release(versions: list[str]) -> str | None:
    releases = [v for v in versions if parse(v) and not is_prerelease(v)]
    return max(releases, key=sort_key) if releases else None
