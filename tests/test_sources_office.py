"""Word (.docx) and OpenDocument (.odt) documents: read as their text, damage in one line.

The fixtures are made by ``tests/fixtures/office/make_office.py`` (committed with it); the
test also regenerates them in ``tmp_path`` and reads those, so the readers are checked on the
script's output as it is now, not only on the committed files.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from kg.errors import KgError
from kg.sources import read_document

OFFICE = Path(__file__).resolve().parent / "fixtures" / "office"
_spec = importlib.util.spec_from_file_location("make_office", OFFICE / "make_office.py")
make_office = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_office)


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        (
            "moray_news.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("moray_news.odt", "application/vnd.oasis.opendocument.text"),
    ],
)
def test_office_documents_read_as_their_text(name, media_type, tmp_path):
    fresh = tmp_path / name
    writer = make_office.write_docx if name.endswith(".docx") else make_office.write_odt
    writer(fresh)
    for path in (OFFICE / name, fresh):
        document = read_document(path)
        assert document.text == make_office.TEXT
        assert document.media_type == media_type
        assert document.title == make_office.PARAGRAPHS[0]
        assert document.id == "moray_news"


def test_damaged_office_documents_are_one_line(tmp_path):
    not_zip = tmp_path / "broken.docx"
    not_zip.write_bytes(b"PK\x03\x04 but not really a zip")
    with pytest.raises(KgError, match=r"broken\.docx: corrupt \.docx \(not a zip package"):
        read_document(not_zip)
    no_content = tmp_path / "empty.odt"
    with zipfile.ZipFile(no_content, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    with pytest.raises(KgError, match=r"empty\.odt: corrupt \.odt \(no content\.xml\)"):
        read_document(no_content)
    bad_xml = tmp_path / "bad.odt"
    with zipfile.ZipFile(bad_xml, "w") as package:
        package.writestr("content.xml", "<office:document-content><unclosed>")
    with pytest.raises(KgError, match=r"bad\.odt: corrupt \.odt \(content\.xml: "):
        read_document(bad_xml)
    zip_without_word = tmp_path / "other.docx"
    with zipfile.ZipFile(zip_without_word, "w") as package:
        package.writestr("hello.txt", "hello")
    with pytest.raises(KgError, match=r"other\.docx: corrupt \.docx \("):
        read_document(zip_without_word)


def test_an_odt_entity_is_not_expanded(tmp_path):
    """content.xml with an internal entity and an external one: neither is expanded."""
    hostile = tmp_path / "hostile.odt"
    content = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "EXPANDED">'
        '<!ENTITY f SYSTEM "file:///etc/passwd">]>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        "<text:p>Inspection of Moray &x; &f;</text:p></office:text></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(hostile, "w") as package:
        package.writestr("content.xml", content)
    text = read_document(hostile).text
    assert "EXPANDED" not in text and "root:" not in text
    assert text.startswith("Inspection of Moray")
