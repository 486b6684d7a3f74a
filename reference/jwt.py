"""Reference JWT bearer authentication: a neutral `JwtPolicy` and the `JwtMiddleware` that enforces it.

All cryptography and claim checks are PyJWT's; this module decides what PyJWT is asked. The rules
(SPEC.md, JWT part) that a policy cannot switch off:

- the algorithm is the policy's, never the token's: a token whose `alg` is not allowed is rejected
  before any key is touched, and each key is used only with the algorithm family it belongs to
  (RFC 8725 §2.1, §3.1), so an RSA public key can never verify an HMAC;
- header parameters that point at keys (`jku`, `x5u`, `jwk`, `x5c`) are never followed: keys
  come from the policy alone (RFC 8725 §3.10); `crit` extensions PyJWT does not know reject;
- failures answer per RFC 6750 §3: 401 `Bearer` without an error code when no credentials came,
  401 `error="invalid_token"` for a bad token, 400 `error="invalid_request"` for a malformed
  request; the response never carries the library's error text;
- only a real CORS preflight (OPTIONS with `Access-Control-Request-Method`) passes unauthenticated,
  and public routes are matched exactly, never by prefix.

On success the claims are stored in the request context under `CLAIMS_KEY` and the subject
under `SUBJECT_KEY`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .http import Headers, Request, Response
from .pipeline import Middleware

CLAIMS_KEY = "jwt_claims"
SUBJECT_KEY = "sub"

#: Algorithm family → the algorithms in it. A key serves exactly one family.
FAMILIES: dict[str, tuple[str, ...]] = {
    "hmac": ("HS256", "HS384", "HS512"),
    "rsa": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "ec": ("ES256", "ES384", "ES512"),
    "okp": ("EdDSA",),
}
ALGORITHMS = tuple(a for family in FAMILIES.values() for a in family)
FAMILY_OF = {a: f for f, algs in FAMILIES.items() for a in algs}
_KEY_TYPES: dict[str, tuple[type, ...]] = {
    "rsa": (rsa.RSAPublicKey,),
    "ec": (ec.EllipticCurvePublicKey,),
    "okp": (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey),
}
_JWK_FAMILY = {"oct": "hmac", "RSA": "rsa", "EC": "ec", "OKP": "okp"}
#: RFC 7518 §3.2: an HMAC key at least as long as the hash output.
_MIN_SECRET = {"HS256": 32, "HS384": 48, "HS512": 64}
#: RFC 6265 cookie-name = token (RFC 9110 §5.6.2).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_NUMERIC_DATES = ("exp", "nbf", "iat")


class JwtPolicyError(ValueError):
    """A JwtPolicy that cannot be enforced safely; the message names the field and what is accepted."""


@dataclass(frozen=True)
class JwtPolicy:
    """What a JWT bearer middleware accepts. Validated at construction; every field is plain data.

    `algorithms`: the allowed `alg` values (never `none`). Keys: `secret` (HMAC, at least as long
    as the hash), `public_keys` (PEM RSA/EC/Ed25519 public keys) and `jwks` (a static JWK Set as
    JSON text; keys with a `kid` only verify tokens naming that `kid`). `required`: claims a token
    must carry. `audience` / `issuer`: exact values the token's `aud` / `iss` must match.
    `leeway`: seconds of clock skew allowed on `exp`, `nbf` and `iat`. `public`: paths served
    without a token, compared exactly. `cookie`: the name of a cookie the token may come in
    instead of the Authorization header (None: header only). Anything else raises JwtPolicyError.
    """

    algorithms: tuple[str, ...] = ("HS256",)
    secret: str | bytes | None = None
    public_keys: tuple[str, ...] = ()
    jwks: str | None = None
    required: tuple[str, ...] = ("exp",)
    audience: str | None = None
    issuer: str | None = None
    leeway: float = 0
    public: tuple[str, ...] = ()
    cookie: str | None = None

    def __post_init__(self) -> None:
        for name in ("algorithms", "public_keys", "required", "public"):
            if not isinstance(getattr(self, name), tuple):
                raise JwtPolicyError(f"JwtPolicy.{name} must be a tuple, got {type(getattr(self, name)).__name__}")
        if not self.algorithms:
            raise JwtPolicyError(f"JwtPolicy.algorithms is empty; allow one or more of: {', '.join(ALGORITHMS)}")
        for alg in self.algorithms:
            if alg not in FAMILY_OF:
                raise JwtPolicyError(
                    f"JwtPolicy.algorithms: {alg!r} is not accepted (RFC 8725 §3.1 forbids 'none'); accepted: {', '.join(ALGORITHMS)}"
                )
        keys = self.keys()
        for alg in self.algorithms:
            if not keys.get(FAMILY_OF[alg]):
                raise JwtPolicyError(f"JwtPolicy.algorithms allows {alg} but no key of that kind is configured ({_KEY_HINT[FAMILY_OF[alg]]})")
        allowed_families = {FAMILY_OF[a] for a in self.algorithms}
        for family, found in keys.items():
            if found and family not in allowed_families:
                raise JwtPolicyError(f"JwtPolicy has {family} keys but allows no {family} algorithm; allow one of {', '.join(FAMILIES[family])} or drop the keys")
        if not (isinstance(self.leeway, (int, float)) and 0 <= self.leeway):
            raise JwtPolicyError(f"JwtPolicy.leeway must be a number of seconds >= 0, got {self.leeway!r}")
        for path in self.public:
            if not (isinstance(path, str) and path.startswith("/")):
                raise JwtPolicyError(f"JwtPolicy.public: {path!r} is not a path; give exact paths such as '/health'")
        if self.cookie is not None and not (isinstance(self.cookie, str) and _TOKEN.fullmatch(self.cookie)):
            raise JwtPolicyError(f"JwtPolicy.cookie: {self.cookie!r} is not a cookie name (RFC 6265 token characters)")
        for name in ("audience", "issuer"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and value):
                raise JwtPolicyError(f"JwtPolicy.{name} must be a non-empty string or None, got {value!r}")

    def keys(self) -> dict[str, list[tuple[Any, str | None, str | None]]]:
        """family → [(key, kid, alg)]: every configured key, loaded and checked. kid/alg come from JWKs."""
        found: dict[str, list[tuple[Any, str | None, str | None]]] = {f: [] for f in FAMILIES}
        if self.secret is not None:
            secret = self.secret.encode() if isinstance(self.secret, str) else self.secret
            if not isinstance(secret, bytes) or b"-----BEGIN" in secret or secret.startswith(b"ssh-"):
                raise JwtPolicyError("JwtPolicy.secret must be random bytes or text, never a PEM or SSH key (RFC 8725 §2.1 key confusion)")
            shortest = max((_MIN_SECRET[a] for a in self.algorithms if a in _MIN_SECRET), default=32)
            if len(secret) < shortest:
                raise JwtPolicyError(f"JwtPolicy.secret is {len(secret)} bytes; HMAC needs at least {shortest} random bytes (RFC 7518 §3.2)")
            found["hmac"].append((secret, None, None))
        for index, pem in enumerate(self.public_keys):
            found[_pem_family(pem, index)].append((load_pem_public_key(pem.encode()), None, None))
        if self.jwks is not None:
            for data, jwk in _jwk_set(self.jwks):
                family = _JWK_FAMILY[jwk.key_type or ""]
                if family == "hmac":
                    raise JwtPolicyError("JwtPolicy.jwks holds an 'oct' (HMAC) key; give HMAC secrets in JwtPolicy.secret")
                found[family].append((jwk.key, jwk.key_id, data.get("alg")))
        return found


_KEY_HINT = {
    "hmac": "set JwtPolicy.secret",
    "rsa": "add an RSA PEM public key to public_keys or an RSA key to jwks",
    "ec": "add an EC PEM public key to public_keys or an EC key to jwks",
    "okp": "add an Ed25519/Ed448 PEM public key to public_keys or an OKP key to jwks",
}


def _pem_family(pem: str, index: int) -> str:
    if "PRIVATE KEY" in pem:
        raise JwtPolicyError(f"JwtPolicy.public_keys[{index}] is a private key; give the public key only")
    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise JwtPolicyError(f"JwtPolicy.public_keys[{index}] is not a PEM public key ({type(exc).__name__})") from None
    for family, types in _KEY_TYPES.items():
        if isinstance(key, types):
            return family
    raise JwtPolicyError(f"JwtPolicy.public_keys[{index}] is a {type(key).__name__}; accepted: RSA, EC, Ed25519, Ed448 public keys")


def _jwk_set(text: str) -> list[tuple[dict[str, Any], jwt.PyJWK]]:
    """(JWK data, loaded key) for each key of a JWK Set given as JSON text; JwtPolicyError for anything else."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than the JSON decoder goes
        raise JwtPolicyError(f'JwtPolicy.jwks must be a JWK Set as JSON text ({{"keys": [...]}}): {type(exc).__name__}') from None
    found = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(found, list) or not all(isinstance(key, dict) for key in found):
        raise JwtPolicyError('JwtPolicy.jwks must be a JWK Set as JSON text: an object whose "keys" is a list of JWK objects')
    keys = []
    for key in found:
        try:
            keys.append((key, jwt.PyJWK(key)))
        # PyJWT raises its two error kinds, and a bare KeyError or ValueError for missing or odd members.
        except (jwt.PyJWKError, jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise JwtPolicyError(f"JwtPolicy.jwks key {key.get('kid')!r} is not a usable JWK: {type(exc).__name__}") from None
    for data, jwk in keys:
        if data.get("use", "sig") != "sig" or "d" in data:
            raise JwtPolicyError(f"JwtPolicy.jwks key {jwk.key_id!r} must be a public signing key (use 'sig', no private part)")
    return keys


class Rejection(Exception):
    """Why a request is refused, as RFC 6750 §3 spells it. `error` None means no credentials came.

    `detail` is the library's own message, for the application's logs; it never reaches the client.
    """

    STATUS = {None: 401, "invalid_token": 401, "invalid_request": 400}

    def __init__(self, error: str | None, detail: str = "") -> None:
        super().__init__(error or "no credentials")
        self.error, self.detail = error, detail

    def response(self) -> Response:
        challenge = "Bearer" if self.error is None else f'Bearer error="{self.error}"'
        return Response(self.STATUS[self.error], Headers([("WWW-Authenticate", challenge)]), b"")


def is_preflight(request: Request) -> bool:
    """A CORS preflight: OPTIONS *with* Access-Control-Request-Method (Fetch §3.2.2), never OPTIONS alone."""
    return request.method == "OPTIONS" and "access-control-request-method" in request.headers


class JwtMiddleware(Middleware):
    """Bearer-token authentication by `policy` (a request phase only); see the module docstring."""

    name = "jwt"

    def __init__(self, policy: JwtPolicy) -> None:
        self.policy = policy
        self._keys = policy.keys()

    async def on_request(self, request: Request) -> Response | None:
        if self.exempt(request):
            return None
        try:
            claims = self.verify(self.token(request))
        except Rejection as rejection:
            return self.refuse(rejection)
        request.ctx[CLAIMS_KEY] = claims
        if "sub" in claims:
            request.ctx[SUBJECT_KEY] = claims["sub"]
        return None

    def exempt(self, request: Request) -> bool:
        """Requests that pass unauthenticated: real preflights and the exact public paths."""
        return is_preflight(request) or request.path in self.policy.public

    def refuse(self, rejection: Rejection) -> Response:
        return rejection.response()

    def token(self, request: Request) -> str:
        """The one token the request carries, else a Rejection and never another exception (RFC 6750 §2.1, §2.2, §3.1)."""
        fields = request.headers.get_all("authorization")
        from_cookie = self._cookie(request)
        if len(fields) > 1:
            raise Rejection("invalid_request")
        scheme, _, rest = fields[0].partition(" ") if fields else ("", "", "")
        if scheme.lower() != "bearer":  # absent, or another scheme: no bearer credentials at all
            if from_cookie is not None:
                return from_cookie
            raise Rejection(None)
        if from_cookie is not None:  # "uses more than one method for including an access token"
            raise Rejection("invalid_request")
        token = rest.lstrip(" ")
        if not _B64TOKEN.fullmatch(token):
            raise Rejection("invalid_request")
        return token

    def _cookie(self, request: Request) -> str | None:
        if self.policy.cookie is None:
            return None
        jar: SimpleCookie = SimpleCookie()
        for line in request.headers.get_all("cookie"):
            try:
                jar.load(line)
            except CookieError:
                raise Rejection("invalid_request") from None
        morsel = jar.get(self.policy.cookie)
        return morsel.value if morsel is not None and morsel.value else None

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims if it verifies under the policy; else a Rejection (never another exception)."""
        if not token.isascii():  # a JWS is base64url and dots; PyJWT would fail to encode surrogate-escaped bytes
            raise Rejection("invalid_token", "the token is not ASCII")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Rejection("invalid_token", str(exc)) from None
        alg = header.get("alg")
        if alg not in self.policy.algorithms:
            raise Rejection("invalid_token", f"alg {alg!r} is not allowed")
        for key in self.candidates(alg, header.get("kid")):
            try:
                claims = self.decode(token, key, alg)
            except jwt.InvalidSignatureError:
                continue  # another key of the family may have signed it
            except jwt.PyJWTError as exc:
                raise Rejection("invalid_token", str(exc)) from None
            self.check_types(claims)
            return claims
        raise Rejection("invalid_token", "no configured key verifies the signature")

    def check_types(self, claims: dict[str, Any]) -> None:
        """RFC 7519 §4.1.4-4.1.6: a NumericDate is a JSON number. PyJWT 2.15 int()s whatever it
        finds, so `"nbf": true` or `"exp": "1999999999"` would pass."""
        for name in _NUMERIC_DATES:
            if isinstance(claims.get(name), (bool, str)):
                raise Rejection("invalid_token", f"{name} is not a NumericDate")

    def candidates(self, alg: str, kid: object) -> list[Any]:
        """Keys of `alg`'s family that may verify it: a JWK with a kid only for that kid, with an alg only for that alg."""
        return [
            key
            for key, key_kid, key_alg in self._keys[FAMILY_OF[alg]]
            if (key_kid is None or key_kid == kid) and (key_alg is None or key_alg == alg)
        ]

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        return jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=self.policy.audience,
            issuer=self.policy.issuer,
            leeway=self.policy.leeway,
            options={"require": list(self.policy.required)},
        )

