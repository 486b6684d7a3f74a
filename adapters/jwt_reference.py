"""The reference JWT middleware (reference/jwt.py) in front of the reference pipeline.

This is the oracle graded like any subject, and the base the self-tests plant bugs into
(`tests/mutants/jwt.py` substitutes `middleware_class`).
"""

from __future__ import annotations

from typing import ClassVar

from ..reference.jwt import JwtMiddleware
from ..reference.pipeline import Pipeline
from ..reference.probes import Recorder
from ..reference.scenario import Scenario
from .base import Subject
from .reference import ReferenceOnion


class ReferenceJwt(ReferenceOnion):
    name = "reference/jwt"
    suites = frozenset({"jwt"})
    packages = ("mwconform", "uvicorn", "PyJWT", "cryptography")
    description = "the reference JwtMiddleware (PyJWT) outermost in the reference pipeline"
    #: The middleware to install; self-tests substitute broken ones.
    middleware_class: ClassVar[type[JwtMiddleware]] = JwtMiddleware

    def install_outer(self, app: Pipeline, scenario: Scenario, recorder: Recorder) -> None:
        if scenario.jwt is not None:
            app.middleware.insert(0, self.middleware_class(scenario.jwt))


SUBJECTS: list[type[Subject]] = [ReferenceJwt]
