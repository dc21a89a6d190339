"""Object identity: whether an S3 object holds the desired bytes, judged by what S3 computed
(pure; docs/architecture.md §4).

- A plain ETag (32 hex digits, no `-N` part count) is taken as the MD5 of the bytes, which it is
  for a single-part upload with SSE-S3 or no encryption: equal to the desired MD5 means in sync.
- Otherwise (a multipart ETag, or a plain ETag that differs while the state record claims this
  tool wrote these bytes with that ETag, as with SSE-KMS), the SHA-256 checksum S3 stores with the
  object is read (`needs_checksum`) and compared with the desired SHA-256.
- S3 holding neither means changed: the object is rewritten. The state record
  (`deployments/state.json`) only decides which objects are worth a HeadObject; it never makes
  an object in sync by itself.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping

from vectora_gitops.model import DesiredObject
from vectora_gitops.observed import S3Object

_PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")


def plain_md5(etag: str) -> bool:
    """The ETag looks like a plain MD5 (not a multipart `<hex>-<parts>` one)."""
    return _PLAIN_MD5.fullmatch(etag) is not None


def sha256_b64(sha256_hex: str) -> str:
    """A hex SHA-256 as S3 gives ChecksumSHA256 (base64 of the digest)."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def needs_checksum(want: DesiredObject, have: S3Object,
                   written: Mapping[str, tuple[str, str]]) -> bool:
    """Whether S3's stored SHA-256 must be read to know if `have` holds `want`: a non-MD5 ETag,
    or a plain ETag other than the desired MD5 for which the state record claims the identity."""
    if plain_md5(have.etag):
        return have.etag != want.md5 and written.get(want.key) == (want.sha256, have.etag)
    return True


def in_sync(want: DesiredObject, have: S3Object, checksums: Mapping[str, str]) -> bool:
    """Same content by S3's own values: the MD5 ETag, else the stored SHA-256 (`checksums`:
    key -> base64 ChecksumSHA256, '' when S3 holds none)."""
    if plain_md5(have.etag) and have.etag == want.md5:
        return True
    stored = checksums.get(want.key, "")
    return bool(stored) and stored == sha256_b64(want.sha256)
