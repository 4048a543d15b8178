"""Evaluate (a measurement beside stage 2, extract): score extractions against expectations.

An expectation is a hand-checked JSON file per document (``seeds/expected/``,
``tests/fixtures/docs/expected/``) naming its source document and every fact a careful reader
finds in it; the format and the matching rules are in ``docs/evaluation.md``.

The core is pure: :func:`parse_expectation` validates one file's JSON, :func:`compare` sets
one document's :class:`~kg.extract.records.Extraction` against its expected facts and says
which facts were found, missed or extra, :func:`score` turns that into :class:`Counts`,
:func:`aggregate` sums documents and :func:`format_table` prints precision, recall and F1 per
fact type with a micro-averaged total. Reading and writing live at the edges:
:func:`read_expectations`, :func:`evaluate` (reads each source and runs the extractor) and
:func:`write_json`. Nothing here looks inside the extractor: it only reads its records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import KgError

if TYPE_CHECKING:
    from kg.extract.records import Extraction

FACT_TYPES: tuple[str, ...] = (
    "partnership",
    "area",
    "kind",
    "programme",
    "subject",
    "lead",
    "inspectorate",
    "fieldwork",
    "published",
    "previous",
    "report_url",
    "indicator_count",
    "grade_count",
    "indicator_grade",
    "membership",
    "official",
    "person",
    "quote",
    "finding",
    "finding_theme",
    "good_practice",
    "amount",
    "mention",
)
"""Every fact type scored, in table order."""

DERIVED_TYPES = frozenset({"person", "finding_theme"})
"""Types scored from other types' expectations: ``person`` is ``official`` on the name alone,
``finding_theme`` the themes of the matched findings. An expectation file does not list them."""

EXPECTATION_TYPES: tuple[str, ...] = tuple(t for t in FACT_TYPES if t not in DERIVED_TYPES)
"""The fact types an expectation file may list under ``facts``."""

LOOSE_TYPES = frozenset({"person"})
"""Looser views of another type, left out of the micro-averaged total (no double counting)."""

KINDS = frozenset({"joint inspection", "progress review", "inspection"})
GRADES = frozenset(
    {"excellent", "very-good", "good", "adequate", "satisfactory", "weak", "unsatisfactory"}
    | {"very-effective", "effective", "effective-with-areas-for-improvement"}
    | {"important-areas-of-weakness"}  # the adult support and protection effectiveness scale
)
POLARITIES = frozenset({"strength", "improvement"})
UNCLASSIFIED = "unclassified"
"""The theme ``ontology/themes.ttl`` gives a finding no trigger phrase matched: no theme at all,
so it is dropped from both sides before themes are compared (an expectation writes ``[]``)."""

_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ISO = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")
_YEAR = re.compile(r"^\d{4}$")
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives of one fact type.

    A ratio with nothing to divide by (nothing extracted, nothing expected) counts as 1.0:

    >>> Counts(tp=3, fp=1, fn=0).precision, Counts(tp=3, fp=1, fn=0).recall
    (0.75, 1.0)
    >>> Counts().f1
    1.0
    >>> round((Counts(1, 0, 1) + Counts(1, 1, 0)).f1, 3)
    0.667
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def expected(self) -> int:
        """Facts the expectation lists."""
        return self.tp + self.fn

    @property
    def extracted(self) -> int:
        """Distinct facts the extractor gave."""
        return self.tp + self.fp

    @property
    def precision(self) -> float:
        """Share of extracted facts that were expected (1.0 when nothing was extracted)."""
        return self.tp / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        """Share of expected facts that were extracted (1.0 when nothing was expected)."""
        return self.tp / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0.0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        """The counts and ratios, for JSON."""
        return {
            "expected": self.expected,
            "extracted": self.extracted,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True)
class Comparison:
    """One fact type of one document: expected facts found (``matched``) or not (``missed``),
    and extracted facts nobody expected (``extra``), each in a printable normalised form."""

    matched: tuple[Any, ...] = ()
    missed: tuple[Any, ...] = ()
    extra: tuple[Any, ...] = ()

    @property
    def counts(self) -> Counts:
        """The comparison as tp / fp / fn."""
        return Counts(tp=len(self.matched), fp=len(self.extra), fn=len(self.missed))


@dataclass(frozen=True)
class Expected:
    """One expectation file: where it is, the document it describes, and the facts in it."""

    path: Path
    source: Path
    facts: Mapping[str, Sequence[Any]]

    @property
    def document_id(self) -> str:
        """The source document's id (its file name without extension)."""
        return self.source.stem


@dataclass(frozen=True)
class DocumentScore:
    """The comparison of one document's extraction with its expectation."""

    expected: Expected
    comparisons: Mapping[str, Comparison]
    error: str | None = None  # the extractor failed on this document; scored as extracting nothing

    @property
    def document_id(self) -> str:
        """The source document's id."""
        return self.expected.document_id

    @property
    def counts(self) -> dict[str, Counts]:
        """Counts per fact type."""
        return {t: c.counts for t, c in self.comparisons.items()}


@dataclass(frozen=True)
class Evaluation:
    """Every scored document and the sums over them."""

    documents: tuple[DocumentScore, ...] = field(default=())

    @property
    def totals(self) -> dict[str, Counts]:
        """Counts per fact type, summed over the documents."""
        return aggregate(doc.counts for doc in self.documents)

    def to_dict(self) -> dict[str, Any]:
        """Figures per document, per fact type and in total, for JSON."""
        totals = self.totals
        return {
            "documents": [
                {
                    "document": doc.document_id,
                    "source": str(doc.expected.source),
                    "expectation": str(doc.expected.path),
                    "error": doc.error,
                    "micro": micro(doc.counts).to_dict(),
                    "types": {t: c.to_dict() for t, c in doc.counts.items()},
                }
                for doc in self.documents
            ],
            "types": {t: c.to_dict() for t, c in totals.items()},
            "micro": micro(totals).to_dict(),
        }


# ---------------------------------------------------------------- normalising


def normalise(text: str | None) -> str | None:
    """Normalise a string for comparison: NFC, straight quotes, lower case, single spaces.

    >>> normalise("  Children\u2019s\\n  Services ")
    "children's services"
    >>> normalise(None) is None
    True
    """
    if text is None:
        return None
    from kg.sources import normalise_text

    return " ".join(normalise_text(str(text)).lower().split())


def _unquoted(text: str | None) -> str:
    """A quotation's normalised text without the quote marks and spaces around it.

    >>> _unquoted('  "We are confident."  ')
    'we are confident.'
    """
    return (normalise(text) or "").strip(" \"'")


def _name(text: str | None) -> str:
    """A good-practice name for comparison: normalised, without surrounding dashes or colons.

    >>> _name("Nurture Me - ")
    'nurture me'
    """
    return (normalise(text) or "").strip(" -\u2013\u2014:.")


def _span(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """A fieldwork period; one given end stands for both (a single month or day).

    >>> _span("2016-05", None)
    ('2016-05', '2016-05')
    """
    start, end = normalise(start), normalise(end)
    return (start or end, end or start)


def _words(text: str | None) -> set[str]:
    """The words of a normalised string.

    >>> sorted(_words("per cent increase in self-referrals"))
    ['cent', 'in', 'increase', 'per', 'referrals', 'self']
    """
    return set(_WORD.findall(normalise(text) or ""))


# ---------------------------------------------------------------- reading expectations


def _problem(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def _check_key(value: Any, where: str, nullable: bool = False) -> list[str]:
    if value is None and nullable:
        return []
    if not isinstance(value, str) or not _KEY.match(value):
        return [_problem(where, f"{value!r} is not a key (lower-case slug like 'fife-council')")]
    return []


def _check_text(value: Any, where: str, nullable: bool = False) -> list[str]:
    if value is None and nullable:
        return []
    if not isinstance(value, str) or not value.strip():
        return [_problem(where, f"{value!r} is not a non-empty string")]
    return []


def _check_int(value: Any, where: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return [_problem(where, f"{value!r} is not a whole number")]
    return []


def _check_pair(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or len(value) != 2:
        return [_problem(where, f"{value!r} is not a pair [a, b]")]
    return []


def _check_object(value: Any, where: str, required: set[str], optional: set[str]) -> list[str]:
    if not isinstance(value, dict):
        return [_problem(where, f"{value!r} is not an object")]
    missing = required - set(value)
    unknown = set(value) - required - optional
    problems = [_problem(where, f"missing {key!r}") for key in sorted(missing)]
    problems += [_problem(where, f"unknown field {key!r}") for key in sorted(unknown)]
    return problems


def _check_themes(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        return [_problem(where, f"{value!r} is not a list of theme keys")]
    return [p for i, theme in enumerate(value) for p in _check_key(theme, f"{where}[{i}]")]


def _check_item(fact_type: str, item: Any, where: str) -> list[str]:
    """Problems with one expected fact of ``fact_type`` (empty when it is well formed)."""
    if fact_type in ("partnership", "area", "lead", "inspectorate", "mention", "programme"):
        return _check_key(item, where)
    if fact_type == "kind":
        if item not in KINDS:
            return [_problem(where, f"{item!r} is not one of {', '.join(sorted(KINDS))}")]
        return []
    if fact_type == "subject":
        return _check_text(item, where)
    if fact_type == "published":
        if not isinstance(item, str) or not _ISO.match(item):
            return [_problem(where, f"{item!r} is not an ISO date (2017-10-31 or 2017-10)")]
        return []
    if fact_type == "previous":
        if not isinstance(item, str | int) or isinstance(item, bool) or not _YEAR.match(str(item)):
            return [_problem(where, f"{item!r} is not a year")]
        return []
    if fact_type == "report_url":
        if not isinstance(item, str) or not re.match(r"^https?://\S+$", item):
            return [_problem(where, f"{item!r} is not an http(s) URL")]
        return []
    if fact_type == "indicator_count":
        return _check_int(item, where)
    if fact_type == "fieldwork":
        problems = _check_pair(item, where)
        if problems:
            return problems
        if item == [None, None]:
            return [_problem(where, "a fieldwork period needs a start or an end")]
        return [
            _problem(where, f"{end!r} is not an ISO date (2014-06 or 2017-08-01)")
            for end in item
            if end is not None and (not isinstance(end, str) or not _ISO.match(end))
        ]
    if fact_type == "grade_count":
        problems = _check_pair(item, where)
        if problems:
            return problems
        grade, count = item
        problems = _check_int(count, f"{where}[1]")
        if grade not in GRADES:
            problems.append(_problem(f"{where}[0]", f"{grade!r} is not a grade key"))
        return problems
    if fact_type == "indicator_grade":
        problems = _check_pair(item, where)
        if problems:
            return problems
        indicator, grade = item
        problems = _check_text(indicator, f"{where}[0]")
        if grade not in GRADES:
            problems.append(_problem(f"{where}[1]", f"{grade!r} is not a grade key"))
        return problems
    if fact_type == "membership":
        problems = _check_pair(item, where)
        if problems:
            return problems
        return _check_key(item[0], f"{where}[0]") + _check_key(item[1], f"{where}[1]")
    if fact_type == "official":
        problems = _check_object(item, where, {"name", "honorific", "role", "organisation"}, set())
        if problems:
            return problems
        return (
            _check_text(item["name"], f"{where}.name")
            + _check_text(item["honorific"], f"{where}.honorific", nullable=True)
            + _check_text(item["role"], f"{where}.role", nullable=True)
            + _check_key(item["organisation"], f"{where}.organisation", nullable=True)
        )
    if fact_type == "quote":
        problems = _check_object(item, where, {"name", "starts", "ends"}, set())
        if problems:
            return problems
        return [p for key in ("name", "starts", "ends") for p in _check_text(item[key], where)]
    if fact_type == "finding":
        problems = _check_object(item, where, {"polarity", "contains"}, {"themes"})
        if problems:
            return problems
        if item["polarity"] not in POLARITIES:
            problems.append(
                _problem(where, f"polarity {item['polarity']!r} is not strength or improvement")
            )
        problems += _check_text(item["contains"], f"{where}.contains")
        return problems + _check_themes(item.get("themes", []), f"{where}.themes")
    if fact_type == "good_practice":
        problems = _check_object(item, where, {"name"}, {"themes", "description"})
        if problems:
            return problems
        return _check_text(item["name"], f"{where}.name") + _check_themes(
            item.get("themes", []), f"{where}.themes"
        )
    if fact_type == "amount":
        problems = _check_pair(item, where)
        if problems:
            return problems
        value, counts = item
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(_problem(f"{where}[0]", f"{value!r} is not a number"))
        return problems + _check_text(counts, f"{where}[1]")
    raise AssertionError(fact_type)  # pragma: no cover - every expectation type is handled


def parse_expectation(data: Any) -> tuple[str, dict[str, list[Any]]]:
    """Validate one expectation file's JSON; return its ``source`` and its ``facts``.

    Raises :class:`KgError` with the first problems found (the caller prefixes the file name).

    >>> parse_expectation({"source": "../a.txt", "facts": {"kind": ["progress review"]}})
    ('../a.txt', {'kind': ['progress review']})
    >>> parse_expectation({"source": "a.txt", "facts": {"grade": []}})
    Traceback (most recent call last):
    ...
    kg.errors.KgError: facts: unknown fact type 'grade'
    """
    if not isinstance(data, dict):
        raise KgError("not a JSON object with 'source' and 'facts'")
    unknown = sorted(set(data) - {"source", "facts"})
    if unknown:
        raise KgError(f"unknown key {unknown[0]!r} (an expectation has 'source' and 'facts')")
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise KgError("'source' must name the document, relative to this file")
    facts = data.get("facts")
    if not isinstance(facts, dict):
        raise KgError("'facts' must be an object of fact type -> list")
    problems: list[str] = []
    for fact_type, values in facts.items():
        if fact_type not in EXPECTATION_TYPES:
            problems.append(f"facts: unknown fact type {fact_type!r}")
            continue
        if values is None:
            continue
        if not isinstance(values, list):
            problems.append(f"facts.{fact_type}: not a list")
            continue
        for index, item in enumerate(values):
            problems += _check_item(fact_type, item, f"facts.{fact_type}[{index}]")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise KgError(problems[0] + more)
    return source, {t: list(v or []) for t, v in facts.items()}


def read_expectation(path: Path) -> Expected:
    """Read and validate one expectation file; its ``source`` must name an existing file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KgError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KgError(f"{path}: not valid JSON ({exc})") from exc
    try:
        source, facts = parse_expectation(data)
    except KgError as exc:
        raise KgError(f"{path}: {exc}") from None
    resolved = (path.parent / source).resolve()
    if not resolved.is_file():
        raise KgError(f"{path}: source {source}: no such file")
    return Expected(path=path, source=resolved, facts=facts)


def read_expectations(folder: Path) -> list[Expected]:
    """Read every ``*.json`` expectation under ``folder`` (or the one file ``folder`` names)."""
    folder = Path(folder)
    if folder.is_file():
        return [read_expectation(folder)]
    if not folder.is_dir():
        raise KgError(f"{folder}: no such file or folder")
    paths = sorted(folder.rglob("*.json"))
    if not paths:
        raise KgError(f"{folder}: no expectation files (*.json) here")
    return [read_expectation(path) for path in paths]


def check_against_text(facts: Mapping[str, Sequence[Any]], text: str) -> list[str]:
    """Problems where an expectation quotes its document wrongly: every finding's
    ``contains``, every quotation's ``starts``/``ends``, every official's name and
    good-practice name must occur in the (normalised) document text.

    >>> check_against_text({"finding": [{"polarity": "strength", "contains": "Nurture"}]},
    ...                    "A culture of nurture.")
    []
    >>> check_against_text({"quote": [{"name": "A", "starts": "We", "ends": "done."}]}, "We did.")
    ["facts.quote[0].ends 'done.' is not in the document text"]
    """
    haystack = normalise(text) or ""
    problems = []

    def need(value: str, where: str) -> None:
        if (normalise(value) or "") not in haystack:
            problems.append(f"{where} {value!r} is not in the document text")

    for i, item in enumerate(facts.get("finding", [])):
        need(item["contains"], f"facts.finding[{i}].contains")
    for i, item in enumerate(facts.get("quote", [])):
        need(item["starts"], f"facts.quote[{i}].starts")
        need(item["ends"], f"facts.quote[{i}].ends")
    for i, item in enumerate(facts.get("official", [])):
        need(item["name"], f"facts.official[{i}].name")
    for i, item in enumerate(facts.get("good_practice", [])):
        need(item["name"], f"facts.good_practice[{i}].name")
    return problems


# ---------------------------------------------------------------- comparing


def _unique(items: Iterable[Any]) -> list[Any]:
    """Items in first-seen order without repeats."""
    return list(dict.fromkeys(items))


def _compare_sets(expected: Iterable[Any], extracted: Iterable[Any]) -> Comparison:
    """Set semantics: each distinct fact counts once on either side."""
    wanted, found = _unique(expected), _unique(extracted)
    found_set, wanted_set = set(found), set(wanted)
    return Comparison(
        matched=tuple(item for item in wanted if item in found_set),
        missed=tuple(item for item in wanted if item not in found_set),
        extra=tuple(item for item in found if item not in wanted_set),
    )


def match_one_to_one(
    expected: Sequence[Any], extracted: Sequence[Any], fits: Callable[[Any, Any], bool]
) -> list[tuple[int, int]]:
    """The largest one-to-one matching of expected to extracted items where ``fits`` holds
    (augmenting paths), as sorted ``(expected index, extracted index)`` pairs.

    >>> match_one_to_one(["ab", "a"], ["ab", "xa"], lambda e, x: e in x)
    [(0, 0), (1, 1)]
    """
    candidates = [
        [j for j, found in enumerate(extracted) if fits(want, found)] for want in expected
    ]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(expected)):
        augment(i, set())
    return sorted((i, j) for j, i in owner.items())


def _compare_matched(
    expected: Sequence[Any],
    extracted: Sequence[Any],
    fits: Callable[[Any, Any], bool],
    show_expected: Callable[[Any], Any],
    show_extracted: Callable[[Any], Any],
) -> tuple[Comparison, list[tuple[Any, Any]]]:
    """One-to-one comparison; also returns the matched (expected, extracted) pairs."""
    pairs = match_one_to_one(expected, extracted, fits)
    used_e, used_x = {i for i, _ in pairs}, {j for _, j in pairs}
    comparison = Comparison(
        matched=tuple(show_expected(expected[i]) for i, _ in pairs),
        missed=tuple(show_expected(e) for i, e in enumerate(expected) if i not in used_e),
        extra=tuple(show_extracted(x) for j, x in enumerate(extracted) if j not in used_x),
    )
    return comparison, [(expected[i], extracted[j]) for i, j in pairs]


@dataclass(frozen=True)
class _Found:
    """An extracted finding in normalised form."""

    polarity: str
    text: str
    themes: frozenset[str]


def _extracted_facts(extraction: Extraction | None) -> dict[str, list[Any]]:
    """The extraction's facts in the normalised forms :func:`compare` matches on."""
    found: dict[str, list[Any]] = {t: [] for t in FACT_TYPES}
    if extraction is None:
        return found
    inspection = extraction.inspection
    if inspection is not None:
        for fact_type, entity in (
            ("partnership", inspection.partnership),
            ("area", inspection.area),
            ("lead", inspection.lead),
        ):
            if entity is not None:
                found[fact_type].append(normalise(entity.key))
        if inspection.kind:
            found["kind"].append(normalise(inspection.kind))
        if inspection.programme:
            found["programme"].append(normalise(inspection.programme))
        if inspection.subject:
            found["subject"].append(normalise(inspection.subject))
        found["inspectorate"] = [normalise(e.key) for e in inspection.inspectorates]
        if inspection.fieldwork_start or inspection.fieldwork_end:
            found["fieldwork"].append(_span(inspection.fieldwork_start, inspection.fieldwork_end))
        if inspection.published:
            found["published"].append(normalise(inspection.published))
        if inspection.previous_year:
            found["previous"].append(normalise(str(inspection.previous_year)))
        found["report_url"] = [normalise(url) for url in inspection.report_urls]
        if inspection.indicator_count is not None:
            found["indicator_count"].append(int(inspection.indicator_count))
    found["grade_count"] = [(normalise(g.grade), int(g.count)) for g in extraction.grade_counts]
    found["indicator_grade"] = [
        (normalise(g.indicator), normalise(g.grade)) for g in extraction.indicator_grades
    ]
    found["membership"] = [
        (normalise(m.partnership.key), normalise(m.agency.key)) for m in extraction.memberships
    ]
    for official in extraction.officials:
        name = normalise(official.name)
        organisation = official.organisation.key if official.organisation else None
        found["official"].append(
            (name, normalise(official.honorific), normalise(official.role), normalise(organisation))
        )
        found["person"].append(name)
        if official.quote is not None:
            found["quote"].append((name, _unquoted(official.quote.text)))
    themes_by_finding: dict[tuple[str, str], set[str]] = {}
    for finding in extraction.findings:
        key = (normalise(finding.polarity) or "", normalise(finding.text) or "")
        themes = {normalise(t) for t in finding.themes} - {UNCLASSIFIED}
        themes_by_finding.setdefault(key, set()).update(themes)
    found["finding"] = [
        _Found(polarity, text, frozenset(themes))
        for (polarity, text), themes in themes_by_finding.items()
    ]
    found["good_practice"] = [_name(g.name) for g in extraction.good_practice]
    found["amount"] = _unique(
        (float(a.value), normalise(a.counts) or "") for a in extraction.amounts
    )
    found["mention"] = [normalise(m.entity.key) for m in extraction.mentions]
    found["quote"] = _unique(found["quote"])
    return found



def _expected_simple(fact_type: str, values: Sequence[Any]) -> list[Any]:
    """Expected facts of a set-compared type in the normalised forms of the extraction's."""
    if fact_type == "fieldwork":
        return [_span(start, end) for start, end in values]
    if fact_type == "indicator_count":
        return [int(v) for v in values]
    if fact_type == "grade_count":
        return [(normalise(grade), int(count)) for grade, count in values]
    if fact_type in ("indicator_grade", "membership"):
        return [(normalise(a), normalise(b)) for a, b in values]
    if fact_type == "official":
        return [
            (
                normalise(v["name"]),
                normalise(v["honorific"]),
                normalise(v["role"]),
                normalise(v["organisation"]),
            )
            for v in values
        ]
    if fact_type == "good_practice":
        return [_name(v["name"]) for v in values]
    return [normalise(str(v)) for v in values]


def _fits_quote(want: Mapping[str, str], found: tuple[str, str]) -> bool:
    name, text = found
    return (
        normalise(want["name"]) == name
        and text.startswith(_unquoted(want["starts"]))
        and text.endswith(_unquoted(want["ends"]))
    )


def _fits_finding(want: Mapping[str, Any], found: _Found) -> bool:
    return want["polarity"] == found.polarity and (normalise(want["contains"]) or "") in found.text


def _fits_amount(want: Sequence[Any], found: tuple[float, str]) -> bool:
    value, counts = found
    return abs(float(want[0]) - value) < 1e-9 and _words(want[1]) <= _words(counts)


def compare(
    facts: Mapping[str, Sequence[Any]], extraction: Extraction | None
) -> dict[str, Comparison]:
    """Compare one document's extraction (None: nothing extracted) with its expected facts.

    Set semantics for most types; quotations, findings and amounts are matched one to one
    (see ``docs/evaluation.md``); ``finding_theme`` compares the themes of matched findings.
    """
    found = _extracted_facts(extraction)
    result: dict[str, Comparison] = {}
    for fact_type in FACT_TYPES:
        if fact_type in ("person", "quote", "finding", "finding_theme", "amount"):
            continue
        wanted = _expected_simple(fact_type, facts.get(fact_type, []))
        result[fact_type] = _compare_sets(wanted, found[fact_type])
    result["person"] = _compare_sets(
        [normalise(v["name"]) for v in facts.get("official", [])], found["person"]
    )
    result["quote"], _ = _compare_matched(
        _unique_dicts(facts.get("quote", [])),
        found["quote"],
        _fits_quote,
        lambda q: (normalise(q["name"]), f"{q['starts']} ... {q['ends']}"),
        lambda q: (q[0], _shorten(q[1])),
    )
    result["finding"], pairs = _compare_matched(
        _unique_dicts(facts.get("finding", [])),
        found["finding"],
        _fits_finding,
        lambda f: (f["polarity"], f["contains"]),
        lambda f: (f.polarity, _shorten(f.text)),
    )
    matched, missed, extra = [], [], []
    for want, got in pairs:
        themes = [
            t for t in _unique(normalise(t) for t in want.get("themes", [])) if t != UNCLASSIFIED
        ]
        matched += [(want["contains"], t) for t in themes if t in got.themes]
        missed += [(want["contains"], t) for t in themes if t not in got.themes]
        extra += [(want["contains"], t) for t in sorted(got.themes) if t not in themes]
    result["finding_theme"] = Comparison(tuple(matched), tuple(missed), tuple(extra))
    result["amount"], _ = _compare_matched(
        _unique(tuple(a) for a in facts.get("amount", [])),
        found["amount"],
        _fits_amount,
        lambda a: (a[0], a[1]),
        lambda a: (a[0], a[1]),
    )
    return {t: result[t] for t in FACT_TYPES}


def _unique_dicts(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Expected objects without exact repeats, in order."""
    seen, unique = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _shorten(text: str, limit: int = 90) -> str:
    """``text`` cut to ``limit`` characters for display.

    >>> _shorten("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def score(facts: Mapping[str, Sequence[Any]], extraction: Extraction | None) -> dict[str, Counts]:
    """tp / fp / fn per fact type of one document's extraction against its expected facts."""
    return {t: c.counts for t, c in compare(facts, extraction).items()}


def aggregate(per_document: Iterable[Mapping[str, Counts]]) -> dict[str, Counts]:
    """Sum counts per fact type over documents (every type present, zero when unseen)."""
    totals = {t: Counts() for t in FACT_TYPES}
    for counts in per_document:
        for fact_type, value in counts.items():
            totals[fact_type] = totals.get(fact_type, Counts()) + value
    return totals


def micro(counts: Mapping[str, Counts]) -> Counts:
    """The micro-averaged total: counts summed over fact types, except the looser ones."""
    total = Counts()
    for fact_type, value in counts.items():
        if fact_type not in LOOSE_TYPES:
            total = total + value
    return total


# ---------------------------------------------------------------- formatting


def _ratio(value: float, defined: bool) -> str:
    return f"{value:.3f}" if defined else "-"


def _row(label: str, c: Counts) -> str:
    return (
        f"{label:<22}{c.expected:>9}{c.extracted:>10}{c.tp:>6}{c.fp:>6}{c.fn:>6}"
        f"{_ratio(c.precision, c.extracted > 0):>11}{_ratio(c.recall, c.expected > 0):>8}"
        f"{_ratio(c.f1, c.expected > 0 or c.extracted > 0):>8}"
    )


def format_table(counts: Mapping[str, Counts], title: str = "") -> str:
    """A plain-text table: per fact type expected, extracted, tp, fp, fn, precision, recall
    and F1, then the micro-averaged total; "-" where there is nothing to divide by."""
    header = (
        f"{'fact type':<22}{'expected':>9}{'extracted':>10}{'tp':>6}{'fp':>6}{'fn':>6}"
        f"{'precision':>11}{'recall':>8}{'F1':>8}"
    )
    lines = [title] if title else []
    lines += [header, "-" * len(header)]
    lines += [_row(t, counts[t]) for t in FACT_TYPES if t in counts]
    lines.append("-" * len(header))
    lines.append(_row("total (micro)", micro(counts)))
    lines.append(
        '"-": nothing extracted (precision) or nothing expected (recall), counted as 1.0; '
        "the total leaves out person (a looser view of official)."
    )
    return "\n".join(lines)


def format_documents(evaluation: Evaluation) -> str:
    """One line per document: its micro-averaged figures (and an extractor failure, if any)."""
    width = max([40, *(len(doc.document_id) + 2 for doc in evaluation.documents)])
    header = f"{'document':<{width}}{'expected':>9}{'tp':>6}{'fp':>6}{'fn':>6}{'F1':>8}"
    lines = [header, "-" * len(header)]
    for doc in evaluation.documents:
        c = micro(doc.counts)
        note = f"  extractor failed: {doc.error}" if doc.error else ""
        lines.append(
            f"{doc.document_id:<{width}}{c.expected:>9}{c.tp:>6}{c.fp:>6}{c.fn:>6}{c.f1:>8.3f}{note}"
        )
    return "\n".join(lines)


def _show(item: Any) -> str:
    if isinstance(item, tuple):
        return " | ".join("null" if part is None else str(part) for part in item)
    return str(item)


def format_details(evaluation: Evaluation) -> str:
    """Every missed and extra fact, per document and fact type."""
    lines = []
    for doc in evaluation.documents:
        lines.append(f"== {doc.document_id}")
        for fact_type, comparison in doc.comparisons.items():
            lines += [f"  missed {fact_type}: {_show(item)}" for item in comparison.missed]
            lines += [f"  extra  {fact_type}: {_show(item)}" for item in comparison.extra]
    return "\n".join(lines)


# ---------------------------------------------------------------- running (I/O edge)


def evaluate(
    expectations: Sequence[Expected],
    extract_fn: Callable[[Any], Extraction] | None = None,
) -> Evaluation:
    """Read each expectation's source, run the extractor (default :func:`kg.extract.extract`)
    on it and compare. An expectation that misquotes its document is a :class:`KgError`; an
    extractor that fails on a document is recorded, and the document scored as extracting
    nothing."""
    from kg.sources import read_document

    if extract_fn is None:
        from kg.extract import extract as extract_fn
    scores = []
    for expected in expectations:
        document = read_document(expected.source)
        problems = check_against_text(expected.facts, document.text)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise KgError(f"{expected.path}: {problems[0]}{more}")
        error = None
        try:
            extraction = extract_fn(document)
        except Exception as exc:  # noqa: BLE001 - a measurement records the failure and goes on
            extraction, error = None, f"{type(exc).__name__}: {exc}"
        scores.append(DocumentScore(expected, compare(expected.facts, extraction), error))
    return Evaluation(tuple(scores))


def write_json(evaluation: Evaluation | Sequence[EvaluationSet], path: Path) -> Path:
    """Write the figures as JSON to ``path``: one evaluation's (documents, types, micro), or
    several sets' as ``{"sets": [{"name", "folders", documents, types, micro}, ...]}``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(evaluation, Evaluation):
        data = evaluation.to_dict()
    else:
        data = {"sets": [result.to_dict() for result in evaluation]}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- sets measured separately

DEFAULT_SETS: tuple[tuple[str, tuple[Path, ...]], ...] = (
    ("seeds", (Path("seeds/expected"),)),
    ("development (real corpus)", (Path("corpus/real/expected/dev"),)),
    ("held-out (real corpus)", (Path("corpus/real/expected/heldout"),)),
)
"""What ``kg eval`` measures with no argument, each set scored and printed on its own: the
seeds, the real development set (rules may be tuned on it) and the real held-out set (never
tuned on). Folders are relative to the working directory, the repository's root."""


@dataclass(frozen=True)
class EvaluationSet:
    """One named set of expectations (its folders) and its evaluation."""

    name: str
    folders: tuple[Path, ...]
    evaluation: Evaluation

    def to_dict(self) -> dict[str, Any]:
        """The set's name and folders with its figures, for JSON."""
        return {
            "name": self.name,
            "folders": [str(folder) for folder in self.folders],
            **self.evaluation.to_dict(),
        }


def evaluate_sets(
    sets: Sequence[tuple[str, Sequence[Path]]],
    extract_fn: Callable[[Any], Extraction] | None = None,
) -> list[EvaluationSet]:
    """Score each named set on its own. Every expectation file of every set is read (and
    refused if malformed) before the extractor runs on any document."""
    read = [(name, tuple(map(Path, folders))) for name, folders in sets]
    expectations = [
        [e for folder in folders for e in read_expectations(folder)] for _, folders in read
    ]
    return [
        EvaluationSet(name, folders, evaluate(items, extract_fn))
        for (name, folders), items in zip(read, expectations, strict=True)
    ]


def format_set(result: EvaluationSet, details: bool = False) -> str:
    """One set as ``kg eval`` prints it: a heading naming the set (when it has a name), every
    missed and extra fact (``details``), one line per document, the table per fact type."""
    folders = ", ".join(map(str, result.folders))
    count = len(result.evaluation.documents)
    parts = []
    if result.name:
        heading = f"{result.name}: {folders} ({count} document{'s' if count != 1 else ''})"
        parts.append(f"{'=' * len(heading)}\n{heading}\n{'=' * len(heading)}")
    if details:
        parts.append(format_details(result.evaluation))
    parts.append(format_documents(result.evaluation))
    title = f"{result.name} by fact type: {folders}" if result.name else f"by fact type: {folders}"
    parts.append(format_table(result.evaluation.totals, title))
    return "\n\n".join(parts)
