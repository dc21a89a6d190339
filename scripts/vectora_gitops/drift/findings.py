"""Typed drift findings, the ignore rules of environment.yaml and the stable fingerprint."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from vectora_gitops.model import IgnoreRule

# kind -> short label used by the renderers
KINDS = {
    "object_changed": "changed outside git",
    "object_missing": "missing in AWS",
    "object_unmanaged": "not in git",
    "function_missing": "function missing",
    "layer_missing": "pinned layer not attached",
    "layer_version": "wrong layer version",
    "layer_content": "layer content differs from the pin",
    "layer_unmanaged": "layer not declared in git",
    "layer_order": "layers in the wrong order",
    "env_added": "environment variable not in git",
    "env_removed": "environment variable missing",
    "env_changed": "environment variable changed",
    "tag_missing": "tag missing",
    "tag_changed": "tag changed",
    "alarm_missing": "alarm missing",
    "alarm_disabled": "alarm actions disabled by hand",
    "alarm_changed": "alarm changed outside git",
    "alarm_unmanaged": "alarm not in git",
    "dashboard_missing": "dashboard missing",
    "dashboard_changed": "dashboard changed outside git",
    "topic_missing": "topic missing",
    "topic_changed": "topic changed outside git",
    "topic_subscriber_unmanaged": "subscriber not in git",
    "budget_missing": "budget missing",
    "budget_changed": "budget changed outside git",
    "env_not_created": "not created (its stacks do not exist)",
    "stack_changed": "stack differs from git",
}


@dataclass(frozen=True)
class Finding:
    """One difference: `resource` names it (ignore rules match it), `git` and `aws` say what each
    side holds."""

    kind: str
    resource: str  # s3:<key> | function:<key> | function:<key>:layers[:<layer>] | ...:env:<N> | ...:tag:<N>
    git: str
    aws: str
    ignored: str = ""  # the reason of the ignore rule that matched, if any

    @property
    def label(self) -> str:
        return KINDS.get(self.kind, self.kind.replace("_", " "))

    def key(self) -> tuple[str, str, str, str]:
        return (self.resource, self.kind, self.git, self.aws)


def apply_ignores(findings: Iterable[Finding], rules: Iterable[IgnoreRule]) -> tuple[Finding, ...]:
    """Findings sorted by resource, each marked with the reason of the first rule matching it."""
    rules = tuple(rules)
    out = []
    for finding in findings:
        rule = next((r for r in rules if fnmatch.fnmatchcase(finding.resource, r.resource)), None)
        out.append(replace(finding, ignored=rule.reason) if rule else finding)
    return tuple(sorted(out, key=Finding.key))


def counted(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(f for f in findings if not f.ignored)


def fingerprint(findings: Iterable[Finding]) -> str:
    """sha256 of the sorted non-ignored findings: the same drift gives the same hex."""
    rows = sorted(list(f.key()) for f in counted(findings))
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class EnvDrift:
    env: str
    findings: tuple[Finding, ...] = ()
    notice: str = ""  # e.g. AWS was restored from a snapshot: git is behind
    error: str = ""  # the environment could not be checked
    self_heal: bool = False

    @property
    def drifted(self) -> bool:
        return bool(counted(self.findings))
