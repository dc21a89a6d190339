"""The retirement of a legacy client config needs evidence that the stable id has run since the
switch (docs/architecture.md §8): an object `curated/<id>/<Y>/<M>/<D>/items.json` in the
environment's data bucket written no earlier than the stable id's config object in the config
bucket (written by the apply that made the switch). Read-only: one listing of `curated/<id>/`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml

from vectora_gitops.aws import s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.changes import Change, PutObject
from vectora_gitops.errors import GuardError
from vectora_gitops.model import ClientMove, DesiredState, Environment
from vectora_gitops.observed import S3Object

RUN_OUTPUT = re.compile(r"^curated/[^/]+/\d{4}/\d{2}/\d{2}/items\.json$")


def check_plan(aws: Aws, desired: DesiredState, actual: ActualState,
               changes: tuple[Change, ...]) -> tuple[str, ...]:
    """Refuse (GuardError) a plan that deletes a retired legacy config before its stable id ran
    since the switch; the evidence found, as plan notes."""
    env = desired.env
    deletes = {key for c in changes for key in c.config_deletes()}
    written = {c.key for c in changes if isinstance(c, PutObject)}
    notes = []
    for move in env.client_moves:
        if move.step != "retired" or move.legacy_key not in deletes:
            continue
        switched = actual.objects.get(move.key)
        if switched is None or move.key in written:
            raise GuardError(f"{env.name}: retiring {move.legacy_key} refused: the switch to "
                             f"{move.id} is not applied ({move.key} in s3://{env.buckets.config} "
                             "differs from git); apply the switch and let it run first, or "
                             "revert the retirement commit")
        notes.append(evidence(aws, env, move, switched))
    return tuple(notes)


def evidence(aws: Aws, env: Environment, move: ClientMove, switched: S3Object) -> str:
    """One line naming the run output that shows `move.id` ran since `switched` was written, or
    GuardError saying what to do."""
    found = newest_run(aws, env, move.id, since=switched.last_modified)
    if found is None:
        raise GuardError(
            f"{env.name}: retiring {move.legacy_key} refused: {move.id} has not run since the "
            f"switch (no curated/{move.id}/<Y>/<M>/<D>/items.json in s3://{env.buckets.data} "
            f"written since {move.key} was, {switched.last_modified or 'time unknown'}); run the "
            f"pipeline with client_id {move.id} first, or revert the retirement commit")
    return (f"evidence: {move.id} ran since the switch: s3://{env.buckets.data}/{found.key} "
            f"({found.last_modified})")


def live_evidence(aws: Aws, env: Environment, move: ClientMove) -> str:
    """For `move-client retire`, before any file is edited: the switch is applied (the stable
    id's object is in the config bucket and active, as the engine reads it) and the stable id
    has run since (`evidence`)."""
    switched = next((o for o in s3.list_objects(aws, env.buckets.config, move.key)
                     if o.key == move.key), None)
    raw = s3.get_bytes(aws, env.buckets.config, move.key) if switched else None
    if switched is None or raw is None or not _active(raw):
        state = "absent" if raw is None else "inactive"
        raise GuardError(f"{env.name}: the switch to {move.id} is not applied: {move.key} is "
                         f"{state} in s3://{env.buckets.config}; merge and apply the switch, "
                         f"let {move.id} run, then retire")
    return evidence(aws, env, move, switched)


def _active(raw: bytes) -> bool:
    """`client_profile.active` is true, as the engine's reader (PyYAML) sees it."""
    try:
        data: Any = yaml.safe_load(raw)
    except yaml.YAMLError:
        return False
    profile = data.get("client_profile") if isinstance(data, dict) else None
    return isinstance(profile, dict) and profile.get("active") is True


def newest_run(aws: Aws, env: Environment, client_id: str, *, since: str) -> S3Object | None:
    """The newest run output of `client_id` written at or after `since` (ISO 8601), if any."""
    start = s3_time(since)
    found = [o for o in s3.list_objects(aws, env.buckets.data, f"curated/{client_id}/")
             if RUN_OUTPUT.match(o.key) and s3_time(o.last_modified) >= start]
    return max(found, key=lambda o: s3_time(o.last_modified), default=None)


def s3_time(text: str) -> datetime:
    """An S3 time; unknown ('' or unreadable) is the earliest time."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
