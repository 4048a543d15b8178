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
        (
            "Angus",
            "Inspectors looked at the work of the partnership (Angus Council, NHS Tayside and "
            "Police Scotland) over three months.",
            {"angus-council", "nhs-tayside", "police-scotland"},
        ),
        (
            "Falkirk",
            "Falkirk's community planning partners - Falkirk Council, NHS Forth Valley and CVS "
            "Falkirk - work together to protect children.",
            {"falkirk-council", "nhs-forth-valley", "cvs-falkirk"},
        ),
        (
            "East Dunbartonshire",
            "East Dunbartonshire Council and NHS Greater Glasgow and Clyde, which jointly run "
            "the East Dunbartonshire Community Health and Care Partnership, provide them.",
            {"east-dunbartonshire-council", "nhs-greater-glasgow-and-clyde"},
        ),
        (
            "Clackmannanshire",
            "Clackmannanshire Council, NHS Forth Valley and Police Scotland lead the "
            "partnership's adult protection work.",
            {"clackmannanshire-council", "nhs-forth-valley", "police-scotland"},
        ),
        (
            "Edinburgh",
            "The Edinburgh Partnership's members are the City of Edinburgh Council and the "
            "Edinburgh Association of Community Councils.",
            {"city-of-edinburgh-council", "edinburgh-association-of-community-councils"},
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
    assert "moray-public-protection-chief-officers-group" in {m.entity.key for m in found.mentions}


def posts(found) -> set[tuple]:
    return {
        (o.name, o.honorific, o.role, o.organisation.key if o.organisation else None)
        for o in found.officials
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            '"We are proud of our staff," said Anne Brown, head of children\'s services at '
            "Angus Council.",
            ("Anne Brown", None, "head of children's services", "angus-council"),
        ),
        (
            '"Protecting adults is everyone\'s business," added Cllr Peter Grant, convener of '
            "Angus Council.",
            ("Peter Grant", "Councillor", "convener", "angus-council"),
        ),
        (
            '"We will act on every recommendation," said Dr Rhona Stuart, NHS Tayside\'s '
            "medical director.",
            ("Rhona Stuart", "Dr", "medical director", "nhs-tayside"),
        ),
        (
            "NHS Tayside's director of public health, Dr Emma de Vries, said: \"We will act on "
            'the report."',
            ("Emma de Vries", "Dr", "director of public health", "nhs-tayside"),
        ),
        (
            "The Council's Executive Director of Social Work, Ravi Patel, said: \"This is a "
            'fine report for Angus."',
            ("Ravi Patel", None, "executive director of social work", "angus-council"),
        ),
        (
            '"We accept the recommendations in full," Angus Council\'s chief social work '
            "officer, Jo Hart, said.",
            ("Jo Hart", None, "chief social work officer", "angus-council"),
        ),
        (
            '"People are being supported to change," said Angus Council\'s Executive Lead for '
            "Communities, Clare Main.",
            ("Clare Main", None, "executive lead for communities", "angus-council"),
        ),
        (
            "Speaking for the partnership, Lena Shaw, Chief Social Work Officer, said: "
            '"Our staff have worked hard on this."',
            ("Lena Shaw", None, "chief social work officer", None),
        ),
        (
            'NHS Tayside chief executive Mark Reid said: "We welcome this report\'s findings."',
            ("Mark Reid", None, "chief executive", "nhs-tayside"),
        ),
    ],
)
def test_officials_in_every_order(tmp_path: Path, sentence: str, expected) -> None:
    found = run(tmp_path, OPENING.format(area="Angus") + sentence + "\n")
    assert posts(found) == {expected}
    assert all(o.quote is not None for o in found.officials)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            'Care Inspectorate Chief Executive Jo Irvine said: "We found real strengths."',
            ("Jo Irvine", None, "chief executive", "care-inspectorate"),
        ),
        (
            'The Chief Executive of the Care Inspectorate, Paul Mack, said: "We found real '
            'strengths."',
            ("Paul Mack", None, "chief executive", "care-inspectorate"),
        ),
        (
            'Interim Chief Social Work Officer Jane Kerr said: "We will act on the report."',
            ("Jane Kerr", None, "interim chief social work officer", None),
        ),
    ],
)
def test_a_post_before_the_name(tmp_path: Path, sentence: str, expected) -> None:
    found = run(tmp_path, OPENING.format(area="Angus") + sentence + "\n")
    assert posts(found) == {expected}


def test_reported_speech_names_an_official_without_a_quotation(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Angus")
        + "Paul Mack, chief executive of the Care Inspectorate, said the partnership had "
        "made progress.\n",
    )
    assert posts(found) == {("Paul Mack", None, "chief executive", "care-inspectorate")}
    assert found.officials[0].quote is None


def test_a_rank_of_two_words_is_an_honorific(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Angus")
        + "Chief Superintendent Ann Gray, Police Scotland's divisional commander, said: "
        '"Keeping people safe is a shared job for us all."\n',
    )
    assert posts(found) == {
        ("Ann Gray", "Chief Superintendent", "divisional commander", "police-scotland")
    }


def test_a_quotation_resumed_after_its_attribution_is_one_quotation(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Angus")
        + '"We are pleased with the report," said Anne Brown, chief social work officer at '
        'Angus Council. "There is still more to do and we will do it."\n',
    )
    (official,) = found.officials
    assert official.quote.text.startswith('"We are pleased')
    assert official.quote.text.endswith('we will do it."')


def test_leader_of_the_council_and_chair_of_the_partnership(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Highland")
        + "Councillor Ian Ross, leader of the Council and chair of the Highland Community "
        'Planning Partnership, said: "This is a fair report on our services."\n',
    )
    assert posts(found) == {
        ("Ian Ross", "Councillor", "leader", "the-highland-council"),
        ("Ian Ross", "Councillor", "chair", "highland"),
    }


def test_the_council_without_an_inspected_area_is_no_organisation(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "Inspectors visited several services this year.\n\n"
        'Ian Ross, leader of the Council, said: "We thank the inspectors for their work."\n',
    )
    assert posts(found) == {("Ian Ross", None, "leader", None)}


def test_a_name_cut_by_the_end_of_the_text_is_no_person(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Angus") + "Commenting on the report, Care Inspectorate chief "
        "executive Kar",
    )
    assert found.officials == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Services for children in Angus\nReport of a joint inspection, June 2016\n\n", "2016-06"),
        ("Joint inspection of services to protect children in Dundee\nMarch 2011\n\n", "2011-03"),
        ("Inspection of services in Angus\nInspectors visited in March 2011\n\n", None),
        ("Care Inspectorate news - 3 May 2019\n\nIt was published on 1 May.\n", "2019-05-01"),
        ("The joint inspection report was published today, Tuesday 28 June.\n", None),
    ],
)
def test_publication_date_only_when_printed(tmp_path: Path, text: str, expected) -> None:
    found = run(tmp_path, text + "The Care Inspectorate led the joint inspection in Angus.\n")
    assert found.inspection.published == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("This progress review follows the 2017 joint inspection of services.", "2017"),
        ("Inspectors found clear progress since the 2014 inspection.", "2014"),
        ("Progress has been made since the last joint inspection (2016).", "2016"),
        ("Services were first inspected in 2008, in the first round of inspections.", "2008"),
        ("The Care Inspectorate last inspected these services in 2015.", "2015"),
        ("Our previous inspection in 2013 found weaknesses in planning.", "2013"),
        ("This is the first inspection of these services since 2014.", "2014"),
        ("Services were last jointly inspected in 2016.", "2016"),
        (
            "They reviewed progress following their joint inspection of adult support and "
            "protection published in 2022.",
            "2022",
        ),
        ("Inspectors visited in May 2019 and read 60 records.", None),
        ("Inspectors noted that referrals had risen since 2019.", None),
    ],
)
def test_earlier_inspections_referred_to(tmp_path: Path, sentence: str, expected) -> None:
    found = run(tmp_path, OPENING.format(area="Angus") + sentence + "\n")
    assert found.inspection.previous_year == expected


def grades(found) -> set[tuple[str, str]]:
    return {(g.indicator, g.grade) for g in found.indicator_grades}


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            "Impact on families: good\nLeadership and direction: very good\n",
            {("impact on families", "good"), ("leadership and direction", "very-good")},
        ),
        (
            "Quality indicator | Evaluation\n2.1 Impact on staff | Good\n"
            "9.1 Vision, values and aims | Adequate\n",
            {("impact on staff", "good"), ("vision, values and aims", "adequate")},
        ),
        (
            "- Partnership working \u2013 excellent\n- Impact on the community \u2013 weak\n",
            {("partnership working", "excellent"), ("impact on the community", "weak")},
        ),
        (
            "Key processes: effective with areas for improvement\n"
            "Strategic leadership: very effective\n",
            {
                ("key processes", "effective-with-areas-for-improvement"),
                ("strategic leadership", "very-effective"),
            },
        ),
        ("The scale: 6 excellent; 5 very good; 4 good; 3 adequate; 2 weak.\n", set()),
        ("Very good: major strengths\nGood: important strengths\n", set()),
    ],
)
def test_grades_in_lists_and_tables(tmp_path: Path, lines: str, expected) -> None:
    found = run(tmp_path, OPENING.format(area="Angus") + "Evaluations\n" + lines)
    assert grades(found) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "They graded 1 of the nine quality indicators as very good, 3 as good and 5 as "
            "adequate.",
            {("very-good", 1), ("good", 3), ("adequate", 5)},
        ),
        (
            "Five of the six quality indicators were graded 'good'.",
            {("good", 5)},
        ),
        (
            "Inspectors awarded grades of 'good' for three of the nine quality indicators, and "
            "'adequate' for the remaining six.",
            {("good", 3), ("adequate", 6)},
        ),
        (
            "8 of 9 quality indicators were evaluated as good or better: 2 were excellent.",
            {("excellent", 2)},
        ),
        (
            "Of the nine quality indicators, inspectors found two to be good, five "
            "satisfactory and two weak.",
            {("good", 2), ("satisfactory", 5), ("weak", 2)},
        ),
    ],
)
def test_grade_tallies(tmp_path: Path, sentence: str, expected) -> None:
    found = run(tmp_path, OPENING.format(area="Angus") + sentence + "\n")
    assert {(g.grade, g.count) for g in found.grade_counts} == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Inspectors heard from 215 members of staff.", {(215.0, "members of staff")}),
        ("The inspection included two Focus Groups.", {(2.0, "focus groups")}),
        ("Inspectors read forty case files.", {(40.0, "case files")}),
        ("It spends \u00a32.4 million a year on care.", {(2400000.0, "pounds a year")}),
        ("The area covers 2,238 square kilometres.", set()),
        ("The scale: 6 excellent; 5 very good; 4 good.", set()),
        ("On the scale 6 is excellent and 1 is unsatisfactory.", set()),
        ("See page 12 of the report and quality indicator 2.1 for more.", set()),
        ("Inspectors visited from 4 to 22 March 2019.", set()),
        ("Inspectors identified two areas for improvement and one of the strengths.", set()),
    ],
)
def test_amounts_are_money_and_counts_of_people_and_services(
    tmp_path: Path, sentence: str, expected
) -> None:
    found = run(tmp_path, OPENING.format(area="Angus") + sentence + "\n")
    assert {(a.value, a.counts.lower()) for a in found.amounts} == expected


def test_a_report_published_after_its_programme_ended_belongs_to_the_next(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "Published: 14 March 2024\n\nA joint inspection of adult support and protection in "
        "Angus by the Care Inspectorate took place between October and December 2023.\n",
    )
    assert found.inspection.programme == "adult-support-and-protection-2023"


def test_indicators_graded_in_prose_without_a_determiner(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        OPENING.format(area="Angus")
        + "Inspectors evaluated assessment and planning as good and leadership of improvement "
        "and change as very good.\nThe report was evaluated by inspectors as good.\n",
    )
    assert grades(found) == {
        ("assessment and planning", "good"),
        ("leadership of improvement and change", "very-good"),
    }
