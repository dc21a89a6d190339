"""`validate`: every problem of the repository, not only the first.

Runs the schema checks, name agreement, pin resolution, referential integrity per environment,
environment rules (prerelease, resource names, promotion chain) and, given a base commit, the
immutability of released versions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from vectora_gitops.desired import codeowners, moves, schemas, stacks, versions
from vectora_gitops.desired.canonical import BundleIndex, index_bundle
from vectora_gitops.desired.chain import PromotionChain
from vectora_gitops.desired.references import (
    CLIENT_REFERENCES,
    alternatives,
    index_lookup,
    kinds_label,
    suggestion,
    walk,
)
from vectora_gitops.desired.repo import CLIENT_ID, ENV_NAME, Repository, read_env
from vectora_gitops.desired.waivers import waive_all
from vectora_gitops.desired.yamlfile import YamlDoc
from vectora_gitops.errors import FatalError, Problem, cut, did_you_mean
from vectora_gitops.model import Environment, Pins, selector_of

LEGACY_ID = re.compile(r"^(?P<id>[a-z][a-z0-9_]*?)_v(?P<n>\d+)$")

# Reads a file as it was at the base commit: repo-relative path -> bytes, or None if absent.
BaseReader = Callable[[str], bytes | None]
# Of the paths given (clients/<id>/<v>.yaml files, canonical/<v> folders), those the base's git
# history deleted: path -> "in <commit> (<date>)"; FatalError when the history cannot tell.
DeletedReader = Callable[[list[str]], Mapping[str, str]]


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    bundles: dict[str, BundleIndex] = field(default_factory=dict)  # indexed while validating
    # (client file, bundle) -> the environments pinning them together (references checked once)
    pinned_in: dict[tuple[str, str], tuple[YamlDoc, BundleIndex, list[str]]] = field(
        default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass(frozen=True)
class EnvFiles:
    env: Environment
    pins: Pins
    path: str  # pins.yaml, repository-relative


def validate(repo: Repository, *, base: BaseReader | None = None,
             base_paths: Callable[[], list[str]] | None = None,
             base_deleted: DeletedReader | None = None,
             head: BaseReader | None = None,
             head_paths: Callable[[], list[str]] | None = None) -> Report:
    """Every problem of the repository. `base`: the base commit of a pull request (released
    versions unchanged since it, none deleted before it, one move step); `head`: HEAD, against
    which released versions must hold no uncommitted edit (plain validate, plan, apply)."""
    report = Report()
    envs = _environments(repo, report)
    legacy = {(cid, v) for f in envs.values() for cid, v in f.pins.legacy_clients.items()}
    clients = _clients(repo, report, legacy)
    bundles = {v: _bundle(repo, v, report) for v in repo.bundle_versions()}
    report.bundles = {v: b for v, b in bundles.items() if b is not None}
    known = {(m.source, m.id) for f in envs.values() for m in f.env.client_moves}
    for name, files in envs.items():
        _check_env(name, files, envs, clients, bundles, report)
        report.problems.extend(stacks.problems(repo, files.env, files.pins))
        report.problems.extend(moves.pair_problems(files.env, files.pins, known))
    depth = {name: _depth(name, envs) for name in envs}
    for _doc, _bundle_index, pinned in report.pinned_in.values():
        pinned.sort(key=lambda env: (depth[env], env))
    report.problems.extend(_once(report.pinned_in))
    _check_chain(envs, report)
    report.problems.extend(codeowners.check(repo.root))
    if base is not None and base_paths is not None:
        paths = base_paths()
        _check_immutable(repo, base, paths, envs, report)
        if base_deleted is not None:
            report.problems.extend(released_again(repo, paths, base_deleted))
    if base is not None:
        _check_moves_since(base, envs, report)
    if head is not None and head_paths is not None:
        flagged = {p.where for p in report.problems if p.severity == "error"}
        edits = Report()
        _check_immutable(repo, head, head_paths(), envs, edits, uncommitted=True)
        report.problems.extend(p for p in edits.problems if p.where not in flagged)
    report.problems = list(dict.fromkeys(report.problems))  # e.g. one "cannot check" line
    report.problems = waive_all(report.problems, {n: (f.env, f.pins) for n, f in envs.items()})
    return report


def _environments(repo: Repository, report: Report) -> dict[str, EnvFiles]:
    envs: dict[str, EnvFiles] = {}
    for name in repo.env_names():
        if not ENV_NAME.match(name):
            report.problems.append(Problem(f"environments/{name}", "environment folder names are "
                                           "lowercase letters and digits; rename it"))
            continue
        try:
            problems, env, pins = read_env(repo, name)
        except FatalError as exc:
            report.problems.extend(exc.problems or (Problem(f"environments/{name}", str(exc)),))
            continue
        report.problems.extend(problems)
        if env is not None and pins is not None and not problems:
            envs[name] = EnvFiles(env, pins, f"environments/{name}/pins.yaml")
    if not envs and not report.problems:
        report.problems.append(Problem("environments", "no environment found; add "
                                       "environments/<name>/environment.yaml and pins.yaml"))
    return envs


def _clients(repo: Repository, report: Report, legacy_pins: Collection[tuple[str, str]] = ()
             ) -> dict[str, dict[str, YamlDoc | None]]:
    """Every client file: its document, or None when it is invalid (problems reported).
    `legacy_pins`: (id, version) pinned under legacy_clients, adopted as they are."""
    clients: dict[str, dict[str, YamlDoc | None]] = {}
    adopted = {cid for cid, _ in legacy_pins}
    for cid in repo.client_ids():
        legacy = LEGACY_ID.match(cid)
        if legacy and cid not in adopted:
            report.problems.append(Problem(f"clients/{cid}", f"legacy client id; the id is stable: "
                                           f"run `vectora-gitops migrate-client` to make it "
                                           f"'{legacy['id']}' version {legacy['n']}.0.0",
                                           severity="warning"))
        if not CLIENT_ID.match(cid):
            report.problems.append(Problem(f"clients/{cid}", "client ids are lowercase letters, "
                                           "digits and _; rename the folder"))
            continue
        for version in repo.client_versions(cid):
            clients.setdefault(cid, {})[version] = _client_doc(
                repo, cid, version, report, legacy=(cid, version) in legacy_pins)
    return clients


def _client_doc(repo: Repository, cid: str, version: str, report: Report, *,
                legacy: bool = False) -> YamlDoc | None:
    """The loaded client file (references are checked even when its schema is not met), or None
    when it cannot be read at all. A legacy config (pinned under legacy_clients) is synced as it
    is: the id and version written inside it are only compared, as warnings."""
    path = repo.client_path(cid, version)
    rel = repo.rel(path)
    bad = versions.problem(version)
    if bad:
        report.problems.append(Problem(rel, f"file name: {bad}; name the file <version>.yaml"))
        return None
    try:
        doc = repo.load(path)
    except FatalError as exc:
        report.problems.extend(exc.problems or (Problem(rel, str(exc)),))
        return None
    report.problems.extend(client_schema(doc, cid, version, legacy=legacy))
    profile = doc.data.get("client_profile") if isinstance(doc.data, dict) else None
    if not isinstance(profile, dict):
        return doc
    client_id, written = profile.get("client_id"), profile.get("version")
    severity = "warning" if legacy else "error"
    if isinstance(client_id, str) and client_id != cid:
        report.problems.append(Problem(rel, f"client_profile.client_id: '{cut(client_id)}' "
                                       f"must equal the folder name '{cid}'",
                                       doc.line_of(("client_profile", "client_id")), severity))
    if isinstance(written, str) and written != version:
        report.problems.append(Problem(rel, f"client_profile.version: '{cut(written)}' must "
                                       f"equal the file name '{version}'",
                                       doc.line_of(("client_profile", "version")), severity))
    return doc


def client_schema(doc: YamlDoc, cid: str, version: str, *, legacy: bool = False
                  ) -> list[Problem]:
    """Schema problems of a client file. A legacy config (`<id>_v<N>`, from before versioned
    configs) may lack client_profile.version: a warning, `migrate-client` adds it. One pinned
    under legacy_clients (adopted as it is, any id) is checked as if it had the pinned version."""
    profile = doc.data.get("client_profile") if isinstance(doc.data, dict) else None
    if not ((legacy or LEGACY_ID.match(cid)) and isinstance(profile, dict)
            and "version" not in profile):
        return schemas.check(doc, "client")
    as_migrated = {**doc.data, "client_profile": {**profile, "version": version}}
    note = [] if legacy else [
        Problem(doc.path, f"client_profile: no version (legacy config); `vectora-gitops "
                f"migrate-client` adds version {version}", doc.line_of(("client_profile",)),
                severity="warning")]
    return [*note, *schemas.check(dataclasses.replace(doc, data=as_migrated), "client")]


def _bundle(repo: Repository, version: str, report: Report) -> BundleIndex | None:
    bad = versions.problem(version)
    if bad:
        report.problems.append(Problem(f"canonical/{version}", f"folder name: {bad}"))
        return None
    index = index_bundle(repo, version)
    report.problems.extend(index.problems)
    return index


def _check_env(name: str, files: EnvFiles, envs: Mapping[str, EnvFiles],
               clients: Mapping[str, Mapping[str, YamlDoc | None]],
               bundles: Mapping[str, BundleIndex | None], report: Report) -> None:
    env, pins, where = files.env, files.pins, files.path
    report.problems.extend(_names_belong(env, envs))
    report.problems.extend(environment_tag_problems(env))
    for selector, version in pins.items():
        if versions.is_prerelease(version) and not env.promotion.allow_prerelease:
            report.problems.append(Problem(where, f"{selector}: prerelease {version} cannot be "
                                           f"pinned in {name}; release it first "
                                           "(`vectora-gitops release`)"))
    if pins.canonical not in bundles:
        report.problems.append(Problem(where, f"canonical: bundle {pins.canonical} does not exist "
                                       f"(no canonical/{pins.canonical}/)"
                                       f"{did_you_mean(pins.canonical, bundles)}"))
    for key, spec in env.functions.items():
        for layer in spec.layers:
            if layer not in env.layers:
                report.problems.append(Problem(f"environments/{name}/environment.yaml",
                                               f"functions.{key}.layers: '{layer}' is not a layer "
                                               "declared under layers"))
    for layer in env.layers:
        if layer not in pins.layers:
            report.problems.append(Problem(where, f"layers.{layer}: no pin for the layer declared "
                                           "in environment.yaml"))
    for layer, pin in pins.layers.items():
        if layer not in env.layers:
            report.problems.append(Problem(where, f"layers.{layer}: pinned but not declared in "
                                           "environment.yaml"))
        if not pin.artifact.endswith(f"/{pin.artifact_key.rsplit('/', 1)[-1]}") or not \
                re.fullmatch(r"vectora-inbox-lambda-code-[a-z0-9]+", pin.artifact_bucket):
            report.problems.append(Problem(where, f"layers.{layer}.artifact: {pin.artifact} is not "
                                           "in a vectora-inbox-lambda-code-<env> bucket"))
        elif pin.artifact_bucket.removeprefix("vectora-inbox-lambda-code-") not in envs:
            report.problems.append(Problem(where, f"layers.{layer}.artifact: bucket "
                                           f"{pin.artifact_bucket} belongs to no environment"))
    bundle = bundles.get(pins.canonical)
    for cid, version in sorted(pins.legacy_clients.items()):
        if cid in pins.clients:
            report.problems.append(Problem(where, f"legacy_clients.{cid}: also pinned under "
                                           f"clients; both would write clients/{cid}.yaml"))
        if versions.is_prerelease(version) and not env.promotion.allow_prerelease:
            report.problems.append(Problem(where, f"legacy_clients.{cid}: prerelease {version} "
                                           f"cannot be pinned in {name}"))
    for section, cid, version in [*(("clients", c, v) for c, v in sorted(pins.clients.items())),
                                  *(("legacy_clients", c, v)
                                    for c, v in sorted(pins.legacy_clients.items()))]:
        if version not in clients.get(cid, {}):
            report.problems.append(Problem(where, f"{section}.{cid}: clients/{cid}/{version}.yaml "
                                           f"does not exist{missing_hint(cid, version, clients)}"))
            continue
        doc = clients[cid][version]  # None: unreadable, its problems are reported already
        if doc is not None and bundle is not None:
            pair = report.pinned_in.setdefault((doc.path, bundle.version), (doc, bundle, []))
            pair[2].append(name)
    report.problems.extend(moves.problems(env, pins, lambda cid: _active(clients, pins, cid)))


def environment_tag_problems(env: Environment) -> list[Problem]:
    """Cost per environment (docs/architecture.md §11): every resource carries the `Environment`
    tag of its environment. The environment's tags (which the functions, the alarms, the topic
    and the budget's filter use) must name it; a function's own recorded tags (adopted,
    docs/architecture.md §8) without it are a warning, as the budget will not count it."""
    where = f"environments/{env.name}/environment.yaml"
    out = []
    if env.tags.get("Environment") != env.name:
        out.append(Problem(where, f"tags.Environment: '{env.tags.get('Environment', '')}' must be "
                           f"'{env.name}': every resource carries its environment's name (the "
                           "budget filters on it)"))
    for key, spec in sorted(env.functions.items()):
        if spec.tags is not None and spec.tags.get("Environment") != env.name:
            out.append(Problem(where, f"functions.{key}.tags: no Environment: {env.name}; the "
                               f"budget of {env.name} does not count {spec.name}: add the tag",
                               severity="warning"))
    return out


def missing_hint(cid: str, version: str, versions_of: Mapping[str, Collection[str]]) -> str:
    """Which existing version (or client id) a pin naming no file probably meant."""
    if cid in versions_of:
        return did_you_mean(version, versions_of[cid])
    found = did_you_mean(cid, versions_of)
    return found.replace("; did you mean", "; no such client: did you mean") if found else ""


def _active(clients: Mapping[str, Mapping[str, YamlDoc | None]], pins: Pins, cid: str) -> object:
    """`client_profile.active` of the file `pins` pins for `cid` (None when unreadable)."""
    doc = clients.get(cid, {}).get(pins.clients.get(cid, ""))
    profile = doc.data.get("client_profile") if doc and isinstance(doc.data, dict) else None
    return profile.get("active") if isinstance(profile, dict) else None


def _check_moves_since(base: BaseReader, envs: Mapping[str, EnvFiles], report: Report) -> None:
    """Client moves take one step per pull request (docs/architecture.md §8)."""
    for name, files in envs.items():
        raw = base(f"environments/{name}/environment.yaml")
        text = raw.decode("utf-8", errors="replace") if raw is not None else None
        report.problems.extend(moves.transition_problems(files.env, moves.base_steps(text),
                                                         "the base"))


def _depth(name: str, envs: Mapping[str, EnvFiles]) -> int:
    """Place of an environment in the promotion chain (dev 0, stage 1, prod 2); bounded."""
    hops, current = 0, envs[name].env.promotion.source
    while current is not None and current in envs and hops < len(envs):
        hops, current = hops + 1, envs[current].env.promotion.source
    return hops


def _once(pinned_in: Mapping[tuple[str, str], tuple[YamlDoc, BundleIndex, list[str]]]
          ) -> list[Problem]:
    """Each reference problem once, naming the environments that pin the file with the bundle
    (so a file pinned in one more environment still reads as a new problem)."""
    problems = [p for doc, bundle, envs in pinned_in.values()
                for p in client_references(doc, bundle, envs)]
    return list(dict.fromkeys(problems))


def client_references(doc: YamlDoc, bundle: BundleIndex,
                      envs: Sequence[str] = ()) -> list[Problem]:
    """Dangling names of one client config against one bundle (pinned together in `envs`); a
    kind the bundle cannot check (a defining file did not load) gives one message instead of one
    per name."""
    pinned = f" (pinned in {', '.join(envs)})" if envs else ""
    problems = []
    for ref in CLIENT_REFERENCES:
        for found in walk(doc.data, ref.path, ref.kind):
            skipped = [bundle.unchecked[k] for k in alternatives(found.kind)
                       if k in bundle.unchecked]
            if skipped:
                problems.append(Problem(f"canonical/{bundle.version}", skipped[0],
                                        severity="warning"))
            elif not index_lookup(bundle.names, found.kind, found.name):
                key = ".".join(map(str, found.key))
                note = f"; {ref.note}" if ref.note else ""
                hint = suggestion(bundle.names, found.kind, found.name)
                problems.append(Problem(doc.path, f"{key}: {kinds_label(found.kind)} "
                                        f"'{cut(found.name)}' is not in canonical "
                                        f"{bundle.version}{pinned}{note}{hint}",
                                        doc.line_of(found.key),
                                        ref.severity, rule="reference"))
    return list(dict.fromkeys(problems))


def _names_belong(env: Environment, others: Collection[str] = ()) -> list[Problem]:
    """Every name ends with `-<env>`, or is an exception recorded with its reason (names import
    read from AWS); an exception never takes a name of another environment."""
    where = f"environments/{env.name}/environment.yaml"
    suffix = f"-{env.name}"
    roles = env.roles or (env.role,)
    named = [(f"buckets.{k}", v) for k, v in vars(env.buckets).items()]
    named += [("role", r) if len(roles) == 1 else (f"role.{i}", r) for i, r in enumerate(roles)]
    named += [(f"stacks.{i}", s) for i, s in enumerate(env.stacks)]
    named += [(f"layers.{k}.name", v.name) for k, v in env.layers.items()]
    named += [(f"functions.{k}.name", v.name) for k, v in env.functions.items()]
    excepted = {e.name for e in env.name_exceptions}
    foreign = tuple(f"-{o}" for o in others if o != env.name)
    problems = [Problem(where, f"{key}: '{value}' does not belong to environment {env.name} "
                        f"(names end with '{suffix}'; a name recorded from AWS is listed under "
                        "name_exceptions with its reason)")
                for key, value in named if not value.endswith(suffix)
                and (value not in excepted or (foreign and value.endswith(foreign)))]
    used = {value for _key, value in named}
    problems += [Problem(where, f"name_exceptions.{i}: '{e.name}' is not a name of this "
                         "environment; remove the exception", severity="warning")
                 for i, e in enumerate(env.name_exceptions) if e.name not in used]
    return problems


def _check_chain(envs: Mapping[str, EnvFiles], report: Report) -> None:
    chain = PromotionChain.of({name: files.env for name, files in envs.items()})
    report.problems += [Problem(f"environments/{p.env}/environment.yaml", p.message)
                        for p in chain.problems()]


def _check_immutable(repo: Repository, base: BaseReader, base_files: list[str],
                     envs: Mapping[str, EnvFiles], report: Report, *,
                     uncommitted: bool = False) -> None:
    """Released versions of `base_files` (clients, canonical bundles, templates) as the tree read by `base`
    has them: not deleted while pinned, not changed, no file added. `uncommitted`: that tree is
    HEAD, so a difference is an edit in the working tree."""
    pinned = {(sel, v) for f in envs.values() for sel, v in f.pins.items()}
    for rel in base_files:
        parts = rel.split("/")
        if parts[0] == "clients" and len(parts) == 3 and parts[2].endswith(".yaml"):
            version, pinned_as = parts[2][:-5], selector_of("clients", parts[1])
        elif parts[0] == "canonical" and len(parts) >= 3:
            version, pinned_as = parts[1], selector_of("canonical")
        elif parts[0] == "templates" and len(parts) == 3 and parts[2].endswith(".yaml"):
            version, pinned_as = parts[2][:-5], selector_of("templates", parts[1])
        else:
            continue
        if versions.parse(version) is None or versions.is_prerelease(version):
            continue
        path = repo.root / rel
        if not path.exists():
            if (pinned_as, version) in pinned:
                report.problems.append(Problem(rel, f"released {pinned_as} {version} is deleted "
                                               "while an environment pins it; restore the file"))
            continue
        if path.is_file() and path.read_bytes() != base(rel):
            template = parts[0] == "templates"
            report.problems.append(Problem(rel, _edited(version, rel, template=template,
                                                        uncommitted=uncommitted)))
    _check_new_files_in_released_bundles(repo, base_files, report, uncommitted=uncommitted)
    _check_layer_pins(base, envs, report, uncommitted=uncommitted)


def _edited(version: str, rel: str, *, template: bool, uncommitted: bool) -> str:
    if uncommitted:
        how = "copy it to a new version file and pin that" if template \
            else "make a new version with `vectora-gitops new-version`"
        return (f"released version {version} is immutable and this file differs from HEAD (an "
                f"uncommitted edit); revert it (`git checkout -- {rel}`) and {how}")
    how = "copy it to a new version file and pin that" if template \
        else "make a new version (`vectora-gitops new-version`)"
    return f"released version {version} is immutable; revert the change and {how}"


def _released_layers(base: BaseReader, names: Collection[str]) -> dict[tuple[str, str], str]:
    """(layer, released version) -> sha256, as the pins files read by `base` have them."""
    found: dict[tuple[str, str], str] = {}
    for name in sorted(names):
        raw = base(f"environments/{name}/pins.yaml")
        try:
            data: Any = yaml.safe_load(raw) if raw else None
        except yaml.YAMLError:
            continue
        layers = data.get("layers") if isinstance(data, dict) else None
        for layer, pin in (layers or {}).items() if isinstance(layers, dict) else ():
            if isinstance(pin, dict) and _released(str(pin.get("version"))) and \
                    isinstance(pin.get("sha256"), str):
                found.setdefault((str(layer), str(pin["version"])), pin["sha256"])
    return found


def _check_layer_pins(base: BaseReader, envs: Mapping[str, EnvFiles], report: Report, *,
                      uncommitted: bool) -> None:
    """A released layer version keeps its content: the sha256 the read tree pins for it."""
    known = _released_layers(base, envs)
    where = "HEAD (an uncommitted edit)" if uncommitted else "the base"
    for _name, files in sorted(envs.items()):
        for layer, pin in sorted(files.pins.layers.items()):
            sha = known.get((layer, pin.version))
            if sha is not None and sha != pin.sha256:
                report.problems.append(Problem(
                    files.path, f"layers.{layer}: released version {pin.version} is immutable: "
                    f"{where} pins sha256 {sha[:12]}, not {pin.sha256[:12]}; revert it and pin a "
                    "new version of the layer for new content"))


def released_again(repo: Repository, base_files: list[str],
                   deleted: DeletedReader) -> list[Problem]:
    """A released version absent at the base that the base's history deleted: it never comes
    back, whatever its content (docs/evidence.md); a fix is a new version."""
    known = set(base_files)
    bundles = {f.split("/")[1] for f in base_files if f.startswith("canonical/") and f.count("/") >= 2}
    candidates = {f"clients/{cid}/{v}.yaml": (selector_of("clients", cid), v)
                  for cid in repo.client_ids() for v in repo.client_versions(cid)
                  if _released(v) and f"clients/{cid}/{v}.yaml" not in known}
    candidates.update({f"canonical/{v}": ("canonical", v) for v in repo.bundle_versions()
                       if _released(v) and v not in bundles})
    folder = repo.root / "templates"
    keys = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    candidates.update({stacks.template_path(k, v): (selector_of("templates", k), v)
                       for k in keys for v in stacks.template_versions(repo, k)
                       if _released(v) and stacks.template_path(k, v) not in known})
    if not candidates:
        return []
    try:
        found = deleted(sorted(candidates))
    except FatalError as exc:
        first = sorted(candidates)[0]
        return [Problem(first, f"cannot check whether released versions were deleted before: {exc}")]
    return [Problem(path, f"released {candidates[path][0]} {candidates[path][1]} was deleted "
                    f"{when}; a deleted release never comes back, whatever its content: make a "
                    f"new version ({_new_version_hint(path)})")
            for path, when in sorted(found.items())]


def _new_version_hint(path: str) -> str:
    if path.startswith("templates/"):
        return f"copy the template to a new version file in {path.rsplit('/', 1)[0]}/ and pin that"
    return "`vectora-gitops new-version`"


def _released(version: str) -> bool:
    return versions.parse(version) is not None and not versions.is_prerelease(version)


def _check_new_files_in_released_bundles(repo: Repository, base_files: list[str],
                                         report: Report, *, uncommitted: bool = False) -> None:
    released = {f.split("/")[1] for f in base_files
                if f.startswith("canonical/") and f.count("/") >= 2}
    known = set(base_files)
    for version in sorted(released):
        if versions.parse(version) is None or versions.is_prerelease(version):
            continue
        folder = repo.bundle_dir(version)
        if not folder.is_dir():
            continue
        from vectora_gitops.desired.canonical import list_files

        for rel in list_files(folder):
            full = f"canonical/{version}/{rel}"
            if full not in known:
                why = "this file is not in HEAD (uncommitted); remove it and make a new " \
                    "version with `vectora-gitops new-version`" if uncommitted else \
                    "this file is new; make a new version"
                report.problems.append(Problem(full, f"released bundle {version} is immutable: "
                                               f"{why}"))
