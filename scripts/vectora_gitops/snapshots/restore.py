"""Restore an environment to a snapshot: plan, then (locked, after a snapshot of the current
state, so a restore is itself reversible) object versions back, newer objects deleted, function
layers and environment variables back, and a deployment record of kind "restore"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vectora_gitops.aws import cloudwatch, lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.engine import guards, records
from vectora_gitops.engine.lockedrun import Closed, Notes, Opening, locked_run
from vectora_gitops.errors import AwsError, GuardError, StalePlanError
from vectora_gitops.masking import aws_value
from vectora_gitops.model import AlarmSpec, Environment
from vectora_gitops.observed import S3Object
from vectora_gitops.safetext import printable
from vectora_gitops.snapshots import take
from vectora_gitops.snapshots.export import AUTOMATIC, Manifest, SnapFunction, SnapObject

# Content of an object as the snapshot holds it (from an export folder); None: copy the version.
Content = Callable[[str], bytes]


@dataclass(frozen=True)
class FunctionRestore:
    key: str
    name: str
    layers: tuple[str, ...] | None  # None: unchanged
    environment: Mapping[str, str] | None  # None: unchanged
    layers_before: tuple[str, ...] = ()
    env_before: Mapping[str, str] = field(default_factory=dict)
    git_env: Mapping[str, str] = field(default_factory=dict)  # git's values: what may be shown


@dataclass(frozen=True)
class RestorePlan:
    env: str
    snapshot: str
    restore: tuple[str, ...]  # keys put back to their snapshot version
    delete: tuple[str, ...]  # keys created after the snapshot
    functions: tuple[FunctionRestore, ...]
    target: Mapping[str, SnapObject] = field(default_factory=dict)  # restore: snapshot version
    current: Mapping[str, S3Object] = field(default_factory=dict)  # restore, delete: now
    alarms: tuple[str, ...] = ()  # alarms whose snapshot definition is put back (never deleted)

    @property
    def empty(self) -> bool:
        return not (self.restore or self.delete or self.functions or self.alarms)

    def summary(self) -> dict[str, int]:
        out = {"restore_object": len(self.restore), "delete_object": len(self.delete),
               "update_function": len(self.functions)}
        if self.alarms:
            out["restore_alarm"] = len(self.alarms)
        return out

    def lines(self) -> list[str]:
        """What goes back where, with values: object versions (size, ETag), layer ARNs and
        variables (masked by masking.py where git does not hold them or they look secret)."""
        out = [f"Restore of {self.env} to snapshot {self.snapshot}:"]
        for key in self.restore:
            snap, now = self.target.get(key), self.current.get(key)
            back = f" to version {snap.version_id} ({_size(snap.size)}ETag {snap.etag})" \
                if snap else " to its snapshot version"
            was = f"; now {_size(now.size)}ETag {now.etag}" if now else "; now absent"
            out.append(f"  ~ restore {key}{back}{was}")
        for key in self.delete:
            now = self.current.get(key)
            was = f"; {_size(now.size)}ETag {now.etag}" if now else ""
            out.append(f"  - delete {key} (created after the snapshot{was})")
        for f in self.functions:
            what = (["layers"] if f.layers is not None else []) + \
                (["environment variables"] if f.environment is not None else [])
            out.append(f"  ~ put back {' and '.join(what)} of {f.name}")
            if f.layers is not None:
                out.append(f"      layers: {_arns(f.layers_before)} -> {_arns(f.layers)}")
            if f.environment is not None:
                out += [f"      {line}" for line in env_lines(f.env_before, f.environment,
                                                              f.git_env)]
        out += [f"  ~ put back alarm {name} as in the snapshot" for name in self.alarms]
        return [printable(line) for line in out]


def _size(size: int) -> str:
    return f"{size} bytes, " if size >= 0 else ""


def _arns(arns: tuple[str, ...]) -> str:
    return ", ".join(arns) if arns else "(none)"


def env_lines(now: Mapping[str, str], snapshot: Mapping[str, str],
              git: Mapping[str, str]) -> list[str]:
    """Which variables a restore puts back, to which value. Both sides are values AWS holds:
    each is shown only where git holds that value for the function and the name does not say
    secret, else masked (masking.aws_value, docs/architecture.md §9)."""
    def shown(name: str, value: str) -> str:
        return aws_value(name, value, git)
    out = [f"env +{k}={shown(k, snapshot[k])}" for k in sorted(snapshot.keys() - now.keys())]
    out += [f"env -{k} (now {shown(k, now[k])})" for k in sorted(now.keys() - snapshot.keys())]
    out += [f"env {k}: {shown(k, now[k])} -> {shown(k, snapshot[k])}"
            for k in sorted(now.keys() & snapshot.keys()) if now[k] != snapshot[k]]
    return out


def make_plan(aws: Aws, env: Environment, manifest: Manifest) -> RestorePlan:
    current = {o.key: o for prefix in env.sync.managed_prefixes
               for o in s3.list_objects(aws, env.buckets.config, prefix)}
    restore = tuple(sorted(k for k, o in manifest.objects.items()
                           if k not in current or current[k].etag != o.etag))
    delete = tuple(sorted(k for k in current if k not in manifest.objects
                          and not k.startswith(env.sync.protected_prefixes)))
    functions: list[FunctionRestore] = []
    for key, snap in sorted(manifest.functions.items()):
        if key not in env.functions or env.functions[key].name != snap.name:
            raise GuardError(f"function {key} ({snap.name}) of the snapshot is not managed in "
                             f"{env.name}; refusing to touch it")
        change = _function_restore(aws, key, snap, env.functions[key].environment)
        if change is not None:
            functions.append(change)
    return RestorePlan(env.name, manifest.name, restore, delete, tuple(functions),
                       target={k: manifest.objects[k] for k in restore},
                       current={k: current[k] for k in (*restore, *delete) if k in current},
                       alarms=_alarm_restores(aws, env, manifest))


def _alarm_restores(aws: Aws, env: Environment, manifest: Manifest) -> tuple[str, ...]:
    """Alarms of the snapshot whose definition differs now (or that are gone). Alarms created
    since are kept: deleting one would delete its history, which the gates read."""
    if not manifest.alarms:
        return ()
    now = {a.name: dict(a.definition) for a in cloudwatch.alarms_named(aws, sorted(manifest.alarms))}
    return tuple(sorted(n for n, d in manifest.alarms.items() if now.get(n) != dict(d)))


def _function_restore(aws: Aws, key: str, snap: SnapFunction,
                      git: Mapping[str, str]) -> FunctionRestore | None:
    config = lambda_.get_function(aws, snap.name)
    layers = tuple(snap.layers) if tuple(snap.layers) != config.layers else None
    environment = dict(snap.environment) if dict(snap.environment) != dict(config.environment) \
        else None
    if layers is None and environment is None:
        return None
    for arn in layers or ():
        try:
            lambda_.layer_code_sha256(aws, arn)
        except AwsError:
            raise GuardError(f"{snap.name}: layer version {arn} of the snapshot no longer exists; "
                             "its layers cannot be put back") from None
    return FunctionRestore(key, snap.name, layers, environment, config.layers,
                           dict(config.environment), dict(git))


def run(aws: Aws, env: Environment, manifest: Manifest, plan: RestorePlan,
        *, content: Content | None) -> Closed:
    """Execute a reviewed plan under the locked-run protocol; returns the closed record (its
    notes hold the pre-restore snapshot and `restored_to_commit`)."""
    guards.check_versioning(aws, env, (env.buckets.config, env.buckets.data))
    commit = manifest.commit or take.commit_at(records.list_records(aws, env, limit=200),
                                               manifest.created_at)
    opening = Opening(kind="restore", commit=commit, summary=plan.summary(),
                      notes={"restored_from": manifest.name, "restored_to_commit": commit})

    def work(notes: Notes) -> None:
        if make_plan(aws, env, manifest) != plan:
            raise StalePlanError(f"{env.name}: AWS changed since the restore plan was shown; "
                                 "run the restore again")
        notes.add("snapshot", take.create(aws, env, name=take.new_name("pre-restore"),
                                          kind=AUTOMATIC,
                                          reason=f"before restore of {manifest.name}"))
        execute(aws, env, manifest, plan, content=content)

    return locked_run(aws, env, opening, work)[1]


def execute(aws: Aws, env: Environment, manifest: Manifest, plan: RestorePlan,
            *, content: Content | None) -> None:
    bucket = env.buckets.config
    for key in plan.restore:
        if content is None:
            s3.copy_version(aws, bucket, key, manifest.objects[key].version_id)
        else:
            s3.put_bytes(aws, bucket, key, content(key))
    for key in plan.delete:
        s3.delete(aws, bucket, key)
    for f in plan.functions:
        lambda_.update_configuration(aws, f.name, layers=f.layers, environment=f.environment)
    for name in plan.alarms:
        cloudwatch.put_alarm(aws, alarm_spec(name, manifest.alarms[name]), env.tags)


def alarm_spec(name: str, d: Mapping[str, Any]) -> AlarmSpec:
    """An alarm from the definition a snapshot recorded (model.AlarmSpec.definition)."""
    return AlarmSpec(name, str(d["description"]), str(d["namespace"]), str(d["metric"]),
                     tuple((str(k), str(v)) for k, v in d["dimensions"]), str(d["statistic"]),
                     int(d["period"]), int(d["evaluation_periods"]), float(d["threshold"]),
                     str(d["comparison"]), str(d["treat_missing"]),
                     tuple(str(a) for a in d["actions"]), bool(d["actions_enabled"]))
