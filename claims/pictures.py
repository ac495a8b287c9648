"""Pictures of the help provided, drawn on the server as SVG: no script, no CDN.

- `year_chart`: people protected and premiums paid, year by year (two bars per year);
- `bali_map`: Bali's nine regencies shaded by the people protected in each.

The figures also go into the page as text (tables), for screen readers and for a reader who
wants the exact numbers; the pictures are there to be seen at a glance.
"""

from dataclasses import dataclass

from core.templatetags.rupiah import format_rupiah
from recipients.models import Regency

# --- the chart of years --------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 8, 352, 22, 170


def year_chart(years: list[dict]) -> dict:
    """Bars for `years` (rows of premiums.impact.by_year), oldest on the left: people protected
    (dark) and premiums paid (light), each scaled to its own largest year."""
    rows = sorted(years, key=lambda r: r["year"])[-8:]
    most_people = max((r.get("people") or 0 for r in rows), default=0) or 1
    most_amount = max((r.get("amount") or 0 for r in rows), default=0) or 1
    slot = (RIGHT - LEFT) / max(len(rows), 1)
    bar = min(slot * 0.35, 28)
    plot = BOTTOM - TOP
    bars = []
    for i, row in enumerate(rows):
        x = LEFT + i * slot + slot / 2
        people, amount = row.get("people") or 0, row.get("amount") or 0
        h_people = round(plot * people / most_people, 1)
        h_amount = round(plot * amount / most_amount, 1)
        bars.append(
            {
                "year": row["year"],
                "people": people,
                "amount": amount,
                "centre": round(x, 1),
                "people_x": round(x - bar - 1, 1),
                "people_y": round(BOTTOM - h_people, 1),
                "people_h": h_people,
                "amount_x": round(x + 1, 1),
                "amount_y": round(BOTTOM - h_amount, 1),
                "amount_h": h_amount,
                "amount_label": format_rupiah(amount),
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "base": BOTTOM,
        "bar": round(bar, 1),
        "label_y": BOTTOM + 16,
        "bars": bars,
    }


# --- the map of Bali ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    path: str
    label_x: int
    label_y: int
    # A leader line from the label to a region too small to hold it (x1, y1, x2, y2).
    leader: tuple[int, int, int, int] | None = None


# Drawn by hand from the regencies' outlines, north up, west left: simplified, recognisable.
SHAPES = {
    Regency.BULELENG: Shape(
        "M10 55 L60 45 L120 40 L170 35 L220 38 L260 45 L300 60 L280 78 L245 82 L210 80 "
        "L180 80 L150 82 L110 80 L70 80 L30 75 Z",
        150,
        62,
    ),
    Regency.JEMBRANA: Shape(
        "M10 55 L30 75 L70 80 L110 80 L118 128 L90 120 L50 100 L20 80 Z", 68, 98
    ),
    Regency.TABANAN: Shape(
        "M110 80 L150 82 L175 82 L180 120 L178 150 L170 160 L130 140 L118 128 Z", 148, 118
    ),
    Regency.BADUNG: Shape(
        "M175 82 L192 80 L194 120 L196 148 L193 162 L197 172 L205 185 L210 205 L190 210 "
        "L185 190 L195 175 L185 165 L170 160 L178 150 L180 120 Z",
        146,
        206,
        (168, 203, 192, 200),
    ),
    Regency.DENPASAR: Shape(
        "M196 148 L212 150 L218 168 L205 172 L197 172 L193 162 Z", 146, 184, (170, 181, 201, 162)
    ),
    Regency.GIANYAR: Shape(
        "M194 100 L225 98 L235 130 L235 160 L218 168 L212 150 L196 148 L194 120 Z", 214, 124
    ),
    Regency.BANGLI: Shape(
        "M192 80 L210 80 L245 82 L250 100 L245 125 L235 130 L225 98 L194 100 Z", 222, 92
    ),
    Regency.KLUNGKUNG: Shape(
        "M235 130 L245 125 L255 130 L260 150 L235 160 Z "
        "M250 178 L272 172 L292 180 L290 198 L262 204 L248 192 Z "
        "M240 170 L246 168 L247 174 L241 175 Z",
        270,
        213,
    ),
    Regency.KARANGASEM: Shape(
        "M245 82 L280 78 L300 60 L330 75 L360 100 L355 120 L320 135 L290 140 L260 150 "
        "L255 130 L245 125 L250 100 Z",
        304,
        106,
    ),
}

#: Shades from no one protected to the most; the legend shows each with its range.
SHADES = 5


def bali_map(by_regency: list[tuple[str, str, int]]) -> dict:
    """The regencies with their shade (0 = nobody protected) and a legend of the ranges."""
    most = max((n for _code, _name, n in by_regency), default=0)
    step = max(-(-most // (SHADES - 1)), 1)  # the ceiling of most / 4
    regions = []
    for code, name, count in by_regency:
        shade = 0 if count == 0 else min(1 + (count - 1) // step, SHADES - 1)
        regions.append(
            {"code": code, "name": name, "count": count, "shade": shade, "shape": SHAPES[code]}
        )
    legend = [{"shade": 0, "low": 0, "high": 0}]
    for shade in range(1, SHADES):
        low = (shade - 1) * step + 1
        if low > max(most, 1):
            break
        legend.append({"shade": shade, "low": low, "high": shade * step})
    return {"regions": regions, "legend": legend}
