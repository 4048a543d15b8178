"""Gazetteer (stage 2, extract): the reference data as a spaCy phrase matcher.

Labels and alternative labels of known bodies come from ``kg/data/organisations.csv``; the
extractor never spells an organisation's name in Python.
"""

from __future__ import annotations

import csv
import re
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


@dataclass(frozen=True)
class BodyChange:
    """One row of ``kg/data/body_changes.csv``: a W3C ORG change event between inspectorates."""

    event: str
    date: str  # ISO 8601 date
    original: tuple[str, ...]  # keys of the bodies before
    resulting: tuple[str, ...]  # keys of the bodies after (a body in both continues)
    label: str
    source: str


@lru_cache(maxsize=1)
def read_body_changes() -> tuple[BodyChange, ...]:
    """Read ``kg/data/body_changes.csv``; a key that is not a known inspectorate is an error."""
    from kg.errors import KgError

    known = {k.entity.key for k in read_reference() if k.entity.kind == "inspectorate"}
    path = data_path("body_changes.csv")
    changes = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            original = tuple(k for k in row["original"].split("|") if k)
            resulting = tuple(k for k in row["resulting"].split("|") if k)
            unknown = sorted(set(original + resulting) - known)
            if unknown:
                raise KgError(f"{path}:{line}: {unknown[0]!r} is not an inspectorate's key")
            if not re.fullmatch(r"\d{4}-\d\d-\d\d", row["date"]) or not row["source"]:
                raise KgError(f"{path}:{line}: a change needs an ISO date and a source")
            event, date, label, source = row["event"], row["date"], row["label"], row["source"]
            changes.append(BodyChange(event, date, original, resulting, label, source))
    return tuple(changes)


@dataclass(frozen=True)
class BodyName:
    """One row of ``kg/data/body_names.csv``: a name a body bore, and when (ISO dates)."""

    key: str
    name: str
    start: str | None
    end: str | None
    source: str


@lru_cache(maxsize=1)
def read_body_names() -> tuple[BodyName, ...]:
    """Read ``kg/data/body_names.csv``; a key that is not an inspectorate's is an error."""
    from kg.errors import KgError

    known = {k.entity.key for k in read_reference() if k.entity.kind == "inspectorate"}
    path = data_path("body_names.csv")
    names = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            if row["key"] not in known or not row["source"]:
                raise KgError(f"{path}:{line}: needs an inspectorate's key and a source")
            start, end = row["from"] or None, row["to"] or None
            names.append(BodyName(row["key"], row["name"], start, end, row["source"]))
    return tuple(names)


def body_lifetimes() -> dict[str, tuple[str | None, str | None]]:
    """Each changed inspectorate's (founding, dissolution) dates from its change events."""
    lifetimes: dict[str, tuple[str | None, str | None]] = {}
    for change in read_body_changes():
        for key in change.resulting:
            if key not in change.original:
                lifetimes[key] = (change.date, lifetimes.get(key, (None, None))[1])
        for key in change.original:
            if key not in change.resulting:
                lifetimes[key] = (lifetimes.get(key, (None, None))[0], change.date)
    return lifetimes


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


@lru_cache(maxsize=1)
def _reference_index():
    from kg.extract.phrases import PhraseIndex

    phrases = {}
    for known in read_reference():
        key = f"{known.entity.kind}|{known.entity.key}"
        for name in (known.entity.label, *known.alt_labels):
            if name:
                phrases.setdefault(name.lower(), key)
    return PhraseIndex(phrases)


def match_entities(text: str) -> list[tuple[int, int, Entity]]:
    """Find known bodies in ``text``: (start, end, entity), longest match wins."""
    index = by_kind_key()
    found = []
    for hit in _reference_index().find(text):
        kind, key = hit.key.split("|", 1)
        found.append((hit.start, hit.end, index[(kind, key)].entity))
    return found


_FUNCTION_WORDS = {"and", "of", "for", "the", "on"}  # lower case inside a name ('Health and Care')
_NAME_WORD = r"(?:[A-Z][\w'\u2019.&-]*|of|and|for|the|it|&)"


@lru_cache(maxsize=1)
def _unknown_pattern() -> re.Pattern[str]:
    from kg.extract.vocabulary import read_cues

    heads = sorted((cue.phrase for cue in read_cues().get("org_head", ())), key=len, reverse=True)
    alternatives = "|".join(
        " ".join(
            w if w in _FUNCTION_WORDS else w[:1].upper() + w[1:] if not w.isupper() else w
            for w in h.split()
        )
        + r"|"
        + re.escape(h.upper())
        for h in heads
    )
    return re.compile(
        rf"\b(?P<name>[A-Z][\w'\u2019&-]*(?:\s+{_NAME_WORD})*?\s+(?:{alternatives}))"
        rf"(?:\s+\((?P<abbr>[A-Z]{{2,6}})\))?(?![\w-])"
    )


@lru_cache(maxsize=1)
def _generic_words() -> frozenset[str]:
    """Words that make no name on their own ('the Community Planning Partnership')."""
    from kg.extract.vocabulary import read_cues

    words = {w for cue in read_cues().get("org_head", ()) for w in cue.phrase.split()}
    return frozenset(words | {"community", "planning", "public", "local", "children's", "joint"})


def org_type(name: str) -> str:
    """The ontology class of an unknown organisation, from its head word (``cues.csv``).

    >>> org_type("West Lothian College"), org_type("Inverclyde Chamber of Commerce")
    ('College', 'BusinessBody')
    """
    from kg.extract.vocabulary import read_cues

    lower = name.lower()
    best = ("", "Organisation")
    for cue in read_cues().get("org_head", ()):
        if re.search(rf"\b{re.escape(cue.phrase)}\b", lower) and len(cue.phrase) > len(best[0]):
            best = (cue.phrase, cue.value or "Organisation")
    return best[1]


def unknown_entity(name: str, kind: str = "agency") -> Entity:
    """An organisation the reference data does not know: keyed by its name without 'The'.

    >>> unknown_entity("the Community council forum").key
    'community-council-forum'
    """
    from kg.namespace import slugify

    name = re.sub(r"^(?:the)\s+", "", name.strip(), flags=re.IGNORECASE)
    name = re.sub(r"\s*\([A-Z]{2,6}\)$", "", name)
    name = name[:1].upper() + name[1:]
    return Entity(kind, slugify(name), name, org_type(name))


_CHARITY_NAME = r"(?:[A-Z][\w'\u2019-]*|\d+\w*)(?:\s+(?:[A-Z][\w'\u2019-]*|\d+\w*|of|on|for|and))*"
_CHARITY = re.compile(
    rf"\b(?:the|a|local)\s+(?:charity|voluntary organisation)\s+(?P<a>{_CHARITY_NAME})"
    rf"|(?P<b>{_CHARITY_NAME}),\s+(?:a|the)\s+(?:local\s+)?(?:charity|voluntary organisation)\b"
)


_OF_BODIES = re.compile(r"\s+of\s+(?:[A-Z][\w'\u2019-]*\s+){0,3}(?P<last>[A-Z][\w'\u2019-]*)\b")


def find_organisations(text: str) -> list[tuple[int, int, Entity]]:
    """Known bodies plus capitalised names ending in an organisation word ('... High School')."""
    known = match_entities(text)
    found = list(known)
    for match in _unknown_pattern().finditer(text):
        start, end = match.span("name")
        if match.group("abbr"):
            end = match.end()
        name = text[start:end]
        first = name.split()[0]
        if first.lower() in {"the", "a", "an", "our", "their", "its", "this", "these", "every"}:
            start += len(first) + 1
            name = text[start:end]
        if " and the " in name:  # "the Partnership and the Chief Officers Group"
            tail = name.rsplit(" and the ", 1)[1]
            start = end - len(tail)
            name = tail
        if " of the " in name:  # "DCI Wilson Gill of the Public Protection Unit"
            tail = name.rsplit(" of the ", 1)[1]
            if len(tail.split()) >= 2:
                start = end - len(tail)
                name = tail
        # 'Edinburgh Association of Community Councils': a body 'of' other bodies
        more = _OF_BODIES.match(text, end)
        if more and more.group("last").lower().rstrip("s") in _generic_words():
            end = more.end()
            name = text[start:end]
        overlapping = [ent for s, e, ent in known if s < end and start < e]
        if len(name.split()) < 2 or any(ent.kind != "area" for ent in overlapping):
            continue
        if all(word.lower() in _generic_words() for word in name.split()):
            continue
        if any(word.lower() in {"inspectorate", "inspectors"} for word in name.split()):
            continue
        # a name that contains an area ('Dundee Health and Social Care Partnership') wins over it
        found = [item for item in found if not (item[0] < end and start < item[1])]
        found.append((start, end, unknown_entity(name, "other")))
    named = [m.span("a" if m.group("a") else "b") for m in _CHARITY.finditer(text)]
    named += _introduced(text)
    for start, end in named:  # "the charity Children 1st", "a project run by Action for Children"
        overlapping = [(s, e, ent) for s, e, ent in found if s < end and start < e]
        if any(
            ent.kind not in ("other", "area", "country") or not (start <= s and e <= end)
            for s, e, ent in overlapping
        ):
            continue  # a known body, or a longer name found already
        # the charity's full name wins over a shorter name inside it ('Tayside Council')
        found = [item for item in found if item not in overlapping]
        found.append((start, end, unknown_entity(text[start:end], "other")))
    return sorted(found, key=lambda item: item[0])


def _introduced(text: str) -> list[tuple[int, int]]:
    """Capitalised names after an ``org_intro`` cue ('a project run by Action for Children')."""
    from kg.extract.phrases import cue_index

    spans = []
    for hit in cue_index("org_intro").find(text):
        name = re.compile(rf"\s+(?:the\s+)?(?P<name>{_CHARITY_NAME})").match(text, hit.end)
        if name and not name.group("name")[0].isdigit():
            spans.append(name.span("name"))
    return spans
