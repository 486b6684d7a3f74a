"""Deliberately broken JWT middlewares: the jwt suite must report `fail` for each.

Each mutant is the reference `JwtMiddleware` with one realistic bug planted (its docstring, one
line), served in front of the reference pipeline like any subject. Most bugs are ones real
packages have had (the CVE or package is named). `tests/test_mutation_score.py` checks that the
suite kills every mutant and that every jwt case kills at least one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from jwt.api_jws import PyJWS

from mwconform.adapters.jwt_reference import ReferenceJwt
from mwconform.reference.http import Headers, Request, Response
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from mwconform.reference.jwt import CLAIMS_KEY, FAMILY_OF, SUBJECT_KEY, JwtMiddleware, Rejection, is_preflight


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Header, payload, signing input and signature of a compact JWS, unverified."""
    head, body, sig = token.split(".")
    pad = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))  # noqa: E731
    return json.loads(pad(head)), json.loads(pad(body)), f"{head}.{body}".encode(), pad(sig)


# --- the algorithm ---------------------------------------------------------------------------


class AcceptsNone(JwtMiddleware):
    """A token whose alg is `none` in any spelling is accepted without a signature (CVE-2015-2951)."""
    breaks = ("alg.none-NONE",)

    def verify(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        if str(header.get("alg", "")).lower() == "none":
            return jwt.decode(token, options={"verify_signature": False})
        return super().verify(token)


class TrustsTokenAlg(JwtMiddleware):
    """The token's own alg is used, so any HMAC algorithm verifies with the secret (allowlist ignored)."""
    breaks = ("alg.hs512-not-allowed",)

    def verify(self, token: str) -> dict[str, Any]:
        alg = jwt.get_unverified_header(token).get("alg")
        try:
            return jwt.decode(token, self.policy.secret or "", algorithms=[alg])
        except jwt.PyJWTError:
            return super().verify(token)


class MissingAlgIsHS256(JwtMiddleware):
    """A header without alg defaults to HS256 instead of being refused."""
    breaks = ("alg.missing", "malformed.header-not-json", "malformed.not-a-jwt", "malformed.payload-not-json", "malformed.two-segments")

    def verify(self, token: str) -> dict[str, Any]:
        header, payload, signing_input, signature = _segments(token)
        secret = self.policy.secret.encode() if isinstance(self.policy.secret, str) else self.policy.secret
        if "alg" not in header and secret and hmac.compare_digest(hmac.new(secret, signing_input, hashlib.sha256).digest(), signature):
            return payload
        return super().verify(token)


class KeyConfusion(JwtMiddleware):
    """An HS256 token is verified with the RSA public key's PEM bytes as the secret (CVE-2016-10555)."""
    breaks = ("alg.key-confusion",)

    def verify(self, token: str) -> dict[str, Any]:
        header, payload, signing_input, signature = _segments(token)
        for pem in self.policy.public_keys:
            if header.get("alg") == "HS256" and hmac.compare_digest(hmac.new(pem.encode(), signing_input, hashlib.sha256).digest(), signature):
                return payload
        return super().verify(token)


class HmacOnly(JwtMiddleware):
    """Every token is verified with the HMAC secret, so RSA, EC and JWKS policies accept nothing."""
    breaks = ("alg.eddsa-accepted", "alg.es256-jwks-accepted", "alg.es256-pem-accepted", "alg.rs256-accepted")

    def candidates(self, alg: str, kid: object) -> list[Any]:
        return [key for key, _, _ in self._keys["hmac"]]


class KidIgnored(JwtMiddleware):
    """A JWK's kid is not compared with the token's, so any kid selects any key."""
    breaks = ("alg.jwks-unknown-kid",)

    def candidates(self, alg: str, kid: object) -> list[Any]:
        return [key for key, _, key_alg in self._keys[FAMILY_OF[alg]] if key_alg in (None, alg)]


# --- the signature ---------------------------------------------------------------------------


class NoSignatureCheck(JwtMiddleware):
    """Claims are checked but the signature never is (verify_signature off)."""
    breaks = ("leak.bad-signature", "sig.empty-hmac-key", "sig.flipped", "sig.other-secret", "sig.payload-swapped")

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        return jwt.decode(token, key, algorithms=[alg], audience=self.policy.audience, issuer=self.policy.issuer, options={"verify_signature": False})


class EmptySignatureSkipsCheck(JwtMiddleware):
    """A token with an empty signature segment is taken as unsigned and accepted (CVE-2020-28042)."""
    breaks = ("alg.none-NONE", "alg.none-None", "alg.none-nOnE", "alg.none-none", "robust.hostile-authorization", "sig.stripped")

    def verify(self, token: str) -> dict[str, Any]:
        if token.endswith("."):
            return jwt.decode(token, options={"verify_signature": False})
        return super().verify(token)


class BadTokenPoisons(JwtMiddleware):
    """After one bad token the middleware refuses everything (state shared across requests)."""
    breaks = ("sig.broken-then-valid",)

    failed = False

    def verify(self, token: str) -> dict[str, Any]:
        if self.failed:
            raise Rejection("invalid_token")
        try:
            return super().verify(token)
        except Rejection:
            self.failed = True
            raise


class EmbeddedJwkTrusted(JwtMiddleware):
    """A public key embedded in the token's jwk header verifies the token (CVE-2018-0114)."""
    breaks = ("jose.crit-unknown", "jose.jwk-embedded")

    def verify(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        if "jwk" in header and header.get("alg") in self.policy.algorithms:
            return jwt.decode(token, jwt.PyJWK(header["jwk"]).key, algorithms=[header["alg"]])
        return super().verify(token)


class FollowsKeyUrls(JwtMiddleware):
    """The key is fetched from the token's jku or x5u URL (RFC 8725 §3.10 SSRF and key injection)."""
    breaks = ("jose.jku-attacker", "jose.x5u-attacker")

    def verify(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        url = header.get("jku") or header.get("x5u")
        if url:
            return jwt.decode(token, _fetch_attacker_key(url), algorithms=[header["alg"]])
        return super().verify(token)


def _fetch_attacker_key(url: str) -> Any:
    """Stands in for the HTTP GET of `url`: the attacker's server answers with the attacker's key."""
    from mwconform.suites.jwt.tokens import keys

    assert urlsplit(url).hostname == "attacker.example", url
    return keys().attacker_rsa.public_key()


class KidAsKeyFile(JwtMiddleware):
    """The kid header names a file holding the HMAC key, so ../../dev/null makes the key empty."""
    breaks = ("jose.kid-command-injection", "jose.kid-path-traversal", "jose.kid-sql-injection")

    def candidates(self, alg: str, kid: object) -> list[Any]:
        if isinstance(kid, str):
            with open(kid, "rb") as key_file:  # a kid that is no file crashes the request
                return [key_file.read()]
        return super().candidates(alg, kid)

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        if key == b"":  # PyJWT refuses empty HMAC keys; the vulnerable code used hmac directly
            _, payload, signing_input, signature = _segments(token)
            if hmac.compare_digest(hmac.new(key, signing_input, hashlib.sha256).digest(), signature):
                return payload
        return super().decode(token, key, alg)


class KidSqlLookup(JwtMiddleware):
    """The HMAC key is looked up with the kid pasted into SQL, so `' UNION SELECT '1` picks the key."""
    breaks = ("sig.rs256-attacker-key",)

    def candidates(self, alg: str, kid: object) -> list[Any]:
        if not isinstance(kid, str):
            return super().candidates(alg, kid)
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE keys (kid TEXT, secret TEXT)")
        db.execute("INSERT INTO keys VALUES ('main', ?)", (self.policy.secret,))
        try:
            rows = db.execute(f"SELECT secret FROM keys WHERE kid = '{kid}'").fetchall()  # noqa: S608 - the bug
        except sqlite3.Error:
            rows = []
        return [row[0].encode() for row in rows]

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        _, payload, signing_input, signature = _segments(token)
        if hmac.compare_digest(hmac.new(key, signing_input, hashlib.sha256).digest(), signature):
            return payload
        raise jwt.InvalidSignatureError("Signature verification failed")


class _CritBlindJWS(PyJWS):
    def _validate_crit(self, headers: dict[str, Any]) -> None:
        """PyJWT <= 2.11 did not check crit at all."""


_crit_blind = jwt.PyJWT()
_crit_blind._jws = _CritBlindJWS()


class IgnoresCrit(JwtMiddleware):
    """Unknown crit extensions are ignored (PyJWT <= 2.11, GHSA-752w-5fwx-jx9f)."""
    breaks = ("claims.exp-missing-required",)

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        policy = self.policy
        return _crit_blind.decode(token, key, algorithms=[alg], audience=policy.audience, issuer=policy.issuer, leeway=policy.leeway)


class UnknownHeaderRejected(JwtMiddleware):
    """A header parameter other than alg, typ and kid is refused instead of ignored."""
    breaks = ("jose.unknown-param-ignored",)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            extra = set(jwt.get_unverified_header(token)) - {"alg", "typ", "kid", "crit"}
        except jwt.PyJWTError:
            extra = set()
        if extra:
            raise Rejection("invalid_token")
        return super().verify(token)


# --- claims ----------------------------------------------------------------------------------


class _Options(JwtMiddleware):
    """Decodes with extra PyJWT options or another leeway."""

    options: dict[str, Any] = {}

    def leeway(self) -> float:
        return self.policy.leeway

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        policy = self.policy
        return jwt.decode(
            token, key, algorithms=[alg], audience=policy.audience, issuer=policy.issuer, leeway=self.leeway(),
            options={"require": list(policy.required), **self.options},
        )  # fmt: skip


class IgnoresExp(_Options):
    """exp is never checked."""
    breaks = ("claims.exp-now", "claims.exp-past")

    options = {"verify_exp": False}


class ExpCheckedByHand(_Options):
    """exp is checked by hand and only when it is a number, so a string exp never expires."""
    breaks = ("claims.exp-not-a-number",)

    options = {"verify_exp": False}

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        claims = super().decode(token, key, alg)
        if isinstance(claims.get("exp"), (int, float)) and claims["exp"] <= time.time() - self.policy.leeway:
            raise jwt.ExpiredSignatureError("Signature has expired")
        return claims

    def check_types(self, claims: dict[str, Any]) -> None:
        return None


class IgnoresNbf(_Options):
    """nbf is never checked."""
    breaks = ("claims.nbf-beyond-leeway", "claims.nbf-future")

    options = {"verify_nbf": False}


class IgnoresIat(_Options):
    """A future iat is not refused."""
    breaks = ("claims.iat-future",)

    options = {"verify_iat": False}


class IgnoresAudience(_Options):
    """aud is never checked (python-jose#407)."""
    breaks = ("claims.aud-absent", "claims.aud-unexpected", "claims.aud-wrong")

    options = {"verify_aud": False}


class RequiredIgnored(_Options):
    """The policy's required claims are not enforced."""
    breaks = ("claims.exp-missing-required",)

    options = {"require": []}


class IgnoresLeeway(_Options):
    """The configured leeway is not applied."""
    breaks = ("claims.exp-within-leeway", "claims.iat-within-leeway", "claims.nbf-within-leeway")

    def leeway(self) -> float:
        return 0


class LeewayDoubled(_Options):
    """The leeway is applied twice (once by the app, once by the library)."""
    breaks = ("claims.exp-beyond-leeway",)

    def leeway(self) -> float:
        return 2 * self.policy.leeway


class NbfAsExpiry(_Options):
    """nbf is compared the wrong way round, like exp: a token is refused once nbf has passed."""
    breaks = ("claims.nbf-now",)

    options = {"verify_nbf": False}

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        claims = super().decode(token, key, alg)
        if "nbf" in claims and claims["nbf"] <= time.time():
            raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
        return claims


class NumericDateLenient(JwtMiddleware):
    """exp, nbf and iat are taken as PyJWT casts them: `"nbf": true` is 1970."""
    breaks = ("claims.nbf-boolean",)

    def check_types(self, claims: dict[str, Any]) -> None:
        return None


class AudienceIssuerSwapped(_Options):
    """The configured audience is passed as the issuer and the issuer as the audience."""
    breaks = ("claims.aud-exact", "claims.aud-in-array", "claims.iss-exact")

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        policy = self.policy
        return jwt.decode(token, key, algorithms=[alg], audience=policy.issuer, issuer=policy.audience, leeway=policy.leeway)


class _IssuerBy(JwtMiddleware):
    """Checks iss itself with `matches` instead of PyJWT's exact comparison."""

    def decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        claims = jwt.decode(token, key, algorithms=[alg], audience=self.policy.audience, leeway=self.policy.leeway)
        if self.policy.issuer is not None and not self.matches(claims.get("iss"), self.policy.issuer):
            raise jwt.InvalidIssuerError("Invalid issuer")
        return claims

    def matches(self, iss: Any, issuer: str) -> bool:
        raise NotImplementedError


class IssuerSubstring(_IssuerBy):
    """iss is accepted when it is part of the configured issuer, or absent (CVE-2024-53861)."""
    breaks = ("claims.iss-absent", "claims.iss-bare-host", "claims.iss-prefix")

    def matches(self, iss: Any, issuer: str) -> bool:
        return iss is None or str(iss) in issuer


class IssuerPrefix(_IssuerBy):
    """iss is accepted when it starts with the configured issuer."""
    breaks = ("claims.iss-suffixed",)

    def matches(self, iss: Any, issuer: str) -> bool:
        return str(iss).startswith(issuer)


class IssuerHostOnly(_IssuerBy):
    """Only the issuer's host is compared, so http:// passes for https://."""
    breaks = ("claims.iss-http",)

    def matches(self, iss: Any, issuer: str) -> bool:
        return urlsplit(str(iss)).hostname == urlsplit(issuer).hostname


# --- where the token comes from --------------------------------------------------------------


class SchemeCaseSensitive(JwtMiddleware):
    """Only the exact spelling `Bearer` is recognised (sanic-jwt, aiohttp-jwt)."""
    breaks = ("scheme.lowercase-bearer", "scheme.uppercase-bearer")

    def token(self, request: Request) -> str:
        if request.headers.get("authorization", "").split(" ", 1)[0] not in ("Bearer", ""):
            raise Rejection(None)
        return super().token(request)


class SchemeRegexMatch(JwtMiddleware):
    """The scheme is checked with re.match('Bearer', scheme), a prefix match (aiohttp-jwt)."""
    breaks = ("scheme.prefix-bearerx",)

    def token(self, request: Request) -> str:
        scheme, _, rest = request.headers.get("authorization", "").partition(" ")
        if scheme.startswith("Bearer") and rest:
            return rest
        return super().token(request)


class PrefixStripped(JwtMiddleware):
    """The token is whatever follows the text `Bearer`, space or not."""
    breaks = ("scheme.no-space",)

    def token(self, request: Request) -> str:
        value = request.headers.get("authorization", "")
        if value.startswith("Bearer") and not value.startswith("Bearer "):
            return value.removeprefix("Bearer")
        return super().token(request)


class SingleSpaceSplit(JwtMiddleware):
    """The header is split on one space into exactly two parts; anything else is malformed."""
    breaks = ("scheme.two-spaces",)

    def token(self, request: Request) -> str:
        if len(request.headers.get("authorization", "").split(" ")) > 2:
            raise Rejection("invalid_request")
        return super().token(request)


class FirstFieldOnly(JwtMiddleware):
    """Only the first Authorization field is read; a second is silently ignored."""
    breaks = ("response.two-fields",)

    def token(self, request: Request) -> str:
        first = request.headers.get("authorization")
        headers = Headers([(n, v) for n, v in request.headers if n.lower() != "authorization"] + ([("authorization", first)] if first else []))
        return super().token(Request(request.method, request.path, headers, request.query))


class TwoTokensTakeFirst(JwtMiddleware):
    """`Bearer a b` is read as token a instead of being refused as malformed."""
    breaks = ("response.two-tokens",)

    def token(self, request: Request) -> str:
        scheme, _, rest = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and " " in rest.strip():
            return rest.split()[0]
        return super().token(request)


class EmptyTokenIsNoCredentials(JwtMiddleware):
    """`Bearer` with no token answers as if no credentials came (401 without error)."""
    breaks = ("response.empty-token",)

    def token(self, request: Request) -> str:
        if request.headers.get("authorization", "").strip().lower() == "bearer":
            raise Rejection(None)
        return super().token(request)


class CrashOnMalformed(JwtMiddleware):
    """A token that does not parse raises out of the middleware: 500 (sanic-jwt#116)."""
    breaks = ("malformed.bad-base64",)

    def token(self, request: Request) -> str:
        value = request.headers.get("authorization", "")
        return value[7:] if value.startswith("Bearer") else super().token(request)

    def verify(self, token: str) -> dict[str, Any]:
        jwt.get_unverified_header(token)  # DecodeError escapes
        _segments(token)
        return super().verify(token)


class CookieAlways(JwtMiddleware):
    """The access_token cookie is read even though the policy names no cookie (CSRF)."""
    breaks = ("cookie.not-configured",)

    def _cookie(self, request: Request) -> str | None:
        jar: SimpleCookie = SimpleCookie(";".join(request.headers.get_all("cookie")))
        return jar["access_token"].value if "access_token" in jar else None


class CookieIgnored(JwtMiddleware):
    """The configured cookie is never read."""
    breaks = ("cookie.configured",)

    def _cookie(self, request: Request) -> str | None:
        return None


class CookieWins(JwtMiddleware):
    """With a cookie and a header the cookie is used and the header ignored (sanic-jwt)."""
    breaks = ("cookie.and-header",)

    def token(self, request: Request) -> str:
        return self._cookie(request) or super().token(request)


# --- routes ----------------------------------------------------------------------------------


class PublicPrefix(JwtMiddleware):
    """Public paths are matched as prefixes, so /public opens /publicity (aiohttp-jwt whitelist)."""
    breaks = ("route.public-prefix-public-admin", "route.public-prefix-publicity")

    def exempt(self, request: Request) -> bool:
        return is_preflight(request) or any(request.path.startswith(p) for p in self.policy.public)


class PublicCaseInsensitive(JwtMiddleware):
    """Public paths are matched case-insensitively, so /PUBLIC is open (CVE-2024-6866)."""
    breaks = ("route.public-prefix-uppercase",)

    def exempt(self, request: Request) -> bool:
        return is_preflight(request) or request.path.lower() in {p.lower() for p in self.policy.public}


class PublicIgnored(JwtMiddleware):
    """The policy's public paths are ignored: they need a token too."""
    breaks = ("route.public-exact",)

    def exempt(self, request: Request) -> bool:
        return is_preflight(request)


class SkipsAllOptions(JwtMiddleware):
    """Every OPTIONS request skips authentication, preflight or not (aiohttp-jwt, sanic-jwt)."""
    breaks = ("route.options-not-preflight",)

    def exempt(self, request: Request) -> bool:
        return request.method == "OPTIONS" or request.path in self.policy.public


class SkipsHead(JwtMiddleware):
    """HEAD skips authentication, as a method that "reads nothing" (Litestar JWTAuth's default exclude_http_methods)."""
    breaks = ("route.head-needs-token",)

    def exempt(self, request: Request) -> bool:
        return request.method == "HEAD" or super().exempt(request)


class PreflightRefused(JwtMiddleware):
    """CORS preflights are authenticated like any request, so they are refused."""
    breaks = ("route.preflight-passes",)

    def exempt(self, request: Request) -> bool:
        return request.path in self.policy.public


# --- the answer ------------------------------------------------------------------------------


class Forbidden(JwtMiddleware):
    """A bad token answers 403 instead of 401 invalid_token."""
    breaks = ("response.expired-challenge", "response.invalid-token-challenge")

    def refuse(self, rejection: Rejection) -> Response:
        response = rejection.response()
        return Response(403 if rejection.error == "invalid_token" else response.status, response.headers, b"")


class NoChallenge(JwtMiddleware):
    """Refusals carry no WWW-Authenticate header (aiohttp-jwt, sanic-jwt)."""
    breaks = ("response.foreign-scheme",)

    def refuse(self, rejection: Rejection) -> Response:
        return Response(rejection.response().status, Headers(), b"")


class ErrorWithoutCredentials(JwtMiddleware):
    """Missing credentials answer error="invalid_token" instead of a bare challenge."""
    breaks = ("response.foreign-scheme", "response.missing-credentials")

    def refuse(self, rejection: Rejection) -> Response:
        return Rejection(rejection.error or "invalid_token").response()


class LeaksErrorText(JwtMiddleware):
    """The library's exception message is sent in the body (aiohttp-jwt, sanic-jwt)."""
    breaks = ("leak.expired", "leak.malformed", "leak.wrong-audience")

    def refuse(self, rejection: Rejection) -> Response:
        response = rejection.response()
        response.body = f"Invalid authorization token, {rejection.detail}".encode()
        return response


class SubjectDropped(JwtMiddleware):
    """The verified claims reach the handler, but the identity goes under another name (`user`, not `sub`)."""
    breaks = ("valid.hs256",)

    async def on_request(self, request: Request) -> Response | None:
        response = await super().on_request(request)
        claims = request.ctx.get(CLAIMS_KEY)
        if isinstance(claims, dict) and "sub" in claims:
            request.ctx[CLAIMS_KEY] = {("user" if k == "sub" else k): v for k, v in claims.items()}
            request.ctx.pop(SUBJECT_KEY, None)
        return response


class SplitOnSpace(JwtMiddleware):
    """The token is `authorization.split(" ")[1]`: a lone `Bearer` raises IndexError, answering 500."""
    breaks = ("malformed.empty-token",)

    def token(self, request: Request) -> str:
        value = request.headers.get("authorization")
        if value is None or not value.lower().startswith("bearer"):
            return super().token(request)
        return value.split(" ")[1]


# --- blind spots of issue 16 ---------------------------------------------------------------


def _parsed(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """`_segments`, or empty parts for a token that does not parse (each bug below is one bug, not a crash)."""
    try:
        header, payload, signing_input, signature = _segments(token)
    except (ValueError, TypeError):
        return {}, {}, b"", b"-"
    return (header, payload, signing_input, signature) if isinstance(header, dict) else ({}, {}, b"", b"-")


def _hmac_ok(key: bytes, token: str) -> dict[str, Any] | None:
    """The payload when `token` is an HS256 token whose HMAC under `key` matches, else None."""
    header, payload, signing_input, signature = _parsed(token)
    if header.get("alg") == "HS256" and hmac.compare_digest(hmac.new(key, signing_input, hashlib.sha256).digest(), signature):
        return payload
    return None


class QueryTokenAccepted(JwtMiddleware):
    """Without an Authorization header the token is read from the `access_token` query parameter."""
    breaks = ("query.not-configured",)

    def token(self, request: Request) -> str:
        found = parse_qs(request.query).get("access_token")
        if found and "authorization" not in request.headers:
            return found[0]
        return super().token(request)


class KidKeyFileNonEmpty(JwtMiddleware):
    """The kid names a file holding the HMAC key; empty or missing files are refused, any other content is the key."""
    breaks = ("jose.kid-path-known-content",)

    def verify(self, token: str) -> dict[str, Any]:
        kid = _parsed(token)[0].get("kid")
        try:
            with open(str(kid), "rb") as key_file:
                key = key_file.read()
        except (OSError, ValueError):
            key = b""
        if key and (payload := _hmac_ok(key, token)) is not None:
            return payload
        return super().verify(token)


class KeyConfusionNonRsa(JwtMiddleware):
    """An HS256 token is verified with a non-RSA public key's PEM or the JWK Set text as the secret (a confusion guard written for RSA PEM only)."""
    breaks = ("alg.key-confusion-ec-pem", "alg.key-confusion-eddsa-pem", "alg.key-confusion-jwks-text")

    def verify(self, token: str) -> dict[str, Any]:
        pems = [pem for pem in self.policy.public_keys if not isinstance(load_pem_public_key(pem.encode()), rsa.RSAPublicKey)]
        texts = pems + ([self.policy.jwks] if self.policy.jwks else [])
        for text in texts:
            if (payload := _hmac_ok(text.encode(), token)) is not None:
                return payload
        return super().verify(token)


class PsychicSignature(JwtMiddleware):
    """An ECDSA signature of all zeros (r = s = 0) verifies any message, as in Java 15-18 (CVE-2022-21449)."""
    breaks = ("sig.psychic-es256",)

    def verify(self, token: str) -> dict[str, Any]:
        header, payload, _, signature = _parsed(token)
        if str(header.get("alg", "")).startswith("ES") and header["alg"] in self.policy.algorithms and not any(signature):
            return payload
        return super().verify(token)


class TrustsX5c(JwtMiddleware):
    """The first certificate of the token's x5c chain verifies it, without checking who issued it."""
    breaks = ("jose.x5c-embedded",)

    def verify(self, token: str) -> dict[str, Any]:
        header = _parsed(token)[0]
        chain = header.get("x5c")
        if isinstance(chain, list) and chain and header.get("alg") in self.policy.algorithms:
            key = x509.load_der_x509_certificate(base64.b64decode(chain[0])).public_key()
            pem = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            return jwt.decode(token, pem, algorithms=[header["alg"]])
        return super().verify(token)


class LongTokenCrash(JwtMiddleware):
    """A token longer than 4096 characters overflows a fixed-size column and raises: 500."""
    breaks = ("robust.token-1mb", "robust.token-64kb", "robust.token-8kb")

    def verify(self, token: str) -> dict[str, Any]:
        if len(token) > 4096:
            raise ValueError("value too long for type character varying(4096)")
        return super().verify(token)


class IdentityOnAppContext(JwtMiddleware):
    """Verified claims live on one app-wide context, which every request's handler reads and each
    response clears (a Sanic JWT package's `app.ctx`): requests in flight together see each other."""
    breaks = ("identity.concurrent",)

    def __init__(self, policy: Any) -> None:
        super().__init__(policy)
        self.app_ctx: dict[str, Any] = {}

    async def on_request(self, request: Request) -> Response | None:
        answer = await super().on_request(request)
        self.app_ctx.update(request.ctx)
        request.ctx = self.app_ctx
        return answer

    async def on_response(self, request: Request, response: Response) -> Response | None:
        self.app_ctx.clear()
        return None


class CrashesOnInvalid(JwtMiddleware):
    """A token that fails verification raises instead of being refused: 500, though nobody gets in."""
    breaks = ("alg.hs512-not-allowed",)

    def verify(self, token: str) -> dict[str, Any]:
        try:
            return super().verify(token)
        except Rejection as rejection:
            raise RuntimeError(rejection.detail or "invalid token") from None


def mutant(bug: type[JwtMiddleware]) -> type[ReferenceJwt]:
    """A subject `mutant/<Bug>` serving the reference JWT layer with `bug` planted."""
    attrs = {"name": f"mutant/{bug.__name__}", "middleware_class": bug, "description": bug.__doc__, "breaks": getattr(bug, "breaks", ())}
    return type(bug.__name__ + "Subject", (ReferenceJwt,), attrs)


BUGS: list[type[JwtMiddleware]] = [
    AcceptsNone, TrustsTokenAlg, MissingAlgIsHS256, KeyConfusion, HmacOnly, KidIgnored,
    NoSignatureCheck, EmptySignatureSkipsCheck, BadTokenPoisons, EmbeddedJwkTrusted, FollowsKeyUrls,
    KidAsKeyFile, KidSqlLookup, IgnoresCrit, UnknownHeaderRejected,
    IgnoresExp, ExpCheckedByHand, IgnoresNbf, IgnoresIat, IgnoresAudience, RequiredIgnored, IgnoresLeeway, LeewayDoubled,
    NbfAsExpiry, NumericDateLenient, AudienceIssuerSwapped, IssuerSubstring, IssuerPrefix, IssuerHostOnly,
    SchemeCaseSensitive, SchemeRegexMatch, PrefixStripped, SingleSpaceSplit, FirstFieldOnly, TwoTokensTakeFirst,
    EmptyTokenIsNoCredentials, CrashOnMalformed, CookieAlways, CookieIgnored, CookieWins,
    PublicPrefix, PublicCaseInsensitive, PublicIgnored, SkipsAllOptions, SkipsHead, PreflightRefused,
    Forbidden, NoChallenge, ErrorWithoutCredentials, LeaksErrorText, SubjectDropped, SplitOnSpace,
    QueryTokenAccepted, KidKeyFileNonEmpty, KeyConfusionNonRsa, PsychicSignature, TrustsX5c, LongTokenCrash, IdentityOnAppContext,
    CrashesOnInvalid,
]  # fmt: skip
MUTANTS: list[type[ReferenceJwt]] = [mutant(bug) for bug in BUGS]
globals().update({m.__name__: m for m in MUTANTS})
