"""The matrix pages: which themes recur across partnerships, which agencies sit together.

``to_matrix_data`` turns a :class:`~kg.views.select.ViewSelection` into the compact JSON the
interactive page (``templates/matrix.html``) reads: partnerships, inspections (year,
programme, kind, document), themes grouped under the top concepts of the theme scheme,
documents (title, date, publisher, address) and one entry per finding (inspection,
polarity, themes, statement, evidence sentence). The page counts, filters, sorts and lists
the sentences of a cell in the browser; nothing is fetched.

``to_static_matrix`` draws the same partnership x theme matrix as a plain HTML table (the
report's first section), and ``to_agency_matrix`` the agency x partnership membership table.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from kg.analysis import curie, pick_type
from kg.views.page import fill_template, page_head, to_script_json
from kg.views.select import ViewSelection, top_concepts, web_address, year_of
from kg.views.style import INK, POLARITY, palette, tints

TEMPLATE = Path(__file__).parent / "templates" / "matrix.html"
POLARITIES = tuple(POLARITY)
KINDS = {
    "ProgressReview": "progress review",
    "JointInspection": "joint inspection",
    "Inspection": "inspection",
}
UBIQUITY = 0.9
"""An agency in at least this share of partnerships (and more than two) is 'everywhere'."""


class _Table:
    """A list of distinct strings, referred to by index (keeps the page's JSON small)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.items)
            self.items.append(text)
        return self.index[text]


def _kind(types: str | None) -> str:
    return KINDS.get(pick_type(types, "Inspection"), "inspection")


def to_matrix_data(selection: ViewSelection) -> dict:
    """The partnership x theme matrix's data (pure; see the module docstring)."""
    documents: dict[str, dict] = {}
    for row in selection.documents:
        documents[row["document"]] = {
            "id": row["document"],
            "title": row.get("title") or "",
            "date": row.get("issued") or "",
            "publisher": row.get("publisher") or "",
            "url": web_address(row.get("url"), row.get("source")),
        }
    programmes_of: dict[str, list[str]] = defaultdict(list)
    programme_labels: dict[str, str] = {}
    for row in selection.programmes:
        key = curie(row["programme"]).rsplit("/", 1)[-1]
        programmes_of[row["inspection"]].append(key)
        programme_labels[key] = row.get("programmeLabel") or key

    partnerships: dict[str, dict] = {}
    inspections: dict[str, dict] = {}

    def partnership(iri: str, label: str | None, gss: str | None = None) -> str:
        node = curie(iri)
        if node not in partnerships:
            partnerships[node] = {"id": node, "label": label or node, "gss": gss or ""}
        elif gss and not partnerships[node]["gss"]:
            partnerships[node]["gss"] = gss
        return node

    for row in selection.inspection_meta:
        p = partnership(row["partnership"], row.get("partnershipLabel"), row.get("gss"))
        doc = documents.get(row.get("document") or "")
        url = web_address(row.get("fullReport"), row.get("primarySource"))
        if doc is not None and url and not doc["url"]:
            doc["url"] = url
        inspections[row["inspection"]] = {
            "id": curie(row["inspection"]),
            "partnership": p,
            "year": year_of(row.get("fieldworkStart"), row.get("published"), row["inspection"]),
            "kind": _kind(row.get("types")),
            "programmes": sorted(set(programmes_of.get(row["inspection"], []))),
            "document": row.get("document") or "",
            "url": url,
        }

    theme_rows = {curie(row["theme"]): row for row in selection.themes}
    tops = top_concepts(selection.themes)
    texts = _Table()
    findings: dict[str, dict] = {}
    for row in selection.findings:
        if not row.get("theme"):
            continue
        p = partnership(row["partnership"], row.get("partnershipLabel"))
        if row["inspection"] not in inspections:
            inspections[row["inspection"]] = {
                "id": curie(row["inspection"]),
                "partnership": p,
                "year": year_of(row["inspection"]),
                "kind": "inspection",
                "programmes": [],
                "document": row.get("document") or "",
                "url": "",
            }
        theme = curie(row["theme"])
        if theme not in theme_rows:
            theme_rows[theme] = {"theme": row["theme"], "label": row.get("themeLabel")}
        key = row["finding"]
        if key not in findings:
            statement = row.get("findingLabel") or row.get("evidence") or ""
            evidence = row.get("evidence") or ""
            findings[key] = {
                "id": curie(key),
                "inspection": row["inspection"],
                "polarity": row["polarity"],
                "themes": [],
                "statement": texts(statement),
                "evidence": texts(evidence) if evidence and evidence != statement else -1,
                "document": row.get("document") or inspections[row["inspection"]]["document"],
            }
        if theme not in findings[key]["themes"]:
            findings[key]["themes"].append(theme)

    used = sorted({t for f in findings.values() for t in f["themes"]})
    group_ids = sorted({tops.get(t, t) for t in used}, key=lambda g: _label(theme_rows, g))
    groups = [{"id": g, "label": _label(theme_rows, g)} for g in group_ids]
    group_index = {g: i for i, g in enumerate(group_ids)}
    # themes in scheme order: by group, the top concept itself first, then by label
    used.sort(
        key=lambda t: (group_index[tops.get(t, t)], t != tops.get(t, t), _label(theme_rows, t))
    )
    theme_index = {t: i for i, t in enumerate(used)}
    themes = [
        {"id": t, "label": _label(theme_rows, t), "group": group_index[tops.get(t, t)]}
        for t in used
    ]
    p_order = sorted(partnerships, key=lambda p: partnerships[p]["label"].lower())
    p_index = {p: i for i, p in enumerate(p_order)}
    i_order = sorted(
        inspections,
        key=lambda i: (
            partnerships[inspections[i]["partnership"]]["label"].lower(),
            inspections[i]["year"] or 0,
            i,
        ),
    )
    i_index = {i: n for n, i in enumerate(i_order)}
    d_order = sorted(
        {f["document"] for f in findings.values() if f["document"]}
        | {inspections[i]["document"] for i in i_order if inspections[i]["document"]}
    )
    d_index = {d: n for n, d in enumerate(d_order)}
    programme_keys = sorted(programme_labels)
    return {
        "partnerships": [partnerships[p] for p in p_order],
        "inspections": [
            {
                **{k: v for k, v in inspections[i].items() if k not in {"partnership", "document"}},
                "partnership": p_index[inspections[i]["partnership"]],
                "document": d_index.get(inspections[i]["document"], -1),
            }
            for i in i_order
        ],
        "documents": [
            documents.get(d, {"id": d, "title": "", "date": "", "publisher": "", "url": ""})
            for d in d_order
        ],
        "groups": groups,
        "themes": themes,
        "programmes": [{"key": k, "label": programme_labels[k]} for k in programme_keys],
        "findings": [
            [
                i_index[f["inspection"]],
                POLARITIES.index(f["polarity"]) if f["polarity"] in POLARITIES else 0,
                [theme_index[t] for t in f["themes"]],
                f["statement"],
                f["evidence"],
                d_index.get(f["document"], -1),
                f["id"],
            ]
            for f in sorted(findings.values(), key=lambda f: f["id"])
        ],
        "texts": texts.items,
        "polarities": list(POLARITIES),
        "palette": palette(),
    }


def _label(theme_rows: dict[str, dict], theme: str) -> str:
    row = theme_rows.get(theme) or {}
    return row.get("label") or row.get("themeLabel") or theme.rsplit("/", 1)[-1]


# ------------------------------------------------------------------ static tables (report)
def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def count_cells(data: dict) -> dict[tuple[int, int], list[int]]:
    """Findings per (partnership, theme): [strengths, improvements, good practice] (pure)."""
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for inspection, polarity, themes, *_ in data["findings"]:
        p = data["inspections"][inspection]["partnership"]
        for t in themes:
            cells[(p, t)][polarity] += 1
    return cells


def _level(count: int, top: int) -> int:
    return min(3, int(4 * (count - 1) / max(top, 1))) if count else -1


def to_static_matrix(data: dict, link: str = "") -> str:
    """The partnership x theme matrix as an HTML table (no script; every value escaped)."""
    if not data["themes"]:
        return '<p class="empty">No findings with themes in the store yet.</p>'
    cells = count_cells(data)
    top = [max((c[k] for c in cells.values()), default=1) for k in range(3)]
    tint = tints()
    groups = data["groups"]
    span = defaultdict(int)
    for theme in data["themes"]:
        span[theme["group"]] += 1
    head1 = '<th rowspan="2" class="rowhead">partnership</th>' + "".join(
        f'<th colspan="{span[i]}" class="group">{_e(g["label"])}</th>'
        for i, g in enumerate(groups)
        if span[i]
    )
    head2 = "".join(f'<th class="theme"><span>{_e(t["label"])}</span></th>' for t in data["themes"])
    body = []
    for p, partnership in enumerate(data["partnerships"]):
        row = [f'<th class="rowhead">{_e(partnership["label"])}</th>']
        for t in range(len(data["themes"])):
            counts = cells.get((p, t), [0, 0, 0])
            spans = []
            for k, polarity in enumerate(POLARITIES):
                level = _level(counts[k], top[k])
                short = POLARITY[polarity]["short"].lower()
                if level < 0:
                    spans.append(f'<span class="c {short} blank" data-k="{k}"></span>')
                    continue
                name = POLARITY[polarity]["label"]
                spans.append(
                    f'<span class="c {short}" data-k="{k}" '
                    f'style="background-color:{tint[polarity][level]};color:{INK}" '
                    f'title="{counts[k]} {_e(name)}">{counts[k]}</span>'
                )
            inner = "".join(spans)
            if link and any(counts):
                target = f"{link}#cell={partnership['id']}|{data['themes'][t]['id']}"
                inner = f'<a href="{_e(target)}" title="open this cell\'s sentences">{inner}</a>'
            row.append(f'<td class="cell" data-p="{p}" data-t="{t}">{inner}</td>')
        body.append(f"<tr>{''.join(row)}</tr>")
    totals = []
    for k, (_polarity, heading) in enumerate(
        zip(
            POLARITIES,
            (
                "partnerships with strengths",
                "partnerships told to improve this",
                "partnerships with good practice",
            ),
            strict=True,
        )
    ):
        counts = [
            sum(1 for p in range(len(data["partnerships"])) if cells.get((p, t), [0, 0, 0])[k])
            for t in range(len(data["themes"]))
        ]
        totals.append(
            f'<tr class="total"><th class="rowhead">{_e(heading)}</th>'
            + "".join(
                f'<td class="num" data-k="{k}" data-t="{t}">{c or ""}</td>'
                for t, c in enumerate(counts)
            )
            + "</tr>"
        )
    key = (
        '<p class="key hint">Each cell: '
        + " ".join(
            f'<span class="c {s["short"].lower()}" style="background-color:{tint[k][2]};'
            f'color:{INK}">{s["short"]}</span> {_e(s["label"])}'
            for k, s in POLARITY.items()
        )
        + " (darker = more findings; improvements hatched, good practice dotted)."
        + (
            f' <a id="matrix-link" href="{_e(link)}">Open the interactive matrix</a> to filter, '
            "sort and read each cell's sentences."
            if link
            else ""
        )
        + "</p>"
    )
    return (
        f'{key}<div class="matrix-wrap"><table class="matrix"><thead><tr>{head1}</tr>'
        f"<tr>{head2}</tr></thead><tbody>{''.join(body)}</tbody>"
        f"<tfoot>{''.join(totals)}</tfoot></table></div>"
    )


def agency_matrix(selection: ViewSelection) -> dict:
    """Agencies x partnerships: who is a member where, and which agencies are everywhere."""
    members: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    partnerships: dict[str, str] = {}
    for row in selection.memberships:
        p, a = curie(row["partnership"]), curie(row["agency"])
        partnerships[p] = row.get("partnershipLabel") or p
        labels[a] = row.get("agencyLabel") or a
        types[a] = pick_type(row.get("agencyTypes"), "Agency")
        members[a].add(p)
    n = len(partnerships)
    everywhere = sorted(a for a, ps in members.items() if n > 2 and len(ps) >= max(3, UBIQUITY * n))
    agencies = sorted(members, key=lambda a: (-len(members[a]), labels[a].lower()))
    columns = sorted(partnerships, key=lambda p: partnerships[p].lower())
    return {
        "agencies": [
            {"id": a, "label": labels[a], "type": types[a], "partnerships": sorted(members[a])}
            for a in agencies
        ],
        "partnerships": [{"id": p, "label": partnerships[p]} for p in columns],
        "everywhere": everywhere,
    }


def to_agency_matrix(data: dict) -> str:
    """The agency x partnership membership table (agencies in most partnerships first)."""
    if not data["agencies"]:
        return '<p class="empty">No memberships in the store yet.</p>'
    columns = data["partnerships"]
    head = '<th class="rowhead">agency</th><th>in</th>' + "".join(
        f'<th class="theme"><span>{_e(p["label"])}</span></th>' for p in columns
    )
    body = []
    for agency in data["agencies"]:
        inside = set(agency["partnerships"])
        mark = "".join(
            '<td class="member" title="member">●</td>' if p["id"] in inside else "<td></td>"
            for p in columns
        )
        flag = " everywhere" if agency["id"] in data["everywhere"] else ""
        body.append(
            f'<tr class="agency{flag}"><th class="rowhead">{_e(agency["label"])}</th>'
            f'<td class="num">{len(inside)}</td>{mark}</tr>'
        )
    note = ""
    if data["everywhere"]:
        names = ", ".join(a["label"] for a in data["agencies"] if a["id"] in data["everywhere"])
        note = (
            f'<p class="hint">In every (or nearly every) partnership: {_e(names)}. '
            "They join every pair of partnerships, so the agencies network leaves them out.</p>"
        )
    return (
        f'{note}<div class="matrix-wrap"><table class="matrix agencies"><thead><tr>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div>"
    )


# ------------------------------------------------------------------ the interactive page
MATRIX_DESCRIPTION = (
    "Which themes recur across partnerships: strengths, areas for improvement and good "
    "practice by partnership (or inspection) and theme, themes grouped under the scheme's top "
    "concepts. Click a cell for its sentences and their sources."
)


def to_matrix_html(data: dict, note: str = "") -> str:
    """The self-contained interactive matrix page for ``data`` (from :func:`to_matrix_data`)."""
    if not data["findings"]:
        note = (
            note + " " if note else ""
        ) + "Nothing to show: the store holds no themed findings yet."
    if not data["programmes"]:
        note = (note + " " if note else "") + (
            "The graph names no inspection programmes yet, so the programme filter is hidden."
        )
    return fill_template(
        TEMPLATE.read_text(encoding="utf-8"),
        {
            "HEAD": page_head("inspection-kg · matrix"),
            "TITLE": "inspection-kg · matrix",
            "DESCRIPTION": html.escape(MATRIX_DESCRIPTION),
            "NOTE": html.escape(note),
            "DATA": to_script_json(data),
        },
    )
