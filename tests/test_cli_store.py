"""The store from the command line: where it is, who writes it, what reads it.

Read-only commands (`kg query`, `kg stats`, `kg export`) open the store read-only: they run
while another process holds it for writing, and leave its files as they were. `KG_STORE=`
(set but empty) is an error, never the current folder; a missing source is an error that
creates no store; a folder holding other files is not turned into a store.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import store_held_open

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7cc63730632ce016.txt"


def kg(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file's size and modification time (ns) under ``folder``."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("seeded") / "store"
    result = kg("build", str(SEED), "--store", str(store))
    assert result.returncode == 0, result.stderr
    return store


def test_empty_kg_store_is_an_error_and_writes_nothing(tmp_path):
    for args in (("query", "inspections"), ("build", str(SEED)), ("stats",)):
        result = kg(*args, cwd=tmp_path, env={"KG_STORE": ""})
        assert result.returncode == 1, args
        assert result.stderr.strip().splitlines() == [
            "error: KG_STORE is set but empty: give a store folder, or unset it for ./kg-store"
        ]
    assert list(tmp_path.iterdir()) == []


def test_build_on_a_missing_source_creates_no_store(tmp_path):
    store = tmp_path / "store"
    result = kg("build", str(tmp_path / "nothere"), "--store", str(store))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nothere'}: no such file or folder"
    ]
    assert not store.exists()


def test_a_folder_of_other_files_is_not_made_a_store(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = kg("build", str(SEED), "--store", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "refusing to write a store into it" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_read_only_commands_neither_wait_nor_write(seeded, tmp_path):
    """While another process holds the store read-write, query/stats/export answer at once
    and the store's files are unchanged by them."""
    with store_held_open(seeded):
        before = listing(seeded)
        started = time.monotonic()
        query = kg("query", "inspections", "--store", str(seeded), "--format", "csv", timeout=60)
        stats = kg("stats", "--store", str(seeded), timeout=60)
        export = kg("export", "--store", str(seeded), "-f", "nquads", timeout=60)
        elapsed = time.monotonic() - started
        assert listing(seeded) == before
        # a build still needs the store to itself
        build = kg("build", str(SEED), "--store", str(seeded), timeout=60)
    assert query.returncode == 0, query.stderr
    assert len(query.stdout.strip().splitlines()) == 2  # header and the one inspection
    assert stats.returncode == 0 and stats.stdout.startswith("quads: ")
    assert export.returncode == 0 and len(export.stdout.splitlines()) > 500
    assert elapsed < 60
    assert build.returncode == 1
    assert "store is in use by another process" in build.stderr


def test_unsupported_files_are_one_line_each_and_office_files_are_read(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    office = ROOT / "tests" / "fixtures" / "office"
    for source, name in (
        ("moray_news.docx", "moray_word.docx"),
        ("moray_news.odt", "moray_open.odt"),
        ("rtf_note.rtf", "note.rtf"),
    ):
        (folder / name).write_bytes((office / source).read_bytes())
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "manifest.csv").write_text("id\n", encoding="utf-8")  # data beside documents
    store = tmp_path / "store"
    result = kg("build", str(folder), "--store", str(store))
    assert result.returncode == 0, result.stderr
    reads = ".txt .md .html .htm .pdf .docx .odt"
    assert result.stderr.splitlines() == [
        f"skipped: {folder / name}: unsupported file type {suffix}, not read (kg reads {reads})"
        for name, suffix in (("note.rtf", ".rtf"), ("old.doc", ".doc"))
    ]
    assert "2 ingested" in result.stdout and "0 failed, 2 unsupported" in result.stdout
    rows = kg("query", "inspections", "--store", str(store), "--format", "csv").stdout
    assert "moray_word" in rows and "moray_open" in rows, rows


def test_an_rtf_file_in_a_folder_is_said(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "note.rtf").write_bytes((ROOT / "tests/fixtures/office/rtf_note.rtf").read_bytes())
    (folder / "seed.txt").write_bytes(SEED.read_bytes())
    result = kg("build", str(folder), "--store", str(tmp_path / "store"))
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"skipped: {folder / 'note.rtf'}: unsupported file type .rtf, not read "
        "(kg reads .txt .md .html .htm .pdf .docx .odt)"
    ]
    assert result.stdout.startswith("documents: 1 ingested, 0 skipped (unchanged), 0 failed, ")
    assert "1 unsupported; quads: " in result.stdout
    only = tmp_path / "only"
    only.mkdir()
    (only / "note.rtf").write_bytes(b"{\\rtf1 x}")
    result = kg("build", str(only), "--store", str(tmp_path / "store2"))
    assert result.returncode == 1  # nothing read at all


def test_progress_bar_on_a_terminal_only(tmp_path):
    piped = kg("build", str(SEED), "--store", str(tmp_path / "a"))
    assert piped.returncode == 0
    assert piped.stderr == ""
    import pty

    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "build", str(SEED), "--store", str(tmp_path / "b")],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(main)
    terminal = b"".join(chunks).decode("utf-8", "replace")
    assert process.returncode == 0
    assert "ingesting" in terminal and "1/1" in terminal, terminal[-500:]
