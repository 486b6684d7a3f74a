"""Bad settings are refused up front in one line; a run leaves no hypothesis folder in the user's directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.selftest import ROOT


def cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    import os

    proc = subprocess.run([sys.executable, "-m", "mwconform.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
    return proc.returncode, [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--mwc-deadline=-1", "ERROR: --mwc-deadline='-1': expected a positive, finite number of seconds, e.g. 10 or 2.5"),
        ("--mwc-deadline=nan", "ERROR: --mwc-deadline='nan': expected a positive, finite number of seconds, e.g. 10 or 2.5"),
        ("--mwc-deadline=inf", "ERROR: --mwc-deadline='inf': expected a positive, finite number of seconds, e.g. 10 or 2.5"),
        ("--mwc-max-body=0", "ERROR: --mwc-max-body='0': expected a positive whole number of bytes, e.g. 1048576"),
        ("--mwc-max-body=1MB", "ERROR: --mwc-max-body='1MB': expected a positive whole number of bytes, e.g. 1048576"),
    ],
)
def test_a_bad_limit_is_one_line_before_any_case_runs(option: str, message: str, tmp_path: Path) -> None:
    code, lines = cli("run", "--adapter", "reference", "--suite", "pipeline", "--json", str(tmp_path / "r.json"), "--", option)
    assert (code, lines) == (2, [message])


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379/0", "redis://127.0.0.1:port/0", "redis:///0", "redis://127.0.0.1/zero"])
def test_a_malformed_redis_url_is_one_line_up_front(url: str, tmp_path: Path) -> None:
    code, lines = cli("run", "--adapter", "reference", "--suite", "session", "--json", str(tmp_path / "r.json"), env={"MWC_REDIS_URL": url})
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: MWC_REDIS_URL={url!r}") and "accepted: redis://" in lines[0]


def test_a_selection_matching_no_case_says_so(tmp_path: Path) -> None:
    code, lines = cli("run", "--adapter", "reference", "--suite", "pipeline", "--json", str(tmp_path / "r.json"), "--", "-k", "nothingmatches")
    assert code == 3  # no case reached a verdict (README, Exit codes)
    assert [line for line in lines if line.startswith("mwconform:")] == ["mwconform: no case matched the selection (suites pipeline; pytest arguments -k nothingmatches)"]


def test_hypothesis_leaves_nothing_in_the_working_directory(tmp_path: Path) -> None:
    code, _ = cli("run", "--subject", "reference/cors", "--suite", "cors", "--json", str(tmp_path / "out" / "r.json"), "--", "-k", "robust", cwd=tmp_path)
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
