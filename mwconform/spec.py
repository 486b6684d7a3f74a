"""Reads the requirements out of SPEC.md, so the document is the single source of their text.

Each requirement in SPEC.md is a block that starts with a heading and a metadata line:

    ### `pipeline.order.request-declared` — Request phases run in declared order
    **Level:** MUST · **Sources:** [aiohttp docs: Middlewares](https://…)
    **Requirement.** One or more sentences …
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

LEVELS = ("MUST", "SECURITY", "SHOULD", "PROFILE")  # strongest first

_HEADING = re.compile(r"^### `(?P<id>[a-z0-9.-]+)` — (?P<title>.+)$", re.M)
_LEVEL = re.compile(r"^\*\*Level:\*\* (?P<level>[A-Z]+)", re.M)
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_TEXT = re.compile(r"^\*\*Requirement\.\*\* (?P<text>.+?)(?:\n\n|\Z)", re.M | re.S)


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    level: str
    text: str
    sources: tuple[tuple[str, str], ...]  # (title, url)


def parse(markdown: str) -> dict[str, Requirement]:
    found: dict[str, Requirement] = {}
    headings = list(_HEADING.finditer(markdown))
    for i, m in enumerate(headings):
        block = markdown[m.end() : headings[i + 1].start() if i + 1 < len(headings) else len(markdown)]
        level, text = _LEVEL.search(block), _TEXT.search(block)
        rid = m.group("id")
        if level is None or level.group("level") not in LEVELS or text is None:
            raise ValueError(f"SPEC.md: requirement {rid} needs a **Level:** line ({'/'.join(LEVELS)}) and a **Requirement.** paragraph")
        if rid in found:
            raise ValueError(f"SPEC.md: requirement {rid} is defined twice")
        metadata = block.split("\n", 2)[1]
        found[rid] = Requirement(rid, m.group("title").strip(), level.group("level"), " ".join(text.group("text").split()), tuple(_LINK.findall(metadata)))
    return found


@cache
def requirements() -> dict[str, Requirement]:
    """Every requirement in the packaged SPEC.md, by id."""
    return parse(files("mwconform").joinpath("SPEC.md").read_text(encoding="utf-8"))


def strongest(ids: tuple[str, ...]) -> str:
    """The strongest level among `ids` (a case checking a MUST and a SHOULD is a MUST case)."""
    levels = [requirements()[i].level for i in ids]
    return min(levels, key=LEVELS.index)
