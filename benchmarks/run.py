"""Benchmark runner: ingestion, queries (product, raw pyoxigraph, rdflib), start-up, views,
validation.

    python -m benchmarks.run [--quick] [--sizes 100 1000 10000]

Writes ``benchmarks/results/<stamp>.json`` and ``.md`` (and ``latest.*``). Each query runs in
a child process (the product and raw pyoxigraph side by side) killed after
``--query-timeout`` seconds; rdflib loads each store once in its own child and runs every
query there, each interrupted after ``--rdflib-timeout`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
CORPUS = ROOT / "corpus"
SLOW_S = 2.0
"""A query whose first run takes longer than this runs twice, not ``--runs`` times."""
DEFAULT_SIZES = (100, 1000, 3000)
"""3,000 documents give the 1M triples of the query targets; 10,000 with ``--sizes``."""
KG = [sys.executable, "-m", "kg.cli"] if shutil.which("kg") is None else ["kg"]


def _kg() -> list[str]:
    exe = Path(sys.executable).parent / "kg"
    return [str(exe)] if exe.exists() else KG


def machine() -> dict[str, object]:
    """nproc, RAM, Python and library versions."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = {}
    for name in ("pyoxigraph", "rdflib", "spacy", "pypdf", "trafilatura", "pyshacl", "fpdf2"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(ram, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


_PEAK = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(u.ru_maxrss, round(u.ru_utime + u.ru_stime, 3), file=sys.stderr); "
    "sys.exit(rc)"
)


def timed_child(
    cmd: list[str], timeout: float | None = None, cwd: Path | None = None
) -> dict[str, object]:
    """Run ``cmd``; wall time, exit code, peak RSS (MiB), CPU time and its last stdout line.

    ``cmd`` runs under a small wrapper process whose ``RUSAGE_CHILDREN`` covers that command
    alone: the peak is the largest single process of it (with ``--jobs 2``, the largest of
    the writer and its workers, not their sum); the CPU time (user + system) is their sum,
    which a busy machine inflates far less than the wall time.
    """
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, *cmd],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
    )
    elapsed = time.perf_counter() - started
    err = proc.stderr.strip().splitlines()
    usage = err[-1].split() if err else []
    peak = cpu = None
    if len(usage) == 2 and usage[0].isdigit():
        err.pop()
        peak, cpu = int(usage[0]), float(usage[1])
    return {
        "seconds": round(elapsed, 3),
        "cpu_s": cpu,
        "rc": proc.returncode,
        "peak_mib": round(peak / 1024, 1) if peak else None,
        "out": (proc.stdout.strip().splitlines() or [""])[-1],
        "err": "\n".join(err)[-300:] if proc.returncode else "",
    }


def bench_ingestion(sizes: list[int], single_max: int) -> list[dict[str, object]]:
    """``kg build --jobs 2`` at each size into a fresh store, then an unchanged rebuild;
    a single-process build too up to ``single_max`` documents."""
    from benchmarks.corpus import write_corpus

    rows = []
    for size in sizes:
        corpus = CORPUS / f"c{size}"
        write_corpus(size, corpus, seed=1)
        store = CORPUS / f"store-{size}"  # the --jobs 2 build: the queries run on it
        single = CORPUS / f"store-{size}-single"
        steps = [("build --jobs 2", store, ["--jobs", "2"]), ("rebuild (unchanged)", store, [])]
        if size <= single_max:
            steps.append(("build (1 process)", single, []))
        for label, target, extra in steps:
            if label.startswith("build"):
                shutil.rmtree(target, ignore_errors=True)
            result = timed_child([*_kg(), "build", str(corpus), "--store", str(target), *extra])
            result.update(size=size, step=label, docs_per_s=round(size / result["seconds"], 1))
            print(f"ingestion {size} {label}: {result['seconds']} s, {result['out']}", flush=True)
            rows.append(result)
        shutil.rmtree(single, ignore_errors=True)
    return rows


def bench_startup(store: Path, runs: int) -> dict[str, object]:
    """Median wall time of ``kg --help`` and ``kg query inspections`` on a small store."""
    out = {}
    for label, args in [
        ("kg --help", ["--help"]),
        ("kg query inspections", ["query", "inspections", "--store", str(store), "-f", "csv"]),
    ]:
        try:
            times = [timed_child([*_kg(), *args], timeout=60)["seconds"] for _ in range(runs)]
            out[label] = round(statistics.median(times), 3)
        except subprocess.TimeoutExpired:
            out[label] = "timeout > 60 s"
        print(f"startup {label}: {out[label]} s", flush=True)
    return out


# ------------------------------------------------------------------ query child process


def _stats(times: list[float]) -> dict[str, float]:
    """Median and spread in ms: the interquartile range from 4 runs, else max - min."""
    ms = sorted(t * 1000 for t in times)
    if len(ms) >= 4:
        q = statistics.quantiles(ms, n=4)
        spread = q[2] - q[0]
    else:
        spread = ms[-1] - ms[0]
    return {"median_ms": round(statistics.median(ms), 2), "iqr_ms": round(spread, 2), "n": len(ms)}


# The parameters a query needs to mean anything, for the unnarrowed runs (product and rdflib).
REQUIRED_PARAMS = {"evidence": {"label": "Care Inspectorate"}}
# Listings narrowed by a parameter, as a user asks them of a large store: (query, params).
# The values exist at every corpus size (every council area is in the corpus).
NARROWED = [
    ("findings", {"partnership": "Inverclyde Alliance"}),
    ("findings", {"document": "bench-00007"}),
    ("grade_profile", {"partnership": "Inverclyde Alliance"}),
    ("indicator_grades", {"partnership": "Inverclyde Alliance"}),
    ("inspections", {"partnership": "Inverclyde Alliance"}),
    ("officials", {"document": "bench-00007"}),
    ("post_holders", {"organisation": "Care Inspectorate"}),
]


def query_child(store_dir: str, name: str, runs: int, params: dict[str, str] | None) -> None:
    """In one process: the product and raw pyoxigraph on one query; JSON lines out.

    Raw pyoxigraph runs the same text on the same store (whose default graph holds the
    deduplicated union), so the ratio is the product's own overhead.
    """
    import pyoxigraph as ox

    from kg.query import bind_parameters, read_query, run_query
    from kg.store import Store

    if params is None:
        params = REQUIRED_PARAMS.get(name, {})
    store = Store(Path(store_dir), read_only=True)
    text = read_query(name).text
    raw_text = bind_parameters(text, {k: ox.Literal(v) for k, v in params.items()})

    for engine in ("product", "raw"):
        times, rows = [], 0
        for _ in range(runs):
            if times and times[0] > SLOW_S:  # one more run is enough to see the spread
                if len(times) == 2:
                    break
            started = time.perf_counter()
            if engine == "product":
                rows = len(run_query(store, name, params).rows)
            else:
                rows = len(list(store._store.query(raw_text)))
            times.append(time.perf_counter() - started)
        print(json.dumps({"engine": engine, "rows": rows, **_stats(times)}), flush=True)


class _Timeout(Exception):
    pass


def rdflib_child(store_dir: str, runs: int, timeout: float) -> None:
    """rdflib's in-memory Dataset (default graph = union), loaded once, every query in turn.

    rdflib evaluates in Python, so SIGALRM interrupts a query that runs past ``timeout``.
    """
    import signal

    from rdflib import Dataset, Literal

    from kg.query import bundled_queries, read_query
    from kg.store import Store

    def alarm(signum, frame):
        raise _Timeout

    signal.signal(signal.SIGALRM, alarm)
    started = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(data=Store(Path(store_dir), read_only=True).dump_text("nquads"), format="nquads")
    load = round(time.perf_counter() - started, 2)
    print(json.dumps({"query": "(load)", "seconds": load, "quads": len(dataset)}), flush=True)
    for name in bundled_queries():
        params = {k: Literal(v) for k, v in REQUIRED_PARAMS.get(name, {}).items()}
        text = read_query(name).text
        times, rows = [], 0
        try:
            for _ in range(runs):
                signal.setitimer(signal.ITIMER_REAL, timeout)
                began = time.perf_counter()
                rows = len(list(dataset.query(text, initBindings=params)))
                times.append(time.perf_counter() - began)
                signal.setitimer(signal.ITIMER_REAL, 0)
            print(json.dumps({"query": name, "rows": rows, **_stats(times)}), flush=True)
        except _Timeout:
            print(json.dumps({"query": name, "timeout_s": timeout}), flush=True)


def bench_queries(store: Path, triples: int, runs: int, timeout: float) -> list[dict[str, object]]:
    """Every ``queries/*.rq`` on ``store``, then the :data:`NARROWED` listings; a child per
    query, killed after ``timeout``."""
    from kg.query import bundled_queries

    rows = []
    runs_of = [(name, None) for name in bundled_queries()] + NARROWED
    for name, params in runs_of:
        cmd = [sys.executable, "-m", "benchmarks.run", "--query-child", str(store), name, str(runs)]
        label = name
        if params is not None:
            cmd.append(json.dumps(params))
            label += " (" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")"
        row: dict[str, object] = {"query": label, "triples": triples}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            output = proc.stdout
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout
            row["timeout_s"] = timeout
        for line in (output or "").splitlines():
            result = json.loads(line)
            row[result.pop("engine")] = result
        print(f"query {triples} {name}: {json.dumps(row)}", flush=True)
        rows.append(row)
    return rows


def bench_rdflib(store: Path, runs: int, timeout: float) -> dict[str, dict]:
    """rdflib on every query of ``store``, in one child (loading once); by query name."""
    cmd = [sys.executable, "-m", "benchmarks.run", "--rdflib-child", str(store), str(runs)]
    cmd.append(str(timeout))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=3600)
    out = {}
    for line in proc.stdout.splitlines():
        result = json.loads(line)
        out[result.pop("query")] = result
    print(f"rdflib {store.name}: {json.dumps(out)}", flush=True)
    return out


def bench_views(stores: dict[int, Path], out_dir: Path) -> list[dict[str, object]]:
    """Write each page of each store; draw the matrix, ``overview`` and ``themes`` in
    headless Chromium (the page's own draw time and Chromium's wall time)."""
    from kg.store import Store
    from kg.views.select import select_views
    from kg.viz import VIEWS, write_view

    try:
        from tests.browser import render
    except ImportError as exc:  # the test extra is not installed
        render = None
        print(f"views: no Chromium renderer ({exc})", flush=True)
    rows = []
    for size, path in sorted(stores.items()):
        store = Store(path, read_only=True)
        began = time.perf_counter()
        selection = select_views(store)
        select_s = round(time.perf_counter() - began, 2)
        for view in VIEWS:
            html = out_dir / f"{size}-{view}.html"
            stats = write_view(store, view, html, selection=selection)
            row: dict[str, object] = {
                "docs": size,
                "view": view,
                "nodes": stats.nodes,
                "total_nodes": stats.total_nodes,
                "edges": stats.edges,
                "select_s": select_s,
                "write_s": round(stats.seconds, 2),
            }
            if render is not None and view in ("matrix", "overview", "themes"):
                began = time.perf_counter()
                try:
                    rendered = render(html, budget_ms=60000, timeout=180)
                    row["draw_ms_page"] = rendered.status.get("draw-ms")
                    row["ready"] = rendered.status.get("ready")
                except BaseException as exc:  # noqa: BLE001 - pytest.skip without Chromium
                    row["draw_error"] = f"{type(exc).__name__}: {str(exc)[:120]}"
                row["chromium_wall_s"] = round(time.perf_counter() - began, 2)
            print(f"view {json.dumps(row)}", flush=True)
            rows.append(row)
    return rows


def bench_validation(
    stores: dict[int, Path], timeout: float, single_max: int, every_kind: bool = False
) -> list[dict[str, object]]:
    """``kg validate`` at each size: SHACL + HermiT with ``--jobs 2``; with ``every_kind``
    also SHACL alone (``--no-owl --jobs 2``) and SHACL + HermiT in one process up to
    ``single_max`` documents (5 more minutes at the default sizes, so not by default).

    SHACL checks every document (batches of 25); HermiT reasons over every document up to
    ``kg.reason.OWL_SAMPLE`` (200), over an even sample of that many above (``hermit_docs``).
    A kind stops after its first size that does not finish within ``timeout`` seconds.
    """
    from kg.reason import OWL_SAMPLE

    kinds = (
        ("SHACL + HermiT, --jobs 2", ["--jobs", "2"], None),
        ("SHACL only, --jobs 2", ["--no-owl", "--jobs", "2"], None),
        ("SHACL + HermiT, 1 process", [], single_max),
    )
    rows = []
    for label, extra, largest in kinds if every_kind else kinds[:1]:
        for size, path in sorted(stores.items()):
            if largest is not None and size > largest:
                continue
            cmd = [*_kg(), "validate", "--store", str(path), *extra]
            hermit = 0 if "--no-owl" in extra else min(size, OWL_SAMPLE)
            row = {"docs": size, "check": label, "hermit_docs": hermit}
            try:
                result = timed_child(cmd, timeout=timeout)
                row.update(seconds=result["seconds"], rc=result["rc"])
                row.update(peak_mib=result["peak_mib"], out=result["out"][:160])
            except subprocess.TimeoutExpired:
                row.update(seconds=f"> {timeout:.0f}", rc="timeout")
            print(f"validate {json.dumps(row)}", flush=True)
            rows.append(row)
            if row["rc"] == "timeout":
                break
    return rows


def _cell(r: dict, engine: str) -> str:
    if engine not in r:
        return f"timeout > {r['timeout_s']} s" if "timeout_s" in r else "skipped"
    e = r[engine]
    if "timeout_s" in e:
        return f"timeout > {e['timeout_s']} s"
    return f"{e['median_ms']} ± {e['iqr_ms']}"


def _ratio(r: dict) -> tuple[str, str]:
    product, raw, rdf = r.get("product"), r.get("raw"), r.get("rdflib")
    vs_rdflib = vs_raw = ""
    if product and rdf:
        if "median_ms" in rdf:
            vs_rdflib = f"{rdf['median_ms'] / max(product['median_ms'], 1e-3):.1f}×"
        elif "timeout_s" in rdf:
            vs_rdflib = f"> {rdf['timeout_s'] * 1000 / max(product['median_ms'], 1e-3):.0f}×"
    if product and raw:
        vs_raw = f"{product['median_ms'] / max(raw['median_ms'], 1e-3):.2f}"
    return vs_rdflib, vs_raw


def to_markdown(result: dict) -> str:
    """The results as Markdown tables."""
    m = result["machine"]
    lines = [
        f"# Benchmark results {result['date']}",
        "",
        f"Machine: {m['nproc']} cores, {m['ram_gib']} GiB, Python {m['python']}; "
        f"`{json.dumps(m['versions'])}`. Whole run: {result.get('total_s')} s.",
        "",
        "## Ingestion (`kg build`)",
        "",
        "| docs | step | s | docs/s | peak MiB | rc | summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["ingestion"]:
        lines.append(
            f"| {r['size']} | {r['step']} | {r['seconds']} | {r['docs_per_s']} | "
            f"{r['peak_mib']} | {r['rc']} | {r['out'][:90]} |"
        )
    lines += [
        "",
        "## Queries (median ± IQR, ms; rdflib: in-memory Dataset, default graph = union)",
        "",
        "| triples | query | rows | product | raw pyoxigraph | rdflib | rdflib/product "
        "| product/raw |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["queries"]:
        vs_rdflib, vs_raw = _ratio(r)
        rows = (r.get("product") or r.get("raw") or {}).get("rows", "")
        lines.append(
            f"| {r['triples']} | {r['query']} | {rows} | {_cell(r, 'product')} | "
            f"{_cell(r, 'raw')} | {_cell(r, 'rdflib')} | {vs_rdflib} | {vs_raw} |"
        )
    lines += ["", "rdflib load times: " + json.dumps(result.get("rdflib_load", {}))]
    lines += ["", "## Start-up (median wall s)", ""]
    lines += [f"- {k}: {v}" for k, v in result["startup"].items()]
    lines += [
        "",
        "## Views (queries once per store, then each view laid out and written; headless "
        "Chromium wall time until drawn)",
        "",
        "| docs | view | nodes shown / total | edges | queries s | write s | Chromium wall s "
        "| page draw ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["views"]:
        lines.append(
            f"| {r['docs']} | {r['view']} | {r['nodes']} / {r['total_nodes']} | {r['edges']} | "
            f"{r.get('select_s', '')} | {r['write_s']} | {r.get('chromium_wall_s', '')} | "
            f"{r.get('draw_ms_page', r.get('draw_error', ''))} |"
        )
    lines += [
        "",
        "## Validation (`kg validate`: SHACL on every document, HermiT on up to 200)",
        "",
        "| docs | check | s | peak MiB (largest process) | HermiT documents | rc | summary |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["validation"]:
        lines.append(
            f"| {r['docs']} | {r['check']} | {r['seconds']} | {r.get('peak_mib', '')} | "
            f"{r['hermit_docs'] or 'not run'} | {r['rc']} | {r.get('out', '')[:90]} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m benchmarks.run [--quick] [--sizes N ...]``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--query-child":
        store, name, runs = argv[1:4]
        query_child(store, name, int(runs), json.loads(argv[4]) if len(argv) > 4 else None)
        return
    if argv and argv[0] == "--rdflib-child":
        store, runs, timeout = argv[1:4]
        rdflib_child(store, int(runs), float(timeout))
        return
    parser = argparse.ArgumentParser(description="inspection-kg benchmarks")
    parser.add_argument("--quick", action="store_true", help="100 documents only (< 2 min)")
    parser.add_argument("--sizes", type=int, nargs="*", help="corpus sizes (documents)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--single-max", type=int, default=1000, help="largest size also built in 1 process"
    )
    parser.add_argument("--query-timeout", type=float, default=60.0, help="s per query child")
    parser.add_argument("--rdflib-timeout", type=float, default=5.0, help="s per rdflib query")
    parser.add_argument("--rdflib-max", type=int, default=1_500_000, help="triples")
    parser.add_argument("--validate-timeout", type=float, default=300.0, help="s per check")
    parser.add_argument(
        "--validate-all", action="store_true", help="also --no-owl and 1-process validation"
    )
    args = parser.parse_args(argv)
    sizes = args.sizes or ([100] if args.quick else list(DEFAULT_SIZES))
    started = time.perf_counter()
    result: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    result["ingestion"] = bench_ingestion(sizes, args.single_max)
    stores = {size: CORPUS / f"store-{size}" for size in sizes}
    from kg.store import Store

    triples = {size: len(Store(path, read_only=True)) for size, path in stores.items()}
    seeds_store = CORPUS / "store-seeds"
    shutil.rmtree(seeds_store, ignore_errors=True)
    timed_child([*_kg(), "build", "seeds", "--store", str(seeds_store)])
    result["startup"] = bench_startup(seeds_store, runs=5)
    queries, loads = [], {}
    for size in sizes:
        runs = args.runs if triples[size] < 500_000 else max(3, args.runs - 2)
        rows = bench_queries(stores[size], triples[size], runs, args.query_timeout)
        if triples[size] <= args.rdflib_max:
            by_query = bench_rdflib(stores[size], runs, args.rdflib_timeout)
            loads[triples[size]] = by_query.pop("(load)", None)
            for row in rows:
                if row["query"] in by_query:
                    row["rdflib"] = by_query[row["query"]]
        queries += rows
    result["queries"] = queries
    result["rdflib_load"] = loads
    result["largest_triples"] = max(triples.values())
    views_dir = CORPUS / "views"
    result["views"] = bench_views(stores, views_dir)
    result["validation"] = bench_validation(
        stores,
        timeout=args.validate_timeout,
        single_max=args.single_max,
        every_kind=args.validate_all,
    )
    result["total_s"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for name in (stamp, "latest"):
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        (RESULTS / f"{name}.md").write_text(to_markdown(result), encoding="utf-8")
    print(f"wrote {RESULTS}/{stamp}.json and .md in {result['total_s']} s")


if __name__ == "__main__":
    main()
