"""Random sessions: hypothesis plays login, read, write, logout, tamper, replay and time against a model."""

import pytest
from mwconform.suites.session.machine import MAX_AGE, MachineCase, check

from mwconform.plugin import Context

CASES = [
    MachineCase(
        id="machine.sequence",
        title=f"max-age {MAX_AGE} s; hypothesis-drawn sequences of GET /write (a|b = 1|2), GET /login (alice|bob), GET "
        "/logout, GET /read, GET /read with the browser's cookie tampered (middle or last character changed, cut in "
        "half, garbage) and GET /read replaying any cookie once issued, each request 0 or 35 s after the previous one "
        "without sleeping (an injected clock, or time-machine)",
        requirements=(
            "session.persist.round-trip",
            "session.integrity.tamper",
            "session.integrity.no-error",
            "session.lifetime.server-enforced",
            "session.lifetime.from-last-write",
            "session.fixation.rotate-on-login",
            "session.fixation.no-adoption",
            "session.logout.server-record",
        ),
        expect="Every answer is 200 with the session the model holds: reads see exactly the last writes until max-age "
        "after the last write; login sends a new cookie value (a new id with a server-side store); logout and a tampered "
        "cookie leave an empty session and a fresh cookie on the next write; a replayed cookie carries what it was "
        "issued with (cookie storages) or its server record (empty once logged out, never the post-login session once "
        "rotated). A failure shows hypothesis' shrunk minimal sequence.",
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_machine(case: MachineCase, mwc: Context) -> None:
    check(case, mwc)
