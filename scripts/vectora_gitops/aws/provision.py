"""What the CloudFormation stacks create, for the sandbox only (buckets, role, functions, the
alarm topic)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from vectora_gitops.aws.client import Aws, call

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


def create_bucket(aws: Aws, bucket: str, *, versioned: bool = True,
                  object_lock: bool = False) -> None:
    """`object_lock`: with S3 Object Lock enabled (no default retention), as the data buckets
    need for the deployment records and E2E results (docs/evidence.md)."""
    s3 = aws.client("s3")
    extra = {"ObjectLockEnabledForBucket": True} if object_lock else {}
    call(f"CreateBucket {bucket}", s3.create_bucket, Bucket=bucket,
         CreateBucketConfiguration={"LocationConstraint": aws.region}, **extra)
    if versioned:
        call(f"PutBucketVersioning {bucket}", s3.put_bucket_versioning, Bucket=bucket,
             VersioningConfiguration={"Status": "Enabled"})
    call(f"PutBucketEncryption {bucket}", s3.put_bucket_encryption, Bucket=bucket,
         ServerSideEncryptionConfiguration={"Rules": [
             {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})


def create_role(aws: Aws, name: str) -> str:
    response = call(f"CreateRole {name}", aws.client("iam").create_role, RoleName=name,
                    AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))
    return str(response["Role"]["Arn"])


def create_function(aws: Aws, name: str, *, role_arn: str, code: bytes,
                    environment: Mapping[str, str], tags: Mapping[str, str]) -> None:
    call(f"CreateFunction {name}", aws.client("lambda").create_function, FunctionName=name,
         Runtime="python3.12", Role=role_arn, Handler="handler.lambda_handler",
         Code={"ZipFile": code}, Environment={"Variables": dict(environment)},
         Tags=dict(tags), Timeout=900, MemorySize=512)


def create_topic(aws: Aws, name: str, *, account_id: str, tags: Mapping[str, str]) -> None:
    """The environment's alarm topic, with the policy that lets CloudWatch and AWS Budgets
    publish to it (the core stack owns it: a topic policy is permissions management)."""
    arn = f"arn:aws:sns:{aws.region}:{account_id}:{name}"
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "AlarmsAndBudgetsPublish", "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]},
        "Action": "sns:Publish", "Resource": arn}]}
    call(f"CreateTopic {name}", aws.client("sns").create_topic, Name=name,
         Attributes={"Policy": json.dumps(policy)},
         Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def put_stack(aws: Aws, name: str, outputs: Mapping[str, str]) -> None:
    """A stand-in stack with outputs (the sandbox cannot run the real templates)."""
    template = {"Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {k: {"Value": v} for k, v in outputs.items()}}
    call(f"CreateStack {name}", aws.client("cloudformation").create_stack, StackName=name,
         TemplateBody=json.dumps(template))
