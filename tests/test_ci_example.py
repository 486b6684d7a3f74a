"""The CI-matrix example (docs/ci/github-actions-matrix.yml): every cell it runs is a tox env of
this project that writes the results file the workflow uploads, so the recipe works as written."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.selftest import ROOT

WORKFLOW = ROOT / "docs" / "ci" / "github-actions-matrix.yml"


def test_every_cell_of_the_example_workflow_is_a_tox_env_writing_the_uploaded_file() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    envs = re.search(r"^\s+env: \[([^\]]+)\]$", text, re.M).group(1).split(", ")  # type: ignore[union-attr]
    assert "path: results/${{ matrix.env }}.json" in text and "run: tox -e ${{ matrix.env }}" in text
    assert {"aiohttp-310", "aiohttp-314"} <= set(envs)  # the two sides of the workflow's `mwconform diff`
    proc = subprocess.run([sys.executable, "-m", "tox", "config", "-e", ",".join(envs), "-k", "commands"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for env in envs:
        section = proc.stdout.split(f"[testenv:{env}]", 1)[1].split("[testenv:", 1)[0]
        assert f"--json {ROOT}/results/{env}.json" in section, (env, section)
