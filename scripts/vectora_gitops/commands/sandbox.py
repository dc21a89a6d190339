"""`vectora-gitops sandbox up|down|status`: the embedded local AWS (README, The sandbox)."""

from __future__ import annotations

import os
from argparse import Namespace

from vectora_gitops import console
from vectora_gitops.aws.client import SANDBOX_KEY, Aws
from vectora_gitops.commands.common import repository
from vectora_gitops.desired.repo import Repository, load_env
from vectora_gitops.errors import UsageError
from vectora_gitops.sandbox import server
from vectora_gitops.sandbox.seed import seed

FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": SANDBOX_KEY, "AWS_SECRET_ACCESS_KEY": SANDBOX_KEY}


def main(args: Namespace) -> int:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        server.require_loopback(endpoint)
    repo = repository(args)
    return {"up": up, "down": down, "status": status}[args.action](repo)


def exports(srv: server.Server, region: str) -> list[str]:
    values = {"AWS_ENDPOINT_URL": srv.endpoint, **FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": region}
    return [f"export {k}={v}" for k, v in values.items()]


def up(repo: Repository) -> int:
    envs = [load_env(repo, name)[0] for name in repo.env_names()]
    accounts = {e.account_id for e in envs}
    if len(accounts) != 1:
        raise UsageError(f"the sandbox holds one account; environments use {sorted(accounts)}")
    region = envs[0].region
    srv = server.running(repo.root)
    if srv is None:
        srv = server.start(repo.root, account_id=accounts.pop())
        for key, value in FAKE_CREDENTIALS.items():
            os.environ.setdefault(key, value)
        notes = seed(Aws(region, endpoint_url=srv.endpoint), repo)
        for note in notes:
            console.err(f"warning: {note}")
        console.err(f"sandbox started on {srv.endpoint} (pid {srv.pid}) with "
                    f"{len(envs)} environment(s); run these in your shell:")
    else:
        console.err(f"sandbox already running on {srv.endpoint}; run these in your shell:")
    for line in exports(srv, region):
        console.out(line)
    return 0


def down(repo: Repository) -> int:
    stopped = server.stop(repo.root)
    console.out("sandbox stopped" if stopped else "sandbox was not running")
    return 0


def status(repo: Repository) -> int:
    srv = server.running(repo.root)
    if srv is None:
        console.out("sandbox: not running (`vectora-gitops sandbox up` starts it)")
        return 1
    console.out(f"sandbox: running on {srv.endpoint} (pid {srv.pid})")
    return 0
