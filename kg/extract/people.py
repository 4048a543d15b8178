"""People rules (stage 2, extract): officials, their posts and the words they are quoted saying.

Phrasings handled, with ORG a known or found organisation and HON an honorific:
``NAME, ROLE of ORG said:``, ``NAME, ORG's ROLE, said:``, ``ORG's ROLE, HON NAME said:``,
``HON NAME of ORG said:``, ``ORG ROLE, HON NAME.`` followed by ``He said:``, and
``"...," said NAME, ROLE of ORG.``. Pure.
"""

from __future__ import annotations

import re
from dataclasses import replace

from kg.extract.gazetteer import unknown_entity
from kg.extract.records import Entity, Evidence, Official
from kg.extract.text import Unit
from kg.extract.vocabulary import cue_phrases
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
    "dcc": "DCC",
    "acc": "ACC",
    "chief superintendent": "Chief Superintendent",
    "superintendent": "Superintendent",
    "chief inspector": "Chief Inspector",
    "sir": "Sir",
    "dame": "Dame",
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
}
_HON = "|".join(
    sorted({f(h) for h in HONORIFICS for f in (str.title, str.capitalize)}, key=len, reverse=True)
    + [h.upper() for h in HONORIFICS if len(h) <= 3]
)
_NAME = r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
# a surname's particle in lower case ('Linda de Caestecker', 'Anna van der Berg')
_PARTICLE = r"(?:(?:de|da|di|du|van|von|der|den|del|le|la)\s+)"
_PERSON = re.compile(
    rf"(?:\b(?P<hon>{_HON})\.?\s+)?\b(?P<name>{_NAME}(?:\s+{_PARTICLE}{{0,2}}{_NAME}){{1,2}})\b"
)
_SAID = re.compile(r"\b(?:said|says|commented|added|explained|stated)\b\s*:?", re.IGNORECASE)
_PRONOUN_SAID = re.compile(r"^(?:He|She|They)\s+(?:said|added|commented)\b", re.IGNORECASE)
_NOT_NAMES = {"the", "care", "picture", "nurture", "page", "download", "inspectors", "chief"}
_ROLE = r"[A-Za-z][A-Za-z -]{1,60}?"
# a Markdown block quotation: '> ' lines, one or more paragraphs, right after the colon
_BLOCKQUOTE = re.compile(
    r"[ \t]*\n\s*>[ \t]*(?P<quote>[^\n]+(?:\n[ \t]*>?[ \t]*\n?[ \t]*>[ \t]*[^\n]+)*)"
)


def _evidence(doc: Document, start: int, end: int) -> Evidence:
    return Evidence(start, end, doc.text[start:end], doc.page_of(start))


# words of posts and bodies, never of a person's name ('Executive Director', 'Social Work')
_POST_WORDS = {
    "executive",
    "director",
    "officer",
    "manager",
    "head",
    "leader",
    "chair",
    "convener",
    "minister",
    "secretary",
    "president",
    "commissioner",
    "inspector",
    "social",
    "work",
    "health",
    "public",
    "committee",
    "partnership",
    "protection",
    "strategic",
    "interim",
    "deputy",
    "depute",
    "assistant",
    "senior",
    "principal",
    "general",
    "nurse",
    "medical",
    "clinical",
    "education",
    "police",
    "children",
    "adult",
    "adults",
    "justice",
    "news",
    "report",
    "joint",
    "inspection",
    "published",
    "date",
    "service",
    "board",
    "group",
}


def _is_person(name: str, orgs_text: str) -> bool:
    words = name.split()
    if words[0].lower() in _NOT_NAMES or name in orgs_text:
        return False
    if words[0].lower().rstrip(".") in HONORIFICS or any(w.lower() in _POST_WORDS for w in words):
        return False  # 'Dr Linda' (the title, then a name cut short), 'Executive Director'
    return not any(w.lower() in {"of", "and", "services", "council", "scotland"} for w in words)


def _clean_role(role: str) -> str | None:
    role = re.sub(r"^(?:the|its|our|and)\s+", "", role.strip(" ,"), flags=re.IGNORECASE).strip()
    role = role.lower()
    if not role or len(role.split()) > 6 or role in {"said", "he", "she"}:
        return None
    return role


# 'the Council' in a post ('leader of the Council'): the council of the inspected area, which
# only the inspection knows; kg.extract resolves it (or drops the organisation)
THE_COUNCIL = Entity("agency", "the-council", "the Council", "Council")
_OF_THE_COUNCIL = re.compile(
    rf"\s*,\s*(?:the\s+)?(?P<role>{_ROLE})\s+of\s+the\s+Council\b(?=\s*(?:,|and\b|$))"
)


def _post(head: str, person: re.Match, head_start: int, orgs) -> tuple[str | None, Entity | None]:
    """The role and organisation around the person's name in ``head`` (text before 'said')."""
    in_head = [(s - head_start, e - head_start, ent) for s, e, ent in orgs]
    in_head = [(s, e, ent) for s, e, ent in in_head if 0 <= s and e <= len(head)]
    after = head[person.end() :]
    before = head[: person.start()]
    # NAME, ROLE of the Council (and ...): the area's council
    found = _OF_THE_COUNCIL.match(after)
    if found:
        return _clean_role(found.group("role")), THE_COUNCIL
    # NAME, ROLE of (the) ORG: the role runs up to the preposition before the organisation
    comma = re.match(r"\s*,\s*", after)
    following = [(s, e, ent) for s, e, ent in in_head if s >= person.end()]
    if comma and following:
        s, _e, org = following[0]
        between = head[person.end() + comma.end() : s]
        found = re.fullmatch(
            r"(?:the\s+)?(?P<role>[A-Za-z][A-Za-z' -]{1,60}?)"
            r"\s+(?:of|at|for|with|in)\s+(?:the\s+)?",
            between,
        )
        possessive = any(
            head[e2 : e2 + 2] == "'s" for s2, e2, _ in in_head if person.end() <= s2 < s
        )  # 'NAME, the Care Inspectorate's chief executive of ...' is the next form
        if found and not possessive:
            return _clean_role(found.group("role")), org
    # NAME, ORG ROLE,  ("Peter Gilbert, Care Inspectorate service manager, commented:")
    found = re.match(r"\s*,\s*(?:the\s+)?", after)
    if found and following:
        s, e, org = following[0]
        at = person.end() + found.end()
        if s == at:
            # 'ORG Chief Executive and Chair of the GROUP': the first post here
            role = re.match(
                r"\s+(?P<role>[A-Za-z][A-Za-z -]*?)(?=\s*,|\s*$|\s+and\s+[A-Z])", head[e:]
            )
            if role:
                return _clean_role(role.group("role")), org
    # NAME, ROLE of the Name Of A Body (a body the reference data does not know)
    if comma:
        found = re.match(
            rf"(?:the\s+)?(?P<role>{_ROLE})\s+of\s+the\s+(?P<org>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)+)",
            after[comma.end() :],
        )
        if found and _is_body_name(found.group("org")):
            return _clean_role(found.group("role")), unknown_entity(found.group("org"), "other")
    # NAME, the ORG's ROLE,
    found = re.match(r"\s*,\s*(?:the\s+)?(?P<rest>[^,]+),?", after)
    if found and "'s " in found.group("rest"):
        org_part, role = found.group("rest").rsplit("'s ", 1)
        org = next((ent for s, e, ent in in_head if s >= person.end()), None)
        return _clean_role(role), org
    # ORG's ROLE, HON NAME  /  ORG ROLE, HON NAME
    found = re.search(rf"(?P<role>{_ROLE})\s*,?\s*$", before)
    if found and before.strip():
        orgs_before = [(s, e, ent) for s, e, ent in in_head if e <= person.start()]
        if orgs_before:
            s, e, org = orgs_before[-1]
            role_text = head[e : person.start()]
            role_text = re.sub(r"^'s\s+", "", role_text.strip())
            if not role_text.strip(" ,"):
                # 'The Chief Executive of the Care Inspectorate, NAME,': the role before the org
                found = re.search(
                    r"(?:^|[,.:;]\s*)(?:the\s+)?(?P<role>[A-Za-z][A-Za-z' -]{1,60}?)\s+"
                    r"(?:of|at|for)\s+(?:the\s+)?$",
                    head[:s],
                    re.IGNORECASE,
                )
                role_text = found.group("role") if found else ""
            return _clean_role(role_text.strip(" ,")), org
    # POST NAME (no organisation): 'Interim Chief Social Work Officer Jane Kerr said'
    found = re.search(r"(?P<role>(?:[A-Z][a-z]+\s+){1,6})$", before)
    if (
        found
        and not after.strip(" ,:")
        and all(
            w.lower() in _POST_WORDS | {"chief", "officer"} for w in found.group("role").split()
        )
    ):
        orgs_before = [(s, e, ent) for s, e, ent in in_head if e <= person.start()]
        if not orgs_before:
            return _clean_role(found.group("role")), None
    # HON NAME of (the) ORG
    found = re.match(r"\s+(?:of|from)\s+(?:the\s+)?", after)
    if found:
        org = next((ent for s, e, ent in in_head if s >= person.end()), None)
        return None, org
    # NAME, ROLE, said (no organisation named): 'Lorraine Sanda, Chief Social Work Officer,'
    found = re.match(r"\s*,\s*(?:the\s+)?(?P<role>[A-Za-z][A-Za-z' -]{2,60}?)\s*,?\s*$", after)
    if found and not any(s >= person.end() for s, _e, _ent in in_head):
        role = found.group("role")
        if any(w.lower() in _POST_WORDS for w in role.split()):
            return _clean_role(role), None
    return None, None


def _is_body_name(name: str) -> bool:
    """Whether a capitalised name ends in an organisation word of ``cues.csv``."""
    lower = name.lower()
    return any(lower.endswith(head) for head in cue_phrases("org_head"))


def _second_posts(head: str, person: re.Match, head_start: int, orgs) -> list[tuple[str, Entity]]:
    """A second post after the first: 'NAME, ORG Chief Executive and Chair of the GROUP,'."""
    after = head[person.end() :]
    found = re.match(
        r"\s*,[^,]*?\s+and\s+(?P<role>[A-Za-z][A-Za-z -]{1,40}?)\s+of\s+(?:the\s+)?", after
    )
    if not found:
        return []
    at = head_start + person.end() + found.end()
    org = next((ent for s, _e, ent in orgs if s == at), None)
    if org is None:  # a name of generic words only ('Public Protection Chief Officers' Group')
        name = re.match(r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)+", after[found.end() :])
        if name and _is_body_name(name.group()):
            org = unknown_entity(name.group())
    role = _clean_role(found.group("role"))
    return [(role, org)] if org is not None and role else []


def _quote_after(doc: Document, offset: int) -> Evidence | None:
    """The quotation opening at ``offset``: paragraphs each opened by '"' until one closes it."""
    text = doc.text
    block = _BLOCKQUOTE.match(text, offset)
    if block:  # Markdown: 'NAME said:' and the words as a '> ' block quotation below
        return _evidence(doc, block.start("quote"), block.end("quote"))
    open_at = text.find('"', offset)
    if open_at < 0 or text[offset:open_at].strip():
        return None
    position = open_at + 1
    while True:
        close = text.find('"', position)
        newline = text.find("\n", position)
        if close < 0:
            end = newline if newline != -1 else len(text)
            break
        if newline != -1 and newline < close:
            nxt = re.compile(r"\n+\s*").match(text, newline)
            following = nxt.end() if nxt else newline + 1
            if following < len(text) and text[following] == '"':
                position = following + 1
                continue
            end = newline
            break
        end = close + 1
        if close + 1 < len(text) and text[close + 1] not in "\n":
            # a closing mark mid-paragraph: the quotation continues if the paragraph does
            rest = text[
                close + 1 : text.find("\n", close + 1) if "\n" in text[close + 1 :] else len(text)
            ]
            if rest.strip() and rest.count('"') % 2 == 1:
                position = close + 1
                continue
        break
    while end > open_at and text[end - 1].isspace():
        end -= 1
    return _evidence(doc, open_at, end)


def _quote_below(doc: Document, offset: int) -> Evidence | None:
    """A quotation opening the next paragraph after a reported-speech sentence."""
    text = doc.text
    rest = text[offset:]
    if not rest.startswith("\n"):
        return None
    following = re.compile(r"\s*").match(text, offset).end()
    if following < len(text) and text[following] == '"':
        return _quote_after(doc, following)
    return None


def _honorific(match: re.Match) -> str | None:
    hon = match.group("hon")
    if hon:
        return HONORIFICS.get(hon.lower().rstrip("."))
    return None


def _rank_organisation(honorific: str | None) -> Entity | None:
    """The organisation a rank implies (a DCI serves in Police Scotland; ``cues.csv``)."""
    from kg.extract.gazetteer import by_kind_key
    from kg.extract.vocabulary import read_cues

    if honorific is None:
        return None
    for cue in read_cues().get("rank_org", ()):
        if cue.phrase == honorific.lower():
            known = by_kind_key().get(("agency", cue.value))
            return known.entity if known else None
    return None


def _chair_posts(head: str, person: re.Match, head_start: int, orgs) -> list[tuple[str, Entity]]:
    """Posts given by a verb before the name: 'the partnership chaired by ... NAME'."""
    from kg.extract.vocabulary import read_cues

    posts = []
    lower = head[: person.start()].lower()
    for cue in read_cues().get("post_verb", ()):
        at = lower.rfind(cue.phrase)
        if at < 0:
            continue
        before = [(s, e, ent) for s, e, ent in orgs if s - head_start < at and e - head_start <= at]
        if before:
            posts.append((cue.value, before[-1][2]))
    return posts


# 'children's minister NAME MSP', 'Minister for Children and Young People NAME'
_TITLE_WORD = r"(?:[A-Z][\w']*|and|for|of|the)"
_POST_BEFORE = re.compile(
    rf"\b(?P<role>(?:[a-z]+'s\s+)?[Mm]inister(?:\s+for(?:\s+{_TITLE_WORD})+?)?)"
    rf"\s+(?P<name>{_NAME}\s+{_NAME})(?=\s+MSP\b|\s*[,.;:]|\s+[a-z])"
)


def _posts_before_names(doc: Document, units: list[Unit], known: set[str]) -> list[Official]:
    """Officials named after their post ('children's minister NAME MSP'), the organisation
    from a ``post_org`` cue of ``cues.csv``. The fullest post given for the person (also
    before their first name alone) is kept; a name cut by the end of the text is no person."""
    from kg.extract.gazetteer import by_kind_key
    from kg.extract.vocabulary import read_cues

    text = doc.text
    found = [m for m in _POST_BEFORE.finditer(text)]
    people: dict[str, re.Match] = {}
    for match in found:
        name = match.group("name")
        if len(name.split()) < 2 or match.end("name") >= len(text.rstrip()):
            continue
        if name not in known and _is_person(name, ""):
            people.setdefault(name, match)
    officials = []
    for name, match in people.items():
        # the fullest post before the name or the first name alone ('... People Aileen')
        first = re.escape(name.split()[0])
        titles = [match.group("role")] + [
            m.group("role")
            for m in re.finditer(
                rf"\b(?P<role>[Mm]inister\s+for(?:\s+{_TITLE_WORD})+?)\s+{first}\b", text
            )
        ]
        role = max(titles, key=len)
        org = None
        for cue in read_cues().get("post_org", ()):
            if cue.phrase in role.lower():
                known_org = by_kind_key().get(("agency", cue.value))
                org = known_org.entity if known_org else None
        span = match.span()  # the post and name: the rest of the sentence is not theirs
        officials.append(Official(name, None, _clean_role(role), org, _evidence(doc, *span)))
    return officials


# where an attribution after a quotation stops: its sentence's end, or the next quotation
_ATTRIBUTION_END = re.compile(r"[.;:](?=\s|\"|$)|\s\"|\n")


def _said_after_quote(
    doc: Document, unit: Unit, said: re.Match, orgs, names_of_orgs: str
) -> list[Official]:
    """'"...," said NAME, ROLE of ORG.' and '"...," added HON NAME, ROLE.': the person right
    after the verb, the post up to the end of the attribution, the quotation before it (with
    the quotation that follows the attribution, when one does: '... ORG. "More words."')."""
    text = doc.text
    close = unit.text.rfind('"', 0, said.start())
    if close <= 0:
        return []
    at = unit.start + said.end()
    stop = _ATTRIBUTION_END.search(text, at)
    end = stop.start() if stop else unit.end
    tail = text[at:end]
    person = _PERSON.match(tail, len(tail) - len(tail.lstrip()))
    if person is None or not _is_person(person.group("name"), names_of_orgs):
        # 'said ORG's ROLE, NAME.': the name ends the attribution
        people = [p for p in _PERSON.finditer(tail) if _is_person(p.group("name"), names_of_orgs)]
        person = people[-1] if people and not tail[people[-1].end() :].strip(" ,") else None
    if person is None:
        return []
    role, org = _post(tail, person, at, orgs)
    honorific = _honorific(person)
    ranked = _rank_organisation(honorific)
    if ranked is not None and (org is None or org.kind == "other"):
        org = ranked
    quote_end = unit.start + close + 1
    following = re.compile(r"[.;]?[ \t]*\n*[ \t]*").match(text, end).end()
    if following < len(text) and text[following] == '"':
        more = _quote_after(doc, following)
        if more is not None:
            quote_end = more.end
    quote = _evidence(doc, unit.start + (len(unit.text) - len(unit.text.lstrip())), quote_end)
    official = Official(
        person.group("name"), honorific, role, org, _evidence(doc, unit.start, unit.end), quote
    )
    second = [
        replace(official, role=r, organisation=o)
        for r, o in _second_posts(tail, person, at, orgs)
        if (r, o) != (role, org)
    ]
    return [official, *second]


def _people_in(head: str, names_of_orgs: str) -> list[re.Match]:
    """The people named in ``head``; a name after post words is read without them ('Chief
    Executive Jackie Irvine', 'Interim Chief Social Work Officer Jane Kerr')."""
    found = []
    for candidate in _PERSON.finditer(head):
        if _is_person(candidate.group("name"), names_of_orgs):
            found.append(candidate)
            continue
        at = candidate.start("name")
        for word in re.finditer(r"\S+", candidate.group("name")):
            if word.group().lower() not in _POST_WORDS | {"chief", "care"}:
                at = candidate.start("name") + word.start()
                break
        else:
            continue
        rest = _PERSON.match(head, at)
        if rest and rest.start() > candidate.start() and _is_person(rest.group("name"), ""):
            found.append(rest)
    return found


def _with_the_council(text: str, orgs) -> list:
    """The organisations plus each 'the Council' (capital C) no organisation's name covers:
    the area's council, in posts ('leader of the Council', 'The Council's Executive
    Director of Social Work')."""
    spans = list(orgs)
    for found in re.finditer(r"\b[Tt]he Council\b(?!\s+(?:area|of)\b)", text):
        if not any(s <= found.start() < e for s, e, _ in orgs):
            spans.append((found.start(), found.end(), THE_COUNCIL))
    return sorted(spans, key=lambda item: item[0])


def extract_officials(doc: Document, units: list[Unit], orgs) -> list[Official]:
    """Officials quoted in the document, each with post, organisation and quotation."""
    names_of_orgs = " | ".join(ent.label for _, _, ent in orgs)
    orgs = _with_the_council(doc.text, orgs)
    officials: list[Official] = []
    introduced: list[tuple[int, Official]] = []  # people named with a post, for "He said:"
    for index, unit in enumerate(units):
        said = _SAID.search(unit.text)
        head = unit.text[: said.start()] if said else unit.text
        candidates = _people_in(head, names_of_orgs)
        titled = [c for c in candidates if c.group("hon")]
        person = (titled or candidates or [None])[0]
        if said and _PRONOUN_SAID.match(unit.text) and introduced:
            quote = _quote_after(doc, unit.start + said.end())
            last = introduced[-1][0]
            for _i, previous in (item for item in introduced if item[0] == last):
                officials.append(
                    Official(
                        previous.name,
                        previous.honorific,
                        previous.role,
                        previous.organisation,
                        _evidence(doc, unit.start, unit.end),
                        quote,
                    )
                )
            continue
        if person is None:
            if said and re.match(r"\s*\"", unit.text):
                # '"...," said NAME, ROLE of ORG.' (perhaps '"..."' again after it)
                officials.extend(_said_after_quote(doc, unit, said, orgs, names_of_orgs))
            continue
        role, org = _post(head, person, unit.start, orgs)
        honorific = _honorific(person)
        ranked = _rank_organisation(honorific)
        if ranked is not None and (org is None or org.kind == "other"):
            org = ranked
        official = Official(
            name=person.group("name"),
            honorific=honorific,
            role=role,
            organisation=org,
            evidence=_evidence(doc, unit.start, unit.end),
        )
        extra_posts = _chair_posts(head, person, unit.start, orgs)
        second = [
            replace(official, role=r, organisation=o)
            for r, o in _second_posts(head, person, unit.start, orgs)
            if (r, o) != (role, org)
        ]
        if said and said.start() >= person.end():
            quote = _quote_after(doc, unit.start + said.end())
            if quote is None:  # 'commented on the findings of the report: "..."'
                colon = re.match(r"[^\n\"]{0,60}?:\s*", unit.text[said.end() :])
                if colon:
                    quote = _quote_after(doc, unit.start + said.end() + colon.end())
            if quote is None and unit.end == len(unit.text) + unit.start:
                # 'NAME, POST, said the partnership had ...' then the words, quoted below
                quote = _quote_below(doc, unit.end)
            if quote is not None:
                officials.extend(replace(o, quote=quote) for o in [official, *second])
                continue
            if role is not None and org is not None:
                # reported speech ('NAME, ROLE of ORG, said the partnership had ...'): the post
                # stands without a quotation
                officials.extend([official, *second])
        if said and said.start() >= person.end() and re.match(r"\s*\"", unit.text):
            # '"...," ORG's ROLE, NAME, said.': the quotation opens the sentence
            close = unit.text.rfind('"', 0, person.start())
            if close > 0:
                start = unit.start + len(unit.text) - len(unit.text.lstrip())
                quote = _evidence(doc, start, unit.start + close + 1)
                officials.extend(replace(o, quote=quote) for o in [official, *second])
                continue
        if said and said.start() < person.start() and unit.text.startswith('"'):
            # "...," said NAME, ROLE.
            close = unit.text.rfind('"', 0, said.start())
            quote = _evidence(doc, unit.start, unit.start + close + 1) if close > 0 else None
            officials.append(replace(official, quote=quote))
            continue
        if role is not None and org is not None:
            introduced.append((index, official))
            for extra_role, extra_org in extra_posts:
                if extra_org != org:
                    introduced.append(
                        (index, replace(official, role=extra_role, organisation=extra_org))
                    )
    officials.extend(_posts_before_names(doc, units, {o.name for o in officials}))
    quoted = {(o.name, o.role, o.organisation) for o in officials if o.quote is not None}
    return [
        o
        for o in officials
        if o.quote is not None or (o.name, o.role, o.organisation) not in quoted
    ]
