"""What import writes, checked by validate and the desired state without AWS: legacy client pins
(checked, then synced byte for byte), waivers (a known defect is a warning where it is waived,
an error wherever else the file is pinned), and name exceptions (exact names, with a reason,
never a name of another environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_repo import append, edit
from support import run
from vectora_gitops.desired.repo import Repository
from vectora_gitops.desired.state import desired_state

DEV_ENV, DEV_PINS = "environments/dev/environment.yaml", "environments/dev/pins.yaml"
STAGE_PINS = "environments/stage/pins.yaml"
LEGACY = "clients/lai_weekly_v9/9.0.0.yaml"
ROLE = "vectora-inbox-s0-iam-dev-EngineRole-7HD02MNB4KQ1C"


def add_legacy(repo: Path, *, scope: str = "lai_companies_global") -> bytes:
    """A legacy config (no version, its own id, trailing spaces) pinned in dev."""
    text = (repo / "clients/lai_weekly/7.1.0.yaml").read_text(encoding="utf-8")
    text = text.replace("  client_id: lai_weekly\n  version: 7.1.0\n",
                        '  client_id: "lai_weekly_v9"  \n', 1)
    text = text.replace('company_scope: "lai_companies_global"', f'company_scope: "{scope}"', 1)
    data = text.encode()
    (repo / LEGACY).parent.mkdir(parents=True)
    (repo / LEGACY).write_bytes(data)
    edit(repo, DEV_PINS, "layers:\n", "legacy_clients:\n  lai_weekly_v9: 9.0.0\nlayers:\n")
    return data


def waiver(file: str, rule: str, key: str = "") -> str:
    line = f"    key: {key}\n" if key else ""
    return (f"  - file: {file}\n    rule: {rule}\n{line}    reason: live content as it runs\n"
            "    added: import 2026-02-03\n")


def test_a_legacy_config_is_checked_then_synced_as_it_is(repo: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data = add_legacy(repo)
    code, out, err = run(capsys, repo, "validate")
    assert code == 0, out + err
    assert "lai_weekly_v9: warning: legacy client id" not in out + err  # adopted on purpose
    desired = desired_state(Repository(repo), "dev", commit="x")
    assert desired.objects["clients/lai_weekly_v9.yaml"].content == data  # never rendered

    edit(repo, DEV_PINS, "clients:\n", "clients:\n  lai_weekly_v9: 9.0.0\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and "legacy_clients.lai_weekly_v9: also pinned under clients" in err


def test_a_waiver_turns_one_defect_into_a_warning_where_it_is_waived(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_legacy(repo, scope="lai_companies_gone")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and f"{LEGACY}:" in err and "company_scope: scope 'lai_companies_gone'" in err

    append(repo, DEV_ENV, "waivers:\n" + waiver(LEGACY, "reference",
                                                  "watch_domains.0.company_scope"))
    code, out, err = run(capsys, repo, "validate")
    assert code == 0, err
    assert "warning: watch_domains.0.company_scope: scope 'lai_companies_gone'" in out + err
    assert "[waived in dev: live content as it runs]" in out + err
    assert "lai_weekly_v9.yaml" in str(desired_state(Repository(repo), "dev", commit="x").objects)

    # pinned where it is not waived: an error there (promotion cannot carry a defect silently)
    edit(repo, STAGE_PINS, "layers:\n", "legacy_clients:\n  lai_weekly_v9: 9.0.0\nlayers:\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and "(pinned in dev, stage)" in err


def test_a_waiver_names_one_problem_and_says_when_it_is_no_longer_needed(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_legacy(repo, scope="lai_companies_gone")
    append(repo, DEV_ENV, "waivers:\n" + waiver(LEGACY, "reference", "matching_config.x"))
    code, out, err = run(capsys, repo, "validate")
    assert code == 1 and "company_scope: scope 'lai_companies_gone'" in err  # another key
    assert "waivers.0: no reference problem in clients/lai_weekly_v9/9.0.0.yaml at " \
        "matching_config.x any more; remove the waiver" in out + err


def test_a_duplicate_key_waived_in_a_bundle_is_still_synced(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel = "canonical/2.1.0/imports/extra.yaml"
    (repo / rel).write_text("weights:\n  a: 1\nweights:\n  a: 2\n", encoding="utf-8")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and "duplicate key 'weights'" in err
    append(repo, DEV_ENV, "waivers:\n" + waiver(rel, "duplicate-key"))
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and "duplicate key 'weights'" in err  # stage pins 2.1.0 too
    append(repo, "environments/stage/environment.yaml", "waivers:\n" + waiver(rel, "duplicate-key"))
    code, out, err = run(capsys, repo, "validate")
    assert code == 0, err
    assert "warning: duplicate key 'weights'" in out + err
    objects = desired_state(Repository(repo), "dev", commit="x").objects
    assert objects["canonical/imports/extra.yaml"].content == (repo / rel).read_bytes()


def test_a_name_from_aws_is_accepted_only_as_a_listed_exception(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(repo, DEV_ENV, "role: vectora-inbox-lambda-role-dev\n",
         f"role:\n  - vectora-inbox-lambda-role-dev\n  - {ROLE}\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and f"role.1: '{ROLE}' does not belong to environment dev" in err
    exception = (f"name_exceptions:\n  - name: {ROLE}\n    reason: IAM role named by "
                 "CloudFormation\n    added: import 2026-02-03\n")
    append(repo, DEV_ENV, exception)
    assert run(capsys, repo, "validate")[0] == 0

    append(repo, DEV_ENV, "  - name: vectora-inbox-lambda-role-stage\n    reason: borrowed\n"
                          "    added: by hand\n")
    code, out, err = run(capsys, repo, "validate")
    assert code == 0 and "name_exceptions.1: 'vectora-inbox-lambda-role-stage' is not a name of " \
        "this environment" in out + err
    edit(repo, DEV_ENV, f"  - {ROLE}\n", f"  - {ROLE}\n  - vectora-inbox-lambda-role-stage\n")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and "role.2: 'vectora-inbox-lambda-role-stage' does not belong to " \
        "environment dev" in err
