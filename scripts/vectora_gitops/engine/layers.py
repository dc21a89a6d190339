"""Which published layer version holds a pin, judged by content where the content is known.

Pure. `codes` maps a layer version ARN to the hex sha256 of its content (Lambda's CodeSha256,
base64-decoded), for the versions whose content was read. Where it is known the content decides:
a hand-published version without this tool's Description still holds the pin, and a version whose
Description claims the pin but whose content differs does not. Where it is not known the
Description (`version=... sha256=...`) is trusted, as a plain listing allows.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from vectora_gitops.model import LayerPin
from vectora_gitops.observed import LayerVersion


def code_hex(code_sha256_b64: str) -> str:
    """Hex sha256 of a layer zip from Lambda's base64 CodeSha256 ('' when unknown or invalid)."""
    try:
        raw = base64.b64decode(code_sha256_b64, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return raw.hex() if len(raw) == 32 else ""


def layer_name(version_arn: str) -> str:
    """`name` of arn:aws:lambda:<region>:<account>:layer:<name>:<n>."""
    parts = version_arn.split(":")
    return parts[6] if len(parts) >= 8 else version_arn


def holds_pin(version: LayerVersion, pin: LayerPin, codes: Mapping[str, str]) -> bool:
    code = codes.get(version.arn, "")
    if code:
        return code == pin.sha256
    return version.pinned is not None and version.pinned[1] == pin.sha256


def matching_version(versions: tuple[LayerVersion, ...], pin: LayerPin, attached: frozenset[str],
                     codes: Mapping[str, str]) -> LayerVersion | None:
    """The published version holding the pinned content: an attached one first, else the first."""
    found = [v for v in versions if holds_pin(v, pin, codes)]
    for version in found:
        if version.arn in attached:
            return version
    return found[0] if found else None


def needs_code(versions: tuple[LayerVersion, ...], attached: frozenset[str]) -> frozenset[str]:
    """Attached versions a plan must read the content of (one GetLayerVersion each): those without
    this tool's Description, and those claiming the same hash as another attached version."""
    mine = [v for v in versions if v.arn in attached]
    claims: dict[str, int] = {}
    for version in mine:
        if version.pinned:
            claims[version.pinned[1]] = claims.get(version.pinned[1], 0) + 1
    return frozenset(v.arn for v in mine if v.pinned is None or claims[v.pinned[1]] > 1)
