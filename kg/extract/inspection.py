"""Inspection rules (stage 2, extract): who inspected whom, when, for whom; members; mentions.

Pure: units and organisation spans in, records out. Cue phrases come from ``kg/data/cues.csv``.
"""

from __future__ import annotations

import re
from collections import Counter

from kg.extract.gazetteer import by_kind_key, match_entities, unknown_entity
from kg.extract.phrases import cue_index, first_cue
from kg.extract.programmes import body_in, choose_programme, latest_year, year_of
from kg.extract.records import Entity, Evidence, Inspection, Membership, Mention, Official
from kg.extract.text import MONTHS, Unit
from kg.extract.vocabulary import cue_phrases
from kg.sources import Document

Orgs = list[tuple[int, int, Entity]]

_MONTH = "|".join(name.capitalize() for name in MONTHS)
# a month written in full or cut to three letters ('6 Oct 2011')
_MONTH_SHORT = "|".join(
    rf"{name[:3].capitalize()}(?:{name[3:]})?" if len(name) > 3 else name.capitalize()
    for name in MONTHS
)
_DATE = re.compile(
    rf"\b(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+)?"
    rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_SHORT})\.?\s+"
    rf"(?P<year>(?:19|20)\d\d)\b"
)
# a day and month without a year ('published on 23 May'): dated by the page's year
_DAY_MONTH = re.compile(
    rf"\bpublished\s+on\s+(?:\w+day\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+"
    rf"(?P<month>{_MONTH})\b(?!\s+(?:19|20)\d\d)"
)
# a title dated by month and year ('... Council area September 2009 Contents')
_TITLE_DATE = re.compile(rf"\b(?P<month>{_MONTH})\s+(?P<year>(?:19|20)\d\d)\s+Contents\b")
# a month and year that end a short line of the title ('Report of a joint inspection, June 2016')
_LINE_MONTH = re.compile(
    rf"(?:^|[,:|\u2013-]\s*)(?P<month>{_MONTH})\s+(?P<year>(?:19|20)\d\d)\s*$", re.MULTILINE
)
# "in June and August 2014", "between August and November 2017", "from 4 to 22 March 2019",
# "between 12 February and 30 March 2018", "in May 2016"
_PERIOD = re.compile(
    rf"\b(?i:in|between|from|during)\s+"
    rf"(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?:(?P<m1>{_MONTH})\s+)?(?:(?P<y1>(?:19|20)\d\d)\s+)?"
    rf"(?:and|to|until|-|\u2013)\s+"
    rf"(?:(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<m2>{_MONTH})\s+(?P<y2>(?:19|20)\d\d)\b"
    rf"|\b(?i:in|during)\s+(?P<m0>{_MONTH})\s+(?P<y0>(?:19|20)\d\d)\b"
)
_URL = re.compile(r"https?://[^\s\"'<>)\]]+[^\s\"'<>)\].,;:]")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# an earlier inspection named by its year after a word that places it before this one
_YEAR_INSPECTION = re.compile(
    r"\b(?i:follow(?:s|ed|ing)?(?:\s+up)?|since|after|previous|earlier|last)\s+"
    r"(?:(?i:the|our|its|their)\s+)?(?P<year>(?:19|20)\d\d)\s+(?:joint\s+)?(?i:inspection)\b"
    r"|\b(?i:inspection|inspected)\b[^.]{0,60}?\b(?i:since)\s+(?P<since>(?:19|20)\d\d)\b"
    r"|\b(?i:last|first|previously)\s+(?:\w+ly\s+)?(?i:inspected)\b[^.]{0,40}?"
    r"\b(?P<when>(?:19|20)\d\d)\b"
    r"|\b(?i:following|follows|after|since)\s+(?i:the|their|our|its)\s+(?:[\w-]+\s+){0,2}?"
    r"(?i:inspection)\b[^.]{0,60}?\b(?i:in|of)\s+(?P<in>(?:19|20)\d\d)\b"
)
_FIELDWORK_CUES = ("carried out", "took place", "fieldwork", "visited", "inspected", "between")


def _evidence(doc: Document, start: int, end: int) -> Evidence:
    return Evidence(start, end, doc.text[start:end], doc.page_of(start))


def _unit_of(units: list[Unit], offset: int) -> Unit | None:
    for unit in units:
        if unit.start <= offset < unit.end:
            return unit
    return None


def _iso(year: str, month: str | None, day: str | None = None) -> str:
    if month is None:
        return year
    number = next(n for name, n in MONTHS.items() if name.startswith(month.lower()[:3]))
    return f"{year}-{number:02d}-{int(day):02d}" if day else f"{year}-{number:02d}"


def text_of(units: list[Unit], start: int, end: int) -> str:
    """The text at ``start:end`` of the document the units were split from."""
    unit = _unit_of(units, start)
    return unit.text[start - unit.start : end - unit.start] if unit else ""


def partnership_named(entity: Entity, name: str, following: str = "") -> str | None:
    """The area of a body whose name names the partnership under another name, else None.

    A name that ends in a ``partnership_head`` cue of ``cues.csv`` and holds an area's name
    ('Scottish Borders Planning Partnership', 'East Lothian Health and Social Care
    Partnership', 'Orkney Integration Joint Board'), or a council named for its area ('the
    Shetland Islands Council area', ``following`` being the text after the name).
    """
    if entity.kind in ("partnership", "area", "inspectorate", "country"):
        return None
    lower = " ".join(name.lower().split())
    known = by_kind_key().get((entity.kind, entity.key))
    if entity.type == "Council" and known is not None and known.area:
        return known.area if following.lower().lstrip().startswith("area") else None
    heads = [h for h in cue_phrases("partnership_head") if " area" not in h]
    if not any(lower.endswith(head) for head in heads):
        return None
    if known is not None and known.area:
        return known.area
    areas = [e.key for _s, _e, e in match_entities(name) if e.kind == "area"]
    if areas and name.lower().startswith(match_label_prefix(name, areas[0])):
        return areas[0]
    return None


def match_label_prefix(name: str, area: str) -> str:
    """The area's label (or alternative label) that ``name`` starts with, lower case, or '#'."""
    known = by_kind_key().get(("area", area))
    labels = (known.entity.label, *known.alt_labels) if known else ()
    lower = name.lower()
    for label in sorted(labels, key=len, reverse=True):
        if lower.startswith(label.lower()):
            return label.lower()
    return "#"


def is_about_inspection(text: str) -> bool:
    """Whether ``text`` speaks of an inspection at all (an ``about`` cue of ``cues.csv``)."""
    return bool(cue_index("about").find(text.lower()))


def find_partnership(units: list[Unit], orgs: Orgs) -> tuple[Entity | None, Entity | None, int]:
    """The partnership most named (directly or by its area), its area, and where it is named."""
    index = by_kind_key()
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for start, end, entity in orgs:
        if entity.kind in ("partnership", "area"):
            area = entity.key if entity.kind == "area" else index[("partnership", entity.key)].area
            counts[area] += 2 if entity.kind == "partnership" else 1
            first.setdefault(area, start)
        elif (
            named := partnership_named(
                entity, text_of(units, start, end), text_of(units, end, end + 8)
            )
        ) is not None:
            counts[named] += 2  # 'East Lothian Health and Social Care Partnership'
            first.setdefault(named, start)
    if not counts:
        for unit in units:
            found = re.search(
                r"\bthe ((?:[A-Z][\w'-]+ )+)(Community Planning Partnership|Alliance)\b", unit.text
            )
            if found:
                name = found.group(1) + found.group(2)
                return unknown_entity(name, "partnership"), None, unit.start + found.start(1)
        return None, None, 0
    area_key = max(counts, key=lambda key: (counts[key], -first[key]))
    partnership = index.get(("partnership", area_key))
    area = index.get(("area", area_key))
    return (
        partnership.entity if partnership else None,
        area.entity if area else None,
        first[area_key],
    )


def _lead(units: list[Unit], orgs: Orgs) -> Entity | None:
    """The inspectorate right after a 'led by' / 'carried out by' cue (or before 'who led')."""
    for unit in units:
        inspectorates = [
            (s, e, ent)
            for s, e, ent in orgs
            if unit.start <= s < unit.end and ent.kind == "inspectorate"
        ]
        if not inspectorates:
            continue
        for hit in cue_index("lead").find(unit.text):
            at = unit.start + hit.start
            if hit.key in ("who led", "led the"):
                before = [item for item in inspectorates if item[1] <= at]
                if before:
                    return before[-1][2]
                continue
            after = [item for item in inspectorates if item[0] >= at + (hit.end - hit.start)]
            if after and after[0][0] - (unit.start + hit.end) < 40:
                return after[0][2]
    return None


_CITED = re.compile(r"\s*,?\s*(?:19|20)\d\d\b")


def _cited_only(text: str, orgs: Orgs, entity: Entity) -> bool:
    """Whether every naming of ``entity`` is a citation: its name then a year ('..., HM
    Inspectorate of Education 2005')."""
    return all(_CITED.match(text, e) for _s, e, ent in orgs if ent == entity)


def extract_inspection(doc: Document, units: list[Unit], orgs: Orgs) -> Inspection | None:
    """The inspection the document reports: partnership, area, inspectorates, kind, dates, links."""
    if not is_about_inspection(doc.text):
        return None  # 'The weather in Glasgow was mild' names an area, not an inspection
    partnership, area, named_at = find_partnership(units, orgs)
    if partnership is None:
        return None
    text = doc.text
    lower = text.lower()
    named: list[tuple[Entity, str]] = []
    for s, e, entity in orgs:
        if entity.kind == "inspectorate" and _cited_only(text, orgs, entity):
            continue  # the author of a framework the text cites, not an inspector
        if entity.kind == "inspectorate" and (entity, text[s:e]) not in named:
            named.append((entity, text[s:e]))
    inspectorates: list[Entity] = [entity for entity, _ in named]
    inspectorates = list(dict.fromkeys(inspectorates))
    lead = _lead(units, orgs) or (inspectorates[0] if inspectorates else None)
    kinds = {hit.key for hit in cue_index("kind").find(lower)}
    if "progress review" in kinds:
        kind = "progress review"
    elif kinds or len(inspectorates) >= 2:
        kind = "joint inspection"
    else:
        kind = "inspection"
    subjects = cue_index("subject").find(lower)
    subject = None
    if subjects:
        ranked = Counter(hit.key for hit in subjects)
        priority = ["adult support and protection", "children at risk of harm"]
        subject = next((s for s in priority if s in ranked), None) or ranked.most_common(1)[0][0]
    start = end = None
    for unit in units:
        found = _PERIOD.search(unit.text)
        if not found:
            continue
        # the cue in the period's own sentence ('In October 2021 the partnership merged ...'
        # is no fieldwork, whatever the next sentence of the bullet says)
        begin = unit.text.rfind(". ", 0, found.start()) + 1
        stop = unit.text.find(". ", found.end())
        sentence = unit.text[begin : stop if stop >= 0 else len(unit.text)].lower()
        if not any(cue in sentence for cue in _FIELDWORK_CUES + ("inspection",)):
            continue
        lower_unit = unit.text.lower()
        said_when = re.search(r"(?:took place|carried out)\s*$", unit.text[: found.start()])
        if ("publish" in lower_unit or "updated" in lower_unit) and not said_when:
            continue
        if any(hit.end <= found.start() + 1 for hit in cue_index("previous").find(unit.text)):
            continue  # 'following an inspection in July 2015': the earlier inspection's date
        if found.group("m0"):
            start = end = _iso(found.group("y0"), found.group("m0"))
        else:
            y2, m2, d2 = found.group("y2"), found.group("m2"), found.group("d2")
            y1 = found.group("y1") or y2
            m1 = found.group("m1") or m2
            d1 = found.group("d1") if (found.group("d1") and d2) else None
            start, end = _iso(y1, m1, d1), _iso(y2, m2, d2 if d1 else None)
        break
    published = _published(units)
    previous = None
    for hit in cue_index("previous").find(text):
        unit = _unit_of(units, hit.start)
        window = text[hit.end : (unit.end if unit else hit.end + 120)][:120]
        year = _YEAR.search(window)
        if year and not (start and start.startswith(year.group())):
            previous = year.group()
            break
    if previous is None:
        # 'follows the 2017 joint inspection', 'progress since the 2014 inspection', 'the first
        # inspection of these services since 2014'
        inspecting = (u.text for u in units if "inspect" in u.text.lower() and _YEAR.search(u.text))
        for found in (m for t in inspecting for m in _YEAR_INSPECTION.finditer(t)):
            year = next(found.group(g) for g in ("year", "since", "when", "in") if found.group(g))
            if not (start and start.startswith(year)):
                previous = year
                break
    # the programme, dated by the inspection (a progress review: by the one it follows up)
    if kind == "progress review":
        year = year_of(previous, start, published)
    else:
        year = year_of(start, published)
    programme = choose_programme(text, year, latest_year(text))
    if programme is not None and programme.end is not None and published and year is not None:
        # fieldwork in the last year of one programme and the first of the next: the report,
        # published after the first ended, belongs to the later one
        later = choose_programme(text, int(published[:4]), latest_year(text))
        if (
            later is not None
            and later.family == programme.family
            and later.holds(year)
            and int(published[:4]) > programme.end
        ):
            programme = later
    # the programme of the earlier inspection: a progress review follows up its own
    # programme's inspection; an inspection names the year of the one before
    previous_programme = None
    if kind == "progress review" and programme is not None:
        previous_programme = programme.key
    elif previous is not None:
        earlier = choose_programme(text, int(previous))
        if earlier is not None and (programme is None or earlier.key != programme.key):
            previous_programme = earlier.key
    if programme is not None:
        subject = programme.subject
        if kind == "inspection" and programme.label.startswith("joint inspections"):
            kind = "joint inspection"  # a programme of joint inspections, one body named
    # a name two bodies bore at different times means the body of the inspection's year
    when = year or latest_year(text)
    resolved = {entity: body_in(entity, name, when) for entity, name in named}
    inspectorates = list(dict.fromkeys(resolved.get(e, e) for e in inspectorates))
    lead = resolved.get(lead, lead) if lead is not None else None
    urls = tuple(dict.fromkeys(m.group() for m in _URL.finditer(text)))
    evidence_unit = _unit_of(units, named_at)
    evidence = (_evidence(doc, evidence_unit.start, evidence_unit.end),) if evidence_unit else ()
    return Inspection(
        partnership=partnership,
        area=area,
        kind=kind,
        subject=subject,
        lead=lead,
        inspectorates=tuple(inspectorates),
        fieldwork_start=start,
        fieldwork_end=end,
        published=published,
        previous_year=previous,
        report_urls=urls,
        evidence=evidence,
        programme=programme.key if programme else None,
        previous_programme=previous_programme,
    )


def _published(units: list[Unit]) -> str | None:
    """The publication date: the report's ('published on 21st June 2022', 'published on
    23 May' in a page of 2023) over the page's (a dateline, 'Published: date'), or a dated
    title ('... September 2009 Contents'). Only a date printed with its year counts."""
    page = _page_date(units)
    for unit in units:
        lower = unit.text.lower()
        if "published on" not in lower:
            continue
        found = _DATE.search(unit.text, lower.index("published on"))
        if found and found.start() - lower.index("published on") < 60:
            return _iso(found.group("year"), found.group("month"), found.group("day"))
        found = _DAY_MONTH.search(unit.text)
        if found and page:
            return _iso(page[:4], found.group("month"), found.group("day"))
    if page:
        return page
    if units:
        found = _TITLE_DATE.search(units[0].text[:600])
        if found:
            return _iso(found.group("year"), found.group("month"))
    for unit in units[:3]:
        # a dated title or its own line: 'Report of a joint inspection, June 2016', 'March 2011'
        found = _LINE_MONTH.search(unit.text)
        if found and len(unit.text.split()) <= 8:
            return _iso(found.group("year"), found.group("month"))
    return None


def _page_date(units: list[Unit]) -> str | None:
    """The page's own date: a dateline, 'published ... (date)' or 'Published: date'."""
    for unit in units[:8]:  # a page banner may come first
        short = len(unit.text.split()) <= 8
        found = (
            _DATE.search(unit.text)
            if short or unit.text.lower().startswith(("published", "date"))
            else None
        )
        if found:
            return _iso(found.group("year"), found.group("month"), found.group("day"))
    for unit in units:
        lower = unit.text.lower()
        if "publish" in lower and "updated" not in lower:
            found = _DATE.search(unit.text)
            if found:
                return _iso(found.group("year"), found.group("month"), found.group("day"))
    return None


def _split_list(text: str) -> list[tuple[int, int]]:
    """Split a member list at semicolons and commas: (start, end) of each item."""
    items = []
    for match in re.finditer(r"[^;,\n]+", text):
        start, end = match.span()
        while start < end and text[start] in " \t":
            start += 1
        while end > start and text[end - 1] in " \t.":
            end -= 1
        if end > start:
            items.append((start, end))
    return items


# the words a body's name may hold in lower case ('Scottish Fire and Rescue Service')
_NAME_LINKS = {"and", "of", "the", "for", "in", "on", "&", "at"}


def _looks_like_name(name: str) -> bool:
    """Whether ``name`` has the shape of a body's name: capitalised words, joined by the
    small words names hold ('Highland Third Sector Interface', 'Action for Children', 'Sacro').

    >>> _looks_like_name("Scottish Fire and Rescue Service"), _looks_like_name("Sacro")
    (True, True)
    >>> _looks_like_name("The services are provided by")
    False
    """
    words = name.split()
    if not words or not words[0][:1].isupper():
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _NAME_LINKS for w in words)


def _members_before(text: str) -> list:
    """The ``members_before`` cues in ``text`` (the matcher only runs when a cue's first word
    occurs: most sentences have none)."""
    lower = " ".join(text.lower().split())
    if not any(phrase.strip('"') in lower for phrase in cue_phrases("members_before")):
        return []
    return cue_index("members_before").find(text)


def _list_end(text: str, start: int, stop: int) -> int:
    """Where a member list starting at ``start`` stops: at a ``members_before`` cue that names
    the whole ('..., known as the X Partnership') or at the end of the sentence."""
    for hit in _members_before(text[start:stop]):
        return start + hit.start
    opened = text[max(0, start - 3) : start].strip()
    closing = r"|\)" if opened.endswith("(") else ""  # 'the partnership (A, B and C)'
    if opened[-1:] in ("-", "\u2013", "\u2014"):
        closing += r"|\s[-\u2013\u2014]\s"  # 'partners - A, B and C - work together'
    sentence = re.search(r"[.!?](?:\s|$)" + closing, text[start:stop])
    return start + sentence.start() if sentence else stop


def _members_in(
    doc: Document, unit: Unit, at: int, orgs: Orgs, bullet: bool = False, stop: int | None = None
) -> list[tuple[Entity, int]]:
    """The organisations listed in ``unit`` from offset ``at`` (known ones and new ones) up to
    ``stop`` (default: where the list ends, :func:`_list_end`)."""
    start = at
    stop = _list_end(doc.text, start, unit.end) if stop is None else stop
    segment = doc.text[start:stop]
    known = [
        (s, e, ent if ent.kind != "other" else Entity("agency", ent.key, ent.label, ent.type))
        for s, e, ent in orgs
        if start <= s < stop and ent.kind != "area"
    ]
    found: list[tuple[Entity, int]] = []
    for item_start, item_end in _split_list(segment):
        a, b = start + item_start, start + item_end
        inside = [(s, e, ent) for s, e, ent in known if a <= s and e <= b]
        rest = doc.text[a:b]
        for s, _e, ent in inside:
            found.append((ent, s))
        if inside:
            # what the known names leave over ("X and Y" where only Y is known)
            for s, e, _ in inside:
                rest = rest.replace(doc.text[s:e], "|")
            pieces = [p.strip() for p in rest.split("|")]
            # a one-word name only as the list's own item ('..., the Scottish Prison Service
            # and Sacro'), not a word left between known names
            leftovers = [
                name
                for piece in pieces
                if (name := re.sub(r"^(?:and\s+)|(?:\s+(?:and|or)(?:\s+the)?)$", "", piece))
                and (len(name.split()) >= 2 or piece.startswith("and "))
                and name[:1].isupper()
            ]
        else:
            leftovers = [re.sub(r"^and\s+", "", rest.strip())] if rest.strip() else []
        for name in leftovers:
            name = re.sub(r"^(?:and|the)\s+", "", name, flags=re.IGNORECASE).strip(" .")
            if " ".join(name.lower().split()) in cue_phrases("generic_body"):
                continue  # 'Third Sector agencies' names no body
            if bullet and len(name.split()) > 6:
                continue  # a bulleted sentence, not a body's name
            if ";" not in segment and not _looks_like_name(name):
                # in running prose ('working with partners'); a semicolon list's items are
                # names however written ('Community council forum')
                continue
            if name and len(name) < 80:
                found.append((unknown_entity(name), a + doc.text[a:b].find(name)))
    return found


def _area_council(partnership: Entity) -> Entity | None:
    """The council of the partnership's area, from the reference data."""
    known = by_kind_key().get(("partnership", partnership.key))
    area = known.area if known else None
    for row in by_kind_key().values():
        if (
            area
            and row.area == area
            and row.entity.kind == "agency"
            and row.entity.type == "Council"
        ):
            return row.entity
    return None


def resolve_the_council(officials: list[Official], partnership: Entity | None) -> list[Official]:
    """Posts 'of the Council' put in the council of the partnership's area (no organisation
    when the text is about no partnership or the area's council is unknown)."""
    from dataclasses import replace

    from kg.extract.people import THE_COUNCIL

    council = _area_council(partnership) if partnership is not None else None
    return [
        replace(o, organisation=council) if o.organisation == THE_COUNCIL else o for o in officials
    ]


def _judged_agencies(unit: Unit, orgs: Orgs) -> list[Entity]:
    """Known agencies a sentence opens with whose own practice it judges as the partnership's
    ('NHS Lothian and Police Scotland also needed to strengthen their participation')."""
    inside = [
        (s - unit.start, e - unit.start, ent)
        for s, e, ent in orgs
        if unit.start <= s < unit.end and ent.kind == "agency"
    ]
    at, agencies = 0, []
    for start, end, entity in inside:
        between = unit.text[at:start].strip().lower()
        if between not in ("", "and", ",", "the", "and the"):
            break
        agencies.append(entity)
        at = end
    if not agencies:
        return []
    rest = unit.text[at:].lower().lstrip()
    return agencies if any(rest.startswith(c) for c in cue_phrases("member_judged")) else []


def extract_memberships(
    doc: Document,
    units: list[Unit],
    orgs: Orgs,
    partnership: Entity | None,
    officials: list[Official],
) -> list[Membership]:
    """Members from lists ('which consists of A; B; C'), and agencies that speak as partners."""
    if partnership is None:
        return []
    seen: dict[str, Membership] = {}
    for unit in units:
        hit = first_cue("members", unit.text)
        if hit is None:
            continue
        after = unit.start + hit.end
        members = [
            (agency, at)
            for agency, at in _members_in(doc, unit, after, orgs)
            if agency.kind not in ("partnership", "area", "inspectorate")
        ]
        # a bulleted list right after a line ending in the cue ("Its members are:")
        if not members and unit.text.rstrip().endswith(":"):
            following = [u for u in units if u.start > unit.start]
            for item in following:
                if not item.bullet:
                    break
                members.extend(_members_in(doc, item, item.start, orgs, bullet=True))
        for agency, _ in members:
            if agency.kind in ("partnership", "area", "inspectorate") or agency == partnership:
                continue
            seen.setdefault(
                agency.key, Membership(partnership, agency, _evidence(doc, unit.start, unit.end))
            )
    for unit in units:
        # a list before a cue that names it as the whole ('A, B and C, which make up the X
        # Partnership', 'A and B, known as the X'), from the start of its sentence
        for hit in _members_before(unit.text):
            stop = unit.text.rfind(". ", 0, hit.start)
            begin = stop + 2 if stop >= 0 else 0
            opener = first_cue("members", unit.text[begin : hit.start])
            if opener is not None:
                continue  # 'provided by A and B, known as ...': the forward list has them
            for agency, _at in _members_in(
                doc, unit, unit.start + begin, orgs, stop=unit.start + hit.start
            ):
                if agency.kind in ("partnership", "area", "inspectorate") or agency == partnership:
                    continue
                seen.setdefault(
                    agency.key,
                    Membership(partnership, agency, _evidence(doc, unit.start, unit.end)),
                )
    council = _area_council(partnership)
    for unit in units:
        if council is not None and re.match(r"The Council\b", unit.text):
            # 'The Council recently procured ...': the area's council acts in the partnership
            seen.setdefault(
                council.key, Membership(partnership, council, _evidence(doc, unit.start, unit.end))
            )
        for agency in _judged_agencies(unit, orgs):
            if agency != partnership:
                seen.setdefault(
                    agency.key,
                    Membership(partnership, agency, _evidence(doc, unit.start, unit.end)),
                )
    for official in officials:
        org = official.organisation
        if org is not None and org.kind == "agency" and org.key not in seen:
            text = official.quote.text.lower() if official.quote else ""
            if "partner" in text or "partnership" in text:
                seen[org.key] = Membership(partnership, org, official.evidence)
    return list(seen.values())


def extract_mentions(
    doc: Document,
    units: list[Unit],
    orgs: Orgs,
    inspection: Inspection | None,
    memberships: list[Membership],
    officials: list[Official] = (),
) -> list[Mention]:
    """Organisations named without being the partnership, a member or an inspectorate."""
    taken = {m.agency.key for m in memberships}
    if inspection is not None:
        taken |= {e.key for e in (inspection.partnership, inspection.area) if e is not None}
    # the unit an official speaks for is part of their post ('DCI NAME of the Public Protection
    # Unit'), unless it is the body the post is in ('chair of the Highland Child Protection
    # Committee'), which is a mention like any other
    attributions = [(o.evidence.start, o.evidence.end, o.organisation) for o in officials]
    mentions: dict[str, Mention] = {}
    inspecting = set(inspection.inspectorates) if inspection is not None else set()
    for start, end, entity in orgs:
        if entity.kind in ("area", "partnership", "country") or entity.key in taken:
            continue
        if entity.kind == "inspectorate" and (
            entity in inspecting
            or inspection is not None
            and not _cited_only(doc.text, orgs, entity)
        ):
            continue  # an inspector; a text about no inspection, or a citation: a mention
        posts_here = [org for a, b, org in attributions if a <= start < b]
        if entity.kind == "other" and posts_here and entity not in posts_here:
            continue
        if inspection is not None and inspection.area is not None:
            following = doc.text[end : end + 8]
            if partnership_named(entity, doc.text[start:end], following) == inspection.area.key:
                continue  # the partnership under another name
        council = entity.kind == "other" and entity.type == "Council"  # 'Perth & Kinross Council'
        if (entity.kind == "agency" or council) and inspection is not None:
            # a council of the inspected area is a member in all but name
            if entity.key.startswith(inspection.partnership.key):
                continue
        unit = _unit_of(units, start)
        span = (unit.start, unit.end) if unit else (start, end)
        mentions.setdefault(entity.key, Mention(entity, _evidence(doc, *span)))
    return list(mentions.values())
