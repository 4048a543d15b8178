"""Findings on real-style prose: the rules' cues, the learned classifier, and its training.

The fixture text is written for this test (Fife, invented sentences in the phrasings of the
real inspectorate releases); nothing here names a document of the corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.extract import extract
from kg.extract.findings import themes_of
from kg.extract.learned import load_model, mode
from kg.resources import data_path
from kg.sources import Document

ROOT = Path(__file__).resolve().parents[1]

TEXT = "\n".join(
    (
        "A joint inspection of adult support and protection in Fife has found clear strengths"
        " in keeping adults safe.",
        "However, inspectors also identified areas which could further improve.",
        "Inspectors found that strategic leaders had a clear vision for adult support and"
        " protection that was widely communicated and understood.",
        "All inquiries were carried out by council officers to an exemplary level of quality.",
        "Staff worked collaboratively to support and protect adults.",
        "Inspectors noted that the quality of initial inquiries needed to improve.",
        "A more consistent approach was needed.",
        "The report can be found here: Joint inspection of adult support and protection in Fife.",
        "",
    )
)


def _findings(monkeypatch, setting: str):
    monkeypatch.setenv("KG_FINDINGS", setting)
    doc = Document(id="fife", path="fife.txt", text=TEXT, sha256="0", media_type="text/plain")
    return {f.text: (f.polarity, f.themes) for f in extract(doc).findings}


def test_rules_alone_read_past_tense_needs_and_skip_announcements(monkeypatch):
    found = _findings(monkeypatch, "rules")
    assert mode() == "rules"
    noted = "Inspectors noted that the quality of initial inquiries needed to improve."
    assert found[noted][0] == "improvement"
    vision = next(t for t in found if "clear vision" in t)
    assert found[vision][0] == "strength" and "leadership" in found[vision][1]
    # an announcement without content, and page furniture, are no findings
    assert not any("could further improve" in t or "can be found" in t for t in found)


def test_learned_mode_finds_unvoiced_findings_with_polarity(monkeypatch):
    rules = _findings(monkeypatch, "rules")
    learned = _findings(monkeypatch, "learned")
    assert mode() == "learned"
    exemplary = (
        "All inquiries were carried out by council officers to an exemplary level of quality."
    )
    needed = "A more consistent approach was needed."
    # unvoiced verdicts ("exemplary", "was needed"): the rules' verdict cues find them since
    # issue 15, and the model keeps them with their polarity
    assert rules[exemplary][0] == "strength" and rules[needed][0] == "improvement"
    assert learned[exemplary][0] == "strength"
    assert learned[needed][0] == "improvement"
    assert not any("can be found" in t or "could further improve" in t for t in learned)


def test_theme_paraphrases_and_scope():
    assert themes_of("Staff worked collaboratively to support people") == ("partnership-working",)
    # a group named only to say whom a statement concerns is no theme
    assert themes_of("Adults at risk of harm were seen promptly") == ("unclassified",)


def test_model_is_small_and_says_how_it_was_generated():
    path = data_path("finding_model.json")
    assert path.stat().st_size < 30 * 1024 * 1024
    model = load_model(str(path))
    assert model["generated_by"].startswith("python -m kg.extract.train")
    assert model["labels"] == ["none", "strength", "improvement"]
    held_out = ("heldout2", "expected/heldout")
    assert not any(h in folder for folder in model["training_sets"] for h in held_out)


def test_retraining_gives_the_identical_model(tmp_path, monkeypatch):
    pytest.importorskip("sklearn", reason="training needs scikit-learn (pip install -e '.[train]')")
    from kg.extract.train import train

    monkeypatch.chdir(ROOT)
    out = train(out=tmp_path / "model.json")
    assert out.read_bytes() == data_path("finding_model.json").read_bytes()
    assert json.loads(out.read_text())["units"] > 500


def test_training_refuses_a_held_out_set(monkeypatch):
    pytest.importorskip("sklearn", reason="training needs scikit-learn (pip install -e '.[train]')")
    from kg.extract.train import labelled_units

    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit, match="held-out"):
        labelled_units(["tests/fixtures/heldout2/expected"])


def test_good_practice_named_inline_in_prose(monkeypatch):
    text = (
        "Inspectors found strengths in how services work together.\n"
        "As an example of good practice, the report highlights the family support hub in"
        " Kirkcaldy through staff from several services sharing one office.\n"
        "In the evaluations section, inspectors graded two areas as 'good' - 'leadership'"
        " and 'planning'.\n"
    )
    doc = Document(id="gp", path="gp.txt", text=text, sha256="0", media_type="text/plain")
    practice = extract(doc).good_practice
    assert [p.name for p in practice] == ["the family support hub in Kirkcaldy"]
