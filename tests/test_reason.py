"""kg.reason on hand-written graphs: a valid one passes and is classified, graphs broken on
purpose (tests/fixtures/graphs/) fail with a message naming the node and the rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg.errors import KgError
from kg.namespace import DATA, IKG
from kg.reason import (
    NO_JAVA,
    ReasonerResult,
    ValidationReport,
    Violation,
    check_consistency,
    document_of,
    load_ontology_graph,
    to_reasoner_graph,
    validate,
    validate_shacl,
)

GRAPHS = Path(__file__).resolve().parent / "fixtures" / "graphs"
INSPECTION = DATA["inspection/inverclyde/2017"]
DOCUMENT_ID = "001_11b822338e92b3cf"
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


def read(name: str) -> Graph:
    return Graph().parse(GRAPHS / f"{name}.ttl")


@pytest.fixture(scope="module")
def valid() -> Graph:
    return read("valid")


def test_load_ontology_graph_has_terms_themes_and_grades() -> None:
    graph = load_ontology_graph()
    assert (IKG.MultiAgencyInspection, RDF.type, None) in graph
    assert (DATA["theme/care-leavers"], RDF.type, IKG.Theme) in graph
    assert (DATA["grade/very-good"], RDF.type, IKG.Grade) in graph


def test_valid_graph_has_no_shacl_violations(valid: Graph) -> None:
    assert validate_shacl(valid) == []


def test_valid_graph_has_no_shacl_violations_with_rdfs_inference(valid: Graph) -> None:
    assert validate_shacl(valid, inference="rdfs") == []


@needs_java
def test_valid_graph_is_consistent_and_classified(valid: Graph) -> None:
    result = check_consistency(valid)
    assert isinstance(result, ReasonerResult)
    assert result.consistent, result.message
    # asserted a progress review only; HermiT infers it is multi-agency from two inspectorates
    assert (INSPECTION, RDF.type, IKG.JointInspection) not in valid
    assert str(INSPECTION) in result.classified[str(IKG.MultiAgencyInspection)]


@needs_java
def test_one_inspectorate_is_not_enough(valid: Graph) -> None:
    graph = Graph()
    for triple in valid:
        graph.add(triple)
    graph.remove(
        (INSPECTION, IKG.participatingInspectorate, DATA["inspectorate/education-scotland"])
    )
    result = check_consistency(graph)
    assert result.consistent
    assert str(INSPECTION) not in result.classified[str(IKG.MultiAgencyInspection)]


@needs_java
def test_validate_combines_both_and_conforms(valid: Graph) -> None:
    report = validate(valid)
    assert isinstance(report, ValidationReport)
    assert report.conforms
    assert report.violations == ()
    assert report.inconsistency is None
    assert report.lines() == []
    assert str(INSPECTION) in report.classified[str(IKG.MultiAgencyInspection)]


def test_reasoner_graph_keeps_logic_and_drops_text(valid: Graph) -> None:
    merged = to_reasoner_graph(valid, load_ontology_graph())
    assert (INSPECTION, IKG.leadInspectorate, DATA["inspectorate/care-inspectorate"]) in merged
    assert (DATA["grade-count/inverclyde/2017/very-good"], IKG.count, None) in merged
    assert not any(
        isinstance(o, Literal) and "services for children and young people are" in o
        for o in merged.objects()
    )


def test_document_of_follows_evidence_and_description(valid: Graph) -> None:
    assert document_of(valid, INSPECTION) == DOCUMENT_ID
    assert document_of(valid, DATA["grade-count/inverclyde/2017/very-good"]) == DOCUMENT_ID
    assert document_of(valid, DATA["area/inverclyde"]) is None


# ---------------------------------------------------------------- broken on purpose


def only(violations: list[Violation], rule: str) -> Violation:
    found = [v for v in violations if v.rule == rule]
    assert len(found) == 1, [v.line() for v in violations]
    return found[0]


def test_inspection_without_lead_fails() -> None:
    violations = validate_shacl(read("no-lead"))
    violation = only(violations, "InspectionShape/MinCount")
    assert violation.focus == str(INSPECTION)
    assert violation.path == "ikg:leadInspectorate"
    assert violation.document == DOCUMENT_ID
    assert "lead inspectorate" in violation.message
    line = violation.line()
    assert str(INSPECTION) in line and "InspectionShape" in line and DOCUMENT_ID in line


def test_grade_count_of_zero_fails() -> None:
    violations = validate_shacl(read("zero-grade-count"))
    focus = str(DATA["grade-count/inverclyde/2017/very-good"])
    assert {v.focus for v in violations} == {focus}
    assert all(v.rule.startswith("GradeCountShape/") for v in violations)
    assert all(v.path == "ikg:count" for v in violations)
    assert "positive integer" in violations[0].message


@needs_java
def test_grade_count_of_zero_is_also_inconsistent_for_hermit() -> None:
    result = check_consistency(read("zero-grade-count"))
    assert not result.consistent
    assert "grade-count/inverclyde/2017/very-good" in result.message
    assert "ikg:count" in result.message


def test_bad_gss_code_fails() -> None:
    violation = only(validate_shacl(read("bad-gss-code")), "GssCodeShape/Pattern")
    assert violation.focus == str(DATA["area/inverclyde"])
    assert violation.value == '"S1200018"'
    assert "GSS code" in violation.message


@needs_java
def test_person_typed_as_council_is_inconsistent() -> None:
    graph = read("person-and-council")
    assert validate_shacl(graph) == []  # closed-world shapes see nothing wrong
    report = validate(graph)
    assert not report.conforms
    assert report.inconsistency is not None
    council = str(DATA["agency/inverclyde-council"])
    assert council in report.inconsistency
    assert "foaf:Person" in report.inconsistency and "disjoint" in report.inconsistency
    assert any(council in line and "HermiT" in line for line in report.lines())


@needs_java
def test_strength_and_area_for_improvement_on_one_node_fails() -> None:
    report = validate(read("strength-and-improvement"))
    assert not report.conforms
    finding = str(DATA["finding/001-11b822338e92b3cf/100-180"])
    violation = only(list(report.violations), "StrengthNotImprovementShape/Not")
    assert violation.focus == finding
    assert violation.document == DOCUMENT_ID
    assert finding in report.inconsistency
    hermit = [line for line in report.lines() if line.startswith("HermiT")]
    assert hermit and all(finding in line and DOCUMENT_ID in line for line in hermit)
    assert (
        "ikg:Strength" in report.inconsistency and "ikg:AreaForImprovement" in report.inconsistency
    )


def test_warnings_do_not_break_conformance(valid: Graph) -> None:
    graph = Graph()
    unclassified = URIRef("https://w3id.org/inspection-kg/id/theme/unclassified")
    for s, p, o in valid:
        if p.endswith("#theme"):
            o = unclassified  # matched no trigger phrase: a coverage warning, not an error
        graph.add((s, p, o))
    graph.add((unclassified, RDF.type, URIRef("https://w3id.org/inspection-kg/def#Theme")))
    violations = validate_shacl(graph)
    assert violations and all(not v.is_error for v in violations)
    assert all(v.line().startswith("warning: ") for v in violations)


def test_missing_java_is_a_clear_error(valid: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(KgError, match="HermiT needs a Java runtime") as error:
        check_consistency(valid)
    assert str(error.value) == NO_JAVA


@needs_java
def test_the_seed_graph_validates(seed_store) -> None:
    """Validate every built graph: the five seeds conform to the shapes and are consistent."""
    report = validate(seed_store.to_rdflib())
    assert report.conforms, "\n".join(report.lines())
    assert len(report.classified[str(IKG.MultiAgencyInspection)]) >= 3
