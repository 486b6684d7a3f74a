"""pytest plugin for the mutation score: each mutant meets only the cases it declares it `breaks`.

Every mutant names, next to its docstring, the suite cases that must fail it. The score's two
claims (every mutant is killed, every case kills one) need only those pairs, a few hundred case
runs instead of every case against every mutant (about 5,600 for JWT alone), so the test run can
afford to check them on every commit. `python bench/mutation_score.py --all` still runs the cross
product. Loaded in the suite's child pytest with `-p tests.mutants.targeted`.
"""

from __future__ import annotations

import pytest


def declared(subject: object) -> tuple[str, ...]:
    """The case ids `subject` declares it breaks; a mutant without them is a mistake, said loudly."""
    breaks = getattr(subject, "breaks", ())
    if not breaks or isinstance(breaks, str):
        raise pytest.UsageError(f"mutant {getattr(subject, 'name', subject)!r} declares no `breaks`: give the tuple of case ids that must fail it")
    return tuple(breaks)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        subject = getattr(getattr(item, "callspec", None), "params", {}).get("mwc_subject")
        case = item.get_closest_marker("mwc_case")
        wanted = subject is None or case is None or case.args[0].id in declared(subject)
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
