"""The ``kg`` command end to end on the seeds, as a user runs it (subprocesses)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def kg(*args: str, cwd: Path = ROOT, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``kg`` (``python -m kg.cli``) and return the completed process."""
    result = subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], cwd=cwd, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        raise AssertionError(f"kg {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    store = tmp_path_factory.mktemp("cli") / "store"
    result = kg("build", str(ROOT / "seeds"), "--store", str(store))
    return store, result.stdout


def triple_count(summary: str) -> int:
    """The quad count a build reports (it says "quads", as it counts quads, not triples)."""
    assert "triples" not in summary
    return int(re.search(r"quads: (\d+)", summary).group(1))


def test_build_reports_five_documents(built):
    _, summary = built
    assert "5 ingested" in summary
    assert "0 failed" in summary
    assert triple_count(summary) > 500


def test_rebuild_changes_nothing(built):
    store, first = built
    again = kg("build", str(ROOT / "seeds"), "--store", str(store)).stdout
    assert "0 ingested, 5 skipped" in again
    assert triple_count(again) == triple_count(first)
    dump_a = kg("export", "--store", str(store), "--format", "nquads").stdout
    kg("build", str(ROOT / "seeds"), "--store", str(store))
    dump_b = kg("export", "--store", str(store), "--format", "nquads").stdout
    assert sorted(dump_a.splitlines()) == sorted(dump_b.splitlines())


def test_inspections_query_finds_each_seed(built):
    store, _ = built
    rows = list(
        csv.DictReader(
            io.StringIO(kg("query", "inspections", "--store", str(store), "--format", "csv").stdout)
        )
    )
    by_doc = {row["document"]: row for row in rows}
    assert set(by_doc) == {p.stem for p in (ROOT / "seeds").glob("*.txt")}
    assert by_doc["001_11b822338e92b3cf"]["partnership"] == "Inverclyde Alliance"
    assert by_doc["001_11b822338e92b3cf"]["gss"] == "S12000018"
    assert by_doc["002_01f4d7ff99e2656c"]["kind"] == "progress review"
    assert by_doc["003_ea22174f38296e6c"]["lead"] == "Care Inspectorate"
    east = by_doc["004_065f7496f4954bed"]
    assert east["area"] == "East Ayrshire"
    assert set(east["inspectorates"].split("; ")) == {
        "Care Inspectorate",
        "Education Scotland",
        "Healthcare Improvement Scotland",
        "HM Inspectorate of Constabulary in Scotland",
    }


def test_officials_query_as_sparql_json(built):
    store, _ = built
    result = json.loads(kg("query", "officials", "--store", str(store), "--format", "json").stdout)
    assert result["head"]["vars"] == [
        "person",
        "honorific",
        "role",
        "organisation",
        "document",
        "quote",
    ]
    rows = [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]
    people = {row["person"] for row in rows}
    assert {"Peter Macleod", "Karen Reid", "Les Sharp", "Angela Wallace"} <= people
    reid = next(row for row in rows if row["person"] == "Karen Reid")
    assert reid["role"] == "chief executive"
    assert reid["organisation"] == "Care Inspectorate"
    assert reid["quote"].startswith('"We are confident that the wellbeing')
    wallace = next(row for row in rows if row["person"] == "Angela Wallace")
    assert wallace["honorific"] == "Professor"


def test_sparql_text_and_param_binding(built):
    store, _ = built
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT DISTINCT ?p WHERE { ?p rdfs:label ?label }"
    )
    out = kg(
        "query",
        text,
        "--store",
        str(store),
        "--format",
        "csv",
        "--param",
        "label=Inverclyde Alliance",
    ).stdout
    assert out.splitlines()[1:] == ["https://w3id.org/inspection-kg/id/partnership/inverclyde"]
    hostile = kg(
        "query",
        text,
        "--store",
        str(store),
        "--format",
        "csv",
        "--param",
        'label=x" } ?p ?q ?label { "',
    ).stdout
    assert hostile.splitlines()[1:] == []


def test_missing_query_file_is_one_clear_error(built):
    store, _ = built
    result = kg("query", "no/such/query.rq", "--store", str(store), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no/such/query.rq: no such query file"


def test_unknown_bundled_query_name(built):
    store, _ = built
    result = kg("query", "nonesuch", "--store", str(store), check=False)
    assert result.returncode == 1
    assert "nonesuch: no bundled query of that name" in result.stderr


def test_query_without_store_says_build_first(tmp_path):
    result = kg("query", "inspections", "--store", str(tmp_path / "none"), check=False)
    assert result.returncode == 1
    assert "run `kg build` first" in result.stderr


def test_export_turtle_parses_back(built, tmp_path):
    from rdflib import Graph

    store, summary = built
    out = tmp_path / "all.ttl"
    kg("export", "--store", str(store), "--format", "turtle", "-o", str(out))
    graph = Graph().parse(out, format="turtle")
    assert 0 < len(graph) <= triple_count(summary)


def test_parallel_build_gives_the_same_graph(built, tmp_path):
    store, _ = built
    parallel = tmp_path / "parallel"
    kg("build", str(ROOT / "seeds"), "--store", str(parallel), "--jobs", "2")

    def graphs(path: Path) -> dict[str, object]:
        """Each named graph, canonicalised so blank-node labels (the ontology's lists) compare."""
        from rdflib import Dataset
        from rdflib.compare import to_canonical_graph

        dump = kg("export", "--store", str(path), "--format", "nquads").stdout
        kept = "\n".join(line for line in dump.splitlines() if "generatedAtTime" not in line)
        dataset = Dataset()
        dataset.parse(data=kept, format="nquads")
        return {str(g.identifier): to_canonical_graph(g) for g in dataset.graphs() if len(g)}

    sequential, parallel_ = graphs(store), graphs(parallel)
    assert sorted(parallel_) == sorted(sequential)
    for name, graph in sequential.items():
        assert set(parallel_[name]) == set(graph), name
