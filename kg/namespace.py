"""Namespaces: the ontology's terms as one closed namespace, instance IRIs, prefixes.

No IRI strings elsewhere in Python: ontology terms come from :class:`IKG` (``_fail = True``
makes a misspelt term an error), standard vocabularies from :mod:`rdflib.namespace`, and
instances from :func:`mint_iri`.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

BASE = "https://w3id.org/inspection-kg/"
ONTOLOGY_IRI = URIRef(BASE + "def")
DATA = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")
NIF = Namespace("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
SGS = Namespace("http://statistics.gov.scot/id/statistical-geography/")
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")


class IKG(DefinedNamespace):
    """Terms of ``ontology/inspection.ttl`` (a test checks both declare the same terms)."""

    _NS = Namespace(BASE + "def#")
    _fail = True

    # classes
    Agency: URIRef
    Amount: URIRef
    AreaForImprovement: URIRef
    BusinessBody: URIRef
    ChiefOfficersGroup: URIRef
    College: URIRef
    CommunityJusticePartnership: URIRef
    Council: URIRef
    CouncilArea: URIRef
    Document: URIRef
    Evaluation: URIRef
    EvaluationScale: URIRef
    Finding: URIRef
    FireAndRescueService: URIRef
    GoodPracticeExample: URIRef
    GovernmentBody: URIRef
    Grade: URIRef
    GradeCount: URIRef
    HealthAndSocialCarePartnership: URIRef
    Inspection: URIRef
    Inspectorate: URIRef
    IntegrationJointBoard: URIRef
    JointInspection: URIRef
    MultiAgencyInspection: URIRef
    NHSBoard: URIRef
    NationalAgency: URIRef
    Organisation: URIRef
    Partnership: URIRef
    PoliceService: URIRef
    PostHolding: URIRef
    PressRelease: URIRef
    Programme: URIRef
    ProgressReview: URIRef
    ProtectionCommittee: URIRef
    QualityIndicator: URIRef
    Quotation: URIRef
    Report: URIRef
    Strength: URIRef
    Theme: URIRef
    ThirdSectorBody: URIRef
    ThirdSectorInterface: URIRef
    # properties
    amount: URIRef
    area: URIRef
    asOf: URIRef
    count: URIRef
    counts: URIRef
    describedIn: URIRef
    dissolutionDate: URIRef
    evaluation: URIRef
    evaluationScale: URIRef
    evidence: URIRef
    extractorVersion: URIRef
    fieldworkEnd: URIRef
    fieldworkStart: URIRef
    finding: URIRef
    foundingDate: URIRef
    fullReport: URIRef
    grade: URIRef
    gradeCount: URIRef
    gssCode: URIRef
    holder: URIRef
    honorific: URIRef
    improvementCount: URIRef
    indicator: URIRef
    indicatorCount: URIRef
    indicatorFramework: URIRef
    inspected: URIRef
    inspectionCount: URIRef
    leadInspectorate: URIRef
    mentions: URIRef
    page: URIRef
    participatingInspectorate: URIRef
    partnershipList: URIRef
    post: URIRef
    previousInspection: URIRef
    programme: URIRef
    programmeInspectorate: URIRef
    scale: URIRef
    servicesFor: URIRef
    sha256: URIRef
    spokeAs: URIRef
    statsGovScot: URIRef
    strengthCount: URIRef
    theme: URIRef
    wikidata: URIRef

PREFIXES = {
    "ikg": IKG._NS,
    "id": DATA,
    "dcterms": DCTERMS,
    "foaf": FOAF,
    "nif": NIF,
    "org": ORG,
    "owl": OWL,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "skos": SKOS,
    "skosxl": SKOSXL,
    "xsd": XSD,
    "wd": WD,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on ``graph`` and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def slugify(text: str) -> str:
    """Return a readable, stable IRI path segment for ``text``.

    >>> slugify("NHS Greater Glasgow & Clyde")
    'nhs-greater-glasgow-and-clyde'
    >>> slugify("Na h-Eileanan Siar")
    'na-h-eileanan-siar'
    >>> slugify("St Columba’s High School")
    'st-columbas-high-school'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("&", " and ").replace("'", "")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "unnamed"


def mint_iri(kind: str, *keys: str) -> URIRef:
    """Mint the instance IRI for a thing of ``kind`` identified by ``keys``.

    Deterministic: the same real-world thing gets the same IRI from every document.

    >>> mint_iri("partnership", "Inverclyde")
    rdflib.term.URIRef('https://w3id.org/inspection-kg/id/partnership/inverclyde')
    """
    return DATA[kind + "/" + "/".join(slugify(key) for key in keys)]


def graph_iri(document_id: str) -> URIRef:
    """Return the named graph that holds one document's facts."""
    return GRAPH[slugify(document_id)]
