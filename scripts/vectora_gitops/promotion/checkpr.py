"""`gates --check-pr`: a pull request may only pin, in a protected environment (one with
promotion.from), versions that the previous environment ran successfully for its soak time.
Stops hand edits of prod's pins.yaml that skip stage."""

from __future__ import annotations

from vectora_gitops import gitrepo
from vectora_gitops.aws.client import Aws
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.yamlfile import parse_yaml
from vectora_gitops.errors import AwsError, FatalError, Problem
from vectora_gitops.model import Pins
from vectora_gitops.promotion import clock, evidence
from vectora_gitops.promotion.gates import soak_line
from vectora_gitops.promotion.gating import Chain, load_chain


def check(repo: Repository, base: str) -> tuple[list[Problem], list[str]]:
    """(problems, lines about pins that passed) for every protected environment changed."""
    commit = gitrepo.resolve(repo.root, base)
    chain = load_chain(repo)
    changed = set(gitrepo.changed_files(repo.root, commit, "environments"))
    problems: list[Problem] = []
    passed: list[str] = []
    for env in chain.promotion.order():
        path = chain.pins_path(env)
        if chain.promotion.source(env) is None or path not in changed:
            continue
        new = _new_pins(repo, chain, env, commit)
        if new:
            _check_env(repo, chain, env, new, problems, passed)
    if not problems:
        passed.append(f"check-pr: ok against {base}")
    return problems, passed


def _new_pins(repo: Repository, chain: Chain, env: str, commit: str) -> dict[str, str]:
    raw = gitrepo.show(repo.root, commit, chain.pins_path(env))
    before: dict[str, str] = {}
    if raw is not None:
        try:
            before = Pins.from_json(parse_yaml(raw.decode("utf-8"), display="base").data).identities()
        except (FatalError, KeyError, TypeError, UnicodeDecodeError):
            before = {}
    now = chain.pins[env].identities()
    return {s: i for s, i in now.items() if before.get(s) != i}


def _check_env(repo: Repository, chain: Chain, env: str, new: dict[str, str],
               problems: list[Problem], passed: list[str]) -> None:
    source = chain.promotion.source(env) or ""
    path = chain.pins_path(env)
    try:
        history = evidence.read_deployments(Aws(chain.envs[source].region), chain.envs[source])
    except AwsError as exc:
        problems.append(Problem(path, f"cannot read the deployment records of {source}: {exc}"))
        return
    doc = repo.load(repo.root / path)
    need = chain.envs[env].promotion.gates.soak_days
    for selector, identity in sorted(new.items()):
        ok, text = soak_line(selector, identity, history, clock.now(), source, need,
                             current_only=False)
        if ok:
            passed.append(f"{path}: {text}")
        else:
            problems.append(Problem(path, f"{text}; promote it through {source} first",
                                    doc.line_of(chain.pins[env].scalars(selector)[0][0])))
