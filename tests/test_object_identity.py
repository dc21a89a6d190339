"""Object identity by what S3 computes (issue 13, finding 5): the MD5 ETag, else the SHA-256
checksum S3 stores with the object; `deployments/state.json` cannot make a hand change look in
sync. On the moto server, plus botocore's Stubber for the answers moto does not give (an SSE-KMS
object's ETag that is not the MD5 of its bytes)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from iam_check import Call, allowed, recording
from support import client, run
from vectora_gitops.aws import s3 as s3calls
from vectora_gitops.aws.client import Aws, counting
from vectora_gitops.engine.identity import in_sync, needs_checksum, plain_md5, sha256_b64
from vectora_gitops.model import DesiredObject
from vectora_gitops.observed import S3Object

CONFIG = "vectora-inbox-config-dev"
DATA = "vectora-inbox-data-dev"
STATE = "deployments/state.json"
PROMPT = "canonical/prompts/matching/lai_matching.yaml"


@pytest.fixture
def applied(seeded: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run(capsys, seeded, "apply", "--env", "dev", "--yes")[0] == 0
    return seeded


def body(key: str) -> bytes:
    data: bytes = client("s3").get_object(Bucket=CONFIG, Key=key)["Body"].read()
    return data


def state() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(client("s3").get_object(Bucket=DATA, Key=STATE)["Body"]
                                      .read())
    return data


def forge(key: str, sha256: str, etag: str) -> None:
    """What someone with write access to the data bucket can do: claim any identity."""
    data = state()
    data["objects"][key] = [sha256, etag]
    client("s3").put_object(Bucket=DATA, Key=STATE, Body=json.dumps(data).encode())


def multipart(key: str, data: bytes, *, sha256: bool) -> str:
    """A real multipart upload (one part): its ETag is `<md5 of md5s>-1`, never the MD5 of the
    bytes. moto keeps a full-object SHA-256 for it when asked (AWS does that only for CRC
    algorithms; its SSE-KMS objects are the real case of a non-MD5 ETag with a full SHA-256)."""
    s3 = client("s3")
    extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256", "ChecksumType": "FULL_OBJECT"} \
        if sha256 else {}
    upload = s3.create_multipart_upload(Bucket=CONFIG, Key=key, **extra)["UploadId"]
    part = s3.upload_part(Bucket=CONFIG, Key=key, UploadId=upload, PartNumber=1, Body=data,
                          **({"ChecksumAlgorithm": "SHA256"} if sha256 else {}))
    done = s3.complete_multipart_upload(
        Bucket=CONFIG, Key=key, UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    etag: str = done["ETag"].strip('"')
    assert not plain_md5(etag)
    return etag


def test_apply_writes_a_sha256_checksum_s3_keeps(applied: Path) -> None:
    head = client("s3").head_object(Bucket=CONFIG, Key=PROMPT, ChecksumMode="ENABLED")
    data = body(PROMPT)
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert head["ETag"].strip('"') == hashlib.md5(data).hexdigest()


def test_forged_state_entry_hides_no_hand_change(applied: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    sha = state()["objects"][PROMPT][0]
    hand = client("s3").put_object(Bucket=CONFIG, Key=PROMPT, Body=b"edited by hand\n")
    forge(PROMPT, sha, hand["ETag"].strip('"'))
    with counting() as counted:
        code, out, _ = run(capsys, applied, "plan", "--env", "dev")
    assert code == 2
    assert f"~ update {PROMPT}" in out and "1 change(s)" in out
    assert counted.requests.get("HeadObject") == 1  # the claimed object only
    code, out, _ = run(capsys, applied, "drift", "--env", "dev")
    assert code == 2
    assert f"s3:{PROMPT}" in out
    assert "changed outside git, whatever deployments/state.json says" in out
    assert run(capsys, applied, "apply", "--env", "dev", "--yes")[0] == 0
    assert body(PROMPT) != b"edited by hand\n"
    assert hashlib.sha256(body(PROMPT)).hexdigest() == sha
    assert run(capsys, applied, "plan", "--env", "dev")[0] == 0


def test_the_read_only_role_may_ask_s3_for_the_checksum(applied: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """plan runs with the read-only role: its HeadObject is allowed by that policy."""
    multipart(PROMPT, body(PROMPT), sha256=True)
    code, out, _ = run(capsys, applied, "iam-policy", "--env", "dev", "--read-only")
    assert code == 0
    policy = json.loads(out)
    with recording() as calls:
        assert run(capsys, applied, "plan", "--env", "dev")[0] == 0
    head = Call("s3:GetObject", f"arn:aws:s3:::{CONFIG}/{PROMPT}")
    assert head in calls
    # it heads only objects just listed: "missing" is no answer it needs (a 403 instead of a 404
    # in a race with a deletion fails the plan), so the config bucket is not listed whole for it
    assert [c for c in calls if not allowed(policy, c)] == \
        [Call("s3:ListBucket", f"arn:aws:s3:::{CONFIG}", None, missing=f"s3://{CONFIG}/{PROMPT}")]


def test_non_md5_etag_judged_by_the_stored_sha256(applied: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    same = body(PROMPT)
    multipart(PROMPT, same, sha256=True)
    with counting() as counted:
        code, out, _ = run(capsys, applied, "plan", "--env", "dev")
    assert (code, counted.requests.get("HeadObject")) == (0, 1), out
    assert "dev: in sync" in out
    etag = multipart(PROMPT, b"other bytes, uploaded in parts\n", sha256=True)
    forge(PROMPT, hashlib.sha256(same).hexdigest(), etag)
    code, out, _ = run(capsys, applied, "plan", "--env", "dev")
    assert code == 2 and f"~ update {PROMPT}" in out
    code, out, _ = run(capsys, applied, "drift", "--env", "dev")
    assert code == 2 and "changed outside git" in out


def test_no_checksum_and_a_non_md5_etag_is_rewritten(applied: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    same = body(PROMPT)
    etag = multipart(PROMPT, same, sha256=False)
    forge(PROMPT, hashlib.sha256(same).hexdigest(), etag)  # even with the state's word for it
    code, out, _ = run(capsys, applied, "plan", "--env", "dev")
    assert code == 2 and f"~ update {PROMPT}" in out and "1 change(s)" in out
    assert run(capsys, applied, "apply", "--env", "dev", "--yes")[0] == 0
    head = client("s3").head_object(Bucket=CONFIG, Key=PROMPT, ChecksumMode="ENABLED")
    assert head["ETag"].strip('"') == hashlib.md5(same).hexdigest()
    assert head["ChecksumSHA256"] == sha256_b64(hashlib.sha256(same).hexdigest())
    assert state()["objects"][PROMPT] == [hashlib.sha256(same).hexdigest(),
                                          hashlib.md5(same).hexdigest()]
    assert run(capsys, applied, "plan", "--env", "dev")[0] == 0


def test_noop_plan_reads_no_checksum(applied: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with counting() as counted:
        assert run(capsys, applied, "plan", "--env", "dev")[0] == 0
    assert "HeadObject" not in counted.requests
    assert counted.requests["GetObject"] == 1  # the state record
    # the floor (tests/test_cost.py): one page each for canonical/ and clients/, 2 layers,
    # 3 functions, the caller identity and the state record, and dev's monitoring
    # (tests/test_cost.py MONITORING: alarms, dashboard, topic, subscriptions, budget)
    assert counted.total == 1 + 1 + 2 + 3 + 2 + 7, counted.requests


# --- the pure rule, and what AWS answers that moto does not ------------------------------------

DATA_BYTES = b"scopes: []\n"
WANT = DesiredObject("canonical/a.yaml", DATA_BYTES, hashlib.sha256(DATA_BYTES).hexdigest(),
                     hashlib.md5(DATA_BYTES).hexdigest(), "canonical/2.1.0/a.yaml")
KMS_ETAG = "3858f62230ac3c915f300c664312c11f"  # SSE-KMS: 32 hex digits, not the MD5
SHA_B64 = sha256_b64(WANT.sha256)


@pytest.mark.parametrize(("etag", "written", "needs"), [
    (WANT.md5, {}, False),  # SSE-S3 in sync: no request
    (KMS_ETAG, {}, False),  # differs, nobody claims it: changed, no request
    (KMS_ETAG, {WANT.key: (WANT.sha256, KMS_ETAG)}, True),  # the state claims it: ask S3
    (KMS_ETAG, {WANT.key: (WANT.sha256, "other")}, False),
    (f"{WANT.md5}-2", {}, True),  # multipart: ask S3
])
def test_which_objects_need_s3s_checksum(etag: str, written: dict[str, tuple[str, str]],
                                         needs: bool) -> None:
    assert needs_checksum(WANT, S3Object(WANT.key, etag, 11), written) is needs


@pytest.mark.parametrize(("etag", "checksums", "same"), [
    (WANT.md5, {}, True),
    (KMS_ETAG, {WANT.key: SHA_B64}, True),
    (KMS_ETAG, {WANT.key: ""}, False),
    (KMS_ETAG, {}, False),
    ("abc-3", {WANT.key: sha256_b64("0" * 64)}, False),
])
def test_in_sync_only_by_s3s_values(etag: str, checksums: dict[str, str], same: bool) -> None:
    assert in_sync(WANT, S3Object(WANT.key, etag, 11), checksums) is same


def test_aws_answers_for_sse_kms_and_composite_checksums(moto: Any) -> None:
    """AWS's HeadObject answers as documented (moto gives an SSE-KMS object an MD5 ETag):
    a full-object SHA-256 is taken, a COMPOSITE one or an ETag that moved since the listing is
    not, a missing object has none."""
    aws = Aws("eu-west-3")
    stub_client = aws.client("s3")
    expected = {"Bucket": CONFIG, "Key": WANT.key, "ChecksumMode": "ENABLED"}
    with Stubber(stub_client) as stub:
        stub.add_response("head_object", {"ETag": f'"{KMS_ETAG}"', "ChecksumSHA256": SHA_B64,
                                          "ChecksumType": "FULL_OBJECT",
                                          "ServerSideEncryption": "aws:kms"}, expected)
        stub.add_response("head_object", {"ETag": f'"{KMS_ETAG}-2"',
                                          "ChecksumSHA256": f"{SHA_B64}-2",
                                          "ChecksumType": "COMPOSITE"}, expected)
        stub.add_response("head_object", {"ETag": '"0123456789abcdef0123456789abcdef"',
                                          "ChecksumSHA256": SHA_B64}, expected)
        stub.add_client_error("head_object", "404", "Not Found", 404, expected_params=expected)
        assert s3calls.checksum_sha256(aws, CONFIG, WANT.key, KMS_ETAG) == SHA_B64
        assert s3calls.checksum_sha256(aws, CONFIG, WANT.key, f"{KMS_ETAG}-2") == ""
        assert s3calls.checksum_sha256(aws, CONFIG, WANT.key, KMS_ETAG) == ""
        assert s3calls.checksum_sha256(aws, CONFIG, WANT.key, KMS_ETAG) == ""
        stub.assert_no_pending_responses()
