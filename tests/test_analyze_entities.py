"""Entities: spelling variants merged, acronyms linked, junk dropped, kinds assigned."""

from __future__ import annotations

import pytest

from tidings.analyze import analyze, load_model
from tidings.analyze._names import clean_surface, first_names_compatible, fold, is_junk, split_title
from tidings.analyze.entities import acronym_definitions
from tidings.records import Article, content_id
from tidings.segment import segment


@pytest.fixture(scope="session")
def nlp():
    return load_model()


def run(nlp, *texts: str):
    arts = [
        Article(id=content_id(str(i), t), source=f"{i}.txt", text=t) for i, t in enumerate(texts)
    ]
    return analyze(
        arts, {a.id: segment(a) for a in arts}, source_keys={a.id: a.source for a in arts}, nlp=nlp
    )


def entity(result, name):
    found = [e for e in result.entities if name == e.name or name in e.variants]
    assert len(found) == 1, (name, [(e.name, e.variants) for e in result.entities])
    return found[0]


def test_name_helpers():
    assert fold("Sergey Lavrov") == fold("Sergei Lavrov") == "sergei lavrov"
    assert fold("Dmitry") == fold("Dmitri") and fold("Shoygu") == fold("Shoigu")
    assert first_names_compatible("s.", "sergei") and first_names_compatible(
        "aleksandr", "aleksander"
    )
    assert not first_names_compatible("jeb", "george")
    assert clean_surface("the INF Treaty") == "INF Treaty"
    assert clean_surface("Donald Trump's") == "Donald Trump"
    assert clean_surface("the 25th OSCE Ministerial Council") == "OSCE Ministerial Council"
    assert split_title("Foreign Minister Sergey Lavrov") == ("Foreign Minister", "Sergey Lavrov")
    assert split_title("US Secretary of State Mike Pompeo") == (
        "US Secretary of State",
        "Mike Pompeo",
    )
    assert split_title("Martin Luther King Jr.") == ("", "Martin Luther King Jr.")
    assert split_title("Sergei Lavrov") == ("", "Sergei Lavrov")
    for junk in ("16:52 GMT04", "kremlin", "2021", "Forces (INF", "State", "x"):
        assert is_junk(junk), junk
    assert not is_junk("NATO") and not is_junk("Sergei Lavrov")


def test_acronym_definitions_need_matching_initials():
    text = "the Intermediate-range Nuclear Forces (INF) Treaty and the EU External Action Service (EEAS) and Bob (XYZ)"
    assert acronym_definitions(text) == [
        ("INF", "Intermediate-range Nuclear Forces"),
        ("EEAS", "EU External Action Service"),
    ]


def test_person_spelling_variants_merge(nlp):
    result = run(
        nlp,
        "Russian Foreign Minister Sergei Lavrov met Kremlin spokesman Dmitry Peskov in Moscow on Monday. "
        "Lavrov later flew to Geneva.",
        "Foreign Minister Sergey Lavrov said the talks went well. Spokesman Dmitri Peskov agreed with Lavrov.",
    )
    lavrov = entity(result, "Sergei Lavrov")
    assert lavrov.name == "Sergei Lavrov" and lavrov.kind == "person"
    assert {"Sergey Lavrov", "Lavrov"} <= set(lavrov.variants)
    assert lavrov.mentions >= 3 and len(lavrov.articles) == 2
    peskov = entity(result, "Dmitry Peskov")
    assert "Dmitri Peskov" in (peskov.name, *peskov.variants)


def test_different_people_with_one_surname_stay_apart(nlp):
    result = run(
        nlp,
        "George Bush met reporters in Texas. Jeb Bush, his brother, spoke later in Florida. Bush left early.",
    )
    persons = {e.name for e in result.entities if e.kind == "person"}
    assert {"George Bush", "Jeb Bush"} <= persons
    # The bare "Bush" is ambiguous in this story: it is not folded into either brother.
    assert not any(
        "Bush" in e.variants for e in result.entities if e.name in ("George Bush", "Jeb Bush")
    )


def test_treaty_acronyms_merge_into_one_entity(nlp):
    result = run(
        nlp,
        "Washington will leave the Intermediate-range Nuclear Forces (INF) Treaty. The INF was signed in 1987.",
        "The Intermediate-Range Nuclear Forces Treaty bans missiles. Russia denies breaking the INF Treaty.",
    )
    treaty = entity(result, "INF Treaty")
    assert treaty.kind == "other"
    assert "Intermediate-Range Nuclear Forces Treaty" in (treaty.name, *treaty.variants)
    assert len(treaty.articles) == 2


def test_kinds_and_country_aliases(nlp):
    result = run(
        nlp,
        "The United States and NATO met in Brussels. The US delegation left the NATO summit in Belgium. "
        "U.S. officials returned to Washington on Monday.",
    )
    us = entity(result, "United States")
    assert us.kind == "place" and "US" in us.variants
    assert entity(result, "NATO").kind == "organization"
    assert entity(result, "Brussels").kind == "place"


def test_junk_never_becomes_an_entity(nlp):
    result = run(
        nlp,
        "16:52 GMT04 March 2021\n\nListen Live\n\nMOSCOW (Sputnik) - Russia sent the probe to the Moon, "
        "the Agi news agency reported on Monday.",
    )
    names = {e.name for e in result.entities}
    assert not names & {"Sputnik", "Moon", "Agi", "GMT04", "Listen Live"}
    assert all(not e.name.isdigit() and e.name != e.name.lower() for e in result.entities)
