"""Pipeline: sources -> extract -> emit -> store, one document at a time.

A document whose sha256 and extractor version match what the store recorded is skipped;
a changed one replaces its graph in one transaction; new ones are added in batches by the
store's bulk loader (``Store.add_graphs``: a crash loses the batch, never part of a
document). A file that cannot be read is reported and skipped; the others go on. The store
may be a :class:`kg.owner.RemoteWriter`: the same calls, made to the ``kg serve`` that owns
the store, which commits each batch in one transaction.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import PROV, RDF

from kg import EXTRACTOR_VERSION
from kg.emit import Triples, provenance_graph, reference_graph, to_graph
from kg.errors import KgError
from kg.extract import extract
from kg.extract.vocabulary import read_grades, read_indicators, read_themes
from kg.namespace import IKG, bind_prefixes, graph_iri
from kg.resources import resource_dir
from kg.sources import file_sha256, iter_source_files, read_document, unsupported_reason
from kg.store import ONTOLOGY_GRAPH, REFERENCE_GRAPH, SUMMARY_GRAPH, Store


@dataclass
class BuildReport:
    """What a build did: ingested, skipped (unchanged) and failed documents."""

    ingested: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    triples: int = 0  # quads in the store after the build (source data: graphs, descriptions)
    unsupported: list[str] = field(default_factory=list)  # one line per file of no read type
    # one line per document read whose text is not about an inspection (no inspection in it)
    notes: list[str] = field(default_factory=list)

    @property
    def quads(self) -> int:
        """Quads of source data in the store after the build (``triples``, kept for callers)."""
        return self.triples

    @property
    def ok(self) -> bool:
        """True unless nothing could be ingested while something failed or was not read."""
        return not (self.failed or self.unsupported) or bool(self.ingested or self.skipped)


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
        # canonical blank-node labels: a plain parse mints new ones each run, so the digest
        # would always differ and every build would rewrite these graphs
        canonical = to_canonical_graph(graph).serialize(format="nt")
        text = "\n".join(sorted(canonical.splitlines()))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if store.graph_state(name) == (digest, EXTRACTOR_VERSION):
            continue
        store.replace_graph(name, graph, _describe(name, digest))


def _describe(name: URIRef, digest: str) -> Graph:
    """The default-graph description of a graph the build derives (static or summary)."""
    description = bind_prefixes(Graph())
    description.add((name, RDF.type, PROV.Entity))
    description.add((name, IKG.sha256, Literal(digest)))
    description.add((name, IKG.extractorVersion, Literal(EXTRACTOR_VERSION)))
    return description


def write_summary(store: Store) -> bool:
    """Derive the theme statistics into ``graph/summary`` if the graphs changed; True if so.

    The summary's ``ikg:sha256`` is a digest of every other graph's sha256 and extractor
    version, so an unchanged rebuild skips it, and a build after a crash (or any change)
    derives it again. Whole-graph aggregates are slow on a large store (``shared_themes``
    took 1.2 s at 1.1M quads); the summary makes that query a lookup of 20-odd rows.
    """
    states = [state for state in store.graph_states() if state[0] != str(SUMMARY_GRAPH)]
    text = "\n".join(" ".join(state) for state in states)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if store.graph_state(SUMMARY_GRAPH) == (digest, EXTRACTOR_VERSION):
        return False
    query = (resource_dir("queries") / "derived" / "theme_summary.rq").read_text(encoding="utf-8")
    summary = Triples()
    for row in store.query(query):
        theme = URIRef(row["themeIri"].value)
        summary.add((theme, IKG.inspectionCount, Literal(int(row["inspections"].value))))
        summary.add((theme, IKG.strengthCount, Literal(int(row["strengths"].value))))
        summary.add((theme, IKG.improvementCount, Literal(int(row["improvements"].value))))
        summary.add((theme, IKG.partnershipList, Literal(row["partnershipList"].value)))
    description = _describe(SUMMARY_GRAPH, digest)
    description.add((SUMMARY_GRAPH, PROV.generatedAtTime, Literal(datetime.now(UTC))))
    store.replace_graph_ntriples(
        SUMMARY_GRAPH, summary.to_ntriples(), description.serialize(format="nt")
    )
    return True


@dataclass(frozen=True)
class Prepared:
    """A document's graph, ready to commit: N-Triples of its facts and of its description."""

    document_id: str
    triples: str
    description: str
    inspection: bool = True  # whether the text is about an inspection


def prepare_file(path: Path) -> Prepared:
    """Read, extract and emit one file (pure of the store; runs in worker processes)."""
    document = read_document(path)
    name = graph_iri(document.id)
    extraction = extract(document)
    return Prepared(
        document.id,
        to_graph(document, extraction).to_ntriples(),
        provenance_graph(document, name, datetime.now(UTC)).to_ntriples(),
        extraction.inspection is not None,
    )


def _prepare_or_error(path: Path) -> Prepared | KgError:
    try:
        return prepare_file(path)
    except KgError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one bad document must not end the build
        return KgError(f"{path}: extraction failed ({type(exc).__name__}: {exc})".split("\n")[0])


def _file_sha256(path: Path) -> str | None:
    """The sha256 of a file's bytes, or None when it cannot be read (reported later)."""
    return file_sha256(path)


BATCH_DOCUMENTS = 64  # new documents per bulk load: fewer, larger loads write less
BATCH_BYTES = 8 << 20  # ... but a batch's text stays small next to the process
COMPACT_AFTER = 256  # bulk-loaded documents in one build after which the store is compacted
WINDOW_PER_JOB = 8  # documents read ahead per worker: keeps workers busy, memory bounded


def _is_unchanged(path: Path, store: Store) -> bool:
    state = store.graph_state(graph_iri(path.stem))
    return state is not None and state == (_file_sha256(path), EXTRACTOR_VERSION)


def _prepare_all(paths: list[Path], jobs: int) -> Iterator[tuple[Path, Prepared | KgError]]:
    """Each path with its prepared graph or its error, in order; ``jobs`` worker processes.

    At most ``WINDOW_PER_JOB`` documents per worker are in flight, so results never pile up
    in memory when the writer is slower than the workers.
    """
    if jobs <= 1 or len(paths) <= 1:
        for path in paths:
            yield path, _prepare_or_error(path)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending = iter(paths)
        window = deque()
        for path in pending:
            window.append((path, pool.submit(_prepare_or_error, path)))
            if len(window) >= jobs * WINDOW_PER_JOB:
                break
        while window:
            path, future = window.popleft()
            following = next(pending, None)
            if following is not None:
                window.append((following, pool.submit(_prepare_or_error, following)))
            yield path, future.result()


def build(
    sources: list[Path],
    store: Store,
    progress: Callable[[Path, str], None] | None = None,
    jobs: int = 1,
    batch_documents: int = BATCH_DOCUMENTS,
    on_total: Callable[[int], None] | None = None,
) -> BuildReport:
    """Ingest every readable document under ``sources`` into ``store``.

    With ``jobs > 1`` documents are read and extracted in that many worker processes; the
    store is written by this process only, so the result is the same as with one process.
    Documents new to the store are committed in batches of up to ``BATCH_DOCUMENTS``;
    changed ones one transaction each. ``store`` may be a :class:`kg.owner.RemoteWriter` (the
    store is served: its server writes each batch in one transaction). ``on_total`` is told
    how many documents there are before the first is read; ``progress`` then hears of each.
    """
    report = BuildReport()
    unsupported: list[Path] = []
    paths = list(iter_source_files(sources, unsupported))  # a missing source: error, no writes
    report.unsupported = [unsupported_reason(path) for path in unsupported]
    if on_total is not None:
        on_total(len(paths))
    for read in (read_themes, read_grades, read_indicators):
        read()  # a bad trigger vocabulary is one error here, not a failure per document
    _load_static(store)
    seen: dict[str, Path] = {}
    todo: list[Path] = []
    new: set[Path] = set()  # no graph of this name yet: the bulk loader may add it
    for path in paths:
        key = str(graph_iri(path.stem))
        if key in seen:
            report.failed.append((str(path), f"{path}: same document graph as {seen[key]}"))
            continue
        seen[key] = path
        if _is_unchanged(path, store):
            report.skipped.append(path.stem)
            if progress is not None:
                progress(path, "skipped")
        else:
            todo.append(path)
            if not store.has_graph(graph_iri(path.stem)):
                new.add(path)

    batch: list[tuple[Path, Prepared]] = []
    replaced = 0

    def done(path: Path, status: str) -> None:
        if progress is not None:
            progress(path, status)

    def commit_batch() -> None:
        store.add_graphs([(graph_iri(p.document_id), p.triples, p.description) for _, p in batch])
        for path, prepared in batch:
            report.ingested.append(prepared.document_id)
            done(path, "ingested")
        batch.clear()

    for path, outcome in _prepare_all(todo, jobs):
        if isinstance(outcome, KgError):
            report.failed.append((str(path), str(outcome)))
            done(path, "failed")
            continue
        if not outcome.inspection:
            report.notes.append(f"{path}: not about an inspection (no inspection extracted)")
        if path in new and "_:" not in outcome.triples:
            batch.append((path, outcome))
            size = sum(len(p.triples) for _, p in batch)
            if len(batch) >= batch_documents or size >= BATCH_BYTES:
                commit_batch()
        else:
            store.replace_graph_ntriples(
                graph_iri(outcome.document_id), outcome.triples, outcome.description
            )
            replaced += 1
            report.ingested.append(outcome.document_id)
            done(path, "ingested")
    commit_batch()
    write_summary(store)
    store.flush()
    if len(report.ingested) - replaced >= COMPACT_AFTER:
        store.optimize()
    report.triples = len(store)
    return report
