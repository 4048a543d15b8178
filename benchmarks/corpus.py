"""Benchmark corpus: N seeded, deterministic inspection press releases as .txt, .html and .pdf.

Documents read like the seeds (``seeds/*.txt``) in several phrasings: every council area of
``kg/data/organisations.csv`` in turn, the lead inspectorate and its partners, officials with
honorifics and posts quoted with ``said:``, grades as tallies in words and in digits, member
lists ("which consists of A; B; C"), and strengths and areas for improvement drawn from
recurring themes. About 1,000 words each.

Inspections: the extractor keys an inspection by partnership and programme (a progress
review by the programme it follows up), so a partnership has one inspection per programme of
children's services (2012, 2018, 2021) and one progress review of each: six per area, 192 in
all (:func:`inspection_slot`). Document ``i`` is about area ``i % 32`` and, in rounds of 32,
the joint inspection of the first programme, its progress review, the second programme, ...;
past 192 documents the rounds start again, and a later document is another press release
about an inspection already written of: it gives the same dates, kind, inspectorates, members
and grades (drawn from the inspection's own seed), in other words. :func:`expected_inspections`
says how many inspections ``N`` documents describe.

Document ``i`` depends only on ``(seed, i)``, so the first 100 documents of a 1,000-document
corpus are the 100-document corpus. PDFs are written with fpdf2 (``pip install fpdf2``); when
it is missing they are written as .txt instead and a warning is printed.

    python -m benchmarks.corpus 1000 benchmarks/corpus/c1000 --seed 1 [--pdf 0.05 --html 0.2]
"""

from __future__ import annotations

import argparse
import csv
import html
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import kg

ORGANISATIONS = Path(kg.__file__).parent / "data" / "organisations.csv"

NHS_BOARD = {
    "aberdeen-city": "NHS Grampian", "aberdeenshire": "NHS Grampian", "moray": "NHS Grampian",
    "angus": "NHS Tayside", "dundee-city": "NHS Tayside", "perth-and-kinross": "NHS Tayside",
    "argyll-and-bute": "NHS Highland", "highland": "NHS Highland",
    "city-of-edinburgh": "NHS Lothian", "east-lothian": "NHS Lothian",
    "midlothian": "NHS Lothian", "west-lothian": "NHS Lothian",
    "clackmannanshire": "NHS Forth Valley", "falkirk": "NHS Forth Valley",
    "stirling": "NHS Forth Valley",
    "dumfries-and-galloway": "NHS Dumfries and Galloway",
    "east-ayrshire": "NHS Ayrshire and Arran", "north-ayrshire": "NHS Ayrshire and Arran",
    "south-ayrshire": "NHS Ayrshire and Arran",
    "east-dunbartonshire": "NHS Greater Glasgow and Clyde",
    "east-renfrewshire": "NHS Greater Glasgow and Clyde",
    "glasgow-city": "NHS Greater Glasgow and Clyde", "inverclyde": "NHS Greater Glasgow and Clyde",
    "renfrewshire": "NHS Greater Glasgow and Clyde",
    "west-dunbartonshire": "NHS Greater Glasgow and Clyde",
    "fife": "NHS Fife", "na-h-eileanan-siar": "NHS Western Isles",
    "north-lanarkshire": "NHS Lanarkshire", "south-lanarkshire": "NHS Lanarkshire",
    "orkney-islands": "NHS Orkney", "scottish-borders": "NHS Borders",
    "shetland-islands": "NHS Shetland",
}  # fmt: skip

LEAD = "Care Inspectorate"
PARTNER_INSPECTORATES = [
    "Education Scotland",
    "Healthcare Improvement Scotland",
    "Her Majesty’s Inspectorate of Constabulary for Scotland",
    "HMICS",
    "HM Inspectorate of Constabulary in Scotland",
]
NATIONAL_MEMBERS = [
    "Police Scotland", "Scottish Fire and Rescue Service", "Skills Development Scotland",
    "Scottish Enterprise", "Jobcentre Plus", "Scottish Children's Reporter Administration",
    "Children's Hearings Scotland", "Barnardo's", "Audit Scotland",
]  # fmt: skip
# who held the Care Inspectorate's chief executive post when (matches the seeds)
CI_CHIEF = [(2012, "Annette Bruton"), (2015, "Karen Reid"), (2018, "Peter Macleod")]

GRADES = ["excellent", "very good", "good", "adequate", "weak", "unsatisfactory"]
GRADE_WEIGHTS = [1, 4, 5, 3, 1, 0.2]
WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
INDICATORS = [
    "improvements in the wellbeing of children and young people",
    "impact on children and young people",
    "impact on families",
    "impact on staff",
    "impact on the community",
    "assessing and responding to risk and need",
    "planning for individual children",
    "planning and improving services",
    "participation of children, young people, families and other stakeholders",
    "leadership of improvement and change",
]

FIRST = (
    "Alison Andrew Angela Brian Catherine Colin David Elaine Fiona Gordon Graham Heather Iain "
    "Jane Janice Karen Kenneth Laura Lesley Linda Malcolm Margaret Morag Neil Paul Rhona Robert "
    "Sandra Shona Stephen Stuart Susan Tom Wendy William Yvonne Ewan Kirsty Donald Mhairi"
).split()
SURNAME = (
    "Anderson Bell Brown Campbell Clark Cunningham Davidson Douglas Fraser Gibson Graham Grant "
    "Hamilton Henderson Hunter Johnston Kerr MacDonald Macleod McCabe McKenzie McLean Miller "
    "Mitchell Morrison Murray Paterson Reid Robertson Ross Scott Sinclair Stewart Thomson Walker "
    "Wallace Watson White Wilson Young"
).split()

# theme -> (strength sentences, improvement sentences); {area} is filled in
THEMES: dict[str, tuple[list[str], list[str]]] = {
    "care leavers": (
        [
            "Care leavers in {area} were well supported into adulthood by a dedicated "
            "throughcare and aftercare service that stayed in touch with them.",
            "Partners had extended continuing care so that more young people leaving care "
            "could remain in their placements until they were ready to move on.",
        ],
        [
            "Older care leavers did not always experience a consistently high quality of "
            "support into adulthood.",
            "Partners should improve support for care leavers, particularly in finding "
            "suitable accommodation, employment and training.",
        ],
    ),
    "quality assurance": (
        [
            "A robust quality assurance framework was helping managers in {area} to "
            "understand the quality of practice and to act on what they found.",
        ],
        [
            "Partners had not yet developed a systematic approach to quality assurance of "
            "key processes such as chronologies and plans.",
            "The bodies must set standards for joint processes and ensure that more robust "
            "quality assurance leads to practice of a consistently high quality.",
        ],
    ),
    "early intervention": (
        [
            "Investment in early intervention and prevention, especially from pre-birth to "
            "starting school, was making a positive difference to families in {area}.",
            "Universal and targeted services offered help early, before difficulties "
            "escalated, and families valued this support.",
        ],
        [
            "Partners need to further strengthen their work towards prevention and early "
            "intervention, informed by a robust needs assessment.",
        ],
    ),
    "poverty": (
        [
            "Partners were determined to reduce the impact of poverty on the lives of "
            "children, young people and families in {area}.",
            "Work to mitigate the adverse consequences of child poverty was highlighted as a "
            "key strength.",
        ],
        [
            "Partners should do more to understand and address the impact of poverty and "
            "deprivation on outcomes for children.",
        ],
    ),
    "GIRFEC": (
        [
            "Getting it Right for Every Child principles supported a shared understanding "
            "and a strong culture of collaborative working.",
        ],
        [
            "Partners need to implement a ‘Getting It Right For Every Child’ approach at an "
            "accelerated pace, focusing on practice change and reducing bureaucracy.",
            "The GIRFEC practice model was not yet consistently applied across services in {area}.",
        ],
    ),
    "joint self-evaluation": (
        [
            "Leaders in {area} used joint self-evaluation well to identify priorities and to "
            "drive improvement.",
        ],
        [
            "Partners had not yet fully developed a cohesive, shared and systematic approach "
            "to joint self-evaluation.",
            "Partners should identify priorities for improvement through joint "
            "self-evaluation and complete the cycle of action and review.",
        ],
    ),
    "child protection": (
        [
            "Staff responded promptly and effectively to child protection concerns, and risk "
            "assessment had improved significantly since the last inspection.",
        ],
        [
            "The chief officers’ group must establish robust oversight of child protection "
            "processes and take timely action to address emerging risks.",
            "Partners should improve the initial response to child protection concerns, "
            "including information sharing and a single record of decision-making.",
        ],
    ),
    "participation": (
        [
            "Children and young people in {area} were involved in every aspect of policy, "
            "planning and service development.",
            "Young people were encouraged to have a voice and to give their views on a wide "
            "range of topics, and they were listened to.",
        ],
        [
            "Partners should involve children, young people and families more consistently "
            "in planning and evaluating services.",
        ],
    ),
}

TITLES = [
    "Joint inspection finds services for children performing well in {area}",
    "Children’s services in {area} improve but {weakness}",
    "Care Inspectorate praises progress on children’s services in {area}",
    "Joint inspection of services for children and young people in {area}",
    "Inspectors report on services for children and young people in {area}",
    "{area}: inspection highlights strengths and areas for improvement",
]
WEAKNESSES = [
    "older care leavers not consistently supported",
    "quality assurance needs strengthening",
    "child protection oversight must improve",
    "joint self-evaluation still developing",
]
MONTHS = (
    "January February March April May June July August September October November December"
).split()
FILLER = [
    "Inspectors looked at how staff worked together across a range of services in the "
    "{area} area, including social work, health and education staff, police officers, and "
    "children’s reporters. They read a sample of case records of children and young people, "
    "met staff and managers, and spoke to parents, carers and young people themselves.",
    "Some specially-trained young inspector volunteers aged 18 to 24, who have personal "
    "experience of using care services, met young people, listening to what matters to them, "
    "and had the chance to probe agencies about what they were doing to improve the quality "
    "of care for other young people.",
    "The inspection covered a range of services for children and young people including "
    "education, health, social services and those provided by the police and the voluntary "
    "sector. Inspectors interviewed staff, senior officers and young people, visited "
    "services, and carried out a structured review of individual case records.",
    "The report notes that the partnership has the capacity to continue to improve. Leaders "
    "have a clear vision, shared by staff across services, and a realistic understanding of "
    "what is working well and what needs to improve further.",
    "Staff were enthusiastic and motivated to improve the quality of their work and in turn "
    "improve outcomes for children and their families. Many parents and carers had become "
    "more confident, and the wide range of universal and targeted services had helped build "
    "their knowledge and parenting skills.",
    "The partnership will now prepare an action plan showing how it will build on the "
    "strengths identified and address the areas for improvement. Inspectors will continue "
    "to offer support through the link inspector for the area.",
    "Most children and young people in need of care and protection enjoyed sincere and "
    "trusting relationships with carers and staff who knew them well. Relationships between "
    "agencies were positive and staff said they felt well supported by their managers.",
    "Inspectors found a strong emphasis on nurture and trauma-informed practice in universal "
    "services, and partners were investing in the mental health and emotional wellbeing of "
    "children and young people across the area.",
]
QUOTE_LINES = [
    "We are confident that the wellbeing and life chances of children and young people "
    "growing up in {area} are improving as a result of collective leadership by partners.",
    "This is based on staff across services working well together to deliver sustainable "
    "positive change for children, young people and families.",
    "I would like to thank the staff across all of the organisations for the committed work "
    "they do every day of the year.",
    "Where there is room for improvement we do not hesitate to report on this and expect "
    "partnerships to take the necessary action.",
    "The partnership will need to maintain its strong focus on improving the quality of "
    "services for children and young people in need of care and protection.",
    "We welcome the findings of this report and will use them to continue to improve the "
    "support we provide to the families of {area}.",
    "It is important that the current pace of improvement continues so that we provide the "
    "best outcomes for our children and young people.",
    "More systematic analysis of data, further development of joint self-evaluation and "
    "strengthened quality assurance should help deliver ongoing improvement.",
]


@dataclass(frozen=True)
class Area:
    """A council area with the labels a press release may use for it."""

    key: str
    label: str
    council: str
    partnership: str
    partnership_alts: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """One block of a document: a heading, a paragraph, or a bullet list."""

    kind: str  # "title" | "date" | "p" | "ul"
    text: str | tuple[str, ...]


def read_areas(path: Path = ORGANISATIONS) -> list[Area]:
    """The council areas of ``organisations.csv`` with their council and partnership labels."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    areas = {r["key"]: r for r in rows if r["kind"] == "area"}
    councils = {
        r["area"]: r["label"] for r in rows if r["kind"] == "agency" and r["type"] == "Council"
    }
    partnerships = {r["area"]: r for r in rows if r["kind"] == "partnership"}
    result = []
    for key, row in sorted(areas.items()):
        partnership = partnerships[key]
        alts = tuple(a for a in partnership["alt_labels"].split("|") if a)
        result.append(Area(key, row["label"], councils[key], partnership["label"], alts))
    return result


def _tally(counts: dict[str, int], rng: random.Random) -> str:
    """Grades as a tally: words or digits, ``two as ‘excellent’``, ``four ‘very goods’``."""
    style = rng.choice(["words", "digits", "plural"])
    parts = []
    for grade, count in counts.items():
        number = str(count) if style == "digits" else WORDS[count]
        if style == "plural":
            plural = f"{grade}s" if count > 1 else grade
            parts.append(f"{number} ‘{plural}’")
        else:
            parts.append(f"{number} ‘{grade}’")
    body = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    total = sum(counts.values())
    return rng.choice(
        [
            f"Across {WORDS[total]} quality indicators used to assess the effectiveness of the "
            f"partnership, inspectors graded {body}.",
            f"Of the {total} quality indicators evaluated, inspectors found {body}.",
            f"The partnership has received {body} ratings in the inspection published today.",
        ]
    )


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(SURNAME)}"


def _stable_person(key: str, seed: int) -> str:
    """The same person for the same post and period in every document."""
    return _person(random.Random(f"{seed}|{key}"))


def _quote(rng: random.Random, area: Area, curly: bool) -> str:
    lines = rng.sample(QUOTE_LINES, rng.randint(2, 4))
    opening, closing = ("“", "”") if curly else ('"', '"')
    paragraphs = [opening + line.format(area=area.label) for line in lines]
    paragraphs[-1] += closing
    return "\n\n".join(paragraphs)


def _officials(rng: random.Random, area: Area, year: int, seed: int) -> list[str]:
    """Two or three quoted officials, each phrased one of several ways."""
    chief = next(name for since, name in reversed(CI_CHIEF) if year >= since)
    period = "a" if year < 2016 else "b"
    leader = _stable_person(f"leader|{area.key}|{period}", seed)
    nurse = _stable_person(f"nurse|{NHS_BOARD[area.key]}|{period}", seed)
    curly = rng.random() < 0.7
    candidates = [
        rng.choice(
            [
                f"{chief}, chief executive of the Care Inspectorate said:",
                f"{chief}, the Care Inspectorate’s Chief Executive, said:",
            ]
        ),
        rng.choice(
            [
                f"Councillor {leader}, leader of {area.council} said:",
                f"Cllr {leader}, Chair of the {area.partnership} said:",
            ]
        ),
        f"{NHS_BOARD[area.key]}’s Director of Nursing, Professor {nurse} said:",
        f"DCI {_person(rng)} of Police Scotland’s Public Protection Unit said:",
        f"Dr {_person(rng)}, chief social work officer of {area.council} said:",
    ]
    chosen = [candidates[0], *rng.sample(candidates[1:], rng.randint(1, 2))]
    return [f"{head} {_quote(rng, area, curly)}" for head in chosen]


# The children's-services programmes of ``ontology/programmes.ttl`` an inspection is drawn
# from, with the years its fieldwork may take (the year after stays in the programme, for
# the progress review that follows it up).
PROGRAMME_YEARS = [(2012, 2016), (2018, 2019), (2021, 2022)]
ROUNDS = 2 * len(PROGRAMME_YEARS)  # each programme's joint inspection, then its progress review
GENERATOR = "2"  # kept in the corpus folder: a corpus of another generator is written afresh


def inspection_slot(index: int, areas: int = 32) -> tuple[int, int, bool]:
    """The inspection document ``index`` is about: (area, programme, progress review).

    >>> inspection_slot(0), inspection_slot(32), inspection_slot(64), inspection_slot(192)
    ((0, 0, False), (0, 0, True), (0, 1, False), (0, 0, False))
    """
    turn = (index // areas) % ROUNDS
    return index % areas, turn // 2, bool(turn % 2)


def expected_inspections(count: int, areas: int = 32) -> int:
    """How many inspections documents ``0 .. count - 1`` describe.

    >>> expected_inspections(100), expected_inspections(1000)
    (100, 192)
    """
    return min(count, areas * ROUNDS)


@dataclass(frozen=True)
class Facts:
    """What every document about one inspection agrees on."""

    kind: str
    year: int
    month: int  # index into MONTHS of the fieldwork's first month
    span: int  # the fieldwork's last month is ``month + span``
    published: str  # e.g. "12 June 2014"
    earlier: int | None  # a progress review: the year of the inspection it follows up
    partners: tuple[str, ...]
    members: tuple[str, ...]
    grades: dict[str, int]  # empty for a progress review
    best_indicator: str


def inspection_facts(index: int, seed: int, areas: list[Area]) -> Facts:
    """The facts of the inspection document ``index`` is about: deterministic in the
    inspection, the same for every document of it."""
    slot, programme, progress = inspection_slot(index, len(areas))
    area = areas[slot]
    first, last = PROGRAMME_YEARS[programme]
    year = random.Random(f"{seed}|inspection|{area.key}|{programme}").randint(first, last)
    rng = random.Random(f"{seed}|inspection|{area.key}|{programme}|{progress}")
    if progress:
        year += 1
    month = rng.randint(0, 8)
    span = rng.choice([1, 2])
    published = f"{rng.randint(1, 28)} {MONTHS[month + span + 1]} {year}"
    partners = rng.sample(PARTNER_INSPECTORATES[:3], rng.randint(1, 3))
    if rng.random() < 0.6:
        partners.append(rng.choice(PARTNER_INSPECTORATES[2:]))
    members = [area.council, NHS_BOARD[area.key], *rng.sample(NATIONAL_MEMBERS, rng.randint(2, 5))]
    grades: dict[str, int] = {}
    if not progress:
        for grade in rng.choices(GRADES, GRADE_WEIGHTS, k=9):
            grades[grade] = grades.get(grade, 0) + 1
        grades = {g: grades[g] for g in GRADES if g in grades}
    return Facts(
        kind="progress review" if progress else "joint inspection",
        year=year,
        month=month,
        span=span,
        published=published,
        earlier=year - 1 if progress else None,
        partners=tuple(dict.fromkeys(partners)),
        members=tuple(members),
        grades=grades,
        best_indicator=rng.choice(INDICATORS),
    )


def make_document(index: int, seed: int, areas: list[Area], words: int = 1000) -> list[Block]:
    """The blocks of document ``index``: deterministic in ``(seed, index)``; the inspection's
    facts (:func:`inspection_facts`) shared with every other document about it."""
    rng = random.Random(f"{seed}|{index}")
    area = areas[inspection_slot(index, len(areas))[0]]
    facts = inspection_facts(index, seed, areas)
    year, month, kind = facts.year, facts.month, facts.kind
    partnership = rng.choice([area.partnership, *area.partnership_alts, area.partnership])
    partners = list(facts.partners)

    title = rng.choice(TITLES).format(area=area.label, weakness=rng.choice(WEAKNESSES))
    blocks = [Block("title", title)]
    if rng.random() < 0.5:
        blocks.append(Block("date", facts.published))
    blocks.append(
        Block(
            "p",
            rng.choice(
                [
                    f"Inspectors have today reported key strengths in the way children and "
                    f"young people in need of care in {area.label} are cared for.",
                    f"Services for children and young people in {area.label} are making a "
                    f"positive difference to the lives of children and families, inspectors "
                    f"have said.",
                    f"A {kind} of services for children and young people in {area.label} has "
                    f"recommended that improvements are made to outcomes for vulnerable "
                    f"children.",
                ]
            ),
        )
    )
    others = ", ".join(partners[:-1]) + (" and " if len(partners) > 1 else "") + partners[-1]
    first, last = MONTHS[month], MONTHS[month + facts.span]
    blocks.append(
        Block(
            "p",
            rng.choice(
                [
                    f"The {LEAD} who led the {kind} (with {others}) between {first} and "
                    f"{last} {year} focused on how well services in the {partnership} area "
                    f"are working together.",
                    f"The {kind} was carried out by the {LEAD} with {others} between "
                    f"{first} and {last} {year}.",
                    f"The report follows a {kind} led by the {LEAD} which was carried out "
                    f"between {first} and {last} {year}, with {others}.",
                ]
            ),
        )
    )
    if facts.earlier is not None:
        blocks.append(
            Block(
                "p",
                f"The review assessed progress made following the joint inspection in "
                f"{facts.earlier}, and what difference the partnership's improvement plan had "
                f"made.",
            )
        )
    blocks.append(
        Block(
            "p",
            f"It follows a {kind} of services for children and young people in the "
            f"{partnership}, which consists of {'; '.join(facts.members)}.",
        )
    )
    if facts.grades:
        blocks.append(Block("p", _tally(facts.grades, rng)))
        best = next(iter(facts.grades))
        blocks.append(
            Block("p", f"The ‘{best}’ rating is in the category ‘{facts.best_indicator}’.")
        )
    themes = list(THEMES)
    strong = rng.sample(themes, rng.randint(2, 4))
    weak = rng.sample([t for t in themes if t not in strong], rng.randint(2, 3))
    blocks.append(Block("p", rng.choice(["Key findings included:", "Key strengths included:"])))
    blocks.append(
        Block("ul", tuple(rng.choice(THEMES[t][0]).format(area=area.label) for t in strong))
    )
    blocks.append(Block("p", "Inspectors also identified some areas for improvement:"))
    blocks.append(
        Block("ul", tuple(rng.choice(THEMES[t][1]).format(area=area.label) for t in weak))
    )
    for official in _officials(rng, area, year, seed):
        blocks.append(Block("p", official))
    filler = rng.sample(FILLER, len(FILLER))
    position = 0
    while _count_words(blocks) < words:
        text = filler[position % len(filler)].format(area=area.label)
        blocks.insert(len(blocks) - 1 - position % 3, Block("p", text))
        position += 1
    blocks.append(
        Block("p", "The full inspection report is available on the Care Inspectorate website.")
    )
    return blocks


def _count_words(blocks: list[Block]) -> int:
    total = 0
    for block in blocks:
        texts = block.text if isinstance(block.text, tuple) else (block.text,)
        total += sum(len(t.split()) for t in texts)
    return total


def to_text(blocks: list[Block]) -> str:
    """Plain text in the seeds' layout: blank lines between paragraphs, bullets as ``  • ``."""
    out = []
    for block in blocks:
        if block.kind == "ul":
            out.append("\n\n".join(f"  • {item}" for item in block.text))
        else:
            out.append(str(block.text))
    return "\n\n".join(out) + "\n"


def to_html(blocks: list[Block]) -> str:
    """A news page: navigation, scripts and footer around an ``<article>``."""
    body = []
    for block in blocks:
        if block.kind == "title":
            body.append(f"<h1>{html.escape(str(block.text))}</h1>")
        elif block.kind == "date":
            body.append(f'<p class="date"><time>{html.escape(str(block.text))}</time></p>')
        elif block.kind == "ul":
            items = "".join(f"<li>{html.escape(item)}</li>" for item in block.text)
            body.append(f"<ul>{items}</ul>")
        else:
            for paragraph in str(block.text).split("\n\n"):
                body.append(f"<p>{html.escape(paragraph)}</p>")
    title = html.escape(str(blocks[0].text))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | Care Inspectorate</title>"
        "<script>window.dataLayer = window.dataLayer || [];</script></head><body>"
        '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>'
        '<li><a href="/contact">Contact us</a></li></ul></nav>'
        f"<main><article>{''.join(body)}</article></main>"
        "<footer><p>Copyright Care Inspectorate. All rights reserved.</p>"
        "<p>Cookies | Accessibility | Privacy</p></footer></body></html>\n"
    )


_LATIN1 = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "•": "-", "–": "-"})


def to_pdf(blocks: list[Block], path: Path) -> None:
    """A PDF with a text layer (fpdf2, core Helvetica, Latin-1 text)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_compression(True)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for block in blocks:
        texts = [f"- {t}" for t in block.text] if block.kind == "ul" else [str(block.text)]
        for text in texts:
            if block.kind == "title":
                pdf.set_font("Helvetica", style="B", size=14)
            pdf.multi_cell(0, 5, text.translate(_LATIN1), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            if block.kind == "title":
                pdf.set_font("Helvetica", size=10)
    pdf.output(str(path))


def _has_fpdf() -> bool:
    try:
        import fpdf  # noqa: F401
    except ImportError:
        return False
    return True


def format_of(index: int, seed: int, html_share: float, pdf_share: float) -> str:
    """The file format of document ``index``: deterministic, independent of the corpus size."""
    draw = random.Random(f"{seed}|format|{index}").random()
    if draw < pdf_share:
        return "pdf"
    if draw < pdf_share + html_share:
        return "html"
    return "txt"


def write_corpus(
    count: int,
    outdir: Path,
    seed: int = 1,
    html_share: float = 0.2,
    pdf_share: float = 0.05,
    words: int = 1000,
) -> dict[str, int]:
    """Write documents ``bench-00000`` .. ``count - 1`` and a ``manifest.csv``; count by format.

    Existing files of the same name are left alone (they are identical for the same seed and
    generator), so growing a corpus only writes the new documents; a folder written by another
    generator version (``GENERATOR``, kept in ``.generator``) or seed is emptied first.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    stamp = outdir / ".generator"  # hidden: not a document, not reported
    wanted = f"generator {GENERATOR} seed {seed} words {words}\n"
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != wanted:
        for old in outdir.glob("bench-*.*"):
            old.unlink()
        stamp.write_text(wanted, encoding="utf-8")
    areas = read_areas()
    pdf_ok = _has_fpdf()
    if pdf_share and not pdf_ok:
        print("warning: fpdf2 not installed; PDFs written as .txt", file=sys.stderr)
    formats = {"txt": 0, "html": 0, "pdf": 0}
    manifest = []
    for index in range(count):
        fmt = format_of(index, seed, html_share, pdf_share)
        if fmt == "pdf" and not pdf_ok:
            fmt = "txt"
        doc_id = f"bench-{index:05d}"
        path = outdir / f"{doc_id}.{fmt}"
        formats[fmt] += 1
        manifest.append((doc_id, path.name, fmt))
        if path.exists():
            continue
        blocks = make_document(index, seed, areas, words)
        if fmt == "pdf":
            to_pdf(blocks, path)
        elif fmt == "html":
            path.write_text(to_html(blocks), encoding="utf-8")
        else:
            path.write_text(to_text(blocks), encoding="utf-8")
    with (outdir / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "file", "format"])
        writer.writerows(manifest)
    return formats


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m benchmarks.corpus N OUTDIR [--seed 1]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of documents (10 to 20,000)")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--html", type=float, default=0.2, help="share written as HTML")
    parser.add_argument("--pdf", type=float, default=0.05, help="share written as PDF")
    parser.add_argument("--words", type=int, default=1000, help="words per document (about)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    formats = write_corpus(args.count, args.outdir, args.seed, args.html, args.pdf, args.words)
    elapsed = time.perf_counter() - started
    print(f"{args.count} documents in {args.outdir} ({formats}) in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
