"""Report (stage 8, with the views): one self-contained HTML page summarising the graph.

The page leads with the partnership x theme matrix (static; the interactive one is a link
away), then the agency x partnership matrix, grade profiles as small multiples per
partnership in time order (scale-aware), an inspections timeline, a tile map of the 32
council areas, the inspections table and the agencies shared by partnerships; the
interactive views are written beside it in ``views/``. Nothing is loaded from the network;
every value from the data is HTML-escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from kg.analysis import curie
from kg.query import run_query
from kg.store import Store
from kg.views.matrix import (
    agency_matrix,
    to_agency_matrix,
    to_matrix_data,
    to_static_matrix,
)
from kg.views.page import fill_template, inline_safe, page_head, to_script_json
from kg.views.pages import VIEWS, write_view
from kg.views.select import ViewSelection, select_views, year_of
from kg.views.style import INK, PAPER, POLARITY, contrast, tints
from kg.views.tiles import to_tile_map

TEMPLATE = Path(__file__).parent / "templates" / "report.html"

Row = dict[str, str | None]


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def to_table(
    rows: list[Row], columns: list[tuple[str, str]], numeric: set[str] = frozenset()
) -> str:
    """An HTML table of ``rows`` with ``columns`` as (key, heading), every cell escaped.

    >>> "<td>&lt;b&gt;</td>" in to_table([{"a": "<b>"}], [("a", "A")])
    True
    """
    if not rows:
        return '<p class="empty">None in the store yet.</p>'
    head = "".join(f"<th>{_e(title)}</th>" for _, title in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(row.get(key))}</td>'
            if key in numeric
            else f"<td>{_e(row.get(key))}</td>"
            for key, _ in columns
        )
        + "</tr>"
        for row in rows
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


#: Grade scales, best first, each grade key with its colour (blue for good to vermillion
#: for poor: a colour-blind-safe diverging ramp). A grade's scale is the graph's
#: ``skos:inScheme`` when it says; else the scale whose keys hold the grade; else six-point.
SCALES: dict[str, dict[str, str]] = {
    "six-point scale": {
        "excellent": "#08519c",
        "very good": "#3182bd",
        "good": "#9ecae1",
        "adequate": "#fdd0a2",
        "weak": "#f16913",
        "unsatisfactory": "#a63603",
    },
    "older six-point scale": {
        "excellent": "#08519c",
        "very good": "#3182bd",
        "good": "#9ecae1",
        "satisfactory": "#fdd0a2",
        "weak": "#f16913",
        "unsatisfactory": "#a63603",
    },
    "adult support and protection scale": {
        "very effective": "#08519c",
        "effective": "#6baed6",
        "effective with areas for improvement": "#fdae6b",
        "important areas of weakness": "#a63603",
    },
}


def _grade_key(label: str | None, iri: str) -> str:
    text = (label or iri.rsplit("/", 1)[-1]).lower().replace("-", " ").strip()
    return text


def scale_of(grades: set[str], scheme: str | None) -> str:
    """The scale a set of grade keys is on (``scheme``: the graph's scale IRI, if any).

    >>> scale_of({"good", "satisfactory"}, None)
    'older six-point scale'
    >>> scale_of({"effective"}, None)
    'adult support and protection scale'
    >>> scale_of({"good"}, None)
    'six-point scale'
    """
    name = (scheme or "").rsplit("/", 1)[-1].replace("-", " ")
    for scale in SCALES:
        if name and name in scale.replace("-", " "):
            return scale
    for scale, keys in SCALES.items():
        if (
            scale != "six-point scale"
            and grades
            and grades <= set(keys)
            and (grades - set(SCALES["six-point scale"]))
        ):
            return scale
    return "six-point scale"


def _text_on(colour: str) -> str:
    return INK if contrast(INK, colour) >= contrast(PAPER, colour) else PAPER


def to_grade_multiples(selection: ViewSelection) -> str:
    """Grade profiles as small multiples: one panel per partnership, its inspections in
    time order, one stacked bar each on that inspection's scale (SVG in HTML)."""
    meta = {row["inspection"]: row for row in selection.inspection_meta}
    tallies: dict[str, dict[str, int]] = defaultdict(dict)
    schemes: dict[str, str] = {}
    for row in selection.grades:
        try:
            count = int(float(row.get("count") or 0))
        except ValueError:
            continue
        key = _grade_key(row.get("gradeLabel"), row["grade"])
        tallies[row["inspection"]][key] = tallies[row["inspection"]].get(key, 0) + count
        if row.get("scale"):
            schemes[row["inspection"]] = row["scale"]
    if not tallies:
        return '<p class="empty">No graded indicators in the store yet.</p>'
    by_partnership: dict[str, list[tuple]] = defaultdict(list)
    for inspection, counts in tallies.items():
        row = meta.get(inspection, {})
        label = row.get("partnershipLabel") or curie(inspection).split("/")[1]
        year = year_of(row.get("fieldworkStart"), row.get("published"), inspection)
        by_partnership[label].append((year or 0, inspection, counts))
    used_scales: set[str] = set()
    panels = []
    top = max(sum(c.values()) for c in tallies.values()) or 1
    bar_w, bar_h = 180, 16
    for label in sorted(by_partnership, key=str.lower):
        rows = sorted(by_partnership[label])
        height = len(rows) * (bar_h + 6) + 4
        parts = [
            f'<svg role="img" aria-label="grade profiles of {_e(label)}" width="{bar_w + 50}" '
            f'height="{height}" viewBox="0 0 {bar_w + 50} {height}">'
        ]
        for i, (year, inspection, counts) in enumerate(rows):
            scale = scale_of(set(counts), schemes.get(inspection))
            used_scales.add(scale)
            y = 2 + i * (bar_h + 6)
            parts.append(f'<text x="0" y="{y + 12}" class="year">{year or "?"}</text>')
            x = 40.0
            unit = bar_w / top
            for grade, colour in SCALES[scale].items():
                count = counts.get(grade, 0)
                if not count:
                    continue
                width = count * unit
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{bar_h}" '
                    f'fill="{colour}"><title>{year or "year unknown"}: {_e(grade)} {count} '
                    f"({_e(scale)})</title></rect>"
                )
                if width >= 12:
                    parts.append(
                        f'<text x="{x + width / 2:.1f}" y="{y + 12}" text-anchor="middle" '
                        f'style="fill:{_text_on(colour)}">{count}</text>'
                    )
                x += width
            others = sum(v for k, v in counts.items() if k not in SCALES[scale])
            if others:
                parts.append(
                    f'<text x="{x + 4:.1f}" y="{y + 12}">+{others}<title>grades not on the '
                    f"{_e(scale)}</title></text>"
                )
            parts.append("</g>")
        parts.append("</svg>")
        panels.append(
            f'<figure class="multiple"><figcaption>{_e(label)}</figcaption>{"".join(parts)}'
            "</figure>"
        )
    keys = []
    for scale in SCALES:
        if scale not in used_scales:
            continue
        swatches = "".join(
            f'<span class="sw" style="background:{colour}"></span>{_e(grade)} '
            for grade, colour in SCALES[scale].items()
        )
        keys.append(f"<div><b>{_e(scale)}</b>: {swatches}</div>")
    return (
        f'<div class="key hint">{"".join(keys)}<div>Bar length: indicators graded; one bar '
        "per inspection, oldest first.</div></div>"
        f'<div class="multiples">{"".join(panels)}</div>'
    )


def to_timeline(selection: ViewSelection) -> str:
    """Inspections over time: one row per partnership, a mark per inspection (SVG)."""
    marks: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for row in selection.inspection_meta:
        year = year_of(row.get("fieldworkStart"), row.get("published"), row["inspection"])
        if not year:
            continue
        kind = "progress review" if "ProgressReview" in (row.get("types") or "") else "inspection"
        marks[row.get("partnershipLabel") or curie(row["partnership"])].append(
            (year, kind, curie(row["inspection"]))
        )
    if not marks:
        return '<p class="empty">No dated inspections in the store yet.</p>'
    years = [y for rows in marks.values() for y, _, _ in rows]
    first, last = min(years), max(years)
    label_w, step, row_h = 330, max(24, min(60, 800 // max(1, last - first + 1))), 16
    width = label_w + step * (last - first + 1) + 20
    height = row_h * len(marks) + 30
    parts = [
        f'<svg role="img" aria-label="inspections by year" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    for n, year in enumerate(range(first, last + 1)):
        x = label_w + step * n + step / 2
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 22}" class="grid"/>')
        parts.append(f'<text x="{x}" y="{height - 8}" text-anchor="middle">{year}</text>')
    for i, label in enumerate(sorted(marks, key=str.lower)):
        y = 4 + i * row_h
        short = label if len(label) <= 46 else label[:45] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 11}" text-anchor="end">{_e(short)}'
            f"<title>{_e(label)}</title></text>"
        )
        for year, kind, inspection in sorted(marks[label]):
            x = label_w + step * (year - first) + step / 2
            title = f"<title>{_e(label)}: {kind}, {year} ({_e(inspection)})</title>"
            if kind == "progress review":
                parts.append(
                    f'<rect x="{x - 5}" y="{y + 2}" width="10" height="10" class="review" '
                    f'data-year="{year}">'
                    f"{title}</rect>"
                )
            else:
                parts.append(
                    f'<circle cx="{x}" cy="{y + 7}" r="5.5" class="insp" data-year="{year}">'
                    f"{title}</circle>"
                )
    parts.append("</svg>")
    return (
        '<p class="hint">● inspection, ■ progress review; year of fieldwork, else of '
        f'publication.</p><div class="scroll wide">{"".join(parts)}</div>'
    )


YEARS_SCRIPT = Path(__file__).parent / "templates" / "report-years.js"


def to_year_control(matrix: dict) -> str:
    """The report's year-range control and the data its script recounts the matrix from."""
    years = sorted({i["year"] for i in matrix["inspections"] if i["year"]})
    if not years:
        return ""
    options = "".join(f'<option value="{y}">{y}</option>' for y in years)
    to_options = "".join(
        f'<option value="{y}"{" selected" if y == years[-1] else ""}>{y}</option>' for y in years
    )
    payload = {
        "years": years,
        "findings": [
            [
                matrix["inspections"][f[0]]["partnership"],
                f[2],
                f[1],
                matrix["inspections"][f[0]]["year"],
            ]
            for f in matrix["findings"]
        ],
        "tints": [tints()[p] for p in POLARITY],
        "names": [s["label"] for s in POLARITY.values()],
    }
    return (
        '<p class="years">Years <select id="year-from" aria-label="from year">'
        f'{options}</select>–<select id="year-to" aria-label="to year">'
        f"{to_options}</select> "
        '<span class="hint">(the matrix, the timeline and the grade profiles follow it; '
        "year of fieldwork, else of publication)</span></p>"
        f'<script type="application/json" id="report-data">{to_script_json(payload)}</script>'
    )


def to_report_body(store: Store, views: dict[str, str], selection: ViewSelection) -> str:
    """The report's HTML body (every value from the store escaped)."""
    inspections = run_query(store, "inspections").rows
    agencies = run_query(store, "shared_agencies").rows
    matrix = to_matrix_data(selection)
    members = agency_matrix(selection)
    years = to_year_control(matrix)
    matrix_link = next((href for name, href in views.items() if "matrix" in name), "")
    links = (
        "".join(f'<a href="{_e(href)}">{_e(name)}</a>' for name, href in views.items())
        or "<span>(views not written)</span>"
    )
    sections = [
        "<h1>inspection-kg report</h1>",
        f'<p class="lead">{len(inspections)} inspections of {len(matrix["partnerships"])} '
        f"partnerships, {len(matrix['findings'])} findings on {len(matrix['themes'])} themes; "
        "built from the knowledge graph's bundled queries.</p>",
        f'<nav class="views">{links}<br><span>Interactive views (open offline; '
        "click a cell or a node for its evidence).</span></nav>",
        years,
        '<h2 id="themes">Which themes recur: partnerships by theme</h2>',
        to_static_matrix(matrix, matrix_link),
        '<h2 id="agencies">Which agencies work together: agencies by partnership</h2>',
        to_agency_matrix(members),
        '<h2 id="map">Where: council areas</h2>',
        to_tile_map(matrix),
        '<h2 id="grades">Grade profiles</h2>',
        '<p class="hint">How many quality indicators each inspection graded at each point of '
        "its scale, one panel per partnership.</p>",
        to_grade_multiples(selection),
        '<h2 id="timeline">When: inspections by year</h2>',
        to_timeline(selection),
        '<h2 id="inspections">Inspections</h2>',
        to_table(
            inspections,
            [
                ("partnership", "partnership"),
                ("kind", "kind"),
                ("subject", "services for"),
                ("lead", "lead"),
                ("inspectorates", "inspectorates"),
                ("fieldworkStart", "fieldwork from"),
                ("fieldworkEnd", "to"),
                ("published", "published"),
                ("document", "document"),
            ],
        ),
        '<h2 id="shared">Agencies shared by partnerships</h2>',
        to_table(
            agencies,
            [("agency", "agency"), ("partnerships", "partnerships"), ("partnershipList", "which")],
            numeric={"partnerships"},
        ),
    ]
    if years:
        script = inline_safe(YEARS_SCRIPT.read_text(encoding="utf-8"), "script")
        sections.append(f"<script>{script}</script>")
    return "\n".join(sections)


def write_report(store: Store, path: Path, views: bool = True) -> list[Path]:
    """Write the report at ``path`` and, with ``views``, every view into ``path.parent/views``.

    Returns the files written, the report first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    links: dict[str, str] = {}
    selection = select_views(store)
    if views:
        for view in VIEWS:
            target = path.parent / "views" / f"{view}.html"
            stats = write_view(store, view, target, selection=selection)
            count = f"{stats.nodes} partnerships" if view == "matrix" else f"{stats.nodes} nodes"
            links[f"{view} ({count})"] = f"views/{view}.html"
            written.append(target)
    page = fill_template(
        TEMPLATE.read_text(encoding="utf-8"),
        {
            "HEAD": page_head("inspection-kg report"),
            "BODY": to_report_body(store, links, selection),
        },
    )
    path.write_text(page, encoding="utf-8")
    return [path, *written]
