"""Tiny server-side SVG charts (图表): no JavaScript, nothing fetched at runtime.

Each function returns inline SVG (``Markup``) with labels escaped; numbers are
also in the tables beside them, so a chart is never the only place a value shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

#: PC-03 status colours, in the order the stacked bars draw them
STATUS_COLOURS: dict[str, str] = {
    "closed_on_time": "#59a14f",
    "normal": "#4e79a7",
    "warning": "#f28e2b",
    "overdue": "#e15759",
    "closed_late": "#b07aa1",
}
CURRENT, PREVIOUS = "#4e79a7", "#bab0ac"
LABEL_WIDTH, BAR_HEIGHT, GAP, WIDTH = 120, 16, 10, 560


@dataclass(frozen=True)
class Stack:
    label: str
    parts: dict[str, int]  # status → count


def stacked_bars(rows: Sequence[Stack], title: str) -> Markup:
    """One horizontal bar per row, split by status, scaled to the largest total."""
    biggest = max((sum(r.parts.values()) for r in rows), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - 50
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    out = [_open(height, title)]
    for i, row in enumerate(rows):
        y = GAP + i * (BAR_HEIGHT + GAP)
        out.append(_label(y, row.label))
        x = float(LABEL_WIDTH)
        for status, colour in STATUS_COLOURS.items():
            n = row.parts.get(status, 0)
            if n:
                w = plot * n / biggest
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
                    f"<title>{escape(row.label)} {status}: {n}</title></rect>"
                )
                x += w
        out.append(_value(x + 4, y, str(sum(row.parts.values()))))
    out.append("</svg>")
    return Markup("".join(out))


@dataclass(frozen=True)
class Pair:
    label: str
    current: Decimal | None  # a rate 0..1
    previous: Decimal | None


def paired_rates(rows: Sequence[Pair], title: str) -> Markup:
    """Two thin bars per row: this month (blue) over the previous month (grey), 0-100%."""
    plot = WIDTH - LABEL_WIDTH - 60
    thick, step = 10, 2 * 10 + 2 + GAP
    height = len(rows) * step + GAP
    out = [_open(height, title)]
    for i, row in enumerate(rows):
        y = GAP + i * step
        out.append(_label(y + 3, row.label))
        for j, (value, colour) in enumerate(((row.current, CURRENT), (row.previous, PREVIOUS))):
            yy = y + j * (thick + 2)
            w = plot * float(value) if value is not None else 0
            out.append(f'<rect x="{LABEL_WIDTH}" y="{yy}" width="{w:.1f}" height="{thick}" fill="{colour}"/>')
            shown = f"{value * 100:.1f}%" if value is not None else "—"
            out.append(
                f'<text x="{LABEL_WIDTH + w + 4:.1f}" y="{yy + thick - 1}" font-size="10" fill="#333">'
                f"{escape(shown)}</text>"
            )
    out.append("</svg>")
    return Markup("".join(out))


def _open(height: int, title: str) -> str:
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _label(y: int, text: str) -> str:
    return (
        f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 4}" text-anchor="end" font-size="12">'
        f"{escape(text)}</text>"
    )


def _value(x: float, y: int, text: str, size: int = 11) -> str:
    return f'<text x="{x:.1f}" y="{y + BAR_HEIGHT - 4}" font-size="{size}" fill="#333">{escape(text)}</text>'
