"""The reference CORS middleware served by the reference pipeline: the oracle, and the base the
CORS self-tests plant bugs into (`tests/mutants/cors.py`)."""

from __future__ import annotations

from typing import ClassVar

from ..reference.cors import CorsMiddleware, CorsPolicy
from .base import Subject
from .features import CorsSubject


class ReferenceCors(CorsSubject):
    name = "reference/cors"
    framework = "reference"
    description = "reference CorsMiddleware outermost in the reference pipeline (onion profile)"
    #: The CORS layer to install; self-tests substitute broken ones.
    middleware_class: ClassVar[type[CorsMiddleware]] = CorsMiddleware

    def layer(self, policy: CorsPolicy) -> CorsMiddleware:
        return self.middleware_class(policy)


class ReferenceCorsHooks(ReferenceCors):
    name = "reference/cors-hooks"
    framework = "reference-hooks"
    description = "reference CorsMiddleware first in the reference pipeline (hooks profile)"


SUBJECTS: list[type[Subject]] = [ReferenceCors, ReferenceCorsHooks]
