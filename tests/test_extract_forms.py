"""Extraction of the forms the real corpus uses, each on a short sentence written here.

Every text below is invented for this test (real council areas and bodies, fictitious people
and figures); none is copied from the corpus. The last tests build small documents into a
store: a text that is not about an inspection, and two publishers' texts about one inspection.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.extract import extract
from kg.sources import read_document

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, text: str, name: str = "doc.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return extract(read_document(path))


def test_a_text_about_no_inspection_yields_none(tmp_path: Path) -> None:
    found = run(tmp_path, "The weather in Glasgow was mild. Stirling Council opened a park.\n")
    assert found.inspection is None
    assert found.memberships == ()


def test_a_health_and_social_care_partnership_names_the_partnership(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "Inspectors looked at the work of the Fife Health and Social Care Partnership.\n"
        "The joint inspection by the Care Inspectorate took place in May 2019.\n",
    )
    assert found.inspection.partnership.key == "fife"
    assert found.inspection.area.key == "fife"
    assert "fife-health-and-social-care-partnership" not in {m.entity.key for m in found.mentions}


def test_a_planning_partnership_and_a_council_area_name_the_partnership(tmp_path: Path) -> None:
    planning = run(
        tmp_path,
        "We welcome the joint inspection of services in Angus Planning Partnership.\n",
    )
    assert planning.inspection.partnership.key == "angus"
    area = run(
        tmp_path,
        "The inspection of services to protect children in the Moray Council area took place "
        "between March and April 2008.\n",
        "area.txt",
    )
    assert area.inspection.partnership.key == "moray"
    assert (area.inspection.fieldwork_start, area.inspection.fieldwork_end) == (
        "2008-03",
        "2008-04",
    )


def test_prose_member_lists(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "A joint inspection of adult support and protection in Falkirk was published.\n\n"
        "The partnership services inspected are provided by NHS Forth Valley, Falkirk Council, "
        "Police Scotland and Third Sector agencies.\n\n"
        "The partners involved include: Falkirk Council, NHS Forth Valley and the Fire and "
        "Rescue Service.\n",
    )
    members = {m.agency.key for m in found.memberships}
    assert members == {
        "nhs-forth-valley",
        "falkirk-council",
        "police-scotland",
        "scottish-fire-and-rescue-service",
    }


def test_agencies_whose_practice_is_judged_are_members(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The joint inspection of adult support and protection in West Lothian found strengths.\n\n"
        "NHS Lothian and Police Scotland also needed to strengthen their participation.\n",
    )
    assert {m.agency.key for m in found.memberships} == {"nhs-lothian", "police-scotland"}


def test_an_official_with_two_posts_and_a_quote_below(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The joint inspection of adult support and protection in Angus was published.\n\n"
        "Ann Forbes, Angus Council Chief Executive and Chair of the Public Protection Chief "
        "Officers' Group, said the partnership had acted quickly.\n\n"
        '"We worked with all of our partners to make these changes.\n\n'
        '"We will keep going."\n',
    )
    posts = {(o.name, o.role, o.organisation.key) for o in found.officials}
    assert posts == {
        ("Ann Forbes", "chief executive", "angus-council"),
        ("Ann Forbes", "chair", "public-protection-chief-officers-group"),
    }
    quote = found.officials[0].quote.text
    assert quote.startswith('"We worked') and quote.endswith('keep going."')


def test_cllr_and_a_quote_after_commented_on(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "A progress review of services for older people in Moray was published.\n\n"
        "Cllr Iain Ross, Chairman of the Integration Joint Board, commented on the findings "
        'of the report: "We are pleased with the progress."\n',
    )
    (official,) = found.officials
    assert (official.name, official.honorific, official.role) == (
        "Iain Ross",
        "Councillor",
        "chairman",
    )
    assert official.organisation.key == "integration-joint-board"
    assert official.quote.text == '"We are pleased with the progress."'


def test_tallies_in_evaluations_and_the_indicators_of_key_areas(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "We have published our joint inspection report on the protection of children in the "
        "Angus council area.\n"
        "Reports use a quality indicator framework focusing on 5 key areas.\n"
        "Services were given 2 evaluations of good, 2 evaluations of adequate, and 1 "
        "evaluation of weak.\n",
    )
    assert {(g.grade, g.count) for g in found.grade_counts} == {
        ("good", 2),
        ("adequate", 2),
        ("weak", 1),
    }
    assert found.inspection.indicator_count == 5
    assert found.amounts == ()


def test_indicators_named_after_a_tally_or_after_a_dash(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The joint inspection of services for older people in Fife was published.\n\n"
        "Across nine quality indicators, two were found to be good. These were "
        '"impact on staff," and "leadership and direction."\n\n'
        "Inspectors scored two areas as 'very good' - 'children are listened to and "
        "respected' and 'children are helped to keep safe'.\n",
    )
    assert {(g.indicator, g.grade) for g in found.indicator_grades} == {
        ("impact on staff", "good"),
        ("leadership and direction", "good"),
        ("children are listened to and respected", "very-good"),
        ("children are helped to keep safe", "very-good"),
    }


def test_a_contents_list_gives_no_grade_or_count(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "Joint inspection of services to protect children in the Moray Council area "
        "May 2008 Contents Page 1. Key strengths 3 2. How good is the delivery of key "
        "processes? 8 Appendix 1 Quality indicators 20 Appendix 2 Examples of good practice 21\n",
    )
    assert found.grade_counts == ()
    assert found.inspection.indicator_count is None
    assert found.inspection.published == "2008-05"


def test_effectiveness_across_two_indicators(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The joint inspection of adult support and protection in Angus in 2021 was published.\n"
        "Overall, there were important areas of weakness identified across key processes and "
        "strategic leadership.\n",
    )
    assert {(g.indicator, g.grade) for g in found.indicator_grades} == {
        ("key processes", "important-areas-of-weakness"),
        ("strategic leadership", "important-areas-of-weakness"),
    }


def test_report_date_over_page_date(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "Joint inspection of children at risk of harm, Angus\n\nPublished: 4th June 2024\n\n"
        "The report was published on 3 June and can be found on the Care Inspectorate "
        "website.\n",
    )
    assert found.inspection.published == "2024-06-03"


def test_earlier_inspection_referred_to(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "A progress review of services for children and young people in Angus has found "
        "improvement.\n"
        "Inspectors returned to assess progress made following an inspection in May 2016.\n",
    )
    assert found.inspection.kind == "progress review"
    assert found.inspection.previous_year == "2016"
    assert found.inspection.fieldwork_start is None


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_build_says_a_document_is_not_about_an_inspection(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "weather.txt").write_text("The weather in Glasgow was mild.\n", encoding="utf-8")
    (docs / "angus.txt").write_text(
        "The joint inspection of services for children in Angus was published.\n",
        encoding="utf-8",
    )
    result = kg("build", str(docs), "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "not about an inspection" in line]
    assert lines == [f"{docs / 'weather.txt'}: not about an inspection (no inspection extracted)"]
    found = kg(
        "query",
        "--store",
        str(tmp_path / "store"),
        "-f",
        "csv",
        "PREFIX ikg: <https://w3id.org/inspection-kg/def#> "
        "SELECT ?i WHERE { GRAPH ?g { ?i ikg:describedIn ?d } }",
    )
    assert found.stdout.strip().splitlines()[1:] == [
        "https://w3id.org/inspection-kg/id/inspection/angus/services-for-children-and-young-people-2012"
    ]


PAIRS = [
    (
        "scottish_borders_ci_services_for_cyp_2016",
        "scottish_borders_nhs_borders_services_for_cyp_2016",
        "scottish-borders/services-for-children-and-young-people-2012",
    ),
    (
        "argyll_and_bute_ci_protect_children_2011",
        "argyll_and_bute_council_child_protection_2011",
        "argyll-and-bute/services-to-protect-children-2009",
    ),
    (
        "scottish_borders_ci_children_at_risk_of_harm",
        "scottish_borders_council_children_at_risk_of_harm_2023",
        "scottish-borders/children-at-risk-of-harm-2021",
    ),
]


@pytest.mark.parametrize("pair", [PAIRS])
def test_two_publishers_texts_resolve_to_one_inspection(tmp_path: Path, pair) -> None:
    """The development pairs of the real corpus, built together: one inspection per pair."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for first, second, _ in pair:
        for name in (first, second):
            source = ROOT / "corpus" / "real" / f"{name}.txt"
            (docs / source.name).write_bytes(source.read_bytes())
    result = kg("build", str(docs), "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    found = kg(
        "query",
        "--store",
        str(tmp_path / "store"),
        "-f",
        "csv",
        "PREFIX ikg: <https://w3id.org/inspection-kg/def#> "
        'SELECT ?i (GROUP_CONCAT(STRAFTER(STR(?d), "document/"); separator=" ") AS ?docs) '
        "WHERE { GRAPH ?g { ?i ikg:describedIn ?d } } GROUP BY ?i",
    )
    rows = {
        line.split(",")[0].rsplit("/id/inspection/", 1)[1]: set(line.split(",")[1].split())
        for line in found.stdout.strip().splitlines()[1:]
    }
    slug = {name: name.replace("_", "-") for first, second, _ in pair for name in (first, second)}
    assert rows == {key: {slug[first], slug[second]} for first, second, key in pair}


def test_amounts_of_people_not_of_partnerships(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The inspection of services in Angus heard the views of over 60 parents and carers.\n"
        "The programme looked at each of Scotland's 32 council areas.\n",
    )
    assert {(a.value, a.counts) for a in found.amounts} == {(60.0, "parents and carers")}


def test_a_post_before_the_name_and_no_person_from_a_cut_name(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The inspection report was presented to the health minister Iona Grant MSP in Perth.\n\n"
        "Minister for Public Health and Sport Iona Grant said it was welcome.\n\n"
        "Chief Executive of the Care Inspectorate Kevin ",
    )
    assert {(o.name, o.role, o.organisation.key) for o in found.officials} == {
        ("Iona Grant", "minister for public health and sport", "scottish-government")
    }


def test_a_dated_event_is_no_fieldwork(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The joint inspection of adult support and protection in Angus was published.\n\n"
        "  \u2022 In March 2021 the partnership merged two teams. They carried out screening "
        "together.\n",
    )
    assert found.inspection.fieldwork_start is None


def test_the_council_acting_in_the_partnership_is_a_member(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        "The joint inspection of adult support and protection in Angus found strengths.\n\n"
        "The Council recently bought a new case recording system.\n",
    )
    assert {m.agency.key for m in found.memberships} == {"angus-council"}
