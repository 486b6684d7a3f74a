"""Litestar's own CORS, session and JWT middleware grade as declared, the same in both serving modes:
no `fail` and no `error`, every `known` entry exercised and none stale (a Litestar upgrade that fixes
or adds a deviation shows up here). Real Chromium's agreement with litestar/cors is in
test_cors_browser.py; its socket-mode grading beside the other CORS packages in test_cors_subjects.py."""

from pathlib import Path

import pytest

from mwconform.redis_server import find_executable
from tests.selftest import run_suite

SUBJECTS = {
    "cors": ["litestar/cors"],
    "session": ["litestar/session-cookie", "litestar/session-redis"],
    "jwt": ["litestar/jwt-auth"],
}


def no_redis(case: dict) -> bool:
    """n/a because this machine has no redis-server to start (the Redis subject cannot be served)."""
    return case["outcome"] == "n/a" and find_executable() is None and "redis-server is not installed" in case["reason"]


@pytest.mark.parametrize("suite", sorted(SUBJECTS))
def test_litestar_feature_subjects_grade_as_declared_in_both_modes(suite: str, tmp_path: Path) -> None:
    by_mode = {}
    for mode in ("socket", "inprocess"):
        (tmp_path / mode).mkdir()
        by_mode[mode] = run_suite(suite, SUBJECTS[suite], tmp_path / mode, f"--mwc-mode={mode}")
    socket, inprocess = ({(c["subject"], c["id"]): c["outcome"] for c in by_mode[m]["cases"]} for m in ("socket", "inprocess"))
    assert socket and socket == inprocess, {k: (v, inprocess.get(k)) for k, v in socket.items() if inprocess.get(k) != v}
    results = by_mode["socket"]
    assert {c["subject"] for c in results["cases"]} == set(SUBJECTS[suite])
    wrong = [f"{c['subject']} {c['id']}: {c['outcome']} {c['reason']}" for c in results["cases"] if c["outcome"] in ("fail", "error") or c["stale_known"]]
    assert not wrong, "verdicts that contradict the subjects' declarations:\n" + "\n".join(wrong)
    for name, subject in results["subjects"].items():
        graded = {c["id"] for c in results["cases"] if c["subject"] == name and (c["outcome"] == "known" or no_redis(c))}
        assert set(subject["known"]) <= graded, f"{name}: known entries never exercised: {set(subject['known']) - graded}"
