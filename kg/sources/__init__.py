"""Sources (stage 1): read files into normalised :class:`Document` records.

``READERS`` maps a file suffix to a reader that returns the text (and, for PDF, the
character offset where each page starts). Text is normalised once, here, and every evidence
offset downstream refers to this normalised text, which is stored with the document.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError

MAX_BYTES = 64 * 1024 * 1024
"""Largest PDF read, in bytes (a PDF is mostly images; its text is far smaller)."""
MAX_TEXT_BYTES = 8 * 1024 * 1024
"""Largest text, Markdown or HTML file read, in bytes: refused before reading, so memory stays
bounded. The largest real inspection report is well under 1 MB of text."""
MAX_TEXT_CHARS = 1_000_000
"""Longest normalised text extracted (spaCy's ``max_length``); longer documents are refused."""
_CONTROL_SHARE = 0.05
"""Share of control characters above which decoded bytes are taken for binary data."""
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
"""Unicode's control codes (category Cc: U+0000-001F, U+007F-009F) but tab, line feed, form
feed and carriage return: counted by a regular expression, not a loop over characters."""


@dataclass(frozen=True)
class Document:
    """One source document: its id (file name without extension), path and normalised text."""

    id: str
    path: str
    text: str
    sha256: str
    media_type: str
    title: str = ""
    page_starts: tuple[int, ...] = field(default=())
    url: str = ""
    """The document's public address, from a ``sources.csv`` or ``manifest.csv`` beside it."""

    def page_of(self, offset: int) -> int | None:
        """Return the 1-based PDF page holding ``offset``, or None for unpaged text."""
        if not self.page_starts:
            return None
        page = 0
        for index, start in enumerate(self.page_starts):
            if start <= offset:
                page = index
        return page + 1


_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2013": "\u2013",
        "\ufeff": "",
    }
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_text(text: str) -> str:
    """Normalise text: NFC, straight quotes, plain spaces, ``\\n`` line ends, no control codes.

    >>> normalise_text("Children\u2019s\u00a0services\\r\\n")
    "Children's services\\n"
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.translate(_QUOTES))
    return text


def _looks_binary(text: str) -> bool:
    """True when more than 5% of the characters are control codes (other than layout)."""
    if not text:
        return False
    return len(_CONTROLS.findall(text)) / len(text) > _CONTROL_SHARE


def decode_bytes(data: bytes, path: Path) -> str:
    """Decode bytes to text; refuse binary data.

    Policy: valid UTF-8 is UTF-8. UTF-8 with a few damaged bytes (it holds valid multi-byte
    sequences too) is UTF-8 with U+FFFD in place of each bad byte. Bytes with no valid
    multi-byte sequence are a legacy single-byte encoding: Windows-1252, which is a superset of
    Latin-1's printable characters (a statistical guess mistakes short Latin-1 text for Baltic
    code pages). Only when Windows-1252 cannot decode them is charset detection asked.

    >>> decode_bytes("Children’s".encode("cp1252"), Path("a.txt"))
    'Children’s'
    >>> decode_bytes("Café naïve".encode("latin-1"), Path("a.txt"))
    'Café naïve'
    """
    if b"\x00" in data[:8192]:
        raise KgError(f"{path}: binary content, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        if not any(ord(char) > 127 and char != "\ufffd" for char in text):
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                from charset_normalizer import from_bytes

                best = from_bytes(data).best()
                if best is None:
                    raise KgError(f"{path}: binary content, not text") from None
                text = str(best)
    if _looks_binary(text):
        raise KgError(f"{path}: binary content, not text")
    return text


def read_text_file(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read a plain-text or Markdown file."""
    return decode_bytes(data, path), ()


_DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]{0,1000}(\[.{0,1000000}?\]\s*)?>", re.I | re.S)
_ENTITY_DECL = re.compile(r"<!(ENTITY|ELEMENT|ATTLIST|NOTATION)\b[^>]{0,10000}>", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]{0,1000}\?>", re.I)


def _strip_dtd(html: str) -> str:
    """Drop the XML declaration and any DOCTYPE with its internal subset (entity declarations).

    HTML is never parsed as XML here, so no entity is expanded and no external entity or DTD is
    fetched (billion laughs, XXE); dropping the declarations also keeps their text out of the
    document.

    >>> _strip_dtd('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><p>&a;</p>')
    '<p>&a;</p>'
    """
    html = _XML_DECL.sub("", html, count=1)
    html = _DOCTYPE.sub("", html, count=1)
    return _ENTITY_DECL.sub("", html)


def read_html(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read the main text of an HTML page (boilerplate and scripts dropped) with trafilatura.

    Parsing is lxml's HTML parser (through trafilatura, and directly as a fallback), which
    expands no DTD entities and loads nothing from the network.
    """
    import trafilatura
    from lxml import etree
    from lxml import html as lxml_html

    html = _strip_dtd(decode_bytes(data, path))
    try:
        text = trafilatura.extract(
            html, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False
        )
    except Exception:  # trafilatura on junk markup: fall back to plain lxml below
        text = None
    if not text:
        parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
        try:
            tree = lxml_html.fromstring(html, parser=parser)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
            raise KgError(f"{path}: not parseable HTML ({exc})") from exc
        for node in tree.xpath("//script|//style|//noscript|//template"):
            node.drop_tree()
        text = tree.text_content()
    return text, ()


def unwrap_lines(text: str) -> str:
    r"""Join the lines a PDF's layout wrapped mid-sentence: a line as wide as the page's text
    (three quarters of its longest line or more) that ends without punctuation runs on into
    the next. The newline becomes a space, so every offset stays where it was.

    >>> unwrap_lines("Services for children in the islands of\nOrkney are good.\nA heading\nText")
    'Services for children in the islands of Orkney are good.\nA heading\nText'
    """
    lines = text.split("\n")
    width = max((len(line) for line in lines), default=0)
    out = []
    for index, line in enumerate(lines):
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        wrapped = (
            len(line) >= 0.75 * width
            and line.rstrip()[-1:] not in ("", ".", ":", "!", "?", ";", '"')
            and nxt[:1] not in ("", " ", "*", "-", "\u2022")
        )
        out.append(line + (" " if wrapped else "\n"))
    return "".join(out)[: len(text)]


def read_pdf(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read a PDF's text layer page by page with pypdf, keeping where each page starts.

    An encrypted PDF is opened with the empty password (many are encrypted only to restrict
    printing); otherwise it is refused. Any failure inside pypdf on a damaged file becomes one
    "corrupt PDF" line, and pypdf's own warnings are kept off the terminal.
    """
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise KgError(f"{path}: encrypted PDF, cannot read its text without the password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except KgError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many unrelated types on damaged files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "decrypt" in reason.lower() or "password" in reason.lower():
            raise KgError(f"{path}: encrypted PDF, cannot read its text ({reason})") from exc
        raise KgError(f"{path}: corrupt PDF ({reason})") from exc
    starts, chunks, offset = [], [], 0
    for page_text in pages:
        page_text = unwrap_lines(normalise_text(page_text))
        starts.append(offset)
        chunks.append(page_text)
        offset += len(page_text) + 2
    text = "\n\n".join(chunks)
    if not text.strip():
        raise KgError(f"{path}: PDF has no text layer (scanned images?); nothing to read")
    return text, tuple(starts)


MAX_UNZIPPED = 256 * 1024 * 1024
"""Largest total uncompressed size of a .docx or .odt package read (a zip bomb is refused)."""


def _open_package(path: Path, data: bytes, kind: str):
    """The zip package of a Word or OpenDocument file, checked before anything is inflated."""
    import io
    import zipfile

    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        size = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise KgError(f"{path}: corrupt {kind} (not a zip package: {exc})") from exc
    if size > MAX_UNZIPPED:
        raise KgError(f"{path}: too large unpacked ({size:,} bytes; the limit is {MAX_UNZIPPED:,})")
    return package


def read_docx(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read a Word document (.docx) with python-docx: paragraphs and table rows in order.

    A table row is one line, its cells separated by tabs; headers, footers and comments are
    left out (they repeat on every page or are not the report's text).
    """
    import io

    import docx
    from docx.table import Table

    _open_package(path, data, ".docx")
    try:
        document = docx.Document(io.BytesIO(data))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = []
                    for cell in row.cells:
                        text = " ".join(cell.text.split())
                        if text and (not cells or cells[-1] != text):  # merged cells repeat
                            cells.append(text)
                    if cells:
                        lines.append("\t".join(cells))
            else:
                lines.append(block.text)
    except KgError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many types on damaged files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise KgError(f"{path}: corrupt .docx ({reason})") from exc
    return "\n".join(lines), ()


_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _odf_text(element) -> str:
    """The text of an ODF paragraph or heading: spaces (``text:s``), tabs and line breaks."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{{{_ODF_TEXT}}}s":
            parts.append(" " * int(child.get(f"{{{_ODF_TEXT}}}c", "1")))
        elif tag == f"{{{_ODF_TEXT}}}tab":
            parts.append("\t")
        elif tag == f"{{{_ODF_TEXT}}}line-break":
            parts.append("\n")
        elif tag in (f"{{{_ODF_TEXT}}}note", f"{{{_ODF_OFFICE}}}annotation"):
            pass  # footnotes and comments are not the sentence's text
        else:
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_odt(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read an OpenDocument text (.odt): headings and paragraphs of ``content.xml`` in order.

    Parsed with lxml (already a dependency) with entities and network access off; odfpy,
    the one Python ODF library, has had no release since 2020.
    """
    from lxml import etree

    package = _open_package(path, data, ".odt")
    try:
        content = package.read("content.xml")
    except KeyError as exc:
        raise KgError(f"{path}: corrupt .odt (no content.xml)") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise KgError(f"{path}: corrupt .odt (content.xml: {exc})") from exc
    blocks = (f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h")
    lines = []
    for element in root.iter(*blocks):
        if any(ancestor.tag in blocks for ancestor in element.iterancestors()):
            continue  # a paragraph inside a note of another paragraph
        lines.append(_odf_text(element))
    return "\n".join(lines), ()


Reader = Callable[[Path, bytes], tuple[str, tuple[int, ...]]]
READERS: dict[str, Reader] = {
    ".txt": read_text_file,
    ".md": read_text_file,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".odt": read_odt,
}
MEDIA_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}
PACKAGED = frozenset({".pdf", ".docx", ".odt"})
"""Types read up to :data:`MAX_BYTES` (images inside), not :data:`MAX_TEXT_BYTES`."""


def _read_bounded(path: Path, limit: int) -> bytes:
    """Read a regular file's bytes, refusing anything else and anything over ``limit`` bytes.

    The size is checked before reading and the read itself is bounded, so a huge file, a file
    that grows, a FIFO or a device (``/dev/zero``) can neither hang the build nor fill memory.
    """
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ENOENT and path.is_symlink():
            raise KgError(f"{path}: broken symlink (its target does not exist)") from exc
        if exc.errno == errno.ELOOP:
            raise KgError(f"{path}: symlink loop") from exc
        raise KgError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise KgError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise KgError(f"{path}: not a regular file (a FIFO, socket or device); not read")
    if info.st_size > limit:
        raise KgError(
            f"{path}: too large ({info.st_size:,} bytes; the limit for this type is {limit:,})"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise KgError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise KgError(f"{path}: too large (over the {limit:,}-byte limit for this type)")
    return data


def file_sha256(path: Path) -> str | None:
    """The sha256 of a file's bytes, read in chunks; None when it is not a readable regular
    file within the size limit (``read_document`` then reports why).

    Used to skip unchanged documents without reading a FIFO, a device or a huge file whole.
    """
    path = Path(path)
    limit = MAX_BYTES if path.suffix.lower() in PACKAGED else MAX_TEXT_BYTES
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


SOURCE_LISTS = ("sources.csv", "manifest.csv")
"""Files beside documents that give their public addresses: ``sources.csv`` with columns
``document,source_url`` (``corpus/real/``), or a manifest with ``id`` and ``source_url``
(``seeds/manifest.csv``). The first one present in a document's folder is used; a manifest
without a ``source_url`` column (the benchmark corpus's) gives no addresses."""
_URL = re.compile(r"^https?://\S+$")


def _read_source_list(path: Path) -> dict[str, str]:
    """Document id -> public address from one source list; a malformed list is one error line."""
    import csv

    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise KgError(f"{path}: cannot read the source list ({exc})") from exc
    fields = set(rows[0]) if rows else set()
    id_column = "document" if "document" in fields else "id"
    if path.name != "sources.csv" and "source_url" not in fields:
        return {}  # a manifest without addresses (the benchmark corpus's): nothing to record
    if rows and (id_column not in fields or "source_url" not in fields):
        raise KgError(f"{path}: a source list needs the columns document (or id) and source_url")
    urls = {}
    for number, row in enumerate(rows, start=2):
        doc_id, url = (row.get(id_column) or "").strip(), (row.get("source_url") or "").strip()
        if url and not _URL.match(url):
            raise KgError(f"{path}: line {number}: {url!r} is not an http(s) address")
        if doc_id and url:
            urls[doc_id] = url
    return urls


_SOURCE_LISTS: dict[tuple[str, int, int], dict[str, str]] = {}


def source_urls(folder: Path) -> dict[str, str]:
    """The public addresses of the documents in ``folder`` (empty when it has no source list);
    read once per list, modification time and size."""
    for name in SOURCE_LISTS:
        path = Path(folder) / name
        try:
            info = path.stat()
        except OSError:
            continue
        key = (str(path.resolve()), info.st_mtime_ns, info.st_size)
        if key not in _SOURCE_LISTS:
            _SOURCE_LISTS[key] = _read_source_list(path)
        return _SOURCE_LISTS[key]
    return {}


def read_document(path: Path) -> Document:
    """Read one file into a :class:`Document`; raise :class:`KgError` naming the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise KgError(f"{path}: unsupported file type {path.suffix or '(none)'}")
    data = _read_bounded(path, MAX_BYTES if suffix in PACKAGED else MAX_TEXT_BYTES)
    if not data.strip():
        raise KgError(f"{path}: empty file")
    text, page_starts = reader(path, data)
    text = normalise_text(text) if not page_starts else text
    if not text.strip():
        raise KgError(f"{path}: no text found")
    if len(text) > MAX_TEXT_CHARS:
        raise KgError(
            f"{path}: too long ({len(text):,} characters of text; the limit is {MAX_TEXT_CHARS:,})"
        )
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Document(
        id=path.stem,
        path=str(path),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=MEDIA_TYPES[suffix],
        title=title[:300],
        page_starts=page_starts,
        url=source_urls(path.parent).get(path.stem, ""),
    )


IGNORED_SUFFIXES = frozenset({".csv", ".json", ".jsonl", ".tsv", ".ttl", ".trig", ".rq", ".py"})
"""Data that sits beside documents (manifests, expectations, queries): not reported as
unsupported when met in a folder."""


def unsupported_reason(path: Path) -> str:
    """One line saying a file is not read, and what is.

    >>> unsupported_reason(Path("a/b.rtf"))
    'a/b.rtf: unsupported file type .rtf, not read (kg reads .txt .md .html .htm .pdf .docx .odt)'
    """
    known = " ".join(READERS)
    return f"{path}: unsupported file type {path.suffix or '(none)'}, not read (kg reads {known})"


def iter_source_files(sources: list[Path], unsupported: list[Path] | None = None) -> Iterator[Path]:
    """Yield the readable-type files under ``sources`` (files or folders, recursively), sorted.

    Files in a folder of a type no reader takes are appended to ``unsupported`` (when given),
    except hidden files and :data:`IGNORED_SUFFIXES`. A folder's ``README`` (any suffix)
    describes the folder and is neither a document nor unsupported; named as a file, it is read.
    A file named directly is yielded whatever its type (reading it says why it cannot be read).
    Symlinked folders are not followed, so a symlink loop cannot hang the walk. A missing
    source is an error before anything is yielded.
    """
    for source in sources:
        source = Path(source)
        if not (source.exists() or source.is_symlink()):
            raise KgError(f"{source}: no such file or folder")
    for source in sources:
        source = Path(source)
        if source.is_dir():
            found, skipped = [], []
            for root, dirs, files in os.walk(source, followlinks=False):
                dirs.sort()
                for name in files:
                    candidate = Path(root) / name
                    if candidate.stem.lower() == "readme":
                        continue
                    suffix = candidate.suffix.lower()
                    if suffix in READERS:
                        found.append(candidate)
                    elif not name.startswith(".") and suffix not in IGNORED_SUFFIXES:
                        skipped.append(candidate)
            if unsupported is not None:
                unsupported.extend(sorted(skipped))
            yield from sorted(found)
        else:
            yield source
