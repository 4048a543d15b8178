"""Benchmark runner: ingestion, queries (product vs rdflib vs raw pyoxigraph), start-up, validation.

    python -m benchmarks.run [--quick]

Writes ``benchmarks/results/<stamp>.json`` and ``.md`` (and ``latest.*``). Each query runs in
a child process (product, raw pyoxigraph and rdflib side by side in that one process) that
is killed after ``--query-timeout`` seconds, so one pathological query cannot stall the run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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


def timed_child(cmd: list[str], timeout: float | None = None) -> dict[str, object]:
    """Run ``cmd``; wall time, exit code, peak RSS of the child (MiB) and its last stdout line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "seconds": round(elapsed, 3),
        "rc": proc.returncode,
        # ru_maxrss of children is the max over all waited children: exact once it grows
        "peak_mib": round(peak / 1024, 1) if peak > before else None,
        "out": (proc.stdout.strip().splitlines() or [""])[-1],
        "err": proc.stderr.strip()[-300:] if proc.returncode else "",
    }


def bench_ingestion(sizes: list[int], jobs_available: bool) -> list[dict[str, object]]:
    """``kg build`` at each size into a fresh store; then an unchanged rebuild; ``--jobs 2``."""
    from benchmarks.corpus import write_corpus

    rows = []
    for size in sizes:
        corpus = CORPUS / f"c{size}"
        write_corpus(size, corpus, seed=1)
        store = CORPUS / f"store-{size}"
        shutil.rmtree(store, ignore_errors=True)
        for label, extra in [("build", []), ("rebuild (unchanged)", [])] + (
            [("build --jobs 2", ["--jobs", "2"])] if jobs_available else []
        ):
            if label.startswith("build --jobs"):
                shutil.rmtree(store.with_name(store.name + "-j2"), ignore_errors=True)
                target = store.with_name(store.name + "-j2")
            else:
                target = store
            result = timed_child([*_kg(), "build", str(corpus), "--store", str(target), *extra])
            result.update(size=size, step=label, docs_per_s=round(size / result["seconds"], 1))
            print(f"ingestion {size} {label}: {result['seconds']} s, {result['out']}", flush=True)
            rows.append(result)
        shutil.rmtree(store.with_name(store.name + "-j2"), ignore_errors=True)
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
    ms = sorted(t * 1000 for t in times)
    if len(ms) >= 4:
        q = statistics.quantiles(ms, n=4)
        iqr = q[2] - q[0]
    else:
        iqr = 0.0
    return {"median_ms": round(statistics.median(ms), 2), "iqr_ms": round(iqr, 2), "n": len(ms)}


def query_child(store_dir: str, name: str, runs: int, rdflib_on: bool) -> None:
    """In one process: the product, raw pyoxigraph and rdflib on one query; JSON lines out."""
    import pyoxigraph as ox

    from kg.query import bind_parameters, read_query, run_query
    from kg.store import Store

    params = {"label": "Care Inspectorate"} if name == "evidence" else {}
    store = Store(Path(store_dir), read_only=True)
    text = read_query(name).text
    raw_text = bind_parameters(text, {k: ox.Literal(v) for k, v in params.items()})

    def emit(engine: str, times: list[float], rows: int) -> None:
        print(json.dumps({"engine": engine, "rows": rows, **_stats(times)}), flush=True)

    for engine in ("product", "raw"):
        times, rows = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            if engine == "product":
                rows = len(run_query(store, name, params).rows)
            else:
                rows = len(list(store._store.query(raw_text, use_default_graph_as_union=True)))
            times.append(time.perf_counter() - started)
        emit(engine, times, rows)
    if rdflib_on:
        from rdflib import Dataset, Literal

        dataset = Dataset(default_union=True)
        dataset.parse(data=store.dump_text("nquads"), format="nquads")
        bindings = {k: Literal(v) for k, v in params.items()}
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            rows = len(list(dataset.query(text, initBindings=bindings)))
            times.append(time.perf_counter() - started)
        emit("rdflib", times, rows)


def bench_queries(
    store: Path, triples: int, runs: int, timeout: float, rdflib_max: int
) -> list[dict[str, object]]:
    """Every ``queries/*.rq`` on ``store``; a child per query, killed after ``timeout``."""
    from kg.query import bundled_queries

    rows = []
    for name in bundled_queries():
        cmd = [
            sys.executable, "-m", "benchmarks.run", "--query-child", str(store), name,
            str(runs), "1" if triples <= rdflib_max else "0",
        ]  # fmt: skip
        row: dict[str, object] = {"query": name, "triples": triples}
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


def bench_validation(stores: dict[int, Path], budget: float) -> list[dict[str, object]]:
    """``kg.reason.validate`` on the union graph at growing sizes, until one exceeds ``budget``."""
    try:
        from kg.reason import validate
    except ImportError:
        return [{"note": "kg.reason.validate absent"}]
    from kg.store import Store

    rows = []
    for size, path in sorted(stores.items()):
        graph = Store(path, read_only=True).to_rdflib()
        started = time.perf_counter()
        try:
            report = validate(graph)
            note = f"conforms={report.conforms}"
        except Exception as exc:  # noqa: BLE001 - report, do not stop the benchmark
            note = f"error: {type(exc).__name__}: {str(exc)[:120]}"
        elapsed = time.perf_counter() - started
        rows.append(
            {"docs": size, "triples": len(graph), "seconds": round(elapsed, 2), "note": note}
        )
        print(f"validate {size}: {rows[-1]}", flush=True)
        if elapsed > budget:
            break
    return rows


def to_markdown(result: dict) -> str:
    """The results as Markdown tables."""
    lines = [
        f"# Benchmark results {result['date']}",
        "",
        f"Machine: `{json.dumps(result['machine'])}`",
        "",
    ]
    lines += [
        "## Ingestion (`kg build`)",
        "",
        "| docs | step | s | docs/s | peak MiB | rc |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["ingestion"]:
        lines.append(
            "| "
            + " | ".join(
                str(r[k]) for k in ("size", "step", "seconds", "docs_per_s", "peak_mib", "rc")
            )
            + " |"
        )
    lines += ["", f"`--jobs`: {result['jobs_option']}", "", "## Queries (median ms, IQR)", ""]
    lines += [
        "| triples | query | product | raw pyoxigraph | rdflib | rdflib/product | product/raw |",
        "|---|---|---|---|---|---|---|",
    ]

    def cell(r: dict, engine: str) -> str:
        if engine not in r:
            return f"timeout > {r['timeout_s']} s" if "timeout_s" in r else "skipped"
        return f"{r[engine]['median_ms']} ± {r[engine]['iqr_ms']} (n={r[engine]['n']})"

    for r in result["queries"]:
        ratio_rdf = ratio_raw = ""
        if "product" in r and "rdflib" in r:
            ratio_rdf = f"{r['rdflib']['median_ms'] / max(r['product']['median_ms'], 1e-3):.1f}×"
        if "product" in r and "raw" in r:
            ratio_raw = f"{r['product']['median_ms'] / max(r['raw']['median_ms'], 1e-3):.2f}"
        lines.append(
            f"| {r['triples']} | {r['query']} | {cell(r, 'product')} | {cell(r, 'raw')} | "
            f"{cell(r, 'rdflib')} | {ratio_rdf} | {ratio_raw} |"
        )
    lines += ["", "## Start-up (median wall s)", ""]
    lines += [f"- {k}: {v}" for k, v in result["startup"].items()]
    lines += ["", "## Views", "", str(result["views"]), "", "## Validation", ""]
    lines += [f"- {json.dumps(r)}" for r in result["validation"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m benchmarks.run [--quick]``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--query-child":
        store, name, runs, rdflib_on = argv[1:5]
        query_child(store, name, int(runs), rdflib_on == "1")
        return
    parser = argparse.ArgumentParser(description="inspection-kg benchmarks")
    parser.add_argument("--quick", action="store_true", help="100 documents only (< 3 min)")
    parser.add_argument("--sizes", type=int, nargs="*", help="corpus sizes (documents)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query-timeout", type=float, default=None)
    parser.add_argument("--rdflib-max", type=int, default=300_000, help="triples")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([100] if args.quick else [100, 1000, 10000])
    timeout = args.query_timeout or (8.0 if args.quick else 15.0)
    started = time.perf_counter()
    help_text = subprocess.run([*_kg(), "build", "--help"], capture_output=True, text=True).stdout
    jobs = "--jobs" in help_text
    result: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "jobs_option": "present" if jobs else "absent from `kg build --help`",
    }
    result["ingestion"] = bench_ingestion(sizes, jobs)
    stores = {size: CORPUS / f"store-{size}" for size in sizes}
    from kg.store import Store

    triples = {size: len(Store(path, read_only=True)) for size, path in stores.items()}
    seeds_store = CORPUS / "store-seeds"
    shutil.rmtree(seeds_store, ignore_errors=True)
    timed_child([*_kg(), "build", "seeds", "--store", str(seeds_store)])
    result["startup"] = bench_startup(seeds_store, runs=3)
    queries = []
    for size in sizes:
        queries += bench_queries(stores[size], triples[size], args.runs, timeout, args.rdflib_max)
    result["queries"] = queries
    result["largest_triples"] = max(triples.values())
    try:
        from kg.viz import VIEWS, write_view  # noqa: F401

        result["views"] = "kg.viz present: not yet timed by this runner"
    except ImportError:
        result["views"] = "kg/viz.py absent"
    result["validation"] = bench_validation(
        {s: p for s, p in stores.items() if s <= 1000}, budget=60.0
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
