"""`move-client`: the move of the legacy id `lai_weekly_v7` to the stable id `lai_weekly` in dev,
end to end against the emulator (start -> apply, switch -> apply, switch back and again, retire
refused until lai_weekly ran, retire -> apply), seen as the engine sees the config bucket; and
the refusals."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers_repo import append, edit, git
from support import cli, objects, put, run
from vectora_gitops.desired import moves
from vectora_gitops.errors import InputError

CONFIG = "vectora-inbox-config-dev"
DATA = "vectora-inbox-data-dev"
LETTERS = "vectora-inbox-newsletters-dev"
LEGACY_FILE = "clients/lai_weekly_v7/7.0.0.yaml"
NEW_FILE = "clients/lai_weekly/7.0.0.yaml"
MOVE = ("move-client", "lai_weekly_v7", "--to", "lai_weekly", "--env", "dev")
HISTORY = {(DATA, "ingested/lai_weekly_v7/2026/01/30/items.json"),
           (DATA, "curated/lai_weekly_v7/2026/01/30/items.json"),
           (LETTERS, "lai_weekly_v7/2026/01/30/newsletter.md")}


WAIVER = f"""waivers:
  - file: {LEGACY_FILE}
    rule: reference
    key: bedrock_config.editorial_prompt
    reason: the live v7 names a prompt file never committed
    added: import 2026-02-03
"""


def legacy_config(repo: Path) -> bytes:
    """lai_weekly 7.0.0 as the live engine ran it under its legacy id (no version key)."""
    text = (repo / NEW_FILE).read_text()
    text = text.replace("client_id: lai_weekly\n", "client_id: lai_weekly_v7\n", 1)
    return text.replace("  version: 7.0.0\n", "", 1).encode()


def adopt_legacy_dev(repo: Path, *, prune: bool = False, defect: bool = False) -> bytes:
    """dev runs lai_weekly_v7, pinned under legacy_clients (what `import` writes); lai_weekly
    7.0.0 exists nowhere yet (prod moves to 7.1.0). Prune is off unless asked: the retirement
    deletes the legacy object anyway. `defect`: the legacy config names an editorial prompt the
    bundle lacks, waived in dev, and the repository's yamllint ignores the file (as `import`
    leaves an adopted defect)."""
    raw = legacy_config(repo)
    if defect:
        raw = raw.replace(b'editorial_prompt: "lai_editorial"', b'editorial_prompt: "lai_brief"')
        append(repo, "environments/dev/environment.yaml", WAIVER)
        (repo / ".yamllint").write_text(f"extends: default\nignore: |\n  {LEGACY_FILE}\n")
    (repo / LEGACY_FILE).parent.mkdir(parents=True)
    (repo / LEGACY_FILE).write_bytes(raw)
    (repo / NEW_FILE).unlink()
    edit(repo, "environments/prod/pins.yaml", "lai_weekly: 7.0.0", "lai_weekly: 7.1.0")
    edit(repo, "environments/dev/pins.yaml", "clients:\n  lai_weekly: 7.2.0-dev.1\n",
         "clients: {}\nlegacy_clients:\n  lai_weekly_v7: 7.0.0\n")
    if not prune:
        edit(repo, "environments/dev/environment.yaml", "  prune: true\n", "  prune: false\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dev runs lai_weekly_v7 (adopted)")
    return raw


def engine_runs() -> list[str]:
    """The ingest Lambda's multi-client mode: every `clients/*.yaml` whose client_profile.active
    is truthy, read with PyYAML like the engine; the id is the key without folder and suffix."""
    out = []
    for key, body in objects(CONFIG, "clients/").items():
        data: Any = yaml.safe_load(body)
        if key.endswith(".yaml") and (data.get("client_profile") or {}).get("active", False):
            out.append(key.removeprefix("clients/").removesuffix(".yaml"))
    return sorted(out)


def profile(key: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(objects(CONFIG, key)[key])
    return dict(data["client_profile"])


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)


def step(capsys: pytest.CaptureFixture[str], repo: Path, *args: str) -> tuple[str, str]:
    """One step: the command, its commit (the pull request), its plan (changes expected), its
    apply; returns what the command and the plan printed."""
    code, out, err = run(capsys, repo, *MOVE, *args)
    assert code == 0, out + err
    commit(repo, f"move-client {' '.join(args)}")
    assert run(capsys, repo, "validate")[0] == 0
    code, plan, err = run(capsys, repo, "plan", "--env", "dev")
    assert code == 2, plan + err
    assert cli(repo, "apply", "--env", "dev", "--yes") == 0
    assert run(capsys, repo, "plan", "--env", "dev")[0] == 0  # converged
    return out, plan


def test_the_move_to_a_stable_id_end_to_end(seeded: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    raw = adopt_legacy_dev(seeded, defect=True)
    for bucket, key in HISTORY:
        put(bucket, key, b"[]\n")
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    assert objects(CONFIG, "clients/") == {"clients/lai_weekly_v7.yaml": raw}
    assert engine_runs() == ["lai_weekly_v7"]

    # start: the stable config deployed inactive beside the legacy one, which keeps running
    out, plan = step(capsys, seeded, "start")
    assert "step beside" in out and f"{NEW_FILE}: lai_weekly 7.0.0, made from {LEGACY_FILE}" in out
    assert "vectora-gitops move-client lai_weekly_v7 --to lai_weekly --env dev switch" in out
    new = (seeded / NEW_FILE).read_text()
    assert "client_id: lai_weekly\n" in new and "version: 7.0.0" in new
    assert "migrated from legacy id lai_weekly_v7" in new
    assert "lai_weekly: 7.0.0\n" in (seeded / "environments/dev/pins.yaml").read_text()
    env_file = (seeded / "environments/dev/environment.yaml").read_text()
    assert "client_moves:\n  lai_weekly:\n    from: lai_weekly_v7\n    step: beside\n" in env_file
    assert f"  - file: {NEW_FILE}\n    rule: reference\n    key: bedrock_config.editorial_prompt\n" \
        "    reason: the live v7 names a prompt file never committed (carried over from " \
        f"{LEGACY_FILE})\n    added: move-client {date.today().isoformat()}\n" in env_file
    assert (seeded / ".yamllint").read_text() == \
        f"extends: default\nignore: |\n  {LEGACY_FILE}\n  {NEW_FILE}\n"
    assert "+ create clients/lai_weekly.yaml from clients/lai_weekly/7.0.0.yaml with " \
        "client_profile.active: false (client_moves: beside clients/lai_weekly_v7.yaml)" in plan
    assert "clients/lai_weekly.yaml is deployed inactive (client_profile.active: false) beside " \
        "clients/lai_weekly_v7.yaml, which keeps running" in plan
    assert "data paths unchanged: the engine still writes " \
        f"s3://{DATA}/ingested/lai_weekly_v7/…, s3://{DATA}/curated/lai_weekly_v7/… and " \
        f"s3://{LETTERS}/lai_weekly_v7/…" in plan
    # the legacy object is not touched; the stable id gets its four outcome alarms and its row
    # of the dashboard (docs/architecture.md §11)
    assert "dev: 6 change(s): 4 put alarm, 1 put dashboard, 1 put object" in plan
    print(plan)
    assert engine_runs() == ["lai_weekly_v7"]
    assert objects(CONFIG, "clients/lai_weekly_v7.yaml")["clients/lai_weekly_v7.yaml"] == raw
    assert profile("clients/lai_weekly.yaml")["version"] == "7.0.0"
    # a run of lai_weekly made by hand while it is beside is no evidence for the retirement
    put(DATA, "curated/lai_weekly/2026/02/06/items.json", b"[]\n")
    time.sleep(1.1)  # S3 times have a one-second resolution: the switch is written later

    # switch: the stable config runs, the legacy one is kept inactive (its only changed bytes)
    out, plan = step(capsys, seeded, "switch")
    assert "change the client_id passed by whoever invokes normalize-score and newsletter" in out
    assert "~ update clients/lai_weekly.yaml from clients/lai_weekly/7.0.0.yaml\n" in plan
    assert "~ update clients/lai_weekly_v7.yaml from clients/lai_weekly_v7/7.0.0.yaml with " \
        "client_profile.active: false (client_moves: switched)" in plan
    assert "warning: data paths change: the engine writes " \
        f"s3://{DATA}/ingested/lai_weekly/…, s3://{DATA}/curated/lai_weekly/… and " \
        f"s3://{LETTERS}/lai_weekly/… instead of s3://{DATA}/ingested/lai_weekly_v7/…" in plan
    assert "must pass client_id lai_weekly instead of lai_weekly_v7 from this apply on" in plan
    assert f"s3://{DATA}/curated/lai_weekly_v7/… and s3://{LETTERS}/lai_weekly_v7/… stay " \
        "readable under the old id" in plan
    assert engine_runs() == ["lai_weekly"]
    legacy_now = objects(CONFIG, "clients/lai_weekly_v7.yaml")["clients/lai_weekly_v7.yaml"]
    assert legacy_now == raw.replace(b"  active: true\n", b"  active: false\n", 1) != raw

    # switch back (before the retirement) and forward again
    plan = step(capsys, seeded, "switch", "--back")[1]
    assert "(switched back): clients/lai_weekly_v7.yaml runs again" in plan
    assert "must pass client_id lai_weekly_v7 instead of lai_weekly" in plan
    assert engine_runs() == ["lai_weekly_v7"]
    assert objects(CONFIG, "clients/lai_weekly_v7.yaml")["clients/lai_weekly_v7.yaml"] == raw
    step(capsys, seeded, "switch")
    assert engine_runs() == ["lai_weekly"]

    # retire: refused by the command, and by plan for a hand-made retirement, until lai_weekly ran
    code, out, err = run(capsys, seeded, *MOVE, "retire")
    assert code == 1 and "lai_weekly has not run since the switch (no " \
        f"curated/lai_weekly/<Y>/<M>/<D>/items.json in s3://{DATA}" in err, out + err
    assert git(seeded, "status", "--porcelain") == ""
    edit(seeded, "environments/dev/environment.yaml", "step: switched", "step: retired")
    edit(seeded, "environments/dev/pins.yaml", "legacy_clients:\n  lai_weekly_v7: 7.0.0\n", "")
    assert run(capsys, seeded, "validate")[0] == 0
    code, out, err = run(capsys, seeded, "plan", "--env", "dev")
    assert code == 1 and "dev: retiring clients/lai_weekly_v7.yaml refused: lai_weekly has not " \
        "run since the switch" in err, out + err
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 1
    git(seeded, "checkout", "--", ".")
    assert engine_runs() == ["lai_weekly"] and "clients/lai_weekly_v7.yaml" in objects(CONFIG)

    put(DATA, "curated/lai_weekly/2026/02/10/items.json", b"[]\n")
    out, plan = step(capsys, seeded, "retire")
    assert f"evidence: lai_weekly ran since the switch: s3://{DATA}/curated/lai_weekly/2026/02/10/" \
        "items.json" in out
    assert f"{LEGACY_FILE} removed (no other environment pins it)" in out
    assert "- delete clients/lai_weekly_v7.yaml (legacy config retired by client_moves: " \
        "lai_weekly runs instead)" in plan
    assert "warning: an invocation with client_id lai_weekly_v7 now fails" in plan
    assert f"s3://{DATA}/ingested/lai_weekly_v7/…, s3://{DATA}/curated/lai_weekly_v7/… and " \
        f"s3://{LETTERS}/lai_weekly_v7/… stay readable under the old id" in plan
    assert "evidence: lai_weekly ran since the switch" in plan

    assert sorted(objects(CONFIG, "clients/")) == ["clients/lai_weekly.yaml"]
    assert engine_runs() == ["lai_weekly"]
    assert profile("clients/lai_weekly.yaml")["version"] == "7.0.0"
    assert not (seeded / "clients/lai_weekly_v7").exists()
    assert "legacy_clients" not in (seeded / "environments/dev/pins.yaml").read_text()
    env_file = (seeded / "environments/dev/environment.yaml").read_text()
    assert f"  - file: {LEGACY_FILE}\n" not in env_file and f"  - file: {NEW_FILE}\n" in env_file
    assert "client_moves:\n  lai_weekly:\n    from: lai_weekly_v7\n    step: retired\n" in env_file
    for bucket, key in HISTORY:  # nothing moved or deleted in the data buckets
        assert key in objects(bucket, key)
    assert run(capsys, seeded, "drift", "--env", "dev")[0] == 0


def test_start_refuses_an_unknown_legacy_id(seeded: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    adopt_legacy_dev(seeded)
    code, out, err = run(capsys, seeded, "move-client", "lai_weekly_v8", "--to", "lai_weekly",
                         "--env", "dev", "start")
    assert (code, out) == (1, "")
    assert err.strip() == ("lai_weekly_v8 is not a legacy client of dev (environments/dev/"
                           "pins.yaml legacy_clients: lai_weekly_v7); `vectora-gitops import "
                           "--env dev` adopts the live ones")
    assert git(seeded, "status", "--porcelain") == ""
    code, _, err = run(capsys, seeded, *MOVE, "switch")
    assert code == 1 and "dev: no move of lai_weekly_v7 to lai_weekly" in err


def test_retire_is_refused_before_the_switch(repo: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    adopt_legacy_dev(repo)
    assert run(capsys, repo, *MOVE, "start")[0] == 0
    commit(repo, "start")
    code, out, err = run(capsys, repo, *MOVE, "retire")  # no AWS is reached
    assert (code, out) == (1, "")
    assert err.strip() == ("dev: lai_weekly_v7 -> lai_weekly is at step beside: retire comes "
                           "after the switch (`vectora-gitops move-client lai_weekly_v7 --to "
                           "lai_weekly --env dev switch`, applied, and lai_weekly run)")
    assert git(repo, "status", "--porcelain") == ""
    code, out, _ = run(capsys, repo, *MOVE, "start")  # again: nothing to do
    assert code == 0 and "already started (step beside); nothing written" in out
    assert git(repo, "status", "--porcelain") == ""
    code, out, _ = run(capsys, repo, *MOVE, "switch", "--back")
    assert code == 0 and "is already at step beside; nothing written" in out
    code, _, err = run(capsys, repo, *MOVE, "start", "--back")
    assert (code, err.strip()) == (1, "--back goes with switch (back to the legacy config, "
                                      "before retire)")


def test_retire_is_refused_while_the_switch_is_not_applied(
        seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    adopt_legacy_dev(seeded)
    assert cli(seeded, "apply", "--env", "dev", "--yes") == 0
    step(capsys, seeded, "start")
    assert run(capsys, seeded, *MOVE, "switch")[0] == 0
    commit(seeded, "switch, merged but not applied")
    put(DATA, "curated/lai_weekly/2026/02/10/items.json", b"[]\n")
    code, _, err = run(capsys, seeded, *MOVE, "retire")
    assert code == 1
    assert err.strip() == (f"dev: the switch to lai_weekly is not applied: clients/lai_weekly.yaml "
                           f"is inactive in s3://{CONFIG}; merge and apply the switch, let "
                           "lai_weekly run, then retire")
    assert git(seeded, "status", "--porcelain") == ""


def test_start_refuses_a_version_that_exists_with_other_content(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    adopt_legacy_dev(repo)
    other = (repo / "clients/lai_weekly/7.1.0.yaml").read_text().replace("7.1.0", "7.0.0")
    (repo / NEW_FILE).write_text(other)
    edit(repo, "environments/prod/pins.yaml", "lai_weekly: 7.1.0", "lai_weekly: 7.0.0")
    commit(repo, "lai_weekly 7.0.0 exists in git with other content")
    code, out, err = run(capsys, repo, *MOVE, "start")
    assert (code, out) == (1, "")
    assert err.strip() == ("clients/lai_weekly/7.0.0.yaml exists with other content (a released "
                           "version is immutable); give another version: `vectora-gitops "
                           "move-client lai_weekly_v7 --to lai_weekly --env dev start --version "
                           "7.0.1`")
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / NEW_FILE).read_text() == other
    code, out, err = run(capsys, repo, *MOVE, "start", "--version", "7.0.1")
    assert code == 0, err
    assert "lai_weekly: 7.0.1\n" in (repo / "environments/dev/pins.yaml").read_text()
    assert "version: 7.0.1" in (repo / "clients/lai_weekly/7.0.1.yaml").read_text()


def test_validate_refuses_a_retirement_skipping_the_switch(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    adopt_legacy_dev(repo)
    assert run(capsys, repo, *MOVE, "start")[0] == 0
    commit(repo, "start")
    edit(repo, "environments/dev/environment.yaml", "step: beside", "step: retired")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and "client_moves.lai_weekly: step retired, but legacy_clients." \
        "lai_weekly_v7 is still pinned in environments/dev/pins.yaml" in err
    edit(repo, "environments/dev/pins.yaml", "legacy_clients:\n  lai_weekly_v7: 7.0.0\n", "")
    assert run(capsys, repo, "validate")[0] == 0
    code, _, err = run(capsys, repo, "validate", "--base", "HEAD")
    assert code == 1 and "environments/dev/environment.yaml: client_moves.lai_weekly: beside -> " \
        "retired since the base; a move goes beside -> switched -> retired, one step per pull " \
        "request" in err


def test_the_new_config_must_be_active_once_switched(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    adopt_legacy_dev(repo)
    assert run(capsys, repo, *MOVE, "start")[0] == 0
    edit(repo, NEW_FILE, "  active: true\n", "  active: false\n")
    assert run(capsys, repo, "validate")[0] == 0  # beside: deployed inactive anyway
    assert run(capsys, repo, *MOVE, "switch")[0] == 1  # validated as a whole: refused, undone
    assert "step: beside" in (repo / "environments/dev/environment.yaml").read_text()
    edit(repo, "environments/dev/environment.yaml", "step: beside", "step: switched")
    code, _, err = run(capsys, repo, "validate")
    assert code == 1 and f"{NEW_FILE}: client_profile.active must be true: dev's " \
        "client_moves.lai_weekly is switched, and nothing else would run lai_weekly" in err


@pytest.mark.parametrize(("text", "expected"), [
    ("client_profile:\n  active: true   # runs\n  name: x\n",
     "client_profile:\n  active: false   # runs\n  name: x\n"),
    ('client_profile:\n  active: "false"\n', "client_profile:\n  active: false\n"),
    ("client_profile:\n  name: x\nmetadata: {}\n",
     "client_profile:\n  name: x\n  active: false\nmetadata: {}\n"),
])
def test_the_legacy_config_is_deactivated_by_its_only_changed_line(text: str,
                                                                   expected: str) -> None:
    assert moves.deactivate(text.encode(), display="x.yaml") == expected.encode()


@pytest.mark.parametrize("text", [
    "client_profile:\n  active: false\n  active: true\n",  # the engine's reader keeps the last
    "client_profile: lai_weekly\n",
    "client_profile: {active: true, name: [x\n",
])
def test_a_legacy_config_that_cannot_be_deactivated_is_an_error(text: str) -> None:
    with pytest.raises(InputError, match=r"^x.yaml: cannot set client_profile.active to false "):
        moves.deactivate(text.encode(), display="x.yaml")


def test_plan_notes_are_rendered_and_saved(tmp_path: Path) -> None:
    from vectora_gitops.engine import plan as plans
    from vectora_gitops.render import plan as render

    plan = plans.Plan(env="dev", commit="c" * 40, created_at="2026-02-10T00:00:00+00:00",
                      prune=False, pins={"canonical": "2.1.0"}, changes=(), observed="o",
                      desired="d", notes=("client move a_v1 -> a in dev, step switched: …",
                                          "warning: data paths change: …"))
    text = render.text(plan, color=False)
    assert "client moves (what the engine will see):\n  client move a_v1 -> a in dev, step " \
        "switched: …\n  warning: data paths change: …\n" in text
    markdown = render.markdown(plan)
    assert "- client move a\\_v1 -\\> a in dev, step switched: …\n- ⚠️ warning: data paths change: …" \
        in markdown
    saved = tmp_path / "plan.json"
    plans.save(plan, saved)
    assert plans.load(saved).notes == plan.notes


def test_a_promotion_cannot_run_the_stable_id_beside_another_environment_s_legacy_id(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    adopt_legacy_dev(repo)
    edit(repo, "environments/stage/pins.yaml", "clients:\n  lai_weekly: 7.1.0\n",
         "clients: {}\nlegacy_clients:\n  lai_weekly_v7: 7.0.0\n")
    assert run(capsys, repo, *MOVE, "start")[0] == 0
    edit(repo, NEW_FILE, f'date: "{date.today().isoformat()}"', 'date: "2026-01-15"')
    commit(repo, "dev started the move on 2026-01-15; stage runs lai_weekly_v7 too")
    code, _, err = run(capsys, repo, "promote", "--from", "dev", "--to", "stage", "--only",
                       "clients/lai_weekly")
    assert code == 1
    assert "environments/stage/pins.yaml: clients.lai_weekly: pinned beside legacy_clients." \
        "lai_weekly_v7, which it replaces (client_moves of another environment) but stage has " \
        "no such move: both configs would run; move stage too (`vectora-gitops move-client " \
        "lai_weekly_v7 --to lai_weekly --env stage start`)" in err
    assert git(repo, "status", "--porcelain") == ""
    code, out, err = run(capsys, repo, "move-client", "lai_weekly_v7", "--to", "lai_weekly",
                         "--env", "stage", "start")
    assert code == 0, err
    assert "clients/lai_weekly/7.0.0.yaml: lai_weekly 7.0.0, already made from clients/" \
        "lai_weekly_v7/7.0.0.yaml (kept as it is)" in out
    assert git(repo, "status", "--porcelain").split() == [
        "M", "environments/stage/environment.yaml", "M", "environments/stage/pins.yaml"]


@pytest.mark.parametrize(("text", "index", "expected"), [
    ("w:\n  - a: 1   # one\n  # two, kept\n  - a: 2\nz: 0\n", 0, "w:\n  # two, kept\n  - a: 2\nz: 0\n"),
    ("w:\n  - a: 1\n  - a: 2\n    b: 3\n\nz: 0\n", 1, "w:\n  - a: 1\n\nz: 0\n"),
    ("w:\n  - 1\n  - 2", 1, "w:\n  - 1"),
    ("w: [1, 2, 3]   # flow\n", 1, "w: [1, 3]   # flow\n"),
    ("w: [1, 2, 3]\n", 2, "w: [1, 2]\n"),
    ("w:\n  - 1\nz: 0\n", 0, "w: []\nz: 0\n"),
    ("w:\n  - 1\n", 5, "w:\n  - 1\n"),
])
def test_the_editor_deletes_one_item_of_a_list(text: str, index: int, expected: str) -> None:
    """What `retire` uses to drop the waivers of the retired file and nothing else."""
    from vectora_gitops.desired import yamledit

    assert yamledit.delete_item(text, ("w",), index, display="x.yaml") == expected
