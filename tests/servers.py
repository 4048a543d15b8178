"""Test helpers for remote stores: real `oxigraph serve` or Virtuoso on 127.0.0.1, started, stopped.

The server is the `oxigraph` binary of the PyPI package (next to ``sys.executable``), run on
a free port with its own data directory; free_port, start_process and stop also serve
test_serve.py's `kg serve` processes. Used by test_push.py, test_virtuoso.py,
test_cli_commands.py and test_serve.py. ``start_virtuoso`` runs Debian's Virtuoso 7.2 the same way.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(
    command: list[str], port: int, name: str, probe: str, seconds: float, log: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """Start ``command`` (a server on ``port``); return it and its base URL once
    ``GET base + probe`` answers 200, failing with the server's stderr if it exits first.

    A chatty server's output goes to ``log`` (a pipe nobody reads would fill and stop it).
    """
    if log is None:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    else:
        with log.open("wb") as sink:
            process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(int(seconds * 10)):
        if process.poll() is not None:
            output = log.read_bytes() if log else process.stderr.read()
            raise RuntimeError(f"{name} exited: {output.decode(errors='replace')[-500:]}")
        try:
            if httpx.get(base + probe, timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{name} did not answer within {seconds:.0f} s")


def start_oxigraph(location: Path) -> tuple[subprocess.Popen, str]:
    """Start `oxigraph serve` on a free port; return the process and its base URL."""
    if not OXIGRAPH.exists():
        pytest.skip("the oxigraph server binary (PyPI package `oxigraph`) is not installed")
    port = free_port()
    command = [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    return start_process(command, port, "oxigraph", "/query?query=ASK%20%7B%7D", seconds=20)


def stop(process: subprocess.Popen) -> None:
    """Stop a server process started by a fixture."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


VIRTUOSO = shutil.which("virtuoso-t")  # Debian's virtuoso-opensource (.ci/run installs it)
ISQL = shutil.which("isql-vt")
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem = 200M
ThreadsPerQuery = 2
DirsAllowed = .

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
"""


@dataclass(frozen=True)
class Virtuoso:
    """A running throwaway Virtuoso: its process, base URL and the pushing account."""

    process: subprocess.Popen
    base: str
    user: str
    password: str


def isql(sql_port: int, password: str, statements: str) -> str:
    """Run SQL statements as dba through isql-vt; fail with its output on an error."""
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", password, f"exec={statements}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql-vt: {statements}: {done.stdout[-500:]} {done.stderr[-500:]}")
    return done.stdout


def start_virtuoso(directory: Path, max_rows: int) -> Virtuoso:
    """Start Debian's Virtuoso 7 on free ports with a fresh database in ``directory``.

    The new database's dba password (the server's built-in one) is replaced at once by a
    random one; an account ``ikg`` with a random password and the SPARQL_UPDATE role is the
    one pushes use (through ``/sparql-graph-crud-auth``, digest authentication).
    """
    if VIRTUOSO is None or ISQL is None:
        pytest.skip(
            "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource; .ci/run does)"
        )
    (directory / "vsp").mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            db=directory, sql_port=sql_port, http_port=http_port, max_rows=max_rows
        ),
        encoding="utf-8",
    )
    command = [VIRTUOSO, "-f", "-c", str(ini)]
    process, base = start_process(
        command,
        http_port,
        "virtuoso",
        "/sparql?query=ASK%20%7B%7D",
        seconds=180,
        log=directory / "console.log",
    )
    dba, password = secrets.token_hex(12), secrets.token_hex(12)
    try:
        isql(sql_port, "dba", f"USER_SET_PASSWORD('dba', '{dba}');")
        isql(
            sql_port,
            dba,
            f"DB.DBA.USER_CREATE('ikg', '{password}'); GRANT SPARQL_UPDATE TO \"ikg\";",
        )
    except Exception:
        stop(process)
        raise
    return Virtuoso(process, base, "ikg", password)


@contextmanager
def store_held_open(path: Path):
    """Another process holding the Oxigraph store at ``path`` read-write (as a running
    `kg build` does) until the block ends."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pyoxigraph as ox\ns = ox.Store(sys.argv[1])\nprint('open', flush=True)\n"
            "sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        yield holder
    finally:
        holder.communicate("")
