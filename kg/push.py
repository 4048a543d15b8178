"""Push (stage 10, publishing): copy the store's graphs to a SPARQL 1.1 server, query it there.

:func:`push` sends every named graph to an existing triple store and keeps the provenance
descriptions (the default graph's ``?g ikg:sha256 ?hex ; ikg:extractorVersion ?v ...``) in
step. A document graph is sent only when its sha256 or extractor version differs from the
description the remote default graph holds; a graph with no description (the reference
data, the ontology) only when a digest of its triples differs from the remote copy's. Graphs
go by the SPARQL 1.1 Graph Store HTTP Protocol (``PUT ?graph=IRI`` with N-Triples) when a
graph store URL is known, else by SPARQL Update (``DROP SILENT GRAPH`` + ``INSERT DATA``).
A graph is written before its description, so an interrupted push is redone next time.

:func:`run_remote_query` runs a query on a remote endpoint (POST
``application/sparql-query``, SPARQL JSON results). The bundled queries expect the default
graph to be the union of all graphs; for Oxigraph server the request carries the
``union-default-graph`` parameter (other stores ignore it: GraphDB and Virtuoso already
query the union by default, Fuseki needs ``tdb2:unionDefaultGraph true`` in its config).

HTTP goes through :mod:`urllib.request`, so pushing needs no extra dependency.
"""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from kg.errors import KgError
from kg.namespace import GRAPH, IKG
from kg.query import QueryResult, bind_parameters, read_query, to_term
from kg.store import Store

RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xml": "application/sparql-results+xml",
}
DEFAULT_TIMEOUT = 120.0
_BNODE = re.compile(r"_:[A-Za-z0-9_\-.]+")


@dataclass
class PushReport:
    """What a push did: graphs replaced, skipped (unchanged) and removed, triples sent."""

    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    triples: int = 0
    method: str = "graph store protocol"


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one remote store: query, update (or None), graph store (or None)."""

    query: str
    update: str | None
    graph_store: str | None


def endpoints_for(
    endpoint: str, graph_store: str | None = None, update: str | None = None
) -> Endpoints:
    """The remote URLs, completing Oxigraph server's layout from its ``/query`` URL.

    >>> endpoints_for("http://127.0.0.1:7878/query")
    Endpoints(query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update', \
graph_store='http://127.0.0.1:7878/store')
    >>> endpoints_for("http://h/sparql")
    Endpoints(query='http://h/sparql', update='http://h/sparql', graph_store=None)
    """
    parts = urlsplit(endpoint)
    if parts.path.endswith("/query"):
        base = parts.path[: -len("query")]
        sibling = lambda name: urlunsplit(parts._replace(path=base + name, query=""))  # noqa: E731
        return Endpoints(endpoint, update or sibling("update"), graph_store or sibling("store"))
    return Endpoints(endpoint, update or endpoint, graph_store)


# ------------------------------------------------------------------ HTTP
def _request(
    url: str,
    method: str,
    body: bytes | None = None,
    content_type: str | None = None,
    accept: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    headers = {"User-Agent": "inspection-kg"}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip().splitlines()
        message = detail[0][:300] if detail else exc.reason
        raise KgError(f"{url}: HTTP {exc.code} ({message})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KgError(f"{url}: cannot reach the endpoint ({reason})") from None


def _with_params(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    query = "&".join(p for p in (parts.query, urlencode(params)) if p)
    return urlunsplit(parts._replace(query=query))


def _remote_query(
    endpoint: str, text: str, accept: str, *, union_default_graph: bool, timeout: float
) -> bytes:
    url = _with_params(endpoint, {"union-default-graph": ""} if union_default_graph else {})
    return _request(
        url,
        "POST",
        text.encode("utf-8"),
        content_type="application/sparql-query; charset=utf-8",
        accept=accept,
        timeout=timeout,
    )


def bound_query_text(query: str, params: dict[str, str] | None = None) -> str:
    """QUERY (bundled name, ``.rq`` path or SPARQL text) with ``params`` bound, for a remote run.

    Parameters are bound exactly as for the embedded store (a ``VALUES`` block of terms
    serialised by Oxigraph); a name the query's header does not declare is an error.
    """
    resolved = read_query(query)
    params = dict(params or {})
    unknown = set(params) - set(resolved.params) if resolved.path else set()
    if unknown:
        raise KgError(f"{resolved.name}: unknown parameter(s) {', '.join(sorted(unknown))}")
    return bind_parameters(resolved.text, {name: to_term(v) for name, v in params.items()})


def run_remote_query(
    endpoint: str,
    query_text: str,
    *,
    union_default_graph: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> QueryResult:
    """Run a SELECT on a remote SPARQL endpoint; rows of plain strings like ``run_query``."""
    body = _remote_query(
        endpoint,
        query_text,
        RESULT_MEDIA["json"],
        union_default_graph=union_default_graph,
        timeout=timeout,
    )
    try:
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as exc:
        raise KgError(f"{endpoint}: not SPARQL JSON results ({exc})") from None
    if not isinstance(results, ox.QuerySolutions):
        raise KgError("query: only SELECT queries give rows; use --format json for others")
    variables = [v.value for v in results.variables]
    rows = [
        {name: (row[name].value if row[name] is not None else None) for name in variables}
        for row in results
    ]
    return QueryResult(variables, rows)


def remote_results(
    endpoint: str,
    query_text: str,
    fmt: str,
    *,
    union_default_graph: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """A remote query's results as the endpoint serialises them (json, csv, tsv or xml)."""
    if fmt not in RESULT_MEDIA:
        raise KgError(f"--format {fmt}: expected json, csv, tsv or xml")
    body = _remote_query(
        endpoint,
        query_text,
        RESULT_MEDIA[fmt],
        union_default_graph=union_default_graph,
        timeout=timeout,
    )
    return body.decode("utf-8")


# ------------------------------------------------------------------ digests
def graph_digest(triples: list[ox.Triple]) -> str:
    """sha256 of a graph's sorted N-Triples lines, blank-node labels blanked.

    >>> t = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x"))
    >>> graph_digest([t]) == graph_digest([t, t])
    True
    """
    lines = sorted({_BNODE.sub("_:b", str(triple)) for triple in triples})
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _graph_query(name: str) -> str:
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"


def local_graph(store: Store, name: str) -> list[ox.Triple]:
    """The triples of one named graph of ``store``."""
    return list(store.query(_graph_query(name)))


def remote_graph(endpoint: str, name: str, timeout: float = DEFAULT_TIMEOUT) -> list[ox.Triple]:
    """The triples of one named graph on a remote endpoint."""
    body = _remote_query(
        endpoint,
        _graph_query(name),
        "application/n-triples",
        union_default_graph=False,
        timeout=timeout,
    )
    try:
        return [quad.triple for quad in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise KgError(f"{endpoint}: cannot read the N-Triples of {name} ({exc})") from None


def _states_query() -> str:
    return (
        f"SELECT ?g ?sha ?version WHERE {{ ?g <{IKG.sha256}> ?sha . "
        f"OPTIONAL {{ ?g <{IKG.extractorVersion}> ?version }} }}"
    )


def remote_states(endpoint: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, tuple]:
    """(sha256, extractor version) per graph, from the remote default graph."""
    result = run_remote_query(endpoint, _states_query(), union_default_graph=False, timeout=timeout)
    return {row["g"]: (row["sha"], row["version"]) for row in result.rows if row["g"]}


def local_descriptions(store: Store) -> dict[str, list[ox.Triple]]:
    """The default graph's triples grouped by subject (each graph's PROV description)."""
    descriptions: dict[str, list[ox.Triple]] = {}
    for quad in store.dataset_quads():
        if isinstance(quad.graph_name, ox.DefaultGraph) and isinstance(quad.subject, ox.NamedNode):
            descriptions.setdefault(quad.subject.value, []).append(quad.triple)
    return descriptions


def _ntriples(triples: list[ox.Triple]) -> bytes:
    return ox.serialize(triples, None, ox.RdfFormat.N_TRIPLES) or b""


# ------------------------------------------------------------------ push
def push(
    store: Store,
    endpoint: str,
    *,
    graph_store: str | None = None,
    update_endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> PushReport:
    """Send ``store``'s named graphs and their descriptions to a remote SPARQL 1.1 store.

    ``endpoint`` is the remote query URL (Oxigraph server: ``http://host:7878/query``, whose
    ``/update`` and ``/store`` are then used). ``graph_store`` is a Graph Store Protocol URL;
    without one, graphs go by SPARQL Update to ``update_endpoint`` (default: ``endpoint``).
    """
    urls = endpoints_for(endpoint, graph_store, update_endpoint)
    report = PushReport(method="graph store protocol" if urls.graph_store else "SPARQL Update")
    remote = remote_states(urls.query, timeout)
    descriptions = local_descriptions(store)
    local_names = store.named_graphs()
    for name in local_names:
        triples = local_graph(store, name)
        state = store.graph_state(name)
        if state is not None:
            unchanged = name in remote and tuple(remote[name]) == tuple(state)
        else:
            unchanged = graph_digest(triples) == graph_digest(
                remote_graph(urls.query, name, timeout)
            )
        if unchanged:
            report.skipped.append(name)
            continue
        _put_graph(urls, name, triples, timeout)
        _put_description(urls, name, descriptions.get(name, []), timeout)
        report.replaced.append(name)
        report.triples += len(triples)
    prefix = str(GRAPH)
    for name in sorted(set(remote) - set(local_names)):
        if name.startswith(prefix):
            _drop_graph(urls, name, timeout)
            report.removed.append(name)
    return report


def _update(urls: Endpoints, text: str, timeout: float) -> None:
    if urls.update is None:
        raise KgError(f"{urls.query}: no SPARQL Update endpoint known; pass one")
    _request(
        urls.update,
        "POST",
        text.encode("utf-8"),
        content_type="application/sparql-update; charset=utf-8",
        timeout=timeout,
    )


def _put_graph(urls: Endpoints, name: str, triples: list[ox.Triple], timeout: float) -> None:
    body = _ntriples(triples)
    if urls.graph_store:
        url = _with_params(urls.graph_store, {"graph": name})
        if triples:
            _request(url, "PUT", body, content_type="application/n-triples", timeout=timeout)
        else:
            _update(urls, f"DROP SILENT GRAPH <{name}>", timeout)
        return
    text = f"DROP SILENT GRAPH <{name}>"
    if triples:
        text += f" ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body.decode('utf-8')}\n}} }}"
    _update(urls, text, timeout)


def _put_description(urls: Endpoints, name: str, triples: list[ox.Triple], timeout: float) -> None:
    text = f"DELETE WHERE {{ <{name}> ?p ?o }}"
    if triples:
        text += f" ;\nINSERT DATA {{\n{_ntriples(triples).decode('utf-8')}\n}}"
    _update(urls, text, timeout)


def _drop_graph(urls: Endpoints, name: str, timeout: float) -> None:
    _update(urls, f"DROP SILENT GRAPH <{name}> ;\nDELETE WHERE {{ <{name}> ?p ?o }}", timeout)
