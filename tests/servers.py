"""Test helpers for remote stores: a real `oxigraph serve` on 127.0.0.1, started and stopped.

The server is the `oxigraph` binary of the PyPI package (next to ``sys.executable``), run on
a free port with its own data directory; free_port, start_process and stop also serve
test_serve.py's `kg serve` processes. Used by test_push.py, test_cli_commands.py and test_serve.py.
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


def start_process(
    command: list[str], port: int, name: str, probe: str, seconds: float
) -> tuple[subprocess.Popen, str]:
    """Start ``command`` (a server on ``port``); return it and its base URL once
    ``GET base + probe`` answers 200, failing with the server's stderr if it exits first."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(int(seconds * 10)):
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {process.stderr.read().decode()[-500:]}")
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
