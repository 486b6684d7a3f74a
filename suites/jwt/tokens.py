"""Keys generated at import and tokens minted at send time, honest ones and attacks.

Honest signatures come from PyJWT's own algorithm objects. Attack tokens are assembled from
base64url segments by hand because no library will make them: `alg: none` in any spelling,
HMACs keyed with a public key's PEM or JWK text (RFC 8725 §2.1 key confusion), HMACs under
empty, guessed or publicly known keys (standard-library `hmac`), an all-zero ECDSA signature,
stripped or altered signatures, segments that are not JSON.
Times are relative to the moment of minting, with margins of 10 s or more around every edge, so
no case depends on sleeping or on a clock being exact.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm, get_default_algorithms
from mwconform.adapters.base import ContractError


@dataclass(frozen=True)
class Keys:
    secret: str
    other_secret: str
    rsa: RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    attacker_rsa: RSAPrivateKey
    ed25519: ed25519.Ed25519PrivateKey

    @property
    def rsa_public_pem(self) -> str:
        return _pem(self.rsa)

    @property
    def ec_public_pem(self) -> str:
        return _pem(self.ec)

    @property
    def ed25519_public_pem(self) -> str:
        return _pem(self.ed25519)

    @property
    def ec_jwks(self) -> str:
        """A JWK Set with the EC public key under kid `k1`."""
        jwk = ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True)
        return json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "ES256"}]})


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


@cache
def keys() -> Keys:
    """One set of keys per process (each xdist worker makes its own)."""
    return Keys(
        secret=secrets.token_urlsafe(32),
        other_secret=secrets.token_urlsafe(32),
        rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec=ec.generate_private_key(ec.SECP256R1()),
        attacker_rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ed25519=ed25519.Ed25519PrivateKey.generate(),
    )


@cache
def attacker_certificate() -> str:
    """The attacker's self-signed certificate for its RSA key, base64 DER as an `x5c` entry (RFC 7515 §4.1.6)."""
    key = keys().attacker_rsa
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer.example")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(Encoding.DER)).decode()


@dataclass(frozen=True)
class Now:
    """A NumericDate `offset` seconds from the moment the token is minted."""

    offset: int = 0

    def __str__(self) -> str:
        return "now" if not self.offset else f"now{self.offset:+d}s"


@dataclass(frozen=True)
class Pad:
    """A claim value of `size` characters, shown by its size (the token's own size is the point)."""

    size: int

    def __str__(self) -> str:
        return f"<{self.size} characters>"


#: Header value placeholders: the attacker's own public key as a JWK (RFC 7515 §4.1.3 `jwk`), and
#: a chain of the attacker's self-signed certificate for it (RFC 7515 §4.1.6 `x5c`).
ATTACKER_JWK = "<attacker public JWK>"
ATTACKER_X5C = "<attacker self-signed certificate chain>"

#: What /proc/sys/kernel/ostype holds on every Linux host: a key file an attacker can name and knows.
OSTYPE = b"Linux\n"

#: How a token is signed. HMAC keys other than `secret`/`other-secret` are attacker guesses, and the
#: `*-hmac` keys named after a public key are that key's public serialization (key confusion).
SIGNERS = (
    "secret", "other-secret", "rsa", "ec", "ed25519", "attacker-rsa",
    "rsa-public-pem-hmac", "ec-public-pem-hmac", "ed25519-public-pem-hmac", "jwks-text-hmac",
    "empty-hmac", "one-hmac", "ostype-hmac", "zero-ecdsa", "none",
)  # fmt: skip

#: Changes after signing (or, for the two `*-not-json`, of the signed segment itself).
TAMPERS = ("", "strip-signature", "flip-signature", "swap-payload", "two-segments", "bad-base64", "header-not-json", "payload-not-json")

ALICE = (("sub", "alice"), ("exp", Now(600)))


@dataclass(frozen=True)
class Mint:
    """A token recipe: claims, the header's `alg` (None: absent) and extra members, the signer, a tamper."""

    claims: tuple[tuple[str, Any], ...] = ALICE
    alg: str | None = "HS256"
    signer: str = "secret"
    header: tuple[tuple[str, Any], ...] = ()
    tamper: str = ""

    def __post_init__(self) -> None:
        if self.signer not in SIGNERS or self.tamper not in TAMPERS:
            raise ValueError(f"Mint: signer must be one of {SIGNERS} and tamper one of {TAMPERS}")

    def __str__(self) -> str:
        claims = ", ".join(f"{k}={v}" for k, v in self.claims)
        header = "".join(f", {k}={v}" for k, v in self.header)
        tamper = f", then {self.tamper}" if self.tamper else ""
        return f"{{alg={self.alg}{header}}}.{{{claims}}} signed {self.signer}{tamper}"

    def subject(self) -> Any:
        return dict(self.claims).get("sub")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def mint(recipe: Mint, now: int | None = None, claims_of: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> str:
    """The token for `recipe`, with times relative to `now` (default: this second).

    `claims_of` is a subject's token minter (`JwtSubject.token_claims`): the claims it returns go
    into the token, honest or attack alike, so a library that demands its own claims refuses an
    attack for the attack, not for a missing claim.
    """
    now = int(time.time()) if now is None else now
    k = keys()
    header: dict[str, Any] = {"typ": "JWT"} if recipe.alg is None else {"alg": recipe.alg, "typ": "JWT"}
    for name, value in recipe.header:
        placeholders = {ATTACKER_JWK: lambda: RSAAlgorithm.to_jwk(k.attacker_rsa.public_key(), as_dict=True), ATTACKER_X5C: lambda: [attacker_certificate()]}
        header[name] = placeholders[value]() if isinstance(value, str) and value in placeholders else value
    claims = {name: _claim(value, now) for name, value in recipe.claims}
    if claims_of is not None:
        claims = _minted(claims, claims_of)
    head = b64(b"not json") if recipe.tamper == "header-not-json" else b64(_json(header))
    body = b64(b'{"sub": "alice",') if recipe.tamper == "payload-not-json" else b64(_json(claims))
    signing_input = f"{head}.{body}".encode()
    signature = b64(_sign(recipe.signer, recipe.alg or "HS256", signing_input, k))
    if recipe.tamper == "strip-signature":
        signature = ""
    elif recipe.tamper == "flip-signature":
        raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
        raw[0] ^= 0x01
        signature = b64(bytes(raw))
    elif recipe.tamper == "swap-payload":
        body = b64(_json({**claims, "sub": "admin"}))
    elif recipe.tamper == "two-segments":
        return f"{head}.{body}"
    elif recipe.tamper == "bad-base64":
        body = "!" + body[1:]
    return f"{head}.{body}.{signature}"


def _claim(value: Any, now: int) -> Any:
    if isinstance(value, Now):
        return now + value.offset
    return "x" * value.size if isinstance(value, Pad) else value


def _minted(claims: dict[str, Any], claims_of: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The minter's claims for a case that needs `claims`; it may add claims, never change or drop one."""
    minted = claims_of(dict(claims))
    if not isinstance(minted, dict):
        raise ContractError(f"token_claims(claims) must return the token's claims as a dict, not {type(minted).__name__}")
    changed = sorted(name for name, value in claims.items() if name not in minted or minted[name] != value)
    if changed:
        raise ContractError(f"token_claims(claims) changed or dropped the case's claim(s) {', '.join(changed)}: it may only add claims")
    return minted


_HASHES = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def _sign(signer: str, alg: str, data: bytes, k: Keys) -> bytes:
    if signer == "none":
        return b""
    if signer == "zero-ecdsa":  # r = s = 0, which Java 15-18 accepted for any message (CVE-2022-21449)
        return bytes(64)
    raw_hmac = {
        "rsa-public-pem-hmac": k.rsa_public_pem.encode(),
        "ec-public-pem-hmac": k.ec_public_pem.encode(),
        "ed25519-public-pem-hmac": k.ed25519_public_pem.encode(),
        "jwks-text-hmac": k.ec_jwks.encode(),
        "empty-hmac": b"",
        "one-hmac": b"1",
        "ostype-hmac": OSTYPE,
    }
    if signer in raw_hmac:  # keys PyJWT refuses to use for HMAC, which is the point of the attack
        return hmac.new(raw_hmac[signer], data, _HASHES.get(alg[-3:], hashlib.sha256)).digest()
    algorithm = get_default_algorithms()[alg]
    key = {"secret": k.secret.encode(), "other-secret": k.other_secret.encode(), "rsa": k.rsa, "ec": k.ec, "ed25519": k.ed25519, "attacker-rsa": k.attacker_rsa}[signer]
    return algorithm.sign(data, algorithm.prepare_key(key) if isinstance(key, bytes) else key)
