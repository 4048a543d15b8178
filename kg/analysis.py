"""Analysis (stage 7): networkx projections of the graph and the measures they support.

Edges come from SPARQL (``select_*``), never from walking raw triples; the projections are
pure functions of those rows (``to_*_graph``); ``analyse`` gathers tables and
``write_analysis`` writes them as CSV and JSON.

Projections:

- agency co-membership: agencies linked when they sit in the same partnership (weight =
  number of shared partnerships);
- inspectorate co-inspection: inspectorates linked when they inspected together (weight =
  number of inspections);
- partnership-theme bipartite (a multigraph: strength, improvement and good-practice edges
  apart) and its theme co-occurrence projection (weight = partnerships with findings on both);
- people-posts-organisations, each holding dated by ``asOf``.

Node ids are CURIEs (``id:partnership/inverclyde``) carrying ``label`` and ``type``.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import networkx as nx

from kg.namespace import PREFIXES
from kg.query import run_query
from kg.store import Store

Row = dict[str, str | None]

#: Most specific first: the first of these a thing has is its ``type``.
TYPE_ORDER = (
    "Inspection",
    "JointInspection",
    "ProgressReview",
    "Inspectorate",
    "Partnership",
    "HealthAndSocialCarePartnership",
    "Council",
    "NHSBoard",
    "PoliceService",
    "FireAndRescueService",
    "College",
    "ThirdSectorBody",
    "BusinessBody",
    "GovernmentBody",
    "NationalAgency",
    "Agency",
    "Organisation",
)

SEED = 42
"""Seed of the community detection, so the same graph gives the same communities."""

_SPARQL_PREFIXES = "\n".join(f"PREFIX {name}: <{ns}>" for name, ns in PREFIXES.items())

MEMBERSHIPS = (
    _SPARQL_PREFIXES
    + """
SELECT ?partnership (MIN(STR(?pl)) AS ?partnershipLabel) ?agency (MIN(STR(?al)) AS ?agencyLabel)
       (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?agencyTypes)
       (MIN(STR(?anchor)) AS ?evidence) (MIN(STR(?docId)) AS ?document)
WHERE {
  { ?m org:organization ?partnership ; org:member ?agency }
  UNION { ?partnership org:hasMember ?agency }
  OPTIONAL { ?m2 org:organization ?partnership ; org:member ?agency ; ikg:evidence ?s .
             ?s nif:anchorOf ?anchor ; nif:referenceContext/dcterms:identifier ?docId }
  ?partnership rdfs:label ?pl .
  ?agency rdfs:label ?al .
  OPTIONAL { ?agency a ?type }
}
GROUP BY ?partnership ?agency
"""
)

INSPECTIONS = (
    _SPARQL_PREFIXES
    + """
SELECT ?inspection ?partnership (MIN(STR(?pl)) AS ?partnershipLabel)
       ?inspectorate (MIN(STR(?il)) AS ?inspectorateLabel) (MAX(?leads) AS ?isLead)
       (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?inspectionTypes)
       (MIN(STR(?start)) AS ?fieldworkStart) (MIN(STR(?issued)) AS ?published)
       (MIN(STR(?docId)) AS ?document) (MIN(STR(?anchor)) AS ?evidence)
WHERE {
  ?inspection ikg:inspected ?partnership .
  ?partnership rdfs:label ?pl .
  OPTIONAL { ?inspection a ?type }
  OPTIONAL {
    ?inspection ikg:participatingInspectorate|ikg:leadInspectorate ?inspectorate .
    ?inspectorate rdfs:label ?il .
    BIND (EXISTS { ?inspection ikg:leadInspectorate ?inspectorate } AS ?leads)
  }
  OPTIONAL { ?inspection ikg:fieldworkStart ?start }
  OPTIONAL { ?inspection ikg:describedIn ?doc
             OPTIONAL { ?doc dcterms:identifier ?docId }
             OPTIONAL { ?doc dcterms:issued ?issued } }
  OPTIONAL { ?inspection ikg:evidence ?s OPTIONAL { ?s nif:anchorOf ?anchor } }
}
GROUP BY ?inspection ?partnership ?inspectorate
"""
)

FINDINGS = (
    _SPARQL_PREFIXES
    + """
SELECT ?inspection ?partnership (MIN(STR(?pl)) AS ?partnershipLabel) ?finding
       (MIN(STR(?fl)) AS ?findingLabel) ?polarity ?theme (MIN(STR(?tl)) AS ?themeLabel)
       (MIN(STR(?anchor)) AS ?evidence) (MIN(STR(?docId)) AS ?document)
WHERE {
  VALUES (?class ?polarity) {
    (ikg:Strength "strength") (ikg:AreaForImprovement "improvement")
    (ikg:GoodPracticeExample "good practice")
  }
  ?inspection ikg:finding ?finding ; ikg:inspected ?partnership .
  ?partnership rdfs:label ?pl .
  ?finding a ?class .
  OPTIONAL { ?finding rdfs:label ?fl }
  OPTIONAL { ?finding ikg:theme ?theme OPTIONAL { ?theme skos:prefLabel ?tl } }
  OPTIONAL { ?finding ikg:evidence ?s
             OPTIONAL { ?s nif:anchorOf ?anchor }
             OPTIONAL { ?s nif:referenceContext ?context
                        OPTIONAL { ?context dcterms:identifier ?docId } } }
}
GROUP BY ?inspection ?partnership ?finding ?polarity ?theme
"""
)

POST_HOLDINGS = (
    _SPARQL_PREFIXES
    + """
SELECT ?holding ?person (MIN(STR(?name)) AS ?personName) (MIN(STR(?hon)) AS ?honorific)
       ?post (MIN(STR(?pl)) AS ?postLabel) ?organisation
       (MIN(STR(?ol)) AS ?organisationLabel)
       (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?organisationTypes)
       (MIN(STR(?date)) AS ?asOf) (MIN(STR(?anchor)) AS ?evidence)
       (MIN(STR(?docId)) AS ?document)
WHERE {
  ?holding a ikg:PostHolding ; ikg:post ?post ; ikg:holder ?person .
  ?person foaf:name ?name .
  ?post rdfs:label ?pl ; org:postIn ?organisation .
  ?organisation rdfs:label ?ol .
  OPTIONAL { ?person ikg:honorific ?hon }
  OPTIONAL { ?organisation a ?type }
  OPTIONAL { ?holding ikg:asOf ?date }
  OPTIONAL { ?holding ikg:evidence ?s
             OPTIONAL { ?s nif:anchorOf ?anchor }
             OPTIONAL { ?s nif:referenceContext ?context
                        OPTIONAL { ?context dcterms:identifier ?docId } } }
}
GROUP BY ?holding ?person ?post ?organisation
"""
)

QUOTATIONS = (
    _SPARQL_PREFIXES
    + """
SELECT ?quotation ?person (MIN(STR(?words)) AS ?quote) (MIN(STR(?docId)) AS ?document)
WHERE {
  ?quotation a ikg:Quotation ; prov:wasAttributedTo ?person ; nif:anchorOf ?words .
  OPTIONAL { ?quotation nif:referenceContext ?context
             OPTIONAL { ?context dcterms:identifier ?docId } }
}
GROUP BY ?quotation ?person
"""
)

SELECTIONS = {
    "memberships": MEMBERSHIPS,
    "inspections": INSPECTIONS,
    "findings": FINDINGS,
    "post_holdings": POST_HOLDINGS,
    "quotations": QUOTATIONS,
}
# Row order of each selection (columns, empty first, then the rest of the grouping key), sorted
# here rather than by ORDER BY, which is costly in Oxigraph on large results. With OPTIONALs
# nested to single patterns and required patterns first (docs/data-model.md), the five
# selections took 3.6 s instead of 7.3 s at 1,000 documents (same rows, same order).
ORDER = {
    "memberships": ("partnership", "agency"),
    "inspections": ("inspection", "inspectorate"),
    "findings": ("partnership", "finding", "theme", "inspection", "polarity"),
    "post_holdings": ("organisation", "post", "asOf", "person", "holding"),
    "quotations": ("person", "quotation"),
}


# ------------------------------------------------------------------ helpers
@lru_cache(maxsize=1 << 16)
def curie(iri: str) -> str:
    """Shorten ``iri`` with the project's prefixes (longest namespace first).

    >>> curie("https://w3id.org/inspection-kg/id/partnership/inverclyde")
    'id:partnership/inverclyde'
    >>> curie("urn:x")
    'urn:x'
    """
    best = None
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    return f"{best[0]}:{iri[len(best[1]) :]}" if best else iri


def pick_type(types: str | None, default: str) -> str:
    """The most specific known class local name among space-separated IRIs ``types``.

    >>> pick_type("http://x/def#Agency http://x/def#Council", "Agency")
    'Council'
    """
    names = {t.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for t in (types or "").split()}
    for name in TYPE_ORDER:
        if name in names and name not in {"Agency", "Organisation", "Inspection"}:
            return name
    for name in ("Agency", "Organisation", "Inspection"):
        if name in names:
            return name
    return default


def _add_node(graph: nx.Graph, node: str, label: str | None, kind: str, **attrs) -> None:
    if node not in graph:
        graph.add_node(node, label=label or node, type=kind, **attrs)


# ------------------------------------------------------------------ selection (I/O)
def select_edges(store: Store, selection: str) -> list[Row]:
    """Run one of :data:`SELECTIONS` (memberships, inspections, findings, post_holdings,
    quotations) on ``store`` and return its rows."""
    rows = run_query(store, SELECTIONS[selection]).rows
    columns = ORDER[selection]
    return sorted(rows, key=lambda row: tuple(row.get(column) or "" for column in columns))


@dataclass(frozen=True)
class Selection:
    """The rows every projection and view is built from."""

    memberships: list[Row] = field(default_factory=list)
    inspections: list[Row] = field(default_factory=list)
    findings: list[Row] = field(default_factory=list)
    post_holdings: list[Row] = field(default_factory=list)
    quotations: list[Row] = field(default_factory=list)


def select_all(store: Store) -> Selection:
    """Run every selection once."""
    return Selection(**{name: select_edges(store, name) for name in SELECTIONS})


# ------------------------------------------------------------------ projections (pure)
def to_membership_graph(rows: Iterable[Row]) -> nx.Graph:
    """Partnership-agency bipartite graph (``bipartite`` 0 = partnership, 1 = agency)."""
    graph = nx.Graph()
    for row in rows:
        p, a = curie(row["partnership"]), curie(row["agency"])
        _add_node(graph, p, row["partnershipLabel"], "Partnership", bipartite=0)
        _add_node(
            graph, a, row["agencyLabel"], pick_type(row["agencyTypes"], "Agency"), bipartite=1
        )
        graph.add_edge(
            p,
            a,
            weight=1,
            relation="member",
            evidence=row.get("evidence"),
            document=row.get("document"),
        )
    return graph


def to_comembership_graph(rows: Iterable[Row]) -> nx.Graph:
    """Agencies linked when in the same partnership; ``weight`` = shared partnerships."""
    bipartite = to_membership_graph(rows)
    graph = nx.Graph()
    agencies = [n for n, d in bipartite.nodes(data=True) if d["bipartite"] == 1]
    for agency in agencies:
        data = bipartite.nodes[agency]
        graph.add_node(agency, label=data["label"], type=data["type"])
    for partnership, data in bipartite.nodes(data=True):
        if data["bipartite"] != 0:
            continue
        members = sorted(bipartite[partnership])
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if graph.has_edge(a, b):
                    graph[a][b]["weight"] += 1
                    graph[a][b]["partnerships"].append(data["label"])
                else:
                    graph.add_edge(a, b, weight=1, partnerships=[data["label"]])
    return graph


def to_co_inspection_graph(rows: Iterable[Row]) -> nx.Graph:
    """Inspectorates linked when in the same inspection; ``weight`` = inspections together."""
    by_inspection: dict[str, set[str]] = defaultdict(set)
    graph = nx.Graph()
    for row in rows:
        if not row.get("inspectorate"):
            continue
        node = curie(row["inspectorate"])
        _add_node(graph, node, row["inspectorateLabel"], "Inspectorate")
        by_inspection[row["inspection"]].add(node)
    for inspection, members in sorted(by_inspection.items()):
        ordered = sorted(members)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if graph.has_edge(a, b):
                    graph[a][b]["weight"] += 1
                    graph[a][b]["inspections"].append(curie(inspection))
                else:
                    graph.add_edge(a, b, weight=1, inspections=[curie(inspection)])
    return graph


def to_theme_bipartite_graph(rows: Iterable[Row]) -> nx.MultiGraph:
    """Partnership-theme multigraph: one edge per (partnership, theme, polarity).

    Each edge (key = polarity) has ``weight`` = number of findings and ``findings``: dicts
    of the finding's ``label``, ``evidence`` sentence, ``document`` and ``inspection``.
    """
    graph = nx.MultiGraph()
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        if not row.get("theme"):
            continue
        p, t, polarity = curie(row["partnership"]), curie(row["theme"]), row["polarity"] or ""
        _add_node(graph, p, row["partnershipLabel"], "Partnership", bipartite=0)
        _add_node(graph, t, row["themeLabel"], "Theme", bipartite=1)
        if (p, t, row["finding"]) in seen:
            continue
        seen.add((p, t, row["finding"]))
        finding = {
            "label": row.get("findingLabel") or "",
            "evidence": row.get("evidence") or "",
            "document": row.get("document") or "",
            "inspection": row.get("inspection") or "",
        }
        if graph.has_edge(p, t, key=polarity):
            edge = graph[p][t][polarity]
            edge["weight"] += 1
            edge["findings"].append(finding)
        else:
            graph.add_edge(p, t, key=polarity, polarity=polarity, weight=1, findings=[finding])
    return graph


def to_theme_cooccurrence_graph(bipartite: nx.MultiGraph, polarity: str | None = None) -> nx.Graph:
    """Themes linked when one partnership has findings on both; ``weight`` = such partnerships.

    With ``polarity`` only edges of that polarity count.
    """
    graph = nx.Graph()
    for node, data in bipartite.nodes(data=True):
        if data["type"] == "Theme":
            graph.add_node(node, label=data["label"], type="Theme")
    for node, data in bipartite.nodes(data=True):
        if data["type"] != "Partnership":
            continue
        themes = sorted(
            {t for _, t, key in bipartite.edges(node, keys=True) if polarity in (None, key)}
        )
        for i, a in enumerate(themes):
            for b in themes[i + 1 :]:
                if graph.has_edge(a, b):
                    graph[a][b]["weight"] += 1
                    graph[a][b]["partnerships"].append(data["label"])
                else:
                    graph.add_edge(a, b, weight=1, partnerships=[data["label"]])
    return graph


def to_people_graph(rows: Iterable[Row]) -> nx.Graph:
    """People, posts and organisations: person -holds-> post -in-> organisation.

    The holds edge lists its dates (``asOf``, ISO strings, sorted) and evidence, so the
    graph shows who held which post when.
    """
    graph = nx.Graph()
    for row in rows:
        person, post, org = curie(row["person"]), curie(row["post"]), curie(row["organisation"])
        name = row["personName"] or person
        if row.get("honorific"):
            name = f"{row['honorific']} {name}"
        _add_node(graph, person, name, "Person")
        _add_node(graph, post, row["postLabel"], "Post", organisation=row["organisationLabel"])
        _add_node(
            graph,
            org,
            row["organisationLabel"],
            pick_type(row.get("organisationTypes"), "Organisation"),
        )
        if not graph.has_edge(post, org):
            graph.add_edge(post, org, weight=1, relation="post in")
        if not graph.has_edge(person, post):
            graph.add_edge(person, post, weight=0, relation="holds", asOf=[], evidence=[])
        edge = graph[person][post]
        edge["weight"] += 1
        if row.get("asOf") and row["asOf"] not in edge["asOf"]:
            edge["asOf"] = sorted([*edge["asOf"], row["asOf"]])
        if row.get("evidence"):
            edge["evidence"].append({"text": row["evidence"], "document": row.get("document")})
    return graph


# ------------------------------------------------------------------ measures (pure)
def to_centrality_table(graph: nx.Graph) -> list[Row]:
    """Degree, weighted degree and betweenness centrality per node, most central first."""
    if graph.number_of_nodes() == 0:
        return []
    simple = nx.Graph(graph)
    degree = nx.degree_centrality(simple) if len(simple) > 1 else dict.fromkeys(simple, 0.0)
    betweenness = nx.betweenness_centrality(simple, normalized=True)
    strength = dict(graph.degree(weight="weight"))
    rows = [
        {
            "node": node,
            "label": data.get("label", node),
            "type": data.get("type", ""),
            "degree": str(graph.degree(node)),
            "weighted_degree": str(strength[node]),
            "degree_centrality": f"{degree[node]:.4f}",
            "betweenness": f"{betweenness[node]:.4f}",
        }
        for node, data in graph.nodes(data=True)
    ]
    rows.sort(key=lambda r: (-float(r["betweenness"]), -int(r["degree"]), r["label"]))
    return rows


def to_communities(graph: nx.Graph, seed: int = SEED) -> list[list[str]]:
    """Louvain communities (fixed seed), largest first, each sorted; isolated nodes alone."""
    if graph.number_of_nodes() == 0:
        return []
    if graph.number_of_edges() == 0:
        return [[node] for node in sorted(graph)]
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))


def to_shared_themes_table(bipartite: nx.MultiGraph) -> list[Row]:
    """Themes by the number of partnerships with findings on them, most shared first."""
    rows = []
    for theme, data in bipartite.nodes(data=True):
        if data["type"] != "Theme":
            continue
        partnerships = sorted({bipartite.nodes[p]["label"] for p in bipartite.neighbors(theme)})
        counts: dict[str, int] = defaultdict(int)
        for _, _, key, weight in bipartite.edges(theme, keys=True, data="weight"):
            counts[key] += weight
        rows.append(
            {
                "theme": theme,
                "label": data["label"],
                "partnerships": str(len(partnerships)),
                "strengths": str(counts["strength"]),
                "improvements": str(counts["improvement"]),
                "good_practice": str(counts["good practice"]),
                "partnershipList": "; ".join(partnerships),
            }
        )
    rows.sort(key=lambda r: (-int(r["partnerships"]), -int(r["improvements"]), r["label"]))
    return rows


def _pair_table(graph: nx.Graph, a: str, b: str, count: str, listed: str, attr: str) -> list[Row]:
    rows = []
    for u, v, data in graph.edges(data=True):
        lu, lv = sorted([graph.nodes[u]["label"], graph.nodes[v]["label"]])
        rows.append(
            {a: lu, b: lv, count: str(data["weight"]), listed: "; ".join(data.get(attr, []))}
        )
    rows.sort(key=lambda r: (-int(r[count]), r[a], r[b]))
    return rows


@dataclass
class Analysis:
    """The projections (``graphs``) and the tables drawn from them (``tables``)."""

    graphs: dict[str, nx.Graph]
    tables: dict[str, list[Row]]

    def summary(self) -> dict[str, dict[str, int]]:
        """Nodes and edges of each projection."""
        return {
            name: {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}
            for name, g in self.graphs.items()
        }


def to_analysis(selection: Selection) -> Analysis:
    """Every projection and measure from the selected rows (pure)."""
    themes = to_theme_bipartite_graph(selection.findings)
    cooccurrence = to_theme_cooccurrence_graph(themes)
    graphs: dict[str, nx.Graph] = {
        "agency_comembership": to_comembership_graph(selection.memberships),
        "co_inspection": to_co_inspection_graph(selection.inspections),
        "partnership_theme": themes,
        "theme_cooccurrence": cooccurrence,
        "people": to_people_graph(selection.post_holdings),
    }
    communities = to_communities(cooccurrence)
    tables: dict[str, list[Row]] = {
        "shared_themes": to_shared_themes_table(themes),
        "theme_cooccurrence": _pair_table(
            cooccurrence, "themeA", "themeB", "partnerships", "partnershipList", "partnerships"
        ),
        "theme_communities": [
            {"community": str(i + 1), "theme": node, "label": cooccurrence.nodes[node]["label"]}
            for i, members in enumerate(communities)
            for node in members
        ],
        "theme_centrality": to_centrality_table(cooccurrence),
        "agency_pairs": _pair_table(
            graphs["agency_comembership"],
            "agencyA",
            "agencyB",
            "partnerships",
            "partnershipList",
            "partnerships",
        ),
        "agency_centrality": to_centrality_table(graphs["agency_comembership"]),
        "co_inspection": _pair_table(
            graphs["co_inspection"],
            "inspectorateA",
            "inspectorateB",
            "inspections",
            "inspectionList",
            "inspections",
        ),
        "inspectorate_centrality": to_centrality_table(graphs["co_inspection"]),
        "post_timeline": sorted(
            (
                {
                    "organisation": row["organisationLabel"],
                    "post": row["postLabel"],
                    "person": row["personName"],
                    "asOf": row.get("asOf") or "",
                    "document": row.get("document") or "",
                }
                for row in selection.post_holdings
            ),
            key=lambda r: (r["organisation"] or "", r["post"] or "", r["asOf"], r["person"] or ""),
        ),
    }
    return Analysis(graphs=graphs, tables=tables)


def analyse(store: Store) -> Analysis:
    """Select from ``store`` and analyse."""
    return to_analysis(select_all(store))


# ------------------------------------------------------------------ output
def write_analysis(analysis: Analysis, outdir: Path) -> list[Path]:
    """Write each table as ``outdir/NAME.csv`` and everything as ``outdir/analysis.json``."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in analysis.tables.items():
        path = outdir / f"{name}.csv"
        fields = list(rows[0]) if rows else []
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    path = outdir / "analysis.json"
    payload = {"summary": analysis.summary(), "tables": analysis.tables}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(path)
    return written
