"""Analysis: projections from SPARQL rows, measures, written tables; on synthetic and seed data."""

from __future__ import annotations

import csv
import json

import networkx as nx
from browser import synthetic_store

from kg.analysis import (
    analyse,
    curie,
    select_all,
    to_comembership_graph,
    to_communities,
    to_theme_bipartite_graph,
    to_theme_cooccurrence_graph,
    write_analysis,
)


def _member(p: str, a: str, kind: str = "Council") -> dict[str, str | None]:
    base = "https://w3id.org/inspection-kg/"
    return {
        "partnership": f"{base}id/partnership/{p}",
        "partnershipLabel": p.title(),
        "agency": f"{base}id/agency/{a}",
        "agencyLabel": a.title(),
        "agencyTypes": f"{base}def#Agency {base}def#{kind}",
    }


def test_comembership_weights_count_shared_partnerships():
    rows = [
        _member("p1", "nhs", "NHSBoard"),
        _member("p1", "police", "PoliceService"),
        _member("p2", "nhs", "NHSBoard"),
        _member("p2", "police", "PoliceService"),
        _member("p2", "council", "Council"),
    ]
    graph = to_comembership_graph(rows)
    assert graph["id:agency/nhs"]["id:agency/police"]["weight"] == 2
    assert graph["id:agency/council"]["id:agency/nhs"]["weight"] == 1
    assert graph.nodes["id:agency/nhs"] == {"label": "Nhs", "type": "NHSBoard"}


def _finding(p: str, theme: str, polarity: str, n: int) -> dict[str, str | None]:
    base = "https://w3id.org/inspection-kg/id/"
    return {
        "partnership": f"{base}partnership/{p}",
        "partnershipLabel": p,
        "finding": f"{base}finding/{p}/{n}",
        "findingLabel": f"finding {n}",
        "polarity": polarity,
        "theme": f"{base}theme/{theme}",
        "themeLabel": theme,
        "evidence": f"sentence {n}",
        "document": "doc",
    }


def test_theme_bipartite_keeps_polarities_apart_and_projects():
    rows = [
        _finding("a", "poverty", "strength", 1),
        _finding("a", "poverty", "improvement", 2),
        _finding("a", "data", "improvement", 3),
        _finding("b", "poverty", "improvement", 4),
        _finding("b", "data", "improvement", 5),
        _finding("b", "data", "improvement", 5),  # same finding twice: counted once
    ]
    bipartite = to_theme_bipartite_graph(rows)
    edges = bipartite["id:partnership/a"]["id:theme/poverty"]
    assert set(edges) == {"strength", "improvement"}
    assert bipartite["id:partnership/b"]["id:theme/data"]["improvement"]["weight"] == 1
    cooc = to_theme_cooccurrence_graph(bipartite)
    assert cooc["id:theme/data"]["id:theme/poverty"]["weight"] == 2
    only_strengths = to_theme_cooccurrence_graph(bipartite, polarity="strength")
    assert only_strengths.number_of_edges() == 0


def test_communities_are_deterministic():
    graph = nx.barbell_graph(5, 0)
    assert to_communities(graph) == to_communities(graph)
    assert sorted(len(c) for c in to_communities(graph)) == [5, 5]


def test_curie():
    assert curie("https://w3id.org/inspection-kg/id/theme/poverty") == "id:theme/poverty"
    assert curie("https://w3id.org/inspection-kg/def#Strength") == "ikg:Strength"


def test_analyse_synthetic_store(tmp_path):
    store = synthetic_store(6)
    analysis = analyse(store)
    summary = analysis.summary()
    assert summary["co_inspection"] == {"nodes": 4, "edges": 6}
    assert summary["agency_comembership"]["nodes"] == 6 + 2 + 1
    # police sits in every partnership, so it is the most central agency
    assert analysis.tables["agency_centrality"][0]["label"] == "Police Scotland"
    shared = analysis.tables["shared_themes"]
    assert int(shared[0]["partnerships"]) >= int(shared[-1]["partnerships"])
    assert {r["theme"] for r in analysis.tables["theme_communities"]} == {
        r["theme"] for r in shared
    }
    people = analysis.graphs["people"]
    holds = [d for _, _, d in people.edges(data=True) if d["relation"] == "holds"]
    assert all(d["asOf"] for d in holds)
    written = write_analysis(analysis, tmp_path)
    assert tmp_path / "analysis.json" in written
    payload = json.loads((tmp_path / "analysis.json").read_text())
    assert payload["summary"] == summary
    with (tmp_path / "agency_pairs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows == analysis.tables["agency_pairs"]


def test_analyse_seed_store(seed_store):
    analysis = analyse(seed_store)
    selection = select_all(seed_store)
    inspectorates = {r["inspectorate"] for r in selection.inspections if r["inspectorate"]}
    assert analysis.graphs["co_inspection"].number_of_nodes() == len(inspectorates)
    assert all(n.startswith("id:") for n in analysis.graphs["co_inspection"])
    assert analysis.graphs["people"].number_of_nodes() > 0
