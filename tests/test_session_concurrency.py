"""Both conforming concurrency designs pass (SPEC decision 6): per-request copies whose changes the
store merges (the reference), and one live record handed to every request of a session (below).
The broken designs (a whole-record save, a reused session object) are mutants in
tests/mutants/session.py."""

from pathlib import Path

from mwconform.adapters.session_reference import ReferenceSession
from mwconform.reference.session import Session, SessionManager
from tests.selftest import outcomes, run_suite


class LiveRecords(SessionManager):
    """Hands every request of one session the same live Session object, as an in-process store of
    live records does: concurrent requests write into one record and may see each other's writes.
    The live object goes with its id (rotation, logout, expiry), so nothing outlives its record."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.live: dict[str, Session] = {}

    async def load(self, cookie_header: str | None) -> Session:
        session = await super().load(cookie_header)
        if session.sid is None:
            return session
        return self.live.setdefault(session.sid, session)

    async def commit(self, session: Session) -> str | None:
        before = session.sid
        header = await super().commit(session)
        if before is not None and session.sid != before:
            self.live.pop(before, None)
        return header


class LiveRecordSubject(ReferenceSession):
    name = "test/session-live-record"
    storage = "memory"
    description = LiveRecords.__doc__ or ""
    manager_class = LiveRecords


def test_a_store_that_hands_out_the_live_record_passes_the_concurrency_cases(tmp_path: Path) -> None:
    subject = f"{__name__}:LiveRecordSubject"
    results = run_suite("session", [subject], tmp_path, "--mwc-mode=inprocess", "-k", "concurrency")
    found = outcomes(results)
    assert found == {
        ("test/session-live-record", "concurrency.fifty-requests-one-session"): "pass",
        ("test/session-live-record", "concurrency.writers-of-different-keys-all-kept"): "pass",
    }, [(c["id"], c["outcome"], c["reason"]) for c in results["cases"]]


def test_the_live_record_design_is_really_shared(tmp_path: Path) -> None:
    """Not a per-request copy in disguise: some concurrent request answers another's key too."""
    results = run_suite("session", [f"{__name__}:LiveRecordSubject"], tmp_path, "--mwc-mode=inprocess", "-k", "fifty-requests")
    (case,) = results["cases"]
    bodies = [e["response"]["body"] for e in case["exchanges"] if e["request"]["path"] == "/set"]
    assert any(body.count('"k') > 1 for body in bodies), bodies
