"""Number rules (stage 2, extract): grade tallies, graded indicators, indicator counts, amounts.

Grades and indicators are found by PhraseMatchers over ``ontology/grades.ttl``; a tally is the
cardinal (in digits or words) that comes before a grade in a grading sentence with no other
number or grade between them ("four 'very goods'", "one was found to be 'very good'",
"graded two as 'excellent' with a further five found to be 'very good'"). Pure.
"""

from __future__ import annotations

import re
from functools import cache

from kg.extract.phrases import cue_index, grade_index, indicator_index
from kg.extract.records import Amount, Evidence, GradeCount, IndicatorGrade
from kg.extract.text import MONTHS, NUMBER_WORDS, Unit, parse_number
from kg.extract.vocabulary import cue_phrases, read_indicators
from kg.sources import Document

_NUMBER = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_OF_TOTAL = re.compile(
    r"\b(?P<n>\d+|[a-z]+)\s+(?:out\s+)?of\s+(?:the\s+)?(?P<total>\d+|[a-z]+)\s+(?:quality\s+)?indicators\b",
    re.IGNORECASE,
)
_INDICATOR_COUNT = re.compile(
    r"\b(?P<total>\d+|[a-z]+)\s+(?:of\s+the\s+)?(?:key\s+)?(?:quality\s+)?indicators\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"'([^']{8,140})'|\"([^\"]{8,140})\"")


def _evidence(doc: Document, start: int, end: int) -> Evidence:
    return Evidence(start, end, doc.text[start:end], doc.page_of(start))


def _is_grading(unit: Unit) -> bool:
    if cue_index("grading").find(unit.text) or "'" in unit.text:
        return True
    # a grade in quotation marks: 'is "very good"'
    return any(unit.text[hit.start - 1 : hit.start] == '"' for hit in grade_index().find(unit.text))


# 'a published quality indicator framework focusing on 6 key areas'
_KEY_AREAS = re.compile(r"\b(?P<total>\d+|[a-z]+)\s+key\s+areas\b", re.IGNORECASE)
# a contents list: 'Appendix 1 Quality indicators 20'
_NUMBERED = re.compile(r"\b(?:appendix|annex|section|chapter|part|table)\s*$", re.IGNORECASE)


def _indicator_total(lower: str) -> int | None:
    """The number of indicators a sentence gives ('across nine quality indicators')."""
    for pattern in (_OF_TOTAL, _INDICATOR_COUNT):
        for total in pattern.finditer(lower):
            if _NUMBERED.search(lower[: total.start()]):
                continue
            value = parse_number(total.group("total"))
            if value and value > 1:
                return value
    if "indicator" in lower:
        total = _KEY_AREAS.search(lower)
        if total and (value := parse_number(total.group("total"))) and value > 1:
            return value
    return None


_TALLY_AFTER = re.compile(
    r"[*_'\"\u2019]*\s+(?:for|in|across)\s+(?:the\s+)?(?:remaining\s+|other\s+)?"
    r"(?P<n>\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b"
    r"(?!\s+(?:per\s*cent|%))",
    re.IGNORECASE,
)


def grades_indicators(unit: Unit) -> bool:
    """Whether ``unit`` names a grade in a grading sentence ('four were found to be 'good'')."""
    return bool(grade_index().find(unit.text)) and _is_grading(unit)


def extract_grades(
    doc: Document, units: list[Unit]
) -> tuple[list[GradeCount], list[IndicatorGrade], int | None]:
    """Grade tallies, graded indicators and the number of indicators graded."""
    tallies: dict[str, GradeCount] = {}
    graded: list[IndicatorGrade] = []
    count = None
    last_grade = None  # the grade of the last tally: 'three were found to be good.'
    for unit in units:
        lower = unit.text.lower()
        count = count or _indicator_total(lower)
        grades = [
            hit
            for hit in grade_index().find(unit.text)
            if not re.search(r"\bhow\s*$", lower[: hit.start])  # 'How good is ...?' asks
            and not lower[hit.end :].startswith(" practice")  # 'good practice' is no grade
        ]
        if not grades and last_grade and re.match(r"(?:these|they)\s+(?:were|are)\b", lower):
            # 'These were "impact on staff", "..." and "leadership and direction".'
            graded.extend(
                IndicatorGrade(label, last_grade, _evidence(doc, unit.start, unit.end))
                for label in _quoted_labels(unit.text)
            )
        last_grade = None
        listed = _listed_grade(doc, unit)
        if listed is not None:
            graded.append(listed)  # 'Impact on families: good', '2.1 Impact on staff | Good'
            continue
        if not grades or not _is_grading(unit):
            continue
        numbers = [
            (m.start(), m.end(), parse_number(m.group("n")))
            for m in _NUMBER.finditer(unit.text)
            if parse_number(m.group("n")) is not None
        ]
        previous_end = 0
        for hit in grades:
            after = _TALLY_AFTER.match(unit.text, hit.end)
            if after and (value := parse_number(after.group("n"))) and value <= 20:
                # "grades of 'good' for three of the nine quality indicators, and 'adequate'
                # for the remaining six": the number follows its grade
                tallies.setdefault(
                    hit.key, GradeCount(hit.key, value, _evidence(doc, unit.start, unit.end))
                )
                previous_end = hit.end
                continue
            candidates = [
                n
                for n in numbers
                if previous_end <= n[0] and n[1] <= hit.start and hit.start - n[1] <= 40
            ]
            previous_end = hit.end
            if not candidates:
                continue
            if re.match(r"\W*\s+(?:or|and)\s+(?:better|above|higher|over)\b", unit.text[hit.end :]):
                continue  # '8 of 9 indicators were good or better': a threshold, no tally
            start, end, value = candidates[-1]
            between = unit.text[end : hit.start].lower()
            total = re.search(r"\b(?:of|out of)(?:\s+the)?\s*$", unit.text[:start].lower())
            if total and len(candidates) >= 2 and candidates[-2][1] <= start:
                # 'graded 1 of the nine quality indicators as very good': the 1, not the nine
                start, end, value = candidates[-2]
                between = ""
            elif total:
                # 'Five of the six quality indicators were graded good': the number before 'of'
                part = re.search(r"(\S+)\s+(?:out\s+)?of(?:\s+the)?\s*$", unit.text[:start])
                value = parse_number(part.group(1)) if part else None
                if value is None:
                    continue
                between = ""
            if "indicator" in between and "of" in between or not value or value > 20:
                continue
            tallies.setdefault(
                hit.key, GradeCount(hit.key, value, _evidence(doc, unit.start, unit.end))
            )
            last_grade = hit.key
        graded.extend(_indicator_grades(doc, unit, grades))
    return list(tallies.values()), graded, count


# a line of a list or a table that grades one indicator: 'Impact on families: good',
# '1.1 Improvements in the life chances of people | Good', '- Leadership and direction - very good'
_LISTED = re.compile(
    r"^\s*(?:[-*\u2022]\s*)?(?:\d+(?:\.\d+)*\.?\s+)?(?P<label>[A-Za-z][^:|\u2013\u2014\d]{2,120}?)"
    r"\s*(?:\||:|\s[\u2013\u2014-])\s*[*_'\"]*(?P<grade>[A-Za-z][A-Za-z ]+?)[*_'\"]*\s*\.?\s*$"
)


def _listed_grade(doc: Document, unit: Unit) -> IndicatorGrade | None:
    """The indicator and grade of a list or table line that says nothing else, or None."""
    text = unit.text
    if len(text) > 200 or not any(mark in text for mark in (":", "|", " - ", "\u2013", "\u2014")):
        return None  # a list or table line is short and has its separator
    found = _LISTED.match(text)
    if found is None or len(found.group("label").split()) > 14:
        return None
    wanted = found.group("grade").strip().lower()
    label = found.group("label").strip(" *_").lower()
    for scales in (None, EFFECTIVENESS):
        index = grade_index() if scales is None else grade_index(scales)
        hits = index.find(wanted)
        if len(hits) == 1 and hits[0].end - hits[0].start == len(wanted):
            if index.find(label):
                return None  # 'Very good: 5' is a scale's key, not an indicator
            scale = "effectiveness-scale" if scales else None
            evidence = _evidence(doc, unit.start, unit.end)
            return IndicatorGrade(label, hits[0].key, evidence, scale)
    return None


# an indicator the grading sentence names in prose: "evaluated the partnership's key processes
# as good and its strategic leadership as adequate" (a determiner keeps tallies out: "rated
# three as very good")
_PROSE_INDICATOR = re.compile(
    r"\b(?:evaluated|rated|graded|judged|assessed|and)\s+"
    r"(?:the\s+partnership's\s+|its\s+|their\s+|the\s+)?(?!by\s|it\s|them\s|this\s)"
    r"(?P<label>[a-z][a-z ,'-]{2,80}?)\s+as\s+[*_'\"]*$",
    re.IGNORECASE,
)
# a quoted label the sentence grades: "'children are listened to ...' as very good"
_GRADED_AFTER = re.compile(
    r"^\s*(?:(?:was|were|is)\s+)?(?:(?:evaluated|rated|graded|judged)\s+)?(?:as|to be)\s",
    re.IGNORECASE,
)


def _quoted_labels(text: str) -> list[str]:
    """The quoted labels of a list ('"impact on staff," "..." and "leadership."')."""
    return [
        (q.group(1) or q.group(2)).strip(" ,.").lower()
        for q in _QUOTED.finditer(text)
        if not grade_index().find(q.group(1) or q.group(2))
    ]


# 'scored three areas as 'good' – 'children are listened to ...', '...' and '...''
_LIST_AFTER_GRADE = re.compile(r"^[\s'\"]*[\u2013\u2014:-]\s*['\"]")


def _indicator_grades(doc: Document, unit: Unit, grades) -> list[IndicatorGrade]:
    """Indicators named in a grading sentence, each with the nearest grade."""
    for grade in grades:
        if _LIST_AFTER_GRADE.match(unit.text[grade.end :]):
            rest = unit.text[grade.end :]
            return [
                IndicatorGrade(label, grade.key, _evidence(doc, unit.start, unit.end))
                for label in _quoted_labels(rest[rest.index("'" if "'" in rest else '"') :])
            ]
    found = indicator_index().find(unit.text)
    labels = read_indicators().labels
    named = [(hit.start, hit.end, labels.get(hit.key, hit.key)) for hit in found]
    for quoted in _QUOTED.finditer(unit.text):
        if any(s < quoted.end() and quoted.start() < e for s, e, _ in named):
            continue
        label = quoted.group(1) or quoted.group(2)
        before = re.search(r"\b(?:category|indicator|for)\s*$", unit.text[: quoted.start()], re.I)
        if not (before or _GRADED_AFTER.match(unit.text[quoted.end() :])):
            continue
        if not grade_index().find(label):
            named.append((quoted.start(), quoted.end(), label.strip(" ,.").lower()))
    for grade in grades:
        prose = _PROSE_INDICATOR.search(unit.text[: grade.start])
        if prose is None:
            continue
        start, end = prose.span("label")
        label = prose.group("label").strip(" ,").lower()
        if any(s < end and start < e for s, e, _ in named) or _NUMBER.search(label):
            continue
        if grade_index().find(label) or len(label.split()) > 10:
            continue
        named.append((start, end, label))
    results = []
    for start, end, label in named:
        nearest = min(grades, key=lambda g: min(abs(g.start - end), abs(start - g.end)))
        if min(abs(nearest.start - end), abs(start - nearest.end)) > 80:
            continue
        results.append(IndicatorGrade(label, nearest.key, _evidence(doc, unit.start, unit.end)))
    return results


EFFECTIVENESS = frozenset({"effectiveness-scale"})
# "Strategic leadership ... was very effective", "Our Key Processes are effective, with areas
# for improvement", "concluded the partnership's strategic leadership ... was effective with
# areas for improvement": an indicator, then within 120 characters a copula right before the grade
_COPULA = re.compile(
    r"\b(?:is|are|was|were|been|be|as)\s+"
    r"(?:(?:also|all|now|overall|judged|found|evaluated|rated)\s+)?(?:to\s+be\s+)?$",
    re.IGNORECASE,
)
# "there were important areas of weakness identified across key processes"
_GRADE_IN = re.compile(
    r"^\s+(?:identified\s+)?(?:in|across|within|for)\s+(?:the\s+)?(?:partnership's\s+)?$",
    re.IGNORECASE,
)


def extract_effectiveness(doc: Document, units: list[Unit]) -> list[IndicatorGrade]:
    """Indicators graded on adult support and protection's effectiveness scale.

    Used only for inspections of a programme that grades on it: "effective" is an everyday
    word, so the grade must follow its indicator and a copula ('was very effective').
    """
    results: dict[str, IndicatorGrade] = {}
    labels = read_indicators().labels
    for unit in units:
        grades = grade_index(EFFECTIVENESS).find(unit.text)
        if not grades:
            continue
        indicators = indicator_index().find(unit.text)
        for grade in grades:
            before = unit.text[: grade.start]
            candidates = [
                i for i in indicators if i.end <= grade.start and grade.start - i.end <= 120
            ]
            if _COPULA.search(before) and candidates:
                chosen = candidates[-1]
            else:  # 'there were important areas of weakness identified across ...'
                after = [i for i in indicators if i.start >= grade.end]
                gap = unit.text[grade.end : after[0].start] if after else ""
                chosen = after[0] if after and _GRADE_IN.match(" " + gap.strip() + " ") else None
                # 'across key processes and strategic leadership': each indicator listed
                previous = chosen
                for following in after[1:] if chosen is not None else ():
                    if unit.text[previous.end : following.start].strip(" ,") not in ("and", ""):
                        break
                    label = labels.get(following.key, following.key)
                    results.setdefault(
                        label,
                        IndicatorGrade(
                            label,
                            grade.key,
                            _evidence(doc, unit.start, unit.end),
                            "effectiveness-scale",
                        ),
                    )
                    previous = following
            if chosen is None:
                continue
            label = labels.get(chosen.key, chosen.key)
            results.setdefault(
                label,
                IndicatorGrade(
                    label, grade.key, _evidence(doc, unit.start, unit.end), "effectiveness-scale"
                ),
            )
    return list(results.values())


_AMOUNT = re.compile(
    r"(?<![\w/-])(?P<n>\d[\d,]*(?:\.\d+)?)(?P<pct>\s*(?:per\s*cent|%))?"
    r"(?P<what>(?:\s+(?:[a-z][a-z'-]*)){1,6})"
)
# nouns that hold a stop word
_GROUPS = ("children and young people", "members of staff", "parents and carers")
_STOP = {"and", "in", "on", "at", "to", "of", "from", "for", "with", "who", "which", "that", "as"}
_TIME_UNITS = {
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hours",
    "am",
    "pm",
}


_MONEY_SCALES = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "thousand": 1e3, "k": 1e3}
# a number that names a page, section or indicator rather than counting anything
_REFERENCE = re.compile(
    r"\b(?:page|pages|paragraph|para|section|chapter|table|figure|appendix|annex|indicator|"
    r"qi|point|level|step|phase|stage|round|number|no)\.?\s*$"
)


@cache
def _grade_first_words() -> frozenset[str]:
    """The first words of every grade label of every scale ('very', 'good', 'important')."""
    from kg.extract.vocabulary import read_grades

    return frozenset(phrase.lower().split()[0] for phrase in read_grades().phrases)


def _scale_point(words: str) -> bool:
    """Whether the words after a number name a point of a grading scale ('very good',
    'is excellent', '= weak')."""
    rest = re.sub(r"^(?:is|are|=|means|[-:\u2013])\s*", "", words.lower())
    if rest.split(" ", 1)[0] not in _grade_first_words():
        return False
    hits = grade_index().find(rest)
    return bool(hits) and hits[0].start == 0


def extract_amounts(doc: Document, units: list[Unit]) -> list[Amount]:
    """Numbers the document reports and what they count ('97 parents', 'a 15 per cent increase')."""
    amounts = []
    for unit in units:
        if grades_indicators(unit):
            continue
        for match in _AMOUNT.finditer(unit.text):
            raw = match.group("n").replace(",", "")
            value = float(raw)
            if re.fullmatch(r"(?:19|20)\d\d", raw) and not match.group("pct"):
                continue
            words = match.group("what").split()
            before = unit.text[max(0, match.start() - 40) : match.start()].lower()
            money = re.search(r"\xa3\s*$", before)  # '\xa32.4 million a year'
            if money:
                scale = words[0].lower() if words else ""
                value *= _MONEY_SCALES.get(scale, 1)
                words = ["pounds", *(words[1:] if scale in _MONEY_SCALES else words)]
            if words and words[0].lower() in MONTHS or (words and words[0] in _TIME_UNITS):
                continue
            if re.search(r"\b(?:aged|age|p)\s*$", before) or _REFERENCE.search(before):
                continue  # ages; 'page 12', 'quality indicator 2.1'
            if re.search(r"\b(?:between|from)\s*$", before) and re.match(
                r"\s*(?:to|and|until|-|\u2013)\s*\d", unit.text[match.end("n") :]
            ):
                continue  # a range of dates or ages ('from 4 to 22 March')
            if " ".join(words).lower().startswith(cue_phrases("not_amount_unit")):
                continue  # a measure that is not money or people ('2,238 square kilometres')
            if _scale_point(" ".join(words)):
                continue  # a point of a scale ('6 excellent', '1 is unsatisfactory')
            kept: list[str] = []
            stops = 0
            phrase = " ".join(words).lower()
            group = next((g for g in _GROUPS if phrase.startswith(g)), None)
            for word in group.split() if group else ():
                kept.append(word)
            for word in words if group is None else ():
                if word.lower() in _STOP:
                    stops += 1
                    if not kept or stops >= (2 if match.group("pct") else 1):
                        break
                kept.append(word)
            while kept and kept[-1].lower() in _STOP:
                kept.pop()
            if not kept or "indicator" in " ".join(kept):
                continue
            if " ".join(kept).lower().startswith(cue_phrases("not_amount")):
                continue  # partnerships, recommendations, key areas: counts of no service
            counts = ("per cent " if match.group("pct") else "") + " ".join(kept)
            amounts.append(Amount(value, counts, _evidence(doc, unit.start, unit.end)))
        amounts.extend(_worded_amounts(doc, unit))
    return amounts


_COUNT_WORDS = frozenset(w for w in NUMBER_WORDS if " " not in w and NUMBER_WORDS[w] > 1)


@cache
def _head_words() -> tuple[str, ...]:
    """The last words of the ``amount_head`` cues, for a cheap test before the pattern."""
    return tuple({phrase.split()[-1] for phrase in cue_phrases("amount_head")})


@cache
def _worded() -> re.Pattern[str]:
    """A count in words before an ``amount_head`` cue ('two focus groups'), compiled once."""
    heads = sorted(cue_phrases("amount_head"), key=len, reverse=True)
    words = sorted((w for w in NUMBER_WORDS if " " not in w), key=len, reverse=True)
    return re.compile(
        rf"\b(?P<n>{'|'.join(words)})\s+"
        rf"(?P<what>{'|'.join(map(re.escape, heads))})\b(?!['\u2019-])",
        re.IGNORECASE,
    )


def _worded_amounts(doc: Document, unit: Unit) -> list[Amount]:
    """Counts written in words ('two focus groups', 'forty adults'): only of the people and
    service records of an ``amount_head`` cue, since a number word is often no count ('one
    of the', 'two areas for improvement')."""
    found = []
    words = {w.strip(".,;:!?()\"'") for w in unit.text.lower().split()}
    if words.isdisjoint(_COUNT_WORDS) or words.isdisjoint(_head_words()):
        return found  # no number word, or no head: most sentences
    for match in _worded().finditer(unit.text):
        value = parse_number(match.group("n"))
        if value is None or value < 2:
            continue
        what = " ".join(match.group("what").lower().split())
        found.append(Amount(float(value), what, _evidence(doc, unit.start, unit.end)))
    return found
