"""Lambda calls used by the tool (layers and function configuration), typed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from vectora_gitops.aws.client import Aws, call, pages
from vectora_gitops.observed import FunctionConfig, LayerVersion


def list_layer_versions(aws: Aws, layer_name: str) -> tuple[LayerVersion, ...]:
    """Every version of a layer, oldest first."""
    out = [LayerVersion(v["LayerVersionArn"], int(v["Version"]), v.get("Description", ""))
           for page in pages(f"ListLayerVersions {layer_name}", aws.client("lambda"),
                             "list_layer_versions", LayerName=layer_name)
           for v in page.get("LayerVersions", ())]
    return tuple(sorted(out, key=lambda v: v.number))


def layer_code_sha256(aws: Aws, version_arn: str) -> str:
    """CodeSha256 (base64) of a layer version, from its ARN (moto lacks get_by_arn)."""
    name, number = split_layer_arn(version_arn)
    response = call(f"GetLayerVersion {version_arn}", aws.client("lambda").get_layer_version,
                    LayerName=name, VersionNumber=number)
    return str(response.get("Content", {}).get("CodeSha256", ""))


def layer_content(aws: Aws, version_arn: str) -> tuple[str, int]:
    """(CodeSha256 in base64, CodeSize in bytes) of a layer version, from its ARN."""
    name, number = split_layer_arn(version_arn)
    response = call(f"GetLayerVersion {version_arn}", aws.client("lambda").get_layer_version,
                    LayerName=name, VersionNumber=number)
    content = response.get("Content", {})
    return str(content.get("CodeSha256", "")), int(content.get("CodeSize", 0) or 0)


def split_layer_arn(version_arn: str) -> tuple[str, int]:
    """(layer ARN without version, version number) of a layer version ARN."""
    base, _, number = version_arn.rpartition(":")
    return base, int(number)


def publish_layer_version(aws: Aws, layer_name: str, *, bucket: str, key: str, description: str,
                          runtimes: tuple[str, ...]) -> tuple[str, str]:
    """Publish and return (version ARN, CodeSha256)."""
    kwargs: dict[str, Any] = {"LayerName": layer_name, "Description": description,
                              "Content": {"S3Bucket": bucket, "S3Key": key}}
    if runtimes:
        kwargs["CompatibleRuntimes"] = list(runtimes)
    response = call(f"PublishLayerVersion {layer_name}", aws.client("lambda").publish_layer_version,
                    **kwargs)
    return str(response["LayerVersionArn"]), str(response.get("Content", {}).get("CodeSha256", ""))


def get_function(aws: Aws, name: str) -> FunctionConfig:
    response = call(f"GetFunction {name}", aws.client("lambda").get_function, FunctionName=name)
    return _config(response["Configuration"], response.get("Tags") or {})


def _config(conf: Mapping[str, Any], tags: Mapping[str, str]) -> FunctionConfig:
    return FunctionConfig(
        name=conf["FunctionName"],
        arn=conf["FunctionArn"],
        layers=tuple(layer["Arn"] for layer in conf.get("Layers") or ()),
        environment=dict((conf.get("Environment") or {}).get("Variables") or {}),
        tags=dict(tags),
        runtime=str(conf.get("Runtime", "")),
        handler=str(conf.get("Handler", "")),
        code_sha256=str(conf.get("CodeSha256", "")),
        role=str(conf.get("Role", "")),
        last_modified=parse_last_modified(conf.get("LastModified")),
    )


def parse_last_modified(value: Any) -> datetime | None:
    """Lambda's LastModified (`2019-08-14T22:26:11.234+0000`, a string in the API) as a UTC time;
    None when absent or not a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def update_configuration(aws: Aws, name: str, *, layers: tuple[str, ...] | None,
                         environment: Mapping[str, str] | None) -> None:
    kwargs: dict[str, Any] = {"FunctionName": name}
    if layers is not None:
        kwargs["Layers"] = list(layers)
    if environment is not None:
        kwargs["Environment"] = {"Variables": dict(environment)}
    call(f"UpdateFunctionConfiguration {name}",
         aws.client("lambda").update_function_configuration, **kwargs)


def tag(aws: Aws, arn: str, tags: Mapping[str, str]) -> None:
    call(f"TagResource {arn}", aws.client("lambda").tag_resource, Resource=arn, Tags=dict(tags))
