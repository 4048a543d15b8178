"""`kg query` and `kg export` edges: query text against paths, formats by result kind,
required parameters, Turtle that reads well, the default view file name."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.namespace import DATA

ROOT = Path(__file__).resolve().parent.parent
INVERCLYDE = str(DATA["partnership/inverclyde"])


def kg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ,
        timeout=300,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("query") / "store"
    result = kg("build", str(ROOT / "seeds"), "--store", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_describe_text_is_a_query_not_a_path(store):
    result = kg("query", f"DESCRIBE <{INVERCLYDE}>", "--store", str(store), "-f", "ntriples")
    assert result.returncode == 0, result.stderr
    triples = list(ox.parse(result.stdout.encode(), ox.RdfFormat.N_TRIPLES))
    assert triples and all(t.subject.value == INVERCLYDE for t in triples)
    assert result.stderr.strip() == f"{len(triples)} triples"


def test_construct_as_json_is_json_ld(store):
    text = f"CONSTRUCT {{ <{INVERCLYDE}> ?p ?o }} WHERE {{ <{INVERCLYDE}> ?p ?o }}"
    result = kg("query", text, "--store", str(store), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    graph = Graph().parse(data=json.dumps(document), format="json-ld")
    assert len(graph) == int(result.stderr.split()[0]) > 0
    xml = kg("query", text, "--store", str(store), "--format", "xml")
    assert len(Graph().parse(data=xml.stdout, format="xml")) == len(graph)
    table = kg("query", text, "--store", str(store))
    assert "@prefix partnership:" in table.stdout and "\\/" not in table.stdout
    csv = kg("query", text, "--store", str(store), "--format", "csv")
    assert csv.returncode == 1
    assert csv.stderr.strip() == (
        "error: --format csv: a CONSTRUCT or DESCRIBE gives triples: table or turtle, "
        "ntriples, json (JSON-LD) or xml (RDF/XML)"
    )


def test_ask_in_every_format(store):
    text = f"ASK {{ <{INVERCLYDE}> ?p ?o }}"
    assert kg("query", text, "--store", str(store)).stdout == "true\n"
    assert json.loads(kg("query", text, "--store", str(store), "-f", "json").stdout) == {
        "head": {},
        "boolean": True,
    }
    assert "<boolean>true</boolean>" in kg("query", text, "--store", str(store), "-f", "xml").stdout
    missing = "ASK { <urn:nothing> ?p ?o }"
    assert kg("query", missing, "--store", str(store)).stdout == "false\n"


def test_empty_construct_says_so(store):
    text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }"
    result = kg("query", text, "--store", str(store))
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.strip() == "0 triples: the query matched nothing"


def test_formats_listed_in_help():
    result = kg("query", "--help")
    flat = " ".join(result.stdout.split())
    assert re.search(r"table, csv, tsv, json or xml", flat), flat
    result = kg("query", "x", "--store", "nowhere", "--format", "yaml")
    assert result.stderr.strip() == (
        "error: --format yaml: expected table, csv, tsv, json, xml, turtle, ntriples"
    )


def test_required_parameter_is_enforced(store):
    result = kg("query", "evidence", "--store", str(store))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: evidence: needs --param label=VALUE")
    given = kg("query", "evidence", "--store", str(store), "-p", "label=Inverclyde", "-f", "csv")
    assert given.returncode == 0, given.stderr


def test_exported_turtle_uses_prefixes_grouped_by_subject(store):
    turtle = kg("export", "--store", str(store), "--format", "turtle").stdout
    nquads = kg("export", "--store", str(store), "--format", "nquads").stdout
    assert "@prefix ikg: <https://w3id.org/inspection-kg/def#> ." in turtle
    assert "@prefix partnership: <https://w3id.org/inspection-kg/id/partnership/> ." in turtle
    assert "\\/" not in turtle
    assert "partnership:inverclyde" in turtle
    union = Graph()
    for quad in Dataset().parse(data=nquads, format="nquads").quads():
        union.add(quad[:3])
    parsed = Graph().parse(data=turtle, format="turtle")
    assert isomorphic(parsed, union)
    # each subject opens one statement: its triples are written together
    openers = [
        line.split(" ", 1)[0]
        for line in turtle.splitlines()
        if line and not line[0].isspace() and not line.startswith("@prefix")
    ]
    assert len(openers) == len(set(openers)) == len(set(parsed.subjects()))
    trig = kg("export", "--store", str(store), "--format", "trig").stdout
    assert "@prefix graph: <https://w3id.org/inspection-kg/graph/> ." in trig
    assert len(Dataset().parse(data=trig, format="trig")) == len(
        Dataset().parse(data=nquads, format="nquads")
    )


def test_viz_without_output_is_named_after_the_view(store, tmp_path):
    result = kg("viz", "themes", "--store", str(store), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "themes.html").is_file()
    assert not (tmp_path / "out" / "overview.html").exists()
    assert result.stdout.startswith(f"wrote {Path('out') / 'themes.html'} (")
