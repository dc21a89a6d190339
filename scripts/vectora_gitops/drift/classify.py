"""The pure drift classification: desired + actual (+ layer content hashes) -> findings."""

from __future__ import annotations

from collections.abc import Mapping

from vectora_gitops.drift.findings import Finding
from vectora_gitops.drift.monitoring import monitoring_findings
from vectora_gitops.engine.actual import ActualState
from vectora_gitops.engine.identity import in_sync
from vectora_gitops.engine.layers import holds_pin, layer_name
from vectora_gitops.masking import aws_value, git_value
from vectora_gitops.model import DesiredState, FunctionSpec
from vectora_gitops.observed import FunctionConfig, LayerVersion

Codes = Mapping[str, str]  # layer version ARN -> hex sha256 of its content ('' unknown)


def classify(desired: DesiredState, actual: ActualState, codes: Codes) -> tuple[Finding, ...]:
    findings = object_findings(desired, actual)
    for key, spec in sorted(desired.env.functions.items()):
        config = actual.functions.get(key)
        if config is None:
            findings.append(Finding("function_missing", f"function:{key}", spec.name, "missing"))
            continue
        findings += layer_findings(desired, actual, key, config, codes)
        findings += env_findings(key, spec, config)
        findings += tag_findings(key, desired.env.function_tags(key), config)
    findings += monitoring_findings(desired, actual)
    return tuple(sorted(findings, key=Finding.key))


def object_findings(desired: DesiredState, actual: ActualState) -> list[Finding]:
    out: list[Finding] = []
    for key, want in sorted(desired.objects.items()):
        have = actual.objects.get(key)
        git = f"{want.source} (sha256 {want.sha256[:12]})"
        if have is None:
            out.append(Finding("object_missing", f"s3:{key}", git, "missing"))
        elif not in_sync(want, have, actual.checksums):
            sha, etag = actual.written.get(key, ("", ""))
            mine = etag == have.etag and sha != want.sha256
            how = "not applied yet: holds what vectora-gitops wrote earlier" if mine else \
                "changed outside git" + (", whatever deployments/state.json says"
                                         if etag == have.etag else "")
            out.append(Finding("object_changed", f"s3:{key}", git, f"etag {have.etag} ({how})"))
    protected = desired.env.sync.protected_prefixes
    out += [Finding("object_unmanaged", f"s3:{key}", "not in git", f"etag {have.etag}")
            for key, have in sorted(actual.objects.items())
            if key not in desired.objects and not key.startswith(protected)]
    return out


def _describe(arn: str, versions: Mapping[str, LayerVersion], codes: Codes) -> str:
    short = arn.rsplit(":", 2)[-2] + ":" + arn.rsplit(":", 1)[-1]
    version = versions.get(arn)
    said = f" says {version.pinned[0]} sha256 {version.pinned[1][:12]}" if version and \
        version.pinned else " (no vectora-gitops description)"
    code = codes.get(arn, "")
    return f"{short}{said}" + (f", content sha256 {code[:12]}" if code else "")


def layer_findings(desired: DesiredState, actual: ActualState, key: str, config: FunctionConfig,
                   codes: Codes) -> list[Finding]:
    env = desired.env
    by_name = {spec.name: k for k, spec in env.layers.items()}
    versions = {v.arn: v for vs in actual.layers.values() for v in vs}
    wanted = env.functions[key].layers
    out: list[Finding] = []
    seen: dict[str, str] = {}  # logical layer -> attached ARN
    for arn in config.layers:
        # the function's own declared layer of that name first (two keys may share a name)
        logical = next((k for k in wanted if k in env.layers and k not in seen
                        and env.layers[k].name == layer_name(arn)), by_name.get(layer_name(arn), ""))
        if logical not in wanted or logical in seen:
            why = f"a second version of {logical}" if logical in seen else f"not declared for {key}"
            out.append(Finding("layer_unmanaged", f"function:{key}:layers", why,
                               _describe(arn, versions, codes)))
            continue
        seen[logical] = arn
    for logical in wanted:
        pin = desired.pins.layers.get(logical)
        if pin is None:
            continue
        git = f"{logical} {pin.version} (sha256 {pin.sha256[:12]})"
        resource = f"function:{key}:layers:{logical}"
        arn = seen.get(logical, "")
        version = versions.get(arn) or LayerVersion(arn, 0, "")
        if not arn:
            out.append(Finding("layer_missing", resource, git, "not attached"))
        elif not holds_pin(version, pin, codes):
            kind = "layer_content" if version.pinned and version.pinned[1] == pin.sha256 \
                else "layer_version"
            out.append(Finding(kind, resource, git, _describe(arn, versions, codes)))
    order = [k for k in seen if k in wanted]
    if order != [k for k in wanted if k in seen]:
        out.append(Finding("layer_order", f"function:{key}:layers", ", ".join(wanted),
                           ", ".join(order)))
    return out


def env_findings(key: str, spec: FunctionSpec, config: FunctionConfig) -> list[Finding]:
    """Values as masking.py shows them: AWS's are masked (git does not hold them), git's when
    their name says secret; the masks still differ when the values do (so does the fingerprint)."""
    git, aws = dict(spec.environment), dict(config.environment)
    out = []
    for name in sorted(git.keys() | aws.keys()):
        resource = f"function:{key}:env:{name}"
        if name not in aws:
            out.append(Finding("env_removed", resource, f"{name}={git_value(name, git[name])}",
                               "absent"))
        elif name not in git:
            out.append(Finding("env_added", resource, "absent",
                               f"{name}={aws_value(name, aws[name], git)}"))
        elif git[name] != aws[name]:
            out.append(Finding("env_changed", resource, f"{name}={git_value(name, git[name])}",
                               f"{name}={aws_value(name, aws[name], git)}"))
    return out


def tag_findings(key: str, tags: Mapping[str, str], config: FunctionConfig) -> list[Finding]:
    out = []
    for name, value in sorted(tags.items()):
        have = config.tags.get(name)
        if have != value:
            kind = "tag_missing" if have is None else "tag_changed"
            out.append(Finding(kind, f"function:{key}:tag:{name}", f"{name}={value}",
                               "absent" if have is None else f"{name}={have}"))
    return out
