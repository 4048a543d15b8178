"""Query (stage 6): run bundled ``queries/*.rq``, files or SPARQL text, parameters bound.

A query file opens with a grlc-style header (``#+ summary:``, ``#+ description:``,
``#+ params:``). Parameters are bound as RDF terms through Oxigraph's substitutions, never
pasted into the query text, so a value cannot change the query.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.resources import resource_dir
from kg.store import Store, turtle_prefixes

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
QUERY_FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples")
GRAPH_FORMATS = {
    "table": ox.RdfFormat.TURTLE,
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "json": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


@dataclass(frozen=True)
class QueryFile:
    """A query with its header: summary, description, parameter names.

    ``params`` are all the names it accepts; ``required`` those it needs to mean anything
    (``evidence``'s ``label``). A name written ``partnership?`` in ``#+ params:`` is
    optional: without it the query lists everything, with it the listing is narrowed.
    """

    name: str
    text: str
    summary: str = ""
    description: str = ""
    params: tuple[str, ...] = field(default=())
    path: Path | None = None
    required: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class QueryResult:
    """A SELECT result: variable names and rows of plain strings (None when unbound)."""

    variables: list[str]
    rows: list[dict[str, str | None]]


def parse_header(text: str) -> dict[str, str]:
    """Parse the ``#+ key: value`` header lines of a query.

    >>> parse_header("#+ summary: Who inspected whom\\n#+ params: label\\nSELECT ...")
    {'summary': 'Who inspected whom', 'params': 'label'}
    """
    header = {}
    for line in text.splitlines():
        match = re.match(r"^#\+\s*(\w+)\s*:\s*(.*)$", line)
        if match:
            header[match.group(1)] = match.group(2).strip()
    return header


def bundled_queries() -> dict[str, Path]:
    """The bundled queries by name (``queries/NAME.rq``)."""
    return {path.stem: path for path in sorted(resource_dir("queries").glob("*.rq"))}


def read_query(query: str) -> QueryFile:
    """Resolve QUERY: a path to a ``.rq`` file, a bundled query's name, or SPARQL text."""
    path = None
    if query.endswith(".rq") or (
        "/" in query and not re.search(r"\s", query.strip()) and not re.search(r"[<>{}]", query)
    ):
        path = Path(query)
        if not path.is_file():
            raise KgError(f"{query}: no such query file")
    elif _NAME.match(query):
        bundled = bundled_queries()
        if query not in bundled:
            known = ", ".join(bundled) or "none"
            raise KgError(f"{query}: no bundled query of that name (known: {known})")
        path = bundled[query]
    if path is None:
        return QueryFile(name="query", text=query)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KgError(f"{path}: cannot read ({exc})") from exc
    header = parse_header(text)
    declared = [p.strip() for p in header.get("params", "").split(",") if p.strip()]
    return QueryFile(
        name=path.stem,
        text=text,
        summary=header.get("summary", ""),
        description=header.get("description", ""),
        params=tuple(p.rstrip("?") for p in declared),
        path=path,
        required=tuple(p for p in declared if not p.endswith("?")),
    )


def to_term(value: str) -> ox.Term:
    """A parameter value as an RDF term: ``<iri>`` for an IRI, otherwise a plain literal."""
    if value.startswith("<") and value.endswith(">") and " " not in value:
        try:
            return ox.NamedNode(value[1:-1])
        except ValueError as exc:
            raise KgError(f"--param: invalid IRI {value}") from exc
    return ox.Literal(value)


def _bindings(query: QueryFile, params: dict[str, str] | None) -> dict[str, ox.Term]:
    params = dict(params or {})
    unknown = set(params) - set(query.params) if query.path else set()
    if unknown:
        raise KgError(f"{query.name}: unknown parameter(s) {', '.join(sorted(unknown))}")
    missing = [name for name in query.required if name not in params]
    if missing:
        needed = " ".join(f"--param {name}=VALUE" for name in missing)
        raise KgError(f"{query.name}: needs {needed} ({query.summary or 'see the query file'})")
    return {name: to_term(value) for name, value in params.items()}


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bind_parameters(text: str, bindings: dict[str, ox.Term]) -> str:
    r"""Bind parameters with a ``VALUES`` block opening the WHERE clause.

    The terms are serialised by Oxigraph (N-Triples escaping), so a value holding quotes,
    braces or SPARQL keywords stays one literal and cannot change the query.

    >>> bind_parameters("SELECT ?x WHERE { ?x ?p ?label }", {"label": ox.Literal('a" } x')})
    'SELECT ?x WHERE { VALUES ?label { "a\\" } x" } ?x ?p ?label }'
    """
    if not bindings:
        return text
    match = _WHERE.search(text)
    if match is None:
        raise KgError("query: parameters need a WHERE { ... } clause to bind into")
    values = " ".join(f"VALUES ?{name} {{ {term} }}" for name, term in bindings.items())
    return f"{text[: match.end()]} {values}{text[match.end() :]}"


def execute(store: Store, query: str, params: dict[str, str] | None = None):
    """Run QUERY on ``store``; return pyoxigraph's solutions, boolean or triples."""
    resolved = read_query(query)
    return store.query(bind_parameters(resolved.text, _bindings(resolved, params)))


def _plain(term) -> str | None:
    if term is None:
        return None
    return term.value


def run_query(store: Store, query: str, params: dict[str, str] | None = None) -> QueryResult:
    """Run a SELECT query and return its rows as plain strings."""
    solutions = execute(store, query, params)
    if not isinstance(solutions, ox.QuerySolutions):
        raise KgError("query: only SELECT queries give rows; use --format json for others")
    variables = [v.value for v in solutions.variables]
    rows = [{name: _plain(solution[name]) for name in variables} for solution in solutions]
    return QueryResult(variables, rows)


@dataclass(frozen=True)
class Answer:
    """What ``kg query`` prints: rows for a table, else text (stdout) and a note (stderr)."""

    rows: QueryResult | None = None
    text: str = ""
    note: str = ""


def answer(store: Store, query: str, fmt: str, params: dict[str, str] | None = None) -> Answer:
    """Run QUERY and render it in ``fmt`` (one of :data:`QUERY_FORMATS`), read whole.

    SELECT: a table, or SPARQL results in csv/tsv/json/xml. ASK: ``true``/``false`` as a
    table, or SPARQL results. CONSTRUCT/DESCRIBE: Turtle (table, turtle), N-Triples,
    JSON-LD (json) or RDF/XML (xml), and a note of how many triples, which says so when none.
    """
    results = execute(store, query, params)
    if isinstance(results, ox.QuerySolutions):
        if fmt == "table":
            variables = [v.value for v in results.variables]
            rows = [{name: _plain(row[name]) for name in variables} for row in results]
            return Answer(rows=QueryResult(variables, rows))
        if fmt not in RESULT_FORMATS:
            raise KgError(f"--format {fmt}: a SELECT gives rows: table, csv, tsv, json or xml")
        return Answer(text=_results_text(results, fmt))
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            return Answer(text=f"{str(bool(results)).lower()}\n")
        if fmt not in RESULT_FORMATS:
            raise KgError(f"--format {fmt}: an ASK gives a boolean: table, csv, tsv, json or xml")
        return Answer(text=_results_text(results, fmt))
    if fmt not in GRAPH_FORMATS:
        raise KgError(
            f"--format {fmt}: a CONSTRUCT or DESCRIBE gives triples: table or turtle, "
            "ntriples, json (JSON-LD) or xml (RDF/XML)"
        )
    triples = list(results)
    if not triples:
        return Answer(note="0 triples: the query matched nothing")
    prefixes = None
    if GRAPH_FORMATS[fmt] == ox.RdfFormat.TURTLE:
        prefixes = turtle_prefixes(
            term.value
            for triple in triples
            for term in (triple.subject, triple.object)
            if isinstance(term, ox.NamedNode)
        )
    body = ox.serialize(sorted(triples, key=str), None, GRAPH_FORMATS[fmt], prefixes=prefixes)
    return Answer(text=body.decode("utf-8"), note=f"{len(triples)} triples")


def _results_text(results, fmt: str) -> str:
    buffer = io.BytesIO()
    results.serialize(buffer, RESULT_FORMATS[fmt])
    return buffer.getvalue().decode("utf-8")


def serialize_results(store: Store, query: str, fmt: str, params=None) -> str:
    """Run QUERY and serialise its results as SPARQL JSON/CSV/TSV/XML (or N-Triples for graphs)."""
    solutions = execute(store, query, params)
    buffer = io.BytesIO()
    if isinstance(solutions, (ox.QuerySolutions, ox.QueryBoolean)):
        solutions.serialize(buffer, RESULT_FORMATS[fmt])
    else:
        ox.serialize(solutions, buffer, ox.RdfFormat.N_TRIPLES)
    return buffer.getvalue().decode("utf-8")
