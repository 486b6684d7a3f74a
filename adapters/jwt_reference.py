"""The reference JWT middleware (reference/jwt.py) in front of the reference pipeline.

This is the oracle graded like any subject, and the base the self-tests plant bugs into
(`tests/mutants/jwt.py` substitutes `middleware_class`). The reference middleware stores the
verified claims in the request context itself, so it needs no `accepted()` call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from ..reference.http import Headers, Request, Response
from ..reference.jwt import CLAIMS_KEY, JwtMiddleware, JwtPolicy
from .base import Subject
from .features import JwtSubject, accepted


class ReferenceJwt(JwtSubject):
    name = "reference/jwt"
    framework = "reference"
    packages: tuple[str, ...] = ("mwconform", "uvicorn", "PyJWT", "cryptography")
    description = "the reference JwtMiddleware (PyJWT) outermost in the reference pipeline"
    #: The middleware to install; self-tests substitute broken ones.
    middleware_class: ClassVar[type[JwtMiddleware]] = JwtMiddleware

    def layer(self, policy: JwtPolicy) -> JwtMiddleware:
        return self.middleware_class(policy)


async def judge(layer: JwtMiddleware, request: Any, method: str, path: str, headers: Iterable[tuple[str, str]], query: str) -> Response | None:
    """The reference middleware's decision on a framework's `request`, given its parts.

    Its answer (a refusal) is returned for the framework to send; a request it lets through gets
    its verified claims reported with `accepted()`, and None (on to the handler). The glue every
    framework's reference JWT subject shares.
    """
    neutral = Request(method, path, Headers(headers), query)
    answer = await layer.on_request(neutral)
    if answer is None and CLAIMS_KEY in neutral.ctx:
        accepted(request, neutral.ctx[CLAIMS_KEY])
    return answer


SUBJECTS: list[type[Subject]] = [ReferenceJwt]
