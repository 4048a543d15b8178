"""Serve (stage 10): a read-only SPARQL 1.1 Protocol endpoint, Linked Data pages, VoID.

``create_app(store, ...)`` returns an ASGI app (Starlette):

- ``/sparql`` -- SPARQL 1.1 Protocol, query operation only: ``GET ?query=``, ``POST``
  ``application/sparql-query`` or ``application/x-www-form-urlencoded``. Results by content
  negotiation (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD, RDF/XML for graphs),
  serialised by Oxigraph. Updates are refused (403), a malformed query answers 400 with the
  parser's message, a body over ``max_body`` 413, a query over ``timeout_s`` 503; at most
  ``max_rows`` rows (or triples) are returned, and a cut result says so in
  ``X-KG-Truncated``. CORS is open, so browser clients such as YASGUI work.
- ``/id/...`` -- Linked Data: the instance IRI ``https://w3id.org/inspection-kg/id/...``
  dereferenced as Turtle or JSON-LD (by ``Accept``) or as an HTML page listing its facts,
  the evidence sentences and the source documents. All text is HTML-escaped.
- ``/.well-known/void`` (and ``/void``) -- a VoID/DCAT description of the dataset.
- ``/`` -- the explorer page (``kg/templates/explorer.html``); ``/queries`` the bundled
  queries as JSON; ``/views/NAME`` the interactive views.

The server opens its store read-write and is its one writer while it runs (``kg.owner``):
``kg build`` on the same store sends its writes to ``POST /_kg/store/METHOD`` (token from the
store's ``kg-serve.json``), which applies them one at a time, each batch in one transaction,
so queries (on snapshots) see a batch whole as soon as it commits.

Queries run in a bounded pool of worker threads (Oxigraph releases the GIL). A timed-out
query is answered at once and told to stop: it stops at its next row; one that computes long
before its first row keeps its worker until done, and when every worker is busy new queries
get 503 instead of queueing without bound.
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import os
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SH, SKOS, VOID, XSD

from kg.errors import KgError
from kg.namespace import BASE, DATA, IKG, NIF, PREFIXES, PROV, SCHEMA, bind_prefixes
from kg.owner import REMOTE_METHODS
from kg.store import Store, turtle_prefixes

TEMPLATES = Path(__file__).resolve().parent / "templates"
DATA_LICENSE = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BODY = 1_000_000
DEFAULT_WORKERS = 4

RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}
_UPDATE_WORDS = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
    r"(INSERT|DELETE|DROP|CLEAR|LOAD|CREATE|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"(?m)(?:^|(?<=\s))#[^\n]*")
LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, FOAF.name, DCTERMS.title)
TEXT_LIMIT = 2_000
RESOURCE_LIMIT = 5_000


class QueryRefused(Exception):
    """A request the endpoint answers with an HTTP error status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Answer:
    """A serialised query answer."""

    body: bytes
    media_type: str
    truncated: bool = False


# ------------------------------------------------------------------ negotiation
def negotiate(accept: str | None, offers: list[str]) -> str | None:
    """Pick the best of ``offers`` for an ``Accept`` header (None when none is acceptable).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+json", ["text/csv",
    ...           "application/sparql-results+json"])
    'application/sparql-results+json'
    >>> negotiate(None, ["text/turtle", "application/ld+json"])
    'text/turtle'
    >>> negotiate("image/png", ["text/turtle"]) is None
    True
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((quality, position, media))
    best: tuple[float, int, int, str] | None = None
    for index, offer in enumerate(offers):
        main = offer.split("/")[0]
        for quality, _position, media in ranges:
            specific = 2 if media == offer else 1 if media == f"{main}/*" else 0
            if media not in (offer, f"{main}/*", "*/*") or quality <= 0:
                continue
            key = (quality, specific, -index, offer)
            if best is None or key[:3] > best[:3]:
                best = key
    return best[3] if best else None


def looks_like_update(text: str) -> bool:
    """True when ``text`` opens (after prefixes and comments) with an update keyword.

    >>> looks_like_update("PREFIX x: <urn:x> # c\\nINSERT DATA { <a> <b> <c> }")
    True
    >>> looks_like_update("SELECT * WHERE { ?s ?p ?o }")
    False
    """
    return bool(_UPDATE_WORDS.match(_COMMENT.sub(" ", text)))


# ------------------------------------------------------------------ execution
def _term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    value: dict = {"type": "literal", "value": term.value}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype.value != str(XSD.string):
        value["datatype"] = term.datatype.value
    return value


def _solutions_json(variables: list[str], rows: list[ox.QuerySolution]) -> bytes:
    bindings = []
    for row in rows:
        binding = {}
        for name in variables:
            term = row[name]
            if term is not None:
                binding[name] = _term_json(term)
        bindings.append(binding)
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def answer_query(
    store: Store,
    text: str,
    accept: str | None,
    *,
    max_rows: int,
    stop: threading.Event | None = None,
) -> Answer:
    """Run ``text`` on ``store`` and serialise at most ``max_rows`` rows by ``accept``.

    Raises :class:`QueryRefused` for a syntax error, an unacceptable ``Accept`` or when
    ``stop`` is set while rows are read.
    """
    if looks_like_update(text):
        raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is not accepted")
    try:
        results = store.query(text)
    except KgError as exc:
        raise QueryRefused(400, str(exc)) from None
    except OSError as exc:
        raise QueryRefused(500, f"query failed: {exc}") from None
    if isinstance(results, ox.QueryBoolean):
        media = negotiate(accept, list(RESULT_TYPES))
        if media is None:
            raise QueryRefused(406, "ASK results come as SPARQL JSON, XML, CSV or TSV")
        buffer = io.BytesIO()
        results.serialize(buffer, RESULT_TYPES[media])
        return Answer(buffer.getvalue(), media)
    rows: list = []
    truncated = False
    try:
        for row in results:
            if stop is not None and stop.is_set():
                raise QueryRefused(503, "query stopped: it exceeded the time limit")
            if len(rows) >= max_rows:
                truncated = True
                break
            rows.append(row)
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryRefused(500, f"query failed: {exc}") from None
    buffer = io.BytesIO()
    if isinstance(results, ox.QuerySolutions):
        media = negotiate(accept, list(RESULT_TYPES))
        if media is None:
            raise QueryRefused(406, "SELECT results come as SPARQL JSON, XML, CSV or TSV")
        variables = [v.value for v in results.variables]
        parsed = ox.parse_query_results(
            _solutions_json(variables, rows), format=ox.QueryResultsFormat.JSON
        )
        parsed.serialize(buffer, RESULT_TYPES[media])
    else:
        media = negotiate(accept, list(GRAPH_TYPES))
        if media is None:
            raise QueryRefused(406, "graph results come as Turtle, N-Triples, JSON-LD or RDF/XML")
        ox.serialize(rows, buffer, GRAPH_TYPES[media], prefixes=_prefixes(rows))
    return Answer(buffer.getvalue(), media, truncated)


def _prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    """The prefixes for these triples: the ontology's, and one per folder of instance IRIs,
    so local names carry no escaped ``\\/``."""
    return turtle_prefixes(
        term.value
        for triple in triples
        for term in (triple.subject, triple.object)
        if isinstance(term, ox.NamedNode)
    )


class QueryRunner:
    """Run queries in a bounded thread pool with a time limit."""

    def __init__(self, store: Store, *, timeout_s: float, max_rows: int, workers: int) -> None:
        self.store = store
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")
        self._busy = 0
        self._lock = threading.Lock()

    def _job(self, text: str, accept: str | None, stop: threading.Event) -> Answer | QueryRefused:
        # Oxigraph's result iterators must be dropped on the thread that made them, so no
        # exception (whose traceback holds them) leaves this thread: errors are returned.
        try:
            return answer_query(self.store, text, accept, max_rows=self.max_rows, stop=stop)
        except QueryRefused as exc:
            return QueryRefused(exc.status, exc.message)
        except Exception as exc:  # noqa: BLE001 - any failure becomes a 500 answer
            return QueryRefused(500, f"query failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._busy -= 1

    async def run(self, text: str, accept: str | None) -> Answer:
        """Answer ``text``; :class:`QueryRefused` (503) when over time or all workers busy."""
        with self._lock:
            if self._busy >= self.workers:
                raise QueryRefused(503, "the endpoint is busy with other queries; retry later")
            self._busy += 1
        stop = threading.Event()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, self._job, text, accept, stop)
        try:
            result = await asyncio.wait_for(asyncio.shield(future), self.timeout_s)
        except TimeoutError:
            stop.set()
            raise QueryRefused(
                503, f"query exceeded the time limit of {self.timeout_s:g} s"
            ) from None
        if isinstance(result, QueryRefused):
            raise result
        return result


# ------------------------------------------------------------------ Linked Data
def _iri(term: str) -> str:
    return term if not term.startswith("<") else term[1:-1]


def _curie(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        base = str(namespace)
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base) :]}"
    return iri


def local_path(iri: str) -> str | None:
    """The server path ``/id/...`` of an instance IRI, or None for other IRIs.

    >>> local_path("https://w3id.org/inspection-kg/id/partnership/inverclyde")
    '/id/partnership/inverclyde'
    """
    base = str(DATA)
    if iri.startswith(base) and "#" not in iri:
        return "/id/" + iri[len(base) :]
    return None


def resource_triples(store: Store, iri: str, limit: int) -> list[ox.Triple]:
    """The triples describing ``iri``: its own, the links to it, labels and evidence."""
    node = f"<{iri}>"
    labels = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    text = f"""
CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  {{ BIND({node} AS ?s) {node} ?p ?o }}
  UNION {{ BIND({node} AS ?o) ?s ?p {node} }}
  UNION {{ {{ {node} ?any ?s }} UNION {{ ?s ?any {node} }}
           VALUES ?p {{ {labels} <{RDF.type}> }} ?s ?p ?o }}
  UNION {{ {node} <{IKG.evidence}> ?s .
           VALUES ?p {{ <{NIF.anchorOf}> <{NIF.referenceContext}> <{NIF.beginIndex}>
                       <{NIF.endIndex}> }} ?s ?p ?o }}
}} LIMIT {int(limit)}"""
    return list(store.query(text))


def select_rows(store: Store, text: str) -> list[dict[str, str | None]]:
    """Rows of a SELECT as plain strings (None when unbound)."""
    solutions = store.query(text)
    names = [v.value for v in solutions.variables]
    return [
        {name: (row[name].value if row[name] is not None else None) for name in names}
        for row in solutions
    ]


def _label_map(store: Store, iris: set[str]) -> dict[str, str]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in sorted(iris))
    props = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    rows = select_rows(
        store,
        f"SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?s {{ {values} }} "
        f"VALUES ?p {{ {props} }} ?s ?p ?l }} GROUP BY ?s",
    )
    return {row["s"]: row["label"] for row in rows if row["s"] and row["label"]}


def _link(iri: str, labels: dict[str, str]) -> str:
    label = labels.get(iri) or _curie(iri)
    path = local_path(iri)
    if path is not None:
        return f'<a href="{html.escape(quote(path, safe="/-_.~:"))}">{html.escape(label)}</a>'
    if iri.startswith(("http://", "https://")):
        return f'<a href="{html.escape(iri)}" rel="nofollow noopener">{html.escape(label)}</a>'
    return html.escape(label)


def _value(term, labels: dict[str, str]) -> str:
    if isinstance(term, ox.NamedNode):
        return _link(term.value, labels)
    if isinstance(term, ox.Literal):
        text = term.value
        if len(text) > TEXT_LIMIT:
            text = text[:TEXT_LIMIT] + " …"
        suffix = (
            f' <span class="lang">@{html.escape(term.language)}</span>' if term.language else ""
        )
        return f"{html.escape(text)}{suffix}"
    return html.escape(str(term))


PAGE_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;
color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.iri{color:#555;font-family:monospace;word-break:break-all}
blockquote{border-left:3px solid #6a8;margin:.5rem 0;padding:.2rem .8rem;background:#f7fbf8}
.lang{color:#888;font-size:.85em}nav a{margin-right:1rem}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>"
        '<nav><a href="/">Explorer</a><a href="/sparql">SPARQL endpoint</a>'
        '<a href="/.well-known/void">VoID</a></nav>'
        f"{body}</body></html>\n"
    )


def resource_html(store: Store, iri: str, triples: list[ox.Triple]) -> str:
    """The HTML page of ``iri``: facts, links to it, evidence sentences, source documents."""
    outgoing = [t for t in triples if t.subject == ox.NamedNode(iri)]
    incoming = [
        t for t in triples if t.object == ox.NamedNode(iri) and t.subject != ox.NamedNode(iri)
    ]
    iris = {iri}
    for triple in outgoing + incoming:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
    labels = _label_map(store, iris)
    title = labels.get(iri) or _curie(iri)
    parts = [f"<h1>{html.escape(title)}</h1>", f'<p class="iri">{html.escape(iri)}</p>']
    parts.append("<h2>Facts</h2><table><tr><th>property</th><th>value</th></tr>")
    seen = set()
    for triple in sorted(outgoing, key=lambda t: (t.predicate.value, str(t.object))):
        key = (triple.predicate.value, str(triple.object))
        if key in seen:
            continue
        seen.add(key)
        parts.append(
            f"<tr><td>{html.escape(_curie(triple.predicate.value))}</td>"
            f"<td>{_value(triple.object, labels)}</td></tr>"
        )
    parts.append("</table>")
    if incoming:
        parts.append("<h2>Referred to by</h2><table><tr><th>subject</th><th>property</th></tr>")
        seen = set()
        for triple in sorted(incoming, key=lambda t: (t.predicate.value, str(t.subject))):
            key = (triple.predicate.value, str(triple.subject))
            if key in seen:
                continue
            seen.add(key)
            parts.append(
                f"<tr><td>{_value(triple.subject, labels)}</td>"
                f"<td>{html.escape(_curie(triple.predicate.value))}</td></tr>"
            )
        parts.append("</table>")
    evidence = select_rows(
        store,
        f"""SELECT DISTINCT ?text ?doc ?docTitle WHERE {{
  {{ <{iri}> <{IKG.evidence}> ?e }} UNION {{ ?x ?link <{iri}> . ?x <{IKG.evidence}> ?e }}
  ?e <{NIF.anchorOf}> ?text .
  OPTIONAL {{ ?e <{NIF.referenceContext}> ?doc OPTIONAL {{ ?doc <{DCTERMS.title}> ?docTitle }} }}
}} LIMIT 50""",
    )
    if evidence:
        parts.append("<h2>Evidence</h2>")
        doc_labels = {row["doc"]: row["docTitle"] for row in evidence if row["doc"]}
        for row in evidence:
            source = f" — {_link(row['doc'], doc_labels)}" if row["doc"] else ""
            parts.append(f"<blockquote>{html.escape(row['text'] or '')}{source}</blockquote>")
    documents = select_rows(
        store,
        f"""SELECT DISTINCT ?doc ?title ?source WHERE {{
  GRAPH ?g {{ <{iri}> ?p ?o }}
  ?g <{PROV.wasDerivedFrom}> ?doc .
  OPTIONAL {{ ?doc <{DCTERMS.title}> ?title }}
  OPTIONAL {{ ?g <{DCTERMS.source}> ?source }}
}} ORDER BY ?doc""",
    )
    if documents:
        parts.append("<h2>Source documents</h2><ul>")
        doc_labels = {row["doc"]: row["title"] for row in documents if row["doc"] and row["title"]}
        for row in documents:
            source = f" ({html.escape(row['source'])})" if row["source"] else ""
            parts.append(f"<li>{_link(row['doc'], doc_labels)}{source}</li>")
        parts.append("</ul>")
    alternates = (
        '<p>Also as <a href="?format=turtle">Turtle</a> · <a href="?format=jsonld">JSON-LD</a></p>'
    )
    parts.append(alternates)
    return _page(title, "".join(parts))


# ------------------------------------------------------------------ VoID
def void_graph(store: Store, base_url: str, license_iri: URIRef = DATA_LICENSE) -> Graph:
    """A VoID/DCAT description: licence, sources, triple counts, example queries."""
    from kg.query import bundled_queries, read_query

    graph = bind_prefixes(Graph())
    graph.bind("void", VOID)
    graph.bind("dcat", DCAT)
    graph.bind("sh", SH)
    dataset = URIRef(BASE + "dataset")
    endpoint = URIRef(base_url.rstrip("/") + "/sparql")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("inspection-kg", lang="en")))
    graph.add(
        (
            dataset,
            DCTERMS.description,
            Literal(
                "A knowledge graph of Scotland's joint inspections of children's services: "
                "inspections, partnerships, agencies, grades, findings, with evidence.",
                lang="en",
            ),
        )
    )
    graph.add((dataset, DCTERMS.license, license_iri))
    graph.add((dataset, VOID.sparqlEndpoint, endpoint))
    graph.add((dataset, VOID.uriSpace, Literal(str(DATA))))
    graph.add((dataset, VOID.triples, Literal(len(store), datatype=XSD.integer)))
    graph.add((dataset, VOID.exampleResource, DATA["partnership/inverclyde"]))
    service = URIRef(str(endpoint) + "#service")
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCAT.endpointURL, endpoint))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((dataset, DCAT.distribution, service))
    for row in select_rows(
        store,
        f"SELECT ?g ?doc ?source WHERE {{ ?g <{PROV.wasDerivedFrom}> ?doc "
        f"OPTIONAL {{ ?g <{DCTERMS.source}> ?source }} }} ORDER BY ?g",
    ):
        graph.add((dataset, DCTERMS.source, URIRef(row["doc"])))
    for name in store.named_graphs():
        count = select_rows(
            store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        )
        subset = URIRef(name)
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, VOID.triples, Literal(int(count[0]["n"]), datatype=XSD.integer)))
    for name, path in bundled_queries().items():
        query = read_query(str(path))
        example = URIRef(f"{BASE}query/{name}")
        graph.add((example, RDF.type, SH.SPARQLExecutable))
        graph.add((example, RDF.type, SH.SPARQLSelectExecutable))
        graph.add((example, RDFS.label, Literal(name)))
        if query.summary:
            graph.add((example, RDFS.comment, Literal(query.summary, lang="en")))
        graph.add((example, SH.select, Literal(query.text)))
        graph.add((example, SCHEMA.target, endpoint))
        graph.add((example, DCTERMS.isPartOf, dataset))
    return graph


# ------------------------------------------------------------------ the owner
def store_call(store: Store, method: str, payload: dict):
    """Run one :class:`kg.owner.RemoteWriter` call on the store; a JSON-able result.

    Batches of new documents are written in one transaction (``add_graphs_atomic``), not by
    the bulk loader, so the server's queries never see part of one.
    """
    if method == "ping":
        return {"pid": os.getpid()}
    if method == "graph_state":
        state = store.graph_state(URIRef(payload["graph_name"]))
        return None if state is None else list(state)
    if method == "has_graph":
        return store.has_graph(URIRef(payload["graph_name"]))
    if method == "graph_states":
        return [list(row) for row in store.graph_states()]
    if method == "named_graphs":
        return store.named_graphs()
    if method == "len":
        return len(store)
    if method == "select":
        solutions = store.query(payload["sparql"])
        if not isinstance(solutions, ox.QuerySolutions):
            raise KgError("select: not a SELECT query")
        variables = [v.value for v in solutions.variables]
        return json.loads(_solutions_json(variables, list(solutions)))
    if method == "add_graphs":
        # two builds may write through one server: a graph another build added since this
        # one looked is replaced instead (writes run one at a time, so this check holds)
        batch = [(URIRef(n), t, d) for n, t, d in payload["batch"]]
        for name, triples, description in batch:
            if store.has_graph(name):
                store.replace_graph_ntriples(name, triples, description)
        store.add_graphs_atomic([item for item in batch if not store.has_graph(item[0])])
    elif method == "replace_graph_ntriples":
        store.replace_graph_ntriples(
            URIRef(payload["graph_name"]), payload["triples"], payload.get("description")
        )
    elif method == "remove_graph":
        store.remove_graph(URIRef(payload["graph_name"]))
    elif method == "flush":
        store.flush()
    elif method == "optimize":
        store.optimize()
    else:
        raise KgError(f"no store method {method!r}")
    return None


# ------------------------------------------------------------------ the app
def create_app(
    store: Store,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_body: int = DEFAULT_MAX_BODY,
    workers: int = DEFAULT_WORKERS,
    owner_token: str | None = None,
):
    """The ASGI app serving ``store`` read-only (see the module docstring).

    With ``owner_token`` the app also takes the writes of ``kg build`` (``kg.owner``) on
    ``POST /_kg/store/METHOD`` from a client holding that token; they run one at a time.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    runner = QueryRunner(store, timeout_s=timeout_s, max_rows=max_rows, workers=workers)
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-writer")

    def refuse(exc: QueryRefused) -> Response:
        return PlainTextResponse(exc.message + "\n", status_code=exc.status)

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > max_body:
                    raise QueryRefused(413, f"request body over the limit of {max_body} bytes")
            except ValueError:
                raise QueryRefused(400, "invalid Content-Length") from None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                raise QueryRefused(413, f"request body over the limit of {max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def decode(body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise QueryRefused(400, "request body is not UTF-8") from None

    def one_query(params: dict[str, list[str]]) -> str:
        if "update" in params:
            raise QueryRefused(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if "default-graph-uri" in params or "named-graph-uri" in params:
            raise QueryRefused(
                400,
                "default-graph-uri/named-graph-uri are not supported: the default graph is "
                "the union of all graphs; use GRAPH or FROM in the query",
            )
        queries = params.get("query", [])
        if len(queries) != 1:
            raise QueryRefused(400, "expected exactly one 'query' parameter")
        return queries[0]

    async def sparql(request: Request) -> Response:
        try:
            if request.method == "GET":
                raw = request.url.query
                if len(raw) > max_body:
                    raise QueryRefused(414, f"query string over the limit of {max_body} bytes")
                params = parse_qs(raw, keep_blank_values=True)
                if not params:
                    return HTMLResponse(_page("SPARQL endpoint", _ENDPOINT_HELP))
                text = one_query(params)
            else:
                media = request.headers.get("content-type", "").split(";")[0].strip().lower()
                if media == "application/sparql-update":
                    raise QueryRefused(
                        403, "this endpoint is read-only: SPARQL Update is not accepted"
                    )
                body = await read_body(request)
                if media == "application/sparql-query":
                    params = parse_qs(request.url.query, keep_blank_values=True)
                    if "update" in params:
                        one_query(params)
                    text = decode(body)
                elif media == "application/x-www-form-urlencoded":
                    text = one_query(parse_qs(decode(body), keep_blank_values=True))
                else:
                    raise QueryRefused(
                        415,
                        "POST a query as application/sparql-query or "
                        "application/x-www-form-urlencoded (query=...)",
                    )
            answer = await runner.run(text, request.headers.get("accept"))
        except QueryRefused as exc:
            return refuse(exc)
        headers = {"Vary": "Accept"}
        if answer.truncated:
            headers["X-KG-Truncated"] = f"true; max-rows={max_rows}"
        media = answer.media_type
        if media.startswith("text/") or media.endswith(("json", "xml")):
            media += "; charset=utf-8"
        return Response(answer.body, headers=headers, media_type=media)

    async def resource(request: Request) -> Response:
        path = request.path_params["path"]
        iri = str(DATA) + path
        try:
            ox.NamedNode(iri)
        except ValueError:
            return PlainTextResponse("not a valid IRI\n", status_code=400)
        fmt = request.query_params.get("format")
        offers = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]
        chosen = {
            "turtle": "text/turtle",
            "jsonld": "application/ld+json",
            "ntriples": "application/n-triples",
            "html": "text/html",
        }.get(fmt or "") or negotiate(request.headers.get("accept"), offers)
        if chosen is None:
            return PlainTextResponse("not acceptable\n", status_code=406)
        triples = await asyncio.to_thread(resource_triples, store, iri, RESOURCE_LIMIT)
        headers = {"Vary": "Accept"}
        if not triples:
            message = f"nothing is known about {iri}"
            if chosen == "text/html":
                body = _page("Not found", f"<h1>Not found</h1><p>{html.escape(message)}</p>")
                return HTMLResponse(body, status_code=404, headers=headers)
            return PlainTextResponse(message + "\n", status_code=404, headers=headers)
        if chosen == "text/html":
            page = await asyncio.to_thread(resource_html, store, iri, triples)
            return HTMLResponse(page, headers=headers)
        body = ox.serialize(triples, None, GRAPH_TYPES[chosen], prefixes=_prefixes(triples))
        return Response(body, headers=headers, media_type=chosen + "; charset=utf-8")

    async def void(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        chosen = (
            negotiate(request.headers.get("accept"), ["text/turtle", "application/ld+json"])
            or "text/turtle"
        )
        graph = await asyncio.to_thread(void_graph, store, base)
        rdf_format = "json-ld" if chosen == "application/ld+json" else "turtle"
        return Response(graph.serialize(format=rdf_format), media_type=chosen + "; charset=utf-8")

    async def explorer(request: Request) -> Response:
        return HTMLResponse((TEMPLATES / "explorer.html").read_text(encoding="utf-8"))

    async def queries(request: Request) -> Response:
        from kg.query import bundled_queries, read_query

        items = []
        for name, path in bundled_queries().items():
            query = read_query(str(path))
            items.append(
                {
                    "name": name,
                    "summary": query.summary,
                    "description": query.description,
                    "params": list(query.params),
                    "text": query.text,
                }
            )
        return JSONResponse(items)

    async def view(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            from kg.viz import VIEWS, select_view, to_html
        except ImportError:  # pragma: no cover
            return PlainTextResponse("views are not installed\n", status_code=404)
        if name not in VIEWS:
            known = ", ".join(VIEWS)
            return PlainTextResponse(f"no view {name!r} (known: {known})\n", status_code=404)
        page = await asyncio.to_thread(lambda: to_html(select_view(store, name)))
        return HTMLResponse(page)

    async def views_index(request: Request) -> Response:
        from kg.viz import VIEWS

        return JSONResponse([{"name": k, "description": v} for k, v in VIEWS.items()])

    async def owner_call(request: Request) -> Response:
        import secrets

        given = request.headers.get("authorization", "")
        if owner_token is None or not secrets.compare_digest(given, f"Bearer {owner_token}"):
            return PlainTextResponse("not found\n", status_code=404)
        method = request.path_params["method"]
        if method != "ping" and method not in REMOTE_METHODS:
            return PlainTextResponse(f"no store method {method!r}\n", status_code=404)
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            return PlainTextResponse("request body is not JSON\n", status_code=400)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(writer, store_call, store, method, payload)
        except KgError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
            return PlainTextResponse(f"{type(exc).__name__}: {exc}\n", status_code=500)
        return JSONResponse(result)

    routes = [
        Route("/_kg/store/{method}", owner_call, methods=["POST"]),
        Route("/", explorer),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/id/{path:path}", resource),
        Route("/.well-known/void", void),
        Route("/void", void),
        Route("/queries", queries),
        Route("/views", views_index),
        Route("/views/{name}", view),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["X-KG-Truncated"],
            max_age=600,
        )
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.runner = runner
    return app


_ENDPOINT_HELP = (
    "<h1>SPARQL endpoint</h1><p>Send a SPARQL 1.1 query: <code>GET /sparql?query=…</code>, or "
    "<code>POST</code> it as <code>application/sparql-query</code> or as the form field "
    "<code>query</code>. Results follow the <code>Accept</code> header. This endpoint is "
    'read-only. Try the <a href="/">explorer</a>.</p>'
)


def _loopback(host: str) -> str:
    """The address a local client reaches a server bound to ``host`` at."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def open_owned(path: Path, waiting=None) -> Store:
    """Open ``path`` read-write for a server, waiting while a build holds it.

    Another ``kg serve`` owning it is an error (one server per store); any other holder (a
    ``kg build`` started before the server) is waited for, said once through ``waiting``.
    """
    import time

    from kg.errors import StoreInUseError
    from kg.owner import find_owner

    said = False
    while True:
        try:
            return Store(path)
        except StoreInUseError:
            owner = find_owner(path)
            if owner is not None:
                raise KgError(
                    f"{path}: already served by kg serve (pid {owner.pid}) at {owner.url}; "
                    "one server per store"
                ) from None
            if not said and waiting is not None:
                waiting(f"{path}: open in another process (a kg build?); serving when it ends")
                said = True
            time.sleep(0.5)


def serve(
    store_path: Path | str,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_body: int = DEFAULT_MAX_BODY,
    workers: int = DEFAULT_WORKERS,
    waiting=None,
) -> None:
    """Serve the store at ``store_path`` until interrupted, as its one writer (``kg.owner``).

    The public endpoint is read-only; ``kg build`` on the same store sends its writes here.
    Each request is logged on stdout (uvicorn's access log).
    """
    import uvicorn

    from kg.owner import new_token, remove_owner, write_owner

    path = Path(store_path)
    store = open_owned(path, waiting)
    token = new_token()
    app = create_app(
        store,
        timeout_s=timeout_s,
        max_rows=max_rows,
        max_body=max_body,
        workers=workers,
        owner_token=token,
    )
    write_owner(path, f"http://{_loopback(host)}:{port}", token)

    def stop(signum, frame):  # uvicorn stops gracefully, then raises the signal again: here
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        uvicorn.run(
            app, host=host, port=port, log_level="info", access_log=True, server_header=False
        )
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM, raised again by uvicorn once it stopped
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        remove_owner(path, token)
        store.flush()
