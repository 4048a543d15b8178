"""Validation document by document (kg.reason.validate_store) gives the whole graph's results.

On the seeds, and on the seeds plus tests/fixtures/graphs/cross-document.trig: two document
graphs with violations planted in one document and across the two, and nodes that only look
wrong in one document alone (a partnership typed, a person named, in the other).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF, SH

from kg.namespace import DATA, GRAPH, NIF
from kg.reason import (
    DOCUMENT_BATCH,
    document_graphs,
    load_shapes_graph,
    read_beyond_focus,
    reasoner_data,
    shacl_store,
    validate,
    validate_shacl,
    validate_store,
)
from kg.store import Store

PLANTED = Path(__file__).resolve().parent / "fixtures" / "graphs" / "cross-document.trig"
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


@pytest.fixture(scope="module")
def planted(seed_store_path: Path, tmp_path_factory) -> Store:
    """A copy of the seed store with the two planted document graphs added."""
    path = tmp_path_factory.mktemp("planted") / "store"
    shutil.copytree(seed_store_path, path)
    store = Store(path)
    dataset = Dataset()
    dataset.parse(PLANTED, format="trig")
    for name in (GRAPH["planted-a"], GRAPH["planted-b"]):
        store.replace_graph(name, dataset.graph(name))
    store.flush()
    return store


def test_shapes_read_one_hop_beyond_the_focus() -> None:
    """What document-by-document validation relies on (kg.reason.read_beyond_focus)."""
    shapes = load_shapes_graph()
    assert all(isinstance(path, URIRef) for path in shapes.objects(None, SH.path))
    for nested in set(shapes.objects(None, SH.node)):
        for prop in shapes.objects(nested, SH.property):
            assert (prop, SH["class"], None) not in shapes
            assert (prop, SH.node, None) not in shapes
    read = read_beyond_focus(shapes)
    assert RDF.type in read and URIRef(str(NIF.anchorOf)) in read


def pairs(violations) -> set[tuple[str, str]]:
    return {(v.focus, v.rule) for v in violations}


@pytest.mark.parametrize("batch", [1, DOCUMENT_BATCH])
def test_seeds_document_by_document_equal_the_whole_graph(seed_store: Store, batch: int) -> None:
    whole = validate_shacl(seed_store.to_rdflib())
    found, documents = shacl_store(seed_store, batch=batch)
    assert len(documents) == 5
    assert whole, "the seeds give coverage warnings: something to compare"
    assert found == whole


@pytest.mark.parametrize("batch", [1, DOCUMENT_BATCH])
def test_planted_violations_document_by_document_equal_the_whole_graph(
    planted: Store, batch: int
) -> None:
    whole = validate_shacl(planted.to_rdflib())
    found, documents = shacl_store(planted, batch=batch)
    assert len(documents) == 7
    assert found == whole, "\n".join(v.line() for v in set(found) ^ set(whole))


def test_planted_violations_are_found_across_documents(planted: Store) -> None:
    found, _ = shacl_store(planted, batch=1)
    dangling = "https://w3id.org/inspection-kg/id/document/planted-a#char=50,60"
    expected = {
        # only in the union of the two documents
        (str(DATA["area/planted"]), "GssCodeShape/MaxCount"),
        (str(DATA["grade-count/planted/2020/very-good"]), "GradeCountShape/MaxCount"),
        (str(DATA["finding/planted-a/0-40"]), "StrengthNotImprovementShape/Not"),
        # in one document
        (str(DATA["inspection/planted-b/2021"]), "InspectionShape/MinCount"),
        (dangling, "EvidenceShape/MinCount"),
        (str(DATA["finding/planted-a/50-60"]), "FindingShape/Node"),
    }
    assert expected <= pairs(found)
    focused = {v.focus for v in found}
    # described in B: document A alone would say they break their shapes
    assert str(DATA["inspection/planted/2020"]) not in focused
    assert str(DATA["person/pat-planted"]) not in focused
    assert str(DATA["grade-count/planted/2020/good"]) not in focused
    by_focus = {v.focus: v for v in found if v.is_error}
    assert by_focus[str(DATA["grade-count/planted/2020/very-good"])].document == "planted_a"
    assert by_focus[dangling].document == "planted_a"


def test_worker_processes_give_the_same_results(planted: Store) -> None:
    one, _ = shacl_store(planted, batch=2)
    two, _ = shacl_store(planted, jobs=2, batch=2)
    assert two == one


@needs_java
def test_small_store_reasons_over_everything(seed_store: Store) -> None:
    report = validate_store(seed_store)
    whole = validate(seed_store.to_rdflib())
    assert report.conforms and whole.conforms
    assert report.violations == whole.violations
    assert report.classified == whole.classified
    assert (report.documents, report.owl_documents, report.scope) == (5, 5, None)


@needs_java
def test_above_the_sample_size_hermit_reasons_over_a_sample(seed_store: Store) -> None:
    report = validate_store(seed_store, owl_sample=2)
    assert report.conforms, "\n".join(report.lines())
    assert (report.documents, report.owl_documents) == (5, 2)
    assert "2 of 5 documents" in report.scope
    assert "SHACL checked all 5 documents" in report.scope


def test_the_sample_holds_the_chosen_documents_and_the_reference(seed_store: Store) -> None:
    documents = document_graphs(seed_store)
    assert len(documents) == 5  # the five seeds: not the ontology, reference or summary
    graph, checked = reasoner_data(seed_store, documents, owl_sample=2)
    assert checked == 2
    subjects = set(graph.subjects())
    described = {str(s) for s in subjects if "/id/document/" in str(s) and "#" not in str(s)}
    # documents 000 and 002 of the five, sorted
    assert {d.rsplit("/", 1)[-1][:3] for d in described} == {"000", "002"}
    assert URIRef(str(DATA["inspectorate/care-inspectorate"])) in subjects
