"""Hostile Cookie headers never crash the session layer (a 5xx or a dropped connection is a finding);
see mwconform.suites.hostile for the budget and what can be sent."""

import pytest
from hypothesis import strategies as st
from mwconform.reference.scenario import Call
from mwconform.reference.session import SessionPolicy
from mwconform.suites.hostile import EXPECT, FIELD_TEXT, HostileCase, check, field_values
from mwconform.suites.session.check import scenario

from mwconform.plugin import Context

POLICY = SessionPolicy()
#: Values a session store may choke on: quotes, backslashes, JSON, signatures cut short, obs-text.
VALUES = st.one_of(
    st.sampled_from(['"', '""', '"\\"', '"\\351"', '{"a":1}', "[]", "1", "null", "{", "a.b.c", ".eJw", "\xe9", '"\xe9"', "=", ""]),
    FIELD_TEXT.filter(lambda v: ";" not in v),
)
NAMES = st.sampled_from([POLICY.cookie_name, POLICY.cookie_name, "other", "$Version", "expires", "Path", ""])
#: A pair, or a piece with no `=` at all.
PAIRS = st.one_of(st.builds("{}={}".format, NAMES, VALUES), NAMES, FIELD_TEXT)
#: The session cookie alone (so its value reaches the store), or a list of pairs and pieces.
COOKIES = field_values(
    st.builds(f"{POLICY.cookie_name}={{}}".format, VALUES),
    st.lists(PAIRS, min_size=1, max_size=4).flatmap(lambda pairs: st.sampled_from(["; ", ";", ", ", " ;; "]).map(lambda sep: sep.join(pairs))),
)


def request(value: str) -> Call:
    return Call("GET", "/", (("Cookie", value),))


CASES = [
    HostileCase(
        id="robust.hostile-cookie",
        title="default policy; GET / (the counter) with generated Cookie headers: the session cookie and others, repeated, "
        "with quotes, backslashes, JSON, empty values, pieces without '=', obs-text (30 values under mwc-ci, 1000 "
        "under mwc-deep)",
        requirements=("session.robust.hostile-cookie",),
        expect=EXPECT,
        scenario=scenario(POLICY),
        header="Cookie",
        values=COOKIES,
        request=request,
        always=('mwc_session="', "mwc_session=\xe9", 'mwc_session="\xe9"', "mwc_session"),
    )
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_robustness(case: HostileCase, mwc: Context) -> None:
    check(case, mwc)
