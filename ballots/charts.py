"""A server-rendered SVG bar chart of votes per project (no JavaScript), funded ones marked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 260
BAR_AREA = 380
VALUE_WIDTH = 120


def votes_chart(projects: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Geometry for templates/ballots/_chart.svg: one bar per project, longest = most votes."""
    top = max((float(p["votes"]) for p in projects), default=0.0) or 1.0
    bars = []
    for i, p in enumerate(projects):
        votes = float(p["votes"])
        title = str(p["title"])
        bars.append(
            {
                "y": i * (BAR_HEIGHT + GAP),
                "text_y": i * (BAR_HEIGHT + GAP) + BAR_HEIGHT * 0.7,
                "width": max(1.0, round(BAR_AREA * votes / top, 1)),
                "label": title if len(title) <= 38 else title[:37] + "…",
                "title": title,
                "votes": p["votes"],
                "selected": bool(p["selected"]),
            }
        )
    return {
        "bars": bars,
        "height": max(1, len(bars)) * (BAR_HEIGHT + GAP),
        "width": LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        "label_width": LABEL_WIDTH,
        "value_x": LABEL_WIDTH + BAR_AREA + 8,
        "bar_height": BAR_HEIGHT,
    }
