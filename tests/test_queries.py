"""Every real query file: header, compilation, contract variables, quality checks, key values."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from kg.query import bind_parameters, read_query, run_query
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
QUERY_FILES = sorted(QUERIES.glob("**/*.rq"))
QC_FILES = sorted((QUERIES / "qc").glob("*.rq"))

# Copied from DESIGN.md, "Competency queries": file name -> output variables, in order.
CONTRACT = {
    "inspections": (
        "inspection partnership area gss lead inspectorates kind subject programme "
        "fieldworkStart fieldworkEnd published document"
    ),
    "grade_profile": "partnership grade count document scale",
    "indicator_grades": "partnership indicator grade document scale",
    "partnership_members": "partnership agency agencyType",
    "shared_agencies": "agency partnerships partnershipList",
    "officials": "person honorific role organisation document quote",
    "post_holders": "organisation post person asOf",
    "shared_themes": "theme inspections partnershipList strengths improvements",
    "findings": "partnership polarity finding theme document",
    "good_practice": "partnership practice description document",
    "co_inspection": "inspectorateA inspectorateB inspections",
    "external_links": "entity label wikidata gss statsGovScot",
    "evidence": "subject predicate object document evidence",
    # issue 13: programmes, scales and bodies over time
    "programme_inspections": "programme key year inspections progressReviews partnershipList",
    "partnership_evaluations": (
        "partnership date inspection programme scale indicator grade rank count document"
    ),
    "body_names": "body otherNames namesInUse founded dissolved predecessors successors",
    "inspected_by": (
        "area year inspection programme inspectorate otherNames founded dissolved existed "
        "successors"
    ),
}
QC_VARIABLES = ["entity", "property", "value"]
# Derivations kg build runs into graph/summary: file name -> output variables.
DERIVED = {"theme_summary": "themeIri inspections partnershipList strengths improvements"}
# Parameter values that make a parameterised query return rows on the seeds.
INVERCLYDE = {"partnership": "Inverclyde Alliance", "document": "001_11b822338e92b3cf"}
EXAMPLE_PARAMS = {
    "evidence": {"label": "Inverclyde Alliance"},
    "findings": INVERCLYDE,
    "grade_profile": INVERCLYDE,
    "indicator_grades": INVERCLYDE,
    "inspections": INVERCLYDE,
    "officials": {"person": "Stephen McCabe", "document": "001_11b822338e92b3cf"},
    "post_holders": {"organisation": "Care Inspectorate", "person": "Karen Reid"},
    "programme_inspections": {
        "programme": "joint inspections of services for children and young people"
    },
    "partnership_evaluations": {"partnership": "Inverclyde Alliance"},
    "body_names": {"body": "Care Inspectorate"},
    "inspected_by": {"area": "Inverclyde"},
}
# The listings whose parameters narrow them to rows with that value in the same column.
NARROWING = [
    (name, param)
    for name, params in EXAMPLE_PARAMS.items()
    if name != "evidence"
    for param in params
]


def _rows(store: Store, name: str, params: dict[str, str] | None = None) -> list[dict]:
    return run_query(store, str(QUERIES / f"{name}.rq"), params).rows


def test_the_glob_finds_the_contract_and_the_checks() -> None:
    names = {path.stem for path in QUERY_FILES if path.parent == QUERIES}
    assert set(CONTRACT) <= names
    assert len(QC_FILES) >= 3
    assert all(path.stem.endswith("-violation") for path in QC_FILES)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: str(p.relative_to(QUERIES)))
def test_query_file(seed_store: Store, path: Path) -> None:
    query = read_query(str(path))
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("#+ summary:") and query.summary, "header must open with a summary"
    assert "#+ params:" in text, "header must declare its params (even when none)"
    assert query.description
    assert "#+ example:" in text
    first_code = next(line for line in lines if line.strip() and not line.startswith("#"))
    assert first_code.startswith("PREFIX"), "explicit PREFIXes follow the header"
    for name in query.params:
        assert f"?{name}" in text.split("WHERE", 1)[1], f"parameter ?{name} unused in WHERE"
    params = EXAMPLE_PARAMS.get(path.stem, {})
    assert set(params) == set(query.params)
    if path.parent.name == "examples":
        # Federated examples reach a remote SERVICE; with no network here they are compiled,
        # and test_push.py runs them against a local oxigraph server holding a sample.
        from rdflib.plugins.sparql import prepareQuery

        prepareQuery(text)
        return
    result = run_query(seed_store, str(path), params)
    if path.parent.name == "qc":
        assert result.variables == QC_VARIABLES
        assert result.rows == [], f"quality check failed: {result.rows[:5]}"
    elif path.parent.name == "derived":
        assert result.variables == DERIVED[path.stem].split()
        assert result.rows
    else:
        assert result.variables == CONTRACT[path.stem].split()
    if params:
        assert result.rows, f"{path.stem} with {params} returned nothing"


@pytest.mark.parametrize(("name", "param"), NARROWING, ids=lambda v: str(v))
def test_a_parameter_narrows_a_listing_to_its_column(
    seed_store: Store, name: str, param: str
) -> None:
    """Each value of the column, given as the parameter, returns exactly the listing's rows
    with that value: the parameter filters, it does not rebind (an OPTIONAL would)."""
    rows = _rows(seed_store, name)
    values = sorted({row[param] for row in rows if row[param]})
    assert values, f"{name}.{param}: the seeds give no value"
    for value in values:
        narrowed = _rows(seed_store, name, {param: value})
        assert narrowed == [row for row in rows if row[param] == value], (name, param, value)
    assert _rows(seed_store, name, {param: "No Such Value"}) == []


def test_parameters_are_bound_not_pasted(seed_store: Store) -> None:
    text = (QUERIES / "evidence.rq").read_text(encoding="utf-8")
    hostile = 'x" } ?s ?p ?o { "'
    bound = bind_parameters(text, {"label": ox.Literal(hostile)})
    assert bound.count("VALUES ?label {") == 1
    assert _rows(seed_store, "evidence", {"label": hostile}) == []


def test_inspections_one_per_partnership(seed_store: Store) -> None:
    rows = _rows(seed_store, "inspections")
    by_partnership = {row["partnership"]: row for row in rows}
    assert len(rows) == 5
    assert by_partnership["Inverclyde Alliance"]["gss"] == "S12000018"
    assert by_partnership["Inverclyde Alliance"]["document"] == "001_11b822338e92b3cf"
    assert by_partnership["Clackmannanshire Alliance"]["kind"] == "progress review"


def test_co_inspection_pairs(seed_store: Store) -> None:
    rows = _rows(seed_store, "co_inspection")
    pairs = {(row["inspectorateA"], row["inspectorateB"]): int(row["inspections"]) for row in rows}
    assert pairs[("Care Inspectorate", "Education Scotland")] == 3
    assert len(pairs) == 6  # the four inspectorates of the three joint inspections, pairwise
    assert all(a < b for a, b in pairs)


def test_external_links_inverclyde(seed_store: Store) -> None:
    rows = {row["entity"]: row for row in _rows(seed_store, "external_links")}
    area = rows["https://w3id.org/inspection-kg/id/area/inverclyde"]
    assert area["label"] == "Inverclyde"
    assert area["gss"] == "S12000018"
    assert area["statsGovScot"] == "http://statistics.gov.scot/id/statistical-geography/S12000018"
    partnership = rows["https://w3id.org/inspection-kg/id/partnership/inverclyde"]
    assert partnership["label"] == "Inverclyde Alliance"
    assert partnership["gss"] == "S12000018"
    council = rows["https://w3id.org/inspection-kg/id/agency/inverclyde-council"]
    assert council["wikidata"].startswith("http://www.wikidata.org/entity/Q")
    assert council["gss"] is None
    gss_codes = {row["gss"] for row in rows.values() if row["entity"].split("/")[-2] == "area"}
    assert len({code for code in gss_codes if code and code.startswith("S12")}) == 32


def test_post_holders(seed_store: Store) -> None:
    rows = _rows(seed_store, "post_holders")
    holders = {(row["organisation"], row["post"], row["person"]) for row in rows}
    assert ("Care Inspectorate", "chief executive", "Peter Macleod") in holders
    assert ("Care Inspectorate", "chief executive", "Karen Reid") in holders


def test_evidence_for_a_partnership(seed_store: Store) -> None:
    rows = _rows(seed_store, "evidence", {"label": "Inverclyde Alliance"})
    inspected = [row for row in rows if row["predicate"].endswith("#inspected")]
    assert inspected and all(row["document"] == "001_11b822338e92b3cf" for row in inspected)
    assert all("Inverclyde" in row["evidence"] for row in inspected)


def _tiny_store(turtle: str) -> Store:
    """An in-memory store holding ``turtle`` as one document graph."""
    store = Store()
    graph = Graph().parse(data=turtle, format="turtle")
    store.replace_graph(URIRef("https://w3id.org/inspection-kg/graph/test"), graph)
    return store


PREFIXES = """
@prefix ikg: <https://w3id.org/inspection-kg/def#> .
@base <https://w3id.org/inspection-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# Facts written as docs/data-model.md describes them, for queries the seeds cannot yet feed.
MODEL = (
    PREFIXES
    + """
<document/d1> a ikg:Document ; dcterms:identifier "d1" ; nif:isString "Aa. Bb strong. Cc weak." .
<document/d1#char=4,14> a nif:String ; nif:anchorOf "Bb strong." ;
    nif:beginIndex 4 ; nif:endIndex 14 ; nif:referenceContext <document/d1> .
<document/d1#char=15,23> a nif:String ; nif:anchorOf "Cc weak." ;
    nif:beginIndex 15 ; nif:endIndex 23 ; nif:referenceContext <document/d1> .
<partnership/p1> a ikg:Partnership ; rdfs:label "P One" .
<partnership/p2> a ikg:Partnership ; rdfs:label "P Two" .
<inspection/p1/2017> a ikg:JointInspection ; ikg:inspected <partnership/p1> ;
    ikg:leadInspectorate <inspectorate/ci> ; ikg:describedIn <document/d1> ;
    ikg:finding <finding/d1/4-14>, <finding/d1/15-23>, <practice/p1/hub> ;
    ikg:gradeCount <grade-count/p1/2017/good> ; ikg:evaluation <evaluation/p1/2017/leadership> .
<inspection/p2/2018> a ikg:JointInspection ; ikg:inspected <partnership/p2> ;
    ikg:leadInspectorate <inspectorate/ci> ;
    ikg:finding <finding/d1/15-23> .
<finding/d1/4-14> a ikg:Strength ; rdfs:label "Bb strong." ; ikg:theme <theme/poverty> ;
    ikg:evidence <document/d1#char=4,14> .
<finding/d1/15-23> a ikg:AreaForImprovement ; rdfs:label "Cc weak." ;
    ikg:theme <theme/poverty> ; ikg:evidence <document/d1#char=15,23> .
<practice/p1/hub> a ikg:GoodPracticeExample ; rdfs:label "Hub" ;
    dcterms:description "A hub." ; ikg:theme <theme/poverty> ;
    ikg:evidence <document/d1#char=4,14> .
<theme/poverty> a ikg:Theme, skos:Concept ; skos:prefLabel "poverty"@en .
<grade/good> a ikg:Grade, skos:Concept ; skos:prefLabel "Good"@en ; skos:notation 4 .
<grade-count/p1/2017/good> a ikg:GradeCount ; ikg:grade <grade/good> ;
    ikg:scale <scheme/six-point-scale> ;
    ikg:count "5"^^xsd:positiveInteger ; ikg:evidence <document/d1#char=4,14> .
<scheme/six-point-scale> a ikg:EvaluationScale ; skos:prefLabel "six-point scale" .
<indicator/leadership> a ikg:QualityIndicator, skos:Concept ; skos:prefLabel "Leadership"@en .
<evaluation/p1/2017/leadership> a ikg:Evaluation ; ikg:indicator <indicator/leadership> ;
    ikg:grade <grade/good> ; ikg:evidence <document/d1#char=4,14> .
ikg:NHSBoard rdfs:subClassOf ikg:Agency ; rdfs:label "NHS board"@en .
<agency/nhs-x> a ikg:NHSBoard, ikg:Agency ; rdfs:label "NHS X" .
<membership/p1/nhs-x> a org:Membership ; org:organization <partnership/p1> ;
    org:member <agency/nhs-x> ; ikg:evidence <document/d1#char=4,14> .
<partnership/p1> org:hasMember <agency/nhs-x> .
<partnership/p2> org:hasMember <agency/nhs-x> .
"""
)


def test_queries_on_the_data_model() -> None:
    store = _tiny_store(MODEL)
    assert _rows(store, "grade_profile") == [
        {
            "partnership": "P One",
            "grade": "good",
            "count": "5",
            "document": "d1",
            "scale": "six-point scale",
        }
    ]
    assert _rows(store, "indicator_grades") == [  # a grade written before scales: no scale
        {
            "partnership": "P One",
            "indicator": "Leadership",
            "grade": "good",
            "document": "d1",
            "scale": None,
        }
    ]
    members = _rows(store, "partnership_members")
    assert {"partnership": "P One", "agency": "NHS X", "agencyType": "NHS board"} in members
    assert len(members) == 2
    [shared] = _rows(store, "shared_agencies")
    assert (shared["agency"], shared["partnerships"]) == ("NHS X", "2")
    assert sorted(shared["partnershipList"].split("; ")) == ["P One", "P Two"]
    from kg.pipeline import write_summary

    assert write_summary(store)  # what kg build does after the documents
    themes = _rows(store, "shared_themes")
    assert len(themes) == 1
    assert themes[0]["theme"] == "poverty"
    assert themes[0]["inspections"] == "2"
    assert (themes[0]["strengths"], themes[0]["improvements"]) == ("1", "1")
    findings = {(r["partnership"], r["polarity"], r["finding"]) for r in _rows(store, "findings")}
    assert findings == {
        ("P One", "strength", "Bb strong."),
        ("P One", "improvement", "Cc weak."),
        ("P Two", "improvement", "Cc weak."),
    }
    assert _rows(store, "good_practice") == [
        {"partnership": "P One", "practice": "Hub", "description": "A hub.", "document": "d1"}
    ]
    for path in QC_FILES:
        assert run_query(store, str(path)).rows == [], path.name


def test_quality_checks_catch_violations() -> None:
    broken = (
        PREFIXES
        + """
<document/d1> a ikg:Document ; dcterms:identifier "d1" ; nif:isString "Aa. Bb strong." .
<document/d1#char=3,14> a nif:String ; nif:anchorOf "Bb strong." ;
    nif:beginIndex 3 ; nif:endIndex 14 ; nif:referenceContext <document/d1> .
<inspection/p1/2017> a ikg:JointInspection ; ikg:describedIn <document/d1> .
<finding/d1/3-14> a ikg:Strength ; rdfs:label "Bb strong." .
"""
    )
    store = _tiny_store(broken)
    found = {
        path.stem: {row["entity"] for row in run_query(store, str(path)).rows} for path in QC_FILES
    }
    base = "https://w3id.org/inspection-kg/id/"
    assert found["inspection-without-lead-violation"] == {base + "inspection/p1/2017"}
    assert found["finding-without-theme-violation"] == {base + "finding/d1/3-14"}
    assert found["evidence-offset-violation"] == {base + "document/d1#char=3,14"}
    assert found["fact-without-evidence-violation"] == {base + "finding/d1/3-14"}


def _live_theme_statistics(store: Store) -> list[dict]:
    """shared_themes' rows computed now from the documents, not read from the summary."""
    labels = {
        row["theme"]: row["label"]
        for row in run_query(
            store,
            "SELECT ?theme (STR(?l) AS ?label) "
            "{ ?theme <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }",
        ).rows
    }
    rows = [
        {
            "theme": labels[row["themeIri"]],
            "inspections": row["inspections"],
            "partnershipList": row["partnershipList"],
            "strengths": row["strengths"],
            "improvements": row["improvements"],
        }
        for row in _rows(store, "derived/theme_summary")
    ]
    return sorted(rows, key=lambda r: (-int(r["inspections"]), -int(r["improvements"]), r["theme"]))


def test_shared_themes_reads_a_summary_kept_current(tmp_path: Path) -> None:
    """The summary graph follows the documents: after a build of four seeds, then of all
    five, shared_themes equals the aggregate computed live; an unchanged rebuild leaves the
    summary as it was (same generation time)."""
    from kg.namespace import IKG
    from kg.pipeline import build
    from kg.store import SUMMARY_GRAPH

    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    store = Store(tmp_path / "store")
    assert build(seeds[:4], store).ok
    four = _rows(store, "shared_themes")
    assert four == _live_theme_statistics(store) and four
    assert build(seeds, store).ok
    five = _rows(store, "shared_themes")
    assert five == _live_theme_statistics(store)
    assert five != four  # the fifth seed's findings are counted

    def generated() -> str:
        query = (
            f"SELECT ?t {{ <{SUMMARY_GRAPH}> <http://www.w3.org/ns/prov#generatedAtTime> ?t ; "
            f"<{IKG.sha256}> ?sha }}"
        )
        return run_query(store, query).rows[0]["t"]

    before = generated()
    report = build(seeds, store)
    assert report.skipped and not report.ingested
    assert generated() == before
