"""``kg validate``, ``kg analyse``, ``kg report`` and ``kg query --endpoint`` on the seeds, run
as a user runs them (subprocesses).

Expected values were checked by hand against the seed texts: Stirling (000), South
Lanarkshire (003) and East Ayrshire (004) were inspected by the Care Inspectorate with
Education Scotland, Healthcare Improvement Scotland and HMICS; Inverclyde (001) and
Clackmannanshire (002) name the Care Inspectorate only; 001 calls itself a joint inspection,
002 is a progress review.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html
from rdflib import Graph
from servers import free_port, start_oxigraph, stop

from kg.namespace import DATA, GRAPH
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
GRAPHS = ROOT / "tests" / "fixtures" / "graphs"
PARTNERSHIPS = {
    "Stirling Community Planning Partnership",
    "Inverclyde Alliance",
    "Clackmannanshire Alliance",
    "South Lanarkshire Community Planning Partnership",
    "East Ayrshire Community Planning Partnership",
}
INSPECTORATES = {
    "Care Inspectorate",
    "Education Scotland",
    "Healthcare Improvement Scotland",
    "HM Inspectorate of Constabulary in Scotland",
}
FIXTURE_INSPECTION = DATA["inspection/inverclyde/2017"]
LEADLESS = DATA["inspection/inverclyde/broken-on-purpose"]
NO_JAVA = "no Java runtime found: HermiT needs java (apt-get install default-jre-headless)"


def kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``kg`` (``python -m kg.cli``) from the repository root; never raises."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )


def ok(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = kg(*args, env=env)
    assert result.returncode == 0, f"kg {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def without_java(tmp_path: Path) -> dict[str, str]:
    """The environment with a PATH on which no `java` is found."""
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A store built from seeds/ by `kg build`."""
    store = tmp_path_factory.mktemp("commands") / "store"
    ok("build", str(ROOT / "seeds"), "--store", str(store))
    return store


def copy_with(built: Path, target: Path, graph: Graph) -> Path:
    """A copy of the seed store with ``graph`` loaded as one more named graph."""
    shutil.copytree(built, target)
    store = Store(target)
    store.replace_graph(GRAPH["broken-on-purpose"], graph)
    store.flush()
    del store  # release the store's lock before a subprocess opens it
    return target


@pytest.fixture(scope="module")
def no_lead(built, tmp_path_factory) -> Path:
    """Seeds plus tests/fixtures/graphs/no-lead.ttl: an inspection with no lead (SHACL).

    The fixture's inspection is renamed to :data:`LEADLESS`, an IRI no extractor mints, so
    that it cannot merge with the seeds' own Inverclyde inspection (which has a lead).
    """
    fixture = Graph().parse(GRAPHS / "no-lead.ttl")
    assert (FIXTURE_INSPECTION, None, None) in fixture
    rename = lambda node: LEADLESS if node == FIXTURE_INSPECTION else node  # noqa: E731
    graph = Graph()
    for s, p, o in fixture:
        graph.add((rename(s), p, rename(o)))
    return copy_with(built, tmp_path_factory.mktemp("no-lead") / "store", graph)


@pytest.fixture(scope="module")
def bad_gss(built, tmp_path_factory) -> Path:
    """Seeds plus tests/fixtures/graphs/bad-gss-code.ttl: Inverclyde's GSS code misspelt."""
    graph = Graph().parse(GRAPHS / "bad-gss-code.ttl")
    return copy_with(built, tmp_path_factory.mktemp("bad-gss") / "store", graph)


@pytest.fixture(scope="module")
def person_council(built, tmp_path_factory) -> Path:
    """Seeds plus the council of person-and-council.ttl typed foaf:Person (HermiT only)."""
    council = DATA["agency/inverclyde-council"]
    fixture = Graph().parse(GRAPHS / "person-and-council.ttl")
    graph = Graph()
    for triple in fixture.triples((council, None, None)):
        graph.add(triple)
    return copy_with(built, tmp_path_factory.mktemp("person-council") / "store", graph)


# ------------------------------------------------------------------ validate
def test_validate_seeds_conforms(built):
    result = ok("validate", "--store", str(built))
    lines = result.stdout.splitlines()
    summary = lines[-1]
    assert summary.startswith("conforms: SHACL 0 violations, ")
    # the four joint inspections (000, 001, 003, 004) are classified multi-agency by HermiT
    assert summary.endswith("HermiT consistent (classified: 4 MultiAgencyInspection)")
    assert all(line.startswith("warning: ") for line in lines[:-1])
    assert NO_JAVA not in result.stderr


def test_validate_names_rule_node_and_document(no_lead):
    result = kg("validate", "--store", str(no_lead))
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if "InspectionShape/MinCount" in line]
    assert line.startswith(f"{LEADLESS} [ikg:leadInspectorate]: InspectionShape/MinCount; ")
    assert "document 001_11b822338e92b3cf" in line
    assert "lead inspectorate" in line
    assert result.stdout.splitlines()[-1].startswith("invalid: SHACL ")


def test_validate_names_a_bad_literal(bad_gss):
    result = kg("validate", "--store", str(bad_gss))
    assert result.returncode == 1, result.stdout + result.stderr
    area = str(DATA["area/inverclyde"])
    [line] = [line for line in result.stdout.splitlines() if "GssCodeShape/Pattern" in line]
    assert line.startswith(f"{area} [ikg:gssCode]: GssCodeShape/Pattern; ")
    assert line.endswith('(value "S1200018")')


def test_validate_reports_hermit_inconsistency(person_council):
    result = kg("validate", "--store", str(person_council))
    assert result.returncode == 1, result.stdout + result.stderr
    council = str(DATA["agency/inverclyde-council"])
    hermit = [line for line in result.stdout.splitlines() if line.startswith("HermiT:")]
    assert hermit and all(council in line and "disjoint" in line for line in hermit)
    assert any("foaf:Person" in line for line in hermit)
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("invalid: SHACL 0 violations, ")
    assert summary.endswith("HermiT inconsistent")


def test_validate_no_owl_runs_shacl_only(person_council):
    result = ok("validate", "--store", str(person_council), "--no-owl")
    assert result.stdout.splitlines()[-1].startswith("conforms (SHACL only): SHACL 0 violations")
    assert "HermiT not run (--no-owl)" in result.stderr


def test_validate_without_java_lets_shacl_decide(person_council, no_lead, tmp_path):
    env = without_java(tmp_path)
    # HermiT would fail this one, but cannot run: SHACL passes, so exit 0, said plainly
    passed = kg("validate", "--store", str(person_council), env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stderr.strip() == NO_JAVA + "; SHACL checks ran"
    assert passed.stdout.splitlines()[-1].endswith("HermiT not run")
    # SHACL fails this one: exit 1 with or without Java
    failed = kg("validate", "--store", str(no_lead), env=env)
    assert failed.returncode == 1
    assert NO_JAVA in failed.stderr
    assert "InspectionShape/MinCount" in failed.stdout


def test_validate_says_when_hermit_sees_a_sample(built):
    result = ok("validate", "--store", str(built), "--owl-sample", "2")
    assert result.stderr.strip().startswith(
        "HermiT checked the ontology, the reference data and 2 of 5 documents"
    )
    assert "SHACL checked all 5 documents" in result.stderr
    assert result.stdout.splitlines()[-1].startswith("conforms: SHACL 0 violations, ")


def test_validate_with_jobs_prints_what_one_process_prints(no_lead):
    one = kg("validate", "--store", str(no_lead), "--no-owl")
    two = kg("validate", "--store", str(no_lead), "--no-owl", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert "InspectionShape/MinCount" in two.stdout
    assert two.stdout == one.stdout


def test_validate_without_store_says_build_first(tmp_path):
    result = kg("validate", "--store", str(tmp_path / "none"))
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: ")
    assert "run `kg build` first" in result.stderr


# ------------------------------------------------------------------ analyse
def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_analyse_writes_tables(built, tmp_path):
    out = tmp_path / "analysis"
    result = ok("analyse", "--store", str(built), "-o", str(out))
    assert f"to {out}/" in result.stdout.splitlines()[-1]
    assert "inspectorates that inspected together (6)" in result.stdout

    # every pair of the four inspectorates inspected together three times: 000, 003, 004
    pairs = read_csv(out / "co_inspection.csv")
    assert len(pairs) == 6
    assert {p["inspectorateA"] for p in pairs} | {p["inspectorateB"] for p in pairs} == (
        INSPECTORATES
    )
    ci_es = next(
        p
        for p in pairs
        if (p["inspectorateA"], p["inspectorateB"]) == ("Care Inspectorate", "Education Scotland")
    )
    assert ci_es["inspections"] == "3"
    areas = sorted(curie.split("/")[1] for curie in ci_es["inspectionList"].split("; "))
    assert areas == ["east-ayrshire", "south-lanarkshire", "stirling"]

    centrality = {row["label"]: row for row in read_csv(out / "inspectorate_centrality.csv")}
    assert set(centrality) == INSPECTORATES
    assert {(r["degree"], r["weighted_degree"]) for r in centrality.values()} == {("3", "9")}

    chiefs = {
        (r["person"], r["document"])
        for r in read_csv(out / "post_timeline.csv")
        if (r["organisation"], r["post"]) == ("Care Inspectorate", "chief executive")
    }
    assert {("Peter Macleod", "000_7cc63730632ce016"), ("Karen Reid", "004_065f7496f4954bed")} <= (
        chiefs
    )

    payload = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert payload["summary"]["co_inspection"] == {"nodes": 4, "edges": 6}
    assert payload["tables"]["co_inspection"] == pairs
    for name in payload["tables"]:
        assert (out / f"{name}.csv").is_file()


# ------------------------------------------------------------------ report
def test_report_has_the_inspections_table(built, tmp_path):
    target = tmp_path / "site" / "report.html"
    result = ok("report", "--store", str(built), "-o", str(target))
    assert result.stdout.splitlines()[0] == f"wrote {target}"
    views = sorted(p.name for p in (target.parent / "views").glob("*.html"))
    assert f"wrote {len(views)} views" in result.stdout and views
    page = html.fromstring(target.read_text(encoding="utf-8"))
    [heading] = page.xpath("//h2[text()='Inspections']")
    [table] = heading.xpath("following::table[1]")
    headers = [th.text_content() for th in table.xpath(".//thead//th")]
    assert headers[:2] == ["partnership", "kind"]
    rows = [[td.text_content() for td in tr.xpath("td")] for tr in table.xpath(".//tbody/tr")]
    assert {row[0] for row in rows} == PARTNERSHIPS
    kinds = {row[0]: row[1] for row in rows}
    assert kinds["Clackmannanshire Alliance"] == "progress review"
    assert kinds["Inverclyde Alliance"] == "joint inspection"


# ------------------------------------------------------------------ query --endpoint
@pytest.fixture(scope="module")
def endpoint(built, tmp_path_factory):
    """A real `oxigraph serve` on 127.0.0.1 holding the seed store, pushed by `kg push`."""
    process, base = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "data")
    try:
        pushed = ok("push", "--endpoint", base + "/query", "--store", str(built))
        assert "graphs: " in pushed.stdout and "0 skipped" in pushed.stdout
        yield base + "/query"
    finally:
        stop(process)


@pytest.mark.server
def test_query_endpoint_csv_matches_the_store(built, endpoint):
    local = ok("query", "inspections", "--store", str(built), "--format", "csv").stdout
    remote = ok("query", "inspections", "--endpoint", endpoint, "--format", "csv").stdout
    assert remote == local
    rows = list(csv.DictReader(io.StringIO(remote)))
    assert {row["partnership"] for row in rows} == PARTNERSHIPS


@pytest.mark.server
def test_query_endpoint_binds_params_and_prints_tables(built, endpoint):
    args = ("query", "evidence", "--param", "label=Inverclyde Alliance", "--format", "json")
    local = json.loads(ok(*args, "--store", str(built)).stdout)
    remote = json.loads(ok(*args, "--endpoint", endpoint).stdout)
    assert remote["head"] == local["head"]
    key = lambda b: json.dumps(b, sort_keys=True)  # noqa: E731
    bindings = sorted(remote["results"]["bindings"], key=key)
    assert bindings and bindings == sorted(local["results"]["bindings"], key=key)
    table = ok("query", "inspections", "--endpoint", endpoint)
    assert table.stdout.startswith("┏")  # a rich table; long cells wrap or are cut
    assert "│ Inverclyde " in table.stdout and "│ S12000018 │" in table.stdout
    assert table.stderr.strip() == "5 rows"


@pytest.mark.server
def test_query_endpoint_errors_are_one_line(built, endpoint):
    both = kg("query", "inspections", "--endpoint", endpoint, "--store", str(built))
    assert both.returncode == 1
    assert both.stderr.strip() == "error: --store and --endpoint: give one or the other"
    unknown = kg("query", "evidence", "--endpoint", endpoint, "--param", "nope=x")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: evidence: unknown parameter(s) nope"
    nowhere = kg("query", "inspections", "--endpoint", f"http://127.0.0.1:{free_port()}/query")
    assert nowhere.returncode == 1
    assert nowhere.stderr.startswith("error: ") and "cannot reach" in nowhere.stderr
    assert len(nowhere.stderr.strip().splitlines()) == 1


def test_run_writes_every_query_views_and_report(tmp_path):
    """``kg run``, the README's main job: every bundled query that needs no parameter as CSV
    (those with optional parameters too, unnarrowed), every view and the report."""
    from kg.query import bundled_queries, read_query
    from kg.viz import VIEWS

    out = tmp_path / "out"
    result = kg("run", "-o", str(out), "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    expected = {
        name for name, path in bundled_queries().items() if not read_query(str(path)).required
    }
    assert {"findings", "inspections", "shared_themes"} <= expected
    assert "evidence" not in expected  # its label is required
    written = {path.stem for path in (out / "queries").glob("*.csv")}
    assert written == expected
    findings = list(csv.DictReader((out / "queries" / "findings.csv").open(encoding="utf-8")))
    assert {row["partnership"] for row in findings} == PARTNERSHIPS
    themes = list(csv.DictReader((out / "queries" / "shared_themes.csv").open(encoding="utf-8")))
    assert themes and all(int(row["inspections"]) >= 1 for row in themes)
    assert {p.stem for p in (out / "views").glob("*.html")} == set(VIEWS)
    assert (out / "report.html").is_file()
