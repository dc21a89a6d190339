"""The pin <-> selector mapping, one home in model.py: selectors (`canonical`, `clients/<id>`,
`layers/<name>`) against the pins structure of pins.yaml, plans and deployment records. Pure,
table-driven; every user (promotion, status, history, validate, plans) goes through it."""

from __future__ import annotations

from typing import Any

import pytest

from vectora_gitops.history import from_json
from vectora_gitops.model import (
    SELECTOR,
    LayerPin,
    Pins,
    flat_pins,
    identity_version,
    pin_key,
    selector_name,
    selector_of,
    selector_order,
    split_selector,
)

SHA = "a" * 64
PINS = Pins("2.1.0", {"lai_weekly": "7.2.0-dev.1", "acme": "1.0.0"},
            {"vectora-core": LayerPin("1.4.1", SHA, "s3://code/layers/vectora-core-1.4.1.zip"),
             "common-deps": LayerPin("3.2.0", "b" * 64, "s3://code/layers/common-deps-3.2.0.zip")})
STRUCTURE = {
    "canonical": "2.1.0",
    "clients": {"acme": "1.0.0", "lai_weekly": "7.2.0-dev.1"},
    "layers": {"common-deps": {"version": "3.2.0", "sha256": "b" * 64,
                               "artifact": "s3://code/layers/common-deps-3.2.0.zip"},
               "vectora-core": {"version": "1.4.1", "sha256": SHA,
                                "artifact": "s3://code/layers/vectora-core-1.4.1.zip"}},
}


@pytest.mark.parametrize(("kind", "name", "sel", "key", "short"), [
    ("canonical", "", "canonical", ("canonical",), "canonical"),
    ("clients", "lai_weekly", "clients/lai_weekly", ("clients", "lai_weekly"), "lai_weekly"),
    ("layers", "vectora-core", "layers/vectora-core", ("layers", "vectora-core"), "vectora-core"),
])
def test_selector_parts(kind: str, name: str, sel: str, key: tuple[str, ...], short: str) -> None:
    assert selector_of(kind, name) == sel
    assert split_selector(sel) == (kind, name)
    assert (pin_key(sel), selector_name(sel)) == (key, short)
    assert SELECTOR.match(sel)


@pytest.mark.parametrize("bad", ["", "clients/", "clients/Upper", "layers/x", "canonical/2.1.0",
                                 "bogus", "layers/under_score", "clients/a-b"])
def test_selector_pattern_refuses(bad: str) -> None:
    assert not SELECTOR.match(bad)


def test_selector_order_is_pins_yaml_order() -> None:
    given = ["layers/b", "clients/z", "other/x", "canonical", "clients/a", "layers/a"]
    assert sorted(given, key=selector_order) == ["canonical", "clients/a", "clients/z", "layers/a",
                                                 "layers/b", "other/x"]


def test_structure_round_trip() -> None:
    assert PINS.to_json() == STRUCTURE
    assert list(PINS.to_json()["clients"]) == ["acme", "lai_weekly"]  # sorted: stable plans
    assert Pins.from_json(STRUCTURE) == PINS


def test_items_and_identities() -> None:
    assert PINS.items() == (("canonical", "2.1.0"), ("clients/acme", "1.0.0"),
                            ("clients/lai_weekly", "7.2.0-dev.1"), ("layers/common-deps", "3.2.0"),
                            ("layers/vectora-core", "1.4.1"))
    assert PINS.identities() == {"canonical": "2.1.0", "clients/acme": "1.0.0",
                                 "clients/lai_weekly": "7.2.0-dev.1",
                                 "layers/common-deps": f"3.2.0@{'b' * 64}",
                                 "layers/vectora-core": f"1.4.1@{SHA}"}
    assert PINS.layers["vectora-core"].identity == f"1.4.1@{SHA}"


@pytest.mark.parametrize(("identity", "version"), [
    (f"1.4.1@{SHA}", "1.4.1"), ("7.2.0-dev.1", "7.2.0-dev.1"), ("2.1.0", "2.1.0")])
def test_identity_version(identity: str, version: str) -> None:
    assert identity_version(identity) == version


@pytest.mark.parametrize(("sel", "scalars"), [
    ("canonical", ((("canonical",), "2.1.0"),)),
    ("clients/lai_weekly", ((("clients", "lai_weekly"), "7.2.0-dev.1"),)),
    ("layers/vectora-core", ((("layers", "vectora-core", "version"), "1.4.1"),
                             (("layers", "vectora-core", "sha256"), SHA),
                             (("layers", "vectora-core", "artifact"),
                              "s3://code/layers/vectora-core-1.4.1.zip"))),
])
def test_scalars_name_the_pins_yaml_keys(sel: str, scalars: tuple[Any, ...]) -> None:
    assert PINS.scalars(sel) == scalars
    for path, value in scalars:  # each path leads to its value in the structure
        node: Any = STRUCTURE
        for part in path:
            node = node[part]
        assert node == value


@pytest.mark.parametrize("sel", ["clients/nobody", "layers/none", "bogus"])
def test_scalars_of_an_unpinned_selector(sel: str) -> None:
    with pytest.raises(KeyError):
        PINS.scalars(sel)


@pytest.mark.parametrize(("data", "flat", "hashed"), [
    (STRUCTURE, dict(PINS.items()), PINS.identities()),
    (None, {}, {}),
    ([], {}, {}),
    ({"canonical": 2}, {}, {}),  # not a string: left out
    ({"clients": {"a": 7}}, {"clients/a": "7"}, {"clients/a": "7"}),
    ({"layers": {"x": "1.0.0", "y": {"sha256": "h"}}}, {}, {}),  # malformed layers left out
    ({"layers": {"x": {"version": "1.0.0"}}}, {"layers/x": "1.0.0"}, {"layers/x": "1.0.0@None"}),
    ({"clients": None, "layers": None, "canonical": "2.0.0"}, {"canonical": "2.0.0"},
     {"canonical": "2.0.0"}),
])
def test_flat_pins_is_tolerant(data: Any, flat: dict[str, str], hashed: dict[str, str]) -> None:
    assert flat_pins(data) == flat
    assert flat_pins(data, with_hash=True) == hashed


def test_records_read_pins_through_the_same_mapping() -> None:
    record = from_json({"pins": PINS.to_json(), "result": "succeeded"})
    assert (dict(record.pins), dict(record.identities)) == (dict(PINS.items()), PINS.identities())
