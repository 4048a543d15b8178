"""Extract (stage 2): a normalised document in, :class:`Extraction` records out. Pure.

A spaCy blank English pipeline (no model download) splits sentences; a PhraseMatcher built
from the reference data finds known bodies; token patterns find who said what.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from kg.extract.gazetteer import by_kind_key, read_reference
from kg.extract.records import Entity, Evidence, Extraction, Inspection, Official
from kg.sources import Document

HONORIFICS = {
    "councillor": "Councillor",
    "cllr": "Councillor",
    "professor": "Professor",
    "prof": "Professor",
    "dr": "Dr",
    "dci": "DCI",
    "di": "DI",
    "ds": "DS",
    "supt": "Superintendent",
    "superintendent": "Superintendent",
    "chief superintendent": "Chief Superintendent",
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
}


@lru_cache(maxsize=1)
def _pipeline():
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for known in read_reference():
        names = {known.entity.label, *known.alt_labels}
        key = f"{known.entity.kind}|{known.entity.key}"
        matcher.add(key, [nlp.make_doc(name) for name in names if name])
    return nlp, matcher


def _sentences(text: str) -> list[tuple[int, int]]:
    """Split into sentences: spaCy's sentencizer inside each line (a line break always ends one)."""
    nlp, _ = _pipeline()
    spans = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            doc = nlp(line)
            for sent in doc.sents:
                start = offset + sent.start_char
                end = offset + sent.end_char
                while end > start and text[end - 1].isspace():
                    end -= 1
                while start < end and text[start].isspace():
                    start += 1
                if end > start:
                    spans.append((start, end))
        offset += len(line) + 1
    return spans


def _evidence(doc: Document, start: int, end: int) -> Evidence:
    return Evidence(start, end, doc.text[start:end], doc.page_of(start))


def _sentence_at(sentences: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    for start, end in sentences:
        if start <= offset < end:
            return start, end
    return offset, offset + 1


def match_entities(text: str) -> list[tuple[int, int, Entity]]:
    """Find known bodies in ``text``: (start, end, entity), longest match wins."""
    from spacy.util import filter_spans

    nlp, matcher = _pipeline()
    spacy_doc = nlp.make_doc(text)
    index = by_kind_key()
    spans = []
    for match_id, start, end in matcher(spacy_doc):
        span = spacy_doc[start:end]
        span.label_ = nlp.vocab.strings[match_id]
        spans.append(span)
    found = []
    for span in filter_spans(spans):
        kind, key = span.label_.split("|", 1)
        found.append((span.start_char, span.end_char, index[(kind, key)].entity))
    return found


_SAID = re.compile(r"\bsaid\s*:?\s*$|\bsaid\s*:", re.IGNORECASE)
_NAME = r"(?:[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+)"
_PERSON = re.compile(
    rf"(?:(?P<hon>Councillor|Cllr|Professor|Prof|Dr|DCI|DI|DS|Mr|Mrs|Ms)\.?\s+)?"
    rf"(?P<name>{_NAME}(?:\s+{_NAME}){{1,2}})"
)


def extract_officials(doc: Document, sentences, entities) -> list[Official]:
    """Find officials quoted as ``NAME, ROLE of ORG said: "..."`` and similar phrasings."""
    officials = []
    text = doc.text
    for start, end in sentences:
        sentence = text[start:end]
        said = _SAID.search(sentence)
        if not said:
            continue
        head = sentence[: said.start()]
        person = None
        for candidate in _PERSON.finditer(head):
            name_start = start + candidate.start("name")
            if any(s <= name_start < e for s, e, _ in entities):
                continue
            person = candidate
            break
        if person is None:
            continue
        name = person.group("name")
        honorific = HONORIFICS.get((person.group("hon") or "").lower())
        orgs = [ent for s, e, ent in entities if start <= s < start + said.start()]
        organisation = orgs[0] if orgs else None
        role = None
        rest = head[person.end() :].strip(" ,")
        role_match = re.match(r"(?P<role>[A-Za-z ]+?)\s+of\s+(?:the\s+)?", rest)
        if role_match:
            role = role_match.group("role").strip().lower()
        else:
            before = head[: person.start()].strip(" ,")
            poss = re.search(r"'s\s+(?P<role>[A-Za-z ]+?)$", before)
            if poss:
                role = poss.group("role").strip().lower()
        quote = _quote_after(doc, start + said.end())
        officials.append(
            Official(
                name=name,
                honorific=honorific,
                role=role,
                organisation=organisation,
                evidence=_evidence(doc, start, end),
                quote=quote,
            )
        )
    return officials


def _quote_after(doc: Document, offset: int) -> Evidence | None:
    """The quotation opening at ``offset``: paragraphs each opened by '"' until one closes it."""
    text = doc.text
    open_at = text.find('"', offset)
    if open_at < 0 or text[offset:open_at].strip():
        return None
    position = open_at + 1
    while True:
        close = text.find('"', position)
        newline = text.find("\n", position)
        if close < 0:
            return None
        if newline != -1 and newline < close:
            nxt = re.compile(r"\n+\s*").match(text, newline)
            following = nxt.end() if nxt else newline + 1
            if following < len(text) and text[following] == '"':
                position = following + 1
                continue
            end = newline
            break
        end = close + 1
        if close + 1 < len(text) and text[close + 1] != "\n":
            position = close + 1
            continue
        break
    return _evidence(doc, open_at, end)


def extract(doc: Document) -> Extraction:
    """Extract the inspection, the inspectorates and the officials from one document."""
    sentences = _sentences(doc.text)
    entities = match_entities(doc.text)
    index = by_kind_key()

    counts = Counter(ent for _, _, ent in entities if ent.kind in ("partnership", "area"))
    partnership = None
    area = None
    for ent, _ in counts.most_common():
        key = ent.key
        partnership = index[("partnership", key)].entity
        area = index[("area", index[("partnership", key)].area)].entity
        break
    inspectorates: list[Entity] = []
    for _, _, ent in entities:
        if ent.kind == "inspectorate" and ent not in inspectorates:
            inspectorates.append(ent)
    lead = None
    for sentence_start, sentence_end in sentences:
        sentence = doc.text[sentence_start:sentence_end]
        if not re.search(r"\bled\b|\bcarried out by\b", sentence):
            continue
        named = [ent for s, _, ent in entities if sentence_start <= s < sentence_end]
        named = [ent for ent in named if ent.kind == "inspectorate"]
        if named:
            lead = named[0]
            break
    if lead is None and inspectorates:
        lead = inspectorates[0]
    lower = doc.text.lower()
    kind = "progress review" if "progress review" in lower else (
        "joint inspection" if "joint inspection" in lower else "inspection"
    )
    evidence = tuple(
        _evidence(doc, *_sentence_at(sentences, s))
        for s, _, ent in entities
        if ent in (partnership,)
    )[:1]
    inspection = (
        Inspection(
            partnership=partnership,
            area=area,
            kind=kind,
            subject="children and young people" if "children" in lower else None,
            lead=lead,
            inspectorates=tuple(inspectorates),
            evidence=evidence,
        )
        if partnership
        else None
    )
    return Extraction(
        document_id=doc.id,
        inspection=inspection,
        officials=tuple(extract_officials(doc, sentences, entities)),
    )
