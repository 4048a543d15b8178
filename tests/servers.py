"""Test helpers for remote stores: a real `oxigraph serve` on 127.0.0.1, started and stopped.

The server is the `oxigraph` binary of the PyPI package (next to ``sys.executable``), run on
a free port with its own data directory; free_port and stop also serve test_serve.py's
`kg serve` processes. Used by test_push.py, test_cli_commands.py and test_serve.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_oxigraph(location: Path) -> tuple[subprocess.Popen, str]:
    """Start `oxigraph serve` on a free port; return the process and its base URL."""
    if not OXIGRAPH.exists():
        pytest.skip("the oxigraph server binary (PyPI package `oxigraph`) is not installed")
    port = free_port()
    process = subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):  # at most ~20 s
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited: {process.stderr.read().decode()[-500:]}")
        try:
            httpx.get(base + "/query", params={"query": "ASK {}"}, timeout=2)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("oxigraph did not answer within 20 s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server process started by a fixture."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
