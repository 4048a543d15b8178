"""Hardening: bad input is handled or reported in one line, the build goes on, nothing is lost.

Small bad files live in ``tests/fixtures/bad/``; big, special or generated ones (a 50 MB text
file, symlink loops, FIFOs, device links, unreadable files, PDFs) are made in ``tmp_path``.
Tests run as root here, so ``chmod 000`` does not make a file unreadable: the unreadable case is
a link to ``/proc/self/mem``, whose first page is unmapped, so reading it fails with EIO.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef
from servers import store_held_open

from kg.errors import KgError
from kg.namespace import GRAPH, IKG, graph_iri, mint_iri, slugify
from kg.sources import MAX_TEXT_BYTES, Document, read_document
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BAD = ROOT / "tests" / "fixtures" / "bad"


def kg(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``kg`` in a subprocess and return it (never raises on a non-zero exit)."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def nquads(store: Path) -> set[str]:
    """The store's quads as a set of N-Quads lines."""
    result = kg("export", "--store", str(store), "--format", "nquads")
    assert result.returncode == 0, result.stderr
    return set(result.stdout.splitlines())


def blank_pdf(encrypt: str | None = None) -> bytes:
    """A one-page PDF with no text layer, optionally encrypted with a user password."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if encrypt is not None:
        writer.encrypt(user_password=encrypt, owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_special(folder: Path) -> dict[str, str]:
    """Create the generated bad cases in ``folder``; return file name -> expected problem."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "loop-a.txt").symlink_to("loop-b.txt")
    (folder / "loop-b.txt").symlink_to("loop-a.txt")
    (folder / "dir-loop").symlink_to(".")
    (folder / "dangling.txt").symlink_to("no-such-target.txt")
    (folder / "unreadable.txt").symlink_to("/proc/self/mem")
    (folder / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(folder / "fifo.txt")
    (folder / "blank.pdf").write_bytes(blank_pdf())
    (folder / "encrypted.pdf").write_bytes(blank_pdf(encrypt="secret"))
    return {
        "loop-a.txt": "symlink loop",
        "loop-b.txt": "symlink loop",
        "dangling.txt": "broken symlink",
        "unreadable.txt": "cannot read (Input/output error)",
        "zero.txt": "not a regular file",
        "fifo.txt": "not a regular file",
        "blank.pdf": "no text layer",
        "encrypted.pdf": "encrypted PDF",
    }


# ------------------------------------------------------------------ reading one file
REFUSED = {
    "empty.txt": "empty file",
    "binary.txt": "binary content",
    "binary-nul.txt": "binary content",
    "corrupt.pdf": "corrupt PDF",
    "truncated.pdf": "corrupt PDF",
}


@pytest.mark.parametrize(("name", "problem"), sorted(REFUSED.items()))
def test_bad_fixture_is_refused_with_one_line(name: str, problem: str) -> None:
    """Each refused fixture raises KgError: one line, naming the file, saying the problem."""
    path = BAD / name
    with pytest.raises(KgError) as caught:
        read_document(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def test_special_files_are_refused_without_hanging(tmp_path: Path) -> None:
    """Loops, broken links, /proc/self/mem, /dev/zero, FIFOs and image-only PDFs: one line each.

    A FIFO or ``/dev/zero`` read naively blocks or fills memory; the test runs the reads in a
    subprocess with a timeout so a regression fails instead of hanging the suite.
    """
    expected = make_special(tmp_path)
    script = (
        "import sys\nfrom pathlib import Path\nfrom kg.sources import read_document\n"
        "from kg.errors import KgError\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n        read_document(Path(name)); print('READ', name)\n"
        "    except KgError as exc: print(exc)\n"
    )
    names = [str(tmp_path / name) for name in sorted(expected)]
    result = subprocess.run(
        [sys.executable, "-c", script, *names], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected)
    for line, name in zip(lines, sorted(expected), strict=True):
        assert line.startswith(f"{tmp_path / name}: "), line
        assert expected[name] in line, line


def test_folder_named_like_a_file_is_refused(tmp_path: Path) -> None:
    """A folder called ``x.txt`` given by name is reported, not read."""
    (tmp_path / "x.txt").mkdir()
    with pytest.raises(KgError, match=r"x\.txt: is a folder"):
        read_document(tmp_path / "x.txt")


def test_windows_1252_is_decoded() -> None:
    """cp1252 bytes (curly quote, en dash) decode to the right characters, then normalise."""
    document = read_document(BAD / "windows-1252.txt")
    assert document.text.startswith('Children\'s services in Stirling \u2013 "good" progress')
    assert "\r" not in document.text


def test_latin_1_is_decoded() -> None:
    """Latin-1 accented letters come out as written (not as a Baltic code page's guesses)."""
    document = read_document(BAD / "latin-1.txt")
    assert document.text.startswith(
        "Caf\u00e9 na\u00efve d\u00e9j\u00e0 vu \u00c6r\u00f8 se\u00f1or"
    )


def test_invalid_utf8_keeps_the_valid_text() -> None:
    """UTF-8 with a few bad bytes stays UTF-8: the good characters survive, bad ones are U+FFFD."""
    document = read_document(BAD / "invalid-utf8.txt")
    assert document.text.startswith("Children's services in Stirling")
    assert "\u00e2\u20ac" not in document.text  # no cp1252 mojibake of the apostrophe
    assert document.text.count("\ufffd") == 3


def test_hostile_html_keeps_text_and_drops_script() -> None:
    """Unclosed tags, scripts, styles, comments and entities: the text survives, code does not."""
    document = read_document(BAD / "hostile.html")
    text = document.text
    assert "Stirling & Clackmannanshire" in text
    assert '"joint inspection"' in text
    assert "An unclosed paragraph" in text
    assert "INJECTED-SCRIPT" not in text
    assert "SECRET-COMMENT" not in text
    assert "color:red" not in text


def test_billion_laughs_expands_nothing() -> None:
    """An entity bomb with an external entity: nothing is expanded, fetched or left as junk."""
    started = time.perf_counter()
    document = read_document(BAD / "billion-laughs.html")
    assert time.perf_counter() - started < 10
    assert "Inspection of services in Stirling." in document.text
    assert "lollol" not in document.text
    assert "root:" not in document.text
    assert "ENTITY" not in document.text
    assert "]>" not in document.text
    assert len(document.text) < 200


def test_non_ascii_names_give_valid_iris() -> None:
    """A file name with spaces, an en dash and accents is read; its IRIs are valid."""
    document = read_document(BAD / "notes on \u00c6r\u00f8 \u2013 caf\u00e9.txt")
    assert document.id == "notes on \u00c6r\u00f8 \u2013 caf\u00e9"
    for iri in (graph_iri(document.id), mint_iri("document", document.id)):
        ox.NamedNode(str(iri))
        assert re.fullmatch(r"[A-Za-z0-9:/._#-]+", str(iri)), iri


def test_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    """A text file over the limit is refused by its size: a sparse file is never read."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_TEXT_BYTES + 1)
    with pytest.raises(KgError, match="too large"):
        read_document(path)


def test_text_longer_than_the_extractor_takes_is_refused(tmp_path: Path) -> None:
    """Text under the byte limit but over the extractor's character limit is one clear line."""
    path = tmp_path / "long.txt"
    path.write_text("Inspectors visited Stirling.\n" * 40_000, encoding="utf-8")
    with pytest.raises(KgError, match="too long"):
        read_document(path)


def test_pdf_encrypted_with_empty_password_is_read(tmp_path: Path) -> None:
    """A PDF encrypted only against printing (empty user password) is opened, not refused."""
    path = tmp_path / "restricted.pdf"
    path.write_bytes(blank_pdf(encrypt=""))
    with pytest.raises(KgError, match="no text layer"):
        read_document(path)


# ------------------------------------------------------------------ the whole build
@pytest.fixture(scope="module")
def seed_template(tmp_path_factory) -> Path:
    """A store holding the five seeds, built once per module (tests copy it before writing)."""
    store = tmp_path_factory.mktemp("hardening") / "store"
    result = kg("build", str(SEEDS), "--store", str(store))
    assert result.returncode == 0, result.stderr
    return store


@pytest.fixture()
def seeded(seed_template: Path, tmp_path: Path) -> Path:
    """A private copy of the seed store (closed, so a plain copy is consistent)."""
    store = tmp_path / "store"
    shutil.copytree(seed_template, store)
    return store


def bad_corpus(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The committed bad fixtures plus the generated special files, in one folder."""
    corpus = tmp_path / "corpus"
    shutil.copytree(BAD, corpus)
    expected = {name: problem for name, problem in REFUSED.items()}
    expected.update(make_special(corpus / "special"))
    (corpus / "x.txt").mkdir()  # walked past: a folder is not a document
    return corpus, expected


def test_build_over_bad_corpus_reports_each_and_keeps_the_store(seeded: Path, tmp_path) -> None:
    """One ``failed: path: problem`` line per bad file, exit 0, the seeds' quads untouched."""
    before = nquads(seeded)
    corpus, expected = bad_corpus(tmp_path)
    result = kg("build", str(corpus), "--store", str(seeded), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == len(expected), result.stderr
    for name, problem in expected.items():
        matching = [line for line in failed if f"/{name}: " in line]
        assert len(matching) == 1 and problem in matching[0], (name, failed)
    assert f"{len(expected)} failed" in result.stdout
    assert "7 ingested" in result.stdout
    after = nquads(seeded)
    # the theme summary is derived from all documents, so the new ones change it
    derived = f"{GRAPH['summary']}>"
    kept = {line for line in before if derived not in line}
    assert kept <= after, sorted(kept - after)[:5]
    new_graphs = {
        re.search(r"<([^>]+)> \.$", line).group(1)
        for line in after - before
        if line.count("<https://w3id.org/inspection-kg/graph/") and line.endswith("> .")
    }
    seed_graphs = {str(graph_iri(path.stem)) for path in SEEDS.glob("*.txt")}
    assert not new_graphs & seed_graphs


def test_document_without_inspection_is_ingested(seeded: Path, tmp_path: Path) -> None:
    """A document about nothing in particular gets its document node and no inspection."""
    source = tmp_path / "notes on \u00c6r\u00f8.txt"
    shutil.copy(BAD / "notes on \u00c6r\u00f8 \u2013 caf\u00e9.txt", source)
    result = kg("build", str(source), "--store", str(seeded))
    assert result.returncode == 0, result.stderr
    graph = graph_iri(source.stem)
    store = Store(seeded, read_only=True)
    ask = (
        f"ASK {{ GRAPH <{graph}> {{ ?doc a <{IKG.Document}> }} "
        f"FILTER NOT EXISTS {{ GRAPH <{graph}> {{ ?i <{IKG.describedIn}> ?doc }} }} }}"
    )
    assert bool(store.query(ask))


def test_only_bad_files_exit_non_zero(tmp_path: Path) -> None:
    """When nothing at all can be ingested the build says so and exits 1."""
    result = kg(
        "build",
        str(BAD / "empty.txt"),
        str(BAD / "corrupt.pdf"),
        "--store",
        str(tmp_path / "store"),
    )
    assert result.returncode == 1
    assert "0 ingested" in result.stdout and "2 failed" in result.stdout


def test_two_names_one_graph_is_refused_not_overwritten(tmp_path: Path) -> None:
    """``a b.txt`` and ``a-b.txt`` slug to one graph: the second is reported, not let overwrite."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")
    (corpus / "report a.txt").write_text(seed, encoding="utf-8")
    (corpus / "report-a.txt").write_text(seed + "\nAn extra line.\n", encoding="utf-8")
    result = kg("build", str(corpus), "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    assert "1 ingested" in result.stdout and "1 failed" in result.stdout
    assert "same document graph" in result.stderr


def test_fifty_megabytes_bounded_memory_and_time(tmp_path: Path) -> None:
    """A 50 MB text file is refused by size: peak RSS stays within 40 MB of a seed-only build.

    Policy: text, Markdown and HTML over ``MAX_TEXT_BYTES`` (8 MiB) are refused before reading,
    with one line. Measured with ``os.wait4`` on the build subprocess (``ru_maxrss``, KiB).
    """
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seed = sorted(SEEDS.glob("*.txt"))[0]
    shutil.copy(seed, corpus / seed.name)
    line = b"Inspectors found strengths in joint self-evaluation in Stirling.\n"
    with (corpus / "big.txt").open("wb") as handle:
        block = line * (1024 * 1024 // len(line))
        for _ in range(50):
            handle.write(block)

    def peak_rss(source: Path, store: Path) -> tuple[int, int, float, str]:
        """Exit code, peak RSS (KiB), seconds and stderr of one build subprocess."""
        started = time.perf_counter()
        with (tmp_path / "stderr").open("w+", encoding="utf-8") as errors:
            process = subprocess.Popen(
                [sys.executable, "-m", "kg.cli", "build", str(source), "--store", str(store)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            errors.seek(0)
            stderr = errors.read()
        return process.returncode, usage.ru_maxrss, time.perf_counter() - started, stderr

    code, baseline, _, _ = peak_rss(corpus / seed.name, tmp_path / "s1")
    assert code == 0
    code, peak, elapsed, stderr = peak_rss(corpus, tmp_path / "s2")
    assert code == 0
    assert peak - baseline < 40 * 1024, (peak, baseline)
    assert elapsed < 30
    assert re.search(r"failed: \S*big\.txt: too large \(52,4\d\d,\d+ bytes", stderr), stderr


def test_store_in_use_is_one_clear_line(seeded: Path) -> None:
    """A second writer on an open store gets "store is in use" (exit 1, one line); a query
    opens the store read-only, so it runs meanwhile (test_cli_store.py checks it further)."""
    with store_held_open(seeded):
        result = kg("build", str(SEEDS), "--store", str(seeded))
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"error: {seeded}: store is in use by another process (try again when it ends)"
        ]
        query = kg("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", str(seeded))
        assert query.returncode == 0, query.stderr
    assert (
        kg("query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--store", str(seeded)).returncode == 0
    )


def test_unusable_store_is_one_clear_line(tmp_path: Path) -> None:
    """A store path that is a file, not a store, fails with one line and exit 1."""
    bogus = tmp_path / "not-a-store"
    bogus.write_text("hello", encoding="utf-8")
    result = kg("build", str(SEEDS), "--store", str(bogus))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bogus}: cannot open the store")


def test_store_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    """``--store a/b/store`` creates the folders; under a file it is one clear line."""
    nested = tmp_path / "a" / "b" / "store"
    result = kg("build", str(SEEDS / "000_7cc63730632ce016.txt"), "--store", str(nested))
    assert result.returncode == 0, result.stderr
    assert Store(nested, read_only=True).named_graphs()
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = kg("build", str(SEEDS), "--store", str(blocker / "store"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {blocker / 'store'}: cannot open")


# ------------------------------------------------------------------ injection
INJECTIONS = [
    'Stirling" } ?s ?p ?o { "',
    'x" . } } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #',
    "}} UNION { ?s ?p ?o }",
    "<https://w3id.org/inspection-kg/id/x> } ?s ?p ?o {",
    "'single' \\\" back\\slash \n newline",
]


def test_param_values_cannot_change_the_query(seeded: Path) -> None:
    """``--param`` values with quotes, braces and keywords bind as one literal; nothing leaks.

    Through the CLI: each value matches no label (an injected ``?s ?p ?o`` would return rows),
    and the store is unchanged afterwards (an injected ``DROP ALL`` would empty it).
    """
    query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    before = nquads(seeded)
    for value in INJECTIONS:
        result = kg(
            "query", query, "--store", str(seeded), "--format", "csv", "--param", f"label={value}"
        )
        assert result.returncode == 0, (value, result.stderr)
        assert result.stdout.splitlines() == ["s,label"], value
    assert nquads(seeded) == before


def test_param_value_matches_only_its_literal(seeded: Path) -> None:
    """The same mechanism does find a real label (so the test above is not vacuous)."""
    query = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    result = kg(
        "query",
        query,
        "--store",
        str(seeded),
        "--format",
        "csv",
        "--param",
        "label=Care Inspectorate",
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) >= 2


@pytest.mark.parametrize(
    "text",
    ['a"b', "<script>", "x y\tz", "}{", "\u00c6r\u00f8", "\U0001f600", "..", "/", "#?%", ""],
)
def test_minted_iris_are_valid(text: str) -> None:
    """Slugs from any text are IRI-safe: pyoxigraph parses every minted IRI."""
    iri = mint_iri("agency", text)
    ox.NamedNode(str(iri))
    assert isinstance(iri, URIRef)
    assert re.fullmatch(r"[a-z0-9-]+", slugify(text))


def test_document_roundtrip_keeps_id() -> None:
    """A Document built directly keeps its fields (used by the property tests)."""
    doc = Document(id="x", path="x.txt", text="t", sha256="0", media_type="text/plain")
    assert doc.page_of(0) is None
