"""A server-rendered SVG bar chart of votes per project (no JavaScript), funded ones marked.

Drawn for a small phone first: each project's name sits on its own line above its bar, so the
chart is narrow (WIDTH user units) and its text stays readable when it shrinks to fit a 320 px
screen (FONT_SIZE × 290 / WIDTH ≥ 12 px; site.css caps how wide it grows on a large screen).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from wards.numbers import display_number

WIDTH = 340
FONT_SIZE = 15
LABEL_HEIGHT = 20
BAR_HEIGHT = 16
GAP = 12
VALUE_WIDTH = 110
BAR_AREA = WIDTH - VALUE_WIDTH
LABEL_CHARS = 36
ROW = LABEL_HEIGHT + BAR_HEIGHT + GAP


def votes_chart(projects: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Geometry for the results page's chart: one labelled bar per project, longest = most votes."""
    top = max((float(p["votes"]) for p in projects), default=0.0) or 1.0
    bars = []
    for i, p in enumerate(projects):
        votes = float(p["votes"])
        title = str(p["title"])
        width = max(1.0, round(BAR_AREA * votes / top, 1))
        y = i * ROW
        bars.append(
            {
                "label_y": y + LABEL_HEIGHT - 5,
                "y": y + LABEL_HEIGHT,
                "text_y": y + LABEL_HEIGHT + BAR_HEIGHT - 3,
                "width": width,
                "value_x": width + 6,
                "label": title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1] + "…",
                "title": title,
                "votes": p["votes"],
                # In the page's language (no <bdi> here: the chart is SVG, drawn left to right).
                "votes_text": display_number(_count(p["votes"])),
                "selected": bool(p["selected"]),
            }
        )
    return {
        "bars": bars,
        "height": max(1, len(bars)) * ROW,
        "width": WIDTH,
        "font_size": FONT_SIZE,
        "bar_height": BAR_HEIGHT,
    }


def _count(votes: Any) -> int | Decimal:
    """Votes as stored in the result (a whole count, or points as a decimal string or float)."""
    value = Decimal(repr(votes)) if isinstance(votes, float) else Decimal(str(votes))
    return int(value) if value == value.to_integral_value() else value
