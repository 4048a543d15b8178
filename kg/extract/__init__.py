"""Extract (stage 2): a normalised document in, :class:`Extraction` records out. Pure.

The document is read as units (sentences and bullet items, :mod:`kg.extract.text`). Known
bodies are found by a PhraseMatcher over the reference data (:mod:`kg.extract.gazetteer`),
themes, grades and indicators by PhraseMatchers over the ontology's SKOS labels, and the
rules of :mod:`kg.extract.inspection`, :mod:`kg.extract.people`, :mod:`kg.extract.findings`
and :mod:`kg.extract.numbers` turn them into records, each with the span it came from.
"""

from __future__ import annotations

from dataclasses import replace

from kg.extract.findings import extract_findings, extract_good_practice
from kg.extract.gazetteer import find_organisations, match_entities
from kg.extract.inspection import (
    extract_inspection,
    extract_memberships,
    extract_mentions,
    resolve_the_council,
)
from kg.extract.numbers import extract_amounts, extract_effectiveness, extract_grades
from kg.extract.people import extract_officials
from kg.extract.programmes import programme_by_key, scale_of
from kg.extract.records import Extraction
from kg.extract.text import split_units
from kg.sources import Document

__all__ = ["extract", "match_entities"]


def extract(doc: Document) -> Extraction:
    """Extract every fact of one document, each with its evidence span."""
    units = split_units(doc.text)
    organisations = find_organisations(doc.text)
    inspection = extract_inspection(doc, units, organisations)
    partnership = inspection.partnership if inspection else None
    officials = extract_officials(doc, units, organisations)
    officials = resolve_the_council(officials, partnership)
    memberships = extract_memberships(doc, units, organisations, partnership, officials)
    grade_counts, indicator_grades, indicator_count = extract_grades(doc, units)
    programme = programme_by_key().get(inspection.programme) if inspection else None
    if programme is not None and programme.scale == "effectiveness-scale":
        graded = {g.indicator for g in indicator_grades}
        indicator_grades += [
            g for g in extract_effectiveness(doc, units) if g.indicator not in graded
        ]
    grade_counts = [replace(g, scale=g.scale or scale_of(g.grade, programme)) for g in grade_counts]
    indicator_grades = [
        replace(g, scale=g.scale or scale_of(g.grade, programme)) for g in indicator_grades
    ]
    if inspection is not None and indicator_count and not inspection.indicator_count:
        inspection = replace(inspection, indicator_count=indicator_count)
    practice, practice_lines = extract_good_practice(doc, units)
    findings = extract_findings(doc, units, officials, practice_lines, organisations)
    amounts = extract_amounts(doc, units)
    mentions = extract_mentions(doc, units, organisations, inspection, memberships, officials)
    return Extraction(
        document_id=doc.id,
        inspection=inspection,
        memberships=tuple(memberships),
        officials=tuple(officials),
        findings=tuple(findings),
        good_practice=tuple(practice),
        grade_counts=tuple(grade_counts),
        indicator_grades=tuple(indicator_grades),
        amounts=tuple(amounts),
        mentions=tuple(mentions),
    )
