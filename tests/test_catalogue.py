"""`suites.catalogue()` (what `mwconform list`, the report and the mutation score read) holds every
case a suite's test functions run, no more and no fewer."""

import importlib
import pkgutil

import pytest

from mwconform.case import Case
from mwconform.suites import SUITES, catalogue


def parametrized(suite: str) -> set[str]:
    """The ids of the Cases in the `parametrize` marks of the suite's test functions."""
    found: set[str] = set()
    package = importlib.import_module(f"mwconform.suites.{suite}")
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"mwconform.suites.{suite}.{info.name}")
        for name, func in vars(module).items():
            for mark in getattr(func, "pytestmark", []) if name.startswith("test_") else []:
                if mark.name == "parametrize":
                    found |= {v.id for p in mark.args[1] for v in getattr(p, "values", (p,)) if isinstance(v, Case)}
    return found


@pytest.mark.parametrize("suite", SUITES)
def test_the_catalogue_lists_every_case_the_suite_runs(suite: str) -> None:
    assert {c.id for c in catalogue()[suite]} == parametrized(suite)
