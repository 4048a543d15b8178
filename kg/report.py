"""Report (stage 8, with the views): one self-contained HTML page summarising the graph.

The page holds the inspections table, each inspection's grade profile as an inline SVG
chart, a partnership x theme heat map of strengths and areas for improvement, the
agencies shared by partnerships, and links to the interactive views, written beside it in
``views/``. Nothing is loaded from the network; every value from the data is HTML-escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from kg.analysis import select_all, select_edges, to_theme_bipartite_graph
from kg.query import run_query
from kg.store import Store
from kg.viz import VIEWS, fill_template, write_view

TEMPLATE = Path(__file__).parent / "templates" / "report.html"

#: The six-point scale, best first, with its colours (green to red).
GRADES = {
    "excellent": "#1b7837",
    "very good": "#5aae61",
    "good": "#a6dba0",
    "adequate": "#fee08b",
    "weak": "#f46d43",
    "unsatisfactory": "#a50026",
}
STRENGTH, IMPROVEMENT = "#38a169", "#dd6b20"

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


def to_grade_chart(rows: list[Row]) -> str:
    """Stacked horizontal bars, one per (partnership, document), grades best first (SVG)."""
    profiles: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in rows:
        try:
            count = int(row.get("count") or 0)
        except ValueError:
            continue
        key = (row.get("partnership") or "", row.get("document") or "")
        profiles[key][(row.get("grade") or "").lower()] = count
    if not profiles:
        return '<p class="empty">No graded indicators in the store yet.</p>'
    label_w, bar_w, row_h, unit = 360, 560, 24, 0
    unit = bar_w / max(sum(p.values()) for p in profiles.values())
    height = row_h * len(profiles) + 40
    parts = [
        f'<svg role="img" aria-label="grade profiles" width="{label_w + bar_w + 40}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 40} {height}">'
    ]
    for i, ((partnership, document), counts) in enumerate(sorted(profiles.items())):
        y = 10 + i * row_h
        name = partnership if len(partnership) <= 48 else partnership[:47] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{_e(name)}'
            f"<title>{_e(partnership)} ({_e(document)})</title></text>"
        )
        x = float(label_w)
        for grade, colour in GRADES.items():
            count = counts.get(grade, 0)
            if not count:
                continue
            width = count * unit
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row_h - 6}" '
                f'fill="{colour}"><title>{_e(grade)}: {count}</title></rect>'
            )
            if width > 14:
                middle = x + width / 2
                parts.append(
                    f'<text x="{middle:.1f}" y="{y + 14}" text-anchor="middle">{count}</text>'
                )
            x += width
    y = 10 + len(profiles) * row_h + 8
    x = float(label_w)
    for grade, colour in GRADES.items():
        parts.append(f'<rect x="{x:.0f}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16:.0f}" y="{y + 11}">{_e(grade)}</text>')
        x += 30 + 7 * len(grade)
    parts.append("</svg>")
    return "".join(parts)


def to_heat_map(rows: list[Row]) -> str:
    """Partnership x theme table; each cell shows strengths and improvements by colour depth."""
    bipartite = to_theme_bipartite_graph(rows)
    themes = sorted(
        (n for n, d in bipartite.nodes(data=True) if d["type"] == "Theme"),
        key=lambda t: (-bipartite.degree(t), bipartite.nodes[t]["label"]),
    )
    partnerships = sorted(
        (n for n, d in bipartite.nodes(data=True) if d["type"] == "Partnership"),
        key=lambda p: bipartite.nodes[p]["label"],
    )
    if not themes:
        return '<p class="empty">No findings with themes in the store yet.</p>'
    top = max((d for _, _, d in bipartite.edges(data="weight")), default=1) or 1
    head = "<th>partnership</th>" + "".join(
        f'<th class="theme">{_e(bipartite.nodes[t]["label"])}</th>' for t in themes
    )
    body = []
    for p in partnerships:
        cells = []
        for t in themes:
            edges = bipartite.get_edge_data(p, t) or {}
            spans = []
            for key, colour in (("strength", STRENGTH), ("improvement", IMPROVEMENT)):
                count = edges.get(key, {}).get("weight", 0)
                opacity = 0.25 + 0.75 * count / top if count else 0.06
                label = f"{key}: {count}"
                spans.append(
                    f'<span style="background:{colour};opacity:{opacity:.2f}" '
                    f'title="{_e(label)}">{count or ""}</span>'
                )
            cells.append(f'<td class="cell">{"".join(spans)}</td>')
        body.append(f"<tr><td>{_e(bipartite.nodes[p]['label'])}</td>{''.join(cells)}</tr>")
    key = (
        f'<p class="key hint">Each cell: <span class="sw" style="background:{STRENGTH}"></span>'
        f'strengths <span class="sw" style="background:{IMPROVEMENT}"></span>areas for '
        "improvement; darker = more findings.</p>"
    )
    return (
        f'{key}<div class="scroll"><table class="heat"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def to_report_body(store: Store, views: dict[str, str]) -> str:
    """The report's HTML body (every value from the store escaped)."""
    inspections = run_query(store, "inspections").rows
    grades = run_query(store, "grade_profile").rows
    agencies = run_query(store, "shared_agencies").rows
    findings = select_edges(store, "findings")
    links = (
        "".join(f'<a href="{_e(href)}">{_e(name)}</a>' for name, href in views.items())
        or "<span>(views not written)</span>"
    )
    sections = [
        "<h1>inspection-kg report</h1>",
        f'<p class="lead">{len(inspections)} inspections, {len(findings)} finding-theme rows; '
        "built from the knowledge graph's bundled queries.</p>",
        f'<nav class="views">{links}<br><span>Interactive views (open offline; '
        "click a node for its evidence).</span></nav>",
        "<h2>Inspections</h2>",
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
        "<h2>Grade profiles</h2>",
        '<p class="hint">How many quality indicators each inspection graded at each point of '
        "the six-point scale.</p>",
        to_grade_chart(grades),
        "<h2>Themes by partnership</h2>",
        to_heat_map(findings),
        "<h2>Agencies shared by partnerships</h2>",
        to_table(
            agencies,
            [("agency", "agency"), ("partnerships", "partnerships"), ("partnershipList", "which")],
            numeric={"partnerships"},
        ),
    ]
    return "\n".join(sections)


def write_report(store: Store, path: Path, views: bool = True) -> list[Path]:
    """Write the report at ``path`` and, with ``views``, every view into ``path.parent/views``.

    Returns the files written, the report first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    links: dict[str, str] = {}
    if views:
        selection = select_all(store)
        for view in VIEWS:
            target = path.parent / "views" / f"{view}.html"
            stats = write_view(store, view, target, selection=selection)
            links[f"{view} ({stats.nodes} nodes)"] = f"views/{view}.html"
            written.append(target)
    page = fill_template(
        TEMPLATE.read_text(encoding="utf-8"),
        {"TITLE": "inspection-kg report", "BODY": to_report_body(store, links)},
    )
    path.write_text(page, encoding="utf-8")
    return [path, *written]
