"""The stateful session model: hypothesis plays random sessions against a subject and a model.

A `SessionMachine` is one browser using one served app: it logs in, reads, writes, logs out, has
its cookie tampered with, lets an attacker replay any cookie it was ever sent, and lets time pass.
Every rule sends a real request and compares the answer (status, and the session the handler
echoes) with `Model`, a few lines of plain Python saying what the session must hold. Hypothesis
searches for a sequence where they disagree and shrinks it; the case then fails with that minimal
sequence on one line, each step with its request and answer in the evidence, and the command that
replays it (the properties suite's machinery).

What the model allows is what SPEC.md fixes, no more:

- reads see exactly the last writes; nothing survives logout, a tampered cookie or max-age;
- a login may keep the pre-login data or start afresh (OWASP leaves that to the application),
  but must send a new cookie value, and the pre-login server id never sees the new session;
- a cookie storage cannot revoke a cookie (decision 4): a replayed old cookie still carries what
  it carried until its max-age, and only the cookie the browser holds must be gone after logout;
  a server-side store must answer an empty session for a logged-out id;
- lifetime counts from the last write (decision 2), never from a read (decision 3).

The app is served once per case and only cookies vary between examples. Hypothesis runs in a
worker thread while the served subject keeps the event loop (`harness.in_thread`); each request
crosses over and is bounded by the case deadline.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Literal, NoReturn

from hypothesis import seed
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from mwconform.adapters.base import Subject
from mwconform.reference.scenario import Handler, Route, Scenario, SessionAction
from mwconform.reference.session import SessionPolicy
from mwconform.reference.session_ops import SET_HEADER, USER_HEADER
from mwconform.suites.properties import budgets
from mwconform.suites.properties.check import draw_seed, replay_info
from mwconform.suites.session.check import Play, Reply, deletes

from mwconform import runner
from mwconform.case import Case
from mwconform.harness import Bridge, Exchange, in_thread
from mwconform.outcomes import Deviation, HarnessError
from mwconform.plugin import Context

Data = dict[str, str]

MAX_AGE = 60  # seconds; the machine's policy lifetime
#: How long the browser waits before a request: not at all, or a bit more than half of max-age, so
#: two waits without a write in between end the session. Every request may come later rather than
#: a separate "wait" rule, so the sequences that matter for lifetime (write, wait, write or read,
#: wait, read) are short enough for the CI budget to find; a longer wait would end the session
#: too often to find anything else. No sum of these is exactly MAX_AGE, so no request lands on
#: the expiry instant, where "has max-age passed?" is a matter of `<` against `<=`.
WAITS = (0, 35)
LATER = st.sampled_from(WAITS)
KEYS, VALUES, USERS = ("a", "b"), ("1", "2"), ("alice", "bob")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def flip(value: str, i: int) -> str:
    """`value` with character `i` moved 32 places along the base64url alphabet.

    That flips the character's top bit, which every base64 position uses: a plain `A`→`B` on a
    segment's last character can land in unused padding bits and decode to the same bytes.
    """
    i %= len(value) or 1
    c = value[i : i + 1]
    swapped = _B64[(_B64.index(c) + 32) % 64] if c and c in _B64 else "A"
    return value[:i] + swapped + value[i + 1 :]


def last_significant(value: str) -> int:
    """The index of the last character that carries data: base64 padding (`=`) and quotes do not,
    and decoders such as Fernet's ignore what follows a padding `=`."""
    return len(value.rstrip('="')) - 1


#: How a cookie gets tampered with, by name (shown in the shrunk sequence). The middle of a signed
#: cookie is its payload, the end its signature.
FORGERIES: dict[str, Callable[[str], str]] = {
    "middle character changed": lambda v: flip(v, len(v) // 2),
    "last character changed": lambda v: flip(v, last_significant(v)),
    "cut in half": lambda v: v[: len(v) // 2],
}

#: The machine's alphabet: one route per session operation, none of them slow.
ROUTES = (
    Route("GET", "/read", Handler(session=SessionAction("read"))),
    Route("GET", "/write", Handler(session=SessionAction("set"))),
    Route("GET", "/login", Handler(session=SessionAction("login"))),
    Route("GET", "/logout", Handler(session=SessionAction("logout"))),
)
POLICY = SessionPolicy(max_age=MAX_AGE)

Fate = Literal["live", "rotated", "logged-out", "replaced"]


@dataclass
class Issued:
    """A cookie value the subject sent, and what a request presenting it must find."""

    label: str  # C1, C2, ... in the order they were first seen
    data: Data  # the session it carries (cookie storage), or its server record
    saved: float  # model time of the write that data comes from
    #: Server-side stores only: `rotated` by a login, `logged-out`, or `replaced` by another id
    #: on a plain write (SPEC fixes nothing about that id, so it is not checked).
    fate: Fate = "live"


class Model:
    """What the subject must answer: the browser's session, and every cookie value ever issued."""

    def __init__(self, server_side: bool, max_age: int) -> None:
        self.server_side, self.max_age = server_side, max_age
        self.now = 0.0
        self.data: Data = {}  # the browser's session
        self.saved: float | None = None  # when it was last written; None: there is none
        self.issued: dict[str, Issued] = {}

    def expired(self, saved: float) -> bool:
        return self.now - saved >= self.max_age

    def wait(self, seconds: float) -> None:
        self.now += seconds
        if self.saved is not None and self.expired(self.saved):
            self.data, self.saved = {}, None

    def write(self, data: Data) -> None:
        self.data, self.saved = data, self.now

    def end(self) -> None:
        """The browser's session is gone (logout, or its cookie was tampered with)."""
        self.data, self.saved = {}, None

    def allowed(self, value: str | None) -> list[Data] | None:
        """The sessions a request presenting `value` may be answered with; None: not specified."""
        issued = self.issued.get(value) if value is not None else None
        if issued is None or self.expired(issued.saved):
            return [{}]
        if not self.server_side:
            return [issued.data]  # decision 4: a cookie storage cannot revoke a cookie
        fates: dict[str, list[Data] | None] = {"live": [issued.data], "logged-out": [{}], "rotated": [{}, issued.data], "replaced": None}
        return fates[issued.fate]

    def live(self, value: str | None) -> bool:
        """`value` is a cookie the subject must still honour (issued, unexpired, and not invalidated)."""
        issued = self.issued.get(value) if value is not None else None
        if issued is None or self.expired(issued.saved):
            return False
        return issued.fate == "live" or not self.server_side  # a cookie storage never invalidates a cookie

    def issue(self, value: str, data: Data, saved: float) -> Issued:
        """Record that the subject sent `value` carrying `data`, written at `saved`."""
        known = self.issued.get(value)
        if known is None:
            known = self.issued[value] = Issued(f"C{len(self.issued) + 1}", data, saved)
        known.data, known.saved, known.fate = data, saved, "live"
        return known


@dataclass
class Search:
    """One served subject, shared by every example of the case, and what the examples left."""

    subject: Subject
    app: runner.Served
    #: Each step's request crosses to the serving loop here, bounded by the case deadline.
    bridge: Bridge
    #: Numbers the examples, so each forges its own garbage: one the subject stored under (adopted)
    #: in an earlier example would answer differently when hypothesis replays this one.
    examples: Iterator[int] = field(default_factory=itertools.count)
    #: Steps and exchanges of each failing example, in order: hypothesis replays the shrunk one last.
    failures: list[tuple[list[str], list[Exchange]]] = field(default_factory=list)
    broken: list[tuple[list[str], BaseException]] = field(default_factory=list)

    @property
    def instant(self) -> bool:
        """The subject's session clock can be moved without sleeping (see `Play.advance`)."""
        return self.app.instant



def show(data: Data) -> str:
    return json.dumps(data, sort_keys=True)


@dataclass
class Step:
    """One rule as played: its name in the shrunk sequence, and the request and answer in full."""

    name: str
    line: str = ""

    def __str__(self) -> str:
        return self.line or self.name


class SessionMachine(RuleBasedStateMachine):
    """One browser and the attacker next to it, played against `served` and a `Model`."""

    def __init__(self, served: Search) -> None:
        super().__init__()
        if served.broken:
            raise served.broken[0][1]  # a broken harness or adapter: stop at once, do not shrink
        self.served = served
        self.model = Model("server-store" in served.subject.capabilities, MAX_AGE)
        # Each example keeps its own exchanges, so a failure shows only its own sequence.
        self.play = Play(served.subject, POLICY, replace(served.app, log=[]))
        self.jar: str | None = None  # the session cookie the browser holds
        self.steps: list[Step] = []
        self.forged: dict[str, str] = {}  # what each tampered value is, for the sequence
        self.garbage = f"not.a.session~{next(served.examples)}!"

    def label(self, value: str | None) -> str:
        if value is None:
            return "no cookie"
        issued = self.model.issued.get(value)
        return issued.label if issued is not None else self.forged.get(value, f"cookie {value[:24]!r}")

    def wait(self, seconds: int) -> None:
        """Let time pass on the subject's session clock, where it moves without sleeping (else not at all)."""
        if not seconds or not self.served.instant:
            return
        self.served.bridge.call(self.play.advance(seconds), f"moving the session clock by {seconds} s")
        self.model.wait(seconds)
        self.steps.append(Step(f"wait {seconds} s"))

    def get(self, name: str, path: str, cookie: str | None, headers: tuple[tuple[str, str], ...] = ()) -> tuple[Reply, Data]:
        """Send one request as step `name`; the session it answered (anything but 200 fails)."""
        step = Step(name)
        self.steps.append(step)
        try:
            reply = self.served.bridge.call(self.play.get(path, cookie, headers), f"sending GET {path}")
        except Deviation as exc:  # a Set-Cookie that does not parse as a cookie
            self.fail(str(exc))
        except Exception as exc:
            self.served.broken.append(([str(s) for s in self.steps], exc))
            raise
        step.line = f"{name}: GET {path} with {self.label(cookie)}" + "".join(f" [{k}: {v}]" for k, v in headers) + f" → {reply.status}"
        if reply.status != 200:
            self.fail(f"answered {reply.status} {reply.text[:80]!r}, expected 200")
        try:
            answer = reply.session()
        except Deviation as exc:
            self.fail(str(exc))
        step.line += f" {show(answer)}"
        if reply.cookie is not None:
            step.line += ", deletes the cookie" if deletes(reply.cookie) else ", sets {new}"
        return reply, answer

    def fail(self, problem: str) -> NoReturn:
        """Fail the example, keeping its steps: the last example kept is the shrunk one."""
        self.served.failures.append(([str(s) for s in self.steps], list(self.play.log)))
        raise Deviation(f"{self.steps[-1].name}: {problem}")

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.fail(problem)

    def follow(self, reply: Reply, presented: str | None, answer: Data, saved: float, *, wrote: bool) -> str | None:
        """Apply the response's Set-Cookie as a browser does; the new cookie value, if one was set."""
        cookie, step = reply.cookie, self.steps[-1]
        if cookie is None:
            if wrote and self.model.server_side and self.model.live(presented):
                assert presented is not None
                self.model.issue(presented, answer, saved)  # the record under the same id was updated
            elif wrote:
                self.fail(f"the session {show(answer)} was stored but no session cookie was sent, so the browser cannot carry it")
            return None
        if deletes(cookie):
            self.jar = None
            return None
        value = reply.value
        assert value is not None
        if wrote and value == presented:
            self.expect(
                self.model.live(presented),
                f"sent back the presented cookie {self.label(presented)} for a new session: a cookie the server never issued or has invalidated was adopted",
            )
        old = self.model.issued.get(presented) if presented is not None else None
        if self.model.server_side and old is not None and value != presented and old.fate == "live":
            old.fate = "replaced"
        step.line = step.line.replace("{new}", self.model.issue(value, answer, saved).label)
        self.jar = value
        return value

    @rule(later=LATER, key=st.sampled_from(KEYS), value=st.sampled_from(VALUES))
    def write(self, later: int, key: str, value: str) -> None:
        """The handler stores key=value: the answer is the session so far plus it."""
        self.wait(later)
        presented, expected = self.jar, {**self.model.data, key: value}
        reply, answer = self.get(f"write {key}={value}", "/write", presented, ((SET_HEADER, f"{key}={value}"),))
        self.expect(answer == expected, f"the session is {show(answer)}, expected {show(expected)}")
        self.model.write(answer)
        self.follow(reply, presented, answer, self.model.now, wrote=True)

    @rule(later=LATER, user=st.sampled_from(USERS))
    def login(self, later: int, user: str) -> None:
        """Rotate and store the user: a new cookie value; the data before it may be kept or dropped."""
        self.wait(later)
        presented = self.jar
        allowed = [{**self.model.data, "user": user}, {"user": user}]
        reply, answer = self.get(f"login as {user}", "/login", presented, ((USER_HEADER, user),))
        self.expect(answer in allowed, f"the session is {show(answer)}, expected {' or '.join(map(show, allowed))}")
        self.model.write(answer)
        old = self.model.issued.get(presented) if presented is not None else None
        value = self.follow(reply, presented, answer, self.model.now, wrote=True)
        self.expect(value is not None, "the login sent no session cookie")
        # A cookie storage has no id: the same session signed again may well be the same value.
        if self.model.server_side:
            self.expect(value != presented, f"the login kept the session cookie {self.label(presented)}: the id did not change")
        if old is not None:
            old.fate = "rotated"

    @rule(later=LATER)
    def logout(self, later: int) -> None:
        """Invalidate: an empty session, and the cookie the browser keeps carries nothing."""
        self.wait(later)
        presented = self.jar
        reply, answer = self.get("logout", "/logout", presented)
        self.expect(answer == {}, f"the session is {show(answer)} right after logout, expected {{}}")
        self.model.end()
        if presented in self.model.issued:
            self.model.issued[presented].fate = "logged-out"
        self.follow(reply, presented, {}, self.model.now, wrote=False)
        left = self.model.allowed(self.jar)
        self.expect(
            left is None or left == [{}],
            f"the browser still holds {self.label(self.jar)}, which carries {show((left or [{}])[0])}: the logout did not delete the cookie",
        )

    @rule(later=LATER)
    def read(self, later: int) -> None:
        """Only read: exactly the session the model holds; a cookie sent back does not extend its life."""
        self.wait(later)
        presented, expected = self.jar, dict(self.model.data)
        reply, answer = self.get("read", "/read", presented)
        self.expect(answer == expected, f"the session is {show(answer)}, expected {show(expected)}")
        if reply.cookie is not None and reply.value == presented and presented in self.model.issued:
            # The same cookie again: it carries what it carried, written when it was.
            self.steps[-1].line = self.steps[-1].line.replace("{new}", self.label(presented))
            return
        self.follow(reply, presented, answer, self.model.now if self.model.saved is None else self.model.saved, wrote=False)

    @rule(later=LATER, how=st.sampled_from(sorted(FORGERIES)))
    def tamper(self, later: int, how: str) -> None:
        """The browser's cookie is tampered with: a new, empty session from then on, never a 5xx."""
        self.wait(later)
        # Only a genuine cookie is forged from: changing a forged one back would make it genuine again.
        genuine = self.jar is not None and self.jar in self.model.issued
        forged = FORGERIES[how](self.jar) if self.jar is not None and genuine else self.garbage
        self.forged.setdefault(forged, f"{self.label(self.jar)} {how}" if genuine else "garbage")
        self.jar = forged
        self.model.end()
        reply, answer = self.get(f"tamper: {self.label(forged)}", "/read", forged)
        self.expect(answer == {}, f"the tampered cookie was trusted: its session is {show(answer)}, expected {{}}")
        self.follow(reply, forged, answer, self.model.now, wrote=False)

    # An index, not a Bundle: which cookies exist depends on the subject's answers, and hypothesis
    # needs each example to draw the same way every time it is replayed.
    @rule(later=LATER, which=st.integers(0, 7))
    def replay(self, later: int, which: int) -> None:
        """An attacker replays a cookie once issued: it carries what the model says, or nothing."""
        self.wait(later)
        # Newest first, and never the cookie the browser holds (that is a plain read): what was
        # just rotated, logged out or tampered away is what hypothesis tries first.
        others = [v for v in reversed(self.model.issued) if v != self.jar]
        if not others:
            self.steps.append(Step("replay (no other cookie issued yet)"))
            return
        cookie = others[which % len(others)]
        allowed, issued = self.model.allowed(cookie), self.model.issued[cookie]
        why = "expired" if self.model.expired(issued.saved) else issued.fate if self.model.server_side else "cookie storage"
        _, answer = self.get(f"replay {issued.label} ({why})", "/read", cookie)
        self.expect(allowed is None or answer in allowed, f"the session is {show(answer)}, expected {' or '.join(map(show, allowed or []))}")



@dataclass(frozen=True)
class MachineCase(Case):
    """A case played by `SessionMachine` under the budgets' hypothesis profile (`mwc-ci` by default)."""


def check(case: MachineCase, mwc: Context) -> None:
    """Search for a sequence where the subject and the model disagree; fail with the smallest."""
    profile = budgets.chosen(mwc.node.config)
    used_seed = draw_seed(profile, mwc)
    searches: list[Search] = []

    async def search(app: runner.Served) -> None:
        def search_from(bridge: Bridge) -> None:
            searches.append(Search(mwc.subject, app, bridge))
            explore(searches[0], profile, used_seed)

        await in_thread(search_from, mwc.deadline)

    mwc.evidence(policy=asdict(POLICY), examples=profile.max_examples, steps=profile.stateful_step_count)
    try:
        # The deadline bounds each request; the whole search gets one deadline per example as a backstop.
        deadline = mwc.deadline * (profile.max_examples + 1)
        runner.play(mwc, Scenario(routes=ROUTES, session=POLICY), search, deadline, f"playing session sequences on {mwc.subject.name}")
    except Deviation as exc:
        if not searches or not searches[0].failures:
            raise
        sequence, exchanges = searches[0].failures[-1]
        shown = exchanges if len(exchanges) <= runner.MAX_EXCHANGES else exchanges[: runner.MAX_EXCHANGES - 2] + exchanges[-2:]
        mwc.evidence(
            time=clock_note(searches[0]),
            expected=case.expect,
            sequence=sequence,
            exchanges=[e.to_json() for e in shown],
            replay=replay_info(case, mwc, profile, used_seed, exc),
        )
        raise Deviation(f"shrunk to: {'; '.join(s.split(': GET ')[0] for s in sequence)} | {exc}") from None
    except Exception as exc:
        if not searches or not searches[0].broken:
            raise
        steps, first = searches[0].broken[0]
        mwc.evidence(sequence=steps)
        what = str(first) if isinstance(first, HarnessError) else f"{type(first).__name__}: {first}"
        raise HarnessError(f"{what} (after: {'; '.join(steps)})") from exc
    mwc.evidence(time=clock_note(searches[0]))


def explore(served: Search, profile: Settings, used_seed: int | None) -> None:
    """The hypothesis search, run in a worker thread while the event loop serves the subject."""
    def machine() -> SessionMachine:
        return SessionMachine(served)

    factory = seed(used_seed)(machine) if used_seed is not None else machine
    # hypothesis documents any zero-argument factory here; its annotation names only the class.
    run_state_machine_as_test(factory, settings=Settings(profile, report_multiple_bugs=False))  # type: ignore[arg-type]


def clock_note(served: Search) -> str:
    """Whether and how the machine let time pass on this subject, for the evidence."""
    how = served.app.target.clock
    if served.instant:
        return f"before each request the session clock moved by one of {', '.join(map(str, WAITS))} s without sleeping (max-age {MAX_AGE} s): {how}"
    return (
        f"n/a: on {served.subject.name} {how or 'the session clock only moves in real time'}, so the machine never lets time pass "
        "(expiry and lifetime are graded by the expiry.* and lifetime.* cases, which really wait)"
    )
