"""Test helpers for the views: small synthetic stores and a headless, offline Chromium.

``synthetic_store`` writes facts the way ``docs/data-model.md`` says the pipeline does
(memberships, inspections, findings with themes and evidence, post holdings, quotations),
so analysis and views can be tested before and beside the extractors.

``render`` opens an HTML file in Debian's Chromium with no network (a dead proxy makes any
external fetch fail), reads the page's own status (``data-kg-*`` attributes the view
script writes) from the DOM, collects console messages, and saves a screenshot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, XSD

from kg.namespace import GRAPH, IKG, NIF, mint_iri
from kg.store import ONTOLOGY_GRAPH, Store

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"

EVIL_SCRIPT = "<script>window.__pwned=1</script>"
EVIL_IMG = "<img src=x onerror=window.__pwned=1>"

THEMES = [
    "care leavers",
    "quality assurance",
    "joint self-evaluation",
    "early intervention",
    "poverty",
    "child protection and risk",
    "participation",
    "use of data",
    "leadership",
    "mental health",
    "parenting",
    "corporate parenting",
]
INSPECTORATES = [
    "Care Inspectorate",
    "Education Scotland",
    "Healthcare Improvement Scotland",
    "HM Inspectorate of Constabulary in Scotland",
]


def synthetic_graph(partnerships: int = 6, evil: bool = False, findings: int = 6) -> Graph:
    """A graph of ``partnerships`` partnerships with members, inspections, findings, people.

    NHS boards are shared by three partnerships each, the police by all; each inspection has
    ``findings`` findings on rotating themes. With ``evil`` a document id, a finding label
    and evidence sentences carry script and ``onerror`` payloads.
    """
    g = Graph()
    theme_iris = []
    for name in THEMES:
        t = mint_iri("theme", name)
        g.add((t, RDF.type, IKG.Theme))
        g.add((t, SKOS.prefLabel, Literal(name, lang="en")))
        theme_iris.append(t)
    insp_iris = []
    for name in INSPECTORATES:
        i = mint_iri("inspectorate", name)
        g.add((i, RDF.type, IKG.Inspectorate))
        g.add((i, RDFS.label, Literal(name, lang="en")))
        insp_iris.append(i)
    police = mint_iri("agency", "police-scotland")
    g.add((police, RDF.type, IKG.PoliceService))
    g.add((police, RDFS.label, Literal("Police Scotland", lang="en")))
    for n in range(partnerships):
        key = f"area-{n:04d}"
        doc_id = f"{n:03d}_doc" + (EVIL_SCRIPT if evil and n == 0 else "")
        doc = mint_iri("document", doc_id)
        g.add((doc, RDF.type, IKG.Document))
        g.add((doc, DCTERMS.identifier, Literal(doc_id)))
        g.add((doc, DCTERMS.issued, Literal(f"20{10 + n % 10}-0{1 + n % 9}-15", datatype=XSD.date)))

        def sentence(start: int, text: str, doc=doc) -> object:
            s = doc + f"#char={start},{start + len(text)}"
            g.add((s, RDF.type, NIF.String))
            g.add((s, NIF.anchorOf, Literal(text)))
            g.add((s, NIF.referenceContext, doc))
            g.add((s, NIF.beginIndex, Literal(start, datatype=XSD.nonNegativeInteger)))
            return s

        p = mint_iri("partnership", key)
        g.add((p, RDF.type, IKG.Partnership))
        label = f"Area {n} Partnership" + (f" {EVIL_IMG}" if evil and n == 1 else "")
        g.add((p, RDFS.label, Literal(label, lang="en")))
        council = mint_iri("agency", f"council-{n}")
        g.add((council, RDF.type, IKG.Council))
        g.add((council, RDFS.label, Literal(f"Area {n} Council", lang="en")))
        nhs = mint_iri("agency", f"nhs-{n // 3}")
        g.add((nhs, RDF.type, IKG.NHSBoard))
        g.add((nhs, RDFS.label, Literal(f"NHS Board {n // 3}", lang="en")))
        for agency in (council, nhs, police):
            m = mint_iri("membership", key, str(agency).rsplit("/", 1)[-1])
            g.add((m, RDF.type, ORG.Membership))
            g.add((m, ORG.organization, p))
            g.add((m, ORG.member, agency))
            g.add((p, ORG.hasMember, agency))
            g.add((m, IKG.evidence, sentence(10, f"The partnership includes member {n}.")))
        insp = mint_iri("inspection", key, "2016")
        g.add((insp, RDF.type, IKG.JointInspection if n % 4 else IKG.ProgressReview))
        g.add((insp, IKG.inspected, p))
        g.add((insp, IKG.describedIn, doc))
        g.add((insp, IKG.leadInspectorate, insp_iris[0]))
        for i in insp_iris[: 1 + n % len(insp_iris)]:
            g.add((insp, IKG.participatingInspectorate, i))
        for grade, rank, count in (
            ("very good", 5, n % 2),
            ("good", 4, 2 + n % 3),
            ("adequate", 3, 1),
        ):
            if not count:
                continue
            gi = mint_iri("grade", grade)
            g.add((gi, RDF.type, IKG.Grade))
            g.add((gi, SKOS.prefLabel, Literal(grade, lang="en")))
            g.add((gi, SKOS.notation, Literal(rank)))
            tally = mint_iri("grade-count", key, "2016", grade)
            g.add((tally, RDF.type, IKG.GradeCount))
            g.add((tally, IKG.grade, gi))
            g.add((tally, IKG.count, Literal(count, datatype=XSD.positiveInteger)))
            g.add((insp, IKG.gradeCount, tally))
        for f in range(findings):
            start = 100 + 80 * f
            text = f"Finding {f} of area {n} about {THEMES[(n + f) % len(THEMES)]}."
            if evil and f == 0:
                text += f" {EVIL_SCRIPT} {EVIL_IMG}"
            finding = mint_iri("finding", doc_id, f"{start}-{start + len(text)}")
            g.add((finding, RDF.type, IKG.Strength if f % 2 == 0 else IKG.AreaForImprovement))
            g.add((finding, RDFS.label, Literal(text)))
            g.add((finding, IKG.theme, theme_iris[(n + f) % len(theme_iris)]))
            if f == 1:
                g.add((finding, IKG.theme, theme_iris[(n * 7 + 3) % len(theme_iris)]))
            g.add((finding, IKG.evidence, sentence(start, text)))
            g.add((insp, IKG.finding, finding))
        person = mint_iri("person", f"person-{n}")
        g.add((person, RDF.type, FOAF.Person))
        g.add((person, FOAF.name, Literal(f"Person {n}")))
        post = mint_iri("post", "care-inspectorate" if n % 2 else key, "chief-executive")
        g.add((post, RDF.type, ORG.Post))
        g.add((post, RDFS.label, Literal("chief executive")))
        g.add((post, ORG.postIn, insp_iris[0] if n % 2 else p))
        holding = mint_iri("holding", f"post-{n}", f"person-{n}", doc_id)
        g.add((holding, RDF.type, IKG.PostHolding))
        g.add((holding, IKG.post, post))
        g.add((holding, IKG.holder, person))
        g.add((holding, IKG.asOf, Literal(f"20{10 + n % 10}-01-01", datatype=XSD.date)))
        g.add((holding, IKG.evidence, sentence(900, f"Person {n}, chief executive, said.")))
        quote = doc + "#char=1000,1020"
        g.add((quote, RDF.type, IKG.Quotation))
        g.add((quote, NIF.anchorOf, Literal("We welcome the report.")))
        g.add((quote, NIF.referenceContext, doc))
        g.add((quote, PROV.wasAttributedTo, person))
    return g


def synthetic_store(partnerships: int = 6, evil: bool = False, findings: int = 6) -> Store:
    """An in-memory store: the ontology and :func:`synthetic_graph` in one named graph."""
    store = Store(None)
    ontology = Graph().parse(ROOT / "ontology" / "inspection.ttl", format="turtle")
    store.replace_graph(ONTOLOGY_GRAPH, ontology)
    store.replace_graph(GRAPH["synthetic"], synthetic_graph(partnerships, evil, findings))
    return store


# ------------------------------------------------------------------ browser
def chromium_or_skip() -> str:
    """Chromium's path (``$KG_CHROMIUM``, else ``chromium`` on PATH, else /usr/bin/chromium).

    Missing: skip the test locally, fail it when ``CI`` is set.
    """
    wanted = os.environ.get("KG_CHROMIUM")
    path = shutil.which(wanted) if wanted else shutil.which("chromium") or shutil.which(CHROMIUM)
    if path:
        return path
    reason = (
        f"chromium not found ({wanted or CHROMIUM}): install it with "
        "`apt-get update && apt-get install -y chromium`"
    )
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Rendered:
    """What the page reported about itself, and what Chromium logged."""

    status: dict[str, str]
    console: list[str]
    screenshot: Path | None
    dom: str


_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--enable-logging=stderr",
    "--v=0",
]


def _run(chromium: str, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="kg-chromium-") as profile:
        return subprocess.run(
            [chromium, *_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


_STATUS = re.compile(r'<[^>]*id="kg-status"[^>]*>')
_ATTR = re.compile(r'data-kg-([a-z-]+)="([^"]*)"')
_CONSOLE = re.compile(r"CONSOLE\(\d+\)\]? ?(.*)|:CONSOLE:\d+\] (.*)")


def render(
    html: Path,
    screenshot: str | None = None,
    size: tuple[int, int] = (1400, 900),
    budget_ms: int = 20000,
    timeout: float = 120,
    fragment: str = "",
    inject: str = "",
) -> Rendered:
    """Load ``html`` offline; return its ``#kg-status`` attributes, console lines, screenshot.

    ``inject``: a script added at the end of a copy of the page (beside it), to drive the
    page's own controls as a reader would (clicks, changes) and write what it saw into
    ``#kg-status``.
    """
    chromium = chromium_or_skip()
    if inject:
        text = html.read_text(encoding="utf-8")
        at = text.rindex("</body>")
        copy = html.with_name(html.stem + ".driven.html")
        copy.write_text(text[:at] + f"<script>{inject}</script>" + text[at:], encoding="utf-8")
        html = copy
    url = html.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    args = [f"--window-size={size[0]},{size[1]}", f"--virtual-time-budget={budget_ms}"]
    shot = None
    if screenshot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / screenshot
        args.append(f"--screenshot={shot}")
    dumped = _run(chromium, [*args, "--dump-dom", url], timeout)
    status_tag = _STATUS.search(dumped.stdout)
    status = dict(_ATTR.findall(status_tag.group(0))) if status_tag else {}
    console = [
        (m.group(1) or m.group(2) or "").strip()
        for line in dumped.stderr.splitlines()
        if (m := _CONSOLE.search(line))
    ]
    return Rendered(status=status, console=console, screenshot=shot, dom=dumped.stdout)


def status_json(rendered: Rendered, key: str) -> object:
    """A JSON-valued status attribute (HTML entities undone)."""
    raw = rendered.status.get(key, "null")
    for entity, char in (("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        raw = raw.replace(entity, char)
    return json.loads(raw)
