"""The benchmarks still run against the current code: nothing else in the test run calls them, and
both of these broke unseen once (a changed `Framework.build` signature, a tox env without the ASGI
extra). Timings stay in `bench/`; this only runs each measured case once."""

import configparser

import pytest

from bench import cases
from tests.selftest import ROOT


@pytest.mark.parametrize(("name", "mode"), [(name, mode) for name, mode, _ in cases.MEASURED])
def test_each_measured_case_runs_once(name: str, mode: str) -> None:
    cases.subject_case(name, mode)()


def test_the_aiohttp_anchor_runs_once() -> None:
    cases.aiohttp_test_client_case()()


def test_the_bench_env_installs_every_extra_the_report_env_runs() -> None:
    """bench/matrix.py times the whole run as `tox -e report` runs it, so it needs that env's packages."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    extras = {env: {e.strip() for e in tox[f"testenv:{env}"].get("extras", "").split(",") if e.strip()} for env in ("bench", "report")}
    assert extras["report"] <= extras["bench"]
