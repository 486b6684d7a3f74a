"""The Starlette and FastAPI feature subjects (CORS, sessions, JWT) grade as declared in both serving modes: the
same verdict on every case, no `fail` and no `error` (each deviation is `known`), and every `known`
entry exercised, so an upgrade that fixes or adds a deviation shows up here. The CORS subject is
also in test_cors_subjects.py and the browser agreement test."""

from pathlib import Path

import pytest

from tests.selftest import run_suite
from tests.test_session_selftest import redis_url  # noqa: F401  (the fixture: one private redis-server)

SUITES = {
    "cors": ["starlette/cors", "fastapi/cors"],
    "session": ["starlette/session", "starlette/starsessions-cookie", "starlette/starsessions-redis"],
    "jwt": ["fastapi/fastapi-users-jwt"],
}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_starlette_feature_subjects_grade_as_declared_in_both_modes(suite: str, tmp_path: Path, redis_url: str | None) -> None:  # noqa: F811
    runs = {}
    for mode in ("socket", "inprocess"):
        (tmp_path / mode).mkdir()
        runs[mode] = run_suite(suite, SUITES[suite], tmp_path / mode, f"--mwc-mode={mode}")
    socket, inprocess = ({(c["subject"], c["id"]): c["outcome"] for c in r["cases"]} for r in runs.values())
    assert {s for s, _ in socket} == set(SUITES[suite])
    assert {k: (v, inprocess.get(k)) for k, v in socket.items() if inprocess.get(k) != v} == {}
    cases = runs["socket"]["cases"]
    unexpected = [f"{c['subject']} {c['id']}: {c['outcome']} {c['reason']}" for c in cases if c["outcome"] in ("fail", "error") or c["stale_known"]]
    assert not unexpected, "verdicts that contradict the subjects' declarations:\n" + "\n".join(unexpected)
    for name, subject in runs["socket"]["subjects"].items():
        graded = {c["id"] for c in cases if c["subject"] == name and c["outcome"] == "known"}
        assert graded == set(subject["known"]), f"{name}: known entries never exercised: {set(subject['known']) - graded}"
