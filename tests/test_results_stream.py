"""Results files read case by case (reports/stream.py): the same verdicts as a whole-file parse
whatever the key order or a case's size, and malformed JSON refused in one line naming the spot."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from mwconform.reports import stream
from mwconform.reports.model import load


def _read(text: str, window: int = stream.WINDOW) -> tuple[list[tuple[Any, str]], Any]:
    results = stream.Results(io.StringIO(text))
    original, stream.WINDOW = stream.WINDOW, window
    try:
        return list(results.cases()), results.head
    finally:
        stream.WINDOW = original


DOC = {"schema": "s", "cases": [{"id": "a", "body": "x" * 3000}, {"id": "b", "nested": [[1, {"c": None}]]}, {}], "subjects": {"s": 1}}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(DOC),
        json.dumps(DOC, indent=2),
        json.dumps({"subjects": DOC["subjects"], "cases": DOC["cases"], "schema": "s"}),
    ],
    ids=["compact", "indented", "cases-before-other-keys"],
)
@pytest.mark.parametrize("window", [7, 1 << 20], ids=["window-smaller-than-a-case", "window-larger-than-the-file"])
def test_each_case_comes_with_its_own_json_text_and_the_rest_in_head(text: str, window: int) -> None:
    cases, head = _read(text, window)
    assert [c for c, _ in cases] == DOC["cases"] and [json.loads(t) for _, t in cases] == DOC["cases"]
    assert head == {"schema": "s", "subjects": {"s": 1}, "cases": []}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cases": [{"id": 1},, {}]}', "Expecting value at character 21"),
        ('{"cases": [{"id": 1}', "Expecting ',' or ']' delimiter at character 20"),
        ('{"cases": [{"id": 1} {}]}', "Expecting ',' or ']' delimiter at character 21"),
        ('{"schema": "s"} trailing', "Extra data at character 16"),
        ('{"schema" "s"}', "Expecting ':' delimiter at character 10"),
        ('{1: 2}', "Expecting property name enclosed in double quotes at character 1"),
        ("", "Expecting value at character 0"),
    ],
    ids=["missing-value", "cut-off", "missing-comma", "trailing-data", "missing-colon", "number-as-key", "empty"],
)
@pytest.mark.parametrize("window", range(1, 30))  # wherever a window ends, the offset is the file's
def test_malformed_json_is_refused_naming_the_character(text: str, message: str, window: int) -> None:
    with pytest.raises(stream.Malformed) as caught:
        _read(text, window)
    assert str(caught.value) == message


def test_a_top_level_that_is_not_an_object_is_left_to_the_schema_check(tmp_path: Path) -> None:
    cases, head = _read("[1, 2]")
    assert cases == [] and head == [1, 2]
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match=r"list.json is not a valid mwconform-results/2 file: at \(top level\): \[1, 2\] is not of type 'object'"):
        load([tmp_path / "list.json"])


@pytest.mark.parametrize("cases_first", [False, True], ids=["cases-last", "cases-before-the-keys-they-need"])
def test_a_case_that_breaks_the_schema_is_named_by_its_position(tmp_path: Path, cases_first: bool) -> None:
    from tests.test_results_schema import _minimal

    doc = _minimal()
    doc["cases"][0]["outcome"] = "skipped"
    if cases_first:
        doc = {"cases": doc.pop("cases"), **doc}
    (tmp_path / "r.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=r"r.json is not a valid mwconform-results/2 file: at cases/0/outcome: 'skipped' is not one of"):
        load([tmp_path / "r.json"])


@pytest.mark.parametrize("window", range(1, 12))
def test_a_number_or_literal_at_a_window_end_is_read_whole(window: int) -> None:
    """A number is valid JSON at any length, so one cut off by the window's end must not be taken as it stands."""
    text = '{"collected": 123456789, "complete": false, "cases": []}'
    assert _read(text, window)[1] == {"collected": 123456789, "complete": False, "cases": []}
