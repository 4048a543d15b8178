"""Serving while building: `kg serve` owns the store and `kg build` writes through it.

A real `kg serve` process on 127.0.0.1 serves a store while documents are built into the
same store, first batch by batch from this process (through :class:`kg.owner.RemoteWriter`,
so the moment each batch commits is known), then by a `kg build` process. Three clients
query the server all along, and a fourth reads the store through read-only views (as
`kg stats` does). Checked: no answer is an error; no query sees part of a
document (a document graph is either absent or has its final quad count and its
description); a document seen once stays seen; every query that starts after a batch's
commit returned sees the batch (the bound is zero); documents appear during the build, not
only at its end.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from servers import free_port, start_process, stop

from kg.namespace import GRAPH, IKG, graph_iri
from kg.owner import RemoteWriter, find_owner, owner_file
from kg.pipeline import build
from kg.store import Store

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
DOCUMENT_GRAPHS = f"""SELECT ?g ?n ?sha WHERE {{
  {{ SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g }}
  OPTIONAL {{ ?g <{IKG.sha256}> ?sha }}
}}"""


def copies(folder: Path, prefix: str, rounds: int) -> list[Path]:
    """The seed texts under new names (new documents), ``rounds`` copies of each."""
    folder.mkdir(parents=True)
    made = []
    for index in range(rounds):
        for seed in SEEDS:
            target = folder / f"{prefix}{index}_{seed.name}"
            shutil.copyfile(seed, target)
            made.append(target)
    return made


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=300
    )


class Clients:
    """Threads querying the server until stopped; every answer recorded with its times."""

    def __init__(self, base: str, store: Path | None = None) -> None:
        self.base = base
        self.store = store
        self.reads: list[object] = []  # (quads, graphs) or the exception of a read-only view
        self.stop = threading.Event()
        self.snapshots: list[tuple[float, float, dict[str, tuple[int, bool]]]] = []
        self.statuses: list[tuple[str, int, str]] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self.poll_graphs, daemon=True),
            threading.Thread(target=self.poll_graphs, daemon=True),
            threading.Thread(target=self.poll_pages, daemon=True),
        ]
        if store is not None:
            self.threads.append(threading.Thread(target=self.read_views, daemon=True))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def record(self, what: str, response: httpx.Response) -> None:
        with self.lock:
            self.statuses.append((what, response.status_code, response.text[:200]))

    def poll_graphs(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                response = client.post(
                    self.base + "/sparql",
                    data={"query": DOCUMENT_GRAPHS},
                    headers={"Accept": "application/sparql-results+json"},
                )
                answered = time.monotonic()
                self.record("sparql", response)
                if response.status_code != 200:
                    continue
                graphs = {
                    row["g"]["value"]: (int(row["n"]["value"]), "sha" in row)
                    for row in response.json()["results"]["bindings"]
                }
                with self.lock:
                    self.snapshots.append((started, answered, graphs))

    def read_views(self) -> None:
        """What `kg stats` does, in a loop: a read-only view of the store the server writes."""
        from kg.cli import _reading

        while not self.stop.is_set():
            try:
                read = _reading(self.store, lambda view: (len(view), len(view.named_graphs())))
            except Exception as exc:  # noqa: BLE001 - recorded, asserted to be none
                read = exc
            with self.lock:
                self.reads.append(read)

    def poll_pages(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                for path in ("/void", "/id/partnership/inverclyde", "/.well-known/void"):
                    self.record(path, client.get(self.base + path))


def _one_seed_store(tmp_path: Path) -> Path:
    """A store holding the first seed, closed again."""
    path = tmp_path / "store"
    store = Store(path)
    build([SEEDS[0]], store)
    del store
    return path


def _serve(path: Path, port: int) -> list[str]:
    """The `kg serve` command for ``path`` on ``port``."""
    return [sys.executable, "-m", "kg.cli", "serve", "--store", str(path), "--port", str(port)]


@pytest.fixture
def served(tmp_path):
    """A store holding one seed, served by `kg serve`; yields (store path, base URL)."""
    path = _one_seed_store(tmp_path)
    port = free_port()
    process, base = start_process(_serve(path, port), port, "kg serve", "/void", seconds=60)
    yield path, base, process
    stop(process)


def test_build_while_serving_is_atomic_and_visible_at_commit(served, tmp_path):
    path, base, process = served
    owner = find_owner(path)
    assert owner is not None and owner.pid == process.pid
    first = copies(tmp_path / "first", "a", 3)  # 15 new documents, committed 2 at a time
    second = copies(tmp_path / "second", "b", 2)  # 10 more, by a `kg build` process
    committed: dict[str, float] = {}

    def progress(file: Path, outcome: str) -> None:
        assert outcome == "ingested"
        committed[str(graph_iri(file.stem))] = time.monotonic()  # called once its batch returned

    with Clients(base, path) as clients:
        time.sleep(0.5)
        report = build([tmp_path / "first"], RemoteWriter(path, owner), progress, batch_documents=2)
        assert len(report.ingested) == len(first) and not report.failed
        started = time.monotonic()
        result = kg("build", str(tmp_path / "second"), "--store", str(path), "--batch", "3")
        ended = time.monotonic()
        assert result.returncode == 0, result.stderr
        assert "10 ingested" in result.stdout and "written by kg serve" in result.stdout
        assert result.stderr == ""  # piped: no progress bar
        time.sleep(0.5)

    bad = [status for status in clients.statuses if status[1] != 200]
    assert bad == [], bad[:5]
    failed_reads = [read for read in clients.reads if isinstance(read, Exception)]
    assert failed_reads == [] and len(clients.reads) > 10, (failed_reads[:3], len(clients.reads))
    graph_counts = [graphs for _, graphs in clients.reads]
    assert graph_counts == sorted(graph_counts)  # read-only views never go back in time
    assert len(clients.statuses) > 50

    final = {
        row["g"].value: int(row["n"].value)
        for row in Store(path, read_only=True).query(DOCUMENT_GRAPHS)
        if str(row["g"].value).startswith(str(GRAPH))
    }
    names = [str(graph_iri(file.stem)) for file in first + second]
    assert set(names) <= set(final)

    seen_at: dict[str, float] = {}
    partial_states = 0
    for started_at, answered, graphs in sorted(clients.snapshots):
        for name in names:
            if name in graphs:
                count, described = graphs[name]
                assert (count, described) == (final[name], True), (name, count, final[name])
                seen_at.setdefault(name, answered)
            else:
                # a document once seen never disappears; one committed before the query
                # started is in its answer (the bound: zero after the commit returned)
                assert name not in seen_at or seen_at[name] > started_at, name
                assert committed.get(name, float("inf")) > started_at, (name, "missed")
                assert name in committed or started_at < ended, (name, "missed after build")
        visible = sum(1 for name in names[: len(first)] if name in graphs)
        partial_states += 0 < visible < len(first)
    assert partial_states > 0  # batches appeared during the build, not all at its end
    lags = [seen_at[name] - committed[name] for name in committed]
    assert max(lags) < 5, max(lags)
    assert set(seen_at) == set(names)
    print(f"commit-to-seen lag: max {max(lags) * 1000:.0f} ms over {len(lags)} documents")
    assert started < ended


def test_server_shutdown_is_said_and_releases_the_store(served, tmp_path):
    path, base, process = served
    process.terminate()
    process.wait(timeout=20)
    stderr = process.stderr.read().decode()
    assert stderr.strip().splitlines()[-1] == f"stopped serving {path}; the store is closed"
    assert not owner_file(path).exists()
    # the store is free again: a build opens it itself
    result = kg("build", str(SEEDS[1]), "--store", str(path))
    assert result.returncode == 0, result.stderr
    assert "written by kg serve" not in result.stdout


def test_access_log_has_each_request(tmp_path):
    path = _one_seed_store(tmp_path)
    port, output = free_port(), tmp_path / "serve.log"
    process, base = start_process(_serve(path, port), port, "kg serve", "/void", 30, output)
    try:
        assert httpx.get(base + "/sparql", params={"query": "ASK {}"}).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
    log = output.read_text(encoding="utf-8")
    assert '"GET /void HTTP/1.1" 200' in log
    assert '"GET /sparql?query=ASK+%7B%7D HTTP/1.1" 200' in log


def test_a_second_server_on_a_served_store_is_one_clear_line(served):
    path, base, process = served
    result = kg("serve", "--store", str(path), "--port", str(free_port()))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {path}: already served by kg serve (pid {process.pid}) at "
        f"{base}; one server per store"
    )


def test_two_builds_through_one_server_give_one_description_each(served, tmp_path):
    """Two `kg build`s of the same new documents at once, both through the server: each
    document ends with one graph and one description, as after one build."""
    path, base, process = served
    folder = tmp_path / "docs"
    made = copies(folder, "c", 2)
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "build", str(folder), "--store", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for build_process in builds:
        out, err = build_process.communicate(timeout=300)
        assert build_process.returncode == 0, err
        assert "written by kg serve" in out
    rows = httpx.post(
        base + "/sparql",
        data={
            "query": "SELECT ?g (COUNT(DISTINCT ?t) AS ?n) (COUNT(DISTINCT ?sha) AS ?s) WHERE { "
            "?g <http://www.w3.org/ns/prov#generatedAtTime> ?t ; "
            f"<{IKG.sha256}> ?sha }} GROUP BY ?g"
        },
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    counts = {row["g"]["value"]: (row["n"]["value"], row["s"]["value"]) for row in rows}
    for file in made:
        assert counts[str(graph_iri(file.stem))] == ("1", "1"), file.name


def test_serve_started_during_a_build_waits_for_it(tmp_path):
    """`kg serve` on a store a `kg build` holds says so in one line, waits, then serves
    everything the build committed (no error, no restart)."""
    folder = tmp_path / "docs"
    made = copies(folder, "w", 3)
    path = tmp_path / "store"
    build_process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "build", str(folder), "--store", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(600):  # until the build holds the store
        if (path / "LOCK").exists() or build_process.poll() is not None:
            break
        time.sleep(0.05)
    port = free_port()
    command = [sys.executable, "-m", "kg.cli", "serve", "--store", str(path), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        out, err = build_process.communicate(timeout=300)
        assert build_process.returncode == 0, err
        assert "written by kg serve" not in out  # it held the store before the server
        base = f"http://127.0.0.1:{port}"
        answer = None
        for _ in range(300):
            try:
                answer = httpx.post(
                    base + "/sparql",
                    data={"query": DOCUMENT_GRAPHS},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=5,
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200
        seen = {row["g"]["value"] for row in answer.json()["results"]["bindings"]}
        assert {str(graph_iri(file.stem)) for file in made} <= seen
    finally:
        stop(server)
    lines = server.stderr.read().decode().splitlines()
    assert f"{path}: open in another process (a kg build?); serving when it ends" in lines


def test_run_through_a_server_writes_its_outputs(served, tmp_path):
    path, base, process = served
    result = kg("run", str(SEEDS[1]), "--store", str(path), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "1 ingested" in result.stdout and "written by kg serve" in result.stdout
    inspections = (tmp_path / "out" / "queries" / "inspections.csv").read_text(encoding="utf-8")
    assert SEEDS[0].stem in inspections and SEEDS[1].stem in inspections
    assert (tmp_path / "out" / "report.html").is_file()
