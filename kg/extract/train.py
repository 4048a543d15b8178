"""Train the finding classifier (:mod:`kg.extract.learned`): ``python -m kg.extract.train``.

Labelled units come from the repository's expectation files: every unit (sentence or bullet)
of a document is labelled with the polarity of the expected finding whose ``contains`` it
holds, else ``none``. The training sets are :data:`TRAINING_SETS` (the seeds, the fixture
documents, the old fixture held-out set now used for development, and the real development
set); the held-out sets (``tests/fixtures/heldout2``, ``corpus/real/expected/heldout``) are
never read, and the command refuses them.

The fit is deterministic: scikit-learn's multinomial logistic regression (lbfgs, no random
state involved), features and documents in sorted order, weights rounded to four decimals and
written as sorted JSON. The same data gives the same file byte for byte
(``tests/test_learned_findings.py`` retrains and compares). scikit-learn is needed only here
(``pip install -e '.[train]'``); the extractor reads the JSON without it.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from kg.resources import data_path

TRAINING_SETS = (
    "seeds/expected",
    "tests/fixtures/docs/expected",
    "tests/fixtures/heldout/expected",
    "corpus/real/expected/dev",
)
HELD_OUT = ("heldout2", "expected/heldout")
C = 4.0  # inverse regularisation strength
DECIMALS = 4
NONE_THRESHOLD = 0.8  # a unit is no finding when P(none) reaches this


def labelled_units(folders, root: Path = Path(".")) -> list[tuple[str, list[str], str]]:
    """(document id, features, label) for every unit of every document of ``folders``."""
    from kg.evaluate import normalise, read_expectations
    from kg.extract.findings import extract_good_practice, quotations, rule_findings
    from kg.extract.gazetteer import find_organisations
    from kg.extract.learned import unit_contexts, unit_features
    from kg.extract.people import extract_officials
    from kg.extract.text import split_units
    from kg.sources import read_document

    rows = []
    for folder in folders:
        if any(part in str(folder).replace("\\", "/") for part in HELD_OUT):
            raise SystemExit(f"{folder}: a held-out set is never used for training")
        for expected in sorted(read_expectations(root / folder), key=lambda e: str(e.source)):
            doc = read_document(expected.source)
            units = split_units(doc.text)
            orgs = find_organisations(doc.text)
            officials = extract_officials(doc, units, orgs)
            _practice, lines = extract_good_practice(doc, units)
            quoted = quotations(doc, units, officials)
            ruled = rule_findings(doc, units, officials, lines, orgs, quoted)
            contexts = unit_contexts(doc, units, officials, ruled, quoted)
            gold = [
                (normalise(item["contains"]), item["polarity"])
                for item in expected.facts.get("finding", [])
            ]
            for unit, context in zip(units, contexts, strict=True):
                text = normalise(unit.text)
                found = [polarity for contains, polarity in gold if contains in text]
                label = max(set(found), key=found.count) if found else "none"
                rows.append((doc.id, unit_features(unit.text, context), label))
    return rows


def fit(rows) -> dict:
    """A multinomial logistic regression over the rows' binary features, as a weight table."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    from kg.extract.learned import LABELS

    vocabulary = sorted({f for _doc, feats, _label in rows for f in feats})
    index = {f: i for i, f in enumerate(vocabulary)}
    data, indices, indptr = [], [], [0]
    for _doc, feats, _label in rows:
        cols = sorted({index[f] for f in feats})
        indices.extend(cols)
        data.extend([1.0] * len(cols))
        indptr.append(len(indices))
    matrix = csr_matrix((data, indices, indptr), shape=(len(rows), len(vocabulary)))
    target = np.array([LABELS.index(label) for _doc, _feats, label in rows])
    model = LogisticRegression(C=C, max_iter=5000, tol=1e-8)
    model.fit(matrix, target)
    classes = [LABELS[c] for c in model.classes_]
    weights = {}
    for i, feat in enumerate(vocabulary):
        row = [round(float(w), DECIMALS) for w in model.coef_[:, i]]
        if any(row):
            weights[feat] = row
    return {
        "generated_by": "python -m kg.extract.train (kg/extract/train.py); do not edit",
        "training_sets": list(TRAINING_SETS),
        "units": len(rows),
        "labels": classes,
        "none_threshold": NONE_THRESHOLD,
        "intercept": [round(float(b), DECIMALS) for b in model.intercept_],
        "weights": weights,
    }


def train(folders=TRAINING_SETS, out: Path | None = None, root: Path = Path(".")) -> Path:
    """Label, fit and write the model (rules alone produce the rule features)."""
    previous = os.environ.get("KG_FINDINGS")
    os.environ["KG_FINDINGS"] = "rules"
    try:
        rows = labelled_units(folders, root)
    finally:
        if previous is None:
            os.environ.pop("KG_FINDINGS", None)
        else:
            os.environ["KG_FINDINGS"] = previous
    model = fit(rows)
    out = out or data_path("finding_model.json")
    out.write_text(json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n", "utf-8")
    return out


CV_SET = "corpus/real/expected/dev"
CV_TYPES = ("finding", "finding_theme", "good_practice")


def cross_validate(
    folds: int = 5, folders=TRAINING_SETS, cv_set: str = CV_SET, root: Path = Path(".")
) -> dict[str, dict]:
    """Grouped ``folds``-fold cross-validation over the documents of ``cv_set``: each fold's
    documents are left out of training (every other document of ``folders`` is kept), the
    model trained on the rest extracts them, and the finding types are scored. Returns the
    summed counts per type for the rules alone (``rules``) and the model (``learned``).
    Fold ``i`` holds the documents ``i, i + folds, ...`` in sorted order (deterministic)."""
    import tempfile

    from kg.evaluate import Counts, aggregate, evaluate, read_expectations
    from kg.extract.learned import load_model

    previous = os.environ.get("KG_FINDINGS"), os.environ.get("KG_FINDINGS_MODEL")
    os.environ["KG_FINDINGS"] = "rules"
    try:
        rows = labelled_units(folders, root)
        expectations = sorted(read_expectations(root / cv_set), key=lambda e: str(e.source))
        rules = aggregate(s.counts for s in evaluate(expectations).documents)
        learned: dict[str, Counts] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for fold in range(folds):
                held = expectations[fold::folds]
                ids = {e.document_id for e in held}
                model = fit([row for row in rows if row[0] not in ids])
                path = Path(tmp) / f"fold{fold}.json"
                path.write_text(json.dumps(model), "utf-8")
                os.environ["KG_FINDINGS"] = "learned"
                os.environ["KG_FINDINGS_MODEL"] = str(path)
                load_model.cache_clear()
                counts = aggregate(s.counts for s in evaluate(held).documents)
                os.environ["KG_FINDINGS"] = "rules"
                learned = {k: learned.get(k, Counts()) + counts.get(k, Counts()) for k in CV_TYPES}
    finally:
        for name, value in zip(("KG_FINDINGS", "KG_FINDINGS_MODEL"), previous, strict=True):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        load_model.cache_clear()
    result = {}
    for name, counts in (("rules", rules), ("learned", learned)):
        table = {k: counts.get(k, Counts()) for k in CV_TYPES}
        table["total"] = sum(table.values(), Counts())
        result[name] = table
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kg.extract.train", description=__doc__)
    parser.add_argument("folders", nargs="*", default=list(TRAINING_SETS))
    parser.add_argument(
        "--out", type=Path, default=None, help="default: kg/data/finding_model.json"
    )
    parser.add_argument(
        "--cv",
        type=int,
        default=0,
        metavar="K",
        help=f"grouped K-fold cross-validation over {CV_SET} (writes no model)",
    )
    args = parser.parse_args(argv)
    if args.cv:
        result = cross_validate(args.cv, args.folders)
        print(f"{args.cv}-fold grouped cross-validation over {CV_SET} (F1; tp/fp/fn)")
        for name, table in result.items():
            cells = ", ".join(f"{k} {c.f1:.3f} ({c.tp}/{c.fp}/{c.fn})" for k, c in table.items())
            print(f"  {name}: {cells}")
        return
    path = train(args.folders, args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
