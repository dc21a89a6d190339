"""S3 calls used by the tool, typed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError

from vectora_gitops.aws.client import Aws, call, pages
from vectora_gitops.errors import AwsError
from vectora_gitops.observed import Fetched, ObjectVersion, S3Object


class PreconditionFailed(Exception):
    """A conditional write lost (IfNoneMatch / IfMatch)."""


GOVERNANCE = "GOVERNANCE"  # the Object Lock mode of the evidence (docs/evidence.md)


def list_objects(aws: Aws, bucket: str, prefix: str) -> Iterator[S3Object]:
    """Objects under `prefix`, one ListObjectsV2 request per 1,000."""
    for page in pages(f"ListObjectsV2 s3://{bucket}/{prefix}", aws.client("s3"), "list_objects_v2",
                      Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": 1000}):
        for item in page.get("Contents", ()):
            yield S3Object(item["Key"], item["ETag"].strip('"'), int(item["Size"]),
                           item["LastModified"].isoformat() if "LastModified" in item else "")


def list_versions(aws: Aws, bucket: str, prefix: str) -> Iterator[ObjectVersion]:
    """Every version and delete marker under `prefix`."""
    for page in pages(f"ListObjectVersions s3://{bucket}/{prefix}", aws.client("s3"),
                      "list_object_versions", Bucket=bucket, Prefix=prefix):
        for item in page.get("Versions", ()):
            yield ObjectVersion(item["Key"], item["VersionId"], item["ETag"].strip('"'),
                                bool(item["IsLatest"]), False, str(item["LastModified"]),
                                int(item.get("Size", -1)))
        for item in page.get("DeleteMarkers", ()):
            yield ObjectVersion(item["Key"], item["VersionId"], "", bool(item["IsLatest"]), True,
                                str(item["LastModified"]))


def list_prefixes(aws: Aws, bucket: str, prefix: str) -> list[str]:
    """The "folders" right under `prefix` (ListObjectsV2 with Delimiter "/"), sorted."""
    found: list[str] = []
    for page in pages(f"ListObjectsV2 s3://{bucket}/{prefix} (folders)", aws.client("s3"),
                      "list_objects_v2", Bucket=bucket, Prefix=prefix, Delimiter="/",
                      PaginationConfig={"PageSize": 1000}):
        found += [str(item["Prefix"]) for item in page.get("CommonPrefixes", ())]
    return sorted(found)


def get_bytes(aws: Aws, bucket: str, key: str, version_id: str | None = None) -> bytes | None:
    """Object content, or None when the key does not exist."""
    found = get_with_etag(aws, bucket, key, version_id)
    return found[0] if found else None


def get_with_etag(aws: Aws, bucket: str, key: str,
                  version_id: str | None = None) -> tuple[bytes, str] | None:
    """Content and ETag (without quotes) from one GET, or None when the key does not exist."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    got = _get(aws, f"GetObject s3://{bucket}/{key}", kwargs)
    if got is None:
        return None
    body, response = got
    return body, str(response.get("ETag", "")).strip('"')


def _get(aws: Aws, what: str, kwargs: dict[str, Any]) -> tuple[bytes, dict[str, Any]] | None:
    """One GetObject: the body and the response, or None when the key or version does not
    exist."""
    try:
        response = call(what, aws.client("s3").get_object, **kwargs)
        body: bytes = response["Body"].read()
    except AwsError as exc:
        if exc.code in ("NoSuchKey", "404", "NoSuchVersion"):
            return None
        raise
    except BotoCoreError as exc:
        raise AwsError(f"{what}: {exc}") from None
    return body, response


def get_json(aws: Aws, bucket: str, key: str) -> Any:
    data = get_bytes(aws, bucket, key)
    if data is None:
        return None
    try:
        return json.loads(data)
    except ValueError:
        raise AwsError(f"s3://{bucket}/{key}: not valid JSON; fix or delete the object") from None


def get_version(aws: Aws, bucket: str, key: str, version_id: str) -> Fetched | None:
    """One version of an object with S3's time and Object Lock retention for it, or None when
    that version does not exist."""
    what = f"GetObject s3://{bucket}/{key}?versionId={version_id}"
    got = _get(aws, what, {"Bucket": bucket, "Key": key, "VersionId": version_id})
    if got is None:
        return None
    body, response = got
    modified = response.get("LastModified")
    until = response.get("ObjectLockRetainUntilDate")
    return Fetched(body, str(response.get("VersionId") or version_id),
                   modified if isinstance(modified, datetime) else None,
                   str(response.get("ObjectLockMode") or ""),
                   until if isinstance(until, datetime) else None)


def object_lock_enabled(aws: Aws, bucket: str) -> bool:
    """Whether the bucket has S3 Object Lock enabled (retention can be set on its objects)."""
    try:
        response = call(f"GetObjectLockConfiguration s3://{bucket}",
                        aws.client("s3").get_object_lock_configuration, Bucket=bucket)
    except AwsError as exc:
        if exc.code == "ObjectLockConfigurationNotFoundError":
            return False
        raise
    config = response.get("ObjectLockConfiguration") or {}
    return bool(config.get("ObjectLockEnabled") == "Enabled")


def head(aws: Aws, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        response: dict[str, Any] = call(f"HeadObject s3://{bucket}/{key}",
                                        aws.client("s3").head_object, Bucket=bucket, Key=key)
        return response
    except AwsError as exc:
        if exc.code in ("NoSuchKey", "404", "NotFound"):
            return None
        raise


def checksum_sha256(aws: Aws, bucket: str, key: str, etag: str) -> str:
    """The SHA-256 checksum S3 stores with the object (base64, as S3 gives it), read with
    HeadObject ChecksumMode=ENABLED; '' when S3 holds none, holds a checksum of part checksums
    (a multipart upload's COMPOSITE one), the object is gone, or its ETag is no longer `etag`
    (it changed since it was listed)."""
    try:
        response = call(f"HeadObject s3://{bucket}/{key}", aws.client("s3").head_object,
                        Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except AwsError as exc:
        if exc.code in ("NoSuchKey", "404", "NotFound"):
            return ""
        raise
    value = str(response.get("ChecksumSHA256") or "")
    if str(response.get("ETag", "")).strip('"') != etag or "-" in value or \
            response.get("ChecksumType") == "COMPOSITE":
        return ""
    return value


def put_bytes(aws: Aws, bucket: str, key: str, body: bytes, *, content_type: str = "",
              metadata: dict[str, str] | None = None, if_none_match: bool = False,
              if_match: str | None = None, retain_until: datetime | None = None) -> str:
    """Write an object (SSE AES256) and return its ETag; PreconditionFailed on a lost condition.
    Every write carries a SHA-256 checksum, which S3 checks against the bytes and stores with the
    object: the identity of an object whose ETag is not its MD5 (docs/architecture.md §4).
    `retain_until`: put the new version under Object Lock retention in governance mode until then
    (S3 requires a checksum for writes with retention)."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": body,
                              "ServerSideEncryption": "AES256", "ChecksumAlgorithm": "SHA256"}
    if retain_until is not None:
        kwargs.update(ObjectLockMode=GOVERNANCE, ObjectLockRetainUntilDate=retain_until)
    if content_type:
        kwargs["ContentType"] = content_type
    if metadata:
        kwargs["Metadata"] = metadata
    if if_none_match:
        kwargs["IfNoneMatch"] = "*"
    if if_match:
        kwargs["IfMatch"] = f'"{if_match}"'
    try:
        response = call(f"PutObject s3://{bucket}/{key}", aws.client("s3").put_object, **kwargs)
    except AwsError as exc:
        if exc.code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
            raise PreconditionFailed(key) from None
        if retain_until is not None and exc.code == "InvalidRequest":
            raise AwsError(f"PutObject s3://{bucket}/{key}: {bucket} has no S3 Object Lock, "
                           "which the evidence needs (docs/evidence.md); enable it: aws s3api "
                           f"put-object-lock-configuration --bucket {bucket} "
                           "--object-lock-configuration ObjectLockEnabled=Enabled",
                           exc.code) from None
        raise
    return str(response["ETag"]).strip('"')


def put_json(aws: Aws, bucket: str, key: str, value: Any, **kwargs: Any) -> str:
    body = json.dumps(value, indent=2, sort_keys=True).encode() + b"\n"
    return put_bytes(aws, bucket, key, body, content_type="application/json", **kwargs)


def delete(aws: Aws, bucket: str, key: str, version_id: str | None = None) -> None:
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    call(f"DeleteObject s3://{bucket}/{key}", aws.client("s3").delete_object, **kwargs)


def copy_version(aws: Aws, bucket: str, key: str, version_id: str) -> str:
    """Make `version_id` the current version again (a new version with its content)."""
    response = call(f"CopyObject s3://{bucket}/{key}?versionId={version_id}",
                    aws.client("s3").copy_object, Bucket=bucket, Key=key,
                    CopySource={"Bucket": bucket, "Key": key, "VersionId": version_id},
                    ServerSideEncryption="AES256", ChecksumAlgorithm="SHA256")
    return str(response["CopyObjectResult"]["ETag"]).strip('"')


def versioning_enabled(aws: Aws, bucket: str) -> bool:
    response = call(f"GetBucketVersioning s3://{bucket}",
                    aws.client("s3").get_bucket_versioning, Bucket=bucket)
    return bool(response.get("Status") == "Enabled")


class ZipFinder:
    """Layer zips of a code bucket (`layers/*.zip`) found by content: a zip is read (and its
    sha256 kept) only when its size equals the size sought (0: unknown, any size)."""

    def __init__(self, aws: Aws, bucket: str) -> None:
        self.aws = aws
        self.bucket = bucket
        self._sizes: dict[str, int] | None = None
        self._hashes: dict[str, str] = {}

    def holds(self, key: str, sha256: str) -> bool:
        return self._hash(key) == sha256

    def find(self, sha256: str, size: int) -> str:
        """Key of a zip under layers/ with this content, else ''."""
        if self._sizes is None:
            self._sizes = {o.key: o.size for o in list_objects(self.aws, self.bucket, "layers/")
                           if o.key.endswith(".zip")}
        for key, found in sorted(self._sizes.items()):
            if (not size or found == size) and self._hash(key) == sha256:
                return key
        return ""

    def _hash(self, key: str) -> str:
        if key not in self._hashes:
            data = get_bytes(self.aws, self.bucket, key)
            self._hashes[key] = hashlib.sha256(data).hexdigest() if data is not None else ""
        return self._hashes[key]
