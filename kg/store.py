"""Store (stage 4): the embedded persistent SPARQL store (Oxigraph), replaced graph by graph.

Each document's facts live in their own named graph; its provenance sits in the default
graph. Replacing a document is one SPARQL Update, so one transaction: a crash leaves either
the old graph or the new one, never half of either.

The same update keeps ``graph/facts`` current: the set union of every other graph (the named
graphs and the default graph's provenance descriptions), each triple once. Queries read it as
their default graph instead of Oxigraph's union of all graphs, which yields a solution per
copy of a triple: the Care Inspectorate's label sits in every document graph, so every join
through it multiplied by the number of documents. ``facts`` is an index, not a source:
``named_graphs``, ``dataset_quads``, exports and pushes leave it out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import KgError, StoreInUseError
from kg.namespace import GRAPH, IKG

DEFAULT_STORE = "kg-store"
REFERENCE_GRAPH = GRAPH["reference"]
ONTOLOGY_GRAPH = GRAPH["ontology"]
FACTS_GRAPH = GRAPH["facts"]
_FACTS = ox.NamedNode(str(FACTS_GRAPH))
_GRAPH_KEYWORD = re.compile(r"\bGRAPH\b", re.IGNORECASE)


def default_store_path() -> Path:
    """``$KG_STORE`` when set, else ``./kg-store``."""
    return Path(os.environ.get("KG_STORE", DEFAULT_STORE))


def _ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


class Store:
    """A pyoxigraph store on disk (``path``) or in memory (``path=None``)."""

    def __init__(self, path: Path | None = None, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not self.path.exists():
                    raise KgError(f"{self.path}: no store here; run `kg build` first")
                self._store = ox.Store.read_only(str(self.path))
            else:
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise StoreInUseError(
                    f"{self.path}: store is in use by another process (try again when it ends)"
                ) from exc
            raise KgError(f"{self.path}: cannot open the store ({message})") from exc
        if not read_only:
            self.ensure_facts()

    # --------------------------------------------------------------- reading
    def query(self, sparql: str):
        """Run a SPARQL query; its default graph is every graph's triples, each once.

        That is ``graph/facts``; ``GRAPH ?g`` still reaches each document's own graph, and
        only those: the index is hidden from it, as it is from exports and pushes.
        """
        if self._store.contains_named_graph(_FACTS):
            options = {"default_graph": _FACTS}
            if _GRAPH_KEYWORD.search(sparql):  # keep the index out of GRAPH ?g (it costs, so
                options["named_graphs"] = [  # only for queries that name graphs)
                    g for g in self._store.named_graphs() if g != _FACTS
                ]
        else:  # a read-only store written before the index existed: right, but slower
            options = {"use_default_graph_as_union": True}
        try:
            return self._store.query(sparql, **options)
        except SyntaxError as exc:
            raise KgError(f"query: SPARQL syntax error: {exc}") from exc

    def graph_state(self, graph_name: URIRef) -> tuple[str, str] | None:
        """The (sha256, extractor version) recorded for a document graph, or None."""
        rows = self._store.query(
            f"SELECT ?sha ?version WHERE {{ <{graph_name}> <{IKG.sha256}> ?sha ; "
            f"<{IKG.extractorVersion}> ?version }}"
        )
        for row in rows:
            return row["sha"].value, row["version"].value
        return None

    def named_graphs(self) -> list[str]:
        """The names of the store's source graphs (documents, ontology, reference), sorted."""
        return sorted(g.value for g in self._store.named_graphs() if g != _FACTS)

    def dataset_quads(self) -> Iterable[ox.Quad]:
        """Every quad of the source graphs and the default graph (not the ``facts`` index)."""
        return (
            quad
            for quad in self._store.quads_for_pattern(None, None, None, None)
            if quad.graph_name != _FACTS
        )

    def facts_quads(self) -> Iterable[ox.Quad]:
        """The deduplicated union of the source graphs (the ``facts`` index)."""
        return self._store.quads_for_pattern(None, None, None, _FACTS)

    def __len__(self) -> int:
        return len(self._store) - self.facts_count()

    def facts_count(self) -> int:
        """Triples in the ``facts`` index (distinct triples over the source graphs)."""
        rows = self._store.query(
            f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{FACTS_GRAPH}> {{ ?s ?p ?o }} }}"
        )
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

        The ``facts`` index loses the old graph's triples that no other graph states and
        gains the new graph's, in the same transaction.
        """
        name = f"<{graph_name}>"
        parts = [
            *self._unindex(name),
            f"DROP SILENT GRAPH {name}",
            f"DELETE WHERE {{ {name} ?p ?o }}",
            f"INSERT DATA {{ GRAPH {name} {{\n{triples}\n}} }}",
            # the same text again is cheaper than ADD (14 vs 17 ms per document), but blank
            # node labels cannot be shared between two INSERT DATA blocks
            f"ADD {name} TO <{FACTS_GRAPH}>"
            if "_:" in triples
            else f"INSERT DATA {{ GRAPH <{FACTS_GRAPH}> {{\n{triples}\n}} }}",
        ]
        if description is not None:
            parts.append(f"INSERT DATA {{\n{description}\n}}")
            parts.append(f"INSERT DATA {{ GRAPH <{FACTS_GRAPH}> {{\n{description}\n}} }}")
        self._store.update(" ;\n".join(parts))

    def remove_graph(self, graph_name: URIRef) -> None:
        """Drop one named graph and its description (and its triples from ``facts``)."""
        name = f"<{graph_name}>"
        parts = [
            *self._unindex(name),
            f"DROP SILENT GRAPH {name}",
            f"DELETE WHERE {{ {name} ?p ?o }}",
        ]
        self._store.update(" ;\n".join(parts))

    @staticmethod
    def _unindex(name: str) -> list[str]:
        """Update operations removing from ``facts`` what only graph ``name`` states."""
        facts = f"<{FACTS_GRAPH}>"
        return [
            f"DELETE WHERE {{ GRAPH {facts} {{ {name} ?p ?o }} }}",
            f"DELETE {{ GRAPH {facts} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} "
            f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} "
            f"FILTER (?other != {name} && ?other != {facts}) }} }}",
        ]

    def ensure_facts(self) -> bool:
        """Build the ``facts`` index from the source graphs when it is missing; True if built.

        Stores written before the index existed get it on their next build.
        """
        if self._store.contains_named_graph(_FACTS):
            return False
        self._store.update(
            f"INSERT {{ GRAPH <{FACTS_GRAPH}> {{ ?s ?p ?o }} }} "
            f"WHERE {{ {{ GRAPH ?g {{ ?s ?p ?o }} }} UNION {{ ?s ?p ?o }} }} ;\n"
            f"CREATE SILENT GRAPH <{FACTS_GRAPH}>"
        )
        return True

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
        if formats[rdf_format] in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
            if self._store.contains_named_graph(_FACTS):
                self._store.dump(output, formats[rdf_format], from_graph=_FACTS)
                return
            union = ox.Store()
            union.extend(
                ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                for q in self.dataset_quads()
            )
            union.dump(output, formats[rdf_format], from_graph=ox.DefaultGraph())
        else:
            ox.serialize(self.dataset_quads(), output, formats[rdf_format])

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
