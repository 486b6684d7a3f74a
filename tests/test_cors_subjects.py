"""The bundled CORS subjects grade as declared: the reference ones pass every case, the
third-party ones deviate exactly where their `known` entries say (so a package upgrade that fixes
or adds a deviation shows up here)."""

from pathlib import Path

from tests.selftest import run_suite

SUBJECTS = ["aiohttp/reference-cors", "sanic/reference-cors", "aiohttp/aiohttp-cors", "aiohttp/handwritten", "sanic/sanic-cors", "starlette/cors", "fastapi/cors", "litestar/cors"]
#: Errors the blame rules give a bundled package (SPEC §0 rule 3: a dropped connection outside the
#: hostile-input cases is an error, not a verdict).
CRASHES = {
    # `_on_response_prepare` asserts Access-Control-Allow-Origin is unset: the handler's own one
    # makes the AssertionError drop the connection unanswered.
    ("aiohttp/aiohttp-cors", "actual.single-allow-origin-handler-set-one"): "the subject closed the connection without answering",
}


def test_cors_subjects_grade_as_declared(tmp_path: Path) -> None:
    results = run_suite("cors", SUBJECTS, tmp_path)
    cases = results["cases"]
    assert {c["subject"] for c in cases} == set(SUBJECTS)
    for (subject, case), reason in CRASHES.items():
        crashed = [c for c in cases if (c["subject"], c["id"]) == (subject, case)]
        assert crashed and crashed[0]["outcome"] == "error" and reason in crashed[0]["reason"], crashed
    unexpected = [
        f"{c['subject']} {c['id']}: {c['outcome']} {c['reason']}"
        for c in cases
        if (c["outcome"] in ("fail", "error") and (c["subject"], c["id"]) not in CRASHES) or c["stale_known"]
    ]
    assert not unexpected, "verdicts that contradict the subjects' declarations:\n" + "\n".join(unexpected)
    for name in ("aiohttp/reference-cors", "sanic/reference-cors"):
        assert {c["outcome"] for c in cases if c["subject"] == name} == {"pass"}, f"{name} must pass every cors case"
    for name, subject in results["subjects"].items():
        graded = {c["id"] for c in cases if c["subject"] == name and c["outcome"] == "known"}
        assert graded == set(subject["known"]), f"{name}: known entries never exercised: {set(subject['known']) - graded}"
