"""Programme rules (stage 2, extract): which inspection programme a document reports on, the
scale its grades are on, and which body a name meant in the inspection's year. Pure.

Driven by ``ontology/programmes.ttl``: each programme's trigger phrases (``skos:hiddenLabel``)
are matched in the text; the family (``skos:broader``) the phrases point to most is chosen,
then, within it, the programme whose years (``schema:startDate``/``schema:endDate``) hold the
inspection's year, else the one the phrases name most. A progress review is dated by the
inspection it follows up. Body names shared by two bodies (``HM Inspectorate of Education``
before 2011 and from 2025) are resolved by the bodies' lifetimes (``kg/data/body_changes.csv``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from kg.extract.gazetteer import body_lifetimes, read_reference
from kg.extract.records import Entity
from kg.resources import resource_dir

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class Programme:
    """One programme of ``ontology/programmes.ttl``."""

    key: str
    label: str
    family: str
    start: int
    end: int | None  # None: still running
    subject: str
    scale: str  # key of the evaluation scale, e.g. "six-point-scale"
    triggers: tuple[str, ...]

    def holds(self, year: int) -> bool:
        """Whether ``year`` lies within the programme's years (an open end runs on)."""
        return self.start <= year and (self.end is None or year <= self.end)


def _local(iri: object) -> str:
    return str(iri).rsplit("/", 1)[-1]


@lru_cache(maxsize=1)
def read_programmes() -> tuple[Programme, ...]:
    """The programmes (leaves with years) of ``ontology/programmes.ttl``, in file order."""
    from rdflib import Graph
    from rdflib.namespace import DCTERMS, SKOS

    from kg.namespace import IKG, SCHEMA

    graph = Graph().parse(resource_dir("ontology") / "programmes.ttl", format="turtle")
    found = []
    for concept in graph.subjects(SCHEMA.startDate, None):
        subject = graph.value(concept, DCTERMS.subject)
        end = graph.value(concept, SCHEMA.endDate)
        found.append(
            Programme(
                key=_local(concept),
                label=str(graph.value(concept, SKOS.prefLabel)),
                family=_local(graph.value(concept, SKOS.broader)),
                start=int(str(graph.value(concept, SCHEMA.startDate))),
                end=int(str(end)) if end is not None else None,
                subject=str(graph.value(subject, SKOS.prefLabel)),
                scale=_local(graph.value(concept, IKG.evaluationScale)),
                triggers=tuple(
                    sorted(str(p).lower() for p in graph.objects(concept, SKOS.hiddenLabel))
                ),
            )
        )
    return tuple(sorted(found, key=lambda p: (p.start, p.key)))


def programme_by_key() -> dict[str, Programme]:
    """The programmes by key."""
    return {p.key: p for p in read_programmes()}


@lru_cache(maxsize=1)
def _trigger_index():
    from kg.extract.phrases import PhraseIndex

    return PhraseIndex({phrase: phrase for p in read_programmes() for phrase in p.triggers})


def year_of(*dates: str | None) -> int | None:
    """The first known year among ``dates`` (ISO 8601).

    >>> year_of(None, "2017-10-31")
    2017
    """
    for date in dates:
        if date:
            return int(date[:4])
    return None


def latest_year(text: str) -> int | None:
    """The latest year ``text`` names (a weak hint: it may be an earlier inspection's).

    >>> latest_year("in 2021 and in June 2023")
    2023
    """
    years = [int(y) for y in _YEAR.findall(text) if 2000 <= int(y) <= 2035]
    return max(years) if years else None


def choose_programme(text: str, year: int | None, hint: int | None = None) -> Programme | None:
    """The programme a text is about, from its trigger phrases and the inspection's year.

    ``year`` (from the inspection's dates) selects among a family's programmes; ``hint`` (a
    year the text names) only breaks ties between equally named ones.

    >>> choose_programme("a joint inspection of adult support and protection", 2022).key
    'adult-support-and-protection-2020'
    >>> choose_programme("services for children and young people", 2019).key
    'children-in-need-of-care-and-protection-2018'
    >>> choose_programme("the weather was fine", 2019) is None
    True
    """
    hits = Counter(hit.key for hit in _trigger_index().find(text.lower().replace("’", "'")))
    if not hits:
        return None
    scores: Counter[str] = Counter()
    for programme in read_programmes():
        for phrase in programme.triggers:
            # a longer phrase says more than a short one it contains
            scores[programme.key] += hits.get(phrase, 0) * len(phrase.split())
    programmes = programme_by_key()
    families: Counter[str] = Counter()
    for key, score in scores.items():
        families[programmes[key].family] = max(families[programmes[key].family], score)
    family = max(families, key=lambda f: families[f])
    members = [p for p in read_programmes() if p.family == family]

    def distance(p: Programme, when: int) -> int:
        if when < p.start:
            return p.start - when
        return when - p.end if p.end is not None and when > p.end else 0

    if year is not None:
        within = [p for p in members if p.holds(year)]
        if within:
            return max(within, key=lambda p: scores[p.key])
        return min(members, key=lambda p: distance(p, year))
    graded = _scale_hits(text)
    return max(
        members,
        key=lambda p: (scores[p.key], graded[p.scale], -distance(p, hint) if hint else 0),
    )


def _scale_hits(text: str) -> Counter[str]:
    """How often the text names a grade of only one scale in words of two or more
    ('very effective', 'important areas of weakness'; not the everyday 'effective')."""
    from kg.extract.phrases import PhraseIndex
    from kg.extract.vocabulary import grade_scales, read_grades

    scales = grade_scales()
    phrases = {
        phrase: next(iter(scales[key]))
        for phrase, key in read_grades().phrases.items()
        if len(scales.get(key, ())) == 1 and len(phrase.split()) >= 2
    }
    return Counter(hit.key for hit in PhraseIndex(phrases).find(text.lower()))


def scale_of(grade: str, programme: Programme | None) -> str:
    """The evaluation scale of ``grade`` in an inspection of ``programme``.

    A grade only one scale has decides it (``satisfactory``, ``adequate``, the effectiveness
    points); a grade the six-point scales share takes the programme's scale.

    >>> older = programme_by_key()["services-to-protect-children-2009"]
    >>> scale_of("satisfactory", None), scale_of("good", older), scale_of("good", None)
    ('older-six-point-scale', 'older-six-point-scale', 'six-point-scale')
    """
    from kg.extract.vocabulary import grade_scales

    scales = grade_scales().get(grade, frozenset())
    if len(scales) == 1:
        return next(iter(scales))
    if programme is not None and programme.scale in scales:
        return programme.scale
    return "six-point-scale" if "six-point-scale" in scales else min(scales, default="")


@lru_cache(maxsize=1)
def _bodies_by_name() -> dict[str, tuple[Entity, ...]]:
    names: dict[str, list[Entity]] = {}
    for known in read_reference():
        if known.entity.kind != "inspectorate":
            continue
        for name in (known.entity.label, *known.alt_labels):
            names.setdefault(name.lower(), []).append(known.entity)
    return {name: tuple(bodies) for name, bodies in names.items()}


def body_in(entity: Entity, name: str, year: int | None) -> Entity:
    """The body that ``name`` (which the gazetteer read as ``entity``) meant in ``year``.

    Two bodies share a name across time ('HM Inspectorate of Education' 2001-2011 and from
    2025): the one alive in ``year`` wins, else the one nearest to it.

    >>> hmie = next(k.entity for k in read_reference() if k.entity.key.endswith("of-education"))
    >>> body_in(hmie, "HM Inspectorate of Education", 2026).key, body_in(hmie, "HMIE", 2026).key
    ('hm-inspectorate-of-education-in-scotland', 'hm-inspectorate-of-education')
    """
    bodies = _bodies_by_name().get(name.lower(), ())
    if year is None or len(bodies) < 2:
        return entity
    lifetimes = body_lifetimes()

    def distance(body: Entity) -> int:
        founded, dissolved = lifetimes.get(body.key, (None, None))
        start = int(founded[:4]) if founded else 0
        end = int(dissolved[:4]) if dissolved else 9999
        return 0 if start <= year <= end else min(abs(start - year), abs(end - year))

    return min(bodies, key=distance)
