"""Hostile header values sent to a served subject: a 5xx or a dropped connection is a finding.

A `HostileCase` names the app (a scenario), how one generated value becomes a request, and the
hypothesis strategy of values. The subject is served once per case; hypothesis draws as many
values as the profile allows (suites/properties/budgets.py: `mwc-ci` 30, derandomized;
`mwc-deep` 1000), sends each in turn, and on the first 5xx or connection closed without an answer
shrinks the value and fails with the minimal request and what came back. Anything else that goes
wrong (the subject hangs, cannot be reached, the harness breaks) is an `error`, never a `fail`.

Only what is legal in an HTTP field value can be sent (RFC 9110 §5.5): visible ASCII, SP and HTAB
between visible characters, and obs-text bytes %x80-FF (sent as latin-1 bytes). Control
characters, CR, LF, NUL and leading or trailing whitespace are never generated: httpx and h11
refuse to send them, and a server must reject them before any middleware runs.

hypothesis runs in a worker thread while the event loop serves the subject (`harness.in_thread`);
each value is sent on the loop with a timeout.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import example, given
from hypothesis import settings as Settings
from hypothesis import strategies as st
from mwconform.reference.scenario import Call, Scenario
from mwconform.suites.properties import budgets

from mwconform.case import Case
from mwconform.harness import REQUEST_TIMEOUT, Bridge, Dropped, Exchange, in_thread, send
from mwconform.outcomes import Deviation, HarnessError
from mwconform.plugin import Context
from mwconform.runner import Served, play

#: Seconds of case deadline added per value the profile allows (sending, shrinking).
PER_VALUE = 0.05
#: RFC 9110 §5.5 field-value: field-vchar (VCHAR / obs-text) runs separated by SP / HTAB.
FIELD_VALUE = re.compile(r"(?:[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*)?")
#: Characters that break naive header parsers, all legal inside a field value.
SEPARATORS = st.sampled_from(list(",;=:/\"'\\()<>@[]{}?*+%.&|^$~`!#-_ \t"))
#: obs-text: each character is sent as its one latin-1 byte (aiohttp and Sanic pass 0xE9 on as `\udce9`).
OBS_TEXT = st.sampled_from(["\x80", "\xa0", "\xe9", "\xff"])
VISIBLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
#: Any legal field value: visible ASCII, separators, obs-text; never padded, never CR/LF/NUL.
FIELD_TEXT = st.text(st.one_of(VISIBLE, SEPARATORS, OBS_TEXT), max_size=60).map(lambda v: v.strip(" \t"))

#: What every hostile case expects of the subject.
EXPECT = "Every request is answered below 500 and no connection is closed unanswered; the shrunk value is shown for the first that is not."


def field_values(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values made of `parts` (or arbitrary legal text), trimmed to legal field values."""
    return st.one_of(*parts, FIELD_TEXT).map(lambda v: v.strip(" \t")).filter(lambda v: FIELD_VALUE.fullmatch(v) is not None)


@dataclass(frozen=True)
class HostileCase(Case):
    #: The app the subject serves (its policy included).
    scenario: Scenario | None = None
    #: The header the values go into, named in messages and evidence.
    header: str = ""
    #: The values to try; each must be a legal field value.
    values: st.SearchStrategy[Any] = st.nothing()
    #: How one value becomes the request(s) to send.
    request: Callable[[Any], Call] | None = None
    #: Values tried first under every budget: known crash paths, so a CI run finds them for sure.
    always: tuple[Any, ...] = ()


@dataclass
class Finding:
    value: Any
    call: Call
    exchange: Exchange | None  # None: the connection was dropped
    problem: str


def check(case: HostileCase, mwc: Context) -> None:
    """Serve the subject once, send up to the profile's budget of hostile values, fail on a 5xx or a drop."""
    if case.scenario is None or case.request is None:
        raise ValueError(f"hostile case {case.id} needs a scenario and a request")
    scenario, request = case.scenario, case.request
    profile = budgets.chosen(mwc.node.config)
    findings: list[Finding] = []
    broken: list[BaseException] = []
    sent = [0]

    async def search(served: Served) -> None:
        await in_thread(lambda bridge: hunt(bridge, served), REQUEST_TIMEOUT + 1)

    def hunt(bridge: Bridge, served: Served) -> None:
        def answer(call: Call) -> Exchange:
            sent[0] += 1
            # Not kept in the case's log: only the shrunk value's exchange is evidence.
            return bridge.call(send(served.target, served.recorder, [call]), f"sending {call}")[0]

        @Settings(profile, report_multiple_bugs=False)
        @given(case.values)
        def survives(value: Any) -> None:
            if broken:
                raise broken[0]
            call = request(value)
            try:
                ex = answer(call)
            except Dropped as exc:
                findings.append(Finding(value, call, None, f"the subject closed the connection without answering ({exc.__class__.__name__})"))
                raise Deviation(findings[-1].problem) from None
            except Exception as exc:
                broken.append(exc)
                raise
            if ex.status >= 500:
                findings.append(Finding(value, call, ex, f"answered {ex.status} {ex.reason}".rstrip()))
                raise Deviation(findings[-1].problem)

        for value in case.always:
            survives = example(value)(survives)
        try:
            survives()
        except Exception:
            if broken or not findings:  # a finding stays one even if hypothesis calls it flaky
                raise

    deadline = mwc.deadline + PER_VALUE * profile.max_examples
    try:
        play(mwc, scenario, search, deadline, f"sending hostile {case.header} values to {mwc.subject.name}")
    except Exception:
        if broken:
            raise HarnessError(f"{type(broken[0]).__name__}: {broken[0]}") from broken[0]
        raise
    base = {"header": case.header, "budget": mwc.node.config.getoption("hypothesis_profile", None) or budgets.CI, "values_sent": sent[0]}
    if not findings:
        mwc.evidence(**base, observed="every answer below 500")
        return
    minimal = findings[-1]  # hypothesis replays the shrunk example last
    if minimal.exchange is not None:
        shown: dict[str, Any] = {"exchanges": [minimal.exchange.to_json()]}
    else:  # no response to show: the request alone
        shown = {"unanswered_request": {"method": minimal.call.method, "path": minimal.call.path, "headers": [list(h) for h in minimal.call.headers]}}
    mwc.evidence(**base, expected="every answer below 500, none dropped", value=repr(minimal.value), observed=minimal.problem, **shown)
    raise Deviation(f"{minimal.call}: {minimal.problem} (shrunk {case.header} value {minimal.value!r})")
