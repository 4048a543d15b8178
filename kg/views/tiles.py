"""A tile map of Scotland's 32 council areas, coloured by a column of the theme matrix.

The grid (``data/council_tiles.csv``: key, GSS code, label, row, column) is hand-placed and
says so in its header. A partnership is placed by its area's GSS code (``dcterms:spatial`` /
``ikg:gssCode``), else by its key when that is an area key (``id:partnership/inverclyde``).
The report draws the tiles as SVG coloured by areas for improvement in all themes; a small
script beside it recolours them by any theme and polarity.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

from kg.views.matrix import count_cells
from kg.views.page import to_script_json
from kg.views.style import INK, PAPER, POLARITY, blend, contrast

TILES = Path(__file__).parent / "data" / "council_tiles.csv"
SIZE = 54


def read_tiles(path: Path = TILES) -> list[dict[str, str]]:
    """The tile grid's rows (``#`` lines are comments)."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def area_counts(data: dict) -> dict:
    """Per area GSS code: partnership labels and per theme [S, I, G] counts (pure)."""
    tiles = read_tiles()
    by_key = {t["key"]: t["gss"] for t in tiles}
    cells = count_cells(data)
    areas: dict[str, dict] = {}
    for p, partnership in enumerate(data["partnerships"]):
        gss = partnership.get("gss") or by_key.get(partnership["id"].rsplit("/", 1)[-1], "")
        if not gss:
            continue
        area = areas.setdefault(gss, {"partnerships": [], "counts": {}})
        area["partnerships"].append(partnership["label"])
        for (row, theme), counts in cells.items():
            if row != p:
                continue
            have = area["counts"].setdefault(theme, [0, 0, 0])
            for k in range(3):
                have[k] += counts[k]
    return areas


def _fill(value: int, low: int, top: int, colour: str) -> str:
    """Tint of ``value`` between the smallest and the largest value shown (0: grey)."""
    if not value:
        return "#f2f2f2"
    share = (value - low) / (top - low) if top > low else 1.0
    return blend(colour, 0.15 + 0.6 * share)


def to_tile_map(data: dict) -> str:
    """The tile map section's HTML: SVG tiles, a theme/polarity chooser, the data."""
    tiles = read_tiles()
    areas = area_counts(data)
    colour = POLARITY["improvement"]["color"]
    totals = {gss: sum(c[1] for c in a["counts"].values()) for gss, a in areas.items()}
    top = max(totals.values(), default=0) or 1
    low = min((v for v in totals.values() if v), default=0)
    parts = [
        f'<svg id="tilemap" role="img" aria-label="council areas" width="{7 * SIZE + 10}" '
        f'height="{9 * SIZE + 10}" viewBox="0 0 {7 * SIZE + 10} {9 * SIZE + 10}">'
    ]
    for tile in tiles:
        x, y = 5 + int(tile["col"]) * SIZE, 5 + int(tile["row"]) * SIZE
        value = totals.get(tile["gss"])
        fill = _fill(value or 0, low, top, colour)
        ink = INK if contrast(INK, fill) >= contrast(PAPER, fill) else PAPER
        known = tile["gss"] in areas
        dash = "" if known else 'stroke-dasharray="3 3" '
        title = (
            f"{tile['label']} ({tile['gss']}): {value} areas for improvement"
            if known
            else f"{tile['label']} ({tile['gss']}): no inspection in the store"
        )
        parts.append(
            f'<g class="tile" data-gss="{html.escape(tile["gss"])}"><rect x="{x}" y="{y}" '
            f'width="{SIZE - 4}" height="{SIZE - 4}" rx="4" fill="{fill}" '
            f'stroke="{"#4a5563" if known else "#c8cdd3"}" {dash}/>'
            f'<text x="{x + (SIZE - 4) / 2}" y="{y + 22}" text-anchor="middle" '
            f'style="fill:{ink}" class="abbr">{html.escape(tile["short"])}</text>'
            f'<text x="{x + (SIZE - 4) / 2}" y="{y + 38}" text-anchor="middle" '
            f'style="fill:{ink}" class="val">{"" if value is None else value}</text>'
            f"<title>{html.escape(title)}</title></g>"
        )
    parts.append("</svg>")
    payload = {
        "areas": areas,
        "themes": [t["label"] for t in data["themes"]],
        "colours": {k: v["color"] for k, v in POLARITY.items()},
        "polarities": list(POLARITY),
    }
    options = "".join(
        f'<option value="{i}">{html.escape(t["label"])}</option>'
        for i, t in enumerate(data["themes"])
    )
    placed = len(areas)
    return (
        '<p class="hint">One square per council area (hand-placed grid, not to scale; dashed: '
        f"no inspection of its partnership in the store). {placed} of 32 areas have data. "
        "Colour: findings of the chosen kind on the chosen theme, from the lightest (fewest "
        f'among the areas, <span id="tile-low">{low}</span>) to the darkest (most, '
        f'<span id="tile-top">{top}</span>); grey: none.</p>'
        '<p class="hint tilecontrols"><label>Theme <select id="tile-theme">'
        f'<option value="">all themes</option>{options}</select></label> '
        '<label>Findings <select id="tile-polarity"><option value="1">areas for improvement'
        '</option><option value="0">strengths</option><option value="2">good practice</option>'
        "</select></label></p>"
        f'<div class="tiles">{"".join(parts)}</div>'
        f'<script type="application/json" id="tile-data">{to_script_json(payload)}</script>'
        f"<script>{TILE_SCRIPT}</script>"
    )


TILE_SCRIPT = """
(function () {
  var D = JSON.parse(document.getElementById("tile-data").textContent);
  var theme = document.getElementById("tile-theme"), pol = document.getElementById("tile-polarity");
  function mix(hex, share) {
    var out = "#";
    for (var i = 1; i < 7; i += 2) {
      var v = Math.round(share * parseInt(hex.slice(i, i + 2), 16) + (1 - share) * 255);
      out += ("0" + v.toString(16)).slice(-2);
    }
    return out;
  }
  function lum(hex) {
    var c = [1, 3, 5].map(function (i) {
      var v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function recolour() {
    var k = +pol.value, t = theme.value, values = {}, top = 0;
    var low = Infinity;
    Object.keys(D.areas).forEach(function (gss) {
      var counts = D.areas[gss].counts, v = 0;
      Object.keys(counts).forEach(function (th) { if (t === "" || th === t) v += counts[th][k]; });
      values[gss] = v; top = Math.max(top, v);
      if (v) low = Math.min(low, v);
    });
    if (low === Infinity) low = 0;
    document.getElementById("tile-low").textContent = low;
    document.getElementById("tile-top").textContent = top;
    var colour = D.colours[D.polarities[k]];
    var kind = pol.selectedOptions[0].textContent, topic = t === "" ? "all themes" : D.themes[+t];
    Array.prototype.forEach.call(document.querySelectorAll("#tilemap g.tile"), function (g) {
      var gss = g.getAttribute("data-gss");
      if (!(gss in values)) return;
      var v = values[gss];
      var share = top > low ? (v - low) / (top - low) : 1;
      var fill = v ? mix(colour, 0.15 + 0.6 * share) : "#f2f2f2";
      var ink = (lum(fill) + 0.05) / 0.0616 >= 1.05 / (lum(fill) + 0.05) ? "#1a1a1a" : "#ffffff";
      g.querySelector("rect").setAttribute("fill", fill);
      g.querySelectorAll("text").forEach(function (x) { x.style.fill = ink; });
      g.querySelector("text.val").textContent = v;
      g.querySelector("title").textContent =
        D.areas[gss].partnerships.join("; ") + " (" + gss + "): " + v + " " + kind + ", " + topic;
    });
  }
  theme.addEventListener("change", recolour);
  pol.addEventListener("change", recolour);
})();
"""
