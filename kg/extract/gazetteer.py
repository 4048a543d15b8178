"""Gazetteer (stage 2, extract): the reference data as a spaCy phrase matcher.

Labels and alternative labels of known bodies come from ``kg/data/organisations.csv``; the
extractor never spells an organisation's name in Python.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from kg.extract.records import Entity
from kg.resources import data_path


@dataclass(frozen=True)
class Known:
    """One row of the reference data."""

    entity: Entity
    area: str
    alt_labels: tuple[str, ...]
    gss: str
    wikidata: str
    stats_gov_scot: str
    source: str


@lru_cache(maxsize=1)
def read_reference() -> tuple[Known, ...]:
    """Read ``kg/data/organisations.csv`` into :class:`Known` rows."""
    with data_path("organisations.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(
            Known(
                entity=Entity(row["kind"], row["key"], row["label"], row["type"]),
                area=row["area"],
                alt_labels=tuple(a for a in row["alt_labels"].split("|") if a),
                gss=row["gss"],
                wikidata=row["wikidata"],
                stats_gov_scot=row["stats_gov_scot"],
                source=row["source"],
            )
            for row in csv.DictReader(fh)
        )


def by_kind_key() -> dict[tuple[str, str], Known]:
    """Index the reference rows by (kind, key)."""
    return {(k.entity.kind, k.entity.key): k for k in read_reference()}


def match_label(label: str) -> Entity | None:
    """Return the known entity whose label or alternative label is ``label`` (case-insensitive).

    >>> match_label("Job Centre Plus").key
    'jobcentre-plus'
    """
    wanted = " ".join(label.lower().split())
    for known in read_reference():
        names = (known.entity.label, *known.alt_labels)
        if any(" ".join(n.lower().split()) == wanted for n in names):
            return known.entity
    return None
