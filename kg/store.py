"""Store (stage 4): the embedded persistent SPARQL store (Oxigraph), replaced graph by graph.

Each document's facts live in their own named graph; its provenance sits in the default
graph. Replacing a document is one SPARQL Update, so one transaction: a crash leaves either
the old graph or the new one, never half of either.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import KgError, StoreInUseError
from kg.namespace import GRAPH, IKG

DEFAULT_STORE = "kg-store"
REFERENCE_GRAPH = GRAPH["reference"]
ONTOLOGY_GRAPH = GRAPH["ontology"]


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

    # --------------------------------------------------------------- reading
    def query(self, sparql: str):
        """Run a SPARQL query with the default graph as the union of all graphs."""
        try:
            return self._store.query(sparql, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise KgError(f"query: SPARQL syntax error: {exc}") from exc

    def __len__(self) -> int:
        return len(self._store)

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
        """The names of the store's named graphs, sorted."""
        return sorted(graph.value for graph in self._store.named_graphs())

    def dataset_quads(self) -> Iterable[ox.Quad]:
        """Every quad of the store."""
        return self._store.quads_for_pattern(None, None, None, None)

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
        """Replace one named graph from N-Triples text, in one SPARQL Update (one transaction)."""
        name = f"<{graph_name}>"
        parts = [
            f"DROP SILENT GRAPH {name}",
            f"DELETE WHERE {{ {name} ?p ?o }}",
            f"INSERT DATA {{ GRAPH {name} {{\n{triples}\n}} }}",
        ]
        if description is not None:
            parts.append(f"INSERT DATA {{\n{description}\n}}")
        self._store.update(" ;\n".join(parts))

    def remove_graph(self, graph_name: URIRef) -> None:
        """Drop one named graph and its description."""
        name = f"<{graph_name}>"
        self._store.update(f"DROP SILENT GRAPH {name} ; DELETE WHERE {{ {name} ?p ?o }}")

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
            union = ox.Store()
            union.extend(
                ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
                for q in self.dataset_quads()
            )
            union.dump(output, formats[rdf_format], from_graph=ox.DefaultGraph())
        else:
            self._store.dump(output, formats[rdf_format])

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
