"""The in-process mode agrees with the socket mode (the truth) on every pipeline case."""

from pathlib import Path

import pytest

from tests.selftest import mode_differences, run_suite

SUBJECTS = ["reference/onion", "reference/hooks", "sanic/middleware", "sanic/on-hooks"]
#: The one place the modes differ, because the framework does: Sanic's ASGI interface (in-process)
#: answers an upgrade refused by request middleware with `http.response.start` on the `websocket`
#: scope, which ASGI does not allow (an error naming it); its own server (socket) sends the 403.
SANIC_ASGI_REFUSAL = {(s, "websocket.b-refuses-upgrade-with-403") for s in SUBJECTS if s.startswith("sanic/")}


def test_in_process_and_socket_modes_give_the_same_verdict_and_trace_on_every_case(tmp_path: Path) -> None:
    socket = run_suite("pipeline", SUBJECTS, tmp_path / "s", "--mwc-mode=socket")
    inprocess = run_suite("pipeline", SUBJECTS, tmp_path / "i", "--mwc-mode=inprocess")

    def verdicts(results: dict) -> dict:
        return {(c["subject"], c["id"]): (c["outcome"], [e["trace"] for e in c.get("exchanges", [])]) for c in results["cases"]}

    a, b = verdicts(socket), verdicts(inprocess)
    assert a.keys() == b.keys() and len(a) == 4 * 46
    assert set(mode_differences(a, b)) == SANIC_ASGI_REFUSAL
    assert {b[k][0] for k in SANIC_ASGI_REFUSAL} == {"error"} and {a[k][0] for k in SANIC_ASGI_REFUSAL} == {"pass"}


def test_a_mode_a_subject_lacks_is_not_applicable(tmp_path: Path) -> None:
    results = run_suite("pipeline", ["aiohttp/native"], tmp_path, "--mwc-mode=inprocess", "-k", "three-layers")
    (case,) = results["cases"]
    assert case["outcome"] == "n/a" and "has no inprocess mode" in case["reason"]


@pytest.fixture(autouse=True)
def _dirs(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "i").mkdir()
