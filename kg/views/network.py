"""Views (stage 8): interactive, offline HTML pictures of the graph, drawn with vis-network.

Each view is a networkx graph built from the analysis selections (SPARQL rows), styled by a
dict keyed by node type, laid out in Python, and written into ``kg/templates/view.html``
with vis-network's JavaScript and CSS inlined from the pyvis package: the page loads
nothing from the network.

Safety: every text reaches the page as JSON inside ``<script type="application/json">``
with ``<``, ``>`` and ``&`` escaped, is read with ``JSON.parse`` and shown through
``textContent`` (side panel) or vis's plain-text tooltips; the title and description are
HTML-escaped. No HTML from the data is ever interpreted.

Views: ``overview`` (partnerships, inspections, inspectorates, agencies, themes),
``themes`` (partnership-theme findings), ``agencies`` (partnership membership),
``inspectorates`` (who inspected whom, with whom), ``people`` (who held which post when).
"""

from __future__ import annotations

import html
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pyvis
from pyvis.network import Network

from kg.analysis import (
    SEED,
    Selection,
    curie,
    pick_type,
    to_people_graph,
    to_theme_bipartite_graph,
)
from kg.errors import KgError
from kg.store import Store
from kg.views.matrix import agency_matrix
from kg.views.page import fill_template, inline_safe, page_head, to_iframe, to_script_json
from kg.views.select import as_view_selection, web_address, year_of
from kg.views.style import POLARITY

TEMPLATE = Path(__file__).parent / "templates" / "network.html"
MAX_NODES = 2000
"""Above this many nodes a view keeps the most connected ones and says so on the page."""
PHYSICS_MAX = 300
"""Up to this many nodes vis-network settles the Python layout with physics, then stops."""
MAX_EVIDENCE = 25
"""Evidence sentences kept per node or edge (the rest are counted)."""
LABEL_CHARS = 42

#: Node style by type: legend label, colour, vis shape.
STYLE: dict[str, dict[str, str]] = {
    "Partnership": {"label": "partnership", "color": "#1f5fa8", "shape": "dot"},
    "Inspection": {"label": "inspection", "color": "#6b7280", "shape": "square"},
    "JointInspection": {"label": "joint inspection", "color": "#6b7280", "shape": "square"},
    "ProgressReview": {"label": "progress review", "color": "#b4b9c2", "shape": "square"},
    "Inspectorate": {"label": "inspectorate", "color": "#b91c1c", "shape": "star"},
    "Theme": {"label": "theme", "color": "#6d28d9", "shape": "diamond"},
    "Council": {"label": "council", "color": "#15803d", "shape": "triangle"},
    "NHSBoard": {"label": "NHS board", "color": "#0e7490", "shape": "triangleDown"},
    "HealthAndSocialCarePartnership": {
        "label": "health & social care partnership",
        "color": "#5eead4",
        "shape": "hexagon",
    },
    "PoliceService": {"label": "police", "color": "#1e1b4b", "shape": "triangle"},
    "FireAndRescueService": {"label": "fire and rescue", "color": "#ea580c", "shape": "triangle"},
    "College": {"label": "college", "color": "#facc15", "shape": "triangle"},
    "ThirdSectorBody": {"label": "third sector", "color": "#db2777", "shape": "triangle"},
    "BusinessBody": {"label": "business body", "color": "#78350f", "shape": "triangle"},
    "GovernmentBody": {"label": "government", "color": "#374151", "shape": "triangleDown"},
    "NationalAgency": {"label": "national agency", "color": "#84cc16", "shape": "triangleDown"},
    "Agency": {"label": "agency", "color": "#a3a3a3", "shape": "triangle"},
    "Organisation": {"label": "organisation", "color": "#e5e7eb", "shape": "triangle"},
    "Person": {"label": "person", "color": "#ca8a04", "shape": "dot"},
    "Post": {"label": "post", "color": "#fde68a", "shape": "square"},
}
#: Edge style by relation (or polarity): legend label, colour, dashes.
EDGE_STYLE: dict[str, dict[str, object]] = {
    "strength": {"label": "strength", "color": POLARITY["strength"]["color"], "dashes": False},
    "improvement": {
        "label": "area for improvement",
        "color": POLARITY["improvement"]["color"],
        "dashes": [9, 5],
    },
    "good practice": {
        "label": "good practice",
        "color": POLARITY["good practice"]["color"],
        "dashes": [2, 4],
    },
    "member": {"label": "member of partnership", "color": "#9ab3c9", "dashes": False},
    "inspected": {"label": "inspection of", "color": "#6b7280", "dashes": [2, 3]},
    "lead": {"label": "lead inspectorate", "color": "#c53030", "dashes": False},
    "participating": {"label": "participating inspectorate", "color": "#feb2b2", "dashes": True},
    "co-inspected": {"label": "inspected together", "color": "#742a2a", "dashes": False},
    "holds": {"label": "holds post", "color": "#d69e2e", "dashes": False},
    "post in": {"label": "post in", "color": "#cbd5e0", "dashes": True},
}
FACETS = ("theme", "partnership", "inspectorate", "polarity", "year")
#: The filters each view offers (only facets its nodes and edges can answer).
VIEW_FACETS: dict[str, tuple[str, ...]] = {
    "overview": FACETS,
    "themes": ("theme", "partnership", "polarity", "year"),
    "agencies": ("partnership", "year"),
    "inspectorates": ("inspectorate", "partnership", "year"),
    "people": (),
}
FOCUS_MIN = 100
"""Above this many nodes a view opens in focus mode (one node and its neighbours) and folds
inspections into their partnership."""
FOCUS_EDGES = 400
"""... or above this many edges (a dense graph of few nodes is a hairball too)."""
LABELLED = 40
"""Above FOCUS_MIN nodes only this many (the most connected) carry a label on the canvas."""
_PARTNERSHIP_SUFFIX = re.compile(
    r"\s+(community planning partnership|partnership|alliance)$", re.IGNORECASE
)

VIEWS: dict[str, str] = {
    "overview": "Partnerships, their inspections and inspectorates, member agencies and the "
    "themes of their findings.",
    "themes": "Which partnerships had strengths (blue, solid), areas for improvement (orange, "
    "dashed) and good practice (green, dotted) on which themes; themes shared by many "
    "partnerships sit in the middle.",
    "agencies": "Agencies and the partnerships they are members of; agencies in several "
    "partnerships join them up.",
    "inspectorates": "Inspectorates, the partnerships they inspected (lead solid, participating "
    "dashed) and how often they inspected together.",
    "people": "People, the posts they held and the organisations of those posts, dated by the "
    "document that names them.",
}


@dataclass(frozen=True)
class ViewStats:
    """What a written view holds."""

    view: str
    nodes: int
    edges: int
    total_nodes: int
    total_edges: int
    seconds: float = 0.0

    @property
    def capped(self) -> bool:
        """True when the view keeps only part of the graph."""
        return self.nodes < self.total_nodes

    def __str__(self) -> str:
        capped = f" of {self.total_nodes}" if self.capped else ""
        return f"{self.view}: {self.nodes}{capped} nodes, {self.edges} edges"


@dataclass
class ViewData:
    """A view ready to draw: vis nodes and edges, per-item details, facets, options."""

    view: str
    title: str
    description: str
    note: str
    nodes: list[dict]
    edges: list[dict]
    details: dict[str, dict]
    edge_details: dict[str, dict]
    facets: dict[str, list[str]]
    legend: dict[str, list[dict]]
    options: dict
    total_nodes: int = 0
    total_edges: int = 0
    extra: dict = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """Jupyter shows the page inline (an iframe with ``srcdoc``; nothing is fetched)."""
        return to_iframe(to_html(self))

    def payload(self) -> dict:
        """The JSON the page reads."""
        return {
            "view": self.view,
            "nodes": self.nodes,
            "edges": self.edges,
            "details": self.details,
            "edgeDetails": self.edge_details,
            "facets": self.facets,
            "legend": self.legend,
            "options": self.options,
            "sizeBy": "how many other nodes it is joined to",
            "widthBy": "how many findings, memberships or inspections it stands for",
            "documents": self.extra.get("documents", {}),
            "focusMode": self.extra.get("focusMode", False),
        }


# ------------------------------------------------------------------ building view graphs
class _Builder:
    """Collects one view's nodes and edges with their facts, evidence and facets."""

    def __init__(self, selection: Selection) -> None:
        self.graph = nx.MultiGraph()
        self.partnership_facets: dict[str, dict[str, set[str]]] = defaultdict(
            lambda: {key: set() for key in FACETS}
        )
        for row in selection.findings:
            facets = self.partnership_facets[curie(row["partnership"])]
            facets["partnership"].add(row["partnershipLabel"] or "")
            if row.get("themeLabel"):
                facets["theme"].add(row["themeLabel"])
            facets["polarity"].add(row["polarity"] or "")
        # an inspection's years: fieldwork, else publication (its IRI names no year since 0.5)
        self.inspection_years: dict[str, set[str]] = defaultdict(set)
        for row in selection.inspections:
            year = year_of(row.get("fieldworkStart"), row.get("published"), row["inspection"])
            if year:
                self.inspection_years[row["inspection"]].add(str(year))
        for row in selection.findings:
            facets = self.partnership_facets[curie(row["partnership"])]
            facets["year"].update(self.years_of(row["inspection"]))
        for row in selection.inspections:
            facets = self.partnership_facets[curie(row["partnership"])]
            facets["partnership"].add(row["partnershipLabel"] or "")
            facets["year"].update(self.years_of(row["inspection"]))
            if row.get("inspectorateLabel"):
                facets["inspectorate"].add(row["inspectorateLabel"])
        for row in selection.memberships:
            self.partnership_facets[curie(row["partnership"])]["partnership"].add(
                row["partnershipLabel"] or ""
            )

    def years_of(self, inspection: str) -> set[str]:
        """The years of ``inspection`` (full IRI), from its rows or, failing those, its IRI."""
        if inspection in self.inspection_years:
            return self.inspection_years[inspection]
        year = year_of(inspection)
        return {str(year)} if year else set()

    def node(self, node: str, label: str | None, kind: str, **direct: str) -> dict:
        """Add (or get) a node; ``direct`` facet values are its own (a theme is its theme)."""
        if node not in self.graph:
            self.graph.add_node(
                node,
                label=label or node,
                type=kind,
                facts={},
                evidence=[],
                anchors=set(),
                direct={key: set() for key in FACETS},
            )
        data = self.graph.nodes[node]
        for key, value in direct.items():
            if value:
                data["direct"][key].add(value)
        if kind == "Partnership":
            data["anchors"].add(node)
        return data

    def edge(self, a: str, b: str, relation: str, weight: float = 1, **attrs) -> dict:
        """Add (or reinforce) the ``relation`` edge between ``a`` and ``b``."""
        if self.graph.has_edge(a, b, key=relation):
            data = self.graph[a][b][relation]
            data["weight"] += weight
        else:
            self.graph.add_edge(a, b, key=relation, relation=relation, weight=weight, evidence=[])
            data = self.graph[a][b][relation]
        data.update({k: v for k, v in attrs.items() if k != "evidence"})
        if attrs.get("evidence"):
            data["evidence"].append(attrs["evidence"])
        # partnerships anchor their neighbours' facets
        for x, y in ((a, b), (b, a)):
            if self.graph.nodes[x]["type"] == "Partnership":
                self.graph.nodes[y]["anchors"].add(x)
        return data

    @staticmethod
    def evidence(row: dict, text_key: str = "evidence") -> dict | None:
        text = row.get(text_key)
        return {"text": text, "document": row.get("document") or ""} if text else None

    # --------------------------------------------------------------- parts
    def add_inspections(self, selection: Selection, with_inspection_nodes: bool) -> None:
        for row in selection.inspections:
            p = curie(row["partnership"])
            self.node(p, row["partnershipLabel"], "Partnership")
            kind = pick_type(row.get("inspectionTypes"), "Inspection")
            inspection = curie(row["inspection"])
            year = str(
                year_of(row.get("fieldworkStart"), row.get("published"), row["inspection"]) or ""
            )
            if with_inspection_nodes:
                place = _PARTNERSHIP_SUFFIX.sub("", row["partnershipLabel"] or "")
                label = f"{place} {STYLE[kind]['label']} {year}".strip()
                data = self.node(inspection, label, kind, year=year)
                data["facts"].update(
                    {
                        "partnership": row["partnershipLabel"],
                        "document": row.get("document") or "",
                        "published": row.get("published") or "",
                        "fieldwork from": row.get("fieldworkStart") or "",
                    }
                )
                ev = self.evidence(row)
                if ev and ev not in data["evidence"]:
                    data["evidence"].append(ev)
                if not self.graph.has_edge(inspection, p):
                    self.edge(inspection, p, "inspected", weight=1)
            if not row.get("inspectorate"):
                continue
            i = curie(row["inspectorate"])
            idata = self.node(
                i, row["inspectorateLabel"], "Inspectorate", inspectorate=row["inspectorateLabel"]
            )
            relation = "lead" if row.get("isLead") == "true" else "participating"
            target = inspection if with_inspection_nodes else p
            edge = self.edge(i, target, relation, weight=1)
            edge.setdefault("inspections", set()).add(row.get("document") or inspection)
            edge.setdefault("years", set()).update(self.years_of(row["inspection"]))
            idata["facts"].setdefault("inspections", set()).add(inspection)
            if with_inspection_nodes:
                self.graph.nodes[inspection]["direct"]["inspectorate"].add(row["inspectorateLabel"])

    def add_co_inspection(self, selection: Selection) -> None:
        by_inspection: dict[str, set[str]] = defaultdict(set)
        for row in selection.inspections:
            if row.get("inspectorate"):
                by_inspection[row["inspection"]].add(curie(row["inspectorate"]))
        for inspection, members in by_inspection.items():
            ordered = sorted(members)
            for n, a in enumerate(ordered):
                for b in ordered[n + 1 :]:
                    edge = self.edge(a, b, "co-inspected", weight=1)
                    edge.setdefault("inspections", set()).add(curie(inspection))
                    edge.setdefault("years", set()).update(self.years_of(inspection))

    def add_memberships(self, selection: Selection) -> None:
        for row in selection.memberships:
            p = curie(row["partnership"])
            a = curie(row["agency"])
            self.node(p, row["partnershipLabel"], "Partnership")
            kind = pick_type(row.get("agencyTypes"), "Agency")
            data = self.node(a, row["agencyLabel"], kind)
            data["facts"].setdefault("partnerships", set()).add(row["partnershipLabel"])
            self.edge(p, a, "member", weight=1, evidence=self.evidence(row))

    def add_findings(self, selection: Selection) -> None:
        bipartite = to_theme_bipartite_graph(selection.findings)
        for p, t, polarity, data in bipartite.edges(keys=True, data=True):
            if bipartite.nodes[p]["type"] != "Partnership":
                p, t = t, p
            plabel, tlabel = bipartite.nodes[p]["label"], bipartite.nodes[t]["label"]
            self.node(p, plabel, "Partnership")
            theme = self.node(t, tlabel, "Theme", theme=tlabel, polarity=polarity)
            theme["facts"].setdefault("partnerships with findings on it", set()).add(plabel)
            counts = theme["facts"].setdefault("findings", defaultdict(int))
            counts[polarity] += data["weight"]
            edge = self.edge(p, t, polarity, weight=data["weight"], polarity=polarity)
            for finding in data["findings"]:
                edge.setdefault("years", set()).update(self.years_of(finding["inspection"]))
                item = {
                    "text": finding["evidence"] or finding["label"],
                    "document": finding["document"],
                }
                edge["evidence"].append(item)
                theme["evidence"].append({**item, "text": f"[{polarity}] {item['text']}"})
                self.graph.nodes[p]["evidence"].append(
                    {**item, "text": f"[{polarity}, {tlabel}] {item['text']}"}
                )

    def add_people(self, selection: Selection) -> None:
        people = to_people_graph(selection.post_holdings)
        for node, data in people.nodes(data=True):
            kind = data["type"]
            direct = {}
            if kind == "Inspectorate":
                direct["inspectorate"] = data["label"]
            if kind == "Partnership":
                direct["partnership"] = data["label"]
            self.node(node, data["label"], kind, **direct)
        for a, b, data in people.edges(data=True):
            edge = self.edge(a, b, data["relation"], weight=1)
            if data["relation"] == "holds":
                person, post = (a, b) if people.nodes[a]["type"] == "Person" else (b, a)
                dates = ", ".join(data.get("asOf") or []) or "date unknown"
                edge["years"] = {d[:4] for d in data.get("asOf") or [] if d[:4].isdigit()}
                edge["label"] = dates
                edge["evidence"].extend(data.get("evidence") or [])
                self.graph.nodes[person]["evidence"].extend(data.get("evidence") or [])
                self.graph.nodes[person]["facts"].setdefault("posts", set()).add(
                    f"{people.nodes[post]['label']} ({dates})"
                )
        for row in selection.quotations:
            person = curie(row["person"])
            if person in self.graph:
                self.graph.nodes[person]["evidence"].append(
                    {"text": f"“{row['quote']}”", "document": row.get("document") or ""}
                )


def to_view_graph(selection: Selection, view: str) -> nx.MultiGraph:
    """The multigraph of ``view`` (pure): nodes with label, type, facts, evidence, facets."""
    if view not in VIEWS:
        raise KgError(f"{view}: no such view (known: {', '.join(VIEWS)})")
    builder = _Builder(selection)
    if view == "overview":
        # folded first (the costly part at scale); small graphs are built again unfolded
        builder.add_inspections(selection, with_inspection_nodes=False)
        builder.add_memberships(selection)
        builder.add_findings(selection)
        inspections = len({row["inspection"] for row in selection.inspections})
        if builder.graph.number_of_nodes() + inspections > FOCUS_MIN:
            builder.graph.graph["note"] = (
                "Inspections are folded into their partnership (click a partnership for them)."
            )
        else:
            builder = _Builder(selection)
            builder.add_inspections(selection, with_inspection_nodes=True)
            builder.add_memberships(selection)
            builder.add_findings(selection)
    elif view == "themes":
        builder.add_findings(selection)
    elif view == "agencies":
        builder.add_memberships(selection)
        everywhere = agency_matrix(selection)["everywhere"]
        if everywhere:
            names = sorted(builder.graph.nodes[a]["label"] for a in everywhere)
            builder.graph.remove_nodes_from(everywhere)
            builder.graph.graph["note"] = (
                f"Left out, being in every (or nearly every) partnership: {', '.join(names)} "
                "(see the report's agency x partnership matrix)."
            )
    elif view == "inspectorates":
        builder.add_inspections(selection, with_inspection_nodes=False)
        builder.add_co_inspection(selection)
    elif view == "people":
        builder.add_people(selection)
    graph = builder.graph
    graph.graph["view"] = view
    graph.graph["documents"] = {
        row["document"]: {
            "title": row.get("title") or "",
            "date": row.get("issued") or "",
            "publisher": row.get("publisher") or "",
            "url": web_address(row.get("url"), row.get("source")),
        }
        for row in getattr(selection, "documents", [])
    }
    for node, data in graph.nodes(data=True):
        # a theme or an inspectorate is as old as its dated edges (not its partnerships' years)
        edges = list(graph.edges(node, data=True))
        if data["type"] not in ("Partnership", "Person") and not data["direct"]["year"]:
            if edges and all(d.get("years") for _, _, d in edges):
                data["direct"]["year"] = set().union(*(d["years"] for _, _, d in edges))
        facets = {}
        for key in FACETS:
            if data["direct"][key]:
                facets[key] = set(data["direct"][key])
            else:
                facets[key] = set().union(
                    *(builder.partnership_facets[p][key] for p in data["anchors"])
                )
        facets["partnership"] |= {graph.nodes[p]["label"] for p in data["anchors"]}
        data["facets"] = {k: sorted(v - {""}) for k, v in facets.items()}
    return graph


# ------------------------------------------------------------------ layout
def _fruchterman_reingold(n: int, pairs: np.ndarray, seed: int, iterations: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.random(n, dtype=np.float32)
    y = rng.random(n, dtype=np.float32)
    k2 = np.float32(1.0 / n)
    k = np.float32(math.sqrt(k2))
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        inv = dx * dx
        inv += dy * dy
        np.maximum(inv, np.float32(1e-4), out=inv)
        np.divide(k2, inv, out=inv)
        fx = (dx * inv).sum(axis=1)
        fy = (dy * inv).sum(axis=1)
        if len(pairs):
            ex = x[pairs[:, 0]] - x[pairs[:, 1]]
            ey = y[pairs[:, 0]] - y[pairs[:, 1]]
            length = np.sqrt(ex * ex + ey * ey) / k
            np.add.at(fx, pairs[:, 0], -ex * length)
            np.add.at(fx, pairs[:, 1], ex * length)
            np.add.at(fy, pairs[:, 0], -ey * length)
            np.add.at(fy, pairs[:, 1], ey * length)
        gravity = np.float32(0.05 * n * k)
        fx -= (x - x.mean()) * gravity  # gravity keeps components together
        fy -= (y - y.mean()) * gravity
        length = np.sqrt(fx * fx + fy * fy)
        np.maximum(length, np.float32(1e-6), out=length)
        step = np.minimum(length, temperature) / length
        x += fx * step
        y += fy * step
        temperature -= cooling
    return np.stack([x - x.mean(), y - y.mean()], axis=1)


def spring_positions(graph: nx.Graph, seed: int = SEED) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold positions (numpy, deterministic) scaled to pixels.

    networkx's own spring layout needs scipy above 500 nodes; this one does not. Nodes
    with one neighbour are left out of the simulation and set in a ring around it, which
    keeps big, star-like graphs fast.
    """
    if graph.number_of_nodes() == 0:
        return {}
    leaves = {node for node in graph if graph.degree(node) == 1}
    # a pair of leaves joined only to each other stays in the simulation
    leaves = {node for node in leaves if next(iter(graph[node])) not in leaves}
    core = [node for node in graph if node not in leaves]
    index = {node: i for i, node in enumerate(core)}
    pairs = np.array(
        [(index[u], index[v]) for u, v in graph.edges() if u != v and u in index and v in index],
        dtype=np.int64,
    ).reshape(-1, 2)
    n = len(core)
    iterations = 50 if n <= 1000 else 25
    pos = _fruchterman_reingold(n, pairs, seed, iterations) if n > 1 else np.zeros((n, 2))
    span = float(np.abs(pos).max()) if n > 1 else 1.0
    scale = 80.0 * math.sqrt(max(n, 1)) / (span or 1.0)
    positions = {
        node: (float(pos[i, 0]) * scale, float(pos[i, 1]) * scale) for node, i in index.items()
    }
    around: dict[str, list[str]] = defaultdict(list)
    for leaf in sorted(leaves):
        around[next(iter(graph[leaf]))].append(leaf)
    for parent, children in around.items():
        px, py = positions[parent]
        radius = 70.0 + 4.0 * len(children)
        for i, child in enumerate(children):
            angle = 2 * math.pi * i / len(children) + 0.3
            positions[child] = (px + radius * math.cos(angle), py + radius * math.sin(angle))
    return positions


# ------------------------------------------------------------------ view data
def _short(text: str, limit: int = LABEL_CHARS) -> str:
    """Shorten a label for drawing (the panel shows it whole).

    >>> _short("a" * 50, 10)
    'aaaaaaaaa…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fact_value(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    if isinstance(value, (set, list, tuple)):
        items = sorted(str(v) for v in value)
        shown = "; ".join(items[:12])
        return f"{shown}; … ({len(items)} in all)" if len(items) > 12 else shown
    return str(value)


def _dedupe(evidence: list[dict]) -> list[dict]:
    """Evidence items with identical sentences merged: ``{"text", "documents": [ids]}``.

    >>> _dedupe([{"text": "a", "document": "d1"}, {"text": "a", "document": "d2"}])
    [{'text': 'a', 'documents': ['d1', 'd2']}]
    """
    merged: dict[str, list[str]] = {}
    for item in evidence:
        if not item or not item.get("text"):
            continue
        docs = merged.setdefault(item["text"], [])
        document = item.get("document") or ""
        if document and document not in docs:
            docs.append(document)
    return [{"text": text, "documents": docs} for text, docs in merged.items()]


def _cap(graph: nx.MultiGraph, limit: int) -> tuple[nx.MultiGraph, str]:
    if graph.number_of_nodes() <= limit:
        return graph, ""
    ranked = sorted(graph.degree(weight="weight"), key=lambda item: (-item[1], item[0]))
    keep = [node for node, _ in ranked[:limit]]
    sub = graph.subgraph(keep)
    note = (
        f"Showing the {limit:,} most connected of {graph.number_of_nodes():,} nodes "
        f"({sub.number_of_edges():,} of {graph.number_of_edges():,} edges). "
        "Use the analysis tables or `kg query` for the rest."
    )
    return sub, note


def to_view_data(graph: nx.MultiGraph, view: str, max_nodes: int = MAX_NODES) -> ViewData:
    """Style, size, lay out and cap a view graph (pure)."""
    total_nodes, total_edges = graph.number_of_nodes(), graph.number_of_edges()
    graph, note = _cap(graph, max_nodes)
    simple = nx.Graph(graph)
    n = simple.number_of_nodes()
    degree = dict(simple.degree())
    top = max(degree.values(), default=0) or 1
    focus_mode = n > FOCUS_MIN or graph.number_of_edges() > FOCUS_EDGES
    labelled = set(sorted(degree, key=lambda x: (-degree[x], x))[:LABELLED]) if focus_mode else None
    positions = spring_positions(simple)
    physics = n <= PHYSICS_MAX
    max_weight = max((d["weight"] for _, _, d in graph.edges(data=True)), default=1) or 1

    nodes, details, type_counts = [], {}, defaultdict(int)
    facets: dict[str, set[str]] = {key: set() for key in FACETS}
    for node, data in sorted(graph.nodes(data=True)):
        kind = data["type"] if data["type"] in STYLE else "Organisation"
        style = STYLE[kind]
        type_counts[kind] += 1
        share = degree[node] / top
        # big graphs are seen zoomed out: widen the range so hubs and their labels stand out
        # a focused neighbourhood is seen close up: moderate sizes, like a small graph's
        close = physics or focus_mode
        size = 10 + 20 * math.sqrt(share) if close else 5 + 55 * math.sqrt(share)
        font = 13 + round(6 * share) if close else 10 + round(50 * share)
        x, y = positions[node]
        nodes.append(
            {
                "id": node,
                "label": _short(data["label"]) if labelled is None or node in labelled else "",
                "fullLabel": _short(data["label"]),
                "kind": kind,
                "title": f"{data['label']}\n{style['label']}",
                "shape": style["shape"],
                "color": {
                    "background": style["color"],
                    "border": "#1a202c",
                    "highlight": {"background": style["color"], "border": "#f59e0b"},
                    "hover": {"background": style["color"], "border": "#f59e0b"},
                },
                "size": round(size, 1),
                "x": round(x, 1),
                "y": round(y, 1),
                "font": {"size": font},
            }
        )
        evidence = data["evidence"]
        facts = {k: _fact_value(v) for k, v in sorted(data["facts"].items()) if v}
        facts = {
            (f"{k} ({len(data['facts'][k])})" if isinstance(data["facts"][k], set) else k): v
            for k, v in facts.items()
        }
        facts["joined to"] = f"{degree[node]} other nodes"
        evidence = _dedupe(evidence)
        details[node] = {
            "label": data["label"],
            "type": kind,
            "typeLabel": style["label"],
            "facts": [[k, v] for k, v in facts.items() if v],
            "evidence": evidence[:MAX_EVIDENCE],
            "moreEvidence": max(0, len(evidence) - MAX_EVIDENCE),
            "facets": data["facets"],
        }
        for key in FACETS:
            facets[key].update(data["facets"][key])

    edges, edge_details, relations = [], {}, set()
    # parallel edges (a strength and an improvement between one pair) are curved apart
    between: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a, b, relation in sorted(graph.edges(keys=True)):
        between[tuple(sorted((a, b)))].append(relation)
    for number, (a, b, relation, data) in enumerate(sorted(graph.edges(keys=True, data=True))):
        style = EDGE_STYLE.get(relation, {"label": relation, "color": "#a0aec0", "dashes": False})
        relations.add(relation)
        edge_id = f"e{number}"
        weight = data["weight"]
        edge = {
            "id": edge_id,
            "from": a,
            "to": b,
            "relation": relation,
            "color": {
                "color": style["color"],
                "highlight": style["color"],
                "hover": style["color"],
                "opacity": 0.8 if physics else 0.45,
            },
            "dashes": style["dashes"],
            "width": round(
                (1 + 7 * math.sqrt(weight / max_weight))
                if physics
                else (0.5 + 3 * math.sqrt(weight / max_weight)),
                2,
            ),
            "title": f"{style['label']} × {weight}",
        }
        siblings = between[tuple(sorted((a, b)))]
        if len(siblings) > 1:
            rank = siblings.index(relation)
            edge["smooth"] = {
                "enabled": True,
                "type": "curvedCW" if rank % 2 == 0 else "curvedCCW",
                "roundness": 0.18 + 0.14 * (rank // 2),
            }
        if data.get("polarity"):
            edge["polarity"] = data["polarity"]
        if data.get("years"):  # the year range hides an edge none of whose years is inside
            edge["years"] = sorted(data["years"])
        if data.get("label"):
            edge["label"] = _short(str(data["label"]), 24)
        edges.append(edge)
        facts = {"relation": str(style["label"]), "how many": str(weight)}
        if data.get("inspections"):
            facts["inspections"] = _fact_value(data["inspections"])
        if data.get("label"):
            facts["as of"] = str(data["label"])
        evidence = _dedupe(data.get("evidence") or [])
        edge_details[edge_id] = {
            "label": f"{style['label']} × {weight}",
            "facts": [[k, v] for k, v in facts.items()],
            "evidence": evidence[:MAX_EVIDENCE],
            "moreEvidence": max(0, len(evidence) - MAX_EVIDENCE),
        }

    options = {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": SEED},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "selectConnectedEdges": True,
            "hoverConnectedEdges": False,
            "hideEdgesOnDrag": n > 500,
            "hideEdgesOnZoom": n > 500,
            "navigationButtons": False,
            # vis's keyboard module stops the stabilisation event: the page has its own keys
            "keyboard": False,
        },
        "nodes": {
            "borderWidth": 1,
            "borderWidthSelected": 4,
            "font": {"face": "system-ui, sans-serif", "strokeWidth": 3},
        },
        "edges": {
            "smooth": {"enabled": n <= PHYSICS_MAX, "type": "continuous"},
            "font": {"size": 10, "strokeWidth": 3, "align": "middle"},
        },
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -110,
                "centralGravity": 0.008,
                "springLength": 130,
                "springConstant": 0.06,
                "avoidOverlap": 0.6,
            },
            "stabilization": {"enabled": physics, "iterations": 300, "fit": True},
        },
    }
    legend = {
        "nodes": [
            {
                "kind": kind,
                "label": STYLE[kind]["label"],
                "color": STYLE[kind]["color"],
                "shape": STYLE[kind]["shape"],
                "count": type_counts[kind],
            }
            for kind in STYLE
            if type_counts.get(kind)
        ],
        "edges": [
            {
                "relation": r,
                "label": EDGE_STYLE[r]["label"],
                "color": EDGE_STYLE[r]["color"],
                "dashes": EDGE_STYLE[r]["dashes"],
            }
            for r in EDGE_STYLE
            if r in relations
        ],
    }
    if graph.graph.get("note"):
        note = (note + " " if note else "") + graph.graph["note"]
    if focus_mode:
        note = (note + " " if note else "") + (
            f"{n:,} nodes, {len(edges):,} edges: the view opens on one node and its neighbours "
            "(focus mode); "
            "search or click to move, Expand to add neighbours, Show all for the whole graph."
        )
    if not nodes:
        note = (note + " " if note else "") + "Nothing to show: the store holds no such facts yet."
    cited = {
        document
        for item in (*details.values(), *edge_details.values())
        for entry in item["evidence"]
        for document in entry["documents"]
    }
    documents = {k: v for k, v in graph.graph.get("documents", {}).items() if k in cited}
    wanted = VIEW_FACETS.get(view, FACETS)
    return ViewData(
        view=view,
        title=f"inspection-kg · {view}",
        description=VIEWS[view],
        note=note,
        nodes=nodes,
        edges=edges,
        details=details,
        edge_details=edge_details,
        facets={key: sorted(values) for key, values in facets.items() if key in wanted},
        legend=legend,
        options=options,
        total_nodes=total_nodes,
        total_edges=total_edges,
        extra={"documents": documents, "focusMode": focus_mode},
    )


def select_view(
    store: Store, view: str, max_nodes: int = MAX_NODES, selection: Selection | None = None
) -> ViewData:
    """Query ``store`` (unless ``selection`` already holds its rows) and prepare ``view``."""
    selection = as_view_selection(store, selection)
    return to_view_data(to_view_graph(selection, view), view, max_nodes)


# ------------------------------------------------------------------ HTML
def vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS, as shipped inside the pyvis package."""
    base = Path(pyvis.__file__).parent
    for folder in (base / "lib" / "vis-9.1.2", base / "templates" / "lib" / "vis-9.1.2"):
        js, css = folder / "vis-network.min.js", folder / "vis-network.css"
        if js.is_file() and css.is_file():
            return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")
    raise KgError("pyvis's bundled vis-network 9.1.2 is missing; reinstall pyvis==0.3.2")


def to_html(data: ViewData) -> str:
    """The self-contained page for ``data``."""
    js, css = vis_assets()
    return fill_template(
        TEMPLATE.read_text(encoding="utf-8"),
        {
            "HEAD": page_head(data.title),
            "TITLE": html.escape(data.title),
            "DESCRIPTION": html.escape(data.description),
            "NOTE": html.escape(data.note),
            "VIS_CSS": inline_safe(css, "style"),
            "VIS_JS": inline_safe(js, "script"),
            "DATA": to_script_json(data.payload()),
        },
    )


class OfflineNetwork(Network):
    """A pyvis Network whose HTML is kg's own offline page (for notebooks: ``net.show``)."""

    def __init__(self, data: ViewData, **kwargs) -> None:
        super().__init__(cdn_resources="in_line", **kwargs)
        self.view_data = data
        self.nodes = data.nodes
        self.edges = data.edges
        self.node_ids = [node["id"] for node in data.nodes]
        self.node_map = {node["id"]: node for node in data.nodes}
        self.heading = ""

    def _repr_html_(self) -> str:
        """Jupyter shows the network inline (an iframe with ``srcdoc``; nothing is fetched)."""
        return to_iframe(to_html(self.view_data))

    def generate_html(self, name: str = "index.html", local: bool = True, notebook: bool = False):
        """Return kg's page instead of pyvis's template (which links CDNs)."""
        self.html = to_html(self.view_data)
        return self.html


def build_view(store: Store, view: str) -> Network:
    """``view`` as a pyvis Network (usable in a notebook; its HTML is fully offline)."""
    return OfflineNetwork(select_view(store, view), height="800px", width="100%")


def write_view(
    store: Store,
    view: str,
    path: Path,
    max_nodes: int = MAX_NODES,
    selection: Selection | None = None,
) -> ViewStats:
    """Write ``view`` of ``store`` as one self-contained HTML file at ``path``.

    Writing several views, pass one ``select_all(store)`` as ``selection``: the queries
    are most of the cost (7 of 8 s per view at 1,000 documents).
    """
    started = time.perf_counter()
    data = select_view(store, view, max_nodes, selection)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(data), encoding="utf-8")
    return ViewStats(
        view=view,
        nodes=len(data.nodes),
        edges=len(data.edges),
        total_nodes=data.total_nodes,
        total_edges=data.total_edges,
        seconds=time.perf_counter() - started,
    )
