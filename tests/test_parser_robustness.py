"""Every parser in the reference survives generated and hostile input: it answers, or raises only the
exception its docstring names. A parser joins by adding one `Parser` row to PARSERS (CORS Origin
and header lists, Authorization, cookies, JWT segments as those parts arrive)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mwconform.reference.http import Headers, HTTPError
from mwconform.reference.router import Router, compile_path

#: Characters that break naive parsers: separators, regex and template syntax, quoting, control
#: characters, percent-encoding, non-ASCII; mixed with arbitrary text.
HOSTILE = st.sampled_from(list("/{}:[]()*+?\\|^$.,;=\"' \t\r\n\x00%~-_aZ9é€\u202e"))
TEXT = st.one_of(st.text(HOSTILE, max_size=40), st.text(max_size=40))
TOKEN = st.text(st.sampled_from(list("abcXYZ-_019")), min_size=1, max_size=8)


@dataclass(frozen=True)
class Parser:
    """One parser under test: what to feed it and which exceptions it documents."""

    name: str
    inputs: st.SearchStrategy[Any]
    parse: Callable[[Any], object]
    raises: tuple[type[BaseException], ...] = ()


def match(args: tuple[list[str], str, str]) -> object:
    templates, method, path = args
    router: Router[int] = Router()
    for index, template in enumerate(templates):
        router.add("GET" if index % 2 else "POST", template, index)
    try:
        found = router.match(method, path)
    except HTTPError as exc:
        assert exc.status in (404, 405) and (exc.status == 404 or exc.headers.get("Allow")), exc.status
        raise
    # A match is a full match of one of the routes, and its parameters are substrings of the path.
    assert all(value in path for value in found.params.values())
    return found


def headers(args: tuple[list[tuple[str, str]], str, str]) -> object:
    fields, name, value = args
    h = Headers(fields)
    assert h.get(name) == next((v for n, v in fields if n.lower() == name.lower()), None)
    assert all(part and part == part.strip() for part in h.values(name))
    copy = h.copy()
    copy.set(name, value)
    assert copy.get_all(name) == [value] and h == Headers(fields)
    copy.remove(name)
    assert name not in copy
    return copy


TEMPLATE = st.lists(st.one_of(TOKEN.map(lambda t: "/" + t), TOKEN.map(lambda t: "/{" + t + "}"), TEXT), min_size=1, max_size=4).map("".join)
SEGMENT = st.one_of(TOKEN.map(lambda t: "/" + t), st.just("/{}"), st.just("/{:[0-9]+}"))
# Parameters named by position, so no name repeats: /{p1}/x/{p3:[0-9]+}
VALID_TEMPLATES = st.lists(SEGMENT, min_size=1, max_size=3).map(lambda ss: "".join(s.replace("{", f"{{p{i}", 1) for i, s in enumerate(ss)))

PARSERS = [
    Parser("router.compile_path", st.one_of(TEXT, TEMPLATE), compile_path, (ValueError,)),
    Parser("router.Router.match", st.tuples(st.lists(VALID_TEMPLATES, max_size=4), st.one_of(st.sampled_from(["GET", "POST"]), TEXT), TEXT), match, (HTTPError,)),
    Parser("http.Headers", st.tuples(st.lists(st.tuples(st.one_of(TOKEN, TEXT), TEXT), max_size=6), st.one_of(TOKEN, TEXT), TEXT), headers),
]


def survive(parser: Parser) -> None:
    """Feed `parser` generated input; raise whatever it raises beyond its documented exceptions."""

    @settings(max_examples=300, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(parser.inputs)
    def survives(value: Any) -> None:
        try:
            parser.parse(value)
        except parser.raises:
            pass

    survives()


@pytest.mark.parametrize("parser", PARSERS, ids=[p.name for p in PARSERS])
def test_parser_survives_generated_input(parser: Parser) -> None:
    """No input makes the parser raise anything but its documented exception, or break its invariants."""
    survive(parser)


def test_a_parser_that_chokes_on_hostile_input_is_caught() -> None:
    """The check can fail: a parser that indexes past a missing `=` is found out."""
    fragile = Parser("fragile", TEXT, lambda text: text.split("=")[1] if "," in text else None, (ValueError,))
    with pytest.raises(IndexError):
        survive(fragile)
