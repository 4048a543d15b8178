"""Link (stage 9): the shipped reference data as SSSOM mapping rows, evidence-carrying links.

Each known area, partnership, council, NHS board, inspectorate or national body in
``kg/data/organisations.csv`` that carries an external identifier becomes one
``skos:exactMatch`` row per identifier: a Wikidata item (the CSV holds verified QIDs only) and
a statistics.gov.scot statistical geography. Rows say why (``semapv:ManualMappingCuration``),
how sure (``confidence``) and where the identifier was seen (``source``), as SSSOM asks,
instead of bare ``owl:sameAs`` triples. :func:`write_sssom` writes them as ``.sssom.tsv``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from kg import __version__
from kg.emit import entity_iri
from kg.extract.gazetteer import Known, read_reference
from kg.namespace import DATA, SGS, WD

PREDICATE = "skos:exactMatch"
JUSTIFICATION = "semapv:ManualMappingCuration"
MAPPING_SET_ID = "https://w3id.org/inspection-kg/mappings/organisations.sssom.tsv"
LICENSE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CURIE_MAP = {
    "id": str(DATA),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "wikidata": str(WD),
    "sgs": str(SGS),
}
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "mapping_justification",
    "confidence",
    "comment",
)
# statistics.gov.scot geographies come from official GSS registers; Wikidata QIDs were checked
# against Wikidata-derived exports or volunteer-curated WhatDoTheyKnow tags.
CONFIDENCE = {"sgs": 1.0, "wikidata": 0.9}
_QID = re.compile(r"^Q[1-9][0-9]*$")
_GSS = re.compile(r"^S[0-9]{8}$")


@dataclass(frozen=True)
class Link:
    """One SSSOM mapping row: a thing of the graph matched to an external identifier."""

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    mapping_justification: str
    confidence: float
    source: str


def to_curie(iri: str) -> str:
    """Compact ``iri`` with :data:`CURIE_MAP` (longest namespace first); unchanged if none fits.

    >>> to_curie("https://w3id.org/inspection-kg/id/area/inverclyde")
    'id:area/inverclyde'
    >>> to_curie("http://statistics.gov.scot/id/statistical-geography/S12000018")
    'sgs:S12000018'
    """
    for prefix, namespace in sorted(CURIE_MAP.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def to_links(known: Known) -> list[Link]:
    """The links of one reference row: its Wikidata item and statistics.gov.scot geography."""
    if known.entity.kind == "country":  # not a node of the graph (see kg.emit.reference_graph)
        return []
    subject = to_curie(str(entity_iri(known.entity)))
    links = []
    if known.wikidata and _QID.match(known.wikidata):
        links.append(_link(known, subject, f"wikidata:{known.wikidata}", CONFIDENCE["wikidata"]))
    geography = known.stats_gov_scot
    if geography.startswith(str(SGS)) and _GSS.match(geography[len(str(SGS)) :]):
        links.append(_link(known, subject, to_curie(geography), CONFIDENCE["sgs"]))
    return links


def _link(known: Known, subject: str, obj: str, confidence: float) -> Link:
    return Link(
        subject_id=subject,
        subject_label=known.entity.label,
        predicate_id=PREDICATE,
        object_id=obj,
        mapping_justification=JUSTIFICATION,
        confidence=confidence,
        source=known.source,
    )


def select_links(reference: tuple[Known, ...] | None = None) -> list[Link]:
    """Every link of the reference data (default: the shipped ``organisations.csv``), sorted."""
    rows = read_reference() if reference is None else reference
    links = {link for known in rows for link in to_links(known)}
    return sorted(links, key=lambda link: (link.subject_id, link.object_id))


def to_sssom_tsv(links: list[Link]) -> str:
    """Serialise ``links`` as SSSOM/TSV text: a ``#`` YAML metadata block, then the table."""
    lines = ["#curie_map:"]
    lines += [f"#  {prefix}: {_yaml(namespace)}" for prefix, namespace in CURIE_MAP.items()]
    lines += [
        f"#mapping_set_id: {_yaml(MAPPING_SET_ID)}",
        f"#mapping_set_version: {_yaml(__version__)}",
        "#mapping_set_description: "
        + _yaml("inspection-kg reference data linked to Wikidata and statistics.gov.scot"),
        f"#license: {_yaml(LICENSE)}",
        "\t".join(COLUMNS),
    ]
    for link in links:
        cells = (
            link.subject_id,
            link.subject_label,
            link.predicate_id,
            link.object_id,
            link.mapping_justification,
            f"{link.confidence:g}",
            f"source: {link.source}" if link.source else "",
        )
        lines.append("\t".join(_cell(value) for value in cells))
    return "\n".join(lines) + "\n"


def write_sssom(links: list[Link], path: Path) -> Path:
    """Write ``links`` to ``path`` as an SSSOM/TSV file (``.sssom.tsv``) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_sssom_tsv(links), encoding="utf-8", newline="")
    return path


def read_sssom(path: Path) -> tuple[dict[str, object], list[dict[str, str]]]:
    """Read an SSSOM/TSV file written by :func:`write_sssom`: its metadata and its rows.

    The metadata block is the flat YAML this module writes: top-level ``key: value`` lines and
    the one nested mapping, ``curie_map``.
    """
    metadata: dict[str, object] = {}
    table: list[str] = []
    nested: dict[str, str] | None = None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            if line:
                table.append(line)
            continue
        key, sep, value = line[1:].partition(":")
        if not sep:
            continue
        value = value.strip()
        if key.startswith(" ") and nested is not None:
            nested[key.strip()] = _unquote(value)
        elif value:
            metadata[key], nested = _unquote(value), None
        else:
            nested = {}
            metadata[key] = nested
    return metadata, list(csv.DictReader(table, delimiter="\t", quoting=csv.QUOTE_NONE))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (enough for IRIs and short prose)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cell(value: str) -> str:
    """A TSV cell: tabs and newlines would break the row, so they become spaces."""
    return re.sub(r"[\t\r\n]+", " ", value)
