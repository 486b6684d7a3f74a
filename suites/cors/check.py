"""How a CORS case is judged: one request, then declarative checks of what a browser would do.

A `CorsCase` names a policy, the chain inside the CORS layer, one request and its checks. Each
check is a small frozen object: `str(check)` is the expectation in words (it goes into the
evidence), `problems(exchange)` lists how the observed exchange breaks it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from mwconform.reference.cors import (
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_METHODS,
    ALLOW_ORIGIN,
    ALLOW_PRIVATE_NETWORK,
    CORS_RESPONSE_HEADERS,
    MAX_AGE,
    REQUEST_HEADERS,
    REQUEST_METHOD,
    REQUEST_PRIVATE_NETWORK,
    CorsPolicy,
)
from mwconform.reference.scenario import Call, Handler, Probe, Route, Scenario
from mwconform.suites.cors.fetch import cors_check, exposed, preflight_check

from mwconform.case import Case
from mwconform.harness import Exchange
from mwconform.plugin import Context
from mwconform.runner import Served, play, verdict

A = "https://app.example.com"
B = "http://localhost:8080"
E = "https://evil.example"

#: The handler of /r sets its own Vary (to be merged) and a header to expose.
R = Handler(headers=(("X-Request-Id", "42"), ("Vary", "Accept-Encoding")))
ROUTES = (
    Route("GET", "/r", R),
    Route("PUT", "/r", R),
    Route("DELETE", "/r", R),
    Route("GET", "/forbid", Handler(status=403)),
    Route("GET", "/boom", Handler(crash=True)),
    # Legacy code that sets the header itself, under a CORS layer.
    Route("GET", "/legacy", Handler(headers=(("Access-Control-Allow-Origin", "*"),))),
)


class Check(ABC):
    @abstractmethod
    def problems(self, ex: Exchange) -> list[str]:
        """Each way `ex` breaks this expectation, in one line; empty when it holds."""


@dataclass(frozen=True)
class Shared(Check):
    """A browser at `origin` can read the response (Fetch CORS check)."""

    origin: str
    credentials: bool

    def __str__(self) -> str:
        return f"a {'credentialed' if self.credentials else 'non-credentialed'} read from {self.origin} passes the CORS check"

    def problems(self, ex: Exchange) -> list[str]:
        problem = cors_check(ex.headers, self.origin, self.credentials)
        return [f"not shared with {self.origin}: {problem}"] if problem else []


@dataclass(frozen=True)
class Blocked(Check):
    """A browser at `origin` can read the response neither with nor without credentials."""

    origin: str

    def __str__(self) -> str:
        return f"no read from {self.origin!r} passes the CORS check, with or without credentials"

    def problems(self, ex: Exchange) -> list[str]:
        if cors_check(ex.headers, self.origin, credentials=False) is None:
            return [f"shared with disallowed origin {self.origin!r}: {ALLOW_ORIGIN} {ex.headers.get_all(ALLOW_ORIGIN)}"]
        return []


@dataclass(frozen=True)
class NoCorsHeaders(Check):
    def __str__(self) -> str:
        return "no Access-Control-Allow-* or -Expose-Headers header"

    def problems(self, ex: Exchange) -> list[str]:
        found = [f"{n}: {v}" for n, v in ex.headers if n.lower() in {h.lower() for h in CORS_RESPONSE_HEADERS}]
        return [f"CORS headers for a disallowed origin: {', '.join(found)}"] if found else []


@dataclass(frozen=True)
class SingleAllowOrigin(Check):
    def __str__(self) -> str:
        return "exactly one Access-Control-Allow-Origin field with one value"

    def problems(self, ex: Exchange) -> list[str]:
        lines = ex.headers.get_all(ALLOW_ORIGIN)
        if len(lines) != 1 or "," in lines[0] or " " in lines[0].strip():
            return [f"{ALLOW_ORIGIN} must be one value, got {lines}"]
        return []


@dataclass(frozen=True)
class CredentialsTrue(Check):
    def __str__(self) -> str:
        return "one Access-Control-Allow-Credentials: true (exactly that spelling)"

    def problems(self, ex: Exchange) -> list[str]:
        lines = ex.headers.get_all(ALLOW_CREDENTIALS)
        return [] if lines == ["true"] else [f"{ALLOW_CREDENTIALS} must be exactly ['true'], got {lines}"]


@dataclass(frozen=True)
class NoCredentials(Check):
    #: Why the header must be absent here, for the evidence.
    why: str = "under a policy without credentials"

    def __str__(self) -> str:
        return "no Access-Control-Allow-Credentials"

    def problems(self, ex: Exchange) -> list[str]:
        lines = ex.headers.get_all(ALLOW_CREDENTIALS)
        return [f"{ALLOW_CREDENTIALS} sent {self.why}: {lines}"] if lines else []


@dataclass(frozen=True)
class Exposed(Check):
    name: str
    credentials: bool

    def __str__(self) -> str:
        return f"{self.name} readable by a {'credentialed' if self.credentials else 'non-credentialed'} page"

    def problems(self, ex: Exchange) -> list[str]:
        names = exposed(ex.headers, self.credentials)
        if "*" in names or self.name.lower() in names:
            return []
        return [f"{self.name} not exposed: Access-Control-Expose-Headers {ex.headers.get_all('Access-Control-Expose-Headers')}"]


@dataclass(frozen=True)
class Vary(Check):
    names: tuple[str, ...]

    def __str__(self) -> str:
        return f"Vary names {', '.join(self.names)}"

    def problems(self, ex: Exchange) -> list[str]:
        present = {v.lower() for v in ex.headers.values("Vary")}
        missing = [n for n in self.names if n.lower() not in present and "*" not in present]
        return [f"Vary {ex.headers.get_all('Vary')} lacks {', '.join(missing)}"] if missing else []


@dataclass(frozen=True)
class Preflight(Check):
    """The browser's preflight for `method` with unsafe header `names` succeeds (or fails)."""

    origin: str
    method: str
    names: tuple[str, ...]
    credentials: bool
    approved: bool = True

    def __str__(self) -> str:
        what = f"{self.method}{' with ' + ', '.join(self.names) if self.names else ''}"
        if self.approved:
            return f"the {'credentialed ' if self.credentials else ''}preflight for {what} from {self.origin} succeeds"
        return f"the preflight for {what} from {self.origin!r} fails with and without credentials"

    def problems(self, ex: Exchange) -> list[str]:
        if self.approved:
            problem = preflight_check(ex.status, ex.headers, self.origin, self.method, self.names, self.credentials)
            return [f"preflight refused: {problem}"] if problem else []
        if preflight_check(ex.status, ex.headers, self.origin, self.method, self.names, credentials=False) is None:
            return [f"preflight approved what the policy forbids (status {ex.status}, {_cors_fields(ex)})"]
        return []


@dataclass(frozen=True)
class Status(Check):
    """The status the application itself answers (the CORS layer must not change it)."""

    status: int

    def __str__(self) -> str:
        return f"status {self.status}"

    def problems(self, ex: Exchange) -> list[str]:
        return [] if ex.status == self.status else [f"status {ex.status}, expected {self.status}"]


@dataclass(frozen=True)
class MaxAge(Check):
    """`Access-Control-Max-Age` is `seconds`; with None, absent or a valid delta-seconds."""

    seconds: int | None

    def __str__(self) -> str:
        return f"Access-Control-Max-Age {self.seconds}" if self.seconds is not None else "no or a valid Access-Control-Max-Age"

    def problems(self, ex: Exchange) -> list[str]:
        lines = ex.headers.get_all(MAX_AGE)
        if self.seconds is not None and lines != [str(self.seconds)]:
            return [f"{MAX_AGE} {lines}, expected ['{self.seconds}']"]
        if self.seconds is None and lines and not (len(lines) == 1 and lines[0].isdigit()):
            return [f"{MAX_AGE} {lines} is not delta-seconds"]
        return []


@dataclass(frozen=True)
class NoPreflightAnswer(Check):
    """An OPTIONS that is no preflight reaches the handler and gets no Allow-Methods."""

    def __str__(self) -> str:
        return "the application's own OPTIONS handler answers, without Access-Control-Allow-Methods"

    def problems(self, ex: Exchange) -> list[str]:
        found = []
        if "H" not in ex.trace:
            found.append(f"the OPTIONS handler never ran (status {ex.status})")
        if ex.headers.get_all(ALLOW_METHODS):
            found.append(f"answered as a preflight: {ALLOW_METHODS} {ex.headers.get_all(ALLOW_METHODS)}")
        return found


@dataclass(frozen=True)
class NotInside(Check):
    """No request phase inside the CORS layer and not the handler ran (trace `X>` / `H`)."""

    def __str__(self) -> str:
        return "no inner layer's request phase and not the handler ran"

    def problems(self, ex: Exchange) -> list[str]:
        inner = [e for e in ex.trace if e == "H" or e.endswith(">")]
        return [f"the preflight reached {' '.join(inner)}"] if inner else []


@dataclass(frozen=True)
class NoPrivateNetwork(Check):
    """The preflight answer does not open the private network (the case's policy does not opt in)."""

    def __str__(self) -> str:
        return f"no {ALLOW_PRIVATE_NETWORK}: true"

    def problems(self, ex: Exchange) -> list[str]:
        lines = [v.strip().lower() for v in ex.headers.get_all(ALLOW_PRIVATE_NETWORK)]
        return [f"{ALLOW_PRIVATE_NETWORK} {lines} under a policy that does not opt in"] if "true" in lines else []


@dataclass(frozen=True)
class AllowsPrivateNetwork(Check):
    """The preflight answer opens the private network, as the policy opted in to."""

    def __str__(self) -> str:
        return f"{ALLOW_PRIVATE_NETWORK}: true"

    def problems(self, ex: Exchange) -> list[str]:
        lines = [v.strip() for v in ex.headers.get_all(ALLOW_PRIVATE_NETWORK)]
        return [] if lines == ["true"] else [f"{ALLOW_PRIVATE_NETWORK} {lines}, expected ['true'] under a policy that opted in"]


@dataclass(frozen=True)
class ExactEcho(Check):
    """Access-Control-Allow-Origin, when sent, is `*` or the request's Origin byte for byte."""

    origin: str

    def __str__(self) -> str:
        return f"Access-Control-Allow-Origin absent, `*` or exactly {self.origin!r} (never a normalised or configured spelling)"

    def problems(self, ex: Exchange) -> list[str]:
        wrong = [v for v in ex.headers.get_all(ALLOW_ORIGIN) if v not in ("*", self.origin)]
        return [f"{ALLOW_ORIGIN} {wrong[0]!r} is not the request's Origin {self.origin!r}"] if wrong else []


@dataclass(frozen=True)
class NotFrom(Check):
    """Nothing of an earlier answer to `origin` reaches this one: no Access-Control-Allow-Origin naming it."""

    origin: str

    def __str__(self) -> str:
        return f"no Access-Control-Allow-Origin naming the earlier request's origin {self.origin}"

    def problems(self, ex: Exchange) -> list[str]:
        lines = ex.headers.get_all(ALLOW_ORIGIN)
        return [f"{ALLOW_ORIGIN} {lines} repeats the earlier request's origin: state kept across requests"] if self.origin in lines else []


@dataclass(frozen=True)
class Header(Check):
    """An inner layer's header field reaches the client unchanged."""

    name: str
    value: str

    def __str__(self) -> str:
        return f"{self.name}: {self.value} (set by an inner layer) kept"

    def problems(self, ex: Exchange) -> list[str]:
        lines = ex.headers.get_all(self.name)
        return [] if self.value in lines else [f"{self.name} {lines}, expected the inner layer's {self.value!r}"]


@dataclass(frozen=True)
class VaryOnEcho(Check):
    """A preflight answer that repeats the requested method or header names varies on the request header it copied.

    An answer lists exactly what was asked only by echoing it (the cases ask for less than the
    policy allows, or for names no static list holds), so a static answer (`*`, the policy's
    lists) needs no Vary for them and passes.
    """

    method: str
    names: tuple[str, ...]

    def __str__(self) -> str:
        return f"Vary names {REQUEST_METHOD} if {ALLOW_METHODS} echoes {self.method}, and {REQUEST_HEADERS} if {ALLOW_HEADERS} echoes {', '.join(self.names)}"

    def problems(self, ex: Exchange) -> list[str]:
        def listed(name: str) -> set[str]:
            return {v.strip().lower() for line in ex.headers.get_all(name) for v in line.split(",") if v.strip()}

        vary = {v.lower() for v in ex.headers.values("Vary")}
        found = []
        for echoed, asked, source in ((ALLOW_METHODS, {self.method.lower()}, REQUEST_METHOD), (ALLOW_HEADERS, {n.lower() for n in self.names}, REQUEST_HEADERS)):
            if asked and listed(echoed) == asked and source.lower() not in vary and "*" not in vary:
                found.append(f"{echoed} {ex.headers.get_all(echoed)} echoes the request's {source}, but Vary {ex.headers.get_all('Vary')} does not name it")
        return found


def _cors_fields(ex: Exchange) -> str:
    names = {h.lower() for h in (*CORS_RESPONSE_HEADERS, "Vary")}
    return "; ".join(f"{n}: {v}" for n, v in ex.headers if n.lower() in names) or "no CORS headers"


def preflight_call(origin: str, method: str, names: str | None = None, path: str = "/r", private_network: bool = False) -> Call:
    headers = [("Origin", origin), (REQUEST_METHOD, method)]
    if names is not None:
        headers.append((REQUEST_HEADERS, names))
    if private_network:
        headers.append((REQUEST_PRIVATE_NETWORK, "true"))
    return Call("OPTIONS", path, tuple(headers))


def get(origin: str | None, path: str = "/r", method: str = "GET", cookie: bool = False) -> Call:
    headers = [("Origin", origin)] if origin is not None else []
    if cookie:
        headers.append(("Cookie", "s=1"))
    return Call(method, path, tuple(headers))


@dataclass(frozen=True)
class CorsCase(Case):
    policy: CorsPolicy = CorsPolicy()
    #: Calls sent first to the same server; the checks judge `call`'s answer alone.
    before: tuple[Call, ...] = ()
    call: Call = Call("GET", "/r")
    #: Layers inside the CORS layer (e.g. an authentication probe that answers 401).
    chain: tuple[Probe, ...] = ()
    routes: tuple[Route, ...] = ROUTES
    checks: tuple[Check, ...] = ()
    #: What the evidence should add beside the verdict (e.g. how real browsers differ from the standard).
    note: str = ""

    @property
    def scenario(self) -> Scenario:
        return Scenario(self.routes, self.chain, cors=self.policy)


def check(case: CorsCase, mwc: Context) -> None:
    """Send the case's request to the subject configured with its policy; raise on any problem."""

    async def script(served: Served) -> Exchange:
        *_, last = await served.send([*case.before, case.call])
        return last

    ex = play(mwc, case.scenario, script)
    noted: dict[str, Any] = {"note": case.note} if case.note else {}
    verdict(
        mwc,
        [f"{ex.call}: {p}" for c in case.checks for p in c.problems(ex)],
        policy=repr(case.policy),
        expected=[str(c) for c in case.checks],
        observed={"status": ex.status, "cors": _cors_fields(ex), "trace": ex.trace},
        **noted,
    )
