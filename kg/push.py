"""Push (stage 10, publishing): copy the store's graphs to a SPARQL 1.1 server, query it there.

:func:`push` sends every named graph to an existing triple store and keeps the provenance
descriptions (the default graph's ``?g ikg:sha256 ?hex ; ikg:extractorVersion ?v ...``) in
step. A document graph is sent only when its sha256 or extractor version differs from the
description the remote default graph holds; a graph with no description (the reference
data, the ontology) only when a digest of its triples differs from the remote copy's. Graphs
go by the SPARQL 1.1 Graph Store HTTP Protocol (``PUT ?graph=IRI`` with N-Triples) when a
graph store URL is known, else by SPARQL Update (``DROP SILENT GRAPH`` + ``INSERT DATA``).
A graph is written before its description, so an interrupted push is redone next time.
On Virtuoso (known by its ``Server`` header) every graph goes by its authenticated Graph
Store endpoint and the descriptions as one named graph (:data:`DESCRIPTIONS_GRAPH`).

:func:`run_remote_query` runs a query on a remote endpoint (a form-encoded POST, SPARQL
JSON results); an answer the server flags as partial is an error (:func:`check_complete`).
Credentials come from the environment or netrc (:func:`credentials`). The bundled queries
expect the default
graph to be the union of all graphs; for Oxigraph server the request carries the
``union-default-graph`` parameter (other stores ignore it: GraphDB and Virtuoso already
query the union by default, Fuseki needs ``tdb2:unionDefaultGraph true`` in its config).

HTTP goes through :mod:`urllib.request`, so pushing needs no extra dependency.
"""

from __future__ import annotations

import hashlib
import netrc
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
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
DESCRIPTIONS_GRAPH = GRAPH["descriptions"]  # where they go on a store like Virtuoso


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
    """The URLs of one remote store: query, update (or None), graph store (or None).

    ``descriptions`` is the named graph that holds the graphs' provenance descriptions on a
    store whose default graph cannot be written (Virtuoso: its default graph is the union of
    all graphs); None means the remote default graph holds them, written by SPARQL Update.
    """

    query: str
    update: str | None
    graph_store: str | None
    descriptions: str | None = None


def endpoints_for(
    endpoint: str,
    graph_store: str | None = None,
    update: str | None = None,
    server: str = "",
) -> Endpoints:
    """The remote URLs, completing Oxigraph server's layout from its ``/query`` URL and
    Virtuoso's (``server``: the ``Server`` header it answers with) from its ``/sparql`` URL.

    >>> endpoints_for("http://127.0.0.1:7878/query")
    Endpoints(query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update', \
graph_store='http://127.0.0.1:7878/store', descriptions=None)
    >>> endpoints_for("http://h/sparql")
    Endpoints(query='http://h/sparql', update='http://h/sparql', graph_store=None, \
descriptions=None)
    >>> endpoints_for("http://h:8890/sparql", server="Virtuoso/07.20.3229 (Linux)")
    Endpoints(query='http://h:8890/sparql', update=None, \
graph_store='http://h:8890/sparql-graph-crud-auth', \
descriptions='https://w3id.org/inspection-kg/graph/descriptions')
    """
    parts = urlsplit(endpoint)
    sibling = lambda path: urlunsplit(parts._replace(path=path, query=""))  # noqa: E731
    if server.startswith("Virtuoso"):
        # Graphs (blank nodes and all) and the descriptions go by the Graph Store Protocol
        # with authentication; SPARQL Update is used only if an update URL is given.
        base = parts.path[: parts.path.rfind("/sparql")] if "/sparql" in parts.path else ""
        store = graph_store or sibling(base + "/sparql-graph-crud-auth")
        return Endpoints(endpoint, update, store, str(DESCRIPTIONS_GRAPH))
    if parts.path.endswith("/query"):
        base = parts.path[: -len("query")]
        return Endpoints(
            endpoint, update or sibling(base + "update"), graph_store or sibling(base + "store")
        )
    return Endpoints(endpoint, update or endpoint, graph_store)


# ------------------------------------------------------------------ HTTP
USER_ENV = "KG_REMOTE_USER"
PASSWORD_ENV = "KG_REMOTE_PASSWORD"


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: body and headers (``headers.get`` is case-insensitive)."""

    body: bytes
    headers: Message


def netrc_path() -> Path:
    """The netrc file read for credentials: ``$NETRC``, else ``~/.netrc``."""
    return Path(os.environ.get("NETRC") or Path.home() / ".netrc")


def credentials(url: str) -> tuple[str, str] | None:
    """(user, password) for ``url``: ``KG_REMOTE_USER``/``KG_REMOTE_PASSWORD``, else the netrc
    entry for the URL's host (``machine HOST login USER password PASS``), else None.

    Credentials never come from the command line, where other users could read them.
    """
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user or password:
        if not (user and password):
            raise KgError(f"{USER_ENV} and {PASSWORD_ENV}: set both or neither")
        return user, password
    path = netrc_path()
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(urlsplit(url).hostname or "")
    except (netrc.NetrcParseError, OSError) as exc:
        raise KgError(f"{path}: cannot read the netrc file ({exc})") from None
    if entry is None:
        return None
    login, _account, password = entry
    return (login, password or "") if login else None


def _opener(url: str) -> urllib.request.OpenerDirector:
    found = credentials(url)
    if found is None:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, *found)
    return urllib.request.build_opener(
        urllib.request.HTTPDigestAuthHandler(passwords),
        urllib.request.HTTPBasicAuthHandler(passwords),
    )


def _hint(url: str, code: int) -> str:
    """What to try after an HTTP error: credentials for 401, the right URL for 404."""
    if code == 401:
        return (
            f"; the server wants credentials: set {USER_ENV} and {PASSWORD_ENV}, "
            f"or add a 'machine {urlsplit(url).hostname}' entry to {netrc_path()}"
        )
    if code == 403:
        return "; the account lacks a grant (Virtuoso: SPARQL_UPDATE), see docs/endpoint.md"
    if code == 404:
        parts = urlsplit(url)
        base = urlunsplit(parts._replace(path="", query=""))
        return (
            f"; is {urlunsplit(parts._replace(query=''))} the SPARQL query URL? "
            f"Oxigraph server: {base}/query (graphs go to {base}/store); "
            f"Virtuoso: {base}/sparql; Fuseki: {base}/DATASET/sparql"
        )
    return ""


def _error_text(body: str) -> str:
    """A server's error page in one line: its first line, or an HTML page's text lines.

    >>> _error_text("<html><title>Failed</title><h1>403</h1><xmp>SQ110: denied</xmp></html>")
    'Failed; 403; SQ110: denied'
    """
    if "<html" in body[:200].lower():
        text = re.sub(r"<!DOCTYPE[^>]*>|<[^>]+>", "\n", body)
        return "; ".join(line.strip() for line in text.splitlines() if line.strip())[:300]
    lines = body.strip().splitlines()
    return lines[0][:300] if lines else ""


def _request(
    url: str,
    method: str,
    body: bytes | None = None,
    content_type: str | None = None,
    accept: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Reply:
    headers = {"User-Agent": "inspection-kg"}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with _opener(url).open(request, timeout=timeout) as response:
            return Reply(response.read(), response.headers)
    except urllib.error.HTTPError as exc:
        message = _error_text(exc.read().decode("utf-8", "replace")) or exc.reason
        raise KgError(f"{url}: HTTP {exc.code} ({message}){_hint(url, exc.code)}") from None
    except TimeoutError:
        raise KgError(f"{url}: no answer within {timeout:.0f} s") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise KgError(f"{url}: no answer within {timeout:.0f} s") from None
        raise KgError(f"{url}: cannot reach the endpoint ({reason})") from None


def _with_params(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    query = "&".join(p for p in (parts.query, urlencode(params)) if p)
    return urlunsplit(parts._replace(query=query))


def check_complete(endpoint: str, headers: Message) -> None:
    """Refuse a result the server marks as partial (HTTP 200 all the same).

    Virtuoso answers a query stopped by its time limit (``MaxQueryExecutionTime``, or the
    anytime ``timeout`` parameter) with the rows found so far and ``X-SQL-State: S1TAT``,
    and a result cut at ``ResultSetMaxRows`` with ``X-SPARQL-MaxRows: N``.
    """
    state = headers.get("X-SQL-State")
    if state:
        message = " ".join((headers.get("X-SQL-Message") or "").split())[:200]
        raise KgError(
            f"{endpoint}: partial result refused (X-SQL-State {state}: {message}); the server "
            "stopped the query at its time limit (Virtuoso: MaxQueryExecutionTime in [SPARQL])"
        )
    limit = headers.get("X-SPARQL-MaxRows")
    if limit:
        raise KgError(
            f"{endpoint}: partial result refused (X-SPARQL-MaxRows {limit}): the server cut the "
            "result at its row limit (Virtuoso: ResultSetMaxRows in [SPARQL]); raise it or "
            "narrow the query with --param"
        )


def _remote_query(
    endpoint: str, text: str, accept: str, *, union_default_graph: bool, timeout: float
) -> Reply:
    """POST the query form-encoded (SPARQL 1.1 Protocol's form POST, which every store
    answers; Virtuoso 7 never answers a direct ``application/sparql-query`` POST)."""
    flag = {"union-default-graph": ""} if union_default_graph else {}
    reply = _request(
        _with_params(endpoint, flag),
        "POST",
        urlencode({"query": text}).encode("ascii"),
        content_type="application/x-www-form-urlencoded",
        accept=accept,
        timeout=timeout,
    )
    check_complete(endpoint, reply.headers)
    return reply


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
    ).body
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
    ).body
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
    ).body
    try:
        return [quad.triple for quad in ox.parse(body, ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise KgError(f"{endpoint}: cannot read the N-Triples of {name} ({exc})") from None


def _states_query(graph: str | None = None) -> str:
    pattern = f"?g <{IKG.sha256}> ?sha . OPTIONAL {{ ?g <{IKG.extractorVersion}> ?version }}"
    if graph is not None:
        pattern = f"GRAPH <{graph}> {{ {pattern} }}"
    return f"SELECT ?g ?sha ?version WHERE {{ {pattern} }}"


def remote_states(
    endpoint: str, timeout: float = DEFAULT_TIMEOUT, graph: str | None = None
) -> dict[str, tuple]:
    """(sha256, extractor version) per graph, from the remote default graph (or ``graph``)."""
    query = _states_query(graph)
    result = run_remote_query(endpoint, query, union_default_graph=False, timeout=timeout)
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
def server_of(endpoint: str, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The ``Server`` header a query endpoint answers an ``ASK {}`` with ("" if none)."""
    reply = _remote_query(
        endpoint, "ASK {}", RESULT_MEDIA["json"], union_default_graph=False, timeout=timeout
    )
    return reply.headers.get("Server") or ""


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
    ``/update`` and ``/store`` are then used; Virtuoso: ``http://host:8890/sparql``, whose
    ``/sparql-graph-crud-auth`` is then used). ``graph_store`` is a Graph Store Protocol URL;
    without one, graphs go by SPARQL Update to ``update_endpoint`` (default: ``endpoint``).
    Credentials come from the environment or netrc (:func:`credentials`).
    """
    urls = endpoints_for(endpoint, graph_store, update_endpoint, server_of(endpoint, timeout))
    report = PushReport(method="graph store protocol" if urls.graph_store else "SPARQL Update")
    remote = remote_states(urls.query, timeout, urls.descriptions)
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
        if urls.descriptions is None:
            _put_description(urls, name, descriptions.get(name, []), timeout)
        report.replaced.append(name)
        report.triples += len(triples)
    prefix = str(GRAPH)
    for name in sorted(set(remote) - set(local_names)):
        if name.startswith(prefix):
            _drop_graph(urls, name, timeout)
            report.removed.append(name)
    if urls.descriptions is not None and (report.replaced or report.removed):
        # after the graphs, so a push cut short leaves old digests and is redone
        described = [t for name in local_names for t in descriptions.get(name, [])]
        _put_graph(urls, urls.descriptions, described, timeout)
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


def _delete_graph(urls: Endpoints, name: str, timeout: float) -> None:
    """Remove one graph: Graph Store Protocol DELETE when no update URL is known."""
    if urls.update is not None or urls.graph_store is None:
        _update(urls, f"DROP SILENT GRAPH <{name}>", timeout)
        return
    try:
        _request(_with_params(urls.graph_store, {"graph": name}), "DELETE", timeout=timeout)
    except KgError as exc:
        if "HTTP 404" not in str(exc):  # already absent
            raise


def _put_graph(urls: Endpoints, name: str, triples: list[ox.Triple], timeout: float) -> None:
    body = _ntriples(triples)
    if urls.graph_store:
        url = _with_params(urls.graph_store, {"graph": name})
        if triples:
            _request(url, "PUT", body, content_type="application/n-triples", timeout=timeout)
        else:
            _delete_graph(urls, name, timeout)
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
    if urls.descriptions is not None:
        _delete_graph(urls, name, timeout)  # its description leaves with the next PUT
        return
    _update(urls, f"DROP SILENT GRAPH <{name}> ;\nDELETE WHERE {{ <{name}> ?p ?o }}", timeout)
