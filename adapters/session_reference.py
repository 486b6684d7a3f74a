"""The reference session middleware in the reference pipeline, one subject per reference storage.

These grade the oracle itself end to end (served by uvicorn, or in-process through ASGI), and
are what the self-tests plant broken session middleware into (`tests/mutants/session.py`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..reference.http import Request
from ..reference.session import SESSION_KEY, Session, SessionManager, SessionMiddleware
from .base import Subject
from .session import ReferenceSession as ReferenceSessionBinding


class ReferenceSession(ReferenceSessionBinding):
    name = "reference/session-signed"
    framework = "reference"
    storage = "signed"
    description = "the reference session middleware in the reference pipeline; cookie signed with itsdangerous"
    packages: tuple[str, ...] = ("mwconform", "uvicorn", "itsdangerous")
    manager_class: ClassVar[type[SessionManager]] = SessionManager
    #: The middleware class to run; self-tests substitute broken ones.
    middleware_class: ClassVar[type[SessionMiddleware]] = SessionMiddleware

    def middleware(self, manager: SessionManager) -> Any:
        return self.middleware_class(manager)

    def current(self, request: Request) -> Session:
        session: Session = request.state[SESSION_KEY]
        return session


class ReferenceSessionEncrypted(ReferenceSession):
    name = "reference/session-encrypted"
    storage = "encrypted"
    description = "the reference session middleware in the reference pipeline; cookie encrypted with Fernet"
    packages: tuple[str, ...] = ("mwconform", "uvicorn", "cryptography")


class ReferenceSessionMemory(ReferenceSession):
    name = "reference/session-memory"
    storage = "memory"
    description = "the reference session middleware in the reference pipeline; in-memory server-side store"
    packages: tuple[str, ...] = ("mwconform", "uvicorn")


class ReferenceSessionRedis(ReferenceSession):
    name = "reference/session-redis"
    storage = "redis"
    description = "the reference session middleware in the reference pipeline; Redis server-side store"
    packages: tuple[str, ...] = ("mwconform", "uvicorn", "redis")


SUBJECTS: list[type[Subject]] = [ReferenceSession, ReferenceSessionEncrypted, ReferenceSessionMemory, ReferenceSessionRedis]
