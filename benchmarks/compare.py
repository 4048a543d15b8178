"""Revision comparison: ``kg build --jobs 2`` and in-process extraction, base against head,
in one run on one corpus.

    python -m benchmarks.compare --base 40681c8 [--head HEAD] --docs 1000 --repeats 7

Each revision is exported (``git archive``, read-only on the repository) to
``benchmarks/corpus/revs/<commit>/src`` and given a venv beside it whose site-packages holds
what ``pip install --no-deps -e src`` would put there (a ``.pth`` line with the source
folder) plus a ``.pth`` line with this interpreter's site-packages for the dependencies: no
download, under a second, cached for the next run. ``--head .`` is the working tree as it
is, with this interpreter. One corpus is written by the head's generator
(``benchmarks/corpus.py`` of the head); then, ``--repeats`` times, base and head each build
it into a fresh store with ``kg build --jobs 2`` (base, head, base, head, ...: a load that
drifts during the run falls on both), and each extracts the first ``--extract-docs``
documents in one process (read, extract and emit timed apart; no store).

Results: ``benchmarks/results/compare-<stamp>.{json,md}`` (git-ignored): per revision the
median build time, its interquartile range (max - min under four runs), docs/s, peak RSS of
the largest process, quads, ms per document of each extraction stage, the head/base ratio of
the medians and the median of the pairwise ratios, and the load average around each build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.run import machine, timed_child

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CACHE = ROOT / "benchmarks" / "corpus"
WORKTREE = "."
"""``--head .`` (or ``--base .``): the working tree as it is, run by this interpreter."""


class Revision:
    """A revision ready to run: its source folder, its interpreter, its label."""

    def __init__(self, spec: str, commit: str | None, src: Path, python: Path) -> None:
        self.spec = spec
        self.commit = commit
        self.src = src
        self.python = python

    @property
    def label(self) -> str:
        return self.spec if self.commit is None else f"{self.spec} ({self.commit[:7]})"

    def run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        """Run this revision's Python in its own source folder (so ``kg`` is its own)."""
        return subprocess.run(
            [str(self.python), *args], cwd=self.src, capture_output=True, text=True, **kwargs
        )


def _git(*args: str) -> str:
    proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def prepare(spec: str, cache: Path) -> Revision:
    """Export ``spec`` and make its venv (both cached by commit); ``.``: the working tree."""
    if spec == WORKTREE:
        return Revision(spec, None, ROOT, Path(sys.executable))
    commit = _git("rev-parse", "--verify", f"{spec}^{{commit}}")
    home = cache / "revs" / commit
    src, venv = home / "src", home / "venv"
    ready = home / ".ready"
    if not ready.exists():
        shutil.rmtree(home, ignore_errors=True)
        src.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = venv / "bin" / "python"
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        # what `pip install --no-deps -e src` writes, and this interpreter's dependencies
        # (plain path lines: the other venv's own .pth files, its editable kg, stay unread)
        Path(site, "_kg_revision.pth").write_text(f"{src}\n", encoding="utf-8")
        deps = sysconfig.get_paths()["purelib"]
        Path(site, "zz_dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
        ready.write_text(commit + "\n", encoding="utf-8")
    revision = Revision(spec, commit, src, venv / "bin" / "python")
    found = revision.run(["-c", "import kg, sys; print(kg.__file__)"], check=False)
    if found.returncode or not found.stdout.strip().startswith(str(src)):
        raise SystemExit(f"{spec}: its venv does not import its own kg ({found.stderr[-200:]})")
    return revision


# ------------------------------------------------------------ in-process extraction (child)

EXTRACT_CHILD = r"""
import json, statistics, sys, time
from datetime import UTC, datetime
from pathlib import Path
from kg.emit import provenance_graph, to_graph
from kg.extract import extract
from kg.namespace import graph_iri
from kg.sources import iter_source_files, read_document

paths = list(iter_source_files([Path(sys.argv[1])]))[: int(sys.argv[2])]
document = read_document(paths[0])
to_graph(document, extract(document)).to_ntriples()  # warm: vocabularies, matchers, model
stages = {"read": [], "extract": [], "emit": []}
cpu = {"read": [], "extract": [], "emit": []}
clock, process = time.perf_counter, time.process_time
for path in paths:
    t0, c0 = clock(), process()
    document = read_document(path)
    t1, c1 = clock(), process()
    extraction = extract(document)
    t2, c2 = clock(), process()
    to_graph(document, extraction).to_ntriples()
    provenance_graph(document, graph_iri(document.id), datetime.now(UTC)).to_ntriples()
    t3, c3 = clock(), process()
    for stage, wall, used in zip(stages, (t1 - t0, t2 - t1, t3 - t2), (c1 - c0, c2 - c1, c3 - c2)):
        stages[stage].append(wall * 1000)
        cpu[stage].append(used * 1000)
print(json.dumps({
    "docs": len(paths),
    **{f"{k}_ms": round(sum(v) / len(v), 3) for k, v in stages.items()},
    **{f"{k}_median_ms": round(statistics.median(v), 3) for k, v in stages.items()},
    **{f"{k}_cpu_ms": round(sum(v) / len(v), 3) for k, v in cpu.items()},
}))
"""


def extraction_pass(revision: Revision, corpus: Path, docs: int) -> dict[str, float]:
    """Mean (and median) ms per document of read, extract and emit, in one process."""
    proc = revision.run(["-c", EXTRACT_CHILD, str(corpus), str(docs)], check=False)
    if proc.returncode:
        raise SystemExit(f"{revision.label}: extraction failed: {proc.stderr[-400:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def build_pass(revision: Revision, corpus: Path, store: Path, jobs: int) -> dict[str, object]:
    """``kg build CORPUS --store STORE --jobs N`` into a fresh store: wall s, peak, quads."""
    shutil.rmtree(store, ignore_errors=True)
    load_before = os.getloadavg()[0]
    cmd = [str(revision.python), "-m", "kg.cli", "build", str(corpus), "--store", str(store)]
    # in its own source folder: `python -m` puts the working folder first on sys.path
    result = timed_child([*cmd, "--jobs", str(jobs)], cwd=revision.src)
    if result["rc"]:
        raise SystemExit(f"{revision.label}: kg build failed: {result['err']}")
    result["load_before"] = round(load_before, 2)
    result["load_after"] = round(os.getloadavg()[0], 2)
    counted = revision.run(["-c", COUNT_INSPECTIONS, str(store)], check=False)
    result["inspections"] = int(counted.stdout) if counted.returncode == 0 else None
    shutil.rmtree(store, ignore_errors=True)
    return result


COUNT_INSPECTIONS = r"""
import sys, pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
query = ("PREFIX ikg: <https://w3id.org/inspection-kg/def#> "
         "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { GRAPH ?g { ?i a ?c } "
         "FILTER(?c IN (ikg:Inspection, ikg:JointInspection, ikg:ProgressReview)) }")
print(next(iter(store.query(query)))["n"].value)
"""
"""Typed inspections in a built store (pyoxigraph alone: any revision's store)."""


def spread(values: list[float]) -> float:
    """The interquartile range from four values, else max - min."""
    if len(values) >= 4:
        q = statistics.quantiles(values, n=4)
        return q[2] - q[0]
    return max(values) - min(values)


def summarise(builds: list[dict], extractions: list[dict], docs: int) -> dict[str, object]:
    """Medians and spreads of one revision's runs."""
    seconds = [b["seconds"] for b in builds]
    peaks = [b["peak_mib"] for b in builds if b["peak_mib"]]
    cpu = [b["cpu_s"] for b in builds if b.get("cpu_s") is not None]
    out: dict[str, object] = {
        "build_median_s": round(statistics.median(seconds), 3),
        "build_iqr_s": round(spread(seconds), 3),
        "build_min_s": min(seconds),
        "build_runs_s": seconds,
        "build_cpu_median_s": round(statistics.median(cpu), 3) if cpu else None,
        "build_cpu_iqr_s": round(spread(cpu), 3) if cpu else None,
        "docs_per_s": round(docs / statistics.median(seconds), 1),
        "peak_mib_median": round(statistics.median(peaks), 1) if peaks else None,
        "inspections": builds[-1].get("inspections"),
        "peak_mib_max": max(peaks) if peaks else None,
        "summary": builds[-1]["out"],
    }
    for stage in ("read", "extract", "emit"):
        values = [e[f"{stage}_ms"] for e in extractions]
        out[f"{stage}_ms_per_doc"] = round(statistics.median(values), 2)
        out[f"{stage}_ms_iqr"] = round(spread(values), 2)
        used = [e[f"{stage}_cpu_ms"] for e in extractions]
        out[f"{stage}_cpu_ms_per_doc"] = round(statistics.median(used), 2)
    return out


def _ratio(summary: dict, key: str) -> float | None:
    base, head = summary["base"][key], summary["head"][key]
    return round(head / base, 3) if base and head else None


def compare(
    base: str,
    head: str,
    docs: int,
    repeats: int,
    extract_docs: int = 200,
    jobs: int = 2,
    seed: int = 1,
    cache: Path = CACHE,
    results: Path = RESULTS,
) -> dict[str, object]:
    """Run the comparison; write ``compare-<stamp>.{json,md}`` under ``results``."""
    started = time.perf_counter()
    revisions = {"base": prepare(base, cache), "head": prepare(head, cache)}
    work = cache / "compare"
    corpus = work / f"corpus-{docs}-s{seed}"
    written = revisions["head"].run(
        ["-m", "benchmarks.corpus", str(docs), str(corpus), "--seed", str(seed)], check=False
    )
    if written.returncode:
        raise SystemExit(f"head's corpus generator failed: {written.stderr[-400:]}")
    print(written.stdout.strip(), flush=True)
    builds: dict[str, list[dict]] = {"base": [], "head": []}
    extractions: dict[str, list[dict]] = {"base": [], "head": []}
    loads = [os.getloadavg()]
    for repeat in range(repeats):
        for role in ("base", "head"):
            revision = revisions[role]
            extraction = extraction_pass(revision, corpus, min(extract_docs, docs))
            extractions[role].append(extraction)
            build = build_pass(revision, corpus, work / f"store-{role}", jobs)
            builds[role].append(build)
            print(
                f"{repeat + 1}/{repeats} {role:4} build {build['seconds']:7.2f} s "
                f"(CPU {build['cpu_s']} s) peak {build['peak_mib']} MiB "
                f"{build['inspections']} inspections load {build['load_before']}->"
                f"{build['load_after']} | extract {extraction['extract_ms']:.2f} ms/doc "
                f"read {extraction['read_ms']:.2f} emit {extraction['emit_ms']:.2f}",
                flush=True,
            )
        loads.append(os.getloadavg())
    summary = {role: summarise(builds[role], extractions[role], docs) for role in builds}
    pairs = [
        h["seconds"] / b["seconds"] for b, h in zip(builds["base"], builds["head"], strict=True)
    ]
    result: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "base": {"spec": base, "commit": revisions["base"].commit},
        "head": {"spec": head, "commit": revisions["head"].commit},
        "docs": docs,
        "extract_docs": min(extract_docs, docs),
        "repeats": repeats,
        "jobs": jobs,
        "seed": seed,
        "summary": summary,
        "ratio_of_medians": round(
            summary["head"]["build_median_s"] / summary["base"]["build_median_s"], 3
        ),
        "median_pair_ratio": round(statistics.median(pairs), 3),
        "pair_ratios": [round(r, 3) for r in pairs],
        "extract_ratio": round(
            summary["head"]["extract_ms_per_doc"] / summary["base"]["extract_ms_per_doc"], 3
        ),
        "cpu_ratio": _ratio(summary, "build_cpu_median_s"),
        "extract_cpu_ratio": _ratio(summary, "extract_cpu_ms_per_doc"),
        "load_average": [[round(x, 2) for x in load] for load in loads],
        "builds": builds,
        "extractions": extractions,
    }
    result["total_s"] = round(time.perf_counter() - started, 1)
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (results / f"compare-{stamp}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (results / f"compare-{stamp}.md").write_text(to_markdown(result), encoding="utf-8")
    result["written"] = str(results / f"compare-{stamp}.md")
    if docs < 50:  # a smoke test's corpus: not worth keeping
        shutil.rmtree(corpus, ignore_errors=True)
    return result


def to_markdown(result: dict) -> str:
    """The comparison as a Markdown table."""
    s = result["summary"]
    m = result["machine"]
    lines = [
        f"# Revision comparison {result['date']}",
        "",
        f"base `{result['base']['spec']}` ({result['base']['commit'] or 'working tree'}), "
        f"head `{result['head']['spec']}` ({result['head']['commit'] or 'working tree'}); "
        f"{result['docs']} documents (seed {result['seed']}, the head's generator), "
        f"`kg build --jobs {result['jobs']}` {result['repeats']}× each, alternating; "
        f"extraction in one process over the first {result['extract_docs']} documents. "
        f"Machine: {m['nproc']} cores, {m['ram_gib']} GiB, Python {m['python']}. "
        f"Load average (1 min) through the run: "
        f"{', '.join(str(load[0]) for load in result['load_average'])}. "
        f"Whole run {result['total_s']} s.",
        "",
        "| revision | build median s | IQR s | min s | docs/s | build CPU s (IQR) "
        "| peak MiB (median, max) | read ms/doc | extract ms/doc (IQR) | emit ms/doc "
        "| CPU ms/doc: read, extract, emit | inspections | summary |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for role in ("base", "head"):
        r = s[role]
        lines.append(
            f"| {role} | {r['build_median_s']} | {r['build_iqr_s']} | {r['build_min_s']} | "
            f"{r['docs_per_s']} | {r['build_cpu_median_s']} ({r['build_cpu_iqr_s']}) | "
            f"{r['peak_mib_median']}, {r['peak_mib_max']} | {r['read_ms_per_doc']} | "
            f"{r['extract_ms_per_doc']} ({r['extract_ms_iqr']}) | {r['emit_ms_per_doc']} | "
            f"{r['read_cpu_ms_per_doc']}, {r['extract_cpu_ms_per_doc']}, "
            f"{r['emit_cpu_ms_per_doc']} | {r['inspections']} | {r['summary'][:80]} |"
        )
    lines += [
        "",
        f"head/base: ratio of the build medians **{result['ratio_of_medians']}**, median of "
        f"the pairwise ratios {result['median_pair_ratio']} (pairs: "
        f"{', '.join(str(r) for r in result['pair_ratios'])}); build CPU time "
        f"{result['cpu_ratio']}; extraction {result['extract_ratio']} (CPU "
        f"{result['extract_cpu_ratio']}).",
        "",
        "Runs (s): base "
        + ", ".join(str(x) for x in s["base"]["build_runs_s"])
        + "; head "
        + ", ".join(str(x) for x in s["head"]["build_runs_s"])
        + ".",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m benchmarks.compare --base REV [--head REV] --docs N``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="a commit, branch or tag; '.': worktree")
    parser.add_argument("--head", default="HEAD", help="default HEAD; '.': the working tree")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5, help="builds per revision")
    parser.add_argument("--extract-docs", type=int, default=200, help="documents per pass")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=CACHE, help="exports, venvs, corpus")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = compare(
        args.base,
        args.head,
        args.docs,
        args.repeats,
        args.extract_docs,
        args.jobs,
        args.seed,
        args.cache,
        args.results,
    )
    s = result["summary"]
    print(
        f"base {s['base']['build_median_s']} s, head {s['head']['build_median_s']} s: "
        f"head/base {result['ratio_of_medians']} (pairwise {result['median_pair_ratio']}); "
        f"extract {s['base']['extract_ms_per_doc']} -> {s['head']['extract_ms_per_doc']} "
        f"ms/doc; wrote {result['written']}"
    )


if __name__ == "__main__":
    main()
