"""JOSE header parameters: unknown critical extensions, key references an attacker controls, injection in kid."""

import pytest
from mwconform.suites.jwt.check import RS256, JwtCase, Step, check
from mwconform.suites.jwt.tokens import ATTACKER_JWK, ATTACKER_X5C, Mint

from mwconform.plugin import Context

ATTACKER = "https://attacker.example/jwks.json"

CASES = [
    JwtCase(
        id="jose.crit-unknown",
        title='Bearer <HS256 {"crit":["x-policy"],"x-policy":1} token correctly signed with the policy secret>',
        requirements=("jwt.jose.crit",),
        expect="Refused: the recipient does not understand the critical extension x-policy.",
        steps=(Step("refuse", Mint(header=(("crit", ["x-policy"]), ("x-policy", 1)))),),
    ),
    JwtCase(
        id="jose.unknown-param-ignored",
        title='Bearer <HS256 {"foo":"bar"} token correctly signed with the policy secret>',
        requirements=("jwt.jose.unknown-params-ignored", "jwt.token.valid-accepted"),
        expect="Accepted: header parameters the recipient does not understand are ignored unless critical.",
        steps=(Step("accept", Mint(header=(("foo", "bar"),))),),
    ),
    *(
        JwtCase(
            id=f"jose.{name}",
            title=f"Bearer <RS256 {{{param}: {shown}}} token signed with the attacker's RSA key>; the policy allows RS256 with its public key",
            requirements=("jwt.jose.key-source",),
            expect=f"Refused: keys come from the policy, never from the token's {param}.",
            policy=RS256,
            steps=(Step("refuse", Mint(alg="RS256", signer="attacker-rsa", header=((param, value),))),),
        )
        for name, param, value, shown in (
            ("jwk-embedded", "jwk", ATTACKER_JWK, "the attacker's public JWK"),
            ("jku-attacker", "jku", ATTACKER, ATTACKER),
            ("x5u-attacker", "x5u", ATTACKER, ATTACKER),
            ("x5c-embedded", "x5c", ATTACKER_X5C, "[the attacker's self-signed certificate]"),
        )
    ),
    *(
        JwtCase(
            id=f"jose.kid-{name}",
            title=f"Bearer <HS256 {{kid: {kid!r}}} token HMAC'd with key {key!r}>",
            requirements=("jwt.jose.key-source",),
            expect="Refused, never a 5xx: kid selects among the policy's keys and is never a path, query or command.",
            steps=(Step("refuse", Mint(signer=signer, header=(("kid", kid),))),),
        )
        for name, kid, signer, key in (
            ("path-traversal", "../../../../../../dev/null", "empty-hmac", ""),
            ("sql-injection", "x' UNION SELECT '1';--", "one-hmac", "1"),
            ("command-injection", "|sleep 10", "empty-hmac", ""),
            # A key file an attacker can name and whose content every Linux host shares.
            ("path-known-content", "../../../../../../proc/sys/kernel/ostype", "ostype-hmac", "Linux\n"),
        )
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_jose_header(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
