"""Views: offline, escaped HTML whose vis DataSets hold the graph; checked in headless Chromium.

Tests marked ``browser`` need Debian's chromium: they skip locally without it and fail when
``CI`` is set. Screenshots land in ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from browser import (
    EVIL_IMG,
    EVIL_SCRIPT,
    THEMES,
    render,
    status_json,
    synthetic_graph,
    synthetic_store,
)

from kg.analysis import curie
from kg.errors import KgError
from kg.namespace import GRAPH, IKG, mint_iri
from kg.query import run_query
from kg.report import write_report
from kg.store import Store
from kg.views.matrix import TEMPLATE as MATRIX_TEMPLATE
from kg.views.matrix import agency_matrix, to_matrix_data
from kg.views.page import HEAD
from kg.views.select import select_views
from kg.views.style import INK, MUTED, PAPER, POLARITY, contrast, tints
from kg.viz import (
    NETWORK_VIEWS,
    TEMPLATE,
    VIEWS,
    build_view,
    select_view,
    to_html,
    to_script_json,
    write_view,
)

EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def small_store():
    return synthetic_store(8)


@pytest.fixture(scope="module")
def evil_store():
    return synthetic_store(4, evil=True)


def test_script_json_escapes_markup():
    text = to_script_json({"a": "</script><img src=x onerror=alert(1)>&amp;\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text


@pytest.mark.parametrize("view", list(NETWORK_VIEWS))
def test_views_are_offline_and_counted(small_store, tmp_path, view):
    path = tmp_path / f"{view}.html"
    stats = write_view(small_store, view, path)
    data = select_view(small_store, view)
    assert (stats.nodes, stats.edges) == (len(data.nodes), len(data.edges))
    assert stats.nodes > 0 and stats.edges > 0
    text = path.read_text(encoding="utf-8")
    assert not EXTERNAL.search(text), EXTERNAL.search(text).group(0)
    ids = {node["id"] for node in data.nodes}
    assert all(i.startswith(("id:", "ikg:")) for i in ids)
    assert all(e["from"] in ids and e["to"] in ids for e in data.edges)


def test_evil_text_is_never_markup(evil_store, tmp_path):
    for view in VIEWS:
        text = to_html(select_view(evil_store, view))
        assert EVIL_SCRIPT not in text and EVIL_IMG not in text
        # only the template's own scripts close: data and vis's code never end a script
        template = MATRIX_TEMPLATE if view == "matrix" else TEMPLATE
        own = template.read_text() + HEAD.read_text()
        assert text.lower().count("</script") == own.lower().count("</script")
        assert "onerror=window" not in text.replace("\\u003cimg src=x onerror=window", "")


def test_cap_keeps_the_most_connected_and_says_so(small_store, tmp_path):
    stats = write_view(small_store, "overview", tmp_path / "o.html", max_nodes=10)
    assert stats.capped and stats.nodes == 10 and stats.total_nodes > 10
    assert "Showing the 10 most connected of" in (tmp_path / "o.html").read_text()


def test_unknown_view(small_store, tmp_path):
    with pytest.raises(KgError, match="no such view"):
        write_view(small_store, "nope", tmp_path / "x.html")


def test_build_view_is_a_pyvis_network(small_store, tmp_path):
    net = build_view(small_store, "themes")
    assert len(net.nodes) == len(net.get_nodes()) > 0
    net.write_html(str(tmp_path / "net.html"))
    assert not EXTERNAL.search((tmp_path / "net.html").read_text())


def test_empty_store_gives_a_page_with_a_note(tmp_path):
    from kg.store import Store

    stats = write_view(Store(None), "themes", tmp_path / "empty.html")
    assert stats.nodes == 0
    assert "Nothing to show" in (tmp_path / "empty.html").read_text()


# ------------------------------------------------------------------ in Chromium
def _check(rendered, stats):
    assert rendered.status.get("ready") == "true", rendered.status
    assert int(rendered.status["nodes"]) == stats.nodes
    assert int(rendered.status["edges"]) == stats.edges
    assert status_json(rendered, "errors") == []
    assert rendered.console == []  # the pages log nothing, so any console line is a fault
    assert rendered.status.get("pwned") == "undefined"


@pytest.mark.browser
@pytest.mark.parametrize("view", list(NETWORK_VIEWS))
def test_view_draws_in_chromium(small_store, tmp_path, view):
    stats = write_view(small_store, view, tmp_path / f"{view}.html")
    rendered = render(tmp_path / f"{view}.html", screenshot=f"synthetic-{view}.png")
    _check(rendered, stats)
    assert rendered.screenshot.stat().st_size > 10_000


@pytest.mark.browser
def test_seed_views_draw_in_chromium(seed_store, tmp_path):
    for view in NETWORK_VIEWS:
        stats = write_view(seed_store, view, tmp_path / f"{view}.html")
        rendered = render(tmp_path / f"{view}.html", screenshot=f"seeds-{view}.png")
        _check(rendered, stats)


@pytest.mark.browser
def test_console_lines_are_caught(tmp_path):
    page = tmp_path / "noisy.html"
    page.write_text('<script>console.error("boom")</script><div id="kg-status" data-kg-x="1">')
    rendered = render(page)
    assert rendered.status == {"x": "1"} and any("boom" in line for line in rendered.console)


@pytest.mark.browser
def test_payloads_stay_inert_in_chromium(evil_store, tmp_path):
    stats = write_view(evil_store, "themes", tmp_path / "evil.html")
    # open the side panel on the partnership whose label and evidence carry the payloads
    rendered = render(
        tmp_path / "evil.html",
        screenshot="evil-themes.png",
        fragment="node=id:partnership/area-0001",
    )
    _check(rendered, stats)
    assert "&lt;img src=x onerror=window.__pwned=1&gt;" in rendered.dom
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in rendered.dom
    assert '<img src="x"' not in rendered.dom


@pytest.mark.browser
def test_large_view_draws_without_physics(tmp_path):
    store = synthetic_store(700, findings=6)
    stats = write_view(store, "overview", tmp_path / "big.html", max_nodes=1500)
    assert stats.capped and stats.nodes == 1500
    rendered = render(tmp_path / "big.html", screenshot="large-overview.png", budget_ms=60000)
    _check(rendered, stats)
    assert int(rendered.status["draw-ms"]) < 30000


@pytest.mark.browser
def test_report_renders_in_chromium(small_store, tmp_path):
    path = tmp_path / "report.html"
    write_report(small_store, path)
    rendered = render(path, screenshot="report.png", size=(1400, 2400))
    assert rendered.status.get("ready") == "true"
    assert status_json(rendered, "errors") == [] and rendered.console == []
    assert rendered.status.get("pwned") == "undefined"


# ------------------------------------------------------------------ the matrix
def test_polarity_colours_and_text_contrast():
    # text on every cell tint, and muted text on paper, reads at WCAG AA (4.5:1)
    for polarity, levels in tints().items():
        for tint in levels:
            assert contrast(INK, tint) >= 4.5, (polarity, tint)
    assert contrast(MUTED, PAPER) >= 4.5
    colours = [s["color"] for s in POLARITY.values()]
    assert len(set(colours)) == 3
    # a second cue besides colour, one per polarity
    assert len({s["cue"] for s in POLARITY.values()}) == 3


def test_matrix_counts_equal_the_findings_query(seed_store):
    data = to_matrix_data(select_views(seed_store))
    assert data["themes"] and data["groups"] and data["partnerships"]
    # every theme sits under a top concept of the scheme
    groups = {g["id"] for g in data["groups"]}
    assert all(data["groups"][t["group"]]["id"] in groups for t in data["themes"])
    expected = {
        (row["partnership"], row["theme"], row["polarity"], row["finding"])
        for row in run_query(seed_store, "findings").rows
        if row.get("theme")
    }
    got = set()
    for inspection, polarity, themes, statement, *_ in data["findings"]:
        p = data["partnerships"][data["inspections"][inspection]["partnership"]]["label"]
        for t in themes:
            got.add(
                (
                    p,
                    data["themes"][t]["label"],
                    data["polarities"][polarity],
                    data["texts"][statement],
                )
            )
    assert {g for g in got if g[2] != "good practice"} == expected


def test_agency_matrix_marks_bodies_in_every_partnership(small_store):
    data = agency_matrix(select_views(small_store))
    assert data["everywhere"] == ["id:agency/police-scotland"]
    top = data["agencies"][0]
    assert top["id"] == "id:agency/police-scotland" and len(top["partnerships"]) == 8


def _cell_with_most_findings(store):
    rows = [r for r in run_query(store, "findings").rows if r.get("theme")]
    counts = {}
    for row in rows:
        key = (row["partnership"], row["theme"])
        counts.setdefault(key, set()).add((row["polarity"], row["finding"]))
    key = max(counts, key=lambda k: (len({p for p, _ in counts[k]}), len(counts[k]), k))
    return key, counts[key]


@pytest.mark.browser
def test_matrix_cell_lists_exactly_its_findings(seed_store, tmp_path):
    (partnership, theme), expected = _cell_with_most_findings(seed_store)
    data = to_matrix_data(select_views(seed_store))
    row = next(p["id"] for p in data["partnerships"] if p["label"] == partnership)
    col = next(t["id"] for t in data["themes"] if t["label"] == theme)
    path = tmp_path / "matrix.html"
    write_view(seed_store, "matrix", path)
    rendered = render(
        path, screenshot="seeds-matrix-cell.png", fragment=f"cell={row}|{col}", size=(1500, 900)
    )
    assert rendered.status.get("ready") == "true", rendered.status
    assert status_json(rendered, "errors") == [] and rendered.console == []
    listed = {tuple(item) for item in status_json(rendered, "panel")}
    # good practice has no theme in the findings query; the rest must match it exactly
    assert {i for i in listed if i[0] != "good practice"} == expected
    assert len(expected) >= 2
    # the sources name the document by its title and date, not by its file id
    docs = {
        data["documents"][f[5]]["id"]: data["documents"][f[5]]
        for f in data["findings"]
        if data["partnerships"][data["inspections"][f[0]]["partnership"]]["id"] == row
    }
    panel = rendered.dom[rendered.dom.index('id="panel"') :]
    for doc in docs.values():
        assert doc["title"] and html.escape(doc["title"], quote=False) in panel
        assert doc["date"] in panel
    assert f"cell={row}|{col}" in unquote(rendered.status["hash"])


@pytest.mark.browser
def test_matrix_filters_and_collapses_from_the_url(small_store, tmp_path):
    path = tmp_path / "matrix.html"
    stats = write_view(small_store, "matrix", path)
    whole = render(path)
    assert int(whole.status["rows"]) == stats.nodes == 8
    assert int(whole.status["cols"]) == stats.columns
    # synthetic years run 2010..2017 by partnership: 2010-2011 keeps partnerships 0 and 1
    narrowed = render(path, fragment="from=2010&to=2011")
    assert int(narrowed.status["rows"]) == 2


@pytest.mark.browser
def test_matrix_groups_fold_under_the_schemes_top_concepts(seed_store, tmp_path):
    data = to_matrix_data(select_views(seed_store))
    assert len(data["groups"]) < len(data["themes"])
    path = tmp_path / "matrix.html"
    write_view(seed_store, "matrix", path)
    every = ",".join(str(i) for i in range(len(data["groups"])))
    folded = render(path, fragment=f"collapsed={every}")
    assert int(folded.status["cols"]) == len(data["groups"])
    # one group folded: its themes become one column
    first = sum(1 for t in data["themes"] if t["group"] == 0)
    one = render(path, fragment="collapsed=0")
    assert int(one.status["cols"]) == len(data["themes"]) - first + 1


# ------------------------------------------------------------------ networks that stay readable
RESET_SCRIPT = """
(function () {
  var st = document.getElementById("kg-status");
  function go() {
    if (st.getAttribute("data-kg-ready") !== "true") { setTimeout(go, 50); return; }
    var before = kgView.network.getPositions();
    var select = document.querySelector('select[data-facet="partnership"]');
    select.value = select.options[2].value;
    select.dispatchEvent(new Event("change"));
    setTimeout(function () {
      st.setAttribute("data-kg-filtered", kgView.network.body.nodeIndices.length);
      st.setAttribute("data-kg-filtered-hash", location.hash);
      document.getElementById("reset").click();
      setTimeout(function () {
        var after = kgView.network.getPositions(), moved = 0, n = 0;
        Object.keys(before).forEach(function (id) {
          n += 1;
          var a = after[id];
          var dx = a ? Math.abs(a.x - before[id].x) : 1, dy = a ? Math.abs(a.y - before[id].y) : 1;
          if (dx > 0.5 || dy > 0.5) moved += 1;
        });
        st.setAttribute("data-kg-compared", n);
        st.setAttribute("data-kg-moved", moved);
      }, 600);
    }, 600);
  }
  go();
})();
"""


@pytest.mark.browser
def test_filter_then_reset_keeps_every_position(small_store, tmp_path):
    path = tmp_path / "themes.html"
    stats = write_view(small_store, "themes", path)
    rendered = render(path, inject=RESET_SCRIPT)
    _check(rendered, stats)
    assert int(rendered.status["filtered"]) < stats.nodes  # the filter hid something
    assert "partnership=" in unquote(rendered.status["filtered-hash"])  # and said so in the URL
    assert int(rendered.status["compared"]) == stats.nodes
    assert int(rendered.status["moved"]) == 0


def test_edges_keep_their_colours_and_parallel_edges_part(seed_store):
    data = select_view(seed_store, "themes")
    for edge in data.edges:
        colour = edge["color"]
        assert colour["highlight"] == colour["hover"] == colour["color"]
    pairs = {}
    for edge in data.edges:
        pairs.setdefault(tuple(sorted((edge["from"], edge["to"]))), []).append(edge)
    doubled = [group for group in pairs.values() if len(group) > 1]
    assert doubled
    for group in doubled:
        curves = {(e["smooth"]["type"], e["smooth"]["roundness"]) for e in group}
        assert len(curves) == len(group)
    # improvement edges carry a dash cue besides their colour
    assert all(e["dashes"] for e in data.edges if e.get("polarity") == "improvement")


def test_views_show_only_their_facets_and_plain_counts(small_store):
    assert set(select_view(small_store, "agencies").facets) == {"partnership", "year"}
    assert set(select_view(small_store, "themes").facets) == {
        "theme",
        "partnership",
        "polarity",
        "year",
    }
    data = select_view(small_store, "themes")
    words = {fact for d in data.details.values() for fact, _ in d["facts"]}
    assert not {"betweenness", "degree centrality", "community"} & words


def test_agencies_view_leaves_out_bodies_in_every_partnership(small_store):
    data = select_view(small_store, "agencies")
    assert "id:agency/police-scotland" not in {n["id"] for n in data.nodes}
    assert "Police Scotland" in data.note


def test_evidence_cites_titles_and_merges_identical_sentences(seed_store):
    data = select_view(seed_store, "overview")
    assert data.extra["documents"]
    assert all(d["title"] for d in data.extra["documents"].values())
    for details in data.details.values():
        texts = [e["text"] for e in details["evidence"]]
        assert len(texts) == len(set(texts))


FOCUS_STORE = 40  # partnerships: about 110 nodes in the overview, above FOCUS_MIN


@pytest.mark.browser
def test_focus_mode_shows_the_chosen_neighbourhood_and_fades_the_rest(tmp_path):
    from kg.views.network import FOCUS_MIN

    store = synthetic_store(FOCUS_STORE)
    path = tmp_path / "overview.html"
    stats = write_view(store, "overview", path)
    data = select_view(store, "overview")
    assert stats.nodes > FOCUS_MIN and data.extra["focusMode"]
    # inspections are folded into their partnership
    assert not any(n["kind"] in {"JointInspection", "ProgressReview"} for n in data.nodes)
    chosen = "id:partnership/area-0007"
    neighbours = {e["to"] for e in data.edges if e["from"] == chosen}
    neighbours |= {e["from"] for e in data.edges if e["to"] == chosen}
    rendered = render(path, screenshot="focus-overview.png", fragment=f"focus={chosen}")
    _check(rendered, stats)
    assert int(rendered.status["visible-nodes"]) == len(neighbours | {chosen})
    # the rest of the graph is faded, not hidden: still drawn, where it was
    assert int(rendered.status["faded-nodes"]) == stats.nodes - len(neighbours | {chosen})
    # only the neighbourhood's nodes carry labels; most of the rest have none to start with
    unlabelled = sum(1 for n in data.nodes if not n["label"])
    assert unlabelled > stats.nodes // 2


# ------------------------------------------------------------------ notebook
IFRAME_SCRIPT = """
(function () {
  var st = document.getElementById("kg-status");
  function go() {
    var frame = document.querySelector("iframe");
    var inner = frame.contentDocument && frame.contentDocument.getElementById("kg-status");
    if (!inner || inner.getAttribute("data-kg-ready") !== "true") { setTimeout(go, 50); return; }
    ["ready", "rows", "nodes", "errors"].forEach(function (k) {
      var v = inner.getAttribute("data-kg-" + k);
      if (v !== null) st.setAttribute("data-kg-" + k, v);
    });
  }
  go();
})();
"""


@pytest.mark.browser
@pytest.mark.parametrize("view", ["matrix", "themes"])
def test_views_draw_inline_in_a_notebook(small_store, tmp_path, view):
    shown = select_view(small_store, view)
    cell = shown._repr_html_()
    assert cell.startswith("<iframe srcdoc=") and "<script" not in cell  # all inside srcdoc
    if view == "themes":
        assert build_view(small_store, view)._repr_html_() == cell
    page = tmp_path / "notebook.html"
    page.write_text(f'<!DOCTYPE html><body>{cell}<div id="kg-status"></div></body>')
    rendered = render(page, inject=IFRAME_SCRIPT)
    assert rendered.status.get("ready") == "true", rendered.status
    assert status_json(rendered, "errors") == [] and rendered.console == []
    drawn = rendered.status.get("rows") if view == "matrix" else rendered.status.get("nodes")
    assert int(drawn) == len(shown.nodes)


def test_readme_notebook_example_runs(tmp_path, monkeypatch):
    from pathlib import Path

    from kg.pipeline import build
    from kg.store import Store

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Views", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"```python\n(.+?)\n```", section, flags=re.S).group(1)
    store = Store(tmp_path / "kg-store")
    assert build([root / "seeds"], store).failed == []
    del store
    monkeypatch.chdir(tmp_path)
    lines = example.splitlines()
    namespace: dict = {}
    exec("\n".join(lines[:-2]), namespace)  # imports and the store
    for line in lines[-2:]:
        shown = eval(line.split("#")[0].strip(), namespace)
        assert shown._repr_html_().startswith("<iframe srcdoc=")


@pytest.mark.browser
def test_network_year_range_from_the_url(small_store, tmp_path):
    path = tmp_path / "agencies.html"
    stats = write_view(small_store, "agencies", path)
    data = select_view(small_store, "agencies")
    assert data.facets["year"] == [str(y) for y in range(2010, 2018)]
    inside = [
        n["id"]
        for n in data.nodes
        if any(2010 <= int(y) <= 2011 for y in data.details[n["id"]]["facets"]["year"])
    ]
    rendered = render(path, fragment="from=2010&to=2011")
    _check(rendered, stats)
    assert 0 < int(rendered.status["visible-nodes"]) == len(inside) < stats.nodes


def _reinspected_store():
    """The synthetic store, with partnership 0 inspected again in 2019: an improvement on a theme
    whose only finding in 2010 was a strength (partnership 0's first finding)."""
    from rdflib import RDF, RDFS, XSD, Literal
    from rdflib.namespace import DCTERMS

    g = synthetic_graph(3)
    theme = mint_iri("theme", THEMES[0])
    doc = mint_iri("document", "900_later")
    g.add((doc, RDF.type, IKG.Document))
    g.add((doc, DCTERMS.identifier, Literal("900_later")))
    g.add((doc, DCTERMS.issued, Literal("2019-03-15", datatype=XSD.date)))
    insp = mint_iri("inspection", "area-0000", "later")
    g.add((insp, RDF.type, IKG.JointInspection))
    g.add((insp, IKG.inspected, mint_iri("partnership", "area-0000")))
    g.add((insp, IKG.describedIn, doc))
    g.add((insp, IKG.leadInspectorate, mint_iri("inspectorate", "Care Inspectorate")))
    finding = mint_iri("finding", "900_later", "1-20")
    g.add((finding, RDF.type, IKG.AreaForImprovement))
    g.add((finding, RDFS.label, Literal("A finding of 2019 only.")))
    g.add((finding, IKG.theme, theme))
    g.add((insp, IKG.finding, finding))
    store = Store(None)
    store.replace_graph(GRAPH["synthetic"], g)
    return store, theme


def test_network_edges_carry_the_years_of_their_inspections():
    store, theme = _reinspected_store()
    data = select_view(store, "themes")
    p0 = "id:partnership/area-0000"
    t = curie(str(theme))
    years = {(e["from"], e["to"], e["relation"]): e.get("years") for e in data.edges}
    later = (p0, t, "improvement")
    own = [y for key, y in years.items() if p0 in key[:2] and key != later]
    assert own and all(y == ["2010"] for y in own)
    assert years[later] == ["2019"] and years[(p0, t, "strength")] == ["2010"]
    # the partnership was inspected in both years; the theme only in 2019
    assert data.details[p0]["facets"]["year"] == ["2010", "2019"]
    assert data.details[t]["facets"]["year"] == ["2010", "2019"]


@pytest.mark.browser
def test_network_year_range_hides_edges_outside_it(tmp_path):
    store, _ = _reinspected_store()
    path = tmp_path / "themes.html"
    stats = write_view(store, "themes", path)
    data = select_view(store, "themes")

    def inside(years):
        return any(y == "2010" for y in years)

    nodes = {n["id"] for n in data.nodes if inside(data.details[n["id"]]["facets"]["year"])}
    edges = [
        e
        for e in data.edges
        if e["from"] in nodes and e["to"] in nodes and inside(e.get("years") or ["2010"])
    ]
    joined = [e for e in data.edges if e["from"] in nodes and e["to"] in nodes]
    assert len(edges) < len(joined)  # the 2019 edge joins two nodes that stay
    rendered = render(path, fragment="from=2010&to=2010")
    _check(rendered, stats)
    assert int(rendered.status["visible-nodes"]) == len(nodes)
    assert int(rendered.status["visible-edges"]) == len(edges)


REPORT_YEARS = """
(function () {
  var from = document.getElementById("year-from");
  from.value = "2016";
  from.dispatchEvent(new Event("change"));
  var spans = document.querySelectorAll("table.matrix td.cell span.c:not(.blank)");
  var shown = 0;
  Array.prototype.forEach.call(spans, function (s) { shown += +s.textContent; });
  var rows = {};
  Array.prototype.forEach.call(spans, function (s) {
    rows[s.closest("td").getAttribute("data-p")] = 1;
  });
  var st = document.getElementById("kg-status");
  st.setAttribute("data-kg-shown", shown);
  st.setAttribute("data-kg-rows", Object.keys(rows).length);
  var dimmed = document.querySelectorAll("circle.out, rect.out, g.out");
  st.setAttribute("data-kg-dimmed", dimmed.length);
  st.setAttribute("data-kg-link", document.getElementById("matrix-link").getAttribute("href"));
})();
"""


@pytest.mark.browser
def test_report_year_range_recounts_the_matrix(small_store, tmp_path):
    path = tmp_path / "report.html"
    write_report(small_store, path)
    data = to_matrix_data(select_views(small_store))
    # cell counts (finding x theme) of inspections from 2016 on
    expected = sum(len(f[2]) for f in data["findings"] if data["inspections"][f[0]]["year"] >= 2016)
    partnerships = {
        data["inspections"][f[0]]["partnership"]
        for f in data["findings"]
        if data["inspections"][f[0]]["year"] >= 2016
    }
    rendered = render(path, inject=REPORT_YEARS, size=(1400, 2400))
    assert rendered.status.get("ready") == "true"
    assert status_json(rendered, "errors") == [] and rendered.console == []
    assert rendered.status["years"] == "2016-2017"
    assert int(rendered.status["shown"]) == expected > 0
    assert int(rendered.status["rows"]) == len(partnerships) < len(data["partnerships"])
    assert int(rendered.status["dimmed"]) > 0
    assert rendered.status["link"].endswith("#from=2016&amp;to=2017") or rendered.status[
        "link"
    ].endswith("#from=2016&to=2017")


def test_node_types_differ_in_colour_and_the_legend_draws_each_shape():
    from kg.views.network import STYLE

    drawn = {"dot", "square", "diamond", "triangle", "triangleDown", "hexagon", "star"}
    template = TEMPLATE.read_text()
    for kind, style in STYLE.items():
        assert style["shape"] in drawn, kind
        assert f'shape === "{style["shape"]}"' in template
    kinds = [k for k in STYLE if k not in {"JointInspection", "Inspection"}]
    colours = [STYLE[k]["color"].lower() for k in kinds]
    assert len(set(colours)) == len(colours)


@pytest.mark.browser
def test_matrix_reads_programmes_when_the_graph_has_them(tmp_path):
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import SKOS

    from kg.namespace import GRAPH, mint_iri

    store = synthetic_store(6)
    extra = Graph()
    # the model's property name is not fixed yet: any link to an id:programme/ concept counts
    relation = URIRef("https://w3id.org/inspection-kg/def#programme")
    programme = URIRef("https://w3id.org/inspection-kg/id/programme/children-at-risk-of-harm-2021")
    extra.add((programme, SKOS.prefLabel, Literal("children at risk of harm", lang="en")))
    for n in (1, 4):  # two of the six partnerships' inspections belong to the programme
        extra.add((mint_iri("inspection", f"area-{n:04d}", "2016"), relation, programme))
    store.replace_graph(GRAPH["programmes"], extra)
    data = to_matrix_data(select_views(store))
    assert data["programmes"] == [
        {"key": "children-at-risk-of-harm-2021", "label": "children at risk of harm"}
    ]
    path = tmp_path / "matrix.html"
    write_view(store, "matrix", path)
    everything = render(path)
    assert int(everything.status["rows"]) == 6
    narrowed = render(path, fragment="programme=children-at-risk-of-harm-2021&rows=inspection")
    assert status_json(narrowed, "errors") == []
    assert int(narrowed.status["rows"]) == 2


def test_tile_grid_holds_the_32_council_areas_once():
    import csv as _csv
    from pathlib import Path

    from kg.views.tiles import read_tiles

    tiles = read_tiles()
    organisations = Path(__file__).resolve().parent.parent / "kg" / "data" / "organisations.csv"
    with organisations.open(encoding="utf-8") as handle:
        areas = {r["gss"]: r["key"] for r in _csv.DictReader(handle) if r["kind"] == "area"}
    assert len(tiles) == 32 == len(areas)
    assert {t["gss"]: t["key"] for t in tiles} == areas
    assert len({(t["row"], t["col"]) for t in tiles}) == 32  # no two areas on one square


def test_tile_map_counts_each_areas_findings(seed_store):
    from kg.views.tiles import area_counts

    data = to_matrix_data(select_views(seed_store))
    areas = area_counts(data)
    # the seeds' five partnerships sit in five council areas, placed by their GSS codes
    assert len(areas) == 5
    improvements = {
        row["partnership"]
        for row in run_query(seed_store, "findings").rows
        if row["polarity"] == "improvement" and row.get("theme")
    }
    inverclyde = areas["S12000018"]
    assert inverclyde["partnerships"] == ["Inverclyde Alliance"]
    expected = sum(
        1
        for row in run_query(seed_store, "findings").rows
        if row["partnership"] == "Inverclyde Alliance"
        and row["polarity"] == "improvement"
        and row.get("theme")
    )
    assert sum(c[1] for c in inverclyde["counts"].values()) == expected
    assert improvements
