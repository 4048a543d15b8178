"""The selection layer every page is drawn from: SPARQL rows, selected once per store.

The five analysis selections (``kg.analysis.select_all``: memberships, inspections,
findings, post holdings, quotations) plus what the pages need to cite and group:

- ``documents``: each document's id, title, date, publisher and source address (when the
  graph holds one: ``dcterms:source`` given as a web address, the inspection's
  ``ikg:fullReport``, ``schema:url`` or ``prov:hadPrimarySource``);
- ``inspection_meta``: each inspection's partnership, council area GSS code, kind, year
  (fieldwork start, else publication) and programme (any ``id:programme/KEY`` concept the
  inspection points to, so the page works before and after the programme scheme exists);
- ``themes``: the theme scheme, each theme with its top concept (through ``skos:broader``);
- ``grades``: grade tallies with the grade's scale (``skos:inScheme``; the six-point scale
  when the graph does not say).

Pages never query the store themselves: they take a :class:`ViewSelection`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.analysis import _SPARQL_PREFIXES, Row, Selection, curie, select_all
from kg.query import run_query
from kg.store import Store

ID = "https://w3id.org/inspection-kg/id/"

DOCUMENTS = (
    _SPARQL_PREFIXES
    + """
SELECT ?doc (MIN(STR(?id)) AS ?document) (MIN(STR(?t)) AS ?title) (MIN(STR(?d)) AS ?issued)
       (MIN(STR(?src)) AS ?source) (MIN(STR(?u)) AS ?url) (MIN(STR(?pub)) AS ?publisher)
WHERE {
  ?doc a ikg:Document ; dcterms:identifier ?id .
  OPTIONAL { ?doc dcterms:title ?t }
  OPTIONAL { ?doc dcterms:issued ?d }
  OPTIONAL { ?doc dcterms:source ?src }
  OPTIONAL { ?doc <http://schema.org/url> ?u }
  OPTIONAL { ?doc dcterms:publisher ?publisherIri
             OPTIONAL { ?publisherIri rdfs:label ?pub } }
}
GROUP BY ?doc
"""
)

INSPECTION_META = (
    _SPARQL_PREFIXES
    + """
SELECT ?inspection ?partnership (MIN(STR(?pl)) AS ?partnershipLabel)
       (MIN(STR(?g)) AS ?gss) (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
       (MIN(STR(?start)) AS ?fieldworkStart) (MIN(STR(?docId)) AS ?document)
       (MIN(STR(?issued)) AS ?published) (MIN(STR(?report)) AS ?fullReport)
       (MIN(STR(?primary)) AS ?primarySource)
WHERE {
  ?inspection ikg:inspected ?partnership .
  ?partnership rdfs:label ?pl .
  OPTIONAL { ?inspection a ?type }
  OPTIONAL { ?inspection dcterms:spatial ?area OPTIONAL { ?area ikg:gssCode ?g } }
  OPTIONAL { ?inspection ikg:fieldworkStart ?start }
  OPTIONAL { ?inspection ikg:fullReport ?report }
  OPTIONAL { ?inspection ikg:describedIn ?doc
             OPTIONAL { ?doc dcterms:identifier ?docId }
             OPTIONAL { ?doc dcterms:issued ?issued }
             OPTIONAL { ?doc prov:hadPrimarySource ?primary } }
}
GROUP BY ?inspection ?partnership
"""
)

PROGRAMMES = (
    _SPARQL_PREFIXES
    + f"""
SELECT ?inspection ?programme (MIN(STR(?l)) AS ?programmeLabel)
WHERE {{
  ?inspection ikg:inspected ?partnership .
  ?inspection ?relation ?programme .
  FILTER (isIRI(?programme) && STRSTARTS(STR(?programme), "{ID}programme/"))
  OPTIONAL {{ ?programme skos:prefLabel ?l }}
}}
GROUP BY ?inspection ?programme
"""
)

THEMES = (
    _SPARQL_PREFIXES
    + """
SELECT ?theme (MIN(STR(?l)) AS ?label) (GROUP_CONCAT(DISTINCT STR(?b); separator=" ") AS ?broader)
       (MAX(?top) AS ?isTop)
WHERE {
  ?theme a ikg:Theme .
  OPTIONAL { ?theme skos:prefLabel ?l }
  OPTIONAL { ?theme skos:broader ?b }
  BIND (EXISTS { ?theme skos:topConceptOf ?scheme } AS ?top)
}
GROUP BY ?theme
"""
)

GRADES = (
    _SPARQL_PREFIXES
    + """
SELECT ?inspection ?grade (MIN(STR(?gl)) AS ?gradeLabel) (MIN(STR(?n)) AS ?rank)
       (MIN(STR(?s)) AS ?scale) (SUM(?c) AS ?count)
WHERE {
  ?inspection ikg:gradeCount ?tally .
  ?tally ikg:grade ?grade ; ikg:count ?c .
  OPTIONAL { ?grade skos:prefLabel ?gl }
  OPTIONAL { ?grade skos:notation ?n }
  OPTIONAL { ?grade skos:inScheme ?s }
}
GROUP BY ?inspection ?grade
"""
)

EXTRA = {
    "documents": DOCUMENTS,
    "inspection_meta": INSPECTION_META,
    "programmes": PROGRAMMES,
    "themes": THEMES,
    "grades": GRADES,
}


@dataclass(frozen=True)
class ViewSelection:
    """The analysis selection plus documents, inspection details, themes and grades."""

    base: Selection = field(default_factory=Selection)
    documents: list[Row] = field(default_factory=list)
    inspection_meta: list[Row] = field(default_factory=list)
    programmes: list[Row] = field(default_factory=list)
    themes: list[Row] = field(default_factory=list)
    grades: list[Row] = field(default_factory=list)

    def __getattr__(self, name: str):
        # memberships, findings, ... read through to the analysis selection
        return getattr(self.base, name)


def _sorted(rows: list[Row], *keys: str) -> list[Row]:
    return sorted(rows, key=lambda row: tuple(row.get(k) or "" for k in keys))


def select_views(store: Store, base: Selection | None = None) -> ViewSelection:
    """Run every selection the pages need once (``base`` when already selected)."""
    rows = {name: run_query(store, text).rows for name, text in EXTRA.items()}
    return ViewSelection(
        base=base if base is not None else select_all(store),
        documents=_sorted(rows["documents"], "document"),
        inspection_meta=_sorted(rows["inspection_meta"], "inspection"),
        programmes=_sorted(rows["programmes"], "inspection", "programme"),
        themes=_sorted(rows["themes"], "theme"),
        grades=_sorted(rows["grades"], "inspection", "grade"),
    )


def as_view_selection(store: Store, selection) -> ViewSelection:
    """``selection`` as a :class:`ViewSelection` (selecting what is missing from ``store``)."""
    if isinstance(selection, ViewSelection):
        return selection
    return select_views(store, selection)


# ------------------------------------------------------------------ pure helpers
_YEAR = re.compile(r"(19|20)\d\d")


def year_of(*values: str | None) -> int | None:
    """The first four-digit year found in ``values``.

    >>> year_of(None, "2017-08", "2016")
    2017
    >>> year_of("id:inspection/x/abc") is None
    True
    >>> year_of("id:inspection/x/001-2019ab", "id:inspection/x/2016")
    2016
    """
    for value in values:
        if value and "/" in value:  # an IRI: only a last segment that is a year
            last = value.rstrip("/").rsplit("/", 1)[-1]
            if _YEAR.fullmatch(last):
                return int(last)
            continue
        match = _YEAR.search(value or "")
        if match:
            return int(match.group(0))
    return None


def web_address(*values: str | None) -> str:
    """The first value that is an http(s) address ("" when none is).

    >>> web_address("seeds/a.txt", "https://www.careinspectorate.com/x.pdf")
    'https://www.careinspectorate.com/x.pdf'
    """
    for value in values:
        if value and re.match(r"https?://", value):
            return value
    return ""


def top_concepts(rows: list[Row]) -> dict[str, str]:
    """Each theme's top concept (CURIEs), following ``skos:broader`` upwards.

    A theme with no broader theme is its own top; the first broader (sorted) is followed
    when there are several; a cycle stops where it closes.

    >>> top_concepts([{"theme": "a", "broader": ""}, {"theme": "b", "broader": "a"},
    ...               {"theme": "c", "broader": "b"}])
    {'a': 'a', 'b': 'a', 'c': 'a'}
    """
    parent = {}
    for row in rows:
        broader = sorted((row.get("broader") or "").split())
        parent[curie(row["theme"])] = curie(broader[0]) if broader else None
    tops = {}
    for theme in parent:
        seen, node = {theme}, theme
        while parent.get(node) and parent[node] not in seen and parent[node] in parent:
            node = parent[node]
            seen.add(node)
        tops[theme] = node
    return tops
