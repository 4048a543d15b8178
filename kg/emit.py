"""Emit (stage 3): :class:`Extraction` records -> RDF, one graph per document. Pure.

Knows nothing of text: it turns records into triples following ``docs/data-model.md``.
Reference data (known bodies, areas, links) becomes the ``reference`` graph.

A document's triples are collected in :class:`Triples` (insertion order, each once) and
written as N-Triples by pyoxigraph: an rdflib ``Graph`` indexes every triple it is given,
which cost as much as extraction itself (8.6 of 21 ms per 1,000-word document).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg import EXTRACTOR_VERSION
from kg.extract.gazetteer import by_kind_key, read_body_changes, read_body_names, read_reference
from kg.extract.records import Entity, Evidence, Extraction
from kg.namespace import IKG, NIF, SCHEMA, SGS, SKOSXL, WD, bind_prefixes, slugify
from kg.namespace import mint_iri as _mint_iri
from kg.resources import resource_dir
from kg.sources import Document

KIND_CLASS = {
    "joint inspection": IKG.JointInspection,
    "progress review": IKG.ProgressReview,
}
POLARITY_CLASS = {"strength": IKG.Strength, "improvement": IKG.AreaForImprovement}
ENTITY_PATH = {"partnership": "partnership", "area": "area", "inspectorate": "inspectorate"}


@lru_cache(maxsize=65536)
def _named(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


# Per document, emission mints the same IRIs (bodies, themes, programmes, the inspection)
# and the same small integers (character offsets, counts) again and again; rdflib's
# Literal casts its value each time and mint_iri slugifies each key. Both are pure.
mint_iri = lru_cache(maxsize=65536)(_mint_iri)


@lru_cache(maxsize=65536)
def _integer(value: int, datatype: URIRef) -> Literal:
    """An integer literal of ``datatype`` (``xsd:nonNegativeInteger`` ...), made once."""
    return Literal(value, datatype=datatype)


def to_oxigraph(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    r"""An rdflib term as the pyoxigraph term with the same lexical form.

    >>> str(to_oxigraph(Literal("2014-06", datatype=XSD.gYearMonth)))
    '"2014-06"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>'
    >>> str(to_oxigraph(Literal('say "hi"', lang="en")))
    '"say \\"hi\\""@en'
    """
    kind = type(term)
    if kind is URIRef or (kind is not Literal and isinstance(term, URIRef)):
        return _named(str(term))
    if kind is Literal or isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=_named(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


class Triples:
    """The triples emitted for one document: insertion order, each once; only ``add``."""

    def __init__(self) -> None:
        self._triples: dict[tuple, None] = {}

    def add(self, triple: tuple) -> None:
        """Add one (subject, predicate, object) of rdflib terms."""
        self._triples[triple] = None

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def to_ntriples(self) -> str:
        """The triples as N-Triples text (pyoxigraph's serialiser)."""
        triples = [ox.Triple(*map(to_oxigraph, triple)) for triple in self._triples]
        return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def entity_iri(entity: Entity) -> URIRef:
    """The IRI of a known or found organisation or area."""
    return mint_iri(ENTITY_PATH.get(entity.kind, "agency"), entity.key)


def document_iri(document_id: str) -> URIRef:
    """The IRI of a source document."""
    return mint_iri("document", document_id)


def _date_literal(value: str) -> Literal:
    """ISO 8601 date or year-month as a typed literal.

    >>> _date_literal("2014-06").datatype.endswith("gYearMonth")
    True
    """
    if len(value) == 7:
        return Literal(value, datatype=XSD.gYearMonth)
    if len(value) == 4:
        return Literal(value, datatype=XSD.gYear)
    return Literal(value, datatype=XSD.date)


def _add_entity(graph: Triples | Graph, entity: Entity) -> URIRef:
    iri = entity_iri(entity)
    graph.add((iri, RDF.type, IKG[entity.type] if entity.type else IKG.Organisation))
    graph.add((iri, RDFS.label, Literal(entity.label)))
    return iri


def _add_evidence(graph: Triples, doc_iri: URIRef, evidence: Evidence) -> URIRef:
    iri = URIRef(f"{doc_iri}#char={evidence.start},{evidence.end}")
    graph.add((iri, RDF.type, NIF.String))
    graph.add((iri, NIF.beginIndex, _integer(evidence.start, XSD.nonNegativeInteger)))
    graph.add((iri, NIF.endIndex, _integer(evidence.end, XSD.nonNegativeInteger)))
    graph.add((iri, NIF.anchorOf, Literal(evidence.text)))
    graph.add((iri, NIF.referenceContext, doc_iri))
    if evidence.page is not None:
        graph.add((iri, IKG.page, _integer(evidence.page, XSD.positiveInteger)))
    return iri


def _fact(graph: Triples, iri: URIRef, cls: URIRef, doc_iri: URIRef, evidence: Evidence) -> URIRef:
    graph.add((iri, RDF.type, cls))
    graph.add((iri, IKG.evidence, _add_evidence(graph, doc_iri, evidence)))
    return iri


def inspection_path(extraction: Extraction) -> tuple[str, ...]:
    """Keys identifying the inspection, the same in every document about it.

    A programme inspects each partnership once, so an inspection with a programme is keyed by
    partnership and programme (``scottish-borders/children-at-risk-of-harm-2021``), a progress
    review by the programme of the inspection it follows up and ``progress-review``: the
    inspectorate's release and the council's page about one inspection share it whatever
    dates each prints. Without a programme: partnership and year (fieldwork, else
    publication), else partnership and document.

    >>> from kg.extract.records import Entity, Extraction, Inspection
    >>> p = Entity("partnership", "moray", "Moray Partnership", "Partnership")
    >>> review = Inspection(p, None, "progress review", None, None, (),
    ...                     programme="adult-support-and-protection-2020")
    >>> inspection_path(Extraction("d", review))
    ('moray', 'adult-support-and-protection-2020', 'progress-review')
    """
    inspection = extraction.inspection
    assert inspection is not None and inspection.partnership is not None
    key = inspection.partnership.key
    if inspection.programme:
        if inspection.kind == "progress review":
            return (key, inspection.programme, "progress-review")
        return (key, inspection.programme)
    when = inspection.fieldwork_start or inspection.published
    return (key, when[:4] if when else slugify(extraction.document_id))


def previous_path(inspection) -> tuple[str, ...]:
    """Keys of the earlier inspection a document refers to: by its programme when known (the
    key its own documents mint), else by the year the text gives."""
    key = inspection.partnership.key
    if inspection.previous_programme:
        return (key, inspection.previous_programme)
    return (key, inspection.previous_year)


def to_graph(document: Document, extraction: Extraction) -> Triples:
    """Turn one document's extraction into its named graph's triples."""
    graph = Triples()
    doc_iri = document_iri(document.id)
    graph.add((doc_iri, RDF.type, IKG.Document))
    graph.add((doc_iri, DCTERMS.identifier, Literal(document.id)))
    graph.add((doc_iri, DCTERMS.title, Literal(document.title)))
    graph.add((doc_iri, DCTERMS.source, Literal(document.path)))
    if document.url:  # the public address, from a sources.csv beside the document
        graph.add((doc_iri, DCTERMS.source, URIRef(document.url)))
    graph.add((doc_iri, DCTERMS["format"], Literal(document.media_type)))
    graph.add((doc_iri, IKG.sha256, Literal(document.sha256)))
    graph.add((doc_iri, NIF.isString, Literal(document.text)))
    inspection = extraction.inspection
    published = inspection.published if inspection else None
    if published:
        graph.add((doc_iri, DCTERMS.issued, _date_literal(published)))

    insp_iri = None
    if inspection is not None and inspection.partnership is not None:
        insp_iri = mint_iri("inspection", *inspection_path(extraction))
        graph.add((insp_iri, RDF.type, KIND_CLASS.get(inspection.kind, IKG.Inspection)))
        graph.add((insp_iri, IKG.inspected, _add_entity(graph, inspection.partnership)))
        graph.add((insp_iri, IKG.describedIn, doc_iri))
        if inspection.area is not None:
            graph.add((insp_iri, DCTERMS.spatial, _add_entity(graph, inspection.area)))
            graph.add((entity_iri(inspection.partnership), IKG.area, entity_iri(inspection.area)))
        if inspection.lead is not None:
            graph.add((insp_iri, IKG.leadInspectorate, _add_entity(graph, inspection.lead)))
        for inspectorate in {inspection.lead, *inspection.inspectorates} - {None}:
            graph.add((insp_iri, IKG.participatingInspectorate, _add_entity(graph, inspectorate)))
        if inspection.programme:
            programme = mint_iri("programme", inspection.programme)
            graph.add((programme, RDF.type, IKG.Programme))
            graph.add((insp_iri, IKG.programme, programme))
        if inspection.subject:
            subject = mint_iri("subject", inspection.subject)
            graph.add((subject, RDF.type, SKOS.Concept))
            graph.add((subject, SKOS.prefLabel, Literal(inspection.subject)))
            graph.add((insp_iri, IKG.servicesFor, subject))
        if inspection.fieldwork_start:
            graph.add((insp_iri, IKG.fieldworkStart, _date_literal(inspection.fieldwork_start)))
        if inspection.fieldwork_end:
            graph.add((insp_iri, IKG.fieldworkEnd, _date_literal(inspection.fieldwork_end)))
        if inspection.previous_year or inspection.previous_programme:
            previous = mint_iri("inspection", *previous_path(inspection))
            # Untyped here: the range of ikg:previousInspection makes it an inspection, and
            # only the document that describes it gives it a lead, a source and a type.
            graph.add((previous, IKG.inspected, entity_iri(inspection.partnership)))
            graph.add((insp_iri, IKG.previousInspection, previous))
        for url in inspection.report_urls:
            graph.add((insp_iri, IKG.fullReport, URIRef(url)))
        if inspection.indicator_count:
            graph.add(
                (
                    insp_iri,
                    IKG.indicatorCount,
                    Literal(inspection.indicator_count, datatype=XSD.positiveInteger),
                )
            )
        for evidence in inspection.evidence:
            graph.add((insp_iri, IKG.evidence, _add_evidence(graph, doc_iri, evidence)))
        path = inspection_path(extraction)
        for tally in extraction.grade_counts:
            iri = _fact(
                graph,
                mint_iri("grade-count", *path, tally.grade),
                IKG.GradeCount,
                doc_iri,
                tally.evidence,
            )
            graph.add((iri, IKG.grade, mint_iri("grade", tally.grade)))
            if tally.scale:
                graph.add((iri, IKG.scale, mint_iri("scheme", tally.scale)))
            graph.add((iri, IKG.count, _integer(tally.count, XSD.positiveInteger)))
            graph.add((insp_iri, IKG.gradeCount, iri))
        for graded in extraction.indicator_grades:
            indicator = mint_iri("indicator", graded.indicator)
            iri = _fact(
                graph,
                mint_iri("evaluation", *path, graded.indicator),
                IKG.Evaluation,
                doc_iri,
                graded.evidence,
            )
            graph.add((indicator, RDF.type, IKG.QualityIndicator))
            graph.add((iri, IKG.indicator, indicator))
            graph.add((iri, IKG.grade, mint_iri("grade", graded.grade)))
            if graded.scale:
                graph.add((iri, IKG.scale, mint_iri("scheme", graded.scale)))
            graph.add((insp_iri, IKG.evaluation, iri))
        for finding in extraction.findings:
            ev = finding.evidence
            iri = _fact(
                graph,
                mint_iri("finding", document.id, f"{ev.start}-{ev.end}"),
                POLARITY_CLASS[finding.polarity],
                doc_iri,
                ev,
            )
            graph.add((iri, RDFS.label, Literal(finding.text)))
            for theme in finding.themes:
                graph.add((iri, IKG.theme, mint_iri("theme", theme)))
            graph.add((insp_iri, IKG.finding, iri))
        for practice in extraction.good_practice:
            iri = _fact(
                graph,
                mint_iri("practice", inspection.partnership.key, practice.name),
                IKG.GoodPracticeExample,
                doc_iri,
                practice.evidence,
            )
            graph.add((iri, RDFS.label, Literal(practice.name)))
            graph.add((iri, DCTERMS.description, Literal(practice.description)))
            for theme in practice.themes:
                graph.add((iri, IKG.theme, mint_iri("theme", theme)))
            graph.add((insp_iri, IKG.finding, iri))
        for amount in extraction.amounts:
            ev = amount.evidence
            iri = _fact(
                graph,
                mint_iri("amount", document.id, f"{ev.start}-{ev.end}"),
                IKG.Amount,
                doc_iri,
                ev,
            )
            graph.add((iri, RDF.value, Literal(str(amount.value), datatype=XSD.decimal)))
            graph.add((iri, IKG.counts, Literal(amount.counts)))
            graph.add((insp_iri, IKG.amount, iri))

    for membership in extraction.memberships:
        partnership = _add_entity(graph, membership.partnership)
        agency = _add_entity(graph, membership.agency)
        iri = _fact(
            graph,
            mint_iri("membership", membership.partnership.key, membership.agency.key),
            ORG.Membership,
            doc_iri,
            membership.evidence,
        )
        graph.add((iri, ORG.organization, partnership))
        graph.add((iri, ORG.member, agency))
        graph.add((partnership, ORG.hasMember, agency))

    spoken: set[URIRef] = set()  # ikg:spokeAs is functional: a quotation's first post only
    for official in extraction.officials:
        person = mint_iri("person", official.name)
        graph.add((person, RDF.type, FOAF.Person))
        graph.add((person, FOAF.name, Literal(official.name)))
        if official.honorific:
            graph.add((person, IKG.honorific, Literal(official.honorific)))
        post = None
        if official.role and official.organisation is not None:
            organisation = _add_entity(graph, official.organisation)
            post = mint_iri("post", official.organisation.key, official.role)
            graph.add((post, RDF.type, ORG.Post))
            graph.add((post, RDFS.label, Literal(official.role)))
            graph.add((post, ORG.postIn, organisation))
            graph.add((post, ORG.heldBy, person))
            graph.add((person, ORG.holds, post))
            holding = _fact(
                graph,
                mint_iri(
                    "holding",
                    official.organisation.key,
                    official.role,
                    official.name,
                    document.id,
                ),
                IKG.PostHolding,
                doc_iri,
                official.evidence,
            )
            graph.add((holding, IKG.post, post))
            graph.add((holding, IKG.holder, person))
            if published:
                graph.add((holding, IKG.asOf, _date_literal(published)))
        if official.quote is not None:
            quote = _add_evidence(graph, doc_iri, official.quote)
            graph.add((quote, RDF.type, IKG.Quotation))
            graph.add((quote, PROV.wasAttributedTo, person))
            graph.add((quote, IKG.evidence, _add_evidence(graph, doc_iri, official.evidence)))
            if post is not None and quote not in spoken:
                graph.add((quote, IKG.spokeAs, post))
                spoken.add(quote)

    for mention in extraction.mentions:
        graph.add((doc_iri, IKG.mentions, _add_entity(graph, mention.entity)))
    return graph


def provenance_graph(document: Document, graph_name: URIRef, when: datetime) -> Triples:
    """The default-graph description of one document's named graph (PROV-O)."""
    graph = Triples()
    graph.add((graph_name, RDF.type, PROV.Entity))
    graph.add((graph_name, PROV.wasDerivedFrom, document_iri(document.id)))
    graph.add((graph_name, IKG.sha256, Literal(document.sha256)))
    graph.add((graph_name, IKG.extractorVersion, Literal(EXTRACTOR_VERSION)))
    graph.add((graph_name, PROV.generatedAtTime, Literal(when, datatype=XSD.dateTime)))
    graph.add((graph_name, DCTERMS.source, Literal(document.path)))
    return graph


def reference_graph() -> Graph:
    """The reference data as RDF: known bodies with types, labels, areas and external links,
    their changes over time (ORG change events), and the programmes of ``programmes.ttl``."""
    graph = bind_prefixes(Graph())
    graph.parse(resource_dir("ontology") / "programmes.ttl", format="turtle")
    _add_body_changes(graph)
    index = by_kind_key()
    for known in read_reference():
        entity = known.entity
        if entity.kind == "country":
            continue
        iri = _add_entity(graph, entity)
        for alt in known.alt_labels:
            graph.add((iri, SKOS.altLabel, Literal(alt)))
        in_area = ("area", known.area) in index
        if known.area and entity.kind in ("partnership", "agency") and in_area:
            graph.add((iri, IKG.area, mint_iri("area", known.area)))
        if known.gss:
            graph.add((iri, IKG.gssCode, Literal(known.gss)))
        if known.stats_gov_scot:
            graph.add((iri, IKG.statsGovScot, URIRef(known.stats_gov_scot)))
        if known.stats_gov_scot and not known.stats_gov_scot.startswith(str(SGS)):
            raise ValueError(f"organisations.csv: {entity.key}: unexpected statistics.gov.scot IRI")
        if known.wikidata:
            graph.add((iri, IKG.wikidata, WD[known.wikidata]))
    return graph


def _add_body_changes(graph: Graph) -> None:
    """``kg/data/body_changes.csv`` as W3C ORG change events, with each body's founding and
    dissolution dates derived from them (a body both original and resulting continues)."""
    index = by_kind_key()
    founded: dict[str, str] = {}
    dissolved: dict[str, str] = {}
    for change in read_body_changes():
        event = mint_iri("change", change.event)
        graph.add((event, RDF.type, ORG.ChangeEvent))
        graph.add((event, RDFS.label, Literal(change.label)))
        graph.add((event, DCTERMS.date, Literal(change.date, datatype=XSD.date)))
        graph.add((event, DCTERMS.source, URIRef(change.source)))
        for key in change.original:
            body = entity_iri(index[("inspectorate", key)].entity)
            graph.add((event, ORG.originalOrganization, body))
            graph.add((body, ORG.changedBy, event))
            if key not in change.resulting:
                dissolved[key] = change.date
        for key in change.resulting:
            body = entity_iri(index[("inspectorate", key)].entity)
            graph.add((event, ORG.resultingOrganization, body))
            graph.add((body, ORG.resultedFrom, event))
            if key not in change.original:
                founded[key] = change.date
    for used in read_body_names():
        body = entity_iri(index[("inspectorate", used.key)].entity)
        label = mint_iri("name", used.key, used.name)
        graph.add((body, SKOSXL.altLabel, label))
        graph.add((label, RDF.type, SKOSXL.Label))
        graph.add((label, SKOSXL.literalForm, Literal(used.name)))
        graph.add((label, DCTERMS.source, URIRef(used.source)))
        if used.start:
            graph.add((label, SCHEMA.startDate, Literal(used.start, datatype=XSD.date)))
        if used.end:
            graph.add((label, SCHEMA.endDate, Literal(used.end, datatype=XSD.date)))
    for key, date in founded.items():
        body = entity_iri(index[("inspectorate", key)].entity)
        graph.add((body, IKG.foundingDate, Literal(date, datatype=XSD.date)))
    for key, date in dissolved.items():
        body = entity_iri(index[("inspectorate", key)].entity)
        graph.add((body, IKG.dissolutionDate, Literal(date, datatype=XSD.date)))
