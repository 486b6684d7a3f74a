"""The signature covers the whole token: stripped, altered, re-keyed or re-used tokens are refused."""

import pytest
from mwconform.suites.jwt.check import ES256, HS256, RS256, JwtCase, Step, check
from mwconform.suites.jwt.tokens import Mint

from mwconform.plugin import Context

CASES = [
    *(
        JwtCase(
            id=f"sig.{name}",
            title=title,
            requirements=("jwt.sig.verified",),
            expect="Refused: the signature does not verify under the policy's key.",
            policy=policy,
            steps=(Step("refuse", token),),
        )
        for name, title, token, policy in (
            ("stripped", "Bearer <HS256 header>.<payload>. (signature removed)", Mint(tamper="strip-signature"), HS256),
            ("flipped", "Bearer <HS256 token with one bit of its signature flipped>", Mint(tamper="flip-signature"), HS256),
            ("payload-swapped", "Bearer <HS256 token with sub changed to admin after signing>", Mint(tamper="swap-payload"), HS256),
            ("other-secret", "Bearer <HS256 token signed with another 32-byte secret>", Mint(signer="other-secret"), HS256),
            ("empty-hmac-key", "Bearer <HS256 token HMAC'd with an empty key>", Mint(signer="empty-hmac"), HS256),
            ("rs256-attacker-key", "Bearer <RS256 token signed with the attacker's RSA key>; the policy allows RS256", Mint(alg="RS256", signer="attacker-rsa"), RS256),
            (
                "psychic-es256",
                "Bearer <ES256 token whose signature is 64 zero bytes (r = s = 0)>; the policy allows ES256 with an EC public key",
                Mint(alg="ES256", signer="zero-ecdsa"),
                ES256,
            ),
        )
    ),
    JwtCase(
        id="sig.broken-then-valid",
        title="Bearer <HS256 token with a flipped signature bit>, then Bearer <the valid token>",
        requirements=("jwt.sig.verified", "jwt.token.valid-accepted"),
        expect="The first request is refused, the second accepted: a bad token leaves no state behind.",
        steps=(Step("refuse", Mint(tamper="flip-signature")), Step("accept")),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_signature(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
