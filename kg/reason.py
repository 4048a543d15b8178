"""Reason (stage 5): check a built graph against the ontology, with SHACL shapes and HermiT.

Two complementary checks, both over an :class:`rdflib.Graph` (the CLI passes the whole store,
all named graphs unioned):

- :func:`validate_shacl` runs pySHACL with ``ontology/shapes.ttl``: the closed-world checks of
  ``docs/data-model.md`` (an inspection has one lead inspectorate, a grade count is positive,
  a GSS code is well formed, ...). Each problem becomes a :class:`Violation` naming the node,
  the rule and, where the graph tells it, the source document.
- :func:`check_consistency` runs HermiT (owlready2, Java) on the ontology plus the data's
  logical triples: open-world consistency (nothing is both a person and a council, no count
  of zero where a positive integer is required) and classification into the ontology's
  defined classes (e.g. ``ikg:MultiAgencyInspection``).

:func:`validate` combines both into a :class:`ValidationReport`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, XSD

from kg.errors import KgError
from kg.namespace import IKG, NIF, bind_prefixes
from kg.resources import resource_dir

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
    ran); a report with HermiT skipped conforms on the strength of SHACL alone.
    """

    conforms: bool
    violations: tuple[Violation, ...] = ()
    inconsistency: str | None = None
    classified: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inconsistency_causes: tuple[str, ...] = ()
    skipped: str | None = None

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
    from pyshacl import validate as shacl_validate

    # pySHACL copies only the schema (classes, properties) of ont_graph into the data graph,
    # so the reference schemes (themes, grades, indicators: individuals) are added here.
    schemes = _read_ontology_files(*ONTOLOGY_FILES[1:])
    combined = bind_prefixes(Graph())
    for graph in (data, schemes):
        for triple in graph:
            combined.add(triple)
    shapes = load_shapes_graph()
    conforms, results, _text = shacl_validate(
        combined,
        shacl_graph=shapes,
        ont_graph=_read_ontology_files(ONTOLOGY_FILES[0]),
        inference=inference,
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    del conforms  # warnings do not break conformance; every result is returned
    violations = {_violation(results, result, data, shapes) for result in _results(results)}
    return sorted(violations, key=lambda v: (v.document or "", v.focus, v.rule, v.message))


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


def validate(data: Graph, owl: bool = True, java_optional: bool = False) -> ValidationReport:
    """Run the SHACL shapes and HermiT on ``data``; conforms when neither finds a problem.

    With ``owl=False`` only SHACL runs. With ``java_optional`` a missing Java runtime skips
    HermiT instead of raising :class:`KgError`; the report's ``skipped`` then says so.
    """
    violations = tuple(validate_shacl(data))
    skipped = None
    if not owl:
        skipped = NO_OWL_SKIPPED
    elif java_optional and shutil.which("java") is None:
        skipped = NO_JAVA_SKIPPED
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
