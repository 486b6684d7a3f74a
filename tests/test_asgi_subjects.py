"""The ASGI subjects graded by the pipeline suite in both serving modes: the same verdict and trace
on every case, no `fail` and no `error` (what they deviate in is declared `known`), and the
reference passing every case under the two profiles these frameworks brought."""

from pathlib import Path

from tests.selftest import outcomes, run_suite

SUBJECTS = [
    "starlette/asgi",
    "starlette/base-http",
    "starlette/add-middleware",
    "fastapi/http-middleware",
    "fastapi/dependencies",
    "litestar/router",
    "litestar/controller",
    "litestar/handler",
    "litestar/hooks",
    "tests.falcon_subject:FalconComponents",  # a user's own ASGI framework, through AsgiSubject
]


def verdicts(results: dict) -> dict:
    return {(c["subject"], c["id"]): (c["outcome"], [e["trace"] for e in c.get("exchanges", [])]) for c in results["cases"]}


def test_every_asgi_subject_gives_the_same_verdicts_in_both_modes_and_none_fails(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "i").mkdir()
    socket = run_suite("pipeline", SUBJECTS, tmp_path / "s", "--mwc-mode=socket")
    inprocess = run_suite("pipeline", SUBJECTS, tmp_path / "i", "--mwc-mode=inprocess")
    a, b = verdicts(socket), verdicts(inprocess)
    assert a.keys() == b.keys() and len({s for s, _ in a}) == len(SUBJECTS)
    # Background tasks show over a socket only: in-process their cases are n/a, with that reason.
    socket_only = {k for k in a if k[1].startswith("background.")}
    assert {k: (v, b[k]) for k, v in a.items() if b[k] != v and k not in socket_only} == {}
    assert {b[k][0] for k in socket_only} == {"n/a"}
    bad = {k: o for k, o in outcomes(socket).items() if o in ("fail", "error")}
    assert bad == {}


def test_the_reference_passes_every_pipeline_and_generated_case_under_the_starlette_and_litestar_profiles(tmp_path: Path) -> None:
    for suite in ("pipeline", "properties"):
        results = run_suite(suite, ["reference/starlette", "reference/litestar"], tmp_path, "--mwc-mode=inprocess")
        assert results["cases"] and {c["outcome"] for c in results["cases"] if not c["id"].startswith("background.")} == {"pass"}
    # Background tasks show over a socket only.
    results = run_suite("pipeline", ["reference/starlette", "reference/litestar"], tmp_path, "--mwc-mode=socket", "-k", "background")
    assert len(results["cases"]) == 4 and {c["outcome"] for c in results["cases"]} == {"pass"}
