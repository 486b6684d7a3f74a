"""Every parser in the reference survives generated and hostile input: it answers, or raises only the
exception its docstring names, and keeps its invariants. A parser joins by adding one `Parser` row to
PARSERS: the router, Headers, the CORS origin matcher and header lists, Authorization, JWT segments
and the JWKS text of a policy, cookies and session cookie decoding.

Hostile text includes obs-text as aiohttp and Sanic hand it to middleware: they decode header bytes
as UTF-8 with surrogateescape, so `é` arrives as itself and a lone byte 0xE9 as `\\udce9`."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mwconform.reference.cors import ALLOW_HEADERS, ALLOW_METHODS, ALLOW_ORIGIN, REQUEST_HEADERS, REQUEST_METHOD, CorsMiddleware, CorsPolicy, merge_vary
from mwconform.reference.http import Headers, HTTPError, Request
from mwconform.reference.jwt import JwtMiddleware, JwtPolicy, JwtPolicyError, Rejection
from mwconform.reference.router import Router, compile_path
from mwconform.reference.scenario import SessionAction
from mwconform.reference.session import ManualClock, Session, SessionManager, SessionPolicy, cookie_value
from mwconform.reference.session_ops import SET_HEADER, ReferenceSessionAPI, apply
from mwconform.reference.session_stores import EncryptedCookieStorage, MemoryStore, ServerStorage, SignedCookieStorage

#: Characters that break naive parsers: separators, regex and template syntax, quoting, control
#: characters, percent-encoding, non-ASCII; mixed with arbitrary text.
HOSTILE = st.sampled_from(list("/{}:[]()*+?\\|^$.,;=\"' \t\r\n\x00%~-_aZ9é€\u202e\udce9"))
TEXT = st.one_of(st.text(HOSTILE, max_size=40), st.text(max_size=40))
TOKEN = st.text(st.sampled_from(list("abcXYZ-_019")), min_size=1, max_size=8)


@dataclass(frozen=True)
class Parser:
    """One parser under test: what to feed it and which exceptions it documents."""

    name: str
    inputs: st.SearchStrategy[Any]
    parse: Callable[[Any], object]
    raises: tuple[type[BaseException], ...] = ()
    #: Inputs always tried first: the bugs this test found in the reference, kept as regressions.
    regressions: tuple[Any, ...] = ()


def match(args: tuple[list[str], str, str]) -> object:
    templates, method, path = args
    router: Router[int] = Router()
    for index, template in enumerate(templates):
        router.add("GET" if index % 2 else "POST", template, index)
    try:
        found = router.match(method, path)
    except HTTPError as exc:
        assert exc.status in (404, 405) and (exc.status == 404 or exc.headers.get("Allow")), exc.status
        raise
    # A match is a full match of one of the routes, and its parameters are substrings of the path.
    assert all(value in path for value in found.params.values())
    return found


def headers(args: tuple[list[tuple[str, str]], str, str]) -> object:
    fields, name, value = args
    h = Headers(fields)
    assert h.get(name) == next((v for n, v in fields if n.lower() == name.lower()), None)
    assert all(part and part == part.strip() for part in h.values(name))
    copy = h.copy()
    copy.set(name, value)
    assert copy.get_all(name) == [value] and h == Headers(fields)
    copy.remove(name)
    assert name not in copy
    return copy


TEMPLATE = st.lists(st.one_of(TOKEN.map(lambda t: "/" + t), TOKEN.map(lambda t: "/{" + t + "}"), TEXT), min_size=1, max_size=4).map("".join)
SEGMENT = st.one_of(TOKEN.map(lambda t: "/" + t), st.just("/{}"), st.just("/{:[0-9]+}"))
# Parameters named by position, so no name repeats: /{p1}/x/{p3:[0-9]+}
VALID_TEMPLATES = st.lists(SEGMENT, min_size=1, max_size=3).map(lambda ss: "".join(s.replace("{", f"{{p{i}", 1) for i, s in enumerate(ss)))

# --- CORS: the origin matcher, Access-Control-Request-Headers, the preflight answer, Vary merging.

LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,5}[a-z0-9])?", fullmatch=True)
ORIGIN = st.builds("{}://{}{}".format, st.sampled_from(["http", "https"]), st.lists(LABEL, min_size=1, max_size=3).map(".".join), st.sampled_from(["", ":8080", ":443"]))
#: Ways attackers bend an allowed origin (cors.origin.* cases), applied to a listed one.
BENDS: tuple[Callable[[str], str], ...] = (
    lambda o: o, lambda o: o + ".evil.net", lambda o: o.replace("://", "://evil"), lambda o: o.replace("://", "://a."),
    lambda o: o.upper(), lambda o: o + "/", lambda o: o + ":1", lambda o: o.replace("https", "http"), lambda o: o + " ",
    lambda o: o.replace(".", "x"), lambda o: o + ", https://evil.net", lambda o: o.replace("://", "://a-.")
)  # fmt: skip
PATTERNS = st.one_of(st.sampled_from([r"https://[a-z0-9-]+\.example\.com", r"https://.*\.example\.com", r"http://localhost:\d+", "(a|"]), TEXT)


@st.composite
def origin_policies(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """CorsPolicy arguments (often invalid) and an origin near one the policy names."""
    kwargs: dict[str, Any] = {"origins": tuple(draw(st.lists(st.one_of(ORIGIN, TEXT, st.just("*")), max_size=3)))}
    if draw(st.booleans()):
        kwargs["origin_regex"] = draw(PATTERNS)
    if draw(st.booleans()):
        kwargs["subdomains_of"] = draw(st.one_of(ORIGIN, TEXT))
    named = [o for o in (*kwargs["origins"], kwargs.get("subdomains_of")) if o]
    origin = draw(st.one_of(ORIGIN, TEXT, st.sampled_from(["", "null", "*"]), *([st.sampled_from(named)] if named else [])))
    return kwargs, draw(st.sampled_from(BENDS))(origin)


def in_subdomain(origin: str, base: str) -> bool:
    """`origin` is `base` with one or more host labels in front (scheme and port unchanged)."""
    scheme, _, authority = base.partition("://")
    host, colon, port = authority.partition(":")
    prefix, tail = f"{scheme}://", f".{host}{colon}{port}"
    if not (origin.startswith(prefix) and origin.endswith(tail)) or len(origin) <= len(prefix) + len(tail):
        return False
    labels = origin[len(prefix) : -len(tail)].split(".")
    return all(label and label[0] != "-" and label[-1] != "-" and all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in label) for label in labels)


def allows_origin(args: tuple[dict[str, Any], str]) -> object:
    kwargs, origin = args
    policy = CorsPolicy(**kwargs)
    allowed = policy.allows_origin(origin)
    # An accepted origin is one the policy lists, matches its pattern in full, or is a real subdomain.
    assert not allowed or policy.any_origin or (
        origin not in ("", "null")
        and (
            origin in policy.origins
            or (policy.origin_regex is not None and re.fullmatch(policy.origin_regex, origin) is not None)
            or (policy.subdomains_of is not None and in_subdomain(origin, policy.subdomains_of))
        )
    ), (policy, origin)
    assert allowed or not (origin in policy.origins and origin not in ("", "null")), (policy, origin)
    return allowed


#: Access-Control-Request-Headers field lines: comma lists with empty, padded and non-token items.
NAME_LIST = st.lists(st.one_of(TOKEN, TEXT, st.sampled_from(["", " ", "X-A", "x-a , x-b", ",,", "a b", "\t"])), max_size=5).map(",".join)
TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
POLICIES = (CorsPolicy(origins=("https://app.example.com",), credentials=True, headers=("x-a",), max_age=5), CorsPolicy(origins=("*",), methods=("*",), headers=("*",)))


def preflight_request(origin: str, method: str, lines: list[str]) -> Request:
    return Request("OPTIONS", "/r", Headers([("Origin", origin), (REQUEST_METHOD, method), *((REQUEST_HEADERS, line) for line in lines)]))


def requested_headers(lines: list[str]) -> object:
    names = CorsMiddleware(POLICIES[0]).requested_headers(preflight_request("https://app.example.com", "PUT", lines))
    items = [item.strip().lower() for line in lines for item in line.split(",") if item.strip()]
    # A parsed list has no empty, padded or non-token item and loses none; else the whole field is refused.
    assert names == items if all(TOKEN_RE.fullmatch(i) for i in items) else names is None, (lines, names)
    return names


def preflight(args: tuple[int, str, str, list[str]]) -> object:
    index, origin, method, lines = args
    policy = POLICIES[index]
    answer = CorsMiddleware(policy).preflight(preflight_request(origin, method, lines))
    assert answer.status in (204, 403), answer
    approved = answer.headers.get(ALLOW_ORIGIN)
    if answer.status == 403:
        assert approved is None and ALLOW_METHODS not in answer.headers, answer
    else:  # approved: for this very origin (or `*`), a token method, only allowed header names
        assert approved == ("*" if policy.any_origin else origin) and policy.allows_origin(origin), (origin, answer)
        assert TOKEN_RE.fullmatch(method) and policy.allows_method(method), (method, answer)
        assert all(policy.allows_header(n) for n in answer.headers.values(ALLOW_HEADERS)), answer
    return answer


def vary(args: tuple[list[str], list[str]]) -> object:
    lines, names = args
    headers = Headers([("Vary", line) for line in lines])
    before = headers.values("Vary")
    merge_vary(headers, *names)
    after = [v.lower() for v in headers.values("Vary")]
    # Nothing the response said is lost; every name is covered, unless `*` already covers all.
    assert [v.lower() for v in before] == after[: len(before)] or "*" in before, (lines, after)
    assert "*" in after or all(n.strip().lower() in after for n in names if n.strip()), (lines, names, after)
    return headers


# --- JWT: the Authorization header (and token cookie), token segments, a policy's JWKS text.

SECRET = b"k" * 32
JWT_POLICY = JwtPolicy(algorithms=("HS256",), secret=SECRET, required=(), cookie="access_token")
SCHEMES = st.sampled_from(["Bearer", "bearer", "BEARER", "Bearerx", "Basic", "", "Bearer\t", "Bearer,"])
TOKEN_CHARS = st.text(st.sampled_from(list("aZ09-._~+/=")), max_size=20)
AUTHORIZATION = st.one_of(st.builds("{}{}{}".format, SCHEMES, st.sampled_from(["", " ", "  ", "\t"]), st.one_of(TOKEN_CHARS, TEXT)), TEXT)
COOKIE_HEADERS = st.lists(st.one_of(st.builds("access_token={}".format, st.one_of(TOKEN_CHARS, TEXT)), TEXT), max_size=2)


def token(args: tuple[list[str], list[str]]) -> object:
    fields, cookies = args
    request = Request("GET", "/r", Headers([*(("Authorization", f) for f in fields), *(("Cookie", c) for c in cookies)]))
    found = JwtMiddleware(JWT_POLICY).token(request)
    if fields and fields[0].partition(" ")[0].lower() == "bearer":
        # The token is exactly what follows one `Bearer` and its spaces, and is a b64token (RFC 6750 §2.1).
        scheme, _, rest = fields[0].partition(" ")
        assert len(fields) == 1 and found == rest.lstrip(" ") and re.fullmatch(r"[A-Za-z0-9\-._~+/]+=*", found), (fields, found)
    else:  # no bearer credentials in the header: the token is the cookie's
        assert found and any("access_token=" in c for c in cookies), (fields, cookies, found)
    return found


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


#: JSON (and near-JSON) texts for header and payload segments: nesting, huge and non-finite numbers.
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(HOSTILE, max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["alg", "exp", "nbf", "iat", "sub", "kid", "crit", "x"]), inner, max_size=4)),
    max_leaves=8,
)
JSON_TEXTS = st.one_of(
    JSON_VALUES.map(json.dumps),
    st.sampled_from(['{"alg":"HS256"}', '{"alg":"none"}', '{"exp":1e400}', '{"exp":-1e400,"iat":"0"}', '{"nbf":10' + "0" * 400 + "}", "[" * 3000, '{"a":' * 2000]),
    TEXT,
)
CLAIMS = st.dictionaries(st.sampled_from(["exp", "nbf", "iat", "sub", "aud", "iss"]), JSON_VALUES, max_size=4).map(json.dumps)
SEGMENT = st.one_of(JSON_TEXTS.map(lambda t: b64(t.encode("utf-8", "surrogatepass"))), TEXT, st.builds("{}={}".format, TOKEN, st.sampled_from(["", "=", "=="])), st.just(""))


HS256 = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256)
HEADERS = st.one_of(
    st.fixed_dictionaries({"alg": st.just("HS256")}, optional={"kid": JSON_VALUES, "crit": JSON_VALUES, "typ": JSON_VALUES, "b64": JSON_VALUES}).map(json.dumps),
    JSON_TEXTS,
)


@st.composite
def tokens(draw: st.DrawFn) -> str:
    """Token text: 1-5 raw segments, or hostile JSON header and payload texts really signed with the policy's secret."""
    if draw(st.booleans()):
        return ".".join(draw(st.lists(SEGMENT, min_size=1, max_size=5)))
    header, payload = (draw(texts).encode("utf-8", "surrogatepass") for texts in (HEADERS, st.one_of(CLAIMS, JSON_TEXTS)))
    signing_input = f"{b64(header)}.{b64(payload)}"
    return f"{signing_input}.{b64(HS256.sign(signing_input.encode(), SECRET))}"


def verify(token: str) -> object:
    claims = JwtMiddleware(JWT_POLICY).verify(token)
    # Accepted claims are the library's own verdict on the same token, and their dates are numbers.
    assert claims == jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": []}), (token, claims)
    assert not any(isinstance(claims.get(n), (bool, str)) for n in ("exp", "nbf", "iat")), claims
    return claims


JWK = st.one_of(
    st.fixed_dictionaries({"kty": st.sampled_from(["EC", "RSA", "OKP", "oct", "x"])}, optional={"crv": st.sampled_from(["P-256", "Ed25519"]), "x": SEGMENT, "y": SEGMENT, "n": SEGMENT, "e": SEGMENT, "kid": JSON_VALUES, "use": JSON_VALUES}),
    JSON_VALUES,
)
JWKS_TEXTS = st.one_of(st.builds(lambda keys: json.dumps({"keys": keys}), st.one_of(st.lists(JWK, max_size=2), JSON_VALUES)), JSON_TEXTS)


def jwks(text: str) -> object:
    policy = JwtPolicy(algorithms=("ES256",), jwks=text, required=())
    assert policy.keys()["ec"], text  # it only builds with a key for the allowed algorithm
    return policy


# --- Sessions: the Cookie header, and session cookie values through every storage.

NAME = "mwc_session"
COOKIE_VALUES = st.one_of(TOKEN, TEXT, TEXT.map(lambda t: f'"{t}"'), st.sampled_from(['"', '""', '"\\"', '"\\351"', "a=b", "\udce9", '"\udce9"']))
COOKIE_HEADER = st.one_of(
    st.lists(st.builds("{}={}".format, st.one_of(st.just(NAME), TOKEN, TEXT, st.sampled_from(["expires", "Path", "$Version"])), COOKIE_VALUES), max_size=4).flatmap(
        lambda pairs: st.sampled_from(["; ", ";", ", ", " ;; "]).map(lambda sep: sep.join(pairs))
    ),
    TEXT,
)


def cookie(header: str) -> object:
    value = cookie_value(header, NAME)
    # A value comes from a pair named like the cookie; a lone plain `name=value` comes back as is.
    assert value is None or f"{NAME}=" in header, (header, value)
    pair = header.partition("=")[2]
    if header.startswith(f"{NAME}=") and re.fullmatch(r"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+", pair) and "=" not in pair:
        assert value == pair, (header, value)
    return value


def writable(record: Any) -> bool:
    """A record a server could have stored: its JSON is UTF-8 (no lone surrogates)."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@st.composite
def session_cookies(draw: st.DrawFn) -> tuple[str, str | None, Any]:
    """(storage kind, the cookie value, what the storage holds): garbage, or hostile records it really wrote."""
    kind = draw(st.sampled_from(["signed", "encrypted", "memory"]))
    records = st.one_of(
        st.fixed_dictionaries({"data": JSON_VALUES, "exp": st.one_of(JSON_VALUES, st.sampled_from([float("nan"), float("inf"), True, "9999999999"]))}),
        JSON_VALUES,
        st.sampled_from([[[[]]], {"data": {}, "exp": 10**400}]),
    ).filter(writable)
    if kind == "memory":
        return kind, draw(COOKIE_VALUES), draw(st.one_of(records, JSON_TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass")), st.none()))
    return (kind, draw(COOKIE_VALUES), None) if draw(st.booleans()) else (kind, None, draw(records))


def load_session(args: tuple[str, str | None, Any]) -> object:
    kind, value, held = args
    clock = ManualClock(1_000_000.0)
    store = MemoryStore(clock)
    storage = {"signed": SignedCookieStorage(SECRET), "encrypted": EncryptedCookieStorage(EncryptedCookieStorage.new_key()), "memory": ServerStorage(store)}[kind]

    async def load() -> Session:
        nonlocal value
        if kind == "memory" and held is not None and value is not None:
            await store.set(value, held if isinstance(held, bytes) else json.dumps(held).encode(), 60)
        elif value is None:
            value = await storage.save(None, held, 60)
        manager = SessionManager(SessionPolicy(cookie_name=NAME), storage, clock)
        return await manager.load(f"{NAME}={value}")

    session = asyncio.run(load())
    # A session is either new and empty, or the record's own data, not yet expired.
    if session.new:
        assert session == {} and session.sid is None, session
    else:
        record = held if not isinstance(held, bytes) else json.loads(held)
        assert json.dumps(record["data"], sort_keys=True) == json.dumps(dict(session), sort_keys=True), (record, session)
        assert isinstance(record["exp"], (int, float)) and record["exp"] > clock(), (record, session)
    return session


def set_action(header: str) -> object:
    session = Session()
    asyncio.run(apply(SessionAction("set"), ReferenceSessionAPI(session), {SET_HEADER: header}.get))
    key, value = next(iter(session.items()))
    assert f"{key}={value}" == header and "=" not in key, (header, session)
    return session


PARSERS = [
    Parser("router.compile_path", st.one_of(TEXT, TEMPLATE), compile_path, (ValueError,)),
    Parser("router.Router.match", st.tuples(st.lists(VALID_TEMPLATES, max_size=4), st.one_of(st.sampled_from(["GET", "POST"]), TEXT), TEXT), match, (HTTPError,)),
    Parser("http.Headers", st.tuples(st.lists(st.tuples(st.one_of(TOKEN, TEXT), TEXT), max_size=6), st.one_of(TOKEN, TEXT), TEXT), headers),
    Parser("cors.CorsPolicy.allows_origin", origin_policies(), allows_origin, (ValueError,)),
    Parser("cors.CorsMiddleware.requested_headers", st.lists(st.one_of(NAME_LIST, TEXT), max_size=3), requested_headers),
    Parser(
        "cors.CorsMiddleware.preflight",
        st.tuples(st.sampled_from(range(len(POLICIES))), st.one_of(ORIGIN, st.sampled_from(["https://app.example.com", "null", ""]), TEXT), st.one_of(st.sampled_from(["PUT", "put", "GET", ""]), TEXT), st.lists(NAME_LIST, max_size=2)),
        preflight,
    ),
    Parser("cors.merge_vary", st.tuples(st.lists(st.one_of(NAME_LIST, st.just("*")), max_size=3), st.lists(st.one_of(TOKEN, st.sampled_from(["Origin", "origin", "*"])), max_size=3)), vary),
    Parser("jwt.JwtMiddleware.token", st.tuples(st.lists(AUTHORIZATION, max_size=2), COOKIE_HEADERS), token, (Rejection,)),
    # A cookie token with an obs-text byte, as aiohttp hands it over: PyJWT raised UnicodeEncodeError.
    Parser("jwt.JwtMiddleware.verify", tokens(), verify, (Rejection,), regressions=("\udce9", "a\udce9.b.c")),
    # AttributeError, KeyError, InvalidKeyError and RecursionError escaped JwtPolicy(jwks=...).
    Parser("jwt.JwtPolicy.jwks", JWKS_TEXTS, jwks, (JwtPolicyError,), regressions=('{"keys": [null]}', '{"keys": [{"kty": "oct"}]}', '{"keys": [{"kty": "EC"}]}', "[" * 3000)),
    Parser("session.cookie_value", COOKIE_HEADER, cookie),
    Parser(
        "session.SessionManager.load",
        session_cookies(),
        load_session,
        # itsdangerous raised UnicodeEncodeError on a surrogate-escaped cookie (aiohttp's obs-text); a NaN expiry
        # never expired; a record nested past the JSON decoder's depth raised RecursionError.
        regressions=(("signed", '"\udce9"', None), ("signed", None, {"data": {}, "exp": float("nan")}), ("memory", "0", b"[" * 3000)),
    ),
    Parser("session_ops.apply(set)", TEXT, set_action, (ValueError,)),
]


def survive(parser: Parser) -> None:
    """Feed `parser` generated input; raise whatever it raises beyond its documented exceptions."""

    @settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(parser.inputs)
    def survives(value: Any) -> None:
        try:
            parser.parse(value)
        except parser.raises:
            pass

    for value in parser.regressions:
        survives = example(value)(survives)
    survives()


@pytest.mark.parametrize("parser", PARSERS, ids=[p.name for p in PARSERS])
def test_parser_survives_generated_input(parser: Parser) -> None:
    """No input makes the parser raise anything but its documented exception, or break its invariants."""
    survive(parser)


def test_a_parser_that_chokes_on_hostile_input_is_caught() -> None:
    """The check can fail: a parser that indexes past a missing `=` is found out."""
    fragile = Parser("fragile", TEXT, lambda text: text.split("=")[1] if "," in text else None, (ValueError,))
    with pytest.raises(IndexError):
        survive(fragile)
