"""The promotion chain, the one home of `promotion.from` (desired/chain.py): order, source and
targets, start and end, problems. Pure, table-driven; the repository's own chain at the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from vectora_gitops.desired.chain import ChainProblem, PromotionChain
from vectora_gitops.desired.repo import Repository, load_env

Sources = dict[str, str | None]
LINE: Sources = {"prod": "stage", "dev": None, "stage": "dev"}
FORK: Sources = {"qa": "dev", "stage": "dev", "dev": None, "prod": "stage"}


@pytest.mark.parametrize(("sources", "order"), [
    (LINE, ("dev", "stage", "prod")),
    ({"b": None, "a": None}, ("a", "b")),
    (FORK, ("dev", "qa", "stage", "prod")),
    ({"x": "y", "y": "x"}, ("x", "y")),  # a cycle still lists every environment
    ({"stage": "gone"}, ("stage",)),  # an unknown source starts a chain
    ({"dev": None, "a": "b", "b": "a"}, ("dev", "a", "b")),  # the cycle comes last
    ({"dev": None, "self": "self"}, ("dev", "self")),
    ({}, ()),
])
def test_order(sources: Sources, order: tuple[str, ...]) -> None:
    chain = PromotionChain(sources)
    assert chain.order() == order
    assert chain.text() == " -> ".join(order)


@pytest.mark.parametrize(("sources", "env", "source", "targets", "end"), [
    (LINE, "dev", None, ("stage",), False),
    (LINE, "stage", "dev", ("prod",), False),
    (LINE, "prod", "stage", (), True),
    (FORK, "dev", None, ("qa", "stage"), False),
    (FORK, "qa", "dev", (), True),
    (LINE, "nowhere", None, (), True),
    ({"self": "self"}, "self", "self", (), True),
])
def test_source_and_targets(sources: Sources, env: str, source: str | None,
                            targets: tuple[str, ...], end: bool) -> None:
    chain = PromotionChain(sources)
    assert (chain.source(env), chain.targets(env), chain.is_end(env)) == (source, targets, end)


@pytest.mark.parametrize(("sources", "starts"), [
    (LINE, ("dev",)),
    ({"b": None, "a": None, "c": "a"}, ("a", "b")),
    ({"x": "y", "y": "x"}, ()),
])
def test_starts(sources: Sources, starts: tuple[str, ...]) -> None:
    assert PromotionChain(sources).starts() == starts


CYCLE = "promotion.from: the promotion chain has a cycle"


@pytest.mark.parametrize(("sources", "problems"), [
    (LINE, ()),
    (FORK, ()),
    ({"dev": None, "stage": "qa"}, (("stage", "promotion.from: 'qa' is not an environment"),)),
    ({"dev": "prod", "stage": "dev", "prod": "stage"},
     (("dev", f"{CYCLE} (dev -> prod -> stage -> dev)"),
      ("prod", f"{CYCLE} (prod -> stage -> dev -> prod)"),
      ("stage", f"{CYCLE} (stage -> dev -> prod -> stage)"))),
    ({"self": "self"}, (("self", f"{CYCLE} (self -> self)"),)),
    ({"dev": None, "a": "b", "b": "a", "c": "a"},  # c is not on the cycle but leads into it
     (("a", f"{CYCLE} (a -> b -> a)"), ("b", f"{CYCLE} (b -> a -> b)"),
      ("c", f"{CYCLE} (c -> a -> b -> a)"))),
    ({"prod": "stage", "stage": "gone"},  # prod meets the unknown source walking up
     (("prod", "promotion.from: 'gone' is not an environment"),
      ("stage", "promotion.from: 'gone' is not an environment"))),
])
def test_problems(sources: Sources, problems: tuple[tuple[str, str], ...]) -> None:
    assert PromotionChain(sources).problems() == tuple(ChainProblem(e, m) for e, m in problems)


def test_the_repository_chain(repo: Path) -> None:
    root = Repository(repo)
    chain = PromotionChain.of({n: load_env(root, n)[0] for n in root.env_names()})
    assert (chain.order(), chain.starts(), chain.problems()) == (("dev", "stage", "prod"), ("dev",), ())
    assert (chain.source("prod"), chain.targets("dev"), chain.is_end("prod")) == ("stage", ("stage",), True)
