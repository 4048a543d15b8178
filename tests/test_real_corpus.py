"""The real corpus (``corpus/real/``): its copy and source list, the public address the reader
records for each document, and its development and held-out expectations as ``kg eval``
scores them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.emit import document_iri, to_graph
from kg.errors import KgError
from kg.extract import extract
from kg.sources import iter_source_files, read_document

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "corpus" / "real"
SHARED = ROOT.parent / "shared" / "corpus"


def _source_rows() -> dict[str, str]:
    with (REAL / "sources.csv").open(encoding="utf-8", newline="") as handle:
        return {row["document"]: row["source_url"] for row in csv.DictReader(handle)}


def _sources(graph, document_id: str) -> set:
    """The dcterms:source values of a document in its emitted triples."""
    doc = document_iri(document_id)
    return {o for s, p, o in graph if s == doc and p == DCTERMS.source}


# ---------------------------------------------------------------- the copy and its addresses


def test_every_real_text_has_one_source_address_and_the_folder_walk_skips_the_readme():
    texts = {p.stem for p in REAL.glob("*.txt")}
    assert len(texts) == 32
    assert set(_source_rows()) == texts
    walked = list(iter_source_files([REAL]))
    assert {p.stem for p in walked} == texts  # README.md describes the folder; not a document


@pytest.mark.skipif(
    not SHARED.is_dir(), reason="the session's shared corpus is not on this machine"
)
def test_real_texts_are_verbatim_copies_of_the_shared_corpus():
    for path in REAL.glob("*.txt"):
        assert path.read_bytes() == (SHARED / path.name).read_bytes(), path.name


def test_reader_records_the_public_address_and_emit_writes_it_beside_the_path():
    rows = _source_rows()
    document = read_document(REAL / "glasgow_ci_older_people_2015.txt")
    assert document.url == rows["glasgow_ci_older_people_2015"]
    assert document.url.startswith("https://www.careinspectorate.com/")
    graph = to_graph(document, extract(document))
    assert _sources(graph, document.id) == {Literal(document.path), URIRef(document.url)}


def test_a_document_without_a_listed_address_has_none(tmp_path):
    (tmp_path / "a.txt").write_text("Joint inspection in Fife.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Joint inspection in Fife.", encoding="utf-8")
    assert read_document(tmp_path / "a.txt").url == ""  # no source list at all
    (tmp_path / "sources.csv").write_text(
        "document,source_url\na,https://example.org/a\n", encoding="utf-8"
    )
    assert read_document(tmp_path / "a.txt").url == "https://example.org/a"
    assert read_document(tmp_path / "b.txt").url == ""
    document = read_document(tmp_path / "b.txt")
    graph = to_graph(document, extract(document))
    assert _sources(graph, "b") == {Literal(document.path)}


def test_a_seed_style_manifest_gives_addresses_too(tmp_path):
    (tmp_path / "doc.txt").write_text("Joint inspection in Fife.", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text(
        "id,file,title,date,source_url,sha256\ndoc,doc.txt,T,,https://example.org/doc,0\n",
        encoding="utf-8",
    )
    assert read_document(tmp_path / "doc.txt").url == "https://example.org/doc"
    assert read_document(ROOT / "seeds" / "000_7cc63730632ce016.txt").url == ""  # column empty


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            "document,url\na,https://example.org/a\n",
            "needs the columns document (or id) and source_url",
        ),
        (
            "document,source_url\na,ftp://example.org/a\n",
            "line 2: 'ftp://example.org/a' is not an http",
        ),
    ],
)
def test_a_malformed_source_list_is_one_line_naming_it(tmp_path, content, problem):
    (tmp_path / "a.txt").write_text("Joint inspection in Fife.", encoding="utf-8")
    (tmp_path / "sources.csv").write_text(content, encoding="utf-8")
    with pytest.raises(KgError, match=r"sources\.csv: ") as info:
        read_document(tmp_path / "a.txt")
    assert problem in str(info.value)
    assert "\n" not in str(info.value)
