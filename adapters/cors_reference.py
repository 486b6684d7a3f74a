"""The reference CORS middleware served by the reference pipeline: the oracle, and the base the
CORS self-tests plant bugs into (`tests/mutants/cors.py`)."""

from __future__ import annotations

from typing import ClassVar

from ..reference.cors import CorsMiddleware, CorsPolicy
from ..reference.pipeline import Pipeline
from ..reference.probes import Recorder
from ..reference.scenario import Scenario
from .base import Subject
from .reference import ReferenceSubject


def policy_of(scenario: Scenario) -> CorsPolicy | None:
    """The scenario's CORS policy. Without one a CORS subject installs no CORS layer and serves
    the bare app, so harness-wide tests (cleanup, modes) can exercise it like any subject."""
    return scenario.cors


class ReferenceCors(ReferenceSubject):
    name = "reference/cors"
    profile = "onion"
    suites = frozenset({"cors"})
    description = "reference CorsMiddleware outermost in the reference pipeline (onion profile)"
    #: The CORS layer to install; self-tests substitute broken ones.
    middleware_class: ClassVar[type[CorsMiddleware]] = CorsMiddleware

    def install_outer(self, pipeline: Pipeline, scenario: Scenario, recorder: Recorder) -> None:
        if (policy := policy_of(scenario)) is not None:
            pipeline.middleware.insert(0, self.middleware_class(policy))


class ReferenceCorsHooks(ReferenceCors):
    name = "reference/cors-hooks"
    profile = "hooks"
    description = "reference CorsMiddleware first in the reference pipeline (hooks profile)"


SUBJECTS: list[type[Subject]] = [ReferenceCors, ReferenceCorsHooks]
