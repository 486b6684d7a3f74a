"""Hostile Authorization values never crash the JWT layer (a 5xx or a dropped connection is a finding);
see mwconform.suites.hostile for the budget and what can be sent."""

import base64
import json

import pytest
from hypothesis import strategies as st
from jwt.algorithms import get_default_algorithms
from mwconform.reference.scenario import Call, Scenario
from mwconform.suites.hostile import EXPECT, FIELD_TEXT, HostileCase, check, field_values
from mwconform.suites.jwt.check import HS256, ROUTES, JwtCase, K, Step
from mwconform.suites.jwt.check import check as check_steps
from mwconform.suites.jwt.tokens import ALICE, Mint, Pad

from mwconform.plugin import Context


def b64(data: str) -> str:
    return base64.urlsafe_b64encode(data.encode()).rstrip(b"=").decode()


#: JSON texts for a token's header and claims: nesting, huge and non-finite numbers, wrong types.
JSON_TEXTS = st.one_of(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6)),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["alg", "kid", "crit", "exp", "nbf", "iat", "aud", "sub"]), inner, max_size=4)),
        max_leaves=6,
    ).map(json.dumps),
    st.sampled_from(['{"exp":1e400}', '{"iat":-1e400,"nbf":"0"}', '{"exp":1' + "0" * 400 + "}", '{"sub":{}}', '{"aud":[[]]}', "[" * 1500, "", "{"]),
)
HEADERS = st.one_of(st.sampled_from(['{"alg":"HS256"}', '{"alg":"HS256","kid":{}}', '{"alg":"HS256","crit":[1]}', '{"alg":["HS256"]}']), JSON_TEXTS)
HMAC = get_default_algorithms()["HS256"]


@st.composite
def signed(draw: st.DrawFn) -> str:
    """A token with odd header and claims JSON, correctly signed with the policy's secret (so every check runs)."""
    signing_input = f"{b64(draw(HEADERS))}.{b64(draw(JSON_TEXTS))}"
    return f"{signing_input}.{base64.urlsafe_b64encode(HMAC.sign(signing_input.encode(), HMAC.prepare_key(K.secret.encode()))).rstrip(b'=').decode()}"


#: Dot-joined segments: base64url JSON, padding, empty and non-base64url text.
SEGMENTS = st.lists(st.one_of(JSON_TEXTS.map(b64), st.sampled_from(["", "=", "e30=", "!!", "\xe9"]), FIELD_TEXT), min_size=1, max_size=5).map(".".join)
AUTHORIZATION = field_values(
    st.builds(
        "{}{}{}".format,
        st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "Bearerx", "Token", ""]),
        st.sampled_from([" ", "  ", "\t", ""]),
        st.one_of(signed(), SEGMENTS, FIELD_TEXT),
    ),
    st.sampled_from(["Bearer", "Bearer ", "Bearer a b", "Bearer ....", "Bearer e30.e30.", "Bearer ,", "Basic", "Bearer \xe9"]),
)


def request(value: str) -> Call:
    return Call("GET", "/private", (("Authorization", value),))


HOSTILE = [
    HostileCase(
        id="robust.hostile-authorization",
        title="HS256 policy; GET /private with generated Authorization values: other or no schemes, no or many spaces, "
        "odd segments and padding, obs-text, and tokens signed with the policy's secret over odd header and claims "
        "JSON (30 values under mwc-ci, 1000 under mwc-deep)",
        requirements=("jwt.robust.hostile-authorization",),
        expect=EXPECT,
        scenario=Scenario(ROUTES, jwt=HS256),
        header="Authorization",
        values=AUTHORIZATION,
        request=request,
        always=("Bearer", "Bearer \xe9"),
    )
]

#: Token sizes (bytes) and the claim padding that makes an HS256 token about that long (base64url: 4/3).
SIZES = (("8kb", 8 * 1024), ("64kb", 64 * 1024), ("1mb", 1024 * 1024))
SIZED = [
    JwtCase(
        id=f"robust.token-{label}",
        title=f"Authorization: Bearer <HS256 token of about {size} bytes (a padding claim) signed with another secret>",
        requirements=("jwt.robust.token-size",),
        expect="Refused with a 4xx (the framework's own 400, 413 or 431 for an oversized header included), never a 5xx or a hang.",
        steps=(Step("refuse", Mint(claims=(*ALICE, ("pad", Pad(size * 3 // 4 - 80))), signer="other-secret")),),
    )
    for label, size in SIZES
]
#: What `mwconform list` and the report's catalogue read (suites.catalogue).
CASES = [*HOSTILE, *SIZED]


@pytest.mark.parametrize("case", [c.param() for c in HOSTILE])
def test_robustness(case: HostileCase, mwc: Context) -> None:
    check(case, mwc)


@pytest.mark.parametrize("case", [c.param() for c in SIZED])
def test_token_size(case: JwtCase, mwc: Context) -> None:
    check_steps(case, mwc)
