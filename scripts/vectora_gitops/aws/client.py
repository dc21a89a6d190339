"""Sessions, retry configuration (set once), request counting and error translation.

A local endpoint (the sandbox, 127.0.0.0/8) is probed once before the first request: when
nothing listens there the command says the sandbox is not running at once, instead of retrying
a refused connection for seconds. The sandbox's fake credentials without an endpoint are refused
before any request (they would only wait for the real AWS to say no)."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlparse

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
)

from vectora_gitops.errors import AwsError, UsageError

T = TypeVar("T")
MAX_PAGES = 100_000  # a listing longer than this is a runaway, not a bucket of ours
SANDBOX_KEY = "sandbox"  # the access key id (and secret) `vectora-gitops sandbox up` exports
SANDBOX_DOWN = "the local AWS sandbox is not running: start it with `vectora-gitops sandbox up`"
PROBE_TIMEOUT_S = 1.0


class SandboxNotRunning(BotoCoreError):  # type: ignore[misc]
    """Nothing listens on the local endpoint: raised before the request, so never retried."""

    fmt = "cannot reach {endpoint_url}: " + SANDBOX_DOWN


def is_loopback(url: str) -> bool:
    """The URL's host is on this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_sandbox_credentials(endpoint_url: str | None) -> None:
    """The sandbox's credentials with no endpoint would go to the real AWS and wait for it to
    refuse them: say what is missing instead, before any request."""
    if endpoint_url or os.environ.get("AWS_ENDPOINT_URL"):
        return
    if os.environ.get("AWS_ACCESS_KEY_ID") == SANDBOX_KEY:
        raise UsageError("AWS_ACCESS_KEY_ID is the local sandbox's but AWS_ENDPOINT_URL is not "
                         "set: run `vectora-gitops sandbox up` and paste the export lines it "
                         "prints (or unset the sandbox credentials to use AWS)")


def retry_config() -> Config:
    """Standard retry mode, set once for every client; AWS_MAX_ATTEMPTS overrides the attempts."""
    attempts = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return Config(
        retries={"mode": "standard", "max_attempts": int(attempts) if attempts.isdigit() else 6},
        connect_timeout=5,
        read_timeout=60,
        max_pool_connections=32,
    )


@dataclass
class Counters:
    """Requests sent and retries, per operation name; thread-safe."""

    requests: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, operation: str) -> None:
        with self.lock:
            self.requests[operation] = self.requests.get(operation, 0) + 1

    def add_retries(self, n: int) -> None:
        with self.lock:
            self.retries += n

    @property
    def total(self) -> int:
        return sum(self.requests.values())


COUNTERS = Counters()
RequestHook = Callable[[str, str, dict[str, Any]], None]
SendHook = Callable[[str, str], Any]
_HOOKS: list[RequestHook] = []
_SEND_HOOKS: list[SendHook] = []


def add_request_hook(hook: RequestHook) -> Callable[[], None]:
    """Call `hook(service, operation, params)` before each call (tests and fault injection)."""
    _HOOKS.append(hook)
    return lambda: _HOOKS.remove(hook)


def add_send_hook(hook: SendHook) -> Callable[[], None]:
    """Call `hook(service, operation)` before each HTTP attempt, retries included; a response it
    returns replaces the real one, an exception it raises is a failed attempt (fault injection)."""
    _SEND_HOOKS.append(hook)
    return lambda: _SEND_HOOKS.remove(hook)


class Aws:
    """Clients for one region, created once and shared by threads."""

    def __init__(self, region: str, *, endpoint_url: str | None = None) -> None:
        check_sandbox_credentials(endpoint_url)
        self.region = region
        self.endpoint_url = endpoint_url
        self._reached: set[str] = set()  # local endpoints that answered the probe
        self._session = boto3.session.Session(botocore_session=_botocore_session(),
                                              region_name=region)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                client = self._session.client(service, config=retry_config(),
                                              endpoint_url=self.endpoint_url)
                events = client.meta.events
                events.register("before-parameter-build.*.*", _before_call)
                events.register("after-call.*.*", _after_call)
                events.register("before-send.*.*", self._probe_local)
                events.register("before-send.*.*", _before_send)
                self._clients[service] = client
            return self._clients[service]

    def _probe_local(self, request: Any, **_: Any) -> None:
        """Once per local endpoint: is anything listening? (SandboxNotRunning if not)."""
        url = urlparse(str(request.url))
        endpoint = f"{url.scheme}://{url.netloc}"
        if endpoint in self._reached or not is_loopback(endpoint):
            return
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            with socket.create_connection((url.hostname or "", port), timeout=PROBE_TIMEOUT_S):
                pass
        except OSError:
            raise SandboxNotRunning(endpoint_url=endpoint) from None
        with self._lock:
            self._reached.add(endpoint)


_LOADER: list[Any] = []  # one loader for every session: service models are parsed once
_LOADER_LOCK = threading.Lock()


def _botocore_session() -> Any:
    """A fresh session (own credentials) sharing the service-model loader of the first one."""
    session = botocore.session.Session()
    with _LOADER_LOCK:
        if _LOADER:
            session.register_component("data_loader", _LOADER[0])
        else:
            _LOADER.append(session.get_component("data_loader"))
    return session


def _before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
    service = str(model.service_model.endpoint_prefix)
    for hook in list(_HOOKS):
        hook(service, model.name, params)


def _before_send(event_name: str, **_: Any) -> Any:
    _event, service, operation = event_name.split(".", 2)
    for hook in list(_SEND_HOOKS):
        response = hook(service, operation)
        if response is not None:
            return response
    return None


def _after_call(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
    COUNTERS.count(model.name)
    attempts = parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0)
    if attempts:
        COUNTERS.add_retries(int(attempts))


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def call(what: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run one AWS call; any failure becomes one AwsError line naming `what`."""
    try:
        return fn(*args, **kwargs)
    except ClientError as exc:
        code = error_code(exc)
        msg = exc.response.get("Error", {}).get("Message", "") or code
        hint = _hint(code)
        raise AwsError(f"{what}: {code}: {msg}{hint}", code) from None
    except NoCredentialsError:
        raise AwsError(f"{what}: no AWS credentials found; configure them (or run "
                       "`vectora-gitops sandbox up` and the exports it prints)") from None
    except EndpointConnectionError as exc:
        endpoint = str(exc.kwargs.get("endpoint_url", "the endpoint"))
        why = f": {SANDBOX_DOWN}" if is_loopback(endpoint) else \
            "; check the network or AWS_ENDPOINT_URL"
        raise AwsError(f"{what}: cannot reach {endpoint}{why}") from None
    except BotoCoreError as exc:
        raise AwsError(f"{what}: {exc}") from None


def pages(what: str, client: Any, operation: str, /, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """The pages of a listing, from boto3's paginator (one request per page, none after the last);
    a failure is one AwsError line naming `what`, as in `call`. Bounded by MAX_PAGES."""
    iterator = iter(client.get_paginator(operation).paginate(**kwargs))
    for _ in range(MAX_PAGES):
        page: dict[str, Any] | None = call(what, next, iterator, None)
        if page is None:
            return
        yield page
    raise AwsError(f"{what}: more than {MAX_PAGES} pages; refusing to read on")


def _hint(code: str) -> str:
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        return " (the role lacks this permission; see `vectora-gitops iam-policy`)"
    if code in ("NoSuchBucket", "ResourceNotFoundException"):
        return " (deploy the environment's CloudFormation stacks first)"
    if code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId"):
        return " (refresh the credentials)"
    return ""


@contextmanager
def counting() -> Iterator[Counters]:
    """Counters for the requests made inside the block (a fresh snapshot of the global ones)."""
    before = dict(COUNTERS.requests)
    retries = COUNTERS.retries
    result = Counters()
    yield result
    for op, n in COUNTERS.requests.items():
        delta = n - before.get(op, 0)
        if delta:
            result.requests[op] = delta
    result.retries = COUNTERS.retries - retries
