"""Reason (stage 5): check a built graph against the ontology, with SHACL shapes and HermiT.

Two complementary checks, both over an :class:`rdflib.Graph`:

- :func:`validate_shacl` runs pySHACL with ``ontology/shapes.ttl``: the closed-world checks of
  ``docs/data-model.md`` (an inspection has one lead inspectorate, a grade count is positive,
  a GSS code is well formed, ...). Each problem becomes a :class:`Violation` naming the node,
  the rule and, where the graph tells it, the source document.
- :func:`check_consistency` runs HermiT (owlready2, Java) on the ontology plus the data's
  logical triples: open-world consistency (nothing is both a person and a council, no count
  of zero where a positive integer is required) and classification into the ontology's
  defined classes (e.g. ``ikg:MultiAgencyInspection``).

:func:`validate` combines both into a :class:`ValidationReport`. :func:`validate_store` (what
``kg validate`` runs) does the same for a store without loading it into one graph: SHACL on the
document graphs in batches, HermiT on the whole union up to :data:`OWL_SAMPLE` documents and on
a sample of them above (``ontology/README.md``, "Validating a large store").
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, XSD

from kg.errors import KgError
from kg.namespace import IKG, NIF, bind_prefixes
from kg.resources import resource_dir
from kg.store import ONTOLOGY_GRAPH, REFERENCE_GRAPH, SUMMARY_GRAPH, Store

ONTOLOGY_FILES = ("inspection.ttl", "themes.ttl", "grades.ttl")
SHAPES_FILE = "shapes.ttl"
NO_JAVA = "validate: HermiT needs a Java runtime (install default-jre-headless); none found on PATH"
NO_JAVA_SKIPPED = (
    "no Java runtime found: HermiT needs java (apt-get install default-jre-headless); "
    "SHACL checks ran"
)
NO_OWL_SKIPPED = "HermiT not run (--no-owl); SHACL checks ran"
_RESERVED = (str(RDF), str(RDFS), str(OWL), str(XSD))
_PREFIXED = bind_prefixes(Graph())
_TEXT_PROPERTIES = frozenset({NIF.anchorOf, NIF.isString})  # texts: no logic, much size


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Violation:
    """One SHACL result: which node broke which rule, what is wrong, in which document."""

    focus: str
    rule: str
    message: str
    path: str | None = None
    value: str | None = None
    document: str | None = None
    severity: str = "Violation"

    @property
    def is_error(self) -> bool:
        """True for a violation; false for a warning or an info, which do not fail a build."""
        return self.severity == "Violation"

    def line(self) -> str:
        """One line for a terminal: node, rule, document, message."""
        where = f" [{self.path}]" if self.path else ""
        value = f" (value {self.value})" if self.value is not None else ""
        document = self.document or "-"
        level = "" if self.is_error else f"{self.severity.lower()}: "
        return (
            f"{level}{self.focus}{where}: {self.rule}; document {document}: {self.message}{value}"
        )


@dataclass(frozen=True)
class ReasonerResult:
    """What HermiT said: consistent or not (and why), and the defined classes' members."""

    consistent: bool
    message: str | None = None
    classified: dict[str, tuple[str, ...]] = field(default_factory=dict)
    seconds: float = 0.0
    causes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    """Both checks together.

    ``conforms`` is true when SHACL found no violation (warnings allowed) and HermiT found the
    ontology plus data consistent. ``skipped`` says why HermiT did not run (``None`` when it
    ran); a report with HermiT skipped conforms on the strength of SHACL alone. From a store
    (:func:`validate_store`): ``documents`` SHACL checked, ``owl_documents`` HermiT reasoned
    over, and ``scope``, one line saying so when HermiT saw only a sample.
    """

    conforms: bool
    violations: tuple[Violation, ...] = ()
    inconsistency: str | None = None
    classified: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inconsistency_causes: tuple[str, ...] = ()
    skipped: str | None = None
    documents: int | None = None
    owl_documents: int | None = None
    scope: str | None = None

    @property
    def errors(self) -> tuple[Violation, ...]:
        """The SHACL results of severity ``Violation``."""
        return tuple(v for v in self.violations if v.is_error)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        """The SHACL results that do not break conformance (warnings, infos)."""
        return tuple(v for v in self.violations if not v.is_error)

    def summary(self) -> str:
        """One line: the verdict, SHACL counts, what HermiT said (or why it did not run).

        >>> ValidationReport(conforms=True).summary()
        'conforms: SHACL 0 violations, 0 warnings; HermiT consistent'
        >>> ValidationReport(conforms=True, skipped="no Java").summary()
        'conforms (SHACL only): SHACL 0 violations, 0 warnings; HermiT not run'
        """
        verdict = "conforms" if self.conforms else "invalid"
        if self.skipped and self.conforms:
            verdict += " (SHACL only)"
        shacl = f"SHACL {len(self.errors)} violations, {len(self.warnings)} warnings"
        if self.skipped:
            hermit = "HermiT not run"
        elif self.inconsistency:
            hermit = "HermiT inconsistent"
        else:
            hermit = "HermiT consistent"
            inferred = [f"{len(members)} {_local(cls)}" for cls, members in self.classified.items()]
            if inferred:
                hermit += " (classified: " + ", ".join(inferred) + ")"
        return f"{verdict}: {shacl}; {hermit}"

    def lines(self) -> list[str]:
        """One line per problem: which node, which rule, which document."""
        out = [violation.line() for violation in self.violations]
        if self.inconsistency_causes:
            out.extend(f"HermiT: inconsistent: {cause}" for cause in self.inconsistency_causes)
        elif self.inconsistency:
            out.append(f"HermiT: {self.inconsistency}")
        return out


# ---------------------------------------------------------------- reading the ontology


def load_ontology_graph() -> Graph:
    """The ontology with its reference schemes: inspection.ttl, themes.ttl and grades.ttl."""
    graph = bind_prefixes(Graph())
    for name in ONTOLOGY_FILES:
        graph.parse(resource_dir("ontology") / name, format="turtle")
    return graph


def _read_ontology_files(*names: str) -> Graph:
    graph = bind_prefixes(Graph())
    for name in names:
        graph.parse(resource_dir("ontology") / name, format="turtle")
    return graph


def load_shapes_graph() -> Graph:
    """The SHACL shapes of ``ontology/shapes.ttl``."""
    return Graph().parse(resource_dir("ontology") / SHAPES_FILE, format="turtle")


# ---------------------------------------------------------------- SHACL


def validate_shacl(data: Graph, inference: str = "none") -> list[Violation]:
    """Validate ``data`` against ``shapes.ttl`` with pySHACL; return every result found.

    Results of severity ``Warning`` are returned too (``Violation.is_error`` is false).

    The ontology is given to pySHACL as ``ont_graph`` so that ``sh:targetClass`` reaches
    subclasses (an ``ikg:JointInspection`` is checked as an ``ikg:Inspection``).
    ``inference="none"`` is the default: the shapes do not rely on entailed triples, and
    ``"rdfs"`` costs about twice as much for the same results (measured on the five seeds,
    2,144 triples: 0.6-0.8 s against 1.4-1.6 s).
    """
    # pySHACL copies only the schema (classes, properties) of ont_graph into the data graph,
    # so the reference schemes (themes, grades, indicators: individuals) are added here.
    schemes = _read_ontology_files(*ONTOLOGY_FILES[1:])
    combined = bind_prefixes(Graph())
    for graph in (data, schemes):
        for triple in graph:
            combined.add(triple)
    found = _run_shacl(combined, load_shapes_graph(), inference=inference, described=data)
    return _sorted({violation for _focus, violation in found})


def _sorted(violations: Iterable[Violation]) -> list[Violation]:
    return sorted(violations, key=lambda v: (v.document or "", v.focus, v.rule, v.message))


def _run_shacl(
    combined: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    inference: str = "none",
    described: Graph | None = None,
) -> list[tuple[object, Violation]]:
    """pySHACL on ``combined`` (changed in place): each result with its focus node.

    ``described`` is the graph :func:`document_of` reads (default: ``combined``).
    """
    from pyshacl import validate as shacl_validate

    conforms, results, _text = shacl_validate(
        combined,
        shacl_graph=shapes,
        ont_graph=ontology if ontology is not None else _read_ontology_files(ONTOLOGY_FILES[0]),
        inference=inference,
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    del conforms  # warnings do not break conformance; every result is returned
    data = described if described is not None else combined
    return [
        (results.value(result, SH.focusNode), _violation(results, result, data, shapes))
        for result in _results(results)
    ]


def _results(report: Graph) -> Iterable[URIRef | BNode]:
    return report.subjects(RDF.type, SH.ValidationResult)


def _violation(report: Graph, result: URIRef | BNode, data: Graph, shapes: Graph) -> Violation:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    message = report.value(result, SH.resultMessage)
    severity = report.value(result, SH.resultSeverity)
    return Violation(
        focus=_show(focus),
        rule=_rule(report, result, shapes),
        message=str(message) if message is not None else "constraint not met",
        path=_curie(_PREFIXED, path) if isinstance(path, URIRef) else None,
        value=_show(value) if value is not None else None,
        document=document_of(data, focus) if isinstance(focus, URIRef) else None,
        severity=_local(severity) if severity is not None else "Violation",
    )


def _rule(report: Graph, result: URIRef | BNode, shapes: Graph) -> str:
    """``Shape/Constraint``: the named shape (or its parent) and the failed component."""
    shape = report.value(result, SH.sourceShape)
    component = report.value(result, SH.sourceConstraintComponent)
    name = _local(shape) if isinstance(shape, URIRef) else None
    if name is None and shape is not None:
        # a property shape is a blank node: name it by the node shape that holds it
        parent = shapes.value(None, SH.property, shape)
        name = _local(parent) if isinstance(parent, URIRef) else "shape"
    rule = name or "shape"
    if component is not None:
        rule += "/" + _local(component).removesuffix("ConstraintComponent")
    return rule


def _local(iri: object) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _show(node: object) -> str:
    """A node as text: an IRI in full, a literal in N-Triples form."""
    if isinstance(node, Literal):
        return node.n3()
    return str(node)


def document_of(data: Graph, node: URIRef) -> str | None:
    """The id of the document a node's facts come from, when the graph tells it.

    Tried in order: the node is a document; it is an evidence string (``nif:referenceContext``
    or a ``#char=`` IRI); its evidence points to a document; an inspection ``ikg:describedIn``
    one. Several documents are joined with ``"; "``.
    """
    documents: set[URIRef] = set()
    if (node, RDF.type, IKG.Document) in data or (node, DCTERMS.identifier, None) in data:
        documents.add(node)
    documents.update(_contexts(data, node))
    for evidence in data.objects(node, IKG.evidence):
        if isinstance(evidence, URIRef):
            documents.update(_contexts(data, evidence))
    for described in data.objects(node, IKG.describedIn):
        if isinstance(described, URIRef):
            documents.add(described)
    if not documents:
        return None
    return "; ".join(sorted(_document_id(data, document) for document in documents))


def _contexts(data: Graph, node: URIRef) -> set[URIRef]:
    found = {c for c in data.objects(node, NIF.referenceContext) if isinstance(c, URIRef)}
    if not found and "#char=" in str(node):
        found.add(URIRef(str(node).split("#char=", 1)[0]))
    return found


def _document_id(data: Graph, document: URIRef) -> str:
    identifier = data.value(document, DCTERMS.identifier)
    return str(identifier) if identifier is not None else _local(document)


# ---------------------------------------------------------------- HermiT


def check_consistency(data: Graph) -> ReasonerResult:
    """Run HermiT on the ontology plus ``data``: consistency and defined-class membership.

    Only the data's logical triples go to the reasoner (class assertions, and values of
    properties the ontology declares as object or datatype properties); labels and texts are
    left out. The four inspectorates (and any other ``ikg:Inspectorate``) are declared
    different, so that minimum cardinalities can count them. Runs in its own owlready2
    ``World``; raises :class:`KgError` when no Java runtime is on ``PATH``.
    """
    java = shutil.which("java")
    if java is None:
        raise KgError(NO_JAVA)
    import owlready2

    owlready2.JAVA_EXE = java
    ontology = load_ontology_graph()
    merged = to_reasoner_graph(data, ontology)
    defined = _defined_classes(ontology)
    handle, name = tempfile.mkstemp(suffix=".nt", prefix="kg-reason-")
    started = time.perf_counter()
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(merged.serialize(format="nt", encoding="utf-8"))
        world = owlready2.World()
        onto = world.get_ontology(Path(name).as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
                )
        except owlready2.OwlReadyInconsistentOntologyError:
            causes = _explain_inconsistency(merged, ontology)
            message = "ontology plus data are inconsistent"
            if causes:
                message += ": " + "; ".join(causes)
            else:
                message += " (no single cause found: look for conflicting functional properties)"
            return ReasonerResult(
                consistent=False,
                message=message,
                seconds=time.perf_counter() - started,
                causes=causes,
            )
        except owlready2.OwlReadyJavaError as error:
            raise KgError(f"validate: HermiT failed: {_first_line(str(error))}") from error
        classified = {}
        for iri in defined:
            cls = world[str(iri)]
            members = cls.instances(world=world) if cls is not None else []
            classified[str(iri)] = tuple(sorted(str(member.iri) for member in members))
        unsatisfiable = sorted(str(c.iri) for c in world.inconsistent_classes())
        message = None
        if unsatisfiable:
            message = "unsatisfiable classes (no individual can belong to them): " + ", ".join(
                unsatisfiable
            )
        return ReasonerResult(
            consistent=True,
            message=message,
            classified=classified,
            seconds=time.perf_counter() - started,
        )
    finally:
        Path(name).unlink(missing_ok=True)


def to_reasoner_graph(data: Graph, ontology: Graph) -> Graph:
    """The ontology plus the logical part of ``data``, ready for owlready2 and HermiT.

    Kept from ``data``: ``rdf:type`` assertions between IRIs (to classes outside the RDF/OWL
    vocabularies), ``owl:sameAs``/``owl:differentFrom`` between IRIs, and values of the
    ontology's object properties (IRI objects) and datatype properties (literal objects),
    except texts (``nif:anchorOf``, ``nif:isString``).
    Classes used in the data but not declared get an ``owl:Class`` declaration, and every
    ``ikg:Inspectorate`` is declared different from the others (unique names).
    """
    object_properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    datatype_properties = set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    declared = set(ontology.subjects(RDF.type, OWL.Class))
    merged = Graph()
    for triple in ontology:
        merged.add(triple)
    for subject, predicate, obj in data:
        if not isinstance(subject, URIRef):
            continue
        if predicate == RDF.type:
            if isinstance(obj, URIRef) and not str(obj).startswith(_RESERVED):
                merged.add((subject, predicate, obj))
                if obj not in declared:
                    merged.add((obj, RDF.type, OWL.Class))
                    declared.add(obj)
        elif predicate in (OWL.sameAs, OWL.differentFrom):
            if isinstance(obj, URIRef):
                merged.add((subject, predicate, obj))
        elif predicate in object_properties:
            if isinstance(obj, URIRef):
                merged.add((subject, predicate, obj))
        elif predicate in _TEXT_PROPERTIES:
            continue
        elif predicate in datatype_properties and isinstance(obj, Literal):
            merged.add((subject, predicate, obj))
    inspectorates = sorted(i for i in merged.subjects(RDF.type, IKG.Inspectorate) if i)
    if len(inspectorates) > 1:
        node = BNode()
        members = BNode()
        merged.add((node, RDF.type, OWL.AllDifferent))
        merged.add((node, OWL.distinctMembers, members))
        Collection(merged, members, list(inspectorates))
    return merged


def _defined_classes(ontology: Graph) -> list[URIRef]:
    """The ontology's own classes with an ``owl:equivalentClass`` definition."""
    return sorted(
        cls
        for cls in ontology.subjects(OWL.equivalentClass, None)
        if isinstance(cls, URIRef) and str(cls).startswith(str(IKG._NS))
    )


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


_DISJOINT_PAIRS = """
SELECT DISTINCT ?x ?a ?b WHERE {
  { ?a owl:disjointWith ?b } UNION { ?b owl:disjointWith ?a }
  UNION
  { ?all a owl:AllDisjointClasses ; owl:members ?list .
    ?list rdf:rest*/rdf:first ?a . ?list rdf:rest*/rdf:first ?b . FILTER (?a != ?b) }
  ?x a ?ca . ?ca rdfs:subClassOf* ?a .
  ?x a ?cb . ?cb rdfs:subClassOf* ?b .
  FILTER (isIRI(?x) && STR(?a) < STR(?b))
}
"""


def _explain_inconsistency(merged: Graph, ontology: Graph) -> tuple[str, ...]:
    """Readable causes for HermiT's bare "inconsistent": disjoint types, out-of-range values.

    Each cause names the node, the axiom it breaks and, when the graph tells it, the document.
    """
    causes = []
    for row in merged.query(_DISJOINT_PAIRS, initNs={"owl": OWL, "rdf": RDF, "rdfs": RDFS}):
        x, a, b = row
        causes.append(
            f"{x} is both {_curie(ontology, a)} and {_curie(ontology, b)}, "
            f"which are declared disjoint{_in_document(merged, x)}"
        )
    for prop, range_ in ontology.subject_objects(RDFS.range):
        if not isinstance(range_, URIRef) or not str(range_).startswith(str(XSD)):
            continue
        for subject, value in merged.subject_objects(prop):
            if isinstance(value, Literal) and _breaks_range(value, range_):
                causes.append(
                    f"{subject} has {_curie(ontology, prop)} {value.n3()}, outside its range "
                    f"{_curie(ontology, range_)}{_in_document(merged, subject)}"
                )
    return tuple(sorted(set(causes)))


def _in_document(graph: Graph, node: object) -> str:
    document = document_of(graph, node) if isinstance(node, URIRef) else None
    return f" (document {document})" if document else ""


_INTEGER_MIN = {XSD.positiveInteger: 1, XSD.nonNegativeInteger: 0}


def _breaks_range(value: Literal, range_: URIRef) -> bool:
    if range_ in _INTEGER_MIN:
        try:
            return int(str(value)) < _INTEGER_MIN[range_]
        except ValueError:
            return True
    if range_ == XSD.string:
        return value.datatype not in (None, XSD.string) or value.language is not None
    return False


def _curie(graph: Graph, iri: URIRef) -> str:
    try:
        return graph.namespace_manager.normalizeUri(iri)
    except ValueError:
        return str(iri)


# ---------------------------------------------------------------- both


def _hermit_skipped(owl: bool, java_optional: bool) -> str | None:
    """Why HermiT will not run (``--no-owl``, or no Java where Java is optional), or None."""
    if not owl:
        return NO_OWL_SKIPPED
    if java_optional and shutil.which("java") is None:
        return NO_JAVA_SKIPPED
    return None


def validate(data: Graph, owl: bool = True, java_optional: bool = False) -> ValidationReport:
    """Run the SHACL shapes and HermiT on ``data``; conforms when neither finds a problem.

    With ``owl=False`` only SHACL runs. With ``java_optional`` a missing Java runtime skips
    HermiT instead of raising :class:`KgError`; the report's ``skipped`` then says so.
    """
    violations = tuple(validate_shacl(data))
    skipped = _hermit_skipped(owl, java_optional)
    if skipped is not None:
        return ValidationReport(
            conforms=not any(v.is_error for v in violations),
            violations=violations,
            skipped=skipped,
        )
    reasoned = check_consistency(data)
    inconsistency = None if reasoned.consistent else reasoned.message
    return ValidationReport(
        conforms=reasoned.consistent and not any(v.is_error for v in violations),
        violations=violations,
        inconsistency=inconsistency,
        classified=reasoned.classified,
        inconsistency_causes=reasoned.causes,
    )


# ---------------------------------------------------------------- a store, document by document

DOCUMENT_BATCH = 25
"""Documents validated together in one pySHACL run (one run per document costs twice as much:
the reference data and the ontology are copied into every run)."""
OWL_SAMPLE = 200
"""Above this many documents HermiT reasons over a deterministic sample of them."""
_MANY = -1


@dataclass(frozen=True)
class _Plan:
    """What every batch needs to know about the whole store (picklable, for worker processes).

    ``shared``: nodes whose triples do not all come from one document graph (subjects of two
    or more graphs, or only of the reference, ontology or default graph); they are checked
    once, on their neighbourhood in the union, not in any batch. ``spread``: nodes mentioned
    (as subject or object) in more than one graph; a batch that mentions one adds what the
    shapes read of it from the union.
    """

    path: str | None
    shared: frozenset[str]
    spread: frozenset[str]


def validate_store(
    store: Store,
    owl: bool = True,
    java_optional: bool = False,
    jobs: int = 1,
    owl_sample: int = OWL_SAMPLE,
    batch: int = DOCUMENT_BATCH,
) -> ValidationReport:
    """Validate a :class:`kg.store.Store` document by document, in bounded memory.

    SHACL runs on batches of ``batch`` document graphs, each with the reference and ontology
    graphs and, for every node the batch shares with other graphs, the triples of it the
    shapes read (its types and the values of the shapes' paths) taken from the union; each
    batch reports only the nodes its documents describe alone. The nodes described in several
    graphs are then checked once together (:func:`shacl_store`). The results are those of
    :func:`validate_shacl` on the whole union, in time linear in the number of documents.

    HermiT runs on the whole union when the store holds at most ``owl_sample`` documents
    (``0``: always); above, on the ontology, the reference data and ``owl_sample`` documents
    spread evenly over the sorted graph names (:func:`sample_documents`), and the report's
    ``scope`` says so. ``owl`` and ``java_optional`` are those of :func:`validate`.
    """
    violations, documents = shacl_store(store, jobs=jobs, batch=batch)
    skipped = _hermit_skipped(owl, java_optional)
    if skipped is not None:
        return ValidationReport(
            conforms=not any(v.is_error for v in violations),
            violations=tuple(violations),
            skipped=skipped,
            documents=len(documents),
        )
    data, checked = reasoner_data(store, documents, owl_sample)
    reasoned = check_consistency(data)
    del data
    scope = None
    if checked < len(documents):
        scope = (
            f"HermiT checked the ontology, the reference data and {checked:,} of "
            f"{len(documents):,} documents (an even sample; --owl-sample 0 checks all, "
            f"slower); classification counts are the sample's. SHACL checked all "
            f"{len(documents):,} documents"
        )
    return ValidationReport(
        conforms=reasoned.consistent and not any(v.is_error for v in violations),
        violations=tuple(violations),
        inconsistency=None if reasoned.consistent else reasoned.message,
        classified=reasoned.classified,
        inconsistency_causes=reasoned.causes,
        documents=len(documents),
        owl_documents=checked,
        scope=scope,
    )


_NOT_DOCUMENTS = (str(ONTOLOGY_GRAPH), str(REFERENCE_GRAPH), str(SUMMARY_GRAPH))


def document_graphs(store: Store) -> list[str]:
    """The store's document graphs (every named graph but the ontology, the reference data
    and the summary derived from the documents)."""
    return [name for name in store.named_graphs() if name not in _NOT_DOCUMENTS]


def sample_documents(documents: list[str], size: int) -> list[str]:
    """``size`` of ``documents`` spread evenly over them in sorted order (all if fewer).

    >>> sample_documents(["a", "b", "c", "d", "e", "f"], 3)
    ['a', 'c', 'e']
    >>> sample_documents(["b", "a"], 5)
    ['a', 'b']
    """
    ordered = sorted(documents)
    if size <= 0 or size >= len(ordered):
        return ordered
    return [ordered[i * len(ordered) // size] for i in range(size)]


def reasoner_data(
    store: Store, documents: list[str], owl_sample: int = OWL_SAMPLE
) -> tuple[Graph, int]:
    """The graph HermiT gets, and how many documents it holds.

    At most ``owl_sample`` documents (or ``owl_sample`` 0): the whole union, as
    :meth:`kg.store.Store.to_rdflib` gives it. Above: the ontology and reference graphs and
    the graphs of :func:`sample_documents`.
    """
    if owl_sample <= 0 or len(documents) <= owl_sample:
        return store.to_rdflib(), len(documents)
    chosen = sample_documents(documents, owl_sample)
    graph = Graph()
    for name in (*_NOT_DOCUMENTS, *chosen):
        _add_graph(store._store, name, graph)
    return graph, len(chosen)


def shacl_store(
    store: Store, jobs: int = 1, batch: int = DOCUMENT_BATCH
) -> tuple[list[Violation], list[str]]:
    """SHACL on a store, batch by batch (see :func:`validate_store`); the sorted results and
    the document graphs checked. ``jobs`` worker processes share the batches (an on-disk
    store only; each opens it read-only)."""
    documents = document_graphs(store)
    plan = _plan(store, documents)
    batches = [documents[i : i + batch] for i in range(0, len(documents), batch)] or [[]]
    found: set[Violation] = set()
    if jobs > 1 and plan.path is not None and len(batches) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(plan,)
        ) as pool:
            for violations in pool.map(_worker_batch, batches):
                found.update(violations)
    else:
        checker = _Checker(plan, store._store)
        for names in batches:
            found.update(checker.batch(names))
    found.update(_Checker(plan, store._store).shared())
    return _sorted(found), documents


def _plan(store: Store, documents: list[str]) -> _Plan:
    """One pass over the named graphs and their descriptions: which nodes cross graphs."""
    raw = store._store
    names = [*documents, *_NOT_DOCUMENTS]
    described = len(names)  # the default graph's descriptions of the named graphs
    owner: dict[str, int] = {}
    mentioned: dict[str, int] = {}

    def note(table: dict[str, int], key: str, index: int) -> None:
        if table.setdefault(key, index) != index:
            table[key] = _MANY

    for index, name in enumerate(names):
        for quad in raw.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            subject = str(quad.subject)
            note(owner, subject, index)
            note(mentioned, subject, index)
            if not isinstance(quad.object, ox.Literal):
                note(mentioned, str(quad.object), index)
    for name in raw.named_graphs():
        for quad in raw.quads_for_pattern(name, None, None, ox.DefaultGraph()):
            note(owner, str(quad.subject), described)
            note(mentioned, str(quad.subject), described)
            if not isinstance(quad.object, ox.Literal):
                note(mentioned, str(quad.object), described)
    shared = frozenset(k for k, i in owner.items() if i == _MANY or i >= len(documents))
    spread = frozenset(k for k, i in mentioned.items() if i == _MANY)
    path = str(store.path) if store.path is not None else None
    return _Plan(path=path, shared=shared, spread=spread)


_DOCUMENT_LINKS = (RDF.type, NIF.referenceContext, DCTERMS.identifier)
"""What :func:`document_of` reads of a focus node's values (and of theirs)."""


def read_beyond_focus(shapes: Graph) -> frozenset[URIRef]:
    """The properties the shapes (and :func:`document_of`) read of nodes other than the focus.

    A focus node's own triples are read whole. Of its values: their types (``sh:class``), the
    paths of the shapes they must match (``sh:node``), and the links :func:`document_of`
    follows to a document's identifier. Document-by-document validation copies exactly these
    from the union for the nodes a batch shares with other graphs; it relies on every
    ``sh:path`` being one property and on no ``sh:node`` shape reading further
    (``tests/test_validate_scale.py`` checks both on ``shapes.ttl``).
    """
    read = set(_DOCUMENT_LINKS)
    for nested in set(shapes.objects(None, SH.node)):
        read.update(shapes.objects(nested, SH.path))
        for prop in shapes.objects(nested, SH.property):
            read.update(shapes.objects(prop, SH.path))
    return frozenset(read)


_WORKER: _Checker | None = None


def _start_worker(plan: _Plan) -> None:
    global _WORKER
    _WORKER = _Checker(plan, ox.Store.read_only(plan.path))


def _worker_batch(names: list[str]) -> set[Violation]:
    assert _WORKER is not None
    return _WORKER.batch(names)


class _Checker:
    """Builds each batch's data graph from a pyoxigraph store and runs the shapes on it."""

    def __init__(self, plan: _Plan, raw) -> None:
        self.plan = plan
        self.raw = raw
        self.shapes = load_shapes_graph()
        self.ontology = _read_ontology_files(ONTOLOGY_FILES[0])
        base = _read_ontology_files(*ONTOLOGY_FILES[1:])
        for name in (str(ONTOLOGY_GRAPH), str(REFERENCE_GRAPH)):
            _add_graph(raw, name, base)
        self.base = tuple(base)
        self.read = read_beyond_focus(self.shapes)
        self.inverse = frozenset(self.shapes.objects(None, SH.targetObjectsOf))
        self.indexed = _indexed(raw)

    def _graph(self) -> Graph:
        graph = bind_prefixes(Graph())
        for triple in self.base:
            graph.add(triple)
        return graph

    def batch(self, names: list[str]) -> set[Violation]:
        """The results about the nodes these documents alone describe (or nobody does)."""
        graph = self._graph()
        subjects: set[str] = set()
        mentioned: set[str] = set()
        for name in names:
            for quad in self.raw.quads_for_pattern(None, None, None, ox.NamedNode(name)):
                graph.add(_triple(quad))
                subjects.add(str(quad.subject))
                mentioned.add(str(quad.subject))
                if not isinstance(quad.object, ox.Literal):
                    mentioned.add(str(quad.object))
        for key in mentioned & self.plan.spread:
            self._complete(graph, _term(key))
        kept = set()
        for focus, violation in _run_shacl(graph, self.shapes, self.ontology):
            key = _key(focus)
            if key in self.plan.shared:
                continue
            if key in subjects or not self._is_subject(focus):
                kept.add(violation)
        return kept

    def shared(self) -> set[Violation]:
        """The results about the nodes described in several graphs, checked once together."""
        graph = self._graph()
        values: set[str] = set()
        for key in self.plan.shared:
            node = _term(key)
            for triple in self._union(node, None, None):
                graph.add(triple)
                if not isinstance(triple[2], Literal):
                    values.add(_key(triple[2]))
            self._complete(graph, node)
        # two hops: the values' own values (an evidence string's document, then its identifier)
        seen = set(values)
        for _hop in range(2):
            found: set[str] = set()
            for key in values:
                for _s, _p, value in self._complete(graph, _term(key)):
                    if not isinstance(value, Literal):
                        found.add(_key(value))
            values = found - seen
            seen |= found
        return {
            violation
            for focus, violation in _run_shacl(graph, self.shapes, self.ontology)
            if _key(focus) in self.plan.shared
        }

    def _complete(self, graph: Graph, node) -> list[tuple]:
        """Add what the shapes read of ``node`` from the union; return the triples added."""
        added = [t for t in self._union(node, None, None) if t[1] in self.read]
        for predicate in self.inverse:
            added.extend(self._union(None, predicate, node))
        for triple in added:
            graph.add(triple)
        return added

    def _union(self, subject, predicate, obj) -> list[tuple]:
        """Triples of the union (the default graph, or every graph in a store without it)."""
        pattern = (
            _ox(subject) if subject is not None else None,
            _ox(predicate) if predicate is not None else None,
            _ox(obj) if obj is not None else None,
        )
        graph = ox.DefaultGraph() if self.indexed else None
        return list({_triple(q) for q in self.raw.quads_for_pattern(*pattern, graph)})

    def _is_subject(self, node) -> bool:
        if not isinstance(node, URIRef | BNode):
            return False
        return next(iter(self.raw.quads_for_pattern(_ox(node), None, None, None)), None) is not None


def _indexed(raw) -> bool:
    """Whether the default graph holds the union of the named graphs (as kg.store keeps it)."""
    if not raw.contains_named_graph(ox.NamedNode(str(ONTOLOGY_GRAPH))):
        return False
    inspection = (ox.NamedNode(str(IKG.Inspection)), ox.NamedNode(str(RDF.type)))
    return next(iter(raw.quads_for_pattern(*inspection, None, ox.DefaultGraph())), None) is not None


def _add_graph(raw, name: str, graph: Graph) -> None:
    for quad in raw.quads_for_pattern(None, None, None, ox.NamedNode(name)):
        graph.add(_triple(quad))


def _triple(quad) -> tuple:
    return _rdflib(quad.subject), _rdflib(quad.predicate), _rdflib(quad.object)


def _rdflib(term):
    """A pyoxigraph term as rdflib parses it from N-Triples (plain literals untyped)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not a node: {term!r}")


def _key(term) -> str:
    """The N-Triples form of a node, as ``str`` of a pyoxigraph term gives it."""
    return f"<{term}>" if isinstance(term, URIRef) else f"_:{term}"


def _term(key: str):
    return URIRef(key[1:-1]) if key.startswith("<") else BNode(key[2:])
