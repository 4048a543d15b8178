"""Phrase finding (stage 2, extract): spaCy PhraseMatchers over data-driven phrase lists. Pure.

One :class:`PhraseIndex` per vocabulary (reference labels, themes, grades, indicators, cues):
built once per process, it tokenises the text with spaCy's blank English tokenizer and returns
character spans, longest match first, without overlaps. The stages ask many indexes about the
same sentences, so tokens and hits are cached per text (bounded, per process).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from kg.extract.text import nlp as blank_pipeline


@dataclass(frozen=True)
class Hit:
    """A phrase found at ``text[start:end]`` standing for ``key``."""

    start: int
    end: int
    key: str


@lru_cache(maxsize=4096)
def tokens(text: str):
    """``text`` tokenised by the blank pipeline (cached: several indexes read each sentence)."""
    return blank_pipeline().make_doc(text)


class PhraseIndex:
    """Case-insensitive phrase matcher: phrase -> key."""

    def __init__(self, phrases: dict[str, str]) -> None:
        from spacy.matcher import PhraseMatcher

        nlp = blank_pipeline()
        self._matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._keys: dict[str, str] = {}
        by_key: dict[str, list[str]] = {}
        for phrase, key in phrases.items():
            if phrase.strip():
                by_key.setdefault(key, []).append(phrase)
        for key, group in by_key.items():
            self._matcher.add(key, [nlp.make_doc(p) for p in group])
        self._hits = lru_cache(maxsize=4096)(self._find)

    def find(self, text: str, longest: bool = True) -> list[Hit]:
        """Every phrase in ``text``: character spans, non-overlapping (longest wins) by default."""
        return list(self._hits(text, longest))

    def _find(self, text: str, longest: bool) -> tuple[Hit, ...]:
        from spacy.util import filter_spans

        nlp = blank_pipeline()
        doc = tokens(text)
        spans = []
        for match_id, start, end in self._matcher(doc):
            span = doc[start:end]
            span.label_ = nlp.vocab.strings[match_id]
            spans.append(span)
        if longest:
            spans = filter_spans(spans)
        return tuple(
            sorted((Hit(s.start_char, s.end_char, s.label_) for s in spans), key=lambda h: h.start)
        )


@cache
def cue_index(kind: str) -> PhraseIndex:
    """A matcher over the cue phrases of one kind (``kg/data/cues.csv``)."""
    from kg.extract.vocabulary import read_cues

    return PhraseIndex({cue.phrase: cue.value or cue.phrase for cue in read_cues().get(kind, ())})


def has_cue(kind: str, text: str) -> bool:
    """Whether ``text`` contains a cue phrase of ``kind``."""
    return bool(cue_index(kind).find(text))


def first_cue(kind: str, text: str) -> Hit | None:
    """The first cue of ``kind`` in ``text``."""
    hits = cue_index(kind).find(text)
    return hits[0] if hits else None


@lru_cache(maxsize=1)
def theme_index() -> PhraseIndex:
    from kg.extract.vocabulary import read_themes

    return PhraseIndex(read_themes().phrases)


SIX_POINT_SCALES = frozenset({"six-point-scale", "older-six-point-scale"})


@lru_cache(maxsize=8)
def grade_index(scales: frozenset[str] = SIX_POINT_SCALES) -> PhraseIndex:
    """Grade phrases of the given evaluation scales (default: the two six-point scales; the
    effectiveness scale's "effective" is matched only where a programme grades on it)."""
    from kg.extract.vocabulary import read_grades_on

    return PhraseIndex(read_grades_on(scales).phrases)


@lru_cache(maxsize=1)
def indicator_index() -> PhraseIndex:
    from kg.extract.vocabulary import read_indicators

    return PhraseIndex(read_indicators().phrases)
