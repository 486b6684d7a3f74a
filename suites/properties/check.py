"""How a property case is judged: generated scenarios on the subject against the reference.

Each example is a whole scenario and a few requests (`strategies.examples`). It is predicted by
the reference under the subject's profile and served by the subject; status, trace, probe-set
headers, Allow and the controlled body must agree, exactly as in the pipeline suite. On the first
disagreement hypothesis shrinks the example, and the case fails with the minimal scenario
rendered on one line, the full exchanges as evidence, and how to replay it.

A harness or adapter error stops the search at once (shrinking a hang would cost one deadline
per attempt) and is reported as `error` with the example that caused it.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import given, seed
from hypothesis import settings as Settings
from hypothesis import strategies as st
from mwconform.suites.pipeline.check import differences, predict, watched_headers

from mwconform.case import Case
from mwconform.harness import Exchange
from mwconform.outcomes import Deviation, HarnessError
from mwconform.plugin import Context, suite_of
from mwconform.runner import Served, play

from . import budgets, render
from .strategies import Example, Space, examples


@dataclass
class Trial:
    """One example as judged: what each call should have given, what it gave, what differs."""

    example: Example
    expected: list[str]  # what was expected of each call, one line each
    observed: list[Exchange]
    problems: list[str]


def compare(example: Example, mwc: Context) -> Trial:
    """Run one example on the reference and on the subject, one request after another."""

    async def both(served: Served) -> tuple[list[Exchange], list[Exchange]]:
        expected = await predict(example.scenario, mwc.subject.profile, example.calls)
        return expected, await served.send(example.calls)

    expected, observed = play(mwc, example.scenario, both, what=f"running a generated scenario on {mwc.subject.name}")
    watched = watched_headers(example.scenario)
    problems = [f"{obs.call}: {d}" for exp, obs in zip(expected, observed) for d in differences(exp, obs, watched)]
    return Trial(example, [_line(e) for e in expected], observed, problems)


def no_server_error(example: Example, mwc: Context) -> Trial:
    """Run one example on the subject alone: no 5xx, and no phase twice, whatever the path.

    Not compared with the reference: clients normalise and frameworks decode hostile paths
    differently (and legitimately), so only what every answer must satisfy is checked.
    """

    async def send_all(served: Served) -> list[Exchange]:
        return await served.send(example.calls)

    observed = play(mwc, example.scenario, send_all, what=f"sending hostile paths to {mwc.subject.name}")
    problems = [f"{render.call(e.call)}: status {e.status}, a server error for a request nothing in the scenario fails on" for e in observed if e.status >= 500]
    problems += [f"{render.call(e.call)}: {event} ran twice" for e in observed for event in sorted(set(e.trace)) if e.trace.count(event) > 1]
    return Trial(example, ["-> 1xx-4xx, each phase at most once"] * len(observed), observed, problems)


@dataclass(frozen=True)
class PropertyCase(Case):
    #: What to draw for a subject's space of scenarios.
    draw: Callable[[Space], st.SearchStrategy[Example]] = examples
    #: How one example is judged.
    judge: Callable[[Example, Context], Trial] = compare
    #: Generate route-local chains (`Group`s) as well as the global chain.
    groups: bool = False


def check(case: PropertyCase, mwc: Context) -> None:
    """Search for a scenario where the subject and the reference disagree; fail with the smallest."""
    space = Space.of(mwc.subject, case.groups)
    profile = budgets.chosen(mwc.node.config)
    failures: list[Trial] = []
    broken: list[tuple[Example, BaseException]] = []

    @Settings(profile, report_multiple_bugs=False)
    @given(case.draw(space))
    def agree(example: Example) -> None:
        if broken:
            raise broken[0][1]
        try:
            trial = case.judge(example, mwc)
        except Exception as exc:
            broken.append((example, exc))
            raise
        if trial.problems:
            failures.append(trial)  # hypothesis replays the shrunk example last
            raise Deviation(trial.problems[0])

    used_seed = draw_seed(profile, mwc)
    if used_seed is not None:
        agree = seed(used_seed)(agree)
    base = {
        "profile": mwc.subject.profile,
        "mode": mwc.mode,
        "examples": profile.max_examples,
        "steering": space.steering(mwc.subject.known),
    }
    try:
        agree()
    except Deviation as exc:
        if not failures:
            raise
        minimal = failures[-1]
        replay = replay_info(case, mwc, profile, used_seed, exc)
        mwc.evidence(**base, **_evidence(minimal), replay=replay)
        more = f" (+{len(minimal.problems) - 1} more)" if len(minimal.problems) > 1 else ""
        raise Deviation(
            f"shrunk to: {render.scenario(minimal.example.scenario)} | calls: {render.calls(minimal.example.calls)} | "
            f"{minimal.problems[0]}{more}"
        ) from None
    except Exception as exc:
        if not broken:
            raise
        example, first = broken[0]
        mwc.evidence(**base, scenario=render.scenario(example.scenario), calls=[render.call(c) for c in example.calls])
        what = str(first) if isinstance(first, HarnessError) else f"{type(first).__name__}: {first}"
        raise HarnessError(f"{what} (on {render.scenario(example.scenario)} | calls: {render.calls(example.calls)})") from exc
    mwc.evidence(**base)


def draw_seed(profile: Settings, mwc: Context) -> int | None:
    """The seed to draw examples with when the profile is random, so a failure can name it."""
    if profile.derandomize:
        return None
    forced = mwc.node.config.getoption("hypothesis_seed", None)
    return int(forced) if forced is not None else random.SystemRandom().getrandbits(32)


def replay_info(case: Case, mwc: Context, profile: Settings, used_seed: int | None, exc: BaseException) -> dict[str, Any]:
    """The command that draws the same examples again, and hypothesis' blob for the shrunk one.

    Shared by every hypothesis-driven case (generated scenarios here, the session machine): the
    suite to run is the one the case's class is defined in.
    """
    cls = type(mwc.subject)
    if cls.__module__.startswith("mwconform.adapters."):
        spec = mwc.subject.name
    elif getattr(sys.modules.get(cls.__module__), cls.__qualname__, None) is cls:
        spec = f"{cls.__module__}:{cls.__qualname__}"
    else:
        spec = "<the --mwc-subject of this run>"
    command = f"pytest --pyargs mwconform.suites.{suite_of(type(case).__module__)} --mwc-subject {spec} --mwc-mode {mwc.mode} -k {case.id}"
    if used_seed is None:
        how = "derandomized profile: the same command draws the same examples"
    else:
        command += f" --hypothesis-profile={Settings.get_current_profile_name()} --hypothesis-seed={used_seed}"
        how = f"random profile; seed {used_seed}"
    notes = "\n".join(getattr(exc, "__notes__", ()))
    blob = re.search(r"@reproduce_failure\(.*?\)", notes)
    return {"command": command, "how": how, "reproduce_failure": blob.group(0) if blob else None}


def _line(e: Exchange) -> str:
    return f"{render.call(e.call)} -> {e.status} [{' '.join(e.trace) or 'no trace'}]"


def _evidence(trial: Trial) -> dict[str, Any]:
    return {
        "scenario": render.scenario(trial.example.scenario),
        "calls": [render.call(c) for c in trial.example.calls],
        "expected": trial.expected,
        "observed": [_line(e) for e in trial.observed],
        "differences": trial.problems,
        "exchanges": [e.to_json() for e in trial.observed],
    }
