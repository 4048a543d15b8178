"""kg.evaluate: the scorer on hand-made records, the expectation files themselves, ``kg eval``
as a user runs it, and the extraction quality targets on the seeds and the fixtures."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import KgError
from kg.evaluate import (
    FACT_TYPES,
    Counts,
    Evaluation,
    aggregate,
    check_against_text,
    compare,
    evaluate,
    format_table,
    micro,
    parse_expectation,
    read_expectation,
    read_expectations,
    score,
)
from kg.extract.records import (
    Amount,
    Entity,
    Evidence,
    Extraction,
    Finding,
    GoodPractice,
    GradeCount,
    IndicatorGrade,
    Inspection,
    Membership,
    Mention,
    Official,
)
from kg.sources import read_document

ROOT = Path(__file__).resolve().parent.parent
SEED_EXPECTED = ROOT / "seeds" / "expected"
FIXTURE_DOCS = ROOT / "tests" / "fixtures" / "docs"
FIXTURE_EXPECTED = FIXTURE_DOCS / "expected"
SEED_TARGET = 0.95
FIXTURE_TARGET = 0.8
DEV_EXPECTED = ROOT / "tests" / "fixtures" / "heldout" / "expected"  # held out in v0.2, dev since
HELDOUT_EXPECTED = ROOT / "tests" / "fixtures" / "heldout2" / "expected"  # never tuned on
# inspection-level facts in varied phrasings (issue 15, session 18), written before the rules
VARIANTS_EXPECTED = ROOT / "tests" / "fixtures" / "variants" / "expected"

EV = Evidence(0, 0, "")


def entity(kind: str, key: str) -> Entity:
    return Entity(kind=kind, key=key, label=key, type="Thing")


CI = entity("inspectorate", "care-inspectorate")
ES = entity("inspectorate", "education-scotland")
FIFE = entity("partnership", "fife")

FACTS = {
    "partnership": ["fife"],
    "area": ["fife"],
    "kind": ["joint inspection"],
    "subject": ["children and young people"],
    "lead": ["care-inspectorate"],
    "inspectorate": ["care-inspectorate", "education-scotland"],
    "fieldwork": [["2019-03-04", "2019-04-12"]],
    "published": ["2019-06-18"],
    "previous": ["2014"],
    "report_url": ["https://example.org/report.pdf"],
    "indicator_count": [6],
    "grade_count": [["very-good", 3], ["good", 3]],
    "indicator_grade": [["impact on families", "very-good"]],
    "membership": [["fife", "fife-council"], ["fife", "nhs-fife"]],
    "official": [
        {
            "name": "Morag Lindsay",
            "honorific": "Dr",
            "role": "chief inspector",
            "organisation": "care-inspectorate",
        }
    ],
    "quote": [
        {"name": "Morag Lindsay", "starts": "Staff across Fife told us", "ends": "leaving care."}
    ],
    "finding": [
        {
            "polarity": "strength",
            "contains": "family support hubs in every locality",
            "themes": ["early-help-and-family-support"],
        },
        {"polarity": "improvement", "contains": "too few care leavers", "themes": ["care-leavers"]},
    ],
    "good_practice": [{"name": "Nurture Me", "themes": ["participation"]}],
    "amount": [[120, "young people"]],
    "mention": ["children-1st"],
}


def perfect(**changes) -> Extraction:
    """An extraction matching :data:`FACTS` exactly; keyword arguments replace its fields."""
    inspection = Inspection(
        partnership=FIFE,
        area=entity("area", "fife"),
        kind="joint inspection",
        subject="children and young people",
        lead=CI,
        inspectorates=(CI, ES),
        fieldwork_start="2019-03-04",
        fieldwork_end="2019-04-12",
        published="2019-06-18",
        previous_year="2014",
        report_urls=("https://example.org/report.pdf",),
        indicator_count=6,
    )
    fields = {
        "document_id": "fife",
        "inspection": inspection,
        "memberships": (
            Membership(FIFE, entity("agency", "fife-council"), EV),
            Membership(FIFE, entity("agency", "nhs-fife"), EV),
        ),
        "officials": (
            Official(
                "Morag Lindsay",
                "Dr",
                "chief inspector",
                CI,
                EV,
                quote=Evidence(
                    0,
                    0,
                    '"Staff across Fife told us they were supported.\n\n"And '
                    'we want more for young people leaving care."',
                ),
            ),
        ),
        "findings": (
            Finding(
                "strength",
                "A network of family support hubs in every locality.",
                ("early-help-and-family-support",),
                EV,
            ),
            Finding(
                "improvement",
                "Too few care leavers took up continuing care.",
                ("care-leavers",),
                EV,
            ),
        ),
        "good_practice": (GoodPractice("Nurture Me", "An app.", ("participation",), EV),),
        "grade_counts": (GradeCount("very-good", 3, EV), GradeCount("good", 3, EV)),
        "indicator_grades": (IndicatorGrade("Impact on families", "very-good", EV),),
        "amounts": (Amount(120.0, "young people whose records were read", EV),),
        "mentions": (Mention(entity("other", "children-1st"), EV),),
    }
    fields.update(changes)
    return Extraction(**fields)


# ---------------------------------------------------------------- the scorer


def test_perfect_extraction_scores_one_everywhere():
    counts = score(FACTS, perfect())
    assert set(counts) == set(FACT_TYPES)
    for fact_type, c in counts.items():
        assert (c.fp, c.fn) == (0, 0), fact_type
        assert c.precision == c.recall == c.f1 == 1.0, fact_type
    assert counts["finding_theme"].tp == 2
    assert micro(counts).f1 == 1.0


def test_missed_fact_lowers_recall_only():
    extraction = perfect(memberships=perfect().memberships[:1])
    c = score(FACTS, extraction)["membership"]
    assert (c.tp, c.fp, c.fn) == (1, 0, 1)
    assert c.precision == 1.0 and c.recall == 0.5


def test_extra_fact_lowers_precision_only():
    extra = Mention(entity("other", "unicef"), EV)
    c = score(FACTS, perfect(mentions=perfect().mentions + (extra,)))["mention"]
    assert (c.tp, c.fp, c.fn) == (1, 1, 0)
    assert c.precision == 0.5 and c.recall == 1.0


def test_duplicates_in_the_extraction_count_once():
    doubled = perfect().mentions * 3
    assert score(FACTS, perfect(mentions=doubled))["mention"] == Counts(tp=1)
    findings = perfect().findings * 2
    assert score(FACTS, perfect(findings=findings))["finding"] == Counts(tp=2)


def test_nothing_extracted_and_nothing_expected_counts_as_one_shown_as_dash():
    counts = score({}, Extraction(document_id="x", inspection=None))
    assert all(c == Counts() and c.f1 == 1.0 for c in counts.values())
    table = format_table(aggregate([counts]))
    assert re.search(r"^partnership\s+0\s+0\s+0\s+0\s+0\s+-\s+-\s+-$", table, re.M)


def test_nothing_extracted_gives_zero_recall():
    counts = score(FACTS, None)
    assert counts["finding"] == Counts(fn=2)
    assert counts["finding"].precision == 1.0 and counts["finding"].f1 == 0.0
    assert counts["finding_theme"] == Counts()  # themes are scored over matched findings only


def test_strings_are_normalised_before_comparison():
    extraction = perfect(
        inspection=perfect().inspection.__class__(
            **{**perfect().inspection.__dict__, "subject": "  Children and\nYoung People "}
        ),
        good_practice=(GoodPractice("Nurture  Me", "", (), EV),),
    )
    counts = score(FACTS, extraction)
    assert counts["subject"] == Counts(tp=1)
    assert counts["good_practice"] == Counts(tp=1)


def test_finding_needs_polarity_and_contains_and_matches_one_to_one():
    flipped = Finding("improvement", "A network of family support hubs in every locality.", (), EV)
    comparison = compare(FACTS, perfect(findings=(flipped, perfect().findings[1])))["finding"]
    assert comparison.counts == Counts(tp=1, fp=1, fn=1)
    # one extracted finding cannot satisfy two expected ones
    facts = {
        "finding": [
            {"polarity": "strength", "contains": "hubs", "themes": []},
            {"polarity": "strength", "contains": "family support hubs", "themes": []},
        ]
    }
    assert score(facts, perfect())["finding"] == Counts(tp=1, fp=1, fn=1)


def test_finding_themes_are_scored_on_matched_findings():
    findings = (
        Finding(
            "strength",
            "A network of family support hubs in every locality.",
            ("early-help-and-family-support", "poverty", "unclassified"),
            EV,
        ),
        Finding("improvement", "Something else entirely.", ("care-leavers",), EV),
    )
    counts = score(FACTS, perfect(findings=findings))
    assert counts["finding"] == Counts(tp=1, fp=1, fn=1)
    # the unmatched finding's themes count nowhere; "unclassified" means no theme
    assert counts["finding_theme"] == Counts(tp=1, fp=1, fn=0)
    no_theme = Finding("strength", "family support hubs in every locality", ("unclassified",), EV)
    facts = {"finding": [{"polarity": "strength", "contains": "hubs", "themes": []}]}
    assert score(facts, perfect(findings=(no_theme,)))["finding_theme"] == Counts()


def test_quote_matches_name_start_and_end_ignoring_quote_marks():
    assert score(FACTS, perfect())["quote"] == Counts(tp=1)
    official = perfect().officials[0]
    cut = Official(
        official.name,
        official.honorific,
        official.role,
        official.organisation,
        EV,
        quote=Evidence(0, 0, "\u201cStaff across Fife told us they were supported.\u201d"),
    )
    assert score(FACTS, perfect(officials=(cut,)))["quote"] == Counts(fp=1, fn=1)
    other = Official("Someone Else", None, None, None, EV, quote=official.quote)
    assert score(FACTS, perfect(officials=(other,)))["quote"] == Counts(fp=1, fn=1)


def test_official_needs_the_full_tuple_person_only_the_name():
    official = perfect().officials[0]
    wrong_role = Official(
        official.name,
        official.honorific,
        "chief executive",
        official.organisation,
        EV,
        quote=official.quote,
    )
    counts = score(FACTS, perfect(officials=(wrong_role,)))
    assert counts["official"] == Counts(fp=1, fn=1)
    assert counts["person"] == Counts(tp=1)
    assert counts["quote"] == Counts(tp=1)


def test_amount_needs_the_value_and_the_expected_words():
    assert score(FACTS, perfect())["amount"] == Counts(tp=1)
    for amount in (Amount(121.0, "young people", EV), Amount(120.0, "people", EV)):
        assert score(FACTS, perfect(amounts=(amount,)))["amount"] == Counts(fp=1, fn=1)


def test_fieldwork_with_one_end_stands_for_a_single_period():
    inspection = perfect().inspection.__class__(
        **{**perfect().inspection.__dict__, "fieldwork_start": "2016-05", "fieldwork_end": None}
    )
    facts = {"fieldwork": [["2016-05", "2016-05"]]}
    assert score(facts, perfect(inspection=inspection))["fieldwork"] == Counts(tp=1)


def test_aggregate_sums_documents_and_micro_leaves_out_person():
    one = score(FACTS, perfect())
    two = score(FACTS, None)
    totals = aggregate([one, two])
    assert totals["mention"] == Counts(tp=1, fn=1)
    assert micro(totals).tp == sum(c.tp for t, c in totals.items() if t != "person")
    table = format_table(totals, "title")
    assert table.splitlines()[0] == "title"
    assert "total (micro)" in table
    assert set(Evaluation().to_dict()) == {"documents", "types", "micro"}


# ---------------------------------------------------------------- reading expectations


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not a JSON object"),
        ({"facts": {}}, "'source'"),
        ({"source": "a.txt", "facts": [], "extra": 1}, "unknown key 'extra'"),
        ({"source": "a.txt", "facts": {"grades": []}}, "unknown fact type 'grades'"),
        ({"source": "a.txt", "facts": {"kind": ["inspectoin"]}}, "'inspectoin'"),
        ({"source": "a.txt", "facts": {"lead": ["Care Inspectorate"]}}, "is not a key"),
        ({"source": "a.txt", "facts": {"grade_count": [["great", 2]]}}, "'great'"),
        ({"source": "a.txt", "facts": {"published": ["31 October 2017"]}}, "ISO date"),
        (
            {"source": "a.txt", "facts": {"finding": [{"polarity": "good", "contains": "x"}]}},
            "polarity 'good'",
        ),
        ({"source": "a.txt", "facts": {"official": [{"name": "A"}]}}, "missing 'honorific'"),
        ({"source": "a.txt", "facts": {"amount": [["12", "families"]]}}, "not a number"),
    ],
)
def test_malformed_expectations_are_refused(data, message):
    with pytest.raises(KgError, match=re.escape(message)):
        parse_expectation(data)


def test_read_expectation_names_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(KgError, match=re.escape(f"{bad}: not valid JSON")):
        read_expectation(bad)
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps({"source": "../nowhere.txt", "facts": {}}), encoding="utf-8")
    with pytest.raises(KgError, match=r"source \.\./nowhere\.txt: no such file"):
        read_expectation(missing)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(KgError, match="no expectation files"):
        read_expectations(empty)
    with pytest.raises(KgError, match="no such file or folder"):
        read_expectations(tmp_path / "nowhere")


def _theme_keys() -> set[str]:
    text = (ROOT / "ontology" / "themes.ttl").read_text(encoding="utf-8")
    return set(re.findall(r"^theme:([a-z0-9-]+) a ", text, re.M))


def _reference_keys() -> dict[str, set[str]]:
    with (ROOT / "kg" / "data" / "organisations.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    keys: dict[str, set[str]] = {}
    for row in rows:
        keys.setdefault(row["kind"], set()).add(row["key"])
    return keys


ALL_EXPECTATIONS = sorted(
    [
        *SEED_EXPECTED.glob("*.json"),
        *FIXTURE_EXPECTED.glob("*.json"),
        *DEV_EXPECTED.glob("*.json"),
        *HELDOUT_EXPECTED.glob("*.json"),
        *VARIANTS_EXPECTED.glob("*.json"),
    ]
)


@pytest.mark.parametrize("path", ALL_EXPECTATIONS, ids=lambda p: p.stem)
def test_expectation_file_parses_names_its_source_and_quotes_it_exactly(path):
    expected = read_expectation(path)
    assert expected.source.is_file()
    document = read_document(expected.source)
    assert check_against_text(expected.facts, document.text) == []
    themes = _theme_keys()
    used = {t for f in expected.facts.get("finding", []) for t in f.get("themes", [])}
    used |= {t for g in expected.facts.get("good_practice", []) for t in g.get("themes", [])}
    assert used <= themes, f"not themes of ontology/themes.ttl: {sorted(used - themes)}"
    reference = _reference_keys()
    facts = expected.facts
    assert set(facts.get("partnership", [])) <= reference["partnership"]
    assert set(facts.get("area", [])) <= reference["area"]
    assert set(facts.get("lead", [])) <= reference["inspectorate"]
    assert set(facts.get("inspectorate", [])) <= reference["inspectorate"]
    assert set(facts.get("lead", [])) <= set(facts.get("inspectorate", []))
    for quote in facts.get("quote", []):
        assert quote["name"] in {o["name"] for o in facts.get("official", [])}
        assert len(quote["starts"].split()) >= 5, quote
    for finding in facts.get("finding", []):
        assert 4 <= len(finding["contains"].split()) <= 16, finding


def test_every_expectation_folder_is_complete():
    seeds = {p.stem for p in (ROOT / "seeds").glob("*.txt")}
    assert {p.stem for p in SEED_EXPECTED.glob("*.json")} == seeds
    docs = {p.stem for p in FIXTURE_DOCS.iterdir() if p.suffix in {".txt", ".md", ".html", ".pdf"}}
    assert len(docs) >= 6
    assert {p.stem for p in FIXTURE_EXPECTED.glob("*.json")} == docs
    assert len(read_expectations(SEED_EXPECTED)) == len(seeds)


def test_fixture_pdf_is_the_generated_two_page_pdf(tmp_path):
    spec = importlib.util.spec_from_file_location("make_pdf", FIXTURE_DOCS / "make_pdf.py")
    make_pdf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_pdf)
    pytest.importorskip("fpdf")
    fresh = read_document(make_pdf.write_pdf(tmp_path / "orkney_joint_inspection.pdf"))
    committed = read_document(FIXTURE_DOCS / "orkney_joint_inspection.pdf")
    assert committed.text == fresh.text
    assert len(committed.page_starts) == 2
    assert committed.page_of(committed.text.index("What needs to improve")) == 2
    assert committed.page_of(committed.text.index("What is working well")) == 1


# ---------------------------------------------------------------- kg eval


def kg_eval(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", "eval", *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "folder",
    [
        "seeds/expected",
        "tests/fixtures/docs/expected",
        "tests/fixtures/heldout/expected",
        "tests/fixtures/heldout2/expected",
    ],
)
def test_kg_eval_prints_every_fact_type(folder, tmp_path):
    out = tmp_path / "figures.json"
    result = kg_eval(folder, "--json", str(out))
    assert result.returncode == 0, result.stderr
    for fact_type in FACT_TYPES:
        assert re.search(rf"^{fact_type}\s+\d", result.stdout, re.M), fact_type
    assert "total (micro)" in result.stdout
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["types"]) == set(FACT_TYPES)
    assert len(figures["documents"]) == len(list((ROOT / folder).glob("*.json")))


def test_kg_eval_defaults_to_the_seeds():
    result = kg_eval()
    assert result.returncode == 0, result.stderr
    assert "000_7cc63730632ce016" in result.stdout


def test_kg_eval_refuses_a_malformed_expectation_with_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"source": "x.txt", "facts": {"kind": ["survey"]}}), encoding="utf-8")
    result = kg_eval(str(bad))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}: facts.kind[0]: 'survey' is not one of inspection, joint inspection, "
        "progress review"
    ]
    misquoted = tmp_path / "misquoted.json"
    facts = {
        "finding": [{"polarity": "strength", "contains": "words not in the seed", "themes": []}]
    }
    source = ROOT / "seeds" / "000_7cc63730632ce016.txt"
    misquoted.write_text(json.dumps({"source": str(source), "facts": facts}), encoding="utf-8")
    result = kg_eval(str(misquoted))
    assert result.returncode == 1
    assert "is not in the document text" in result.stderr


# ---------------------------------------------------------------- the targets


# Fact types that do not meet the target yet, with the F1 measured when this was written
# (README, "Extraction quality"). The target tests hold these to their measured floor so a
# regression still fails; an entry is removed as soon as its type reaches the target.
SEED_GAPS: dict[str, float] = {}
FIXTURE_GAPS: dict[str, float] = {}


def _below(folder: Path, target: float, gaps: dict[str, float] | None = None) -> dict[str, str]:
    totals = evaluate(read_expectations(folder)).totals
    gaps = gaps or {}
    return {
        t: f"F1 {c.f1:.3f} (tp {c.tp}, fp {c.fp}, fn {c.fn})"
        for t, c in totals.items()
        if c.f1 < gaps.get(t, target)
    }


def test_known_gaps_are_still_gaps():
    """A gap that closed must leave the list, so the full target applies to it again."""
    for folder, target, gaps in (
        (SEED_EXPECTED, SEED_TARGET, SEED_GAPS),
        (FIXTURE_EXPECTED, FIXTURE_TARGET, FIXTURE_GAPS),
    ):
        totals = evaluate(read_expectations(folder)).totals
        closed = [t for t in gaps if totals[t].f1 >= target]
        assert not closed, f"{closed} now meet F1 {target}: remove them from the gaps"


def test_seed_f1_meets_target():
    """Extraction quality target on the five seeds: F1 >= 0.95 for every fact type."""
    below = _below(SEED_EXPECTED, SEED_TARGET, SEED_GAPS)
    assert not below, f"fact types below F1 {SEED_TARGET} on the seeds (kg eval --details): {below}"


def test_fixture_f1_meets_target():
    """Extraction quality target on the unseen fixture documents: F1 >= 0.8 for every type."""
    below = _below(FIXTURE_EXPECTED, FIXTURE_TARGET, FIXTURE_GAPS)
    assert not below, (
        f"fact types below F1 {FIXTURE_TARGET} on the fixtures "
        f"(kg eval tests/fixtures/docs/expected --details): {below}"
    )


# Measured floor, not a target: total F1 on the held-out set (tests/fixtures/heldout2), which no
# rule was tuned on, was 0.868 with the v0.2 extractor and 0.882 with v0.3 (docs/evaluation.md).
# The floor sits a little under the measured figure so that an accidental regression in how the
# extractor generalises fails here; raising it by tuning rules to these documents defeats it.
HELDOUT_FLOOR = 0.87


def test_heldout_set_evaluates_and_stays_above_its_measured_floor():
    expectations = read_expectations(HELDOUT_EXPECTED)
    assert len(expectations) == 3
    evaluation = evaluate(expectations)
    total = micro(evaluation.totals)
    assert total.f1 >= HELDOUT_FLOOR, (
        f"held-out total F1 {total.f1:.3f} fell under its measured floor {HELDOUT_FLOOR} "
        "(kg eval tests/fixtures/heldout2/expected --details)"
    )


# The inspection-level types on the variants (issue 15): every type but the findings' (scored
# there too, but held by their own sets) at the fixtures' target or better. The rules were
# improved on these documents, so this guards against regressions, it does not measure
# generalisation (docs/evaluation.md, "Where the expectations are").
VARIANTS_TARGET = 0.9
VARIANTS_OTHERS = {"finding", "finding_theme", "good_practice"}


def test_variants_inspection_facts_meet_target():
    below = {
        t: why
        for t, why in _below(VARIANTS_EXPECTED, VARIANTS_TARGET).items()
        if t not in VARIANTS_OTHERS
    }
    assert not below, (
        f"fact types below F1 {VARIANTS_TARGET} on the variants "
        f"(kg eval tests/fixtures/variants/expected --details): {below}"
    )
