"""The published JSON Schema of results files, and the check every reader and test applies."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match


@cache
def _fast() -> tuple[jsonschema_rs.Validator, jsonschema_rs.Validator]:
    """jsonschema-rs validators of a results file without its cases, and of one case."""
    whole = schema()
    case = {"$schema": whole["$schema"], "$defs": whole["$defs"], "$ref": "#/$defs/case"}
    return jsonschema_rs.validator_for(whole), jsonschema_rs.validator_for(case)


def _valid(document: Any) -> bool:
    """Whether `document` conforms, decided by jsonschema-rs: ~100x faster than jsonschema (a
    50,000-case file in about a second instead of minutes). Case by case, because it copies what
    it checks: a whole 100 MB file at once would double the report's peak memory."""
    whole, case = _fast()
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        return whole.is_valid(document)
    return whole.is_valid({**document, "cases": []}) and all(case.is_valid(c) for c in document["cases"])


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of `mwconform-results/2` (reports/results.schema.json)."""
    return json.loads(files("mwconform.reports").joinpath("results.schema.json").read_text(encoding="utf-8"))


SCHEMA = "mwconform-results/2"
#: Versions this mwconform no longer reads, and what to do about a file of one.
OLDER = {"mwconform-results/1": "written by mwconform 0.1 before interrupted runs were marked; rerun `mwconform run` to get a mwconform-results/2 file"}


def problem(document: Any) -> str | None:
    """One line saying where `document` breaks the results schema, or None if it conforms."""
    version = document.get("schema") if isinstance(document, dict) else None
    if version in OLDER:
        return f"it is a {version} file ({OLDER[version]})"
    # jsonschema's best_match names the spot, once jsonschema-rs has found there is one.
    error = None if _valid(document) else best_match(Draft202012Validator(schema()).iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        return f"at {where}: {error.message[:200]}"
    missing = sorted({r for c in document["cases"] for r in [*c["requirements"], *c.get("violated", ())]} - set(document["requirements"]))
    if missing:
        return f"cases name requirements the file does not describe: {', '.join(missing[:5])}"
    return None


def validate(document: Any, source: str = "results") -> None:
    """Raise ValueError (one line naming `source` and the spot) unless `document` conforms."""
    found = problem(document)
    if found:
        raise ValueError(f"{source} is not a valid {SCHEMA} file: {found}")
