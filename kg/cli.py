"""CLI: the ``kg`` command (typer), one library call per command.

Every :class:`~kg.errors.KgError` becomes exit code 1 and one clear line on stderr.
Heavy libraries are imported inside the commands that use them, so ``kg --help`` is quick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import KgError

app = typer.Typer(
    help="inspection-kg: a knowledge graph of Scotland's children's-services inspections.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="Store directory (default: $KG_STORE or ./kg-store)."),
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _store_path(store: Path | None) -> Path:
    from kg.store import default_store_path

    return store if store is not None else default_store_path()


def _check_sources(sources: list[Path]) -> None:
    """A missing source is an error before the store is opened (so none is created)."""
    for source in sources:
        if not (source.exists() or source.is_symlink()):
            raise KgError(f"{source}: no such file or folder")


def _open_writer(store: Path | None):
    """The store to build into: through the ``kg serve`` that owns it, else opened here.

    A server starting up (its owner file written, not yet answering) is waited for, up to
    ten seconds, before "store is in use" is the answer.
    """
    import time

    from kg.errors import StoreInUseError
    from kg.owner import RemoteWriter, find_owner, owner_file
    from kg.store import Store

    path = _store_path(store)
    deadline = time.monotonic() + 10
    while True:
        owner = find_owner(path)
        if owner is not None:
            return RemoteWriter(path, owner)
        try:
            return Store(path)
        except StoreInUseError:
            if not owner_file(path).exists() or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _open_existing(store: Path | None):
    """The store opened read-only: never its lock, so never waiting for a writer."""
    from kg.store import Store

    return Store(_store_path(store), read_only=True)


def _reading(store: Path | None, action):
    """Run ``action(store)`` on a read-only view, again on a fresh view (twice at most) when
    a process writing the store meanwhile removed a file the view had not opened yet (the
    open itself retries: ``kg.store._open_read_only``)."""
    path = _store_path(store)
    for attempt in range(3):
        kg_store = _open_existing(store)
        try:
            return action(kg_store)
        except (OSError, RuntimeError) as exc:  # RocksDB's "IO error" comes as either
            if isinstance(exc, RuntimeError) and "IO error" not in str(exc):
                raise
            if attempt == 2:
                message = f"{path}: read failed while another process wrote it ({exc})"
                raise KgError(message) from None
        finally:
            del kg_store
    raise AssertionError("unreachable")


class _Progress:
    """A rich progress bar on stderr when it is a terminal; nothing when piped."""

    def __init__(self, label: str) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.bar = None
        self.task = None
        self.label = label

    def __enter__(self):
        if self.console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[last]}"),
                console=self.console,
                transient=True,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task(self.label, total=None, last="")
        return self

    def total(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, total=count)

    def step(self, path: Path, outcome: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=1, last=f"{outcome}: {path.name}")

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _build(sources: list[Path] | None, store: Path | None, jobs: int = 1, batch: int | None = None):
    """Build into the store (or through its server); print the report; the store and report."""
    from kg.pipeline import BATCH_DOCUMENTS
    from kg.pipeline import build as run_build

    sources = sources or [Path("seeds")]
    _check_sources(sources)
    kg_store = _open_writer(store)
    with _Progress("ingesting") as progress:
        report = run_build(
            sources,
            kg_store,
            progress=progress.step,
            jobs=jobs,
            batch_documents=batch or BATCH_DOCUMENTS,
            on_total=progress.total,
        )
    for line in report.unsupported:
        typer.echo(f"skipped: {line}", err=True)
    for _path, reason in report.failed:
        typer.echo(f"failed: {reason}", err=True)
    for note in report.notes:
        typer.echo(note, err=True)
    unsupported = f", {len(report.unsupported)} unsupported" if report.unsupported else ""
    via = f" (written by kg serve at {kg_store.owner.url})" if hasattr(kg_store, "owner") else ""
    typer.echo(
        f"documents: {len(report.ingested)} ingested, {len(report.skipped)} skipped "
        f"(unchanged), {len(report.failed)} failed{unsupported}; quads: {report.quads}{via}"
    )
    return kg_store, report


@app.command()
def build(
    sources: Annotated[list[Path] | None, typer.Argument(help="Files or folders.")] = None,
    store: StoreOption = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes.", min=1)] = 1,
    batch: Annotated[
        int | None,
        typer.Option("--batch", help="New documents per commit (default 64).", min=1),
    ] = None,
) -> None:
    """Ingest documents (default: seeds/) into the store; unchanged ones are skipped.

    While `kg serve` runs on the store, the build's writes go through the server, which
    commits each batch in one transaction: its queries see a batch whole, at once.
    """
    try:
        _kg_store, report = _build(sources, store, jobs, batch)
    except KgError as exc:
        raise _fail(str(exc)) from None
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def run(
    sources: Annotated[list[Path] | None, typer.Argument(help="Files or folders.")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("out"),
    store: StoreOption = None,
) -> None:
    """The main job: build the store, then write every bundled query's results and the views."""
    try:
        kg_store, report = _build(sources, store)
        if not report.ok:
            raise typer.Exit(code=1)
        if hasattr(kg_store, "owner"):  # built through a server: read views of the store
            _reading(store, lambda view: _write_outputs(view, output))
        else:
            _write_outputs(kg_store, output)
    except KgError as exc:
        raise _fail(str(exc)) from None


def _write_outputs(kg_store, output: Path) -> None:
    """Every bundled query's results (those needing no parameter) and the views."""
    from kg.query import bundled_queries, serialize_results

    queries_dir = output / "queries"
    queries_dir.mkdir(parents=True, exist_ok=True)
    for name, path in bundled_queries().items():
        if _needs_params(path):
            continue
        (queries_dir / f"{name}.csv").write_text(
            serialize_results(kg_store, name, "csv"), encoding="utf-8"
        )
    typer.echo(f"wrote {queries_dir}/*.csv")
    _write_views(kg_store, output)


def _needs_params(path: Path) -> bool:
    from kg.query import read_query

    return bool(read_query(str(path)).required)


def _write_views(kg_store, output: Path) -> None:
    """Write the report and every view beside it (``output/views``)."""
    from kg.report import write_report

    write_report(kg_store, output / "report.html")
    typer.echo(f"wrote {output / 'views'}/*.html")
    typer.echo(f"wrote {output / 'report.html'}")


@app.command()
def query(
    query: Annotated[str, typer.Argument(help="Bundled query name, .rq file or SPARQL text.")],
    store: StoreOption = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="table, csv, tsv, json or xml; for CONSTRUCT/DESCRIBE also turtle, ntriples "
            "(json is JSON-LD, xml RDF/XML, table Turtle).",
        ),
    ] = "table",
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="NAME=VALUE, bound as a term.")
    ] = None,
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="Remote SPARQL query URL to ask instead of the store."),
    ] = None,
) -> None:
    """Run a SPARQL query on the store, or on a remote endpoint with --endpoint.

    The store is opened read-only: a query never waits for a build, nor writes.
    """
    from kg.query import QUERY_FORMATS, answer

    params = {}
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise _fail(f"--param {item!r}: expected NAME=VALUE")
        params[name] = value
    try:
        if fmt not in QUERY_FORMATS:
            raise KgError(f"--format {fmt}: expected {', '.join(QUERY_FORMATS)}")
        if endpoint is not None:
            if store is not None:
                raise KgError("--store and --endpoint: give one or the other")
            from kg.push import bound_query_text, remote_results, run_remote_query

            text = bound_query_text(query, params)
            if fmt == "table":
                _print_rows(run_remote_query(endpoint, text))
            else:
                sys.stdout.write(remote_results(endpoint, text, fmt))
            return
        result = _reading(store, lambda kg_store: answer(kg_store, query, fmt, params))
    except KgError as exc:
        raise _fail(str(exc)) from None
    if result.rows is not None:
        _print_rows(result.rows)
    else:
        sys.stdout.write(result.text)
        if result.note:
            typer.echo(result.note, err=True)


def _print_rows(result) -> None:
    """A query's rows as a rich table on stdout, the row count on stderr."""
    from rich.console import Console
    from rich.table import Table

    table = Table(*result.variables, show_lines=False)
    for row in result.rows:
        table.add_row(*(row[v] or "" for v in result.variables))
    Console(width=200).print(table)
    typer.echo(f"{len(result.rows)} rows", err=True)


@app.command()
def export(
    store: StoreOption = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="turtle, trig, nquads or jsonld.")
    ] = "nquads",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File.")] = None,
) -> None:
    """Write the whole store (read-only: never waits for a build, nor writes).

    Turtle and TriG use the ontology's prefixes, each subject's triples together.
    """
    import shutil
    import tempfile

    def dump(kg_store):
        # spooled first, so a retried read never leaves half a dump on the output
        spool = tempfile.SpooledTemporaryFile(max_size=64 << 20)
        kg_store.dump(spool, fmt)
        return spool

    try:
        spool = _reading(store, dump)
        spool.seek(0)
        if output is None:
            shutil.copyfileobj(spool, sys.stdout.buffer)
        else:
            with output.open("wb") as fh:
                shutil.copyfileobj(spool, fh)
    except (KgError, OSError) as exc:
        raise _fail(str(exc)) from None


@app.command()
def stats(store: StoreOption = None) -> None:
    """Print quad and graph counts (read-only: never waits for a build, nor writes)."""
    try:
        quads, graphs = _reading(store, lambda s: (len(s), len(s.named_graphs())))
    except KgError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"quads: {quads}; named graphs: {graphs}")


@app.command()
def validate(
    store: StoreOption = None,
    owl: Annotated[
        bool, typer.Option("--owl/--no-owl", help="Also check consistency with HermiT (Java).")
    ] = True,
    warnings: Annotated[
        bool, typer.Option("--warnings", help="List every warning, not one line per rule.")
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes for the SHACL batches.", min=1)
    ] = 1,
    owl_sample: Annotated[
        int,
        typer.Option(
            "--owl-sample",
            help="Above this many documents HermiT checks an even sample of this many; "
            "0 checks all.",
            min=0,
        ),
    ] = 200,
) -> None:
    """Check the graph: SHACL shapes (ontology/shapes.ttl) and HermiT consistency.

    SHACL checks every document (in batches, with the reference data; nodes described in
    several documents once, together). HermiT checks the whole graph up to --owl-sample
    documents, an even sample of that many above (said on stderr). Exit 1 when a shape is
    violated or HermiT finds the graph inconsistent; warnings do not fail. Without a Java
    runtime HermiT is skipped (said on stderr) and SHACL decides.
    """
    from kg.reason import validate_store
    from kg.store import Store, default_store_path

    try:
        kg_store = Store(store or default_store_path(), read_only=True)
        report = validate_store(
            kg_store, owl=owl, java_optional=True, jobs=jobs, owl_sample=owl_sample
        )
    except KgError as exc:
        raise _fail(str(exc)) from None
    for violation in report.errors:
        typer.echo(violation.line())
    for line in report.lines():
        if line.startswith("HermiT"):
            typer.echo(line)
    if warnings:
        for violation in report.warnings:
            typer.echo(violation.line())
    else:
        by_rule: dict[str, list] = {}
        for violation in report.warnings:
            by_rule.setdefault(violation.rule, []).append(violation)
        for rule, found in by_rule.items():
            typer.echo(
                f"warning: {rule}: {len(found)} results (--warnings lists them), "
                f"e.g. {found[0].line().removeprefix('warning: ')}"
            )
    if report.skipped:
        typer.echo(report.skipped, err=True)
    if report.scope:
        typer.echo(report.scope, err=True)
    typer.echo(report.summary())
    if not report.conforms:
        raise typer.Exit(code=1)


_LONG_COLUMNS = ("node", "theme", "partnershipList", "inspectionList")


@app.command()
def analyse(
    store: StoreOption = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path(
        "out/analysis"
    ),
) -> None:
    """Network analysis: centrality, communities, co-inspection, shared themes (CSV + JSON)."""
    from rich.console import Console
    from rich.table import Table

    from kg.analysis import analyse as run_analyse
    from kg.analysis import write_analysis

    try:
        analysis = _reading(store, run_analyse)
        written = write_analysis(analysis, output)
    except (KgError, OSError) as exc:
        raise _fail(str(exc)) from None
    console = Console(width=160)
    top = 10
    shown = [
        ("projections", None, ["name", "nodes", "edges"]),
        ("inspectorate_centrality", "inspectorate centrality (co-inspection)", None),
        ("agency_centrality", "agency centrality (co-membership)", None),
        ("theme_centrality", "theme centrality (co-occurrence)", None),
        ("co_inspection", "inspectorates that inspected together", None),
        ("theme_communities", "theme communities (Louvain)", None),
        ("shared_themes", "themes shared by most partnerships", None),
    ]
    tables = dict(analysis.tables)
    tables["projections"] = [
        {"name": name, **{k: str(v) for k, v in counts.items()}}
        for name, counts in analysis.summary().items()
    ]
    for name, title, columns in shown:
        rows = tables[name]
        title = title or name
        if not rows:
            console.print(f"{title}: none")
            continue
        columns = columns or [c for c in rows[0] if c not in _LONG_COLUMNS]
        limit = None if name in ("projections", "theme_communities") else top
        table = Table(*columns, title=f"{title} ({len(rows)})")
        for row in rows[:limit]:
            table.add_row(*(row.get(c) or "" for c in columns))
        console.print(table)
    typer.echo(f"wrote {len(written)} files to {output}/ (analysis.json and one CSV per table)")


@app.command()
def report(
    store: StoreOption = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file.")] = Path(
        "out/report.html"
    ),
) -> None:
    """Write one offline HTML report (inspections, grades, themes, agencies) and its views."""
    from kg.report import write_report

    try:
        written = _reading(store, lambda view: write_report(view, output))
    except (KgError, OSError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"wrote {written[0]}")
    if len(written) > 1:
        typer.echo(f"wrote {len(written) - 1} views in {written[1].parent}/")


@app.command()
def viz(
    view: Annotated[
        str, typer.Argument(help="matrix, overview, themes, agencies, inspectorates or people")
    ] = "overview",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="HTML file (default: out/VIEW.html).")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write an interactive HTML view of the graph (opens offline)."""
    from kg.viz import write_view

    output = output or Path("out") / f"{view}.html"
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        stats_ = _reading(store, lambda view_store: write_view(view_store, view, output))
    except KgError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"wrote {output} ({stats_})")


@app.command()
def links(
    output: Annotated[Path, typer.Option("-o", "--output", help="SSSOM/TSV file.")] = Path(
        "out/links.sssom.tsv"
    ),
) -> None:
    """Write the reference data's links (Wikidata, statistics.gov.scot) as SSSOM/TSV."""
    from kg.link import select_links, write_sssom

    try:
        rows = select_links()
        write_sssom(rows, output)
    except (KgError, OSError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"wrote {output} ({len(rows)} links)")


@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 7878,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Query time limit in seconds.", min=0.01)
    ] = 30.0,
    max_rows: Annotated[
        int, typer.Option("--max-rows", help="Most rows (or triples) per answer.", min=1)
    ] = 10_000,
    max_body: Annotated[
        int, typer.Option("--max-body", help="Largest request body in bytes.", min=1)
    ] = 1_000_000,
) -> None:
    """Serve the store: SPARQL endpoint (read-only), Linked Data pages, VoID, explorer.

    The server is the store's one writer while it runs: `kg build` on the same store sends
    its batches here, and each is visible to queries as soon as it is committed. Requests
    are logged on stdout; stopping (Ctrl-C, SIGTERM) prints one line on stderr.
    """
    from kg.serve import serve as run_serve

    try:
        path = _store_path(store)
        if not path.exists():
            raise KgError(f"{path}: no store here; run `kg build` first")
        typer.echo(f"serving {path} at http://{host}:{port}/ (Ctrl-C stops)", err=True)
        run_serve(
            path,
            host,
            port,
            timeout_s=timeout,
            max_rows=max_rows,
            max_body=max_body,
            waiting=lambda line: typer.echo(line, err=True),
        )
    except KgError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"stopped serving {path}; the store is closed", err=True)


@app.command()
def push(
    endpoint: Annotated[str, typer.Option("--endpoint", help="Remote SPARQL query URL.")],
    store: StoreOption = None,
    graph_store: Annotated[
        str | None, typer.Option("--graph-store", help="Graph Store Protocol URL.")
    ] = None,
    update: Annotated[str | None, typer.Option("--update", help="SPARQL Update URL.")] = None,
) -> None:
    """Send the store's graphs to a SPARQL 1.1 server; unchanged graphs are skipped.

    Credentials: KG_REMOTE_USER and KG_REMOTE_PASSWORD, or a ~/.netrc entry for the host.
    """
    from kg.push import push as run_push

    try:
        report = run_push(
            _open_existing(store), endpoint, graph_store=graph_store, update_endpoint=update
        )
    except KgError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"graphs: {len(report.replaced)} replaced, {len(report.skipped)} skipped "
        f"(unchanged), {len(report.removed)} removed; triples sent: {report.triples} "
        f"(by {report.method})"
    )


@app.command(name="eval")
def eval_(
    expected: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Expectation files or folders, scored as one set (default: the seeds, the real "
            "development set and the real held-out set, each on its own)."
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
    details: Annotated[
        bool, typer.Option("--details", help="List every missed and extra fact.")
    ] = False,
) -> None:
    """Score the extractor against hand-checked expectations: precision, recall, F1 per fact
    type. A measurement, not a gate: exit 1 only when an expectation file is malformed."""
    from kg.evaluate import DEFAULT_SETS, evaluate_sets, format_set, write_json

    sets = [("", tuple(expected))] if expected else list(DEFAULT_SETS)
    try:
        results = evaluate_sets(sets)
        if json_out is not None:
            write_json(results[0].evaluation if expected else results, json_out)
    except (KgError, OSError) as exc:
        raise _fail(str(exc)) from None
    for result in results:
        for doc in result.evaluation.documents:
            if doc.error:
                typer.echo(f"warning: {doc.document_id}: extractor failed ({doc.error})", err=True)
    typer.echo("\n\n".join(format_set(result, details) for result in results))
    if json_out is not None:
        typer.echo(f"wrote {json_out}")


if __name__ == "__main__":  # pragma: no cover
    app()
