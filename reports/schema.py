"""The published JSON Schema of results files, and the check every reader and test applies."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema_rs


@cache
def _fast() -> tuple[jsonschema_rs.Validator, jsonschema_rs.Validator]:
    """jsonschema-rs validators of a results file's top level (cases checked apart: it copies what
    it checks, and a whole 100 MB file at once would double the report's peak memory) and of one case."""
    return jsonschema_rs.validator_for(schema()), jsonschema_rs.validator_for(_case_schema())


@cache
def _case_schema() -> dict[str, Any]:
    whole = schema()
    return {"$schema": whole["$schema"], "$defs": whole["$defs"], "$ref": "#/$defs/case"}


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of `mwconform-results/2` (reports/results.schema.json)."""
    return json.loads(files("mwconform.reports").joinpath("results.schema.json").read_text(encoding="utf-8"))


SCHEMA = "mwconform-results/2"
#: Versions this mwconform no longer reads, and what to do about a file of one.
OLDER = {"mwconform-results/1": "written by mwconform 0.1 before interrupted runs were marked; rerun `mwconform run` to get a mwconform-results/2 file"}


def problem(document: Any) -> str | None:
    """One line saying where `document` breaks the results schema, or None if it conforms."""
    cases = document.get("cases") if isinstance(document, dict) else None
    if not isinstance(cases, list):
        return head_problem(document)
    found = head_problem({**document, "cases": []}) or next((p for i, c in enumerate(cases) if (p := case_problem(c, i))), None)
    return found or missing_requirements(named_requirements(cases), document["requirements"])


def head_problem(head: Any) -> str | None:
    """Where a results file's top level breaks the schema (its cases checked apart, by case_problem)."""
    version = head.get("schema") if isinstance(head, dict) else None
    if version in OLDER:
        return f"it is a {version} file ({OLDER[version]})"
    whole, _ = _fast()
    return None if whole.is_valid(head) else _where(schema(), head, "")


def case_valid(case: Any) -> bool:
    """Whether one case conforms, decided by jsonschema-rs: ~100x faster than jsonschema (50,000
    cases in about a second instead of minutes)."""
    return _fast()[1].is_valid(case)


def case_problem(case: Any, index: int) -> str | None:
    """Where the `index`th case breaks the schema (jsonschema words the error)."""
    return None if case_valid(case) else _where(_case_schema(), case, f"cases/{index}/")


def named_requirements(cases: Any) -> set[str]:
    return {r for c in cases for r in [*c["requirements"], *c.get("violated", ())]}


def missing_requirements(named: set[str], described: dict[str, Any]) -> str | None:
    missing = sorted(named - set(described))
    return f"cases name requirements the file does not describe: {', '.join(missing[:5])}" if missing else None


def _where(against: dict[str, Any], instance: Any, prefix: str) -> str:
    # Imported only to word an error: jsonschema takes a third of a second to import, and a
    # valid file never needs it.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(against).iter_errors(instance))
    where = (prefix + "/".join(str(p) for p in error.absolute_path)).rstrip("/") or "(top level)"
    return f"at {where}: {error.message[:200]}"


def validate(document: Any, source: str = "results") -> None:
    """Raise ValueError (one line naming `source` and the spot) unless `document` conforms."""
    found = problem(document)
    if found:
        raise ValueError(invalid(source, found))


def invalid(source: str, found: str) -> str:
    return f"{source} is not a valid {SCHEMA} file: {found}"
