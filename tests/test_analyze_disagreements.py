"""Disagreements: claim vs denial, accusation vs counter-accusation, conflicting figures."""

from __future__ import annotations

import pytest

from tidings.analyze import analyze, load_model
from tidings.records import Article, content_id
from tidings.segment import segment


@pytest.fixture(scope="session")
def nlp():
    return load_model()


def run(nlp, *texts: str):
    arts = [
        Article(id=content_id(str(i), t), source=f"{i}.txt", text=t) for i, t in enumerate(texts)
    ]
    result = analyze(
        arts,
        {a.id: segment(a) for a in arts},
        source_keys={a.id: f"outlet {i}" for i, a in enumerate(arts)},
        nlp=nlp,
    )
    texts_by_id = {a.id: a.text for a in arts}
    return result, texts_by_id


def cited(texts, side):
    return [texts[c.article][c.start : c.end] for c in side.citations]


def test_claim_and_denial(nlp):
    result, texts = run(
        nlp,
        "US officials said that Russia had violated the arms control treaty by testing a new missile.",
        "Russia denies it has violated the arms control treaty. The Kremlin called for new talks.",
    )
    denials = [d for d in result.disagreements if d.kind == "denial"]
    assert len(denials) == 1
    claim, denial = denials[0].sides
    assert cited(texts, claim) == [
        "US officials said that Russia had violated the arms control treaty by testing a new missile."
    ]
    assert cited(texts, denial) == ["Russia denies it has violated the arms control treaty."]
    assert (claim.outlets, denial.outlets) == (("outlet 0",), ("outlet 1",))
    assert "Russia" in denials[0].topic


def test_plain_claim_and_explicit_denial(nlp):
    result, texts = run(
        nlp,
        "Ukrainian officials said that Russia had sent troops across the border near Donetsk.",
        "Russia denies it sent troops across the border near Donetsk, the Kremlin said.",
        "Russia rejected the claim on Monday.",
    )
    denials = [d for d in result.disagreements if d.kind == "denial"]
    assert len(denials) == 1
    assert denials[0].topic == "whether Russia sent troops across the border near Donetsk"
    # "rejected the claim" says nothing of what it rejects: it answers no plain claim.
    assert [cited(texts, s) for s in denials[0].sides][1] == [
        "Russia denies it sent troops across the border near Donetsk, the Kremlin said."
    ]


def test_accusation_and_counter_accusation(nlp):
    result, texts = run(
        nlp,
        "Washington accused Moscow of violating the missile treaty by deploying new cruise missiles.",
        "Moscow has stated that the United States was deploying launchers in Romania, which is prohibited "
        "by the missile treaty.",
    )
    found = [d for d in result.disagreements if d.kind == "accusation"]
    assert len(found) == 1
    sides = [cited(texts, s) for s in found[0].sides]
    assert any("accused Moscow of violating" in t for t in sides[0])
    assert any("launchers in Romania" in t for t in sides[1])


def test_conflicting_figures(nlp):
    result, texts = run(
        nlp,
        "Officials in California said 2,000 residents were evacuated after the wildfire.",
        "About 5,000 residents were evacuated in California on Sunday as the wildfire spread.",
    )
    figures = [d for d in result.disagreements if d.kind == "figures"]
    assert len(figures) == 1 and figures[0].topic == "residents evacuated"
    sides = [cited(texts, s) for s in figures[0].sides]
    assert [len(s) for s in sides] == [1, 1]
    assert "2,000 residents" in sides[0][0] and "5,000 residents" in sides[1][0]


def test_compatible_figures_are_not_a_disagreement(nlp):
    result, _ = run(
        nlp,
        "About 2,000 residents were evacuated in California after the wildfire.",
        "Officials said 2,100 residents were evacuated in California as the wildfire spread.",
        "More than 1,500 residents were evacuated in California, the wildfire chief said.",
    )
    assert [d for d in result.disagreements if d.kind == "figures"] == []


def test_counts_of_different_things_are_not_conflicting_figures(nlp):
    result, _ = run(
        nlp,
        "The Mashantucket casino sells no alcohol and employs more than 1,400 people.",
        "The small bingo hall in Arizona takes in $900,000 a year and employs only 23 people.",
    )
    assert result.disagreements == ()


def test_neutral_or_unrelated_statements_are_not_disagreements(nlp):
    result, _ = run(
        nlp,
        "Russia and the United States signed the treaty in 1987. Both sides praised the agreement.",
        "Russia rejected the proposal to hold talks in Vienna. The US said Russia would consider the plan.",
        "Ten people were killed in the storm on Monday. Twenty people were injured in a separate crash.",
    )
    assert result.disagreements == ()


def test_a_denial_needs_a_matching_claim(nlp):
    result, _ = run(
        nlp,
        "Russia denies it has violated the arms control treaty.",
        "US officials said that Russia had sent troops to the border region last week.",
    )
    assert result.disagreements == ()
