"""Expected against observed, marked up: which parts differ, and the token diff of traces.

A *span* is `(text, mark)` with mark "" (same), "del" (expected, missing from observed) or
"ins" (observed, not expected); templates render spans and never compare anything themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

Span = tuple[str, str]
_FIRST = ("status", "trace")  # shown before any other field, in this order


@dataclass
class Field:
    """One compared field of one request: e.g. `status`, `trace`, `header x-mw`."""

    label: str
    expected: list[Span]
    observed: list[Span]
    differs: bool


@dataclass
class Comparison:
    """Expected against observed for one request (or for the whole evidence, when not per request)."""

    title: str
    fields: list[Field]
    trace_diff: list[Span]  # expected and observed traces merged, empty when traces agree


def compare(expected: Any, observed: Any, exchanges: list[dict[str, Any]] | None = None, differences: list[str] | None = None) -> list[Comparison]:
    """Pair up the suite's expected and observed evidence and mark where they differ."""
    if expected is None and observed is None:
        return []
    if _words(expected):
        return _in_words([expected] if isinstance(expected, str) else expected, observed, exchanges or [], [d for d in differences or [] if isinstance(d, str)])
    if _summaries(expected) and _summaries(observed) and len(expected) == len(observed):
        return [_request(e, o) for e, o in zip(expected, observed)]
    if isinstance(expected, dict) and isinstance(observed, dict):
        return [Comparison("", _fields(expected, observed), [])]
    return [Comparison("", [_field("value", expected, observed)], [])]


def tokens(expected: list[str], observed: list[str]) -> list[Span]:
    """The two token lists merged: kept tokens, deleted expected ones, inserted observed ones."""
    if expected == observed:  # most evidence agrees: no need to search for the differences
        return [(t, "") for t in expected]
    spans: list[Span] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(a=expected, b=observed, autojunk=False).get_opcodes():
        if op == "equal":
            spans += [(t, "") for t in expected[a1:a2]]
            continue
        spans += [(t, "del") for t in expected[a1:a2]] + [(t, "ins") for t in observed[b1:b2]]
    return spans


def text(value: Any) -> str:
    """A compact one-line rendering of an evidence value."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return " ".join(value) if value else "(empty)"
    return json.dumps(value, sort_keys=True)


def _words(value: Any) -> bool:
    """The suite states its expectation in words (one sentence, or one per request)."""
    return isinstance(value, str) or (isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value))


def _in_words(statements: list[str], observed: Any, exchanges: list[dict[str, Any]], problems: list[str]) -> list[Comparison]:
    """Each request's expectation beside what came back for it: the problems found with that
    request, then the observed status, trace and the headers those problems name."""
    requests = [f"{e['request']['method']} {e['request']['path']}" for e in exchanges if isinstance(e, dict) and isinstance(e.get("request"), dict)]
    if len(requests) != len(statements) or len(requests) != len(exchanges):
        seen = problems or ([text(observed)] if observed is not None else [])
        return [Comparison("", [Field("checked", [(" · ".join(statements), "")], [(" · ".join(seen) or "(see the exchanges)", "ins" if problems else "")], bool(problems))], [])]
    found = []
    for statement, request, exchange in zip(statements, requests, exchanges):
        mine = [p.removeprefix(f"{request}: ") for p in problems if p.startswith(f"{request}:")]
        said = statement.removeprefix(f"{request}: ")
        fields = [Field("checked", [(said, "")], [("; ".join(mine) or "as expected", "ins" if mine else "")], bool(mine))]
        response = exchange.get("response") or {}
        named = " ".join(mine).lower()
        fields.append(Field("status", [("", "")], [(str(response.get("status", "(none)")), "ins" if mine and "status" in named or " answered" in f" {named}" else "")], False))
        fields += [Field(f"header {n}", [("", "")], [(v, "ins")], False) for n, v in response.get("headers", []) if isinstance(n, str) and mine and n.lower() in named]
        if exchange.get("trace"):
            fields.append(Field("trace", [("", "")], [(text(exchange["trace"]), "")], False))
        found.append(Comparison(request, fields, []))
    return found


def _summaries(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _request(expected: dict[str, Any], observed: dict[str, Any]) -> Comparison:
    title = str(observed.get("request") or expected.get("request") or "")
    fields = _fields({k: v for k, v in expected.items() if k != "request"}, {k: v for k, v in observed.items() if k != "request"})
    traces = expected.get("trace"), observed.get("trace")
    merged = tokens(*traces) if all(isinstance(t, list) for t in traces) and traces[0] != traces[1] else []
    return Comparison(title, fields, merged)


def _fields(expected: dict[str, Any], observed: dict[str, Any]) -> list[Field]:
    found = []
    keys = [*expected, *(k for k in observed if k not in expected)]
    for key in sorted(keys, key=lambda k: (_FIRST.index(k) if k in _FIRST else len(_FIRST), keys.index(k))):
        e, o = expected.get(key), observed.get(key)
        if isinstance(e, dict) or isinstance(o, dict):
            # e.g. headers: one field per name, so a single differing header stands out.
            e, o = e or {}, o or {}
            found += [_field(f"{key} {name}", e.get(name), o.get(name)) for name in [*e, *(n for n in o if n not in e)]]
        else:
            found.append(_field(key, e, o))
    return found


def _field(label: str, expected: Any, observed: Any) -> Field:
    differs = expected != observed
    if isinstance(expected, list) and isinstance(observed, list) and all(isinstance(t, str) for t in [*expected, *observed]):
        merged = tokens(expected, observed)
        return Field(label, [s for s in merged if s[1] != "ins"] or [("(empty)", "")], [s for s in merged if s[1] != "del"] or [("(empty)", "")], differs)
    mark = "del" if differs else ""
    return Field(label, [(_absent(expected), mark)], [(_absent(observed), "ins" if differs else "")], differs)


def _absent(value: Any) -> str:
    return "(absent)" if value is None else text(value)
