"""`release layer <name> <version> [--zip FILE]`: give a layer pinned at a prerelease (such as
the `0.0.0-adopted.<n>` import writes) a real version, so it can be promoted like any other.

The content does not change: the sha256 stays, so the published layer version that holds it
stays in use (apply publishes nothing). The zip is the one the pin names when it holds that
content, else found by content among the code bucket's `layers/*.zip`, else the `--zip FILE` the
user gives (its sha256 must be the pin's), uploaded to `layers/<name>-<version>.zip`. Every
environment pinning the layer at that prerelease is re-pinned; files are validated as a whole and
left as they were on any refusal (docs/architecture.md §8).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from vectora_gitops.aws import lambda_, s3
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired import versions
from vectora_gitops.desired.chain import PromotionChain
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.yamledit import ScalarEdit, apply_edits
from vectora_gitops.engine import guards
from vectora_gitops.engine.layers import code_hex
from vectora_gitops.errors import FatalError, GuardError, UsageError
from vectora_gitops.model import SELECTOR, Environment, LayerPin, selector_of
from vectora_gitops.promotion.changeset import ChangeSet
from vectora_gitops.promotion.gating import Chain, load_chain

MAX_ZIP = 250 * 1024 * 1024  # Lambda's limit for an unzipped layer bounds any real zip


@dataclass(frozen=True)
class LayerReleased:
    name: str
    prerelease: str
    version: str
    sha256: str
    artifact: str
    uploaded: bool
    repinned: tuple[str, ...]


def release_layer(repo: Repository, name: str, version: str,
                  zip_file: Path | None = None) -> LayerReleased:
    if not SELECTOR.match(selector_of("layers", name)):
        raise UsageError(f"'{name}' is not a logical layer name (a key of layers in pins.yaml)")
    chain = load_chain(repo)
    envs, pin = _prerelease_pins(chain, name)
    _check_version(chain, name, version, pin)
    source = chain.envs[envs[0]]
    aws = Aws(source.region)
    guards.check_account(aws, source)
    data = _read_zip(zip_file, pin) if zip_file else None
    artifact, upload = _artifact(aws, source, name, version, pin, data)
    changes = ChangeSet(repo)
    for env in envs:
        path = chain.pins_path(env)
        text = (repo.root / path).read_text(encoding="utf-8")
        edits = [ScalarEdit(("layers", name, "version"), version),
                 ScalarEdit(("layers", name, "artifact"), artifact)]
        changes.write(path, apply_edits(text, edits, display=path))
    changes.commit_or_undo(f"release layer {name} {version}")
    if upload is not None:
        try:
            key = artifact.split("/", 3)[3]
            s3.put_bytes(aws, source.buckets.lambda_code, key, upload,
                         content_type="application/zip", metadata={"sha256": pin.sha256})
        except FatalError:
            changes.undo()
            raise
    return LayerReleased(name, pin.version, version, pin.sha256, artifact, upload is not None,
                         tuple(envs))


def _prerelease_pins(chain: Chain, name: str) -> tuple[list[str], LayerPin]:
    """The environments pinning `name` at a prerelease (chain order) and that pin."""
    pinned = {env: p.layers[name] for env, p in chain.pins.items() if name in p.layers}
    if not pinned:
        known = sorted({k for p in chain.pins.values() for k in p.layers})
        raise UsageError(f"layer {name}: pinned nowhere (layers: {', '.join(known) or 'none'})")
    pre = [env for env in PromotionChain.of(chain.envs).order() if env in pinned
           and versions.is_prerelease(pinned[env].version)]
    if not pre:
        where = ", ".join(f"{e} {p.version}" for e, p in sorted(pinned.items()))
        raise GuardError(f"layer {name}: no prerelease pin to release ({where}); a released "
                         "layer is promoted as it is")
    first = pinned[pre[0]]
    envs = [e for e in pre if pinned[e].version == first.version]
    if any(pinned[e].sha256 != first.sha256 for e in envs):
        raise GuardError(f"layer {name} {first.version}: the environments pin different contents "
                         f"({', '.join(envs)}); make them agree first")
    return envs, first


def _check_version(chain: Chain, name: str, version: str, pin: LayerPin) -> None:
    bad = versions.problem(version)
    if bad or versions.is_prerelease(version):
        raise UsageError(f"layer {name}: {bad or f'{version} is a prerelease; give a release'}")
    for env, pins in sorted(chain.pins.items()):
        other = pins.layers.get(name)
        if other and other.version == version and other.sha256 != pin.sha256:
            raise GuardError(f"layer {name} {version} already exists in {env} with another content "
                             f"(sha256 {other.sha256[:12]}); releases are immutable, pick another")


def _read_zip(path: Path, pin: LayerPin) -> bytes:
    try:
        if path.stat().st_size > MAX_ZIP:
            raise UsageError(f"--zip {path}: larger than a layer can be")
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--zip {path}: cannot be read ({exc.strerror})") from None
    found = hashlib.sha256(data).hexdigest()
    if found != pin.sha256:
        raise GuardError(f"--zip {path}: sha256 {found} is not the pinned content {pin.sha256}; "
                         "this is not the zip of the published layer")
    return data


def _artifact(aws: Aws, env: Environment, name: str, version: str, pin: LayerPin,
              data: bytes | None) -> tuple[str, bytes | None]:
    """(artifact URI, bytes to upload there or None)."""
    bucket = env.buckets.lambda_code
    zips = s3.ZipFinder(aws, bucket)
    if data is not None:
        key = f"layers/{name}-{version}.zip"
        if s3.head(aws, bucket, key) is None:
            return f"s3://{bucket}/{key}", data
        if zips.holds(key, pin.sha256):
            return f"s3://{bucket}/{key}", None
        raise GuardError(f"s3://{bucket}/{key} exists with other content; pick another version")
    if pin.artifact_bucket == bucket and zips.holds(pin.artifact_key, pin.sha256):
        return pin.artifact, None
    found = zips.find(pin.sha256, _code_size(aws, env, name, pin))
    if found:
        return f"s3://{bucket}/{found}", None
    raise GuardError(f"layer {name}: no zip with sha256 {pin.sha256} in s3://{bucket}/layers/; "
                     f"give it with --zip FILE (it is uploaded to layers/{name}-{version}.zip)")


def _code_size(aws: Aws, env: Environment, name: str, pin: LayerPin) -> int:
    """Size of the zip, from the published version holding the content (0: unknown)."""
    spec = env.layers.get(name)
    if spec is None:
        return 0
    for layer in reversed(lambda_.list_layer_versions(aws, spec.name)):
        code, size = lambda_.layer_content(aws, layer.arn)
        if code_hex(code) == pin.sha256:
            return size
    return 0
