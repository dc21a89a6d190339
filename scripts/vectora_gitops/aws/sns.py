"""SNS, typed: the topic an environment's alarms and budget notify (docs/architecture.md §11)."""

from __future__ import annotations

from collections.abc import Mapping

from vectora_gitops.aws.client import Aws, call, pages
from vectora_gitops.errors import AwsError
from vectora_gitops.observed import Topic

NOT_FOUND = ("NotFound", "NotFoundException", "ResourceNotFound", "ResourceNotFoundException")


def get_topic(aws: Aws, arn: str) -> Topic | None:
    """The topic with its subscriptions and tags; None when it does not exist."""
    client = aws.client("sns")
    try:
        call(f"GetTopicAttributes {arn}", client.get_topic_attributes, TopicArn=arn)
    except AwsError as exc:
        if exc.code in NOT_FOUND:
            return None
        raise
    subs = tuple(sorted((str(s["Protocol"]), str(s["Endpoint"]), str(s["SubscriptionArn"]))
                        for page in pages(f"ListSubscriptionsByTopic {arn}", client,
                                          "list_subscriptions_by_topic", TopicArn=arn)
                        for s in page.get("Subscriptions", ())))
    tags = call(f"ListTagsForResource {arn}", client.list_tags_for_resource, ResourceArn=arn)
    return Topic(arn, subs, {str(t["Key"]): str(t["Value"]) for t in tags.get("Tags", ())})


def tag_topic(aws: Aws, arn: str, tags: Mapping[str, str]) -> None:
    call(f"TagResource {arn}", aws.client("sns").tag_resource, ResourceArn=arn,
         Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def subscribe(aws: Aws, arn: str, protocol: str, endpoint: str) -> None:
    call(f"Subscribe {arn}", aws.client("sns").subscribe, TopicArn=arn, Protocol=protocol,
         Endpoint=endpoint)
