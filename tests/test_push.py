"""Push: the seed graph sent to a real `oxigraph serve` answers like the embedded store.

Each server is a real `oxigraph serve` on 127.0.0.1 (``servers.start_oxigraph``), killed in
teardown. Also checks the federated example ``queries/examples/statsgov_service.rq`` against
a local server holding a statistics.gov.scot-shaped sample.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from servers import free_port, start_oxigraph, stop

from kg.errors import KgError
from kg.namespace import IKG
from kg.pipeline import build
from kg.push import bound_query_text, push, remote_results, run_remote_query
from kg.query import bundled_queries, read_query, run_query
from kg.store import SUMMARY_GRAPH, Store

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
STATSGOV_SERVICE = "<https://statistics.gov.scot/sparql>"
PLAIN_QUERIES = [
    name for name, path in bundled_queries().items() if not read_query(str(path)).required
]
COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    """An empty Oxigraph server: its query URL."""
    process, base = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "data")
    yield base + "/query"
    stop(process)


@pytest.fixture(scope="module")
def statsgov(tmp_path_factory):
    """An Oxigraph server standing in for statistics.gov.scot, holding the sample cube."""
    process, base = start_oxigraph(tmp_path_factory.mktemp("statsgov") / "data")
    sample = (ROOT / "tests" / "fixtures" / "statsgov_sample.ttl").read_bytes()
    response = httpx.post(
        base + "/store?default", content=sample, headers={"Content-Type": "text/turtle"}
    )
    assert response.status_code in (200, 201, 204), response.text
    yield base + "/query"
    stop(process)


@pytest.fixture(scope="module")
def pushed(remote, seed_store):
    """The seed store pushed once to the remote server: the first push's report."""
    return push(seed_store, remote)


def counts(rows) -> dict[str, int]:
    return {row["g"]: int(row["n"]) for row in rows}


def test_first_push_sends_every_graph(pushed, seed_store):
    assert sorted(pushed.replaced) == seed_store.named_graphs()
    assert pushed.skipped == [] and pushed.removed == []
    assert pushed.method == "graph store protocol"


def test_triple_counts_per_graph(pushed, remote, seed_store):
    local = counts(run_query(seed_store, COUNTS).rows)
    assert counts(run_remote_query(remote, COUNTS).rows) == local
    default = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    remote_default = run_remote_query(remote, default, union_default_graph=False).rows
    local_default = sum(
        1 for quad in seed_store.dataset_quads() if isinstance(quad.graph_name, ox.DefaultGraph)
    )
    assert int(remote_default[0]["n"]) == local_default


@pytest.mark.parametrize("name", PLAIN_QUERIES)
def test_competency_queries_answer_the_same(pushed, remote, seed_store, name):
    local = run_query(seed_store, name)
    answer = run_remote_query(remote, read_query(name).text)
    assert answer.variables == local.variables
    as_rows = lambda result: Counter(tuple(row.items()) for row in result.rows)  # noqa: E731
    assert as_rows(answer) == as_rows(local)


def test_parameterised_query_remote(pushed, remote, seed_store):
    params = {"label": "Inverclyde Alliance"}
    local = run_query(seed_store, "evidence", params)
    answer = run_remote_query(remote, bound_query_text("evidence", params))
    assert local.rows and answer.variables == local.variables
    assert sorted(map(str, answer.rows)) == sorted(map(str, local.rows))
    with pytest.raises(KgError, match="unknown parameter"):
        bound_query_text("evidence", {"nope": "x"})


def test_remote_results_csv(pushed, remote):
    text = remote_results(remote, read_query("inspections").text, "csv")
    assert text.splitlines()[0].startswith("inspection,partnership,area,gss")
    assert "Inverclyde Alliance" in text


def test_second_push_skips_everything(pushed, remote, seed_store):
    again = push(seed_store, remote)
    assert again.replaced == [] and again.removed == []
    assert sorted(again.skipped) == seed_store.named_graphs()


def test_changed_document_replaces_only_its_graph(pushed, remote, seed_store, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    changed = seeds / "001_11b822338e92b3cf.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nThe partnership thanked everyone involved.\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "store")
    report = build([seeds], store)
    assert report.failed == []
    result = push(store, remote)
    changed_graph = "https://w3id.org/inspection-kg/graph/001-11b822338e92b3cf"
    # the theme summary is derived from every document's digest, so it follows the change
    assert sorted(result.replaced) == sorted([changed_graph, str(SUMMARY_GRAPH)])
    assert len(result.skipped) == len(store.named_graphs()) - 2
    local = counts(run_query(store, COUNTS).rows)
    assert counts(run_remote_query(remote, COUNTS).rows) == local
    sha = f"SELECT ?sha WHERE {{ <{changed_graph}> <{IKG.sha256}> ?sha }}"
    remote_sha = run_remote_query(remote, sha, union_default_graph=False).rows
    assert [row["sha"] for row in remote_sha] == [store.graph_state(changed_graph)[0]]


def test_push_to_nowhere_is_a_clear_error(seed_store):
    with pytest.raises(KgError, match="cannot reach"):
        push(seed_store, f"http://127.0.0.1:{free_port()}/query", timeout=5)


def _statsgov_query(service_url: str) -> str:
    text = (ROOT / "queries" / "examples" / "statsgov_service.rq").read_text(encoding="utf-8")
    assert STATSGOV_SERVICE in text
    return text.replace(STATSGOV_SERVICE, f"<{service_url}>")


EXPECTED_STATS = [
    ("Inverclyde Alliance", "S12000018", "http://reference.data.gov.uk/id/year/2016", "198"),
    ("Inverclyde Alliance", "S12000018", "http://reference.data.gov.uk/id/year/2017", "210"),
]


def test_statsgov_service_example_embedded(statsgov, seed_store):
    rows = run_query(seed_store, _statsgov_query(statsgov)).rows
    assert [(r["partnership"], r["gss"], r["period"], r["value"]) for r in rows] == EXPECTED_STATS
    assert {r["dataset"] for r in rows} == {"http://statistics.gov.scot/data/children-looked-after"}


def test_statsgov_service_example_on_the_pushed_server(statsgov, pushed, remote):
    rows = run_remote_query(remote, _statsgov_query(statsgov)).rows
    assert [(r["partnership"], r["gss"], r["period"], r["value"]) for r in rows] == EXPECTED_STATS


def test_push_to_the_server_base_url_names_query_and_store(remote, seed_store):
    base = remote.removesuffix("/query")
    with pytest.raises(KgError, match=rf"HTTP 404.*{base}/query.*{base}/store"):
        push(seed_store, base, timeout=10)
