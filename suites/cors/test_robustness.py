"""Hostile Origin and Access-Control-Request-Headers values never crash the CORS layer (a 5xx or a
dropped connection is a finding); see mwconform.suites.hostile for the budget and what can be sent."""

import pytest
from hypothesis import strategies as st
from mwconform.reference.scenario import Call, Scenario
from mwconform.suites.cors.check import ROUTES, A, E, get, preflight_call
from mwconform.suites.cors.policies import LIST
from mwconform.suites.hostile import EXPECT, FIELD_TEXT, HostileCase, check, field_values

from mwconform.plugin import Context

#: Origins that look almost right: odd schemes, hosts and ports (out of range, not numbers), paths.
ORIGINS = field_values(
    st.builds(
        "{}://{}{}".format,
        st.sampled_from(["https", "http", "HTTPS", "ftp", "", "null"]),
        st.sampled_from(["app.example.com", "localhost", "[::1]", "[", "a..b", "\xe9.example", "app.example.com.evil.net", ""]),
        st.sampled_from(["", ":8080", ":0", ":99999", ":-1", ":x", ":443:443", "/", "/p?q#f", "@evil.net"]),
    ),
    st.sampled_from(["null", "*", A, f"{A}, {E}", f"{A} {E}", "file://", "https://"]),
)
#: Request-header lists with empty, padded, non-token and non-ASCII items.
NAMES = field_values(st.lists(st.one_of(st.sampled_from(["x-custom", "X-Custom", "content-type", "", " ", "a b", "\xe9", "*", ";"]), FIELD_TEXT), max_size=4).map(",".join))


def request(value: tuple[str, str | None]) -> Call:
    """An actual GET with the Origin; with request-header names, a preflight for PUT carrying them."""
    origin, names = value
    return get(origin) if names is None else preflight_call(origin, "PUT", names)


CASES = [
    HostileCase(
        id="robust.hostile-origin-and-request-headers",
        title="list policy (two origins, credentials); GET /r with generated Origin values (bad schemes, hosts, ports, "
        "lists, obs-text), and preflights for PUT /r adding generated Access-Control-Request-Headers lists "
        "(30 values under mwc-ci, 1000 under mwc-deep)",
        requirements=("cors.robust.hostile-headers",),
        expect=EXPECT,
        scenario=Scenario(ROUTES, cors=LIST),
        header="Origin / Access-Control-Request-Headers",
        values=st.tuples(ORIGINS, st.one_of(st.none(), NAMES)),
        request=request,
        always=(("https://[", None), ("https://\xe9.example", "")),
    )
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_robustness(case: HostileCase, mwc: Context) -> None:
    check(case, mwc)
