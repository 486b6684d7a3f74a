"""Status badges per subject: an SVG to embed and a shields.io endpoint JSON
(https://shields.io/badges/endpoint-badge) for people who host the report."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Totals

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


def badge(totals: Totals) -> Badge:
    """Red when a MUST or SECURITY case fails, orange on harness errors, yellow when a weaker
    level fails or a deviation is known, green otherwise; the message scores the strongest levels."""
    failed = {lv for lv, worst in totals.worst.items() if worst == "fail"}
    shown = [f"{lv} {p}/{j}" for lv, (p, j) in totals.levels.items() if lv in ("MUST", "SECURITY") and j] or [
        f"{sum(p for p, _ in totals.levels.values())}/{sum(j for _, j in totals.levels.values())} passed"
    ]
    if totals.outcomes["error"]:
        shown.append(f"{totals.outcomes['error']} errors")
    if failed & {"MUST", "SECURITY"}:
        colour = "red"
    elif totals.outcomes["error"]:
        colour = "orange"
    elif failed or totals.outcomes["known"]:
        colour = "yellow"
    elif any(j for _, j in totals.levels.values()):
        colour = "brightgreen"
    else:
        colour = "lightgrey"
    return Badge("mwconform", ", ".join(shown), colour)
