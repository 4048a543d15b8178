"""Pipeline: sources -> extract -> emit -> store, one document at a time.

A document whose sha256 and extractor version match what the store recorded is skipped;
a changed one replaces its graph in one transaction. A file that cannot be read is reported
and skipped; the others go on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import PROV, RDF

from kg import EXTRACTOR_VERSION
from kg.emit import provenance_graph, reference_graph, to_graph
from kg.errors import KgError
from kg.extract import extract
from kg.namespace import IKG, bind_prefixes, graph_iri
from kg.resources import resource_dir
from kg.sources import iter_source_files, read_document
from kg.store import ONTOLOGY_GRAPH, REFERENCE_GRAPH, Store


@dataclass
class BuildReport:
    """What a build did: ingested, skipped (unchanged) and failed documents."""

    ingested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    triples: int = 0

    @property
    def ok(self) -> bool:
        """True unless nothing could be ingested while something failed."""
        return not self.failed or bool(self.ingested or self.skipped)


def _static_graphs() -> list[tuple[object, Graph]]:
    ontology_dir = resource_dir("ontology")
    ontology = Graph().parse(ontology_dir / "inspection.ttl")
    reference = reference_graph()
    for name in ("themes.ttl", "grades.ttl"):
        if (ontology_dir / name).exists():
            reference.parse(ontology_dir / name)
    return [(ONTOLOGY_GRAPH, ontology), (REFERENCE_GRAPH, reference)]


def _load_static(store: Store) -> None:
    """Load the ontology and reference graphs, replacing them only when they changed."""
    for name, graph in _static_graphs():
        text = "\n".join(sorted(graph.serialize(format="nt").splitlines()))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if store.graph_state(name) == (digest, EXTRACTOR_VERSION):
            continue
        description = bind_prefixes(Graph())
        description.add((name, RDF.type, PROV.Entity))
        description.add((name, IKG.sha256, Literal(digest)))
        description.add((name, IKG.extractorVersion, Literal(EXTRACTOR_VERSION)))
        store.replace_graph(name, graph, description)


def ingest_file(path: Path, store: Store) -> str:
    """Ingest one file; return ``ingested`` or ``skipped``; raise KgError when unreadable."""
    document = read_document(path)
    name = graph_iri(document.id)
    if store.graph_state(name) == (document.sha256, EXTRACTOR_VERSION):
        return "skipped"
    graph = to_graph(document, extract(document))
    store.replace_graph(name, graph, provenance_graph(document, name, datetime.now(UTC)))
    return "ingested"


def build(
    sources: list[Path],
    store: Store,
    progress: Callable[[Path, str], None] | None = None,
) -> BuildReport:
    """Ingest every readable document under ``sources`` into ``store``."""
    report = BuildReport()
    _load_static(store)
    seen: dict[str, Path] = {}
    for path in iter_source_files(sources):
        stem = path.stem
        if stem in seen:
            report.failed.append((str(path), f"same document id as {seen[stem]}"))
            continue
        seen[stem] = path
        try:
            outcome = ingest_file(path, store)
        except KgError as exc:
            report.failed.append((str(path), str(exc)))
            outcome = "failed"
        else:
            (report.ingested if outcome == "ingested" else report.skipped).append(stem)
        if progress is not None:
            progress(path, outcome)
    store.flush()
    report.triples = len(store)
    return report
