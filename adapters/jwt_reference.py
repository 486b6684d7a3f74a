"""The reference JWT middleware (reference/jwt.py) in front of the reference pipeline.

This is the oracle graded like any subject, and the base the self-tests plant bugs into
(`tests/mutants/jwt.py` substitutes `middleware_class`). The reference middleware stores the
verified claims in the request context itself, so it needs no `accepted()` call.
"""

from __future__ import annotations

from typing import ClassVar

from ..reference.jwt import JwtMiddleware, JwtPolicy
from .base import Subject
from .features import JwtSubject


class ReferenceJwt(JwtSubject):
    name = "reference/jwt"
    framework = "reference"
    packages: tuple[str, ...] = ("mwconform", "uvicorn", "PyJWT", "cryptography")
    description = "the reference JwtMiddleware (PyJWT) outermost in the reference pipeline"
    #: The middleware to install; self-tests substitute broken ones.
    middleware_class: ClassVar[type[JwtMiddleware]] = JwtMiddleware

    def layer(self, policy: JwtPolicy) -> JwtMiddleware:
        return self.middleware_class(policy)


SUBJECTS: list[type[Subject]] = [ReferenceJwt]
