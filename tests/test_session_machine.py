"""The session machine: a planted divergence comes back as a shrunk, readable sequence that replays.

The machine's kills across every session mutant are in test_mutation_score.py, and the reference
session subjects passing it are in test_session_selftest.py; this checks what a failure looks like.
"""

import re
from pathlib import Path

from tests.selftest import run_suite
from tests.test_properties import replay

PLANTED = "tests.mutants.session:SlidingOnReadSubject"  # every read restamps the record's expiry


def test_a_planted_divergence_is_a_shrunk_readable_sequence_that_replays(tmp_path: Path) -> None:
    (case,) = run_suite("session", [PLANTED], tmp_path, "--mwc-mode=inprocess", "-k", "machine.sequence")["cases"]
    assert case["outcome"] == "fail"
    # One line: the minimal sequence, then what went wrong at its last step. Shrunk: store
    # something, read it within max-age, then read again past max-age since the write.
    reason = case["reason"]
    assert reason == 'shrunk to: write a=1; wait 35 s; read; wait 35 s; read | read: the session is {"a": "1"}, expected {}', reason
    # Each step in full: the request with the cookie it carried, and what came back.
    assert case["sequence"] == [
        'write a=1: GET /write with no cookie [x-mwc-session-set: a=1] → 200 {"a": "1"}, sets C1',
        "wait 35 s",
        'read: GET /read with C1 → 200 {"a": "1"}',
        "wait 35 s",
        'read: GET /read with C1 → 200 {"a": "1"}',
    ], case["sequence"]
    assert [e["request"]["path"] for e in case["exchanges"]] == ["/write", "/read", "/read"]
    assert re.search(r"moved by one of 0, 35 s without sleeping \(max-age 60 s\)", case["time"]), case["time"]
    assert case["replay"]["command"].endswith("--mwc-mode inprocess -k machine.sequence")
    assert replay(case["replay"]["command"], tmp_path)["reason"] == reason
