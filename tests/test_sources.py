"""Property tests: any text normalises and extracts without crashing, evidence offsets hold,
and every IRI emitted parses (hypothesis, kept small so the suite stays fast)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef

from kg.emit import to_graph
from kg.extract import extract
from kg.extract.records import Evidence
from kg.sources import Document, decode_bytes, normalise_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_SENTENCES = sorted(
    {
        sentence.strip()
        for path in SEEDS.glob("*.txt")
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", path.read_text(encoding="utf-8"))
        if 10 < len(sentence.strip()) < 400
    }
)
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# text that reaches the extractor's matchers: seed sentences, mixed with arbitrary text
pieces = st.one_of(
    st.text(max_size=80),
    st.sampled_from(SEED_SENTENCES),
    st.sampled_from(["\n", "\r\n", "\u2019", "\u00a0", '"', "\u201c", "\x00", "\ufeff", " - "]),
)
texts = st.lists(pieces, max_size=12).map(" ".join)


def evidence_in(record: object) -> Iterator[Evidence]:
    """Every :class:`Evidence` reachable from ``record`` (dataclasses, tuples, lists)."""
    if isinstance(record, Evidence):
        yield record
    elif dataclasses.is_dataclass(record) and not isinstance(record, type):
        for item in dataclasses.fields(record):
            yield from evidence_in(getattr(record, item.name))
    elif isinstance(record, (tuple, list)):
        for item in record:
            yield from evidence_in(item)


def document(text: str, document_id: str = "doc") -> Document:
    """A Document built directly from text, normalised as the readers do."""
    return Document(
        id=document_id,
        path=f"{document_id}.txt",
        text=normalise_text(text),
        sha256="0" * 64,
        media_type="text/plain",
    )


def test_evidence_walk_finds_nested_evidence() -> None:
    """The walker reaches evidence inside nested records (so the property is not vacuous)."""
    doc = document("\n".join(SEED_SENTENCES[:60]))
    assert len(list(evidence_in(extract(doc)))) > 0


@PROPERTY
@given(texts)
def test_extract_never_crashes_and_evidence_slices_the_text(text: str) -> None:
    """For any text: extraction runs, and every evidence span is exactly its text."""
    doc = document(text)
    extraction = extract(doc)
    for evidence in evidence_in(extraction):
        assert 0 <= evidence.start <= evidence.end <= len(doc.text)
        assert doc.text[evidence.start : evidence.end] == evidence.text


@PROPERTY
@given(texts, st.text(min_size=1, max_size=40))
def test_every_emitted_iri_parses(text: str, document_id: str) -> None:
    """Every IRI ``to_graph`` mints, whatever the text and document id, is a valid IRI."""
    doc = document(text, document_id)
    graph = to_graph(doc, extract(doc))
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                ox.NamedNode(str(term))


@PROPERTY
@given(st.text(max_size=200))
def test_normalise_is_idempotent_and_clean(text: str) -> None:
    """Normalised text has no CR, no control codes but tab and newline, and is a fixed point."""
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert "\r" not in once
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", once)


@PROPERTY
@given(st.binary(max_size=400))
def test_decode_any_bytes_gives_text_or_one_line(data: bytes) -> None:
    """Any bytes decode to text or are refused with one line naming the file; nothing else."""
    from kg.errors import KgError

    try:
        text = decode_bytes(data, Path("x.txt"))
    except KgError as exc:
        assert str(exc).startswith("x.txt: ") and "\n" not in str(exc)
    else:
        assert isinstance(text, str)
