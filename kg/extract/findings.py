"""Finding rules (stage 2, extract): strengths, areas for improvement and good-practice examples.

A finding is a statement the inspection makes about the partnership: a bullet under a header
("Key strengths included:", "areas for improvement:", or a neutral one such as "Key
messages"), a bullet that opens with a recommendation's gerund ("Ensuring that ...",
"Increasing efforts to ..."), a sentence in the inspectors', the report's or the
inspectorate's voice with a cue ("should", "need to", "not yet", "strengths", "highlighted",
...), or a sentence that states a verdict in its own voice ("X was a strength", "Areas of
weakness were found in ...", "Too few ...", "... was variable", "Not all ..."; cue kinds
``verdict`` and ``recommendation_start`` of ``kg/data/cues.csv``). Words quoted from the
inspected partnership's own officials are not findings. Items of a semicolon list are
findings of their own. Themes come from the trigger phrases of ``ontology/themes.ttl``; a
phrase inside a ``theme_scope`` cue (the programme's subject, a group, a stage of progress)
triggers nothing, and a theme is dropped when a narrower one is also found. Pure.
"""

from __future__ import annotations

import re

from kg.extract.phrases import cue_index, first_cue, has_cue, theme_index
from kg.extract.records import Evidence, Finding, GoodPractice, Official
from kg.extract.text import Unit
from kg.extract.vocabulary import ancestors, cue_phrases, read_themes
from kg.sources import Document

UNCLASSIFIED = "unclassified"  # the theme of a finding no trigger phrase matched
_DASH = re.compile(r"\s+[\u2013\u2014-]\s+")
_INLINE_PRACTICE = re.compile(
    r"\bexamples? of good practice,?\s+(?:(?:the report|it|they|inspectors)\s+)?(?:also\s+)?"
    r"(?:highlights|highlighted|notes|noted|cites|cited|describes|described|mentions|mentioned)\s+"
    r"(?P<name>[^.;:]{8,}?)(?=\s+(?:through|by|which|where|because)\b|[.;:]|$)",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(r"\b(?:included?|includes|including|were|are)\s+(?:that\s+)?", re.IGNORECASE)


def _evidence(doc: Document, start: int, end: int) -> Evidence:
    return Evidence(start, end, doc.text[start:end], doc.page_of(start))


def _theme_hits(text: str) -> list:
    """The trigger phrases that say what ``text`` is about (``kg/data/cues.csv`` decides which
    phrases only say whom it concerns, or what it is for).

    - ``theme_scope`` phrases name a group, an age range, the programme's subject or a
      stage of progress ("in need of care and protection", "from pre-birth to ...", "adult
      support and protection", "at an early stage of"): a trigger phrase inside one triggers
      nothing (one that only overlaps it, "outcomes for adults at risk", still does);
    - before a ``theme_experience`` verb ("enjoyed", "felt", "told us") stands the group that
      experiences: its phrases are dropped when the statement names a theme after the verb;
    - from a ``theme_effect`` cue on ("which will help", "in turn", "so that") the statement
      gives a purpose or an effect: its phrases are dropped when a theme comes before the cue.

    >>> [h.key for h in _theme_hits("Looked after young people felt listened to")]
    ['participation']
    >>> [h.key for h in _theme_hits("more staff training, and in turn better outcomes")]
    ['staff-and-workforce']
    """
    scopes = cue_index("theme_scope").find(text)
    hits = [
        hit
        for hit in theme_index().find(text)
        if not any(s.start <= hit.start and hit.end <= s.end for s in scopes)
    ]
    verb = first_cue("theme_experience", text)
    if verb is not None and any(h.start >= verb.end for h in hits):
        hits = [h for h in hits if h.start >= verb.end]
    for cue in cue_index("theme_effect").find(text):
        if any(h.end <= cue.start for h in hits):
            hits = [h for h in hits if h.start < cue.start]
            break
    return hits


def themes_of(text: str) -> tuple[str, ...]:
    """The most specific themes whose trigger phrases say what ``text`` is about.

    >>> themes_of("support for care leavers and joint self-evaluation")
    ('care-leavers', 'joint-self-evaluation')
    """
    found = list(dict.fromkeys(hit.key for hit in _theme_hits(text)))
    concepts = read_themes()
    broader = set()
    for key in found:
        broader |= ancestors(key, concepts)
    return tuple(key for key in found if key not in broader) or (UNCLASSIFIED,)


def _lines(text: str) -> list[tuple[int, int]]:
    spans, offset = [], 0
    for line in text.split("\n"):
        spans.append((offset, offset + len(line)))
        offset += len(line) + 1
    return spans


def extract_good_practice(doc: Document, units: list[Unit]) -> tuple[list[GoodPractice], set[int]]:
    """Named good-practice examples ('NAME – description') after a 'good practice' cue.

    Returns the examples and the line numbers they cover (not findings of their own).
    """
    start = next((u for u in units if not u.bullet and has_cue("practice_header", u.text)), None)
    if start is None:
        return [], set()
    start_line = start.line
    inline = _INLINE_PRACTICE.search(start.text)
    if inline:  # 'As an example of good practice, it also highlights NAME through ...'
        a, b = start.start + inline.start("name"), start.start + inline.end("name")
        name = doc.text[a:b]
        return [
            GoodPractice(
                name=name,
                description=start.text,
                themes=themes_of(start.text),
                evidence=_evidence(doc, start.start, start.end),
            )
        ], {start_line}
    text = doc.text
    lines = _lines(text)
    paragraphs = [
        (n, s, e) for n, (s, e) in enumerate(lines) if n > start_line and text[s:e].strip()
    ]
    heads = []  # (index in paragraphs, name start, name end, description start)
    for index, (_n, s, e) in enumerate(paragraphs):
        line = text[s:e]
        dash = _DASH.search(line)
        if not dash or len(line[: dash.start()].split()) > 16:
            continue
        name_start = s
        if index > 0:
            _pn, ps, pe = paragraphs[index - 1]
            previous = text[ps:pe].strip()
            if previous and previous[-1] not in ".!?:\"'" and len(previous.split()) <= 16:
                name_start = ps + (len(text[ps:pe]) - len(text[ps:pe].lstrip()))
        heads.append((index, name_start, s + dash.start(), s + dash.end()))
    practices: list[GoodPractice] = []
    covered: set[int] = set()
    for number, (index, name_start, name_end, desc_start) in enumerate(heads):
        last = heads[number + 1][0] - 1 if number + 1 < len(heads) else len(paragraphs) - 1
        if number + 1 < len(heads) and heads[number + 1][1] < paragraphs[heads[number + 1][0]][1]:
            last -= 1  # the next name began on the paragraph before its dash
        body = [text[desc_start : paragraphs[index][2]]]
        for _n, s, e in paragraphs[index + 1 : last + 1]:
            if text[s:e].lower().startswith(("page last updated", "download", "the full report")):
                break
            body.append(text[s:e].strip())
            covered.add(_n)
        name = " ".join(text[name_start:name_end].split()).strip("*_ ")
        description = " ".join(" ".join(body).split())
        head_end = paragraphs[index][2]
        for n, (s, _e) in enumerate(lines):
            if name_start <= s <= head_end:
                covered.add(n)
        practices.append(
            GoodPractice(
                name=name,
                description=description,
                themes=themes_of(name + ". " + description),
                evidence=_evidence(doc, name_start, head_end),
            )
        )
    if practices:
        covered.add(start_line)  # the sentence announcing the examples
    return practices, covered


def quotations(doc: Document, units: list[Unit], officials: list[Official]):
    """Quoted spans split by voice: (the inspectorate's or the report's, everybody else's),
    each a list of distinct ``(start, end)`` spans. Computed once per document and
    shared by the rules and the learned classifier."""
    from kg.extract.people import _quote_after

    voiced, others = [], []
    for official in officials:
        if official.quote is not None:
            organisation = official.organisation
            speaks_for_inspectorate = (
                organisation is not None and organisation.kind == "inspectorate"
            )
            (voiced if speaks_for_inspectorate else others).append(
                (official.quote.start, official.quote.end)
            )
    for unit in units:
        hit = cue_index("report_voice").find(unit.text)
        if hit:
            colon = unit.text.find(":", hit[0].end)
            if colon >= 0:
                quote = _quote_after(doc, unit.start + colon + 1)
                if quote is not None:
                    voiced.append((quote.start, quote.end))
    return list(dict.fromkeys(voiced)), list(dict.fromkeys(others))


def _is_tally(unit: Unit) -> bool:
    """Whether ``unit`` counts graded indicators (a tally is a grade record, not a finding)."""
    from kg.extract.numbers import _NUMBER, grades_indicators

    return grades_indicators(unit) and bool(_NUMBER.search(unit.text))


def _masked(text: str, orgs) -> str:
    """``text`` with organisation names blanked, so that a name triggers no theme."""
    chars = list(text)
    for start, end, _entity in orgs:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _items(unit: Unit) -> list[tuple[int, int]]:
    """A unit's semicolon-separated items after a lead-in, or the whole unit."""
    text = unit.text
    if text.count(";") < 1:
        return [(unit.start, unit.end)]
    parts, offset = [], 0
    for piece in text.split(";"):
        start, end = offset, offset + len(piece)
        offset = end + 1
        while start < end and text[start].isspace():
            start += 1
        if text[start:end].lower().startswith("and "):
            start += 4
        if end > start:
            parts.append((unit.start + start, unit.start + end))
    return parts if len(parts) >= 2 else [(unit.start, unit.end)]


def _opening_lines(units: list[Unit]) -> list[int]:
    """The title's line and the standfirst's: the first later line of more than eight words."""
    lines: dict[int, int] = {}
    for unit in units:
        lines[unit.line] = lines.get(unit.line, 0) + len(unit.text.split())
    numbers = list(lines)
    if not numbers:
        return []
    standfirst = next((n for n in numbers[1:] if lines[n] > 8), None)
    return [numbers[0]] + ([standfirst] if standfirst is not None else [])


def _improvement_cues(text: str) -> list:
    """Improvement cues other than the name of a heading ('how far ... the areas for
    improvement' in a method sentence names a topic; 'should' judges)."""
    headers = cue_index("improvement_header").find(text)
    return [
        hit
        for hit in cue_index("improvement").find(text)
        if not any(h.start <= hit.start and hit.end <= h.end for h in headers)
    ]


def is_header(text: str, short: bool = True) -> bool:
    """Whether ``text`` introduces strengths or improvements (and, if ``short``, only that)."""
    cue = cue_index("improvement_header").find(text) or cue_index("strength_header").find(text)
    return bool(cue) and (not short or len(text.split()) <= 12 or text.rstrip().endswith(":"))


def _verdicts(text: str) -> list:
    """Verdict phrases ("was a strength", "too few", "was variable", "needs to"): a sentence
    holding one states a finding in its own voice, with no "inspectors found". A phrase inside
    a heading's name ("must" in "must do better") or of a phrase that is no call for
    improvement ("what they need to do") is no verdict.

    >>> [h.key for h in _verdicts("Too few adults were offered advocacy.")]
    ['improvement']
    >>> _verdicts("Inspectors found several areas where the partnership must do better.")
    []
    """
    spans = (
        cue_index("improvement_header").find(text)
        + cue_index("strength_header").find(text)
        + cue_index("improvement_not").find(text)  # 'what they need to do', 'should help'
    )
    return [
        hit
        for hit in cue_index("verdict").find(text)
        if not any(h.start <= hit.start and hit.end <= h.end for h in spans)
    ]


def _recommends(text: str) -> bool:
    """Whether ``text`` opens with a recommendation's gerund ("Ensuring that ...",
    "Increasing efforts to ...").

    >>> _recommends("Ensuring that every child has a plan."), _recommends("Ensured plans.")
    (True, False)
    """
    words = text.lstrip(" \t-*\u2022\u2013").lower()
    return any(words.startswith(phrase + " ") for phrase in cue_phrases("recommendation_start"))


def _verdict_polarity(text: str, verdicts: list) -> str | None:
    """The polarity of a sentence that states a verdict: its cues', else the verdict's."""
    polarity = _polarity(text, None)
    if polarity is None and verdicts:
        polarity = "improvement" if any(h.key == "improvement" for h in verdicts) else "strength"
    return polarity


def _polarity(text: str, default: str | None) -> str | None:
    improvement = {hit.start for hit in cue_index("improvement").find(text)}
    for hit in cue_index("improvement_not").find(text):
        improvement -= set(range(hit.start, hit.end))
    if improvement:
        return "improvement"
    if default:
        return default
    if has_cue("strength", text):
        return "strength"
    return None


def extract_findings(
    doc: Document,
    units: list[Unit],
    officials: list[Official],
    practice_lines: set[int],
    orgs=(),
) -> list[Finding]:
    """Strengths and areas for improvement, one statement each, with their themes: the rules'
    findings, refined unit by unit by the learned classifier (:mod:`kg.extract.learned`) unless
    ``KG_FINDINGS=rules``."""
    from kg.extract.learned import refine

    quoted = quotations(doc, units, officials)
    masked = _masked(doc.text, orgs)
    findings = rule_findings(doc, units, officials, practice_lines, orgs, quoted, masked)

    def make_finding(start: int, end: int, polarity: str) -> Finding:
        while start < end and doc.text[start] in '" ':
            start += 1
        while end > start and doc.text[end - 1] in '" ':
            end -= 1
        return Finding(
            polarity=polarity,
            text=doc.text[start:end],
            themes=themes_of(masked[start:end]),
            evidence=_evidence(doc, start, end),
        )

    return refine(doc, units, officials, practice_lines, findings, make_finding, quoted)


def rule_findings(
    doc: Document,
    units: list[Unit],
    officials: list[Official],
    practice_lines: set[int],
    orgs=(),
    quoted=None,
    masked: str | None = None,
) -> list[Finding]:
    """The rules' strengths and areas for improvement (cue phrases, headers, voices).

    ``quoted`` is :func:`quotations` of the document and ``masked`` its text with the
    organisations blanked (:func:`_masked`), computed here when not given."""
    voiced_quotes, excluded = quoted if quoted is not None else quotations(doc, units, officials)
    if masked is None:
        masked = _masked(doc.text, orgs)
    voiced_line = -1  # a line whose earlier sentence reported a finding
    findings: list[Finding] = []
    header: str | None = None  # polarity of the bullets that follow a header
    # the title and the standfirst under it summarise what the body says again; a dateline
    # between them ('Published 22 March 2016') is neither
    opening = _opening_lines(units)
    for position, unit in enumerate(units):
        if unit.line in practice_lines or unit.line in opening:
            continue
        if _is_tally(unit):
            continue
        if any(s <= unit.start < e for s, e in excluded):
            continue
        quoted = next(((s, e) for s, e in voiced_quotes if unit.start < e and s < unit.end), None)
        if quoted is not None and not unit.bullet:
            start, end = max(unit.start, quoted[0]), min(unit.end, quoted[1])
            piece = doc.text[start:end].strip(' "')
            if has_cue("self", piece) or len(piece.split()) < 4:
                continue
            start = doc.text.index(piece, start)
            for a, b in _items(Unit(start, start + len(piece), piece, unit.line)):
                text = doc.text[a:b]
                findings.append(
                    Finding(
                        polarity=_polarity(text, None) or "strength",
                        text=text,
                        themes=themes_of(masked[a:b]),
                        evidence=_evidence(doc, a, b),
                    )
                )
            continue
        following = units[position + 1] if position + 1 < len(units) else None
        if not unit.bullet:
            header = None
            if following is not None and following.bullet:
                improvement = cue_index("improvement_header").find(unit.text)
                strength = cue_index("strength_header").find(unit.text)
                if improvement:
                    header = "improvement"
                elif strength:
                    header = strength[0].key
                if header or unit.text.rstrip().endswith(":"):
                    continue
        if unit.bullet:
            if header is None or header == "neutral":
                # no heading, or one that names no polarity ('Key messages'): a recommendation's
                # gerund or a verdict makes the item a finding
                verdicts = _verdicts(unit.text)
                if _recommends(unit.text):
                    polarity = "improvement"
                elif header is None and not verdicts:
                    continue
                else:
                    polarity = _verdict_polarity(unit.text, verdicts) or "strength"
            else:
                polarity = _polarity(unit.text, header) or "strength"
        else:
            if has_cue("method", unit.text) and not _improvement_cues(unit.text):
                continue
            verdicts = _verdicts(unit.text)
            if is_header(unit.text) and not (verdicts and not unit.text.rstrip().endswith(":")):
                # 'Inspectors also found several areas where the partnership must do better.'
                # announces the sentences that follow it in its paragraph
                if has_cue("finding_source", unit.text):
                    voiced_line = unit.line
                continue
            voiced = (
                has_cue("finding_source", unit.text)
                or is_header(unit.text, short=False)
                or bool(verdicts)
            )
            if any(unit.start == o.evidence.start for o in officials):
                continue
            reported = voiced and has_cue("reporting", unit.text)
            if not voiced and unit.line != voiced_line:
                continue
            polarity = _polarity(unit.text, "strength" if reported else None)
            if polarity is None and verdicts:
                polarity = _verdict_polarity(unit.text, verdicts)
            if polarity is None:
                if unit.line == voiced_line:
                    polarity = "strength"
                else:
                    continue
            if reported:
                voiced_line = unit.line
        for start, end in _items(unit) if not unit.bullet else [(unit.start, unit.end)]:
            text = doc.text[start:end]
            if unit.text.rstrip().endswith(":") and start == unit.start:
                continue
            findings.append(
                Finding(
                    polarity=_polarity(text, polarity) if text != unit.text else polarity,
                    text=text,
                    themes=themes_of(masked[start:end]),
                    evidence=_evidence(doc, start, end),
                )
            )
    return findings
