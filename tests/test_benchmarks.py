"""The benchmark corpus (one inspection per partnership and programme, its documents agreeing)
and the revision comparison harness (``python -m benchmarks.compare``), on tiny inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.corpus import (
    expected_inspections,
    inspection_slot,
    make_document,
    read_areas,
    to_html,
    to_text,
    write_corpus,
)
from kg.pipeline import build
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent

INSPECTIONS = """
PREFIX ikg: <https://w3id.org/inspection-kg/def#>
SELECT ?inspection (COUNT(DISTINCT ?start) AS ?starts) (COUNT(DISTINCT ?document) AS ?documents)
WHERE {
  GRAPH ?document {
    ?inspection a ?class .
    OPTIONAL { ?inspection ikg:fieldworkStart ?start }
  }
  FILTER(?class IN (ikg:JointInspection, ikg:ProgressReview, ikg:Inspection))
}
GROUP BY ?inspection
"""


def test_documents_of_one_inspection_agree_and_the_rest_are_distinct(tmp_path):
    # every round of one area (joint inspection and progress review of three programmes),
    # another area, and documents of the next cycle about inspections already written of
    indices = [0, 1, 32, 64, 96, 128, 160, 192, 193, 224, 352]
    areas = read_areas()
    for index in indices:
        blocks = make_document(index, seed=1, areas=areas, words=400)
        if index % 2:
            (tmp_path / f"bench-{index:05d}.html").write_text(to_html(blocks), encoding="utf-8")
        else:
            (tmp_path / f"bench-{index:05d}.txt").write_text(to_text(blocks), encoding="utf-8")
    store = Store(None)
    report = build([tmp_path], store)
    assert report.failed == [] and len(report.ingested) == len(indices)

    slots = {inspection_slot(index) for index in indices}
    assert len(slots) == 7
    rows = {r["inspection"].value: r for r in store.query(INSPECTIONS)}
    assert len(rows) == len(slots)
    documents = sorted(int(r["documents"].value) for r in rows.values())
    assert documents == [1, 1, 1, 2, 2, 2, 2]  # 192, 193, 224 and 352 repeat an inspection
    for inspection, row in rows.items():
        assert int(row["starts"].value) == 1, inspection  # its documents give one fieldwork
    kinds = sorted(iri.rsplit("/", 1)[-1].count("progress-review") for iri in rows)
    assert kinds == [0, 0, 0, 0, 1, 1, 1]  # 32, 96, 160: progress reviews of their own


def test_expected_inspections_counts_the_slots():
    for count in (10, 100, 191, 192, 193, 1000):
        assert expected_inspections(count) == len({inspection_slot(i) for i in range(count)})


def test_a_corpus_of_another_generator_is_written_afresh(tmp_path):
    write_corpus(3, tmp_path, seed=1, html_share=0, pdf_share=0, words=200)
    first = (tmp_path / "bench-00000.txt").read_text(encoding="utf-8")
    (tmp_path / "bench-00000.txt").write_text("stale", encoding="utf-8")
    (tmp_path / "bench-00005.txt").write_text("stale", encoding="utf-8")
    write_corpus(3, tmp_path, seed=1, html_share=0, pdf_share=0, words=200)
    assert (tmp_path / "bench-00000.txt").read_text(encoding="utf-8") == "stale"  # same stamp
    (tmp_path / ".generator").write_text("generator 1\n", encoding="utf-8")
    write_corpus(3, tmp_path, seed=1, html_share=0, pdf_share=0, words=200)
    assert (tmp_path / "bench-00000.txt").read_text(encoding="utf-8") == first
    assert not (tmp_path / "bench-00005.txt").exists()


def _git_head() -> str | None:
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_compare_builds_both_revisions_on_one_corpus(tmp_path):
    head = _git_head()
    if head is None:
        pytest.skip("not a git checkout: the harness exports revisions with git archive")
    cmd = [sys.executable, "-m", "benchmarks.compare", "--base", "HEAD", "--head", "."]
    cmd += ["--docs", "4", "--repeats", "1", "--extract-docs", "2"]
    cmd += ["--cache", str(tmp_path / "cache"), "--results", str(tmp_path / "results")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "head/base" in proc.stdout

    # HEAD was exported and given its own venv, which imports its own kg
    export = tmp_path / "cache" / "revs" / head / "src"
    assert (export / "kg" / "pipeline.py").is_file()
    python = tmp_path / "cache" / "revs" / head / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import kg; print(kg.__file__)"],
        cwd=export,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(export / "kg" / "__init__.py")

    (written,) = (tmp_path / "results").glob("compare-*.json")
    result = json.loads(written.read_text(encoding="utf-8"))
    assert result["base"]["commit"] == head and result["head"]["commit"] is None
    for role in ("base", "head"):
        summary = result["summary"][role]
        assert summary["summary"].startswith("documents: 4 ingested"), summary["summary"]
        assert summary["build_median_s"] > 0 and summary["peak_mib_max"] > 50
        assert summary["extract_ms_per_doc"] > 0 and summary["read_ms_per_doc"] > 0
        assert result["extractions"][role][0]["docs"] == 2
        assert summary["inspections"] == expected_inspections(4)  # counted in the store
    medians = [result["summary"][role]["build_median_s"] for role in ("base", "head")]
    assert result["ratio_of_medians"] == pytest.approx(medians[1] / medians[0], abs=1e-3)
    assert result["summary"]["head"]["build_cpu_median_s"] > 1  # workers' CPU counted too
    assert (tmp_path / "results" / written.with_suffix(".md").name).read_text().count("|") > 20
