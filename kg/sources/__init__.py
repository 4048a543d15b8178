"""Sources (stage 1): read files into normalised :class:`Document` records.

``READERS`` maps a file suffix to a reader that returns the text (and, for PDF, the
character offset where each page starts). Text is normalised once, here, and every evidence
offset downstream refers to this normalised text, which is stored with the document.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError

MAX_BYTES = 64 * 1024 * 1024


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


def decode_bytes(data: bytes, path: Path) -> str:
    """Decode bytes as UTF-8 when valid, else by charset detection; refuse binary data."""
    if b"\x00" in data[:8192]:
        raise KgError(f"{path}: binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise KgError(f"{path}: cannot detect the text encoding")
    return str(best)


def read_text_file(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read a plain-text or Markdown file."""
    return decode_bytes(data, path), ()


def read_html(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read the main text of an HTML page (boilerplate and scripts dropped) with trafilatura."""
    import trafilatura

    html = decode_bytes(data, path)
    text = trafilatura.extract(
        html, include_comments=False, include_tables=True, favor_recall=True, deduplicate=False
    )
    if not text:
        from lxml import html as lxml_html

        try:
            tree = lxml_html.fromstring(html)
        except Exception as exc:  # lxml raises several unrelated types on junk
            raise KgError(f"{path}: not parseable HTML ({exc})") from exc
        for node in tree.xpath("//script|//style|//noscript"):
            node.drop_tree()
        text = tree.text_content()
    return text, ()


def read_pdf(path: Path, data: bytes) -> tuple[str, tuple[int, ...]]:
    """Read a PDF's text layer page by page with pypdf, keeping where each page starts."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise KgError(f"{path}: encrypted PDF, cannot read its text")
        pages = [page.extract_text() or "" for page in reader.pages]
    except KgError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise KgError(f"{path}: corrupt PDF ({exc})") from exc
    starts, chunks, offset = [], [], 0
    for page_text in pages:
        page_text = normalise_text(page_text)
        starts.append(offset)
        chunks.append(page_text)
        offset += len(page_text) + 2
    text = "\n\n".join(chunks)
    if not text.strip():
        raise KgError(f"{path}: PDF has no text layer (scanned?)")
    return text, tuple(starts)


Reader = Callable[[Path, bytes], tuple[str, tuple[int, ...]]]
READERS: dict[str, Reader] = {
    ".txt": read_text_file,
    ".md": read_text_file,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
}
MEDIA_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}


def read_document(path: Path) -> Document:
    """Read one file into a :class:`Document`; raise :class:`KgError` naming the file."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise KgError(f"{path}: unsupported file type {path.suffix or '(none)'}")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise KgError(f"{path}: {size} bytes is over the {MAX_BYTES}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise KgError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise KgError(f"{path}: empty file")
    text, page_starts = reader(path, data)
    text = normalise_text(text) if not page_starts else text
    if not text.strip():
        raise KgError(f"{path}: no text found")
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Document(
        id=path.stem,
        path=str(path),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=MEDIA_TYPES[path.suffix.lower()],
        title=title[:300],
        page_starts=page_starts,
    )


def iter_source_files(sources: list[Path]) -> Iterator[Path]:
    """Yield the readable-type files under ``sources`` (files or folders, recursively), sorted.

    Symlinked folders are not followed, so a symlink loop cannot hang the walk.
    """
    for source in sources:
        source = Path(source)
        if source.is_dir():
            found = []
            for root, dirs, files in os.walk(source, followlinks=False):
                dirs.sort()
                for name in files:
                    candidate = Path(root) / name
                    if candidate.suffix.lower() in READERS:
                        found.append(candidate)
            yield from sorted(found)
        elif source.exists() or source.is_symlink():
            yield source
        else:
            raise KgError(f"{source}: no such file or folder")
