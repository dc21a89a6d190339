"""The README's path to prod, run exactly as written: the `bash` block of "How a change reaches
prod" is parsed here (so this test breaks when the README changes), each `vectora-gitops` line
runs against the emulator in order, and each comment line between them is done as it says
(edit a prompt, merge a pull request and let the reconcile workflow apply, let days pass).
Every command must succeed and its output must name the step that follows it."""

from __future__ import annotations

import json
import os
import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evidence_support import stage_metrics
from helpers_repo import REPO_ROOT, git
from support import client, run
from vectora_gitops.cli import main

README = REPO_ROOT / "README.md"
URL = "https://ci.example.com/vectora/runs/42"
EDIT = "    Name brands in full: {{ref:lai_trademarks_global}}\n"  # a scope, expanded in the body


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start: end if end > 0 else None]


def path_steps() -> list[str]:
    """The lines of the first `bash` block of "How a change reaches prod", comments included."""
    found = re.search(r"```bash\n(.*?)```", section("How a change reaches prod"), re.S)
    assert found, "README: no bash block in 'How a change reaches prod'"
    return [line.strip() for line in found.group(1).splitlines() if line.strip()]


def test_the_block_is_the_path_the_prose_describes() -> None:
    steps = path_steps()
    commands = [s for s in steps if s.startswith("vectora-gitops ")]
    assert all(s.startswith(("vectora-gitops ", "#")) for s in steps), steps
    assert [shlex.split(c)[1] for c in commands] == [
        "new-version", "validate", "release", "record-e2e", "gates", "promote", "record-e2e",
        "gates", "promote"]
    prose = section("How a change reaches prod")
    for command in ("new-version canonical --minor", "release canonical 2.2.0-dev.1",
                    "promote --from dev --to stage --only canonical"):
        assert f"`{command}`" in prose and any(command in c for c in commands)


def names_next(output: str, step: str) -> bool:
    """Whether `output` names `step`: a command by its verb and environments on one line, an
    edit by the folder to edit, a merge by the pull request to open."""
    if step.startswith("vectora-gitops "):
        words = shlex.split(step)
        envs = [f"{w} {words[i + 1]}" for i, w in enumerate(words)
                if w in ("--from", "--to", "--env")]
        return any(f"vectora-gitops {words[1]}" in line and all(e in line for e in envs)
                   for line in output.splitlines())
    edit = re.search(r"edit (\S+?/\S+?/)", step)
    if edit:
        return f"edit {edit.group(1)}" in output
    if "merge" in step:
        return "pull request" in output
    raise AssertionError(f"README step not understood: {step}")


class Path2Prod:
    """Does what the comment lines of the block say; remembers every command's output."""

    def __init__(self, capsys: pytest.CaptureFixture[str], repo: Path,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.repo, self.monkeypatch = capsys, repo, monkeypatch
        self.start = datetime.now(UTC)
        self.days = 0
        self.outputs: dict[str, str] = {}

    def command(self, line: str) -> str:
        """`line` as a shell runs it in the checkout: words split, `$VARS` expanded, no --repo."""
        self.capsys.readouterr()
        code = main([os.path.expandvars(a) for a in shlex.split(line)][1:])
        out, err = self.capsys.readouterr()
        assert code == 0, f"{line}\n{out}{err}"
        self.outputs[line] = out + err
        return out + err

    def comment(self, step: str) -> None:
        edit = re.search(r"edit (\S+), then", step)
        days = re.search(r"(\d+) days later, after the E2E run on (\w+)", step)
        if edit:
            self._edit(edit.group(1))
        elif "merge" in step:
            self._merge(step)
        elif days:
            self._later(int(days.group(1)), days.group(2))
        else:
            raise AssertionError(f"README step not understood: {step}")

    def _edit(self, rel: str) -> None:
        path = self.repo / rel
        text = path.read_text(encoding="utf-8")
        anchor = "    Lead with deals and regulatory milestones."
        assert anchor in text, f"{rel}: the test's edit no longer fits the prompt"
        path.write_text(text.replace(anchor, EDIT + anchor, 1), encoding="utf-8")

    def _merge(self, step: str) -> None:
        git(self.repo, "add", "-A")
        if git(self.repo, "status", "--porcelain"):
            git(self.repo, "commit", "-q", "-m", step)
        branch = git(self.repo, "branch", "--show-current").strip()
        if branch != "main":
            git(self.repo, "checkout", "-q", "main")
            git(self.repo, "merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch)
        applied = re.search(r"applies (\w+)", step)
        planned = re.search(r"plans (\w+)", step)
        assert applied or planned, f"README step not understood: {step}"
        if applied:
            code, out, err = run(self.capsys, self.repo, "apply", "--env", applied.group(1),
                                 "--yes")
            assert code == 0, out + err
        if planned:
            code, out, err = run(self.capsys, self.repo, "plan", "--env", planned.group(1))
            assert code == 2, out + err
            self.outputs[f"plan {planned.group(1)}"] = out

    def _later(self, days: int, env: str) -> None:
        """Time passes (VECTORA_NOW), and the engine's runs in `env` leave the metric documents
        the next environment's gates read."""
        self.days += days
        now = self.start + timedelta(days=self.days, hours=1)
        self.monkeypatch.setenv("VECTORA_NOW", now.isoformat())
        if env == "stage":
            stage_metrics(noise=0.05, cost=1.2, at=now)
        else:
            client("s3").put_object(Bucket=f"vectora-inbox-data-{env}",
                                    Key="metrics/lai_weekly/latest.json",
                                    Body=json.dumps({"noise_rate": 0.08}).encode())


def test_readme_path_to_prod(capsys: pytest.CaptureFixture[str], seeded: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("E2E_RUN_URL", URL)
    monkeypatch.chdir(seeded)
    steps = path_steps()
    walk = Path2Prod(capsys, seeded, monkeypatch)
    for i, step in enumerate(steps):
        if not step.startswith("vectora-gitops "):
            walk.comment(step.lstrip("# "))
            continue
        output = walk.command(step)
        following = steps[i + 1].lstrip("# ") if i + 1 < len(steps) else ""
        assert following, "the path ends with a command: its last step is the prod approval"
        assert names_next(output, following), f"`{step}` does not name the next step " \
            f"({following}):\n{output}"
    # what the path did: prod's plan takes the new bundle; each promotion explained itself
    assert "2.2.0" in walk.outputs["plan prod"]
    stage = walk.outputs["vectora-gitops promote --from dev --to stage --only canonical --commit"]
    assert "gates of stage: PASS: 5 pass" in stage
    assert "+    Name brands in full: - Uzedy" in stage  # the placeholder, expanded
    assert "Reaches in stage: `lai_weekly` (bedrock\\_config.editorial\\_prompt)" in stage
    gates = walk.outputs["vectora-gitops gates --from stage --to prod --only canonical"]
    assert re.search(r"^pass     soak: canonical 2\.2\.0 ran in stage for 16 days \(>= 14\)", gates,
                     re.M)


def console_outputs(title: str) -> dict[str, str]:
    """`$ command` -> the lines after it, from the `console` blocks of a README section."""
    out: dict[str, str] = {}
    for block in re.findall(r"```console\n(.*?)\n```", section(title), re.S):
        for chunk in ("\n" + block).split("\n$ ")[1:]:
            command, _, shown = chunk.partition("\n")
            out[command] = shown.rstrip("\n")
    return out


def test_readme_shows_the_real_output_of_new_version_and_release(
        capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    """The outputs the README shows for `new-version` and `release` are what they print."""
    shown = console_outputs("Promotion and gates")
    for command in ("vectora-gitops new-version canonical --minor",
                    "vectora-gitops new-version client lai_weekly",
                    "vectora-gitops release canonical 2.2.0-dev.1"):
        _, out, err = run(capsys, repo, *shlex.split(command)[1:])
        assert (out + without_emulator_logging(err)).rstrip("\n") == shown[command], command


def without_emulator_logging(err: str) -> str:
    """stderr without the blocks the emulator's logging may write into it under load
    (`--- Logging error ---` ... `Arguments: ...`)."""
    kept, skipping = [], False
    for line in err.splitlines(keepends=True):
        skipping = skipping or line.startswith("--- Logging error ---")
        if not skipping:
            kept.append(line)
        elif line.startswith("Arguments: "):
            skipping = False
    return "".join(kept)
