"""A pytest plugin (`-p bench.phases`) that writes each process's CPU per phase of the run.

Every pytest process (an xdist controller and each worker alike) writes `<worker id>.json` into
`$MWC_PHASES_DIR`: CPU seconds (user + system, `getrusage`) spent up to `pytest_configure`
(interpreter, imports, plugins), in collection, running cases, and finishing (results, Redis
stop), with the wall seconds of each. `bench/profile_workers.py` reads them.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path

import pytest

_marks: list[tuple[str, float, float]] = []


def _mark(phase: str) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _marks.append((phase, usage.ru_utime + usage.ru_stime, time.perf_counter()))


def pytest_configure(config: pytest.Config) -> None:
    _mark("start-up (interpreter, imports, plugins)")


def pytest_collection_finish(session: pytest.Session) -> None:
    _mark("collection")


def pytest_sessionfinish(session: pytest.Session) -> None:
    _mark("cases (in a controller: waiting on workers, receiving reports)")


def pytest_unconfigure(config: pytest.Config) -> None:
    _mark("finish (results file, teardown)")
    folder = os.environ.get("MWC_PHASES_DIR")
    if folder:
        name = getattr(config, "workerinput", {}).get("workerid", "main")
        Path(folder, f"{name}.json").write_text(json.dumps(_marks), encoding="utf-8")
