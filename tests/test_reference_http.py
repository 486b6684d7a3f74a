"""Reference values and router: case-insensitive multi-valued headers, 404, 405 with Allow."""

import pytest

from mwconform.reference.http import Headers, HTTPError
from mwconform.reference.router import Router, compile_path


def test_headers_are_case_insensitive_and_keep_every_field_in_order() -> None:
    h = Headers([("Vary", "Accept-Encoding"), ("X-A", "1"), ("vary", "Origin")])
    assert h.get("VARY") == "Accept-Encoding"
    assert h.get_all("vary") == ["Accept-Encoding", "Origin"]
    assert h.values("Vary") == ["Accept-Encoding", "Origin"]
    assert "x-a" in h and "x-b" not in h


def test_values_split_comma_lists_across_fields() -> None:
    assert Headers([("Allow", "GET, HEAD"), ("allow", "POST")]).values("allow") == ["GET", "HEAD", "POST"]


def test_set_replaces_every_field_and_remove_drops_them() -> None:
    h = Headers([("X", "1"), ("x", "2")])
    h.set("X", "3")
    assert h.get_all("x") == ["3"]
    h.remove("X")
    assert len(h) == 0


def test_router_matches_params_with_and_without_regex() -> None:
    router: Router[str] = Router()
    router.add("GET", "/post/{slug:[a-z0-9]+(?:-[a-z0-9]+)*}", "post")
    router.add("GET", "/user/{id}", "user")
    assert router.match("GET", "/post/foo-bar").params == {"slug": "foo-bar"}
    assert router.match("GET", "/user/7").target == "user"
    with pytest.raises(HTTPError) as nf:
        router.match("GET", "/post/Foo")  # the regex must match the whole segment
    assert nf.value.status == 404


def test_router_answers_405_with_every_routed_method_in_allow() -> None:
    router: Router[str] = Router()
    router.add("GET", "/x", "get")
    router.add("PUT", "/x", "put")
    with pytest.raises(HTTPError) as err:
        router.match("POST", "/x")
    assert err.value.status == 405
    assert err.value.headers.values("Allow") == ["GET", "PUT"]


def test_literal_parts_of_a_path_are_not_regex() -> None:
    assert compile_path("/a.b").fullmatch("/aXb") is None
