"""Seed a fresh emulator with what the CloudFormation stacks of every environment create."""

from __future__ import annotations

from vectora_gitops.aws import provision, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.monitoring import topic_name
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.model import Environment, Pins
from vectora_gitops.sandbox.artifacts import function_zip, layer_zip, sha256

# What a template deploys before GitOps manages anything: the core variables only.
TEMPLATE_VARIABLES = ("ENV", "CONFIG_BUCKET", "DATA_BUCKET")


def seed(aws: Aws, repo: Repository) -> list[str]:
    """Create every environment's resources and the pinned layer artifacts; returns notes."""
    notes: list[str] = []
    loaded = [load_env(repo, name) for name in repo.env_names()]
    for env, _ in loaded:
        if env.managed_stacks:  # created through its stacks by apply (README, Stacks)
            notes.append(f"{env.name}: its stacks are managed; `vectora-gitops apply --env "
                         f"{env.name}` creates them")
            continue
        seed_environment(aws, env)
    for _, pins in loaded:
        notes += seed_artifacts(aws, pins)
    return sorted(set(notes))


def seed_environment(aws: Aws, env: Environment) -> None:
    for bucket in env.buckets.all():
        provision.create_bucket(aws, bucket, object_lock=bucket == env.buckets.data)
    arns = [provision.create_role(aws, role) for role in env.roles or (env.role,)]
    role_arn = arns[0]
    for spec in env.functions.values():
        variables = {k: v for k, v in spec.environment.items() if k in TEMPLATE_VARIABLES}
        provision.create_function(aws, spec.name, role_arn=role_arn,
                                  code=function_zip(spec.name), environment=variables,
                                  tags={"Environment": env.name})
    if env.monitoring is not None:
        provision.create_topic(aws, topic_name(env.name), account_id=env.account_id,
                               tags={"Environment": env.name})
    for stack in env.stacks:
        provision.put_stack(aws, stack, {"Environment": env.name, "ConfigBucket":
                                         env.buckets.config})


def seed_artifacts(aws: Aws, pins: Pins) -> list[str]:
    notes = []
    for name, pin in pins.layers.items():
        data = layer_zip(name, pin.version)
        if sha256(data) != pin.sha256:
            notes.append(f"layer {name} {pin.version}: the sandbox build has sha256 "
                         f"{sha256(data)}, the pin says {pin.sha256}; apply will refuse it")
        if s3.head(aws, pin.artifact_bucket, pin.artifact_key) is None:
            s3.put_bytes(aws, pin.artifact_bucket, pin.artifact_key, data,
                         content_type="application/zip", metadata={"sha256": sha256(data)})
    return notes
