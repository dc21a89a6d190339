"""`promote`: copy pins from an environment to the next one by a minimal edit of pins.yaml,
validate the result, optionally commit it on a branch named after the pins (idempotently), and
write the pull request body. Any refusal leaves every file as it was."""

from __future__ import annotations

from dataclasses import dataclass

from vectora_gitops import gitrepo
from vectora_gitops.desired import digests
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.yamledit import apply_edits
from vectora_gitops.desired.yamlfile import parse_yaml
from vectora_gitops.errors import GitError, GuardError, InputError, Problem
from vectora_gitops.model import Pins, split_selector
from vectora_gitops.promotion import body as bodies
from vectora_gitops.promotion import diffs, integrity, pins, summary
from vectora_gitops.promotion.gates import GateResult
from vectora_gitops.promotion.run_gates import Chain, gate_results, load_chain, strict

TRAILER = "Promoted-by: vectora-gitops"


@dataclass(frozen=True)
class Request:
    source: str
    target: str
    only: tuple[str, ...] = ()
    commit: bool = False
    allow_downgrade: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Outcome:
    changes: tuple[pins.PinChange, ...]
    body: str
    branch: str | None = None
    commit: str | None = None
    reused: bool = False
    gates: tuple[GateResult, ...] = ()  # the target's gates, as the body shows them
    strict: bool = False  # unknown fails into the target
    path: str = ""  # the pins file edited


@dataclass(frozen=True)
class _Edit:
    path: str
    old_text: str
    new_text: str
    changes: tuple[pins.PinChange, ...]


def promote(repo: Repository, req: Request) -> Outcome:
    chain = load_chain(repo, req.source, req.target)
    pins.check_chain(chain.envs, req.source, req.target)
    if req.commit:
        _require_clean(repo)
    edit = _plan(repo, chain, req)
    if req.commit:
        reused = _reuse(repo, req, edit)
        if reused is not None:
            return reused
    _write_validated(repo, edit)
    branch = commit = None
    if req.commit:
        branch, commit = _commit(repo, req, edit)
    results = _gates(repo, chain, req, edit.changes)
    return Outcome(edit.changes, _body(repo, chain, req, edit.changes, results), branch, commit,
                   gates=results, strict=strict(chain, req.target), path=edit.path)


def _plan(repo: Repository, chain: Chain, req: Request) -> _Edit:
    path = chain.pins_path(req.target)
    text = (repo.root / path).read_text(encoding="utf-8")
    target_pins = chain.pins[req.target]
    if req.commit and not pins.changes(chain.pins[req.source], target_pins, req.only):
        text, target_pins = _base_of_own_branch(repo, req, path) or (text, target_pins)
    found = pins.changes(chain.pins[req.source], target_pins, req.only)
    if not found:
        what = ", ".join(req.only) or "any pin"
        raise GuardError(f"nothing to promote: {req.target} already has the {req.source} "
                         f"version of {what}")
    pins.check_prerelease(found, chain.envs[req.target], source=req.source, only=req.only)
    pins.check_downgrade(found, allow=req.allow_downgrade, reason=req.reason)
    new_text = apply_edits(text, [e for c in found for e in c.edits], display=path)
    return _Edit(path, text, new_text, found)


def _base_of_own_branch(repo: Repository, req: Request, path: str) -> tuple[str, Pins] | None:
    """On a branch this command made: the target pins before its commit (to rerun idempotently)."""
    branch = gitrepo.current_branch(repo.root) or ""
    if not branch.startswith(f"promote/{req.target}/") or \
            TRAILER not in gitrepo.commit_message(repo.root):
        return None
    raw = gitrepo.show(repo.root, "HEAD^", path)
    if raw is None:
        return None
    text = raw.decode("utf-8")
    return text, Pins.from_json(parse_yaml(text, display=f"HEAD^:{path}").data)


def _require_clean(repo: Repository) -> None:
    dirty = gitrepo.tracked_changes(repo.root)
    if dirty:
        raise GitError(f"--commit needs a clean working tree; {len(dirty)} changed file(s) "
                       f"(first: {dirty[0]}); commit or stash them first")


def _reuse(repo: Repository, req: Request, edit: _Edit) -> Outcome | None:
    branch = pins.branch_name(req.target, edit.changes)
    if not gitrepo.branch_exists(repo.root, branch):
        return None
    existing = gitrepo.show(repo.root, branch, edit.path)
    if existing is None or existing.decode("utf-8") != edit.new_text:
        raise GitError(f"branch {branch} exists with other content in {edit.path}; delete it "
                       f"(`git branch -D {branch}`) or finish that promotion first")
    if gitrepo.current_branch(repo.root) != branch:
        gitrepo.checkout(repo.root, branch)
    chain = load_chain(repo)
    head = gitrepo.git(repo.root, "rev-parse", branch).decode().strip()
    results = _gates(repo, chain, req, edit.changes)
    return Outcome(edit.changes, _body(repo, chain, req, edit.changes, results), branch, head,
                   reused=True, gates=results, strict=strict(chain, req.target), path=edit.path)


def _write_validated(repo: Repository, edit: _Edit) -> None:
    if edit.new_text == (repo.root / edit.path).read_text(encoding="utf-8"):
        return
    before = integrity.errors(repo)
    target = repo.root / edit.path
    target.write_text(edit.new_text, encoding="utf-8")
    found = integrity.new_errors(before, repo)
    if found:
        target.write_text(edit.old_text, encoding="utf-8")
        raise InputError("promotion would break the target",
                         tuple(Problem(edit.path, f"after the copy: {p}") for p in found))


def _commit(repo: Repository, req: Request, edit: _Edit) -> tuple[str, str]:
    branch = pins.branch_name(req.target, edit.changes)
    previous = gitrepo.current_branch(repo.root)
    message = pins.commit_message(req.source, req.target, edit.changes, req.reason)
    try:
        gitrepo.checkout(repo.root, branch, create=True)
        return branch, gitrepo.commit_paths(repo.root, [edit.path], message)
    except GitError:
        (repo.root / edit.path).write_text(edit.old_text, encoding="utf-8")
        if previous and gitrepo.current_branch(repo.root) == branch:
            gitrepo.checkout(repo.root, previous)
            gitrepo.delete_branch(repo.root, branch)
        raise


def _gates(repo: Repository, chain: Chain, req: Request,
           found: tuple[pins.PinChange, ...]) -> tuple[GateResult, ...]:
    return gate_results(chain, req.source, req.target, found, (),
                        digests.pin_digests(repo, chain.pins[req.source]))


def _body(repo: Repository, chain: Chain, req: Request, found: tuple[pins.PinChange, ...],
          results: tuple[GateResult, ...]) -> str:
    configs = {c.name: summary.config_changes(_client(repo, c.name, c.old), _client(repo, c.name, c.new))
               for c in found if split_selector(c.selector)[0] == "clients"}
    bundle = next((summary.files_diff(repo.bundle_dir(c.old or ""), repo.bundle_dir(c.new))
                   for c in found if c.selector == "canonical"), None)
    return bodies.render(bodies.Body(req.source, req.target, found, configs, bundle, results,
                                     strict(chain, req.target), req.reason or "",
                                     diffs.for_changes(repo, chain, req.source, req.target, found)))


def _client(repo: Repository, cid: str, version: str | None) -> object:
    if version is None or not repo.client_path(cid, version).is_file():
        return {}
    return repo.load(repo.client_path(cid, version)).data
