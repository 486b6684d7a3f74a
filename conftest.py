"""Checkout guard: the suites and tests must run against this checkout's code, not another install.

The README installs the checkout in editable mode; if `mwconform` resolves elsewhere (a stale
`pip install mwconform`), every result would describe the wrong code, so stop with one line.
"""

from pathlib import Path

import pytest

import mwconform

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    imported = Path(mwconform.__file__).resolve().parent.parent
    if imported != HERE:
        raise pytest.UsageError(f"mwconform is imported from {imported}, not this checkout {HERE}: run  pip install -e .  here")
