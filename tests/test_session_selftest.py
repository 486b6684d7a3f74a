"""The reference session middleware passes every session case (the mutants: test_mutation_score.py)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from mwconform.redis_server import ENV, RedisServer, find_executable
from tests.selftest import run_suite

#: The reference session middleware on each framework and storage, with the mode to serve it in
#: (the reference pipeline in-process, which is quicker; the frameworks over real sockets).
REFERENCE_SUBJECTS = {
    "inprocess": ["reference/session-signed", "reference/session-encrypted", "reference/session-memory", "reference/session-redis"],
    "socket": ["aiohttp/reference-cookie", "aiohttp/reference-redis", "sanic/reference-cookie", "sanic/reference-redis"],
}


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str | None]:
    """One private redis-server for the child run (None where redis-server is not installed)."""
    executable = find_executable()
    if executable is None:
        yield None
        return
    with RedisServer(executable) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV, server.url)
        yield server.url


@pytest.mark.parametrize("mode", sorted(REFERENCE_SUBJECTS))
def test_reference_session_subjects_pass_every_case(mode: str, tmp_path: Path, redis_url: str | None) -> None:
    """The reference session middleware passes every case on every framework and storage.

    The only other outcomes allowed: n/a for a case about server-side stores on a cookie storage
    (or the reverse), and n/a for the Redis subjects where redis-server is not installed.
    """
    results = run_suite("session", REFERENCE_SUBJECTS[mode], tmp_path, f"--mwc-mode={mode}")
    assert {c["subject"] for c in results["cases"]} == set(REFERENCE_SUBJECTS[mode])
    wrong = []
    for case in results["cases"]:
        by_storage = case["outcome"] == "n/a" and ("lacks server-store" in case["reason"] or "server-side store" in case["reason"])
        no_redis = case["outcome"] == "n/a" and redis_url is None and "redis-server is not installed" in case["reason"]
        if case["outcome"] != "pass" and not by_storage and not no_redis:
            wrong.append(f"{case['subject']} {case['id']}: {case['outcome']} {case['reason']}")
    assert not wrong, wrong
