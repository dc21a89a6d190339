"""Listings through boto3's paginators (aws/client.pages): every page read, one request per page
and none after the last, failures as one line. Against the moto server, counted."""

from __future__ import annotations

import math

import pytest

from support import client
from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws, counting, pages
from vectora_gitops.errors import AwsError

REGION = "eu-west-3"
BUCKET = "pages-test"


@pytest.fixture
def bucket(moto: object) -> str:
    c = client("s3")
    c.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    c.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return BUCKET


@pytest.mark.parametrize(("objects", "page_size"), [(0, 2), (1, 2), (4, 2), (5, 2), (7, 1000)])
def test_objects_one_request_per_page(bucket: str, objects: int, page_size: int) -> None:
    for i in range(objects):
        client("s3").put_object(Bucket=bucket, Key=f"p/{i:03d}", Body=b"x")
    aws = Aws(REGION)
    with counting() as counted:
        keys = [item["Key"] for page in pages("list", aws.client("s3"), "list_objects_v2",
                                              Bucket=bucket, Prefix="p/",
                                              PaginationConfig={"PageSize": page_size})
                for item in page.get("Contents", ())]
    assert keys == [f"p/{i:03d}" for i in range(objects)]
    assert counted.requests == {"ListObjectsV2": max(1, math.ceil(objects / page_size))}


def test_versions_follow_both_markers(bucket: str) -> None:
    for body in (b"1", b"2", b"3"):
        client("s3").put_object(Bucket=bucket, Key="a.yaml", Body=body)
    client("s3").put_object(Bucket=bucket, Key="b.yaml", Body=b"1")
    client("s3").delete_object(Bucket=bucket, Key="b.yaml")
    aws = Aws(REGION)
    with counting() as counted:
        small = [(v["Key"], v["VersionId"])
                 for page in pages("versions", aws.client("s3"), "list_object_versions",
                                   Bucket=bucket, Prefix="", PaginationConfig={"PageSize": 2})
                 for v in (*page.get("Versions", ()), *page.get("DeleteMarkers", ()))]
    assert counted.requests["ListObjectVersions"] >= 2  # really paged
    every = list(s3.list_versions(aws, bucket, ""))
    assert sorted(small) == sorted((v.key, v.version_id) for v in every)
    assert len(every) == 5 and sum(v.is_delete_marker for v in every) == 1


def test_list_objects_reads_every_page(bucket: str) -> None:
    for i in range(3):
        client("s3").put_object(Bucket=bucket, Key=f"k/{i}", Body=b"x")
    with counting() as counted:
        found = list(s3.list_objects(Aws(REGION), bucket, "k/"))
    assert [o.key for o in found] == ["k/0", "k/1", "k/2"]
    assert counted.requests == {"ListObjectsV2": 1}


def test_a_failed_page_is_one_line(moto: object) -> None:
    with pytest.raises(AwsError) as caught:
        list(s3.list_objects(Aws(REGION), "no-such-bucket-here", "x/"))
    assert str(caught.value).startswith("ListObjectsV2 s3://no-such-bucket-here/x/: NoSuchBucket")
    assert "\n" not in str(caught.value)
