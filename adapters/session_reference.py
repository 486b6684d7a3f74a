"""The reference session middleware in the reference pipeline, one subject per reference storage.

These grade the oracle itself end to end (served by uvicorn, or in-process through ASGI), and
are what the self-tests plant broken session middleware into (`tests/mutants/session.py`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from ..reference.pipeline import Pipeline
from ..reference.probes import Recorder
from ..reference.scenario import Scenario
from ..reference.session import SessionMiddleware
from ..reference.session_ops import reference_session_endpoint
from .base import Subject
from .reference import ReferenceSubject
from .session import ReferenceSessionSubject


class ReferenceSession(ReferenceSessionSubject, ReferenceSubject):
    name = "reference/session-signed"
    storage = "signed"
    description = "the reference session middleware in the reference pipeline; cookie signed with itsdangerous"
    packages = ("mwconform", "uvicorn", "itsdangerous")
    #: The middleware class to run; self-tests substitute broken ones.
    middleware_class: ClassVar[type[SessionMiddleware]] = SessionMiddleware

    def pipeline(self, scenario: Scenario, recorder: Recorder) -> Pipeline:
        plain = tuple(r for r in scenario.routes if r.handler.session is None)
        app = super().pipeline(replace(scenario, routes=plain), recorder)
        app.middleware.insert(0, self.middleware_class(self.manager))  # outermost: sessions wrap every probe
        for route in scenario.routes:
            if route.handler.session is not None:
                app.route(route.method, route.path, reference_session_endpoint(route.handler, recorder))
        return app


class ReferenceSessionEncrypted(ReferenceSession):
    name = "reference/session-encrypted"
    storage = "encrypted"
    description = "the reference session middleware in the reference pipeline; cookie encrypted with Fernet"
    packages = ("mwconform", "uvicorn", "cryptography")


class ReferenceSessionMemory(ReferenceSession):
    name = "reference/session-memory"
    storage = "memory"
    description = "the reference session middleware in the reference pipeline; in-memory server-side store"
    packages = ("mwconform", "uvicorn")


class ReferenceSessionRedis(ReferenceSession):
    name = "reference/session-redis"
    storage = "redis"
    description = "the reference session middleware in the reference pipeline; Redis server-side store"
    packages = ("mwconform", "uvicorn", "redis")


SUBJECTS: list[type[Subject]] = [ReferenceSession, ReferenceSessionEncrypted, ReferenceSessionMemory, ReferenceSessionRedis]
