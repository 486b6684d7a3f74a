"""Unit tests of the reference JWT layer: policy validation and the middleware's answers, no server."""

import asyncio
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from mwconform.reference.http import Headers, Request
from mwconform.reference.jwt import CLAIMS_KEY, SUBJECT_KEY, JwtMiddleware, JwtPolicy, JwtPolicyError

SECRET = "s" * 32
RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_PEM = RSA.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"algorithms": ()}, "algorithms is empty"),
        ({"algorithms": ("none",)}, "'none' is not accepted"),
        ({"algorithms": ["HS256"]}, "must be a tuple"),
        ({"secret": None}, "allows HS256 but no key of that kind"),
        ({"secret": "short"}, "at least 32 random bytes"),
        ({"algorithms": ("HS512",)}, "at least 64 random bytes"),
        ({"secret": RSA_PEM}, "never a PEM or SSH key"),
        ({"public_keys": (RSA_PEM,)}, "has rsa keys but allows no rsa algorithm"),
        ({"algorithms": ("RS256",), "secret": None, "public_keys": ("not a pem",)}, "public_keys[0] is not a PEM public key"),
        (
            {"algorithms": ("RS256",), "secret": None, "public_keys": (RSA.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode(),)},
            "is a private key",
        ),
        ({"jwks": "{}"}, "must be a JWK Set"),
        ({"leeway": -1}, "leeway must be a number of seconds >= 0"),
        ({"public": ("public",)}, "is not a path"),
        ({"cookie": "a b"}, "is not a cookie name"),
        ({"audience": ""}, "audience must be a non-empty string"),
    ],
)
def test_policy_refuses_unsafe_or_malformed_configuration(fields: dict, message: str) -> None:
    """Each bad field is named in a one-line error that says what is accepted."""
    with pytest.raises(JwtPolicyError) as caught:
        JwtPolicy(**{"secret": SECRET, **fields})
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_policy_accepts_rsa_ec_and_jwks_keys_for_their_families() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    jwk = {**jwt.algorithms.ECAlgorithm.to_jwk(ec_key, as_dict=True), "kid": "k1"}
    policy = JwtPolicy(algorithms=("RS256", "ES256"), public_keys=(RSA_PEM,), jwks=json.dumps({"keys": [jwk]}))
    keys = policy.keys()
    assert len(keys["rsa"]) == 1 and [kid for _, kid, _ in keys["ec"]] == ["k1"] and not keys["hmac"]


def answer(policy: JwtPolicy, *headers: tuple[str, str], method: str = "GET", path: str = "/private") -> tuple[Request, object]:
    request = Request(method, path, Headers(list(headers)))
    return request, asyncio.run(JwtMiddleware(policy).on_request(request))


def token(claims: dict, key: object = SECRET, alg: str = "HS256") -> str:
    return jwt.encode({"exp": int(time.time()) + 600, **claims}, key, algorithm=alg)


def test_a_valid_token_puts_its_claims_in_the_request_context() -> None:
    request, response = answer(JwtPolicy(secret=SECRET), ("Authorization", f"Bearer {token({'sub': 'alice'})}"))
    assert response is None
    assert request.ctx[SUBJECT_KEY] == "alice" and request.ctx[CLAIMS_KEY]["sub"] == "alice"


@pytest.mark.parametrize(
    ("headers", "status", "challenge"),
    [
        ((), 401, "Bearer"),
        ((("Authorization", "Basic dXNlcjpwYXNz"),), 401, "Bearer"),
        ((("Authorization", "Bearer not.a.jwt"),), 401, 'Bearer error="invalid_token"'),
        ((("Authorization", "Bearer a b"),), 400, 'Bearer error="invalid_request"'),
        ((("Authorization", "Bearer"),), 400, 'Bearer error="invalid_request"'),
        ((("Authorization", "Bearer x"), ("Authorization", "Bearer y")), 400, 'Bearer error="invalid_request"'),
    ],
)
def test_refusals_follow_rfc_6750_and_show_no_library_text(headers: tuple, status: int, challenge: str) -> None:
    _, response = answer(JwtPolicy(secret=SECRET), *headers)
    assert (response.status, response.headers.get("www-authenticate"), response.body) == (status, challenge, b"")


def test_the_library_message_is_kept_for_logs_only() -> None:
    middleware = JwtMiddleware(JwtPolicy(secret=SECRET))
    with pytest.raises(Exception) as caught:
        middleware.verify(token({"sub": "alice", "exp": 1}))
    assert caught.value.detail == "Signature has expired" and caught.value.response().body == b""


def test_rsa_policy_refuses_the_public_key_as_hmac_secret() -> None:
    from mwconform.suites.jwt.tokens import Mint, keys, mint

    forged = mint(Mint(alg="HS256", signer="rsa-public-pem-hmac"))
    _, response = answer(JwtPolicy(algorithms=("RS256",), public_keys=(keys().rsa_public_pem,)), ("Authorization", f"Bearer {forged}"))
    assert response.status == 401


def test_only_real_preflights_and_exact_public_paths_skip_authentication() -> None:
    policy = JwtPolicy(secret=SECRET, public=("/public",))
    assert answer(policy, ("Access-Control-Request-Method", "GET"), method="OPTIONS")[1] is None
    assert answer(policy, method="OPTIONS")[1].status == 401
    assert answer(policy, path="/public")[1] is None
    assert answer(policy, path="/publicity")[1].status == 401


def test_cookie_is_read_only_when_configured_and_never_together_with_the_header() -> None:
    cookie = ("Cookie", f"access_token={token({'sub': 'alice'})}")
    assert answer(JwtPolicy(secret=SECRET), cookie)[1].status == 401
    assert answer(JwtPolicy(secret=SECRET, cookie="access_token"), cookie)[1] is None
    both = answer(JwtPolicy(secret=SECRET, cookie="access_token"), cookie, ("Authorization", f"Bearer {token({})}"))[1]
    assert both.status == 400
