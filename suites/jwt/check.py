"""How a JWT case is judged: mint the tokens, send the requests, hold each response to its expectation.

Every case serves the same app (`ROUTES`) behind the subject's JWT middleware configured from the
case's `JwtPolicy`; only the policy and the requests vary. The handler echoes the request context,
so an accepted request shows whom the middleware authenticated, and its trace shows whether the
handler ran at all.

Expectations (one per request):

- `accept`: 200 from the handler, which sees the token's `sub` in the request context.
- `pass`: 200 from the handler without a token (a public route, a real preflight).
- `anonymous`: like `pass`, and the handler sees no `sub` in the request context (nobody's identity).
- `refuse`: the handler does not run and the status is 4xx (never 2xx, never 5xx). Attack cases
  use this: what matters is that the token is not honoured; the exact RFC 6750 answer is graded
  by the `response.*` cases.
- `challenge`: 401 with a `Bearer` challenge carrying no `error` (RFC 6750 §3.1, no credentials).
- `invalid_token`: 401 with `Bearer error="invalid_token"`.
- `invalid_request`: 400 with `Bearer error="invalid_request"`.
- `invalid`: either of the two above (RFC 6750 allows both for an empty or garbled token).
- `no-leak`: refused, and neither the reason phrase nor the body carries the JOSE library's
  error text for this token or an exception name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.request import parse_http_list, parse_keqv_list

import jwt
from mwconform.reference.jwt import CLAIMS_KEY, SUBJECT_KEY, JwtPolicy
from mwconform.reference.scenario import Call, Handler, Route, Scenario
from mwconform.suites.jwt.tokens import Mint, keys, mint

from mwconform.case import Case
from mwconform.harness import Exchange
from mwconform.outcomes import HarnessError
from mwconform.plugin import Context
from mwconform.runner import Served, play, verdict

K = keys()
AUDIENCE = "api://svc"
ISSUER = "https://issuer.example"
LEEWAY = 30

#: The baseline: HS256 with a 32-byte random secret, no other requirement.
HS256 = JwtPolicy(algorithms=("HS256",), secret=K.secret, required=())
PUBLIC = replace(HS256, public=("/public",))
RS256 = JwtPolicy(algorithms=("RS256",), public_keys=(K.rsa_public_pem,), required=())
ES256_JWKS = JwtPolicy(algorithms=("ES256",), jwks=K.ec_jwks, required=())
ES256 = JwtPolicy(algorithms=("ES256",), public_keys=(K.ec_public_pem,), required=())
EDDSA = JwtPolicy(algorithms=("EdDSA",), public_keys=(K.ed25519_public_pem,), required=())
#: /open is public; /slow (protected) and /open answer after a pause, so concurrent requests interleave.
OPEN = replace(HS256, public=("/open",))
AUD = replace(HS256, audience=AUDIENCE)
ISS = replace(HS256, issuer=ISSUER)
LEEWAY_30 = replace(HS256, leeway=LEEWAY)
REQUIRE_EXP = replace(HS256, required=("exp",))
COOKIE = replace(HS256, cookie="access_token")

#: The app every case serves: a protected echo route (GET and OPTIONS), an exactly public route,
#: and look-alikes of the public path that are protected.
ROUTES = (
    Route("GET", "/private"),
    Route("OPTIONS", "/private"),
    Route("GET", "/public"),
    Route("GET", "/publicity"),
    Route("GET", "/public-admin"),
    Route("GET", "/PUBLIC"),
    Route("GET", "/slow", Handler(delay=0.4)),
    Route("GET", "/open", Handler(delay=0.2)),
)

BEARER = (("Authorization", "Bearer {token}"),)
#: PyJWT messages a leaking middleware shows whatever the token (configuration errors included).
LIBRARY_MESSAGES = (
    "It is required that you pass in a value for the",
    "Not enough segments",
    "Signature verification failed",
    "Signature has expired",
    "The token is not yet valid",
    "Audience doesn't match",
    "Invalid audience",
    "Invalid issuer",
    "The specified alg value is not allowed",
    "Invalid crypto padding",
    "Token is missing the",
    "Unsupported critical extension",
    "Traceback",
)
EXPECTATIONS = ("accept", "pass", "anonymous", "refuse", "challenge", "invalid_token", "invalid_request", "invalid", "no-leak")


@dataclass(frozen=True)
class Step:
    """One request: `headers` and `path` with `{token}` replaced by the minted `token` (None: no token)."""

    expect: str
    token: Mint | None = Mint()
    headers: tuple[tuple[str, str], ...] = BEARER
    method: str = "GET"
    path: str = "/private"

    def __post_init__(self) -> None:
        if self.expect not in EXPECTATIONS:
            raise ValueError(f"Step.expect {self.expect!r}; accepted: {', '.join(EXPECTATIONS)}")

    def call(self, token: str) -> Call:
        return Call(self.method, self.path.replace("{token}", token), tuple((n, v.replace("{token}", token)) for n, v in self.headers))


@dataclass(frozen=True)
class JwtCase(Case):
    policy: JwtPolicy = HS256
    steps: tuple[Step, ...] = field(default=())
    #: Send every step at once (interleaved on the server) instead of one after another.
    concurrent: bool = False


def bearer_challenge(exchange: Exchange) -> dict[str, str] | None:
    """The auth-params of the response's Bearer challenge (RFC 9110 §11.6.1), or None if it has none."""
    for line in exchange.headers.get_all("www-authenticate"):
        scheme, _, params = line.strip().partition(" ")
        if scheme.lower() == "bearer":
            try:
                return {k.lower(): v for k, v in parse_keqv_list(parse_http_list(params)).items()} if params.strip() else {}
            except ValueError:
                return {"": params}  # unparseable parameters: still a Bearer challenge, with no valid error
    return None


def library_text(token: str, policy: JwtPolicy) -> list[str]:
    """What PyJWT says about `token` under `policy`: the text a leaking middleware would show."""
    key = policy.secret if policy.secret is not None else next(iter(policy.public_keys), None)
    if key is None:  # a JWKS-only policy: only the fixed messages
        return list(LIBRARY_MESSAGES)
    try:
        jwt.decode(token, key, algorithms=list(policy.algorithms), audience=policy.audience, issuer=policy.issuer, leeway=policy.leeway)
    except jwt.PyJWTError as exc:
        return [str(exc).rstrip("."), type(exc).__name__, *LIBRARY_MESSAGES]
    return list(LIBRARY_MESSAGES)


def judge(step: Step, policy: JwtPolicy, token: str, ex: Exchange) -> list[str]:
    """Each way `ex` misses `step.expect`, as one line."""
    ran = "H" in ex.trace
    status = f"{ex.status} {ex.reason}".strip()
    if step.expect in ("accept", "pass", "anonymous"):
        if ex.status != 200 or not ran:
            return [f"refused ({status}), expected the handler's 200"]
        seen = _echoed_subject(ex)
        if step.expect == "accept" and step.token is not None and seen != step.token.subject():
            return [f"the handler saw sub={seen!r} in the request context, expected {step.token.subject()!r}"]
        if step.expect == "anonymous" and seen is not None:
            return [f"the handler of an anonymous request saw sub={seen!r} in the request context"]
        return []
    problems = []
    if ran:
        problems.append(f"the handler ran (status {status}): the request was not refused")
    elif not 400 <= ex.status < 500:
        problems.append(f"answered {status}, expected a 4xx refusal")
    challenge = bearer_challenge(ex)
    error = None if challenge is None else challenge.get("error")
    answers: dict[str, set[tuple[int, str | None]]] = {
        "challenge": {(401, None)},
        "invalid_token": {(401, "invalid_token")},
        "invalid_request": {(400, "invalid_request")},
        "invalid": {(401, "invalid_token"), (400, "invalid_request")},
    }
    wanted = answers.get(step.expect)
    if wanted is not None and not problems:
        if challenge is None:
            problems.append(f"answered {status} without a Bearer WWW-Authenticate challenge")
        elif (ex.status, error) not in wanted:
            got = f'{ex.status} error="{error}"' if error else f"{ex.status} without error"
            problems.append(f"answered {got}, expected " + " or ".join(f'{s} error="{e}"' if e else f"{s} without error" for s, e in sorted(wanted, key=str)))
    if step.expect == "no-leak":
        shown = f"{ex.reason}\n{(ex.body or b'').decode('utf-8', 'replace')}".lower()
        leaked = [t for t in library_text(token, policy) if t and t.lower() in shown]
        if leaked:
            problems.append(f"the response shows the library's error text {leaked[0]!r}")
    return problems


def _echoed(ex: Exchange) -> dict[str, Any] | None:
    """The claims the subject reported for this request (the handler echoes its context), or None."""
    try:
        claims = json.loads(ex.body or b"{}").get("ctx", {}).get(CLAIMS_KEY)
    except (ValueError, AttributeError):
        return None
    return claims if isinstance(claims, dict) else None


def _echoed_subject(ex: Exchange) -> Any:
    try:
        return json.loads(ex.body or b"{}").get("ctx", {}).get(SUBJECT_KEY)
    except (ValueError, AttributeError):
        return None


def check(case: JwtCase, mwc: Context) -> None:
    """Serve the case's policy on the subject, send its requests with freshly minted tokens, judge each."""
    scenario = Scenario(ROUTES, jwt=case.policy)
    claims_of: Callable[[dict[str, Any]], dict[str, Any]] = getattr(mwc.subject, "token_claims", lambda claims: claims)

    async def script(served: Served) -> tuple[list[str], list[Exchange]]:
        # Minted while serving, so time-relative claims start now and a minter can record its tokens.
        tokens = [mint(step.token, claims_of=claims_of) if step.token is not None else "" for step in case.steps]
        return tokens, await served.send([s.call(t) for s, t in zip(case.steps, tokens)], concurrent=case.concurrent)

    tokens, observed = play(mwc, scenario, script)
    let_through = [ex for step, ex in zip(case.steps, observed) if step.expect == "accept" and ex.status == 200 and "H" in ex.trace]
    if let_through and all(_echoed(ex) is None for ex in observed):
        # Never any claims: the binding does not report them (a contract error). Claims on one
        # request but not another are the subject's own doing (identity confusion): judged below.
        raise HarnessError(
            f"{mwc.subject.name} let {let_through[0].call} through to the handler but reported no claims: "
            "its layer must call mwconform.adapters.features.accepted(request, claims) for every request it accepts"
        )
    judged = [(step, ex, judge(step, case.policy, token, ex)) for step, token, ex in zip(case.steps, tokens, observed)]
    verdict(
        mwc,
        [f"{ex.call}: {p}" for _, ex, found in judged for p in found],
        violated=_blame(case, [(step, ex, found) for step, ex, found in judged if found]),
        policy=_describe(case.policy),
        expected=[f"{s.method} {s.path}: {s.expect}" + (f" ({s.token})" if s.token else "") for s in case.steps],
    )


#: What a server error breaks where a refusal was due and nobody got in: how a bad token is
#: answered (SHOULD), not the verification requirement the case checks (SPEC.md "Levels").
REFUSAL_ANSWERED_WITH_AN_ERROR = ("jwt.response.invalid-token",)
#: Requirements that themselves forbid the crash; a 5xx breaks them at their own level.
_FORBID_CRASHING = {"jwt.header.malformed-token"}


def _blame(case: JwtCase, failed: list[tuple[Step, Exchange, list[str]]]) -> tuple[str, ...]:
    """The requirements the failed steps break when they are not the case's own: only a 5xx
    without the handler running (and nothing else wrong), where a refusal was expected."""
    if _FORBID_CRASHING & set(case.requirements):
        return ()
    if all(step.expect not in ("accept", "pass") and "H" not in ex.trace and ex.status >= 500 and len(found) == 1 for step, ex, found in failed):
        return REFUSAL_ANSWERED_WITH_AN_ERROR
    return ()


def _describe(policy: JwtPolicy) -> dict[str, Any]:
    """The policy without key material (keys are regenerated per run and would only add noise)."""
    return {
        "algorithms": list(policy.algorithms),
        "keys": [k for k, v in (("secret", policy.secret), ("public_keys", policy.public_keys), ("jwks", policy.jwks)) if v],
        "required": list(policy.required),
        "audience": policy.audience,
        "issuer": policy.issuer,
        "leeway": policy.leeway,
        "public": list(policy.public),
        "cookie": policy.cookie,
    }
