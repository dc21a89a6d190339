"""What the local emulator (moto, `vectora-gitops sandbox`) does not do when it creates a stack,
done by hand there and said so; never against AWS (docs/architecture.md §10, README "What the
sandbox cannot show").

moto creates the buckets of a template without their `VersioningConfiguration` and without S3
Object Lock. The versioning and Object Lock guards stay as they are; on a loopback endpoint
only, once a stack is created, the buckets its template declares versioned or locked get it."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws, call
from vectora_gitops.model import DesiredStack


def is_emulator(aws: Aws) -> bool:
    """The endpoint is on this machine (the sandbox refuses any other)."""
    host = urlparse(str(aws.client("s3").meta.endpoint_url or "")).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def after_stack(aws: Aws, stack: DesiredStack) -> list[str]:
    """On the emulator: turn on the versioning and Object Lock the template declares; the notes
    say what was done. Nothing elsewhere."""
    if not is_emulator(aws):
        return []
    buckets = {r.logical_id: r for r in stack.resources.values() if r.type == "AWS::S3::Bucket"}
    if not buckets:
        return []
    listed = call(f"ListStackResources {stack.name}",
                  aws.client("cloudformation").list_stack_resources, StackName=stack.name)
    notes = []
    for res in listed.get("StackResourceSummaries", ()):
        spec = buckets.get(str(res.get("LogicalResourceId", "")))
        bucket = str(res.get("PhysicalResourceId", ""))
        if spec is None or not bucket:
            continue
        versioning = spec.properties.get("VersioningConfiguration") or {}
        if versioning.get("Status") == "Enabled" and not s3.versioning_enabled(aws, bucket):
            call(f"PutBucketVersioning {bucket}", aws.client("s3").put_bucket_versioning,
                 Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            notes.append(f"sandbox: the emulator does not apply VersioningConfiguration; "
                         f"versioning of {bucket} turned on after the stack")
        if spec.properties.get("ObjectLockEnabled") is True and \
                not s3.object_lock_enabled(aws, bucket):
            call(f"PutObjectLockConfiguration {bucket}",
                 aws.client("s3").put_object_lock_configuration, Bucket=bucket,
                 ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
            notes.append(f"sandbox: the emulator does not apply ObjectLockEnabled; Object Lock "
                         f"of {bucket} turned on after the stack")
    return notes
