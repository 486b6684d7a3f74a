"""How a CORS case is judged: one request, then declarative checks of what a browser would do.

A `CorsCase` names a policy, the chain inside the CORS layer, one request and its checks. Each
check is a small frozen object: `str(check)` is the expectation in words (it goes into the
evidence), `problems(exchange)` lists how the observed exchange breaks it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from mwconform.case import Case
from mwconform.harness import Exchange
from mwconform.plugin import Context
from mwconform.reference.cors import (
    ALLOW_CREDENTIALS,
    ALLOW_METHODS,
    ALLOW_ORIGIN,
    CORS_RESPONSE_HEADERS,
    MAX_AGE,
    REQUEST_HEADERS,
    REQUEST_METHOD,
    CorsPolicy,
)
from mwconform.reference.scenario import Call, Handler, Probe, Route, Scenario
from mwconform.runner import Served, play, verdict
from mwconform.suites.cors.fetch import cors_check, exposed, preflight_check

A = "https://app.example.com"
B = "http://localhost:8080"
E = "https://evil.example"
#: Private Network Access (WICG): the preflight asks, the server opts in.
REQUEST_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"
ALLOW_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"

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
    def __str__(self) -> str:
        return "no Access-Control-Allow-Credentials"

    def problems(self, ex: Exchange) -> list[str]:
        lines = ex.headers.get_all(ALLOW_CREDENTIALS)
        return [f"{ALLOW_CREDENTIALS} sent under a policy without credentials: {lines}"] if lines else []


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
    """The preflight answer does not open the private network (no policy here opts in)."""

    def __str__(self) -> str:
        return f"no {ALLOW_PRIVATE_NETWORK}: true"

    def problems(self, ex: Exchange) -> list[str]:
        lines = [v.strip().lower() for v in ex.headers.get_all(ALLOW_PRIVATE_NETWORK)]
        return [f"{ALLOW_PRIVATE_NETWORK} {lines} under a policy that never allows it"] if "true" in lines else []


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

    @property
    def scenario(self) -> Scenario:
        return Scenario(self.routes, self.chain, cors=self.policy)


def check(case: CorsCase, mwc: Context) -> None:
    """Send the case's request to the subject configured with its policy; raise on any problem."""

    async def script(served: Served) -> Exchange:
        *_, last = await served.send([*case.before, case.call])
        return last

    ex = play(mwc, case.scenario, script)
    verdict(
        mwc,
        [f"{ex.call}: {p}" for c in case.checks for p in c.problems(ex)],
        policy=repr(case.policy),
        expected=[str(c) for c in case.checks],
        observed={"status": ex.status, "cors": _cors_fields(ex), "trace": ex.trace},
    )
