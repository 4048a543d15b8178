"""Push and remote queries against a real OpenLink Virtuoso 7.2 (Debian's virtuoso-opensource).

A module fixture starts ``virtuoso-t`` on free ports of 127.0.0.1 with a fresh database and
ini file in a temporary folder (``servers.start_virtuoso``; the built-in dba password is
replaced by a random one at once), pushes the seed store through the authenticated Graph
Store Protocol and compares every competency query's answers with the embedded store's, as
multisets of rows. It also checks that partial answers (``X-SQL-State: S1TAT`` after a time
limit, ``X-SPARQL-MaxRows`` after the row limit) are refused, and that credentials come from
the environment or a netrc file. Skipped only when the Virtuoso binaries are not installed.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import start_virtuoso, stop

from kg.errors import KgError
from kg.pipeline import build
from kg.push import (
    DESCRIPTIONS_GRAPH,
    PASSWORD_ENV,
    USER_ENV,
    bound_query_text,
    push,
    remote_results,
    run_remote_query,
)
from kg.query import bundled_queries, read_query, run_query
from kg.store import Store

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
MAX_ROWS = 1000  # Virtuoso's ResultSetMaxRows here: above every competency answer on the seeds
PLAIN_QUERIES = [
    name for name, path in bundled_queries().items() if not read_query(str(path)).required
]
COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
# a cross product grouped by predicate: slow, and far fewer groups than MAX_ROWS, so the time
# limit cuts it, never the row limit (grouped by subject, how many groups are done when the
# time runs out depends on the data's order)
SLOW = (
    "SELECT ?b (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER (STR(?c) < STR(?f)) } "
    "GROUP BY ?b"
)


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A fresh Virtuoso on 127.0.0.1 (its base URL and pushing account)."""
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"), max_rows=MAX_ROWS)
    yield server
    stop(server.process)


@pytest.fixture(scope="module")
def no_netrc(tmp_path_factory) -> Path:
    """A netrc path that does not exist, so the user's own ~/.netrc is never read."""
    return tmp_path_factory.mktemp("home") / "absent.netrc"


@pytest.fixture(scope="module")
def account(virtuoso, no_netrc):
    """The pushing account given by the environment, as a user would set it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(USER_ENV, virtuoso.user)
        patch.setenv(PASSWORD_ENV, virtuoso.password)
        patch.setenv("NETRC", str(no_netrc))
        yield virtuoso


@pytest.fixture
def anonymous(no_netrc, monkeypatch):
    """No credentials at all: neither environment variables nor a netrc file."""
    monkeypatch.delenv(USER_ENV, raising=False)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.setenv("NETRC", str(no_netrc))


@pytest.fixture(scope="module")
def pushed(account, seed_store):
    """The seed store pushed once to Virtuoso's /sparql: the first push's report."""
    return push(seed_store, account.base + "/sparql")


def sparql(server) -> str:
    return server.base + "/sparql"


def canonical(value: str | None) -> str | None:
    """One spelling per number (2.0 and 2), and a "; "-joined list's items sorted: SPARQL's
    GROUP_CONCAT has no order, and the engines join in different ones."""
    if value is None or value == "":
        # GROUP_CONCAT over no values: "" by the SPARQL spec (Virtuoso), unbound in some of
        # pyoxigraph's plans (it varies with the data); the same answer either way
        return None
    if "; " in value:
        return "; ".join(sorted(value.split("; ")))
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    return str(number.normalize()) if number.is_finite() else value


def as_rows(result) -> Counter:
    return Counter(tuple((k, canonical(v)) for k, v in row.items()) for row in result.rows)


def test_first_push_sends_every_graph(pushed, seed_store):
    assert sorted(pushed.replaced) == seed_store.named_graphs()
    assert pushed.skipped == [] and pushed.removed == []
    assert pushed.method == "graph store protocol"


def test_graphs_and_descriptions_arrive_whole(pushed, account, seed_store):
    local = {row["g"]: row["n"] for row in run_query(seed_store, COUNTS).rows}
    remote = {row["g"]: row["n"] for row in run_remote_query(sparql(account), COUNTS).rows}
    assert {g: remote.get(g) for g in local} == local
    # the default graph's descriptions land in their own named graph, blank nodes and all
    described = [
        q.triple
        for q in seed_store.dataset_quads()
        if isinstance(q.graph_name, ox.DefaultGraph) and isinstance(q.subject, ox.NamedNode)
    ]
    assert int(remote[str(DESCRIPTIONS_GRAPH)]) == len(set(described))


@pytest.mark.parametrize("name", PLAIN_QUERIES)
def test_competency_queries_answer_the_same(pushed, account, seed_store, name):
    local = run_query(seed_store, name)
    answer = run_remote_query(sparql(account), read_query(name).text, timeout=60)
    assert answer.variables == local.variables
    assert local.rows, f"{name}: no rows on the seeds, nothing compared"
    assert as_rows(answer) == as_rows(local)


def test_parameterised_query(pushed, account, seed_store):
    for name, params in [
        ("evidence", {"label": "Inverclyde Alliance"}),
        ("evidence", {"label": "Police Scotland"}),
        ("findings", {"partnership": "Inverclyde Alliance"}),
    ]:
        local = run_query(seed_store, name, params)
        answer = run_remote_query(sparql(account), bound_query_text(name, params), timeout=60)
        assert local.rows and as_rows(answer) == as_rows(local)


def test_second_push_skips_everything(pushed, account, seed_store):
    again = push(seed_store, sparql(account))
    assert again.replaced == [] and again.removed == []
    assert sorted(again.skipped) == seed_store.named_graphs()


def test_removed_document_leaves_and_comes_back(pushed, account, seed_store, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    gone = sorted(seeds.glob("*.txt"))[0]
    gone.unlink()
    fewer = Store(tmp_path / "store")
    assert build([seeds], fewer).failed == []
    missing = sorted(set(seed_store.named_graphs()) - set(fewer.named_graphs()))
    assert len(missing) == 1
    report = push(fewer, sparql(account))
    assert report.removed == missing
    states = f"SELECT ?g WHERE {{ GRAPH <{DESCRIPTIONS_GRAPH}> {{ ?g ?p ?o }} }}"
    described = {row["g"] for row in run_remote_query(sparql(account), states).rows}
    assert missing[0] not in described
    remote = {row["g"] for row in run_remote_query(sparql(account), COUNTS).rows}
    assert missing[0] not in remote
    # and the whole seed store again: the document comes back, its description with it
    back = push(seed_store, sparql(account))
    assert missing[0] in back.replaced
    assert missing[0] in {row["g"] for row in run_remote_query(sparql(account), states).rows}


def test_push_without_credentials_says_how_to_give_them(pushed, virtuoso, anonymous, tmp_path):
    store = Store(tmp_path / "one")
    assert build([ROOT / "seeds" / "001_11b822338e92b3cf.txt"], store).failed == []
    with pytest.raises(KgError, match=rf"HTTP 401.*{USER_ENV}.*{PASSWORD_ENV}.*netrc"):
        push(store, sparql(virtuoso))


def test_credentials_from_a_netrc_file(pushed, virtuoso, anonymous, monkeypatch, tmp_path):
    auth = virtuoso.base + "/sparql-auth"  # digest authentication for every request
    with pytest.raises(KgError, match="HTTP 401"):
        run_remote_query(auth, COUNTS)
    netrc = tmp_path / "netrc"
    netrc.write_text(
        f"machine 127.0.0.1 login {virtuoso.user} password {virtuoso.password}\n", "utf-8"
    )
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    assert run_remote_query(auth, COUNTS).rows
    netrc.write_text(f"machine 127.0.0.1 login {virtuoso.user} password wrong\n", "utf-8")
    with pytest.raises(KgError, match="HTTP 401"):
        run_remote_query(auth, COUNTS)


def test_cli_query_with_credentials_from_the_environment(pushed, virtuoso, no_netrc, seed_store):
    env = {
        **os.environ,
        USER_ENV: virtuoso.user,
        PASSWORD_ENV: virtuoso.password,
        "NETRC": str(no_netrc),
    }
    done = subprocess.run(
        [sys.executable, "-m", "kg.cli", "query", "inspections", "--format", "csv"]
        + ["--endpoint", virtuoso.base + "/sparql-auth"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    header, *rows = csv.reader(io.StringIO(done.stdout))  # the server's own CSV
    assert header[:2] == ["inspection", "partnership"]
    assert len(rows) == len(run_query(seed_store, "inspections").rows)
    assert virtuoso.password not in done.stdout + done.stderr


def test_time_limited_partial_answer_is_an_error(pushed, account):
    # Virtuoso's anytime query: stopped at the limit, HTTP 200, rows so far, X-SQL-State S1TAT
    limited = sparql(account) + "?timeout=200"
    with pytest.raises(KgError, match="partial result refused.*S1TAT"):
        run_remote_query(limited, SLOW, timeout=60)
    with pytest.raises(KgError, match="partial result refused.*S1TAT"):
        remote_results(limited, SLOW, "csv", timeout=60)


def test_row_limited_partial_answer_is_an_error(pushed, account, seed_store):
    everything = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert len(run_query(seed_store, everything).rows) > MAX_ROWS
    with pytest.raises(KgError, match=f"partial result refused.*MaxRows {MAX_ROWS}"):
        run_remote_query(sparql(account), everything)


def test_cli_never_prints_a_partial_answer(pushed, account):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "query",
            SLOW,
            "--endpoint",
            sparql(account) + "?timeout=200",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "partial result refused" in done.stderr and len(done.stderr.splitlines()) == 1


def test_push_to_the_base_url_names_the_query_url(pushed, account, seed_store):
    with pytest.raises(KgError, match=r"HTTP 404.*is .* the SPARQL query URL.*/sparql"):
        push(seed_store, account.base)
