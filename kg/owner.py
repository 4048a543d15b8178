"""Owner: one process writes a store; while ``kg serve`` runs, it is that process.

RocksDB lets one process open a store read-write. A server that opened the store read-only
while ``kg build`` wrote it failed (the build compacted files the server had not opened yet:
HTTP 500 until restarted) and never saw new documents. So ``kg serve`` opens the store
read-write, and while it runs it is the store's only writer:

- it writes ``S/kg-serve.json`` (mode 0600): its pid, its URL on the loopback interface and a
  random token, and removes it on shutdown;
- ``kg build --store S`` finds that file, checks that the server answers with the same token,
  and sends its writes to the server (``POST /_kg/store/METHOD``, token in the
  ``Authorization`` header) instead of opening the store: each batch of new documents is one
  transaction there (:meth:`kg.store.Store.add_graphs_atomic`), so every query, which runs on
  a snapshot, sees a batch whole or not at all, and sees it as soon as the build's request
  for it returns;
- read-only commands (``kg query``, ``kg stats``, ``kg export`` ...) open the store read-only,
  never taking its lock, so they neither wait for the writer nor write.

:class:`RemoteWriter` is the part of :class:`kg.store.Store` that a build uses, spoken over
HTTP with the standard library only.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from kg.errors import KgError

OWNER_FILE = "kg-serve.json"
TOKEN_HEADER = "Authorization"
# the methods of Store a build calls; the server runs no other
REMOTE_METHODS = frozenset(
    {
        "graph_state",
        "has_graph",
        "graph_states",
        "named_graphs",
        "add_graphs",
        "replace_graph_ntriples",
        "remove_graph",
        "flush",
        "optimize",
        "len",
        "select",
    }
)


_IDLE_S = 2.0  # a kept-alive connection idle longer is reopened (uvicorn closes after 5 s)
_DERIVED = frozenset({"ontology", "reference", "summary", "pending"})  # never cached


@dataclass(frozen=True)
class Owner:
    """A running ``kg serve`` that owns a store."""

    pid: int
    url: str
    token: str


def owner_file(store: Path) -> Path:
    """Where a server owning ``store`` says so."""
    return Path(store) / OWNER_FILE


def new_token() -> str:
    """A random token a server hands to the processes that may write through it."""
    return secrets.token_urlsafe(32)


def write_owner(store: Path, url: str, token: str) -> Path:
    """Record this process as the owner of ``store`` (atomically, readable by the user only)."""
    target = owner_file(store)
    temporary = target.with_name(f".{OWNER_FILE}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "url": url, "token": token}, handle)
    os.replace(temporary, target)
    return target


def remove_owner(store: Path, token: str) -> None:
    """Remove the owner file if it is still this server's."""
    target = owner_file(store)
    try:
        if json.loads(target.read_text(encoding="utf-8")).get("token") == token:
            target.unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_owner(store: Path, timeout: float = 5.0) -> Owner | None:
    """The server that owns ``store`` and answers now, or None (no file, stale file)."""
    try:
        data = json.loads(owner_file(store).read_text(encoding="utf-8"))
        owner = Owner(int(data["pid"]), str(data["url"]), str(data["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not _alive(owner.pid):
        return None
    try:
        answer = _call(owner, "ping", {}, timeout=timeout)
    except KgError:
        return None
    return owner if answer == {"pid": owner.pid} else None


def _call(owner: Owner, method: str, payload: dict, timeout: float = 600.0):
    request = urllib.request.Request(
        f"{owner.url}/_kg/store/{method}",
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", TOKEN_HEADER: f"Bearer {owner.token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip().splitlines()
        raise KgError(
            f"kg serve at {owner.url}: {method} refused (HTTP {exc.code}"
            f"{': ' + detail[0] if detail else ''})"
        ) from None
    except (OSError, ValueError) as exc:
        raise KgError(f"kg serve at {owner.url}: {method} failed ({exc})") from None


class RemoteWriter:
    """The store as a build sees it, written through the ``kg serve`` that owns it.

    One kept-alive connection carries the calls. The states of the document graphs are
    fetched in one call when first asked for (a request per document took about 6 ms, three
    times an unchanged rebuild's own cost per document) and forgotten for each graph this
    writer writes; another build writing through the same server meanwhile is harmless, as
    the server adds a graph that appeared since as a replacement.
    """

    def __init__(self, path: Path, owner: Owner) -> None:
        self.path = Path(path)
        self.owner = owner
        self._connection = None
        self._used = 0.0
        self._states: dict[str, tuple[str, str]] | None = None
        self._graphs: set[str] = set()

    def __repr__(self) -> str:
        return f"RemoteWriter({self.path}, via {self.owner.url})"

    def _call(self, method: str, **payload):
        import http.client
        from urllib.parse import urlsplit

        body = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json", TOKEN_HEADER: f"Bearer {self.owner.token}"}
        import time

        if self._connection is not None and time.monotonic() - self._used > _IDLE_S:
            self._connection.close()  # the server may have closed it meanwhile
            self._connection = None
        for attempt in range(2):
            if self._connection is None:
                url = urlsplit(self.owner.url)
                self._connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
            try:
                self._connection.request("POST", f"/_kg/store/{method}", body, headers)
                response = self._connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._connection.close()
                self._connection = None
                if attempt == 0:  # every call may be repeated (the server's add is idempotent)
                    continue
                raise KgError(f"kg serve at {self.owner.url}: {method} failed ({exc})") from None
            if response.status != 200:
                detail = data.decode("utf-8", "replace").strip().splitlines()
                raise KgError(
                    f"kg serve at {self.owner.url}: {method} refused (HTTP {response.status}"
                    f"{': ' + detail[0] if detail else ''})"
                )
            self._used = time.monotonic()
            return json.loads(data.decode("utf-8"))
        raise AssertionError("unreachable")

    def _cached(self, name: str) -> bool:
        """Whether ``name`` is a document graph whose state the one-call snapshot answers."""
        from kg.namespace import GRAPH

        if not name.startswith(str(GRAPH)) or name.rsplit("/", 1)[-1] in _DERIVED:
            return False
        if self._states is None:
            snapshot = self._call("graph_states")
            self._states = {g: (sha, version) for g, sha, version in snapshot}
            self._graphs = set(self._call("named_graphs"))
        return True

    def _forget(self, name: str) -> None:
        if self._states is not None:
            self._states.pop(name, None)
            self._graphs.add(name)  # written by this build: the server now has it

    # reading
    def graph_state(self, graph_name: URIRef) -> tuple[str, str] | None:
        name = str(graph_name)
        if self._cached(name) and (name in self._states or name not in self._graphs):
            return self._states.get(name)
        state = self._call("graph_state", graph_name=name)
        return None if state is None else (state[0], state[1])

    def has_graph(self, graph_name: URIRef) -> bool:
        name = str(graph_name)
        if self._cached(name) and (name in self._states or name in self._graphs):
            return True
        return bool(self._call("has_graph", graph_name=name))

    def graph_states(self) -> list[tuple[str, str, str]]:
        return [tuple(row) for row in self._call("graph_states")]

    def named_graphs(self) -> list[str]:
        return list(self._call("named_graphs"))

    def __len__(self) -> int:
        return int(self._call("len"))

    def query(self, sparql: str):
        """A SELECT's solutions (parsed from SPARQL JSON), as :meth:`Store.query` gives."""
        body = self._call("select", sparql=sparql)
        return ox.parse_query_results(
            json.dumps(body).encode("utf-8"), format=ox.QueryResultsFormat.JSON
        )

    # writing
    def add_graphs(self, batch: list[tuple[URIRef, str, str]]) -> None:
        if batch:
            self._call("add_graphs", batch=[[str(n), t, d] for n, t, d in batch])
            for name, _, _ in batch:
                self._forget(str(name))

    def replace_graph_ntriples(
        self, graph_name: URIRef, triples: str, description: str | None = None
    ) -> None:
        self._forget(str(graph_name))
        self._call(
            "replace_graph_ntriples",
            graph_name=str(graph_name),
            triples=triples,
            description=description,
        )

    def replace_graph(
        self, graph_name: URIRef, graph: Graph, description: Graph | None = None
    ) -> None:
        def text(g: Graph) -> str:
            return g.serialize(format="nt", encoding="utf-8").decode("utf-8")

        self.replace_graph_ntriples(
            graph_name, text(graph), text(description) if description is not None else None
        )

    def remove_graph(self, graph_name: URIRef) -> None:
        self._forget(str(graph_name))
        self._graphs.discard(str(graph_name))
        self._call("remove_graph", graph_name=str(graph_name))

    def flush(self) -> None:
        self._call("flush")

    def optimize(self) -> None:
        self._call("optimize")
