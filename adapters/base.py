"""The adapter contract: what a subject must provide for the suites to grade it.

A *subject* is a framework plus a way of wiring middleware into it. The suites hand it a neutral
`Scenario` and a `Recorder`; it builds a real app, serves it, and yields a `Target` the harness
sends requests to. Everything else (profile, capabilities, known deviations) is declared data.

To grade your own middleware, subclass a bundled subject (e.g.
`mwconform.adapters.aiohttp.AiohttpSubject`) and override the few methods that wire middleware,
or subclass `Subject` for another framework. See README "Use it in your own CI".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import ClassVar

import httpx

from ..reference.probes import Recorder
from ..reference.scenario import Scenario

#: Capabilities a subject may declare; a case that needs one a subject lacks is `n/a`.
CAPABILITIES: dict[str, str] = {
    "route-local": "builds route-local middleware chains (a Group: sub-app, per-route chain or blueprint)",
    "priority": "orders middleware by an explicit priority (Sanic `priority=`)",
    "error-conversion": "a layer can turn an error raised inside it into a response",
    "response-replace": "a response phase can replace the response it was handed",
    "context": "a request context shared by middleware and handler",
    "rewrite-params": "middleware can rewrite route parameters before the handler reads them",
    "split-phases": "a layer may have only a request phase or only a response phase",
    "server-store": "keeps session data in a server-side store; the cookie holds only an id",
}

MODES = ("socket", "inprocess")


@dataclass
class Target:
    """Where the harness sends requests: a loopback URL, or an in-process transport."""

    base_url: str
    transport: httpx.AsyncBaseTransport | None = None


class Subject(ABC):
    """A gradable subject. Class attributes are its declaration; `serve` is its behaviour."""

    #: `adapter/variant`, e.g. `aiohttp/native`; shown in every verdict.
    name: ClassVar[str] = ""
    #: The adapter (framework) it belongs to, e.g. `aiohttp`.
    adapter: ClassVar[str] = ""
    #: `onion` or `hooks` (see `mwconform.reference.pipeline`).
    profile: ClassVar[str] = "onion"
    capabilities: ClassVar[frozenset[str]] = frozenset()
    #: Case id → reason, for deviations this subject is known to have. A known case that passes
    #: is reported as stale, loudly.
    known: ClassVar[Mapping[str, str]] = {}
    #: Serving modes this subject supports; the first is its default.
    modes: ClassVar[tuple[str, ...]] = ("socket",)
    #: The suites this subject is graded by (`pipeline`, `cors`, ...); others never list it.
    suites: ClassVar[frozenset[str]] = frozenset({"pipeline", "properties"})
    #: Distributions whose versions the results record.
    packages: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    @abstractmethod
    def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AbstractAsyncContextManager[Target]:
        """Build an app for `scenario`, serve it in `mode`, yield its `Target`, then tear it all down."""

    def versions(self) -> dict[str, str]:
        found = {}
        for dist in self.packages:
            try:
                found[dist] = version(dist)
            except PackageNotFoundError:
                found[dist] = "not installed"
        return found

