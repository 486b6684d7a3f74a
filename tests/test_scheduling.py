"""Parallel runs: `mwconform run -- -n N` schedules with worksteal, and slow cases go first under it."""

import subprocess
import sys

import pytest

from mwconform.cli import _distribution
from tests.selftest import ROOT

SUBJECT = "reference/session-memory"


@pytest.mark.parametrize(
    ("given", "passed"),
    [
        (["-n", "2"], ["-n", "2", "--dist", "worksteal"]),
        (["-n2", "-q"], ["-n2", "-q", "--dist", "worksteal"]),
        (["--numprocesses=auto"], ["--numprocesses=auto", "--dist", "worksteal"]),
        (["-n", "2", "--dist", "load"], ["-n", "2", "--dist", "load"]),
        (["-n", "2", "--dist=loadfile"], ["-n", "2", "--dist=loadfile"]),
        (["-k", "expiry"], ["-k", "expiry"]),
        ([], []),
    ],
)
def test_run_adds_worksteal_to_n_unless_a_dist_is_chosen(given: list[str], passed: list[str]) -> None:
    assert _distribution(given) == passed


def collected(*extra: str) -> list[str]:
    """The case ids of the session suite against SUBJECT, in the order pytest would run them."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", "--pyargs", "mwconform.suites.session", f"--mwc-subject={SUBJECT}", *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return [line.split(f"[{SUBJECT}-", 1)[1].rstrip("]") for line in proc.stdout.splitlines() if f"[{SUBJECT}-" in line]


#: Searches are slow; the expiry case no longer is: time-machine moves the clock instead of waiting.
SLOW = {"machine.sequence", "robust.hostile-cookie"}


def test_slow_cases_run_first_under_worksteal_and_in_collected_order_otherwise() -> None:
    """worksteal: the slow cases lead; default: the same cases, the slow ones where collected."""
    plain, stealing = collected(), collected("--dist", "worksteal")
    assert sorted(plain) == sorted(stealing) and SLOW <= set(plain)
    assert set(stealing[: len(SLOW)]) == SLOW
    assert set(plain[: len(SLOW)]) != SLOW
