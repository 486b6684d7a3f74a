"""The bundled CORS subjects grade as declared: the reference ones pass every case, the
third-party ones deviate exactly where their `known` entries say and crash exactly where their
`crashes` entries say (so a package upgrade that fixes or adds a deviation or a crash shows up here)."""

from pathlib import Path

from tests.selftest import run_suite

SUBJECTS = ["aiohttp/reference-cors", "sanic/reference-cors", "aiohttp/aiohttp-cors", "aiohttp/handwritten", "sanic/sanic-cors", "starlette/cors", "fastapi/cors", "litestar/cors"]
def test_cors_subjects_grade_as_declared(tmp_path: Path) -> None:
    results = run_suite("cors", SUBJECTS, tmp_path)
    cases = results["cases"]
    assert {c["subject"] for c in cases} == set(SUBJECTS)
    unexpected = [
        f"{c['subject']} {c['id']}: {c['outcome']} {c['reason']}"
        for c in cases
        if c["outcome"] == "fail" or (c["outcome"] == "error" and not c.get("expected_crash")) or c["stale_known"]
    ]
    assert not unexpected, "verdicts that contradict the subjects' declarations:\n" + "\n".join(unexpected)
    for name in ("aiohttp/reference-cors", "sanic/reference-cors"):
        assert {c["outcome"] for c in cases if c["subject"] == name} == {"pass"}, f"{name} must pass every cors case"
    for name, subject in results["subjects"].items():
        graded = {c["id"] for c in cases if c["subject"] == name and c["outcome"] == "known"}
        assert graded == set(subject["known"]), f"{name}: known entries never exercised: {set(subject['known']) - graded}"
        crashed = {c["id"]: c["expected_crash"] for c in cases if c["subject"] == name and c.get("expected_crash")}
        assert crashed == subject["crashes"], f"{name}: declared crashes that did not happen: {set(subject['crashes']) - set(crashed)}"
    assert results["subjects"]["aiohttp/aiohttp-cors"]["crashes"], "aiohttp-cors declares its crash on a handler-set Access-Control-Allow-Origin"
