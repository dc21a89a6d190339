"""Start, find and stop the background moto server (127.0.0.1 only)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from vectora_gitops.aws.client import is_loopback
from vectora_gitops.errors import FatalError, GuardError

HOST = "127.0.0.1"
START_TIMEOUT_S = 20.0
INSTALL_HINT = ("the sandbox needs moto, which is not installed: pip install 'vectora-gitops[sandbox]' "
                "(in a checkout: pip install -e '.[sandbox]')")


@dataclass(frozen=True)
class Server:
    pid: int
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"


def require_loopback(url: str) -> None:
    if not is_loopback(url):
        raise GuardError(f"endpoint {url} is not on this machine (127.0.0.0/8); the sandbox only "
                         "talks to a local emulator: unset AWS_ENDPOINT_URL or point it at "
                         "127.0.0.1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def state_file(root: Path) -> Path:
    return root / ".sandbox" / "server.json"


def running(root: Path) -> Server | None:
    path = state_file(root)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        server = Server(int(data["pid"]), int(data["port"]))
    except (ValueError, KeyError):
        return None
    return server if _alive(server) else None


def start(root: Path, *, account_id: str) -> Server:
    try:
        import moto.server  # noqa: F401
    except ImportError:
        raise FatalError(INSTALL_HINT) from None
    port = free_port()
    log = root / ".sandbox" / "server.log"
    log.parent.mkdir(exist_ok=True)
    env = {**os.environ, "MOTO_ACCOUNT_ID": account_id}
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
    server = Server(proc.pid, port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if _alive(server):
            state_file(root).write_text(json.dumps({"pid": proc.pid, "port": port}))
            return server
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise FatalError(f"the sandbox did not start in {START_TIMEOUT_S:.0f} s; see {log}")


def stop(root: Path) -> bool:
    server = running(root)
    state_file(root).unlink(missing_ok=True)
    if server is None:
        return False
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


def _alive(server: Server) -> bool:
    try:
        with urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=1):
            return True
    except OSError:
        return False
