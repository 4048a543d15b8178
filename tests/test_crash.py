"""Crash safety: ``kg build`` killed with SIGKILL at random points loses nothing committed.

A changed document is replaced in one SPARQL Update (one RocksDB transaction); new ones are
bulk-loaded in batches between a pending mark and a commit, and the tests below also cut a
batch between the two by hand (the random kills mostly land between batches). After every kill the
store must open, hold only complete document graphs (each with the triple count and sha256 of
an uninterrupted build, and a description exactly when the graph is there), answer queries, and
a re-run must finish the rest with the same final dump as an uninterrupted build. A second
writer meanwhile gets one clear "store is in use" line.
"""

from __future__ import annotations

import gc
import os
import pty
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from kg.namespace import GRAPH, IKG
from kg.pipeline import build as run_build
from kg.query import run_query
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DOCUMENTS = 200
KILLS = 3
RANDOM_SEED = 20261122
IN_USE = "store is in use by another process"


def kg_command(*args: str) -> list[str]:
    """The argv of ``kg`` run with this interpreter."""
    return [sys.executable, "-m", "kg.cli", *args]


def make_corpus(folder: Path) -> Path:
    """~200 small documents: copies of the seeds, each with its own extra sentence."""
    rng = random.Random(RANDOM_SEED)
    seeds = sorted(SEEDS.glob("*.txt"))
    folder.mkdir()
    for index in range(DOCUMENTS):
        text = seeds[index % len(seeds)].read_text(encoding="utf-8")
        extra = f"\nNote {index}: inspectors visited {rng.randint(2, 90)} services.\n"
        (folder / f"doc{index:03d}.txt").write_text(text + extra, encoding="utf-8")
    return folder


def build_until(corpus: Path, store: Path, target: int) -> int:
    """Run ``kg build`` and SIGKILL it once it reports document ``target`` (or later) ingested.

    The build runs on a pseudo-terminal so its progress line (``ingested: docNNN.txt``, shown
    after each commit) can be watched; the kill then lands mid-build whatever the machine's
    load. Returns the highest document index seen ingested before the kill (-1 if none).
    """
    master, slave = pty.openpty()
    build = subprocess.Popen(
        kg_command("build", str(corpus), "--store", str(store)),
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(slave)
    reached = -1
    deadline = time.monotonic() + 120
    try:
        while reached < target and time.monotonic() < deadline:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the build ended and closed the terminal
                break
            if not chunk:
                break
            found = re.findall(rb"ingested: doc(\d+)", chunk)
            if found:
                reached = max(reached, int(found[-1]))
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
        os.close(master)
    return reached


def graph_state(path: Path) -> dict[str, tuple[int, str | None]]:
    """Each document graph's triple count and recorded sha256 (None without a description).

    Also lists descriptions whose graph is missing (count 0), so a half-written document
    shows up as a mismatch.
    """
    store = Store(path)
    try:
        counts = {
            row["g"]: int(row["n"])
            for row in run_query(
                store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            ).rows
        }
        shas = {
            row["g"]: row["sha"]
            for row in run_query(store, f"SELECT ?g ?sha WHERE {{ ?g <{IKG.sha256}> ?sha }}").rows
        }
        # a query over the data works, not only the bookkeeping (the bundled ``inspections``
        # query is far too slow on 200 copies of five inspections to use here)
        documents = run_query(store, f"SELECT (COUNT(?d) AS ?n) WHERE {{ ?d a <{IKG.Document}> }}")
        document_graphs = [g for g in counts if re.match(rf"{GRAPH}doc\d+$", g)]
        assert int(documents.rows[0]["n"]) == len(document_graphs)
        # the default graph holds exactly the distinct triples of the committed graphs
        distinct = {(q.subject, q.predicate, q.object) for q in store.dataset_quads()}
        assert store.union_count() == len(distinct)
    finally:
        del store
        gc.collect()
    prefix = str(GRAPH)
    documents = {g for g in counts.keys() | shas.keys() if re.match(rf"{prefix}doc\d+$", g)}
    return {g: (counts.get(g, 0), shas.get(g)) for g in documents}


def normalised_dump(path: Path) -> Counter[str]:
    """The store's N-Quads with timestamps dropped and blank-node labels erased."""
    store = Store(path)
    try:
        text = store.dump_text("nquads")
    finally:
        del store
        gc.collect()
    lines = (
        re.sub(r"_:\S+", "_:b", line) for line in text.splitlines() if "generatedAtTime" not in line
    )
    return Counter(lines)


def test_sigkill_at_random_points_loses_nothing_committed(tmp_path: Path) -> None:
    """Kill the build several times; each time the store is consistent; a re-run completes it."""
    corpus = make_corpus(tmp_path / "corpus")
    reference = tmp_path / "reference"
    clean = Store(reference)  # the uninterrupted build, in this process
    assert run_build([corpus], clean).ok
    del clean
    gc.collect()
    expected = graph_state(reference)
    assert len(expected) == DOCUMENTS
    assert all(count > 0 and sha for count, sha in expected.values())

    store = tmp_path / "store"
    rng = random.Random(RANDOM_SEED)
    partial_states = 0
    done = 0
    for attempt in range(KILLS):
        target = done + rng.randint(1, max(1, (DOCUMENTS - done) // 2))
        reached = build_until(corpus, store, target)
        state = graph_state(store)
        for graph, (count, sha) in state.items():
            assert (count, sha) == expected[graph], f"after kill {attempt}: {graph} incomplete"
        assert len(state) >= reached, "a document reported as ingested is missing"
        if done < len(state) < DOCUMENTS:
            partial_states += 1
        done = len(state)
    assert partial_states >= 2, "kills did not land mid-build; the test proved little"

    rerun = subprocess.run(
        kg_command("build", str(corpus), "--store", str(store)), capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr
    assert graph_state(store) == expected
    assert normalised_dump(store) == normalised_dump(reference)


def test_second_writer_and_query_during_build(tmp_path: Path) -> None:
    """While a build writes, a second build says "in use" in one line (exit 1), and a query
    answers (it opens the store read-only, never waiting for the writer)."""
    corpus = make_corpus(tmp_path / "corpus")
    store = tmp_path / "store"
    master, slave = pty.openpty()
    build = subprocess.Popen(
        kg_command("build", str(corpus), "--store", str(store)),
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(slave)
    try:
        seen = b""
        while b"ingested: doc0" not in seen:  # the build holds the store and is writing
            seen = seen[-64:] + os.read(master, 4096)
        second = subprocess.run(
            kg_command("build", str(corpus), "--store", str(store)),
            capture_output=True,
            text=True,
        )
        query = subprocess.run(
            kg_command(
                "query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", str(store), "-f", "csv"
            ),
            capture_output=True,
            text=True,
        )
        still_running = build.poll() is None
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
        os.close(master)
    assert still_running, "the build ended before the second writer tried; nothing was shown"
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        f"error: {store}: {IN_USE} (try again when it ends)"
    ]
    # a query opens the store read-only: it answers while the build writes
    assert query.returncode == 0, query.stderr
    header, *rows = query.stdout.splitlines()
    assert sorted(header.split(",")) == ["o", "p", "s"] and len(rows) == 1


def test_replace_and_remove_keep_the_union_exact() -> None:
    """After one document graph is replaced by another text and one is removed, the default
    graph is exactly the distinct triples of what remains: what only the old graphs stated
    is gone, what another graph also states stays."""
    from kg.emit import document_iri
    from kg.namespace import graph_iri
    from kg.pipeline import build, prepare_file

    store = Store()  # in memory
    assert build([SEEDS], store).ok
    first, second, third = sorted(SEEDS.glob("*.txt"))[:3]
    store.replace_graph_ntriples(graph_iri(first.stem), prepare_file(second).triples)
    store.remove_graph(graph_iri(third.stem))

    def default_graph(subject=None) -> set:
        quads = store._store.quads_for_pattern(subject, None, None, ox.DefaultGraph())
        return {(q.subject, q.predicate, q.object) for q in quads}

    assert default_graph() == {(q.subject, q.predicate, q.object) for q in store.dataset_quads()}
    assert not default_graph(ox.NamedNode(str(document_iri(first.stem))))
    assert not default_graph(ox.NamedNode(str(document_iri(third.stem))))
    assert default_graph(ox.NamedNode(str(document_iri(second.stem))))  # stated twice now
    assert default_graph(ox.NamedNode(str(graph_iri(second.stem))))  # its description
    assert not default_graph(ox.NamedNode(str(graph_iri(third.stem))))
    assert str(graph_iri(third.stem)) not in store.named_graphs()


def _quads(store: Store) -> set[ox.Quad]:
    return set(store._store.quads_for_pattern(None, None, None, None))


def _crashed_batch(path: Path, union: bool) -> set[ox.Quad]:
    """A store of four seeds, then a bulk load of the fifth that never committed: the mark
    and the load (``union``: with its default-graph part) happened, the descriptions did not.
    Returns the quads of the four-seed store."""
    from kg.namespace import graph_iri
    from kg.pipeline import build, prepare_file

    *four, fifth = sorted(SEEDS.glob("*.txt"))
    store = Store(path)
    assert build(four, store).ok
    before = _quads(store)
    prepared = prepare_file(fifth)
    batch = [(graph_iri(prepared.document_id), prepared.triples, prepared.description)]
    store._mark_pending(batch)
    store._bulk_load(batch, union=union)
    assert str(graph_iri(fifth.stem)) in store.named_graphs()
    del store  # the process ends here, as under SIGKILL: no commit
    gc.collect()
    return before


def test_a_bulk_load_that_never_committed_is_removed_on_open(tmp_path: Path) -> None:
    """The next read-write open removes the uncommitted batch and nothing else: the store
    is quad for quad the four-seed store, though the fifth seed shares labels with them."""
    before = _crashed_batch(tmp_path / "store", union=True)
    store = Store(tmp_path / "store")
    assert _quads(store) == before
    assert store.recover() == []  # done once


def test_a_partial_bulk_load_leaves_no_orphan_in_the_union(tmp_path: Path) -> None:
    """A load cut between its parts (the graph's quads in, some union triples not): the
    recovery sweeps what no graph states, so the default graph is again the exact union."""
    from kg.namespace import graph_iri

    before = _crashed_batch(tmp_path / "store", union=False)
    store = Store(tmp_path / "store", read_only=False)
    assert _quads(store) == before
    # the other cut: union triples in, the graph's quads not
    name = graph_iri("orphan")
    triple = f'<{name}#x> <{IKG.page}> "1" .\n'
    store._mark_pending([(name, triple, "")])
    store._store.bulk_load(input=triple.encode(), format=ox.RdfFormat.N_TRIPLES)
    del store
    gc.collect()
    assert _quads(Store(tmp_path / "store")) == before


def test_a_bulk_built_store_equals_a_transactional_one(tmp_path: Path) -> None:
    """Seeds added by the bulk loader (a fresh store) and one transaction each (every graph
    replaced over an existing name) give the same quads, blank nodes aside."""
    bulk = Store(tmp_path / "bulk")
    assert run_build([SEEDS], bulk).ok
    replaced = Store(tmp_path / "replaced")
    from kg.namespace import graph_iri

    for path in sorted(SEEDS.glob("*.txt")):  # a placeholder graph under each name first
        replaced.replace_graph_ntriples(
            graph_iri(path.stem), f'<{graph_iri(path.stem)}#x> <{IKG.page}> "1" .'
        )
    assert run_build([SEEDS], replaced).ok

    def text(store: Store) -> list[str]:
        lines = store.dump_text("nquads").splitlines()
        return sorted(
            re.sub(r"_:\S+", "_:b", line) for line in lines if "generatedAtTime" not in line
        )

    assert text(bulk) == text(replaced)
    assert bulk.union_count() == replaced.union_count()
