"""Integrity: tampered, forged, truncated, garbage, empty and junk cookies are never trusted, never a 500."""

from collections.abc import Callable

import pytest
from mwconform.suites.session.check import Play, Script, SessionCase, check, expect_cookie, expect_counter, fresh_session

from mwconform.outcomes import NotApplicable
from mwconform.plugin import Context

REQUIREMENTS = ("session.integrity.tamper", "session.integrity.no-error")


def change_middle(value: str) -> str:
    middle = len(value) // 2
    return value[:middle] + ("B" if value[middle] == "A" else "A") + value[middle + 1 :]


def tampered(forge: Callable[[str], str], what: str) -> Script:
    """Store counter 1, check the genuine cookie counts 2, then send `forge(cookie)`: a new session."""

    async def script(p: Play) -> None:
        cookie = expect_cookie(await p.get("/"), "the counter was stored")
        expect_counter(await p.get("/", cookie), 2, "the genuine cookie carries the session")
        forged = forge(cookie)
        fresh_session(await p.get("/", forged), forged, what)

    return script


async def foreign_key(p: Play) -> None:
    if "server-store" in p.subject.capabilities:
        raise NotApplicable(
            "server-side store: another app's cookie is only an id this store never issued "
            "(graded by fixation.unknown-id-not-adopted)"
        )
    async with p.another() as other:
        foreign = expect_cookie(await other.get("/"), "the other app stored its counter")
    fresh_session(await p.get("/", foreign), foreign, "made by another app with its own secret")


CASES = [
    SessionCase(
        id=case_id,
        title=f"GET / (counter 1), GET / with its cookie (counter 2), then GET / with {title}",
        requirements=REQUIREMENTS,
        expect="The last request is served as a new, empty session: 200 Counter: 1, never a 5xx, and any session cookie "
        "sent back is a fresh value.",
        script=tampered(forge, what),
    )
    for case_id, title, forge, what in (
        ("integrity.one-character-changed", "the cookie's middle character changed", change_middle, "with one character changed"),
        ("integrity.truncated", "the first half of the cookie", lambda v: v[: len(v) // 2].rstrip(), "cut in half"),
        ("integrity.garbage", "cookie value 'not.a.session~!'", lambda v: "not.a.session~!", "of garbage"),
        ("integrity.empty-value", "an empty cookie value", lambda v: "", "with an empty value"),
        ("integrity.4k-junk", "a 4000-byte junk cookie value", lambda v: "A" * 4000, "of 4000 bytes of junk"),
    )
] + [
    SessionCase(
        id="integrity.foreign-key",
        title="GET / on a second app of the same subject (its own secret), then GET / here with that app's cookie",
        requirements=REQUIREMENTS,
        expect="The foreign cookie is served as a new, empty session: 200 Counter: 1, never Counter: 2.",
        script=foreign_key,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_integrity(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
