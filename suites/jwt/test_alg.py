"""The algorithm is the policy's, never the token's: `none`, algorithms outside the allowlist, key confusion."""

import pytest
from mwconform.suites.jwt.check import EDDSA, ES256, ES256_JWKS, RS256, JwtCase, Step, check
from mwconform.suites.jwt.tokens import Mint

from mwconform.plugin import Context

CASES = [
    *(
        JwtCase(
            id=f"alg.none-{spelling}",
            title=f'Bearer <{{"alg":"{spelling}"}}.{{sub=alice, exp=now+600s}}.> (empty signature); the policy allows HS256',
            requirements=("jwt.alg.none-rejected",),
            expect="Refused: an unsecured JWT is never accepted, however `none` is spelled.",
            steps=(Step("refuse", Mint(alg=spelling, signer="none")),),
        )
        for spelling in ("none", "None", "NONE", "nOnE")
    ),
    JwtCase(
        id="alg.missing",
        title="Bearer <header without alg>.<sub=alice, exp=now+600s>.<HS256 HMAC with the policy secret>",
        requirements=("jwt.alg.allowlist",),
        expect="Refused: alg is a required header parameter.",
        steps=(Step("refuse", Mint(alg=None)),),
    ),
    JwtCase(
        id="alg.hs512-not-allowed",
        title="Bearer <HS512 token correctly signed with the policy secret>; the policy allows HS256 only",
        requirements=("jwt.alg.allowlist",),
        expect="Refused: a correct signature under an algorithm outside the allowlist does not count.",
        steps=(Step("refuse", Mint(alg="HS512")),),
    ),
    JwtCase(
        id="alg.rs256-accepted",
        title="Bearer <RS256 {sub=alice, exp=now+600s} signed with the RSA private key>; the policy allows RS256 with its public key",
        requirements=("jwt.token.valid-accepted",),
        expect="200 from the handler, which sees sub=alice.",
        policy=RS256,
        steps=(Step("accept", Mint(alg="RS256", signer="rsa")),),
    ),
    JwtCase(
        id="alg.key-confusion",
        title="Bearer <HS256 token whose HMAC key is the server's RSA public key PEM>; the policy allows RS256",
        requirements=("jwt.alg.key-confusion", "jwt.alg.allowlist"),
        expect="Refused: the RSA public key never serves as an HMAC secret (CVE-2016-10555, CVE-2022-29217).",
        policy=RS256,
        steps=(Step("refuse", Mint(alg="HS256", signer="rsa-public-pem-hmac")),),
    ),
    *(
        JwtCase(
            id=f"alg.key-confusion-{name}",
            title=f"Bearer <HS256 {header}token whose HMAC key is {key}>; the policy allows {alg} with {keys}",
            requirements=("jwt.alg.key-confusion", "jwt.alg.allowlist"),
            expect=f"Refused: a public {alg} key, in any serialization, never serves as an HMAC secret.",
            policy=policy,
            steps=(Step("refuse", Mint(alg="HS256", signer=signer, header=extra)),),
        )
        for name, alg, policy, keys, key, signer, extra, header in (
            ("ec-pem", "ES256", ES256, "an EC public key (PEM)", "the server's EC public key PEM", "ec-public-pem-hmac", (), ""),
            ("eddsa-pem", "EdDSA", EDDSA, "an Ed25519 public key (PEM)", "the server's Ed25519 public key PEM", "ed25519-public-pem-hmac", (), ""),
            ("jwks-text", "ES256", ES256_JWKS, "a static JWKS (kid k1)", "the text of the server's JWK Set", "jwks-text-hmac", (("kid", "k1"),), "{kid=k1} "),
        )
    ),
    *(
        JwtCase(
            id=f"alg.{name}-accepted",
            title=f"Bearer <{alg} {{sub=alice, exp=now+600s}} signed with the {key} private key>; the policy allows {alg} with its public key (PEM)",
            requirements=("jwt.token.valid-accepted",),
            expect="200 from the handler, which sees sub=alice.",
            policy=policy,
            steps=(Step("accept", Mint(alg=alg, signer=signer)),),
        )
        for name, alg, key, policy, signer in (("es256-pem", "ES256", "EC", ES256, "ec"), ("eddsa", "EdDSA", "Ed25519", EDDSA, "ed25519"))
    ),
    JwtCase(
        id="alg.es256-jwks-accepted",
        title="Bearer <ES256 {kid=k1} token signed with the EC private key>; the policy has a static JWKS with kid k1",
        requirements=("jwt.token.valid-accepted",),
        expect="200 from the handler, which sees sub=alice.",
        policy=ES256_JWKS,
        steps=(Step("accept", Mint(alg="ES256", signer="ec", header=(("kid", "k1"),))),),
    ),
    JwtCase(
        id="alg.jwks-unknown-kid",
        title="Bearer <ES256 {kid=k2} token signed with the EC private key>; the static JWKS has only kid k1",
        requirements=("jwt.jose.key-source",),
        expect="Refused: a JWK with a kid verifies only tokens that name it.",
        policy=ES256_JWKS,
        steps=(Step("refuse", Mint(alg="ES256", signer="ec", header=(("kid", "k2"),))),),
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_alg(case: JwtCase, mwc: Context) -> None:
    check(case, mwc)
