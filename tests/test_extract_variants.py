"""Inspection-level facts in the phrasing families of issue 15, each on sentences written here.

Every text is invented for this test (real council areas and bodies, fictitious people and
figures). Each family is tested on phrasings that are not in the development texts; the
documents of ``tests/fixtures/variants/`` score the same families with ``kg eval``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract import extract
from kg.sources import read_document

OPENING = "The Care Inspectorate published a joint inspection of services in {area}.\n\n"


def run(tmp_path: Path, text: str, name: str = "doc.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(read_document(path))


def members(found) -> set[str]:
    return {m.agency.key for m in found.memberships}


@pytest.mark.parametrize(
    ("area", "sentence", "expected"),
    [
        (
            "Moray",
            "The Moray partnership, comprising The Moray Council, NHS Grampian, Police Scotland "
            "and the third sector, has made progress.",
            {"the-moray-council", "nhs-grampian", "police-scotland"},
        ),
        (
            "Fife",
            "Adult support and protection in Fife is delivered through a partnership between "
            "Fife Council, NHS Fife and Police Scotland.",
            {"fife-council", "nhs-fife", "police-scotland"},
        ),
        (
            "Highland",
            "The Highland Council, NHS Highland and Highland Third Sector Interface, which make "
            "up the Highland Community Planning Partnership, welcomed the report.",
            {"the-highland-council", "nhs-highland", "highland-third-sector-interface"},
        ),
        (
            "the Scottish Borders",
            "The services are provided by Scottish Borders Council and NHS Borders, known as the "
            "Scottish Borders Health and Social Care Partnership.",
            {"scottish-borders-council", "nhs-borders"},
        ),
        (
            "West Lothian",
            "Services in West Lothian are delivered by West Lothian Council, working with "
            "partners including Police Scotland, the Scottish Prison Service and Sacro.",
            {"west-lothian-council", "police-scotland", "scottish-prison-service", "sacro"},
        ),
        (
            "Dundee",
            "Partners in the Dundee Partnership are Dundee City Council, NHS Tayside, Tayside "
            "Police and the Scottish Children's Reporter Administration.",
            {
                "dundee-city-council",
                "nhs-tayside",
                "tayside-police",
                "scottish-childrens-reporter-administration",
            },
        ),
    ],
)
def test_members_in_prose_lists(tmp_path: Path, area: str, sentence: str, expected) -> None:
    found = run(tmp_path, OPENING.format(area=area) + sentence + "\n")
    assert members(found) == expected
    assert not expected & {m.entity.key for m in found.mentions}


def test_help_provided_by_a_body_makes_no_member(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Angus")
        + "Families valued the help provided by Barnardo's Scotland and Aberlour.\n",
    )
    assert members(found) == set()


def test_the_body_a_second_post_is_in_is_a_mention(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Moray")
        + "Jane Smith, Chief Executive of The Moray Council and chair of the Moray Public "
        'Protection Chief Officers Group, said: "We welcome this report and its findings."\n',
    )
    assert "moray-public-protection-chief-officers-group" in {
        m.entity.key for m in found.mentions
    }
