"""sanic-ext's CORS subjects, graded where they must be: in an environment of their own.

An importable sanic-ext changes every Sanic app in the process and makes Sanic-Cors register as a
sanic-ext extension, so the project's test environment never has it. This test installs the
checkout with the `sanic-ext` extra into a throwaway venv, as `tox -e sanic-ext` does, and grades
the `sanic-ext` adapter there.
"""

import json
from pathlib import Path

from mwconform.adapters.cors_sanic import SANIC_EXT_PRESENT
from tests.test_packaging import fresh_venv, run

SUBJECTS = {"sanic-ext/cors", "sanic-ext/sanic-cors"}


def test_sanic_ext_subjects_grade_as_declared_in_their_own_venv(tmp_path: Path) -> None:
    """Every verdict pass, known or n/a, each known entry exercised; plain Sanic-Cors answers n/a there."""
    python = fresh_venv(tmp_path, "sanic-ext")
    results = tmp_path / "sanic-ext.json"
    graded = run([str(python), "-m", "mwconform.cli", "run", "--adapter", "sanic-ext", "--json", str(results)], tmp_path)
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    document = json.loads(results.read_text())
    cases = document["cases"]
    assert {c["subject"] for c in cases} == SUBJECTS and {c["suite"] for c in cases} == {"cors"}
    unexpected = [f"{c['subject']} {c['id']}: {c['outcome']} {c['reason']}" for c in cases if c["outcome"] not in ("pass", "known", "n/a") or c["stale_known"]]
    assert not unexpected, "verdicts that contradict the subjects' declarations:\n" + "\n".join(unexpected)
    for name in SUBJECTS:
        assert any(c["outcome"] == "pass" for c in cases if c["subject"] == name), f"{name} passed nothing: was it graded at all?"
        graded_known = {c["id"] for c in cases if c["subject"] == name and c["outcome"] == "known"}
        assert graded_known == set(document["subjects"][name]["known"]), f"{name}: known entries never exercised"

    plain = tmp_path / "sanic-cors.json"
    argv = ["run", "--subject", "sanic/sanic-cors", "--suite", "cors", "--json", str(plain), "--", "-k", "actual"]
    assert run([str(python), "-m", "mwconform.cli", *argv], tmp_path).returncode == 3  # every case n/a: no verdict (README, Exit codes)
    verdicts = {(c["outcome"], c["reason"]) for c in json.loads(plain.read_text())["cases"]}
    assert verdicts == {("n/a", SANIC_EXT_PRESENT)}
