"""Server-side SVG bar charts: Python lays the bars out, a Jinja macro draws them.

No JavaScript, and every bar is a link to the list behind its figure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Bar:
    label: str
    value: int
    href: str
    tone: str = "base"  # base | warn | bad


@dataclass(frozen=True, kw_only=True)
class PlacedBar:
    bar: Bar
    y: int
    width: int


@dataclass(frozen=True, kw_only=True)
class BarChart:
    title: str
    bars: list[PlacedBar]
    width: int
    height: int
    label_width: int
    bar_height: int
    empty: bool


def bar_chart(
    title: str, bars: list[Bar], *, width: int = 360, label_width: int = 120, bar_height: int = 22
) -> BarChart:
    """Horizontal bars scaled to the largest value; zero bars keep a sliver so they show."""
    room = width - label_width - 48
    top = max((b.value for b in bars), default=0)
    placed = [
        PlacedBar(
            bar=b,
            y=i * (bar_height + 6),
            width=max(2, round(room * b.value / top)) if top else 2,
        )
        for i, b in enumerate(bars)
    ]
    height = max(1, len(bars)) * (bar_height + 6)
    return BarChart(
        title=title,
        bars=placed,
        width=width,
        height=height,
        label_width=label_width,
        bar_height=bar_height,
        empty=top == 0,
    )
