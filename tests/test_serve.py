"""Serve: `kg serve` on the seed store answers like the embedded store, within its limits.

Two real servers on 127.0.0.1 (random free ports), each a `python -m kg.cli serve` process
opening the seed store read-only and killed in teardown: one with generous limits for the
comparisons, one with tiny limits for the time, row and body limits.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import anyio
import httpx
import pyoxigraph as ox
import pytest
from rdflib.namespace import RDFS, VOID
from servers import free_port, start_process, stop
from SPARQLWrapper import CSV, JSON, POST, SPARQLWrapper

from kg.namespace import DATA, GRAPH
from kg.query import bundled_queries, read_query
from kg.serve import create_app
from kg.store import Store

pytestmark = pytest.mark.server

INVERCLYDE = str(DATA["partnership/inverclyde"])
PLAIN_QUERIES = [
    name for name, path in bundled_queries().items() if not read_query(str(path)).required
]
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . FILTER(?a != ?d) }"


def start_server(store: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """Start `kg serve` on a free port; return the process and its base URL once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)]
    return start_process([*command, *options], port, "kg serve", "/void", seconds=30)


@pytest.fixture(scope="module")
def endpoint(seed_store_path):
    """Base URL of a server with generous limits."""
    process, base = start_server(seed_store_path, "--timeout", "30", "--max-rows", "100000")
    yield base
    stop(process)


@pytest.fixture(scope="module")
def tight(seed_store_path, tmp_path_factory):
    """Base URL of a server with tiny limits: 0.3 s, 3 rows, 2,000-byte bodies, serving a
    copy of the seed store (a server owns its store: one server per store)."""
    copy = tmp_path_factory.mktemp("tight") / "store"
    shutil.copytree(seed_store_path, copy, ignore=shutil.ignore_patterns("LOCK", "kg-serve.json"))
    process, base = start_server(copy, "--timeout", "0.3", "--max-rows", "3", "--max-body", "2000")
    yield base
    stop(process)


def triples_of(body: bytes, rdf_format: ox.RdfFormat) -> list[ox.Triple]:
    """The triples of an RDF document."""
    return [quad.triple for quad in ox.parse(body, rdf_format)]


def rows_of(results) -> Counter:
    """A multiset of rows (term strings), blank nodes included as labels."""
    variables = [v.value for v in results.variables]
    return Counter(
        tuple(str(row[v]) if row[v] is not None else "" for v in variables) for row in results
    )


def embedded(store: Store, text: str) -> tuple[list[str], Counter]:
    results = store.query(text)
    return [v.value for v in results.variables], rows_of(results)


@pytest.mark.parametrize("name", PLAIN_QUERIES)
@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_bundled_query_results_equal_embedded(endpoint, seed_store, name, accept, fmt):
    text = read_query(name).text
    response = httpx.post(
        endpoint + "/sparql",
        content=text.encode("utf-8"),
        headers={"Content-Type": "application/sparql-query", "Accept": accept},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    remote = ox.parse_query_results(response.content, format=fmt)
    variables, rows = embedded(seed_store, text)
    assert [v.value for v in remote.variables] == variables
    assert rows_of(remote) == rows


@pytest.mark.parametrize("name", PLAIN_QUERIES)
def test_bundled_query_csv_equals_embedded(endpoint, seed_store, name):
    from kg.query import serialize_results

    text = read_query(name).text
    response = httpx.get(
        endpoint + "/sparql", params={"query": text}, headers={"Accept": "text/csv"}, timeout=30
    )
    assert response.status_code == 200, response.text
    local = serialize_results(seed_store, name, "csv")
    remote_lines, local_lines = response.text.splitlines(), local.splitlines()
    assert remote_lines[:1] == local_lines[:1]
    assert sorted(remote_lines) == sorted(local_lines)


def test_sparqlwrapper_json_and_csv(endpoint, seed_store):
    text = read_query("inspections").text
    client = SPARQLWrapper(endpoint + "/sparql")
    client.setQuery(text)
    client.setReturnFormat(JSON)
    document = client.query().convert()
    variables, rows = embedded(seed_store, text)
    assert document["head"]["vars"] == variables
    assert len(document["results"]["bindings"]) == sum(rows.values())
    labels = {b["partnership"]["value"] for b in document["results"]["bindings"]}
    assert "Inverclyde Alliance" in labels

    client.setMethod(POST)
    client.setReturnFormat(CSV)
    csv_text = client.query().convert().decode("utf-8")
    assert csv_text.splitlines()[0].split(",") == variables


def test_ask_and_construct(endpoint):
    ask = httpx.get(endpoint + "/sparql", params={"query": f"ASK {{ <{INVERCLYDE}> ?p ?o }}"})
    assert ask.json() == {"head": {}, "boolean": True}
    construct = httpx.post(
        endpoint + "/sparql",
        data={"query": f"CONSTRUCT WHERE {{ <{INVERCLYDE}> ?p ?o }}"},
        headers={"Accept": "application/n-triples"},
    )
    assert construct.status_code == 200
    triples = triples_of(construct.content, ox.RdfFormat.N_TRIPLES)
    assert (
        ox.Triple(
            ox.NamedNode(INVERCLYDE),
            ox.NamedNode(str(RDFS.label)),
            ox.Literal("Inverclyde Alliance"),
        )
        in triples
    )
    jsonld = httpx.post(
        endpoint + "/sparql",
        data={"query": f"DESCRIBE <{INVERCLYDE}>"},
        headers={"Accept": "application/ld+json"},
    )
    assert jsonld.status_code == 200
    assert triples_of(jsonld.content, ox.RdfFormat.JSON_LD)


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"data": {"update": "DROP ALL"}},
        {"data": {"query": "PREFIX x: <urn:x:> INSERT DATA { x:a x:b x:c }"}},
    ],
    ids=["sparql-update", "form-update", "update-as-query"],
)
def test_update_rejected(endpoint, seed_store, request_kwargs):
    before = len(seed_store)
    response = httpx.post(endpoint + "/sparql", **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert len(seed_store) == before


def test_malformed_query_400_with_parser_message(endpoint):
    response = httpx.get(endpoint + "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "syntax error" in response.text and "1:" in response.text


def test_unacceptable_format_406(endpoint):
    response = httpx.get(
        endpoint + "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"},
        headers={"Accept": "image/png"},
    )
    assert response.status_code == 406


def test_oversized_body_413(tight):
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 5000
    response = httpx.post(
        tight + "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 413


def test_timeout_honoured(tight):
    started = time.monotonic()
    response = httpx.get(tight + "/sparql", params={"query": SLOW_QUERY}, timeout=30)
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "time limit" in response.text
    assert elapsed < 5


def test_row_limit(tight):
    response = httpx.get(
        tight + "/sparql",
        params={"query": "SELECT * WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 3
    assert response.headers["x-kg-truncated"].startswith("true")


def test_cors(endpoint):
    origin = {"Origin": "https://yasgui.example"}
    simple = httpx.get(endpoint + "/sparql", params={"query": "ASK {}"}, headers=origin)
    assert simple.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        endpoint + "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]


def test_linked_data_turtle_and_jsonld(endpoint):
    label = ox.Triple(
        ox.NamedNode(INVERCLYDE), ox.NamedNode(str(RDFS.label)), ox.Literal("Inverclyde Alliance")
    )
    turtle = httpx.get(endpoint + "/id/partnership/inverclyde", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert label in triples_of(turtle.content, ox.RdfFormat.TURTLE)
    jsonld = httpx.get(
        endpoint + "/id/partnership/inverclyde", headers={"Accept": "application/ld+json"}
    )
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert label in triples_of(jsonld.content, ox.RdfFormat.JSON_LD)


def test_served_turtle_has_no_escaped_slashes(endpoint):
    """Local names with a ``/`` are escaped (``id:partnership\\/inverclyde``) unless each
    folder of instance IRIs has its own prefix: pages and CONSTRUCT answers have them."""
    page = httpx.get(endpoint + "/id/partnership/inverclyde", headers={"Accept": "text/turtle"})
    construct = httpx.get(
        endpoint + "/sparql",
        params={"query": f"CONSTRUCT {{ ?s ?p <{INVERCLYDE}> }} WHERE {{ ?s ?p <{INVERCLYDE}> }}"},
        headers={"Accept": "text/turtle"},
    )
    for answer in (page, construct):
        assert answer.status_code == 200
        assert "\\/" not in answer.text
        prefix = "@prefix partnership: <https://w3id.org/inspection-kg/id/partnership/>"
        assert prefix in answer.text
        assert "partnership:inverclyde" in answer.text
        assert triples_of(answer.content, ox.RdfFormat.TURTLE)


def test_linked_data_html(endpoint):
    page = httpx.get(endpoint + "/id/partnership/inverclyde", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<h1>Inverclyde Alliance</h1>" in text
    assert 'href="/id/area/inverclyde"' in text
    assert "Evidence" in text and "Source documents" in text
    assert "<script" not in text
    missing = httpx.get(endpoint + "/id/partnership/nowhere", headers={"Accept": "text/html"})
    assert missing.status_code == 404


def test_linked_data_html_escapes_document_text():
    store = Store()
    evil = DATA["partnership/evil"]
    sentence = "https://w3id.org/inspection-kg/id/document/evil#char=0,40"
    store.replace_graph_ntriples(
        GRAPH["evil"],
        f'<{evil}> <{RDFS.label}> "<script>alert(1)</script>" .\n'
        f"<{evil}> <https://w3id.org/inspection-kg/def#evidence> <{sentence}> .\n"
        f"<{sentence}> <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf>"
        f' "<img src=x onerror=alert(2)>" .\n'
        f"<{evil}> <{RDFS.seeAlso}> <javascript:alert(3)> .\n",
    )
    app = create_app(store, timeout_s=5, max_rows=100, max_body=1000)

    async def fetch() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/id/partnership/evil", headers={"Accept": "text/html"})
            return response.text

    page = anyio.run(fetch)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert 'href="javascript:' not in page


def test_void(endpoint, seed_store):
    response = httpx.get(endpoint + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = triples_of(response.content, ox.RdfFormat.TURTLE)
    by_predicate: dict[str, list] = {}
    for triple in triples:
        by_predicate.setdefault(triple.predicate.value, []).append(triple.object)
    assert [int(t.value) for t in by_predicate[str(VOID.triples)]].count(len(seed_store)) == 1
    assert by_predicate[str(VOID.sparqlEndpoint)] == [ox.NamedNode(endpoint + "/sparql")]
    assert by_predicate["http://purl.org/dc/terms/license"]
    assert len(by_predicate["http://purl.org/dc/terms/source"]) == 5
    assert len(by_predicate["http://www.w3.org/ns/shacl#select"]) == len(bundled_queries())
    assert httpx.get(endpoint + "/void").status_code == 200


def test_explorer_page_offline_and_safe(endpoint):
    page = httpx.get(endpoint + "/")
    assert page.status_code == 200
    assert "<script src" not in page.text and "http://" not in page.text.split("<script")[1]
    assert "innerHTML" not in page.text
    listed = httpx.get(endpoint + "/queries").json()
    assert {q["name"] for q in listed} == set(bundled_queries())
    assert json.dumps(listed)
