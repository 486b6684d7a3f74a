"""The conformance suites. Each is a package of `test_*.py` modules whose `CASES` tables declare
the cases; run them with `pytest --pyargs mwconform.suites.<name> --mwc-subject ...`."""

from __future__ import annotations

import importlib
import pkgutil

from mwconform.case import Case

SUITES = ("pipeline", "properties", "cors", "session", "jwt")


def catalogue() -> dict[str, list[Case]]:
    """Every case of every suite, by suite, without running anything."""
    found: dict[str, list[Case]] = {}
    for suite in SUITES:
        package = importlib.import_module(f"mwconform.suites.{suite}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name.startswith("test_"):
                module = importlib.import_module(f"mwconform.suites.{suite}.{info.name}")
                found.setdefault(suite, []).extend(getattr(module, "CASES", []))
    return found
