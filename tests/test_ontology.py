"""The ontology files themselves: they parse, agree with ``kg.namespace.IKG``, are documented,
load into owlready2, are consistent for HermiT, and the schemes have the promised shape."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from kg.namespace import DATA, IKG, slugify
from kg.reason import load_ontology_graph

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
OWN = str(IKG._NS)
TERM_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
)


@pytest.fixture(scope="module")
def tbox() -> Graph:
    return Graph().parse(ONTOLOGY / "inspection.ttl")


@pytest.fixture(scope="module")
def themes() -> Graph:
    return Graph().parse(ONTOLOGY / "themes.ttl")


@pytest.fixture(scope="module")
def grades() -> Graph:
    return Graph().parse(ONTOLOGY / "grades.ttl")


def own_terms(graph: Graph) -> set[URIRef]:
    """IRIs in the ontology namespace declared as a class or property."""
    return {
        term
        for kind in TERM_TYPES
        for term in graph.subjects(RDF.type, kind)
        if isinstance(term, URIRef) and str(term).startswith(OWN)
    }


@pytest.mark.parametrize(
    "name", ["inspection.ttl", "themes.ttl", "grades.ttl", "shapes.ttl", "programmes.ttl"]
)
def test_ontology_file_parses(name: str) -> None:
    graph = Graph().parse(ONTOLOGY / name)
    assert len(graph) > 20


def test_namespace_class_declares_exactly_the_own_terms(tbox: Graph) -> None:
    declared = {name for name in IKG.__annotations__ if not name.startswith("_")}
    in_ontology = {str(term)[len(OWN) :] for term in own_terms(tbox)}
    assert declared == in_ontology, (
        f"only in kg/namespace.py: {sorted(declared - in_ontology)}; "
        f"only in inspection.ttl: {sorted(in_ontology - declared)}"
    )


def test_namespace_class_is_sorted_within_classes_and_properties() -> None:
    names = [name for name in IKG.__annotations__ if not name.startswith("_")]
    classes = [n for n in names if n[0].isupper()]
    properties = [n for n in names if n[0].islower()]
    assert names == classes + properties
    assert classes == sorted(classes) and properties == sorted(properties)


def test_no_term_is_used_but_undeclared(tbox: Graph) -> None:
    used = {
        node
        for triple in tbox
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(OWN)
    }
    assert used <= own_terms(tbox), sorted(used - own_terms(tbox))


def test_every_own_term_has_label_and_definition(tbox: Graph) -> None:
    missing = [
        str(term)
        for term in sorted(own_terms(tbox))
        if tbox.value(term, RDFS.label) is None or tbox.value(term, SKOS.definition) is None
    ]
    assert missing == []


def test_defined_class_is_an_inspection_with_two_inspectorates(tbox: Graph) -> None:
    definition = tbox.value(IKG.MultiAgencyInspection, OWL.equivalentClass)
    assert definition is not None
    restriction = next(tbox.subjects(OWL.onProperty, IKG.participatingInspectorate))
    assert tbox.value(restriction, OWL.minQualifiedCardinality) == Literal(
        2, datatype=XSD.nonNegativeInteger
    )
    assert tbox.value(restriction, OWL.onClass) == IKG.Inspectorate


def test_strength_and_area_for_improvement_are_disjoint(tbox: Graph) -> None:
    assert (IKG.Strength, OWL.disjointWith, IKG.AreaForImprovement) in tbox
    assert (IKG.Inspection, OWL.disjointWith, IKG.Document) in tbox


def _owlready_world(graph: Graph):
    owlready2 = pytest.importorskip("owlready2")
    with tempfile.NamedTemporaryFile(suffix=".nt", delete=False) as stream:
        stream.write(graph.serialize(format="nt", encoding="utf-8"))
    world = owlready2.World()
    onto = world.get_ontology(Path(stream.name).as_uri()).load(format="ntriples")
    Path(stream.name).unlink()
    return owlready2, world, onto


def test_owlready2_loads_the_ontology(tbox: Graph) -> None:
    _owlready2, world, _onto = _owlready_world(tbox)
    assert world[str(IKG.Inspection)] is not None
    assert world[str(IKG.MultiAgencyInspection)] is not None
    assert world[str(IKG.leadInspectorate)] is not None
    assert len(list(world.classes())) >= 40


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs a Java runtime")
def test_hermit_finds_the_ontology_consistent_and_every_class_satisfiable() -> None:
    owlready2, world, onto = _owlready_world(load_ontology_graph())
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []
    # the reasoner also sees the told subclass: every joint inspection is multi-agency
    joint = world[str(IKG.JointInspection)]
    assert world[str(IKG.MultiAgencyInspection)] in joint.ancestors()


def test_grade_scheme_has_six_ordered_notations(grades: Graph) -> None:
    scheme = DATA["scheme/six-point-scale"]
    members = sorted(grades.subjects(SKOS.inScheme, scheme))
    notations = {grades.value(grade, SKOS.notation): grade for grade in members}
    assert sorted(n.toPython() for n in notations) == [1, 2, 3, 4, 5, 6]
    assert all(n.datatype == XSD.integer for n in notations)
    labels = [
        str(grades.value(notations[n], SKOS.prefLabel))
        for n in sorted(notations, key=lambda n: n.toPython())
    ]
    assert labels == ["unsatisfactory", "weak", "adequate", "good", "very good", "excellent"]
    for grade in members:
        assert (grade, RDF.type, IKG.Grade) in grades
        assert (grade, RDF.type, SKOS.Concept) in grades
        assert grades.value(grade, SKOS.definition) is not None
        assert grade == DATA["grade/" + slugify(str(grades.value(grade, SKOS.prefLabel)))]


@pytest.mark.parametrize(
    ("scheme", "labels"),
    [
        (
            "older-six-point-scale",
            ["unsatisfactory", "weak", "satisfactory", "good", "very good", "excellent"],
        ),
        (
            "effectiveness-scale",
            [
                "important areas of weakness",
                "effective with areas for improvement",
                "effective",
                "very effective",
            ],
        ),
    ],
)
def test_every_scale_is_an_ordered_scheme(grades: Graph, scheme: str, labels: list[str]) -> None:
    """The older scale holds its own 'satisfactory' (not 'adequate'); every scale's grades are
    ordered by integer notations 1..n and the scheme is typed an evaluation scale."""
    iri = DATA["scheme/" + scheme]
    assert (iri, RDF.type, IKG.EvaluationScale) in grades
    members = list(grades.subjects(SKOS.inScheme, iri))
    ordered = sorted(members, key=lambda g: grades.value(g, SKOS.notation).toPython())
    assert [str(grades.value(g, SKOS.prefLabel)) for g in ordered] == labels
    notations = [grades.value(g, SKOS.notation).toPython() for g in ordered]
    assert notations == list(range(1, len(labels) + 1))


def test_satisfactory_is_the_older_adequate(grades: Graph) -> None:
    satisfactory = DATA["grade/satisfactory"]
    assert grades.value(satisfactory, SKOS.notation).toPython() == 3
    assert (satisfactory, SKOS.closeMatch, DATA["grade/adequate"]) in grades


def test_quality_indicators_are_slugged_concepts(grades: Graph) -> None:
    schemes = {
        DATA["scheme/quality-indicators"],
        DATA["scheme/adult-support-and-protection-indicators"],
    }
    indicators = set(grades.subjects(RDF.type, IKG.QualityIndicator))
    assert len(indicators) >= 13
    for indicator in indicators:
        label = grades.value(indicator, SKOS.prefLabel)
        assert indicator == DATA["indicator/" + slugify(str(label))]
        assert set(grades.objects(indicator, SKOS.inScheme)) & schemes
        assert (indicator, RDF.type, SKOS.Concept) in grades
    participation = "participation of children, young people, families and other stakeholders"
    assert DATA["indicator/" + slugify(participation)] in indicators


def test_inspectorates_are_declared_different(grades: Graph) -> None:
    node = next(grades.subjects(RDF.type, OWL.AllDifferent))
    members = set(grades.items(grades.value(node, OWL.distinctMembers)))
    assert DATA["inspectorate/care-inspectorate"] in members
    assert DATA["inspectorate/hm-inspectorate-of-education"] in members
    assert len(members) == 8


def trigger_phrases(themes: Graph, theme: URIRef) -> set[str]:
    return {
        str(p) for prop in (SKOS.altLabel, SKOS.hiddenLabel) for p in themes.objects(theme, prop)
    }


def test_every_theme_has_a_label_and_trigger_phrases(themes: Graph) -> None:
    scheme = DATA["scheme/themes"]
    all_themes = set(themes.subjects(RDF.type, IKG.Theme))
    assert len(all_themes) >= 20
    for theme in all_themes:
        assert str(theme).startswith(str(DATA["theme/"]))
        assert (theme, RDF.type, SKOS.Concept) in themes
        assert (theme, SKOS.inScheme, scheme) in themes
        assert themes.value(theme, SKOS.prefLabel) is not None, theme
        assert themes.value(theme, SKOS.definition) is not None, theme
        phrases = trigger_phrases(themes, theme)
        if theme == DATA["theme/unclassified"]:  # the catch-all has no phrases by design
            assert not phrases
            continue
        assert len(phrases) >= 2, theme
        assert all(phrase == phrase.lower() for phrase in phrases), theme


def test_themes_form_a_hierarchy_under_a_few_top_concepts(themes: Graph) -> None:
    scheme = DATA["scheme/themes"]
    tops = set(themes.objects(scheme, SKOS.hasTopConcept))
    assert 3 <= len(tops) <= 8
    for theme in themes.subjects(RDF.type, IKG.Theme):
        if theme == DATA["theme/unclassified"]:  # the catch-all stands outside the hierarchy
            continue
        seen = set()
        node = theme
        while node not in tops:  # every theme reaches a top concept, without cycles
            assert node not in seen, theme
            seen.add(node)
            node = themes.value(node, SKOS.broader)
            assert node is not None, f"{theme} does not reach a top concept"


@pytest.mark.parametrize(
    ("key", "phrases"),
    [
        ("care-leavers", {"throughcare", "aftercare", "care leavers", "leaving care"}),
        ("quality-assurance", {"quality assurance"}),
        ("joint-self-evaluation", {"joint self-evaluation"}),
        ("poverty", {"child poverty", "deprivation", "attainment gap"}),
        ("girfec", {"getting it right for every child", "wellbeing indicators"}),
        ("child-protection-and-risk", {"joint risk assessment", "neglect", "public protection"}),
        ("risk-assessment-and-planning", {"risk assessment", "protection plans"}),
        ("participation", {"voice", "views", "listening to"}),
        ("looked-after-children", {"corporate parenting"}),
        ("use-of-data", {"analysis of data", "needs assessment", "benchmarks"}),
        ("leadership", {"collaborative leadership", "chief officers", "oversight"}),
        ("nurture-and-trauma-informed-practice", {"trauma-informed practice"}),
        ("parenting", {"parenting skills", "parenting support"}),
        ("mental-health", {"mental health"}),
        ("joint-planning", {"children's services plan", "improvement plan"}),
        ("partnership-working", {"joint working", "collaborative working", "working together"}),
        ("staff-and-workforce", {"training", "staff confidence"}),
        ("health", {"health visitors", "new born babies", "pre-birth", "pregnant"}),
        ("education-and-attainment", {"schools", "attainment", "literacy", "numeracy"}),
        ("outcomes-for-children", {"life chances", "outcomes gaps"}),
        ("early-intervention-and-prevention", {"early intervention", "prevention"}),
    ],
)
def test_theme_has_its_trigger_phrases(themes: Graph, key: str, phrases: set[str]) -> None:
    theme = DATA["theme/" + key]
    labels = trigger_phrases(themes, theme) | {str(themes.value(theme, SKOS.prefLabel))}
    assert phrases <= labels, sorted(phrases - labels)


def test_trigger_phrases_occur_in_the_seeds(themes: Graph) -> None:
    text = " ".join(path.read_text(encoding="utf-8") for path in (ROOT / "seeds").glob("*.txt"))
    text = text.lower().replace("’", "'")
    hit = {
        theme
        for theme in themes.subjects(RDF.type, IKG.Theme)
        if any(phrase in text for phrase in trigger_phrases(themes, theme))
    }
    # the seeds are five short press releases: most themes must still be recognisable in them
    assert len(hit) >= 18


@pytest.mark.parametrize(
    ("name", "kind"),
    [("themes.ttl", "theme"), ("grades.ttl", "grade"), ("grades.ttl", "indicator")],
)
def test_no_trigger_phrase_belongs_to_two_concepts(name: str, kind: str, tmp_path: Path) -> None:
    """The shipped schemes load (each trigger phrase under one concept); a phrase added to a
    second concept is one error naming the file, the phrase and both concepts."""
    from kg.errors import KgError
    from kg.extract.vocabulary import read_concepts
    from kg.resources import resource_dir

    source = resource_dir("ontology") / name
    concepts = read_concepts(source, kind)
    assert concepts.phrases
    phrase, first = next(iter(concepts.phrases.items()))
    other = next(key for key in concepts.labels if key != first)
    copy = tmp_path / name
    copy.write_text(
        source.read_text(encoding="utf-8")
        + f'\n<{DATA}{kind}/{other}> <{SKOS.hiddenLabel}> "{phrase.upper()}" .\n',
        encoding="utf-8",
    )
    with pytest.raises(KgError) as error:
        read_concepts(copy, kind)
    message = str(error.value)
    assert message.startswith(f"{copy}: trigger phrase {phrase!r}")
    assert first in message and other in message and "\n" not in message


def test_programmes_carry_the_spec_keys_with_years_subject_framework_scale_and_bodies() -> None:
    """Every programme key of the shared specification is a concept of id:scheme/programmes
    with its years, subject, framework, scale and participating inspectorates."""
    from rdflib.namespace import DCTERMS

    from kg.namespace import SCHEMA

    graph = Graph().parse(ONTOLOGY / "programmes.ttl")
    graph += Graph().parse(ONTOLOGY / "grades.ttl")
    keys = {
        "services-to-protect-children-2005": ("2005", "children and young people"),
        "services-to-protect-children-2009": ("2009", "children and young people"),
        "services-for-children-and-young-people-2012": ("2012", "children and young people"),
        "children-in-need-of-care-and-protection-2018": (
            "2018",
            "children in need of care and protection",
        ),
        "children-at-risk-of-harm-2021": ("2021", "children at risk of harm"),
        "compulsory-supervision-orders-at-home-2024": (
            "2024",
            "children on compulsory supervision orders at home",
        ),
        "adult-support-and-protection-2017": ("2017", "adult support and protection"),
        "adult-support-and-protection-2020": ("2020", "adult support and protection"),
        "adult-support-and-protection-2023": ("2023", "adult support and protection"),
        "services-for-older-people-2012": ("2012", "older people"),
        "adult-services-2017": ("2017", "adults"),
        "justice-social-work-2018": ("2018", "justice social work"),
    }
    for key, (start, subject) in keys.items():
        programme = DATA["programme/" + key]
        assert (programme, RDF.type, IKG.Programme) in graph, key
        assert (programme, SKOS.inScheme, DATA["scheme/programmes"]) in graph
        assert str(graph.value(programme, SCHEMA.startDate)) == start
        assert str(graph.value(graph.value(programme, DCTERMS.subject), SKOS.prefLabel)) == subject
        scale = graph.value(programme, IKG.evaluationScale)
        assert (scale, RDF.type, IKG.EvaluationScale) in graph, key
        assert graph.value(programme, IKG.indicatorFramework) is not None
        assert len(set(graph.objects(programme, IKG.programmeInspectorate))) >= 1
    scale = graph.value(DATA["programme/adult-support-and-protection-2020"], IKG.evaluationScale)
    assert scale == DATA["scheme/effectiveness-scale"]
