"""Test fixtures: a moto server over HTTP on 127.0.0.1 (reset between tests), seeded repositories,
and a guard that makes any connection outside 127.0.0.0/8 fail loudly."""

from __future__ import annotations

import ipaddress
import os
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = "786469175371"
REGION = "eu-west-3"
os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "GITHUB_TOKEN", "GH_TOKEN"):
    os.environ.pop(_var, None)
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
                   "VECTORA_ACTOR": "pytest",
                   # applies do not bake unless a test asks (--bake-seconds, tests/test_rollout.py)
                   "VECTORA_BAKE_SECONDS": "0"})

from moto.server import ThreadedMotoServer  # noqa: E402

from helpers_repo import make_repo  # noqa: E402

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise OSError(f"test tried to reach {host}: only 127.0.0.0/8 is allowed")
    _real_connect(self, address)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]


@dataclass(frozen=True)
class Moto:
    endpoint: str

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield Moto(f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def moto(moto_server: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    """A clean emulator; AWS_ENDPOINT_URL points at it for the test."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    yield moto_server


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real git repository holding a copy of this repository's desired state."""
    return make_repo(tmp_path / "repo")


@pytest.fixture
def seeded(moto: Moto, repo: Path) -> Path:
    """`repo` with the emulator seeded like `sandbox up` does (stacks, functions, artifacts)."""
    from vectora_gitops.aws.client import Aws
    from vectora_gitops.desired.repo import Repository
    from vectora_gitops.sandbox.seed import seed

    notes = seed(Aws(REGION), Repository(repo))
    assert notes == []
    return repo
