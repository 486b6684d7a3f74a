"""The CORS decisions of the example middleware, framework-neutral: which headers an answer gets.

`cors_aiohttp.py` and `cors_sanic.py` put these rules into each framework's middleware.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from multidict import CIMultiDict

from mwconform.outcomes import NotApplicable
from mwconform.reference.cors import CorsPolicy

ALLOW_ORIGIN = "Access-Control-Allow-Origin"
#: Every header the middleware owns: a handler's own values are replaced, never doubled.
CORS_HEADERS = (ALLOW_ORIGIN, "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age")
#: An HTTP token (RFC 9110 §5.6.2): only such names are ever echoed back.
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """Fetch §3.2.2: an OPTIONS request with Origin and Access-Control-Request-Method."""
    return method == "OPTIONS" and "Origin" in headers and "Access-Control-Request-Method" in headers


@dataclass(frozen=True)
class CorsRules:
    """`origins`, `methods`, `headers`: what is allowed, None for anything; header names in lower case."""

    origins: frozenset[str] | None
    methods: frozenset[str] | None
    headers: frozenset[str] | None
    credentials: bool = False
    expose: tuple[str, ...] = ()
    max_age: int | None = None

    def allows(self, origin: str | None) -> bool:
        return self.origins is None or origin in self.origins

    def actual(self, origin: str | None) -> dict[str, str]:
        """The CORS headers of an actual response: none for an origin that is not allowed."""
        if not self.allows(origin):
            return {}
        found = {ALLOW_ORIGIN: "*" if self.origins is None else str(origin)}
        if self.credentials:
            found["Access-Control-Allow-Credentials"] = "true"
        if self.expose:
            found["Access-Control-Expose-Headers"] = ", ".join(self.expose)
        return found

    def preflight(self, origin: str | None, method: str, requested: str) -> dict[str, str] | None:
        """The headers approving a preflight, or None to refuse it (403, no CORS headers)."""
        names = [n.strip().lower() for n in requested.split(",") if n.strip()]
        if not (self.allows(origin) and (self.methods is None or method in self.methods) and all(TOKEN.fullmatch(n) for n in names)):
            return None
        if self.headers is not None and not set(names) <= self.headers:
            return None
        found = {k: v for k, v in self.actual(origin).items() if k != "Access-Control-Expose-Headers"}
        # The method and names asked for, not `*`: a credentialed preflight reads `*` literally.
        found["Access-Control-Allow-Methods"] = method
        if names:
            found["Access-Control-Allow-Headers"] = ", ".join(names)
        if self.max_age is not None:
            found["Access-Control-Max-Age"] = str(self.max_age)
        return found

    def decorate(self, headers: CIMultiDict[str], origin: str | None) -> None:
        """Give a response's headers (aiohttp's and Sanic's are both multidicts) their CORS headers and Vary."""
        for name in CORS_HEADERS:
            headers.popall(name, None)
        headers.update(self.actual(origin))
        vary = self.vary(headers.getall("Vary", []))
        if vary is not None:
            headers["Vary"] = vary

    def decorate_preflight(self, headers: CIMultiDict[str]) -> None:
        """A preflight's answer depends on its Origin and echoes its method and header names, approved or not."""
        headers["Vary"] = ", ".join(filter(None, (self.vary([]), "Access-Control-Request-Method", "Access-Control-Request-Headers")))

    def vary(self, current: list[str]) -> str | None:
        """The response's new `Vary` given its current fields (None: leave it), so caches key on Origin."""
        names = [n.strip() for field in current for n in field.split(",") if n.strip()]
        if self.origins is None or any(n == "*" or n.lower() == "origin" for n in names):
            return None
        return ", ".join([*names, "Origin"])


def rules_for(policy: CorsPolicy, rules_class: type[CorsRules] = CorsRules) -> CorsRules:
    """The binding: the middleware's own configuration from the case's neutral policy, or n/a."""
    if policy.origin_regex or policy.subdomains_of:
        raise NotApplicable("this middleware allows listed origins or '*', no patterns")
    if policy.private_network:
        raise NotApplicable("this middleware never opts in to Private Network Access")
    if policy.credentials and "*" in policy.expose:
        raise NotApplicable("this middleware cannot expose '*' to credentialed requests (it would have to list each header)")

    def listed(values: tuple[str, ...], lower: bool = False) -> frozenset[str] | None:
        return None if "*" in values else frozenset(v.lower() if lower else v for v in values)

    return rules_class(listed(policy.origins), listed(policy.methods), listed(policy.headers, lower=True),
                       policy.credentials, policy.expose, policy.max_age)
