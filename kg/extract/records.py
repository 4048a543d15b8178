"""Records (stage 2 output): plain frozen dataclasses, each fact carrying its evidence.

Extraction knows nothing of RDF: these records are what ``kg.emit.to_graph`` turns into
triples. Every fact has an :class:`Evidence` whose offsets slice the document's normalised
text to exactly ``Evidence.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Evidence:
    """A sentence (or other span) of the normalised text: ``text == doc.text[start:end]``."""

    start: int
    end: int
    text: str
    page: int | None = None


@dataclass(frozen=True)
class Entity:
    """A known or newly found thing: ``kind`` is ``partnership``, ``agency``, ``inspectorate``,
    ``area``, ``other``; ``key`` its stable slug; ``type`` the ontology class name."""

    kind: str
    key: str
    label: str
    type: str


@dataclass(frozen=True)
class Inspection:
    """The inspection a document reports on."""

    partnership: Entity | None
    area: Entity | None
    kind: str  # "joint inspection" | "progress review" | "inspection"
    subject: str | None  # who the services are for, e.g. "children and young people"
    lead: Entity | None
    inspectorates: tuple[Entity, ...]
    fieldwork_start: str | None = None  # ISO 8601: 2014-06 or 2017-08-01
    fieldwork_end: str | None = None
    published: str | None = None  # ISO 8601 date
    previous_year: str | None = None  # year of an earlier inspection mentioned
    report_urls: tuple[str, ...] = ()
    indicator_count: int | None = None
    evidence: tuple[Evidence, ...] = ()
    programme: str | None = None  # a key of ontology/programmes.ttl (id/programme/KEY)
    previous_programme: str | None = None  # the programme of the earlier inspection referred to


@dataclass(frozen=True)
class Membership:
    """An agency named as a member of (or partner in) a partnership."""

    partnership: Entity
    agency: Entity
    evidence: Evidence


@dataclass(frozen=True)
class Official:
    """A person the document names with a post, and the words it attributes to them."""

    name: str
    honorific: str | None
    role: str | None
    organisation: Entity | None
    evidence: Evidence
    quote: Evidence | None = None


@dataclass(frozen=True)
class Finding:
    """A strength or an area for improvement, with the themes it is about."""

    polarity: str  # "strength" | "improvement"
    text: str
    themes: tuple[str, ...]  # theme keys from ontology/themes.ttl
    evidence: Evidence


@dataclass(frozen=True)
class GoodPractice:
    """A named good-practice example and its description."""

    name: str
    description: str
    themes: tuple[str, ...]
    evidence: Evidence


@dataclass(frozen=True)
class GradeCount:
    """``count`` indicators were graded ``grade`` (a key of the grade scale, e.g. ``very-good``)."""

    grade: str
    count: int
    evidence: Evidence
    scale: str | None = None  # key of the evaluation scale (id/scheme/KEY), e.g. "six-point-scale"


@dataclass(frozen=True)
class IndicatorGrade:
    """A named quality indicator and its grade."""

    indicator: str
    grade: str
    evidence: Evidence
    scale: str | None = None  # key of the evaluation scale, e.g. "effectiveness-scale"


@dataclass(frozen=True)
class Amount:
    """A number the document reports and what it counts."""

    value: float
    counts: str
    evidence: Evidence


@dataclass(frozen=True)
class Mention:
    """An organisation named in the document without being a member."""

    entity: Entity
    evidence: Evidence


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document."""

    document_id: str
    inspection: Inspection | None
    memberships: tuple[Membership, ...] = ()
    officials: tuple[Official, ...] = ()
    findings: tuple[Finding, ...] = ()
    good_practice: tuple[GoodPractice, ...] = ()
    grade_counts: tuple[GradeCount, ...] = ()
    indicator_grades: tuple[IndicatorGrade, ...] = ()
    amounts: tuple[Amount, ...] = ()
    mentions: tuple[Mention, ...] = ()
    notes: tuple[str, ...] = field(default=())
