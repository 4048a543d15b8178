"""Store (stage 4): the embedded persistent SPARQL store (Oxigraph), replaced graph by graph.

Each document's facts live in their own named graph; its provenance description (PROV-O)
sits in the default graph. Replacing a document is one SPARQL Update, so one transaction: a
crash leaves either the old graph or the new one, never half of either.

The default graph is also the deduplicated union of the named graphs: each triple of every
graph once, kept current by the same update (the old graph's triples that no other graph
states are removed first). Queries read the default graph as it is, instead of Oxigraph's
union of all graphs, which yields a solution per copy of a triple: the Care Inspectorate's
label sits in every document graph, so every join through it multiplied by the number of
documents. ``GRAPH ?g`` reaches each document's own graph, as before. Exports and pushes
send the named graphs and the descriptions; the rest of the default graph is derived.

Documents new to the store are added in batches by Oxigraph's bulk loader, which writes
sorted files instead of one transaction per document (about 3x less work per document) but
is not transactional. Each batch is bracketed: a transaction first records the batch's graph
names as pending (``<graph/pending> prov:generated G``), the bulk load follows, and a last
transaction writes the descriptions and clears the mark. A crash in between leaves the mark,
and the next read-write open removes those graphs, with what only they stated, before
anything else: a document is in the store with its description, or not at all.

While ``kg serve`` runs, it is the store's one writer (``kg.owner``): the batches a build sends
it are written by :meth:`Store.add_graphs_atomic`, one transaction each, because readers are
served meanwhile. Read-only opens (``Store(path, read_only=True)``) never take the lock; they
are retried while a writer compacts away a file the manifest they read still names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from kg.errors import KgError, StoreInUseError
from kg.namespace import DATA, GRAPH, IKG

DEFAULT_STORE = "kg-store"
REFERENCE_GRAPH = GRAPH["reference"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
SUMMARY_GRAPH = GRAPH["summary"]  # statistics derived from the other graphs at build time
_ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
_ONTOLOGY_CLASS = (ox.NamedNode(str(IKG.Inspection)), ox.NamedNode(str(RDF.type)))
_SHA256 = ox.NamedNode(str(IKG.sha256))
_EXTRACTOR_VERSION = ox.NamedNode(str(IKG.extractorVersion))
PENDING = GRAPH["pending"]  # subject of the marks of a bulk load not yet committed
_PENDING = (ox.NamedNode(str(PENDING)), ox.NamedNode(str(PROV.generated)))


def default_store_path() -> Path:
    """``$KG_STORE`` when set, else ``./kg-store``; ``KG_STORE=`` (set but empty) is an error.

    An empty value would otherwise be ``Path("")``, the current folder, which a read-write
    open turns into an Oxigraph store.
    """
    value = os.environ.get("KG_STORE")
    if value is None:
        return Path(DEFAULT_STORE)
    if not value.strip():
        raise KgError("KG_STORE is set but empty: give a store folder, or unset it for ./kg-store")
    return Path(value)


def is_store_folder(path: Path) -> bool:
    """Whether ``path`` holds an Oxigraph (RocksDB) store: its ``CURRENT`` file names one."""
    return (Path(path) / "CURRENT").is_file()


def _check_writable_location(path: Path) -> None:
    """Refuse to turn a folder that holds other files into a store (``--store .``)."""
    if path.is_dir() and not is_store_folder(path):
        others = [child.name for child in path.iterdir() if not child.name.startswith(".")]
        if others:
            raise KgError(
                f"{path}: not a store (no Oxigraph files) and not empty ({len(others)} entries);"
                " refusing to write a store into it"
            )


_PREFIX_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def turtle_prefixes(iris: Iterable[str]) -> dict[str, str]:
    """Prefixes for Turtle and TriG whose local names need no escapes.

    The ontology's prefixes and one per first-level folder of the instance IRIs
    (``id/partnership/`` as ``partnership:``); a prefix is dropped when an IRI it would
    abbreviate has a ``/`` or ``#`` left (``id:holding\\/a\\/b`` is legal Turtle but unreadable),
    so such an IRI is written in full.

    >>> p = turtle_prefixes(["https://w3id.org/inspection-kg/id/partnership/fife",
    ...                      "https://w3id.org/inspection-kg/id/holding/a/b"])
    >>> p["partnership"], "holding" in p, "id" in p, p["xsd"]
    ('https://w3id.org/inspection-kg/id/partnership/', False, False, 'http://www.w3.org/2001/XMLSchema#')
    """
    from kg.namespace import PREFIXES

    candidates = {str(namespace): prefix for prefix, namespace in PREFIXES.items()}
    candidates.setdefault(str(GRAPH), "graph")
    data = str(DATA)
    iris = set(iris)
    for iri in iris:
        rest = iri[len(data) :] if iri.startswith(data) else ""
        folder, slash, _ = rest.partition("/")
        if slash and _PREFIX_NAME.fullmatch(folder) and folder[:1].isalpha():
            name = folder if folder not in PREFIXES else f"id-{folder}"
            candidates.setdefault(f"{data}{folder}/", name)
    namespaces = sorted(candidates, key=len, reverse=True)
    while True:
        dropped = set()
        for iri in iris:
            match = next((ns for ns in namespaces if iri.startswith(ns)), None)
            if match is not None and re.search(r"[/#]", iri[len(match) :]):
                dropped.add(match)
        if not dropped:
            break
        namespaces = [ns for ns in namespaces if ns not in dropped]
    return {candidates[ns]: ns for ns in sorted(namespaces, key=candidates.get)}


def _ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


READ_ONLY_ATTEMPTS = 6


def _open_read_only(path: Path):
    """Open ``path`` read-only, again (up to six times, 0.05 to 1.6 s apart) while a process
    writing it removes files its manifest still names: RocksDB compacts files away after
    a commit, and a view opened at that moment reads a manifest naming a file already gone
    ("IO error: No such file or directory ... .sst", raised as RuntimeError or OSError)."""
    import time

    for attempt in range(READ_ONLY_ATTEMPTS):
        try:
            return ox.Store.read_only(str(path))
        except (OSError, RuntimeError) as exc:
            message = str(exc)
            if "No such file" not in message or attempt == READ_ONLY_ATTEMPTS - 1:
                if isinstance(exc, RuntimeError):
                    raise OSError(message) from exc
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


class Store:
    """A pyoxigraph store on disk (``path``) or in memory (``path=None``)."""

    def __init__(self, path: Path | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise KgError(f"{self.path}: no store here; run `kg build` first")
                if self.path.is_dir() and not is_store_folder(self.path):
                    raise KgError(f"{self.path}: not a store (no Oxigraph files in it)")
                self._store = _open_read_only(self.path)
            else:
                _check_writable_location(self.path)
                self.path.parent.mkdir(parents=True, exist_ok=True)  # `--store new/dir/kg`
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise StoreInUseError(
                    f"{self.path}: store is in use by another process (try again when it ends)"
                ) from exc
            raise KgError(f"{self.path}: cannot open the store ({message})") from exc
        if not read_only:
            self.recover()
            self.ensure_index()

    # --------------------------------------------------------------- reading
    def query(self, sparql: str):
        """Run a SPARQL query; its default graph holds every graph's triples, each once."""
        options = {} if self.indexed() else {"use_default_graph_as_union": True}
        try:
            return self._store.query(sparql, **options)
        except SyntaxError as exc:
            raise KgError(f"query: SPARQL syntax error: {exc}") from exc

    def indexed(self) -> bool:
        """Whether the default graph holds the union (stores written before it did do not).

        Every build loads the ontology graph first; its triples are in the union or not.
        """
        if not self._store.contains_named_graph(_ONTOLOGY):
            return True  # nothing written yet, or a store written only by replace_graph
        return self._first_default(*_ONTOLOGY_CLASS) is not None

    def _first_default(self, subject: ox.NamedNode, predicate: ox.NamedNode | None = None):
        """The first default-graph quad with this subject (and predicate), or None."""
        quads = self._store.quads_for_pattern(subject, predicate, None, ox.DefaultGraph())
        return next(iter(quads), None)

    def graph_state(self, graph_name: URIRef) -> tuple[str, str] | None:
        """The (sha256, extractor version) recorded for a document graph, or None."""
        # two index lookups, not a SPARQL query: 1.2 ms -> tens of µs per document, which
        # is most of an unchanged rebuild
        name = ox.NamedNode(str(graph_name))
        sha, version = (
            self._first_default(name, _SHA256),
            self._first_default(name, _EXTRACTOR_VERSION),
        )
        return None if sha is None or version is None else (sha.object.value, version.object.value)

    def has_graph(self, graph_name: URIRef) -> bool:
        """Whether the store holds this named graph or a description of it."""
        name = ox.NamedNode(str(graph_name))
        return self._store.contains_named_graph(name) or self._first_default(name) is not None

    def graph_states(self) -> list[tuple[str, str, str]]:
        """(graph name, sha256, extractor version) of every described graph, sorted."""
        rows = self._store.query(
            f"SELECT ?g ?sha ?version WHERE {{ ?g <{IKG.sha256}> ?sha ; "
            f"<{IKG.extractorVersion}> ?version }}"
        )
        return sorted((row["g"].value, row["sha"].value, row["version"].value) for row in rows)

    def named_graphs(self) -> list[str]:
        """The names of the store's graphs (documents, ontology, reference), sorted."""
        return sorted(graph.value for graph in self._store.named_graphs())

    def dataset_quads(self) -> Iterable[ox.Quad]:
        """The named graphs' quads and the descriptions of those graphs (the source data).

        The rest of the default graph, the union of the named graphs, is left out.
        """
        names = set(self._store.named_graphs())
        for quad in self._store.quads_for_pattern(None, None, None, None):
            if not isinstance(quad.graph_name, ox.DefaultGraph) or quad.subject in names:
                yield quad

    def __len__(self) -> int:
        """Quads of the source data: the named graphs and their descriptions."""
        descriptions = sum(
            1
            for name in self._store.named_graphs()
            for _ in self._store.quads_for_pattern(name, None, None, ox.DefaultGraph())
        )
        return len(self._store) - self.union_count() + descriptions

    def union_count(self) -> int:
        """Triples in the default graph: the distinct triples of all graphs."""
        rows = self._store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
        return int(next(iter(rows))["n"].value)

    # --------------------------------------------------------------- writing
    def replace_graph(
        self, graph_name: URIRef, graph: Graph, description: Graph | None = None
    ) -> None:
        """Replace one named graph (and its description in the default graph) atomically."""
        self.replace_graph_ntriples(
            graph_name, _ntriples(graph), _ntriples(description) if description else None
        )

    def replace_graph_ntriples(
        self, graph_name: URIRef, triples: str, description: str | None = None
    ) -> None:
        """Replace one named graph from N-Triples text, in one SPARQL Update (one transaction).

        The default graph's union loses the old graph's triples that no other graph states
        and gains the new graph's, in the same transaction.
        """
        name = f"<{graph_name}>"
        parts = [
            *self._unindex(name),
            f"DROP SILENT GRAPH {name}",
            f"INSERT DATA {{ GRAPH {name} {{\n{triples}\n}} }}",
            # the same text again is cheaper than ADD (14 vs 17 ms per document), but blank
            # node labels cannot be shared between two INSERT DATA blocks
            f"ADD {name} TO DEFAULT" if "_:" in triples else f"INSERT DATA {{\n{triples}\n}}",
        ]
        if description is not None:
            parts.append(f"INSERT DATA {{\n{description}\n}}")
        self._store.update(" ;\n".join(parts))

    def add_graphs(self, batch: list[tuple[URIRef, str, str]]) -> None:
        """Add document graphs new to the store: (name, N-Triples, description) each.

        One bulk load for the batch, bracketed by the pending mark (see the module
        docstring), so a crash loses the batch, never part of a document. The names must
        not be in the store yet and the texts must have no blank nodes (labels are shared
        across one bulk load); use :meth:`replace_graph_ntriples` otherwise.
        """
        if not batch:
            return
        self._mark_pending(batch)
        try:
            self._bulk_load(batch)
        except (OSError, SyntaxError) as exc:
            self.recover()
            raise KgError(f"{self.path or 'store'}: bulk load failed ({exc})") from exc
        descriptions = "\n".join(description for _, _, description in batch)
        self._store.update(
            f"INSERT DATA {{\n{descriptions}\n}} ;\nDELETE DATA {{ {self._marks(batch)} }}"
        )

    def add_graphs_atomic(self, batch: list[tuple[URIRef, str, str]]) -> None:
        """Add document graphs new to the store in ONE transaction: (name, N-Triples,
        description) each, as :meth:`add_graphs` but never partly visible.

        Used by ``kg serve`` for the batches ``kg build`` sends it: queries run on snapshots,
        so each sees the whole batch (graphs, union, descriptions) or none of it. Slower than
        the bulk loader (the quads go through one write batch in memory), safe with readers.
        """
        if not batch:
            return
        chunks = []
        for name, triples, description in batch:
            suffix = f"<{name}> .\n"
            chunks.extend(line[:-2] + suffix for line in triples.splitlines() if line)
            chunks.append(triples if triples.endswith("\n") else triples + "\n")
            chunks.append(description if description.endswith("\n") else description + "\n")
        data = "".join(chunks).encode("utf-8")
        try:
            self._store.extend(ox.parse(data, format=ox.RdfFormat.N_QUADS, lenient=True))
        except (OSError, SyntaxError) as exc:
            raise KgError(f"{self.path or 'store'}: batch not written ({exc})") from exc

    @staticmethod
    def _marks(batch: list[tuple[URIRef, str, str]]) -> str:
        return " ".join(f"<{PENDING}> <{PROV.generated}> <{name}> ." for name, _, _ in batch)

    def _mark_pending(self, batch: list[tuple[URIRef, str, str]]) -> None:
        """First step of :meth:`add_graphs`: record the batch's names as pending."""
        self._store.update(f"INSERT DATA {{ {self._marks(batch)} }}")

    def _bulk_load(self, batch: list[tuple[URIRef, str, str]], union: bool = True) -> None:
        """Second step of :meth:`add_graphs`: each graph's triples, and (``union``) the same
        triples in the default graph, in one bulk load."""
        chunks = []
        for name, triples, _ in batch:
            suffix = f"<{name}> .\n"
            chunks.extend(line[:-2] + suffix for line in triples.splitlines() if line)
            if union:
                chunks.append(triples if triples.endswith("\n") else triples + "\n")
        # lenient: the text comes from pyoxigraph's own serialiser, so its IRIs are valid
        data = "".join(chunks).encode("utf-8")
        self._store.bulk_load(input=data, format=ox.RdfFormat.N_QUADS, lenient=True)

    def recover(self) -> list[str]:
        """Remove the graphs of a bulk load that never committed; their names, sorted.

        A graph of the batch may be complete, partial or absent: each is dropped with what
        only it stated, then any default-graph triple that no graph states and that is not
        a description (the union part of a partial load) is swept, then the mark cleared.
        """
        pending = sorted(
            quad.object.value
            for quad in self._store.quads_for_pattern(*_PENDING, None, ox.DefaultGraph())
        )
        if not pending:
            return []
        for name in pending:
            self.remove_graph(URIRef(name))
        self._store.update(
            "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o "
            "FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } "
            f"FILTER NOT EXISTS {{ ?s <{IKG.sha256}> ?sha }} "
            f"FILTER (?s != <{PENDING}>) }} ;\n"
            f"DELETE WHERE {{ <{PENDING}> ?p ?o }}"
        )
        return pending

    def remove_graph(self, graph_name: URIRef) -> None:
        """Drop one named graph, its description and what only it stated from the union."""
        name = f"<{graph_name}>"
        self._store.update(" ;\n".join([*self._unindex(name), f"DROP SILENT GRAPH {name}"]))

    @staticmethod
    def _unindex(name: str) -> list[str]:
        """Update operations removing graph ``name``'s description, and its triples that no
        other named graph states, from the default graph."""
        return [
            f"DELETE WHERE {{ {name} ?p ?o }}",
            f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != {name}) }} }}",
        ]

    def ensure_index(self) -> bool:
        """Add the union of the named graphs to the default graph if missing; True if added.

        Stores written before the default graph held it get it on their next build.
        """
        if self.indexed():
            return False
        self._store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        return True

    def optimize(self) -> None:
        """Compact the store's files (bulk loads leave many small ones; queries on them were
        about 15 % slower at 1,000 documents, and compacting took 1.5 s)."""
        if self.path is not None:
            self._store.optimize()

    def flush(self) -> None:
        """Write buffers to disk."""
        if self.path is not None:
            self._store.flush()

    # --------------------------------------------------------------- export
    def dump(self, output, rdf_format: str) -> None:
        """Write the whole store as ``turtle`` (union), ``trig``, ``nquads`` or ``jsonld``."""
        formats = {
            "nquads": ox.RdfFormat.N_QUADS,
            "trig": ox.RdfFormat.TRIG,
            "turtle": ox.RdfFormat.TURTLE,
            "ntriples": ox.RdfFormat.N_TRIPLES,
        }
        if rdf_format == "jsonld":
            from rdflib import Dataset

            dataset = Dataset()
            dataset.parse(data=self.dump_text("nquads"), format="nquads")
            output.write(dataset.serialize(format="json-ld").encode("utf-8"))
            return
        if rdf_format not in formats:
            raise KgError(f"export: unknown format {rdf_format!r}")
        prefixes = None
        if rdf_format in ("turtle", "trig"):
            prefixes = turtle_prefixes(self._iris())
        if formats[rdf_format] in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
            if self.indexed():
                self._store.dump(
                    output, formats[rdf_format], from_graph=ox.DefaultGraph(), prefixes=prefixes
                )
                return
            union = ox.Store()
            union.extend(
                ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                for q in self.dataset_quads()
            )
            union.dump(output, formats[rdf_format], from_graph=ox.DefaultGraph(), prefixes=prefixes)
        else:
            # sorted by graph then subject, so TriG groups each subject's triples
            quads = self.dataset_quads()
            if prefixes is not None:
                quads = sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject)))
            ox.serialize(quads, output, formats[rdf_format], prefixes=prefixes)

    def _iris(self) -> set[str]:
        """The IRIs naming subjects and graphs, and IRI objects (for :func:`turtle_prefixes`)."""
        iris: set[str] = set()
        for quad in self._store.quads_for_pattern(None, None, None, None):
            for term in (quad.subject, quad.object, quad.graph_name):
                if isinstance(term, ox.NamedNode):
                    iris.add(term.value)
        return iris

    def dump_text(self, rdf_format: str) -> str:
        """The whole store serialised as text."""
        import io

        buffer = io.BytesIO()
        self.dump(buffer, rdf_format)
        return buffer.getvalue().decode("utf-8")

    def to_rdflib(self) -> Graph:
        """The union of all graphs as one rdflib Graph (for validation and reasoning)."""
        graph = Graph()
        graph.parse(data=self.dump_text("ntriples"), format="nt")
        return graph
