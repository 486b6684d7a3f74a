"""The habits that keep the code readable: ruff and mypy are clean on the shipped packages.

Configured in pyproject.toml ([tool.ruff], [tool.mypy]); run here so the README's test command
(and so CI) checks them on every change.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["mwconform", "reference", "adapters", "suites"]


@pytest.mark.parametrize("tool", [["ruff", "check", *SHIPPED], ["mypy"]], ids=["ruff", "mypy"])
def test_clean(tool: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", *tool], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
