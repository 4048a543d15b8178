"""Links: SSSOM rows from the shipped reference data, only verified identifiers, valid TSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kg.link import COLUMNS, CURIE_MAP, read_sssom, select_links, to_sssom_tsv, write_sssom
from kg.resources import data_path


@pytest.fixture(scope="module")
def reference_rows() -> list[dict[str, str]]:
    """The shipped reference data, read directly (not through the code under test)."""
    with data_path("organisations.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_council_area_links_to_statistics_gov_scot() -> None:
    links = select_links()
    area_links = {
        link.subject_id: link.object_id
        for link in links
        if link.subject_id.startswith("id:area/") and link.object_id.startswith("sgs:")
    }
    assert len(area_links) == 32
    assert area_links["id:area/inverclyde"] == "sgs:S12000018"
    assert all(obj.startswith("sgs:S12") for obj in area_links.values())
    for link in links:
        assert link.predicate_id == "skos:exactMatch"
        assert link.mapping_justification == "semapv:ManualMappingCuration"
        assert 0 < link.confidence <= 1
        assert link.subject_label and link.source


def test_no_unverified_qid_becomes_a_link(reference_rows: list[dict[str, str]]) -> None:
    shipped = {(row["kind"], row["key"]): row["wikidata"] for row in reference_rows}
    kind_of_path = {"area": "area", "partnership": "partnership", "inspectorate": "inspectorate"}
    wikidata_links = [link for link in select_links() if link.object_id.startswith("wikidata:")]
    assert wikidata_links
    for link in wikidata_links:
        path, key = link.subject_id.removeprefix("id:").split("/", 1)
        candidates = [
            qid
            for (kind, row_key), qid in shipped.items()
            if row_key == key and kind_of_path.get(kind, "agency") == path
        ]
        assert link.object_id.removeprefix("wikidata:") in candidates, link
    linked = {link.object_id.removeprefix("wikidata:") for link in wikidata_links}
    assert linked == {qid for qid in shipped.values() if qid}


def test_sssom_file_parses_back(tmp_path: Path) -> None:
    links = select_links()
    path = write_sssom(links, tmp_path / "links.sssom.tsv")
    metadata, rows = read_sssom(path)
    assert metadata["mapping_set_id"]
    assert metadata["license"].startswith("https://")
    assert metadata["curie_map"] == CURIE_MAP
    assert len(rows) == len(links)
    assert list(rows[0]) == list(COLUMNS)
    first = links[0]
    assert rows[0]["subject_id"] == first.subject_id
    assert float(rows[0]["confidence"]) == first.confidence
    used = {cell.split(":", 1)[0] for row in rows for cell in row.values() if ":" in cell}
    assert {"id", "skos", "semapv", "sgs", "wikidata"} <= used
    assert to_sssom_tsv(links) == path.read_text(encoding="utf-8")
