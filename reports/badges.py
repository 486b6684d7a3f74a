"""Status badges per subject: an SVG to embed and a shields.io endpoint JSON
(https://shields.io/badges/endpoint-badge) for people who host the report."""

from __future__ import annotations

from dataclasses import dataclass

from .conformance import BLOCKING, Conformance

#: shields.io named colours and the hex the SVG uses for them.
COLOURS = {"brightgreen": "#4c1", "yellow": "#dfb317", "orange": "#fe7d37", "red": "#e05d44", "lightgrey": "#9f9f9f"}
_CHAR_PX = 7  # average advance of an 11 px Verdana glyph, enough to size the boxes


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    colour: str

    def endpoint(self) -> dict[str, object]:
        return {"schemaVersion": 1, "label": self.label, "message": self.message, "color": self.colour}

    @property
    def hex(self) -> str:
        return COLOURS[self.colour]

    @property
    def widths(self) -> tuple[int, int]:
        return len(self.label) * _CHAR_PX + 10, len(self.message) * _CHAR_PX + 10


def badge(standing: Conformance) -> Badge:
    """Red when a MUST or SECURITY requirement is broken, known deviations included (expected is
    not conformant); orange on harness errors; yellow when a SHOULD or PROFILE requirement is
    broken; green when every verdict passed. The message scores the strongest levels."""
    levels = standing.levels
    shown = [f"{lv} {levels[lv].passed}/{levels[lv].judged}" for lv in BLOCKING if levels[lv].judged] or [
        f"{sum(lv.passed for lv in levels.values())}/{sum(lv.judged for lv in levels.values())} passed"
    ]
    errors = standing.outcomes.get("error", 0)
    if errors:
        shown.append(f"{errors} errors")
    if standing.blocking:
        colour = "red"
    elif errors:
        colour = "orange"
    elif standing.broken():
        colour = "yellow"
    elif any(lv.judged for lv in levels.values()):
        colour = "brightgreen"
    else:
        colour = "lightgrey"
    return Badge("mwconform", ", ".join(shown), colour)
