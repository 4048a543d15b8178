"""Vocabulary (stage 2, extract): the data that drives the rules, read once per process.

- ``kg/data/cues.csv``: cue phrases by kind (subject, lead, members, strength, improvement, ...);
- ``ontology/themes.ttl``: each theme's preferred, alternative and hidden labels as trigger
  phrases, and ``skos:broader``;
- ``ontology/grades.ttl``: grade labels (and plurals) and the quality indicators' labels.

Nothing here is spelled in Python: add a phrase to the data and the extractor finds it.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.errors import KgError
from kg.resources import data_path, resource_dir


@dataclass(frozen=True)
class Cue:
    """One row of ``kg/data/cues.csv``."""

    kind: str
    phrase: str
    value: str


@lru_cache(maxsize=1)
def read_cues() -> dict[str, tuple[Cue, ...]]:
    """Cue phrases grouped by kind, longest first."""
    grouped: dict[str, list[Cue]] = defaultdict(list)
    with data_path("cues.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            grouped[row["kind"]].append(Cue(row["kind"], row["phrase"].lower(), row["value"]))
    return {
        kind: tuple(sorted(cues, key=lambda c: -len(c.phrase))) for kind, cues in grouped.items()
    }


def cue_phrases(kind: str) -> tuple[str, ...]:
    """The phrases of one kind of cue, longest first."""
    return tuple(cue.phrase for cue in read_cues().get(kind, ()))


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Concepts:
    """Trigger phrases of a concept scheme: phrase -> concept key, plus ``broader`` links."""

    phrases: dict[str, str]
    broader: dict[str, frozenset[str]]
    labels: dict[str, str]


def _read_scheme(name: str, kind_filter: str) -> Concepts:
    return read_concepts(resource_dir("ontology") / name, kind_filter)


def read_concepts(path: Path, kind_filter: str) -> Concepts:
    """The concepts of one kind (``theme``, ``grade``, ``indicator``) in a SKOS file.

    A trigger phrase (any label, lower-cased) listed under two concepts is an error naming
    both: the extractor could give it only one of them, and silently picked the first.
    """
    from rdflib import Graph
    from rdflib.namespace import RDF, SKOS

    graph = Graph().parse(path)
    phrases: dict[str, str] = {}
    broader: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        iri = str(concept)
        if f"/{kind_filter}/" not in iri:
            continue
        key = _local(iri)
        for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for label in graph.objects(concept, prop):
                phrase = str(label).lower()
                if phrases.setdefault(phrase, key) != key:
                    raise KgError(
                        f"{path}: trigger phrase {phrase!r} is listed under both "
                        f"{phrases[phrase]} and {key}; keep it under one"
                    )
                if prop == SKOS.prefLabel:
                    labels[key] = str(label)
        for parent in graph.objects(concept, SKOS.broader):
            broader[key].add(_local(str(parent)))
    return Concepts(phrases, {k: frozenset(v) for k, v in broader.items()}, labels)


@lru_cache(maxsize=1)
def read_themes() -> Concepts:
    """The themes of ``ontology/themes.ttl``."""
    return _read_scheme("themes.ttl", "theme")


@lru_cache(maxsize=1)
def read_grades() -> Concepts:
    """The grades of ``ontology/grades.ttl`` with their plurals ("very goods")."""
    grades = _read_scheme("grades.ttl", "grade")
    phrases = dict(grades.phrases)
    for phrase, key in grades.phrases.items():
        phrases.setdefault(phrase + "s", key)
    return Concepts(phrases, grades.broader, grades.labels)


@lru_cache(maxsize=1)
def grade_scales() -> dict[str, frozenset[str]]:
    """Each grade's evaluation scales (keys of ``skos:inScheme``) in ``ontology/grades.ttl``."""
    from rdflib import Graph
    from rdflib.namespace import RDF, SKOS

    from kg.namespace import IKG

    graph = Graph().parse(resource_dir("ontology") / "grades.ttl")
    scales = set(graph.subjects(RDF.type, IKG.EvaluationScale))
    found: dict[str, set[str]] = defaultdict(set)
    for grade, scheme in graph.subject_objects(SKOS.inScheme):
        if scheme in scales:
            found[_local(str(grade))].add(_local(str(scheme)))
    return {grade: frozenset(keys) for grade, keys in found.items()}


@lru_cache(maxsize=8)
def read_grades_on(scales: frozenset[str]) -> Concepts:
    """The grades of the given scales only, with their plurals (a grade index per scale)."""
    grades = read_grades()
    on = grade_scales()
    keep = {key for key, keys in on.items() if keys & scales}
    phrases = {p: k for p, k in grades.phrases.items() if k in keep}
    return Concepts(phrases, grades.broader, {k: v for k, v in grades.labels.items() if k in keep})


@lru_cache(maxsize=1)
def read_indicators() -> Concepts:
    """The quality indicators of ``ontology/grades.ttl``."""
    return _read_scheme("grades.ttl", "indicator")


def ancestors(key: str, concepts: Concepts) -> set[str]:
    """Every broader concept of ``key``, transitively."""
    seen: set[str] = set()
    todo = list(concepts.broader.get(key, ()))
    while todo:
        parent = todo.pop()
        if parent not in seen:
            seen.add(parent)
            todo.extend(concepts.broader.get(parent, ()))
    return seen
