"""Cookie attributes: the first Set-Cookie under several policies carries exactly what was configured."""

import time
from email.utils import parsedate_to_datetime
from http.cookies import Morsel

import pytest
from mwconform.reference.session import SessionPolicy
from mwconform.suites.session.check import COOKIE_VALUE, Play, SessionCase, check, expect

from mwconform.outcomes import Deviation
from mwconform.plugin import Context

EXPIRES_SLACK = 60  # seconds Expires may differ from Date + Max-Age (clock steps, slow responses)


def problems(morsel: Morsel[str], policy: SessionPolicy, date: str | None) -> list[str]:
    """Each way the session cookie's attributes differ from `policy`."""
    found = []
    for attribute, configured in (("HttpOnly", policy.http_only), ("Secure", policy.secure)):
        if bool(morsel[attribute.lower()]) != configured:
            found.append(f"{attribute} {'missing' if configured else 'present'} (configured {configured})")
    if (morsel["samesite"] or "").lower() != (policy.same_site or "").lower():
        found.append(f"SameSite={morsel['samesite'] or '(absent)'} (configured {policy.same_site})")
    if morsel["path"] != policy.path:
        found.append(f"Path={morsel['path'] or '(absent)'} (configured {policy.path})")
    if (morsel["domain"].lstrip(".") or None) != policy.domain:
        found.append(f"Domain={morsel['domain'] or '(absent, host-only)'} (configured {policy.domain or 'host-only'})")
    if morsel["max-age"] != str(policy.max_age):
        found.append(f"Max-Age={morsel['max-age'] or '(absent)'} (configured {policy.max_age})")
    if morsel["expires"]:
        try:
            sent = parsedate_to_datetime(date).timestamp() if date else time.time()
            drift = parsedate_to_datetime(morsel["expires"]).timestamp() - sent - policy.max_age
        except (TypeError, ValueError):
            found.append(f"Expires={morsel['expires']!r} is not an HTTP date")
        else:
            if abs(drift) > EXPIRES_SLACK:
                found.append(f"Expires={morsel['expires']} is {drift:+.0f} s off the response time + Max-Age")
    if not COOKIE_VALUE.fullmatch(morsel.coded_value):
        found.append(f"the value is not cookie-octets: {morsel.coded_value[:60]!r}")
    return found


async def attributes(p: Play) -> None:
    reply = await p.get("/")
    expect(reply.status == 200, f"{reply}: expected 200 Counter: 1")
    expect(len(reply.cookies) == 1, f"{reply} sent {len(reply.cookies)} Set-Cookie fields for {p.policy.cookie_name}, expected exactly one")
    found = problems(reply.cookies[0], p.policy, reply.exchange.headers.get("date"))
    if found:
        raise Deviation(f"{reply}: " + "; ".join(found))


REQUIREMENTS = ("session.attr.as-configured", "session.attr.one-per-name", "session.attr.lifetime-syntax", "session.attr.cookie-octets")

CASES = [
    SessionCase(
        id=case_id,
        title=f"{title}; first GET /",
        requirements=REQUIREMENTS,
        expect="One Set-Cookie for the session, with exactly the configured HttpOnly, Secure, SameSite, Path, Domain and "
        "Max-Age, an Expires (if any) agreeing with Max-Age, and a cookie-octet value.",
        policy=policy,
        script=attributes,
    )
    for case_id, title, policy in (
        (
            "attributes.default-policy",
            "cookie mwc_session, HttpOnly, SameSite=Lax, Path=/, host-only, Max-Age=3600",
            SessionPolicy(),
        ),
        (
            "attributes.host-prefix-strict",
            "cookie __Host-mwc, Secure, HttpOnly, SameSite=Strict, Path=/, host-only, Max-Age=600",
            SessionPolicy("__Host-mwc", max_age=600, secure=True, same_site="Strict"),
        ),
        (
            "attributes.samesite-none-domain-path",
            "cookie mwc_sid, Secure, HttpOnly, SameSite=None, Domain=app.example, Path=/app, Max-Age=86400",
            SessionPolicy("mwc_sid", max_age=86400, secure=True, same_site="None", domain="app.example", path="/app"),
        ),
        (
            "attributes.script-readable-no-samesite",
            "cookie mwc_sid, no HttpOnly, no SameSite, Path=/, host-only, Max-Age=3600",
            SessionPolicy("mwc_sid", http_only=False, same_site=None),
        ),
    )
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_attributes(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
