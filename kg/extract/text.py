"""Text units (stage 2, extract): sentences, bullets and numbers of a normalised document. Pure.

The extractor reads a document as a sequence of :class:`Unit` spans: each bullet item is one
unit, and every other line is split into sentences by spaCy's sentencizer (a line break always
ends a sentence). Offsets always slice the document's normalised text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

BULLET = re.compile(r"^[ \t]*(?:[\u2022\u25cf\u25aa\u00b7*\u2013-]|\d{1,2}[.)])[ \t]+")

NUMBER_WORDS = {
    "a single": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}

MONTHS = {
    name: index
    for index, name in enumerate(
        (
            "january february march april may june july august september october november december"
        ).split(),
        start=1,
    )
}


@dataclass(frozen=True)
class Unit:
    """A sentence or a bullet item: ``text == document.text[start:end]``."""

    start: int
    end: int
    text: str
    line: int  # index of the line the unit starts on
    bullet: bool = False


@lru_cache(maxsize=1)
def nlp():
    """spaCy's blank English pipeline with its sentencizer (no model is downloaded).

    ``nlp().make_doc`` tokenises only; calling ``nlp()`` also splits sentences.
    """
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def split_units(text: str) -> list[Unit]:
    """Split ``text`` into units: a bullet line is one unit, other lines are split into sentences.

    >>> [u.text for u in split_units("Intro line. Second one.\\n  \u2022 A bullet. Two sentences.")]
    ['Intro line.', 'Second one.', 'A bullet. Two sentences.']
    """
    units: list[Unit] = []
    offset = 0
    for number, line in enumerate(text.split("\n")):
        if line.strip():
            bullet = BULLET.match(line)
            if bullet:
                start, end = _trim(text, offset + bullet.end(), offset + len(line))
                if end > start:
                    units.append(Unit(start, end, text[start:end], number, True))
            else:
                for sent in nlp()(line).sents:
                    start, end = _trim(text, offset + sent.start_char, offset + sent.end_char)
                    if end > start:
                        units.append(Unit(start, end, text[start:end], number))
        offset += len(line) + 1
    return units


def parse_number(word: str) -> int | None:
    """Read a cardinal written in digits or words.

    >>> parse_number("four"), parse_number("12"), parse_number("many")
    (4, 12, None)
    """
    word = word.strip().lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)
