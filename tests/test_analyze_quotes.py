"""Quotations: mark pairing, attribution, reference resolution and merging across outlets."""

from __future__ import annotations

import pytest

from tidings.analyze import analyze, load_model
from tidings.analyze.quotes import quote_spans
from tidings.records import Article, content_id
from tidings.segment import segment


@pytest.fixture(scope="session")
def nlp():
    return load_model()


def article(text: str, source: str = "a.txt") -> Article:
    return Article(id=content_id(source, text), source=source, text=text)


def run(nlp, *texts: str):
    arts = [article(t, f"{i}.txt") for i, t in enumerate(texts)]
    result = analyze(
        arts, {a.id: segment(a) for a in arts}, source_keys={a.id: a.source for a in arts}, nlp=nlp
    )
    return arts, result


def spans(text: str) -> list[str]:
    return [text[s.start : s.end] for s in quote_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He said “we will respond” and left.", ["we will respond"]),
        ('He said "we will respond" and left.', ["we will respond"]),
        ("Il a dit «nous répondrons» hier.", ["nous répondrons"]),
        ("He said ``we will respond,'' and left.", ["we will respond"]),
        ("He said „we will respond“ and left.", ["we will respond"]),
        ("Moscow called it 'short-sighted' again.", ["short-sighted"]),
        ("He said ‘no way’ twice.", ["no way"]),
    ],
)
def test_quote_marks_of_every_kind_pair(text, expected):
    assert spans(text) == expected


def test_stray_and_unbalanced_marks_never_crash_or_pair_wrongly():
    assert spans("He said “we will respond and left.") == []  # never closed
    assert spans("a stray” closing mark and “a real one” here") == ["a real one"]
    # A closing mark left over after a quotation ended (seen in scraped text).
    text = 'adding that "the desire of US leadership" makes Moscow concerned." '
    assert spans(text) == ["the desire of US leadership"]
    # Apostrophes are not quotation marks.
    assert spans("the US' announced intention, don't, the '80s, Russia's view") == []
    assert spans("'school of thought' to be 'short-sighted and dangerous.\"") == [
        "school of thought"
    ]
    assert spans("“one “two” three”") == ["two"]
    for junk in ['"', "“”", "''", "``", "« »", "'", '" "', "“ ” ‘ ’ « » \" ' stray"]:
        assert spans(junk) == []


def test_trailing_comma_is_not_part_of_the_quote():
    assert spans("“We are ready,” Lavrov said.") == ["We are ready"]


def test_direct_quote_after_and_before_the_speaker(nlp):
    _, result = run(
        nlp,
        "Russian Foreign Minister Sergei Lavrov spoke in Moscow on Monday.\n\n"
        "“We are still ready to work to save the treaty,” Lavrov told reporters.\n\n"
        "Kremlin spokesman Dmitry Peskov said: “There was a detailed exchange of opinions.”",
    )
    by_text = {q.text: q for q in result.quotes}
    first = by_text["We are still ready to work to save the treaty"]
    assert (first.speaker, first.cue, first.kind) == ("Sergei Lavrov", "told reporters", "direct")
    second = by_text["There was a detailed exchange of opinions."]
    assert (second.speaker, second.speaker_title) == ("Dmitry Peskov", "Kremlin spokesman")


def test_partial_quote_inside_a_sentence(nlp):
    _, result = run(
        nlp,
        "Putin said that if Washington moved to place more missiles in Europe, Russia would respond "
        "“in kind” and that European hosts would be at risk.",
    )
    assert len(result.quotes) == 1
    quote = result.quotes[0]
    assert (quote.text, quote.kind, quote.speaker, quote.cue) == (
        "in kind",
        "partial",
        "Putin",
        "said",
    )


def test_scare_quotes_without_a_cue_are_not_quotes(nlp):
    _, result = run(
        nlp,
        "The so-called “Eastern flank” of the alliance was reinforced in the spring of that year.",
    )
    assert result.quotes == ()


def test_pronoun_resolves_to_the_last_person(nlp):
    _, result = run(
        nlp,
        "Sergei Lavrov met the press in Moscow after the talks with his counterpart.\n\n"
        "“We have regularly proposed unfreezing those channels of dialogue,” he said.",
    )
    assert result.quotes[0].speaker == "Sergei Lavrov"


def test_title_resolves_to_the_person_introduced_with_it(nlp):
    _, result = run(
        nlp,
        "Russian Foreign Minister Sergei Lavrov and Defense Minister Sergey Shoygu met in Moscow.\n\n"
        "“We are very concerned about the danger of the transformation of outer space,” the Russian "
        "foreign minister said.\n\n"
        "“Our army is ready for any scenario,” the defense minister said.",
    )
    by_text = {q.text[:10]: q for q in result.quotes}
    assert by_text["We are ver"].speaker == "Sergei Lavrov"
    assert by_text["We are ver"].speaker_title == "Russian foreign minister"
    assert by_text["Our army i"].speaker == "Sergey Shoygu"


def test_continued_and_colon_introduced_quotations(nlp):
    _, result = run(
        nlp,
        "Dr. Harold Varmus spoke at the hearing on Tuesday.\n\n"
        "“I am quite concerned about his stance on these issues,” Varmus said. "
        "“This is a litmus test that he failed.”\n\n"
        "Senator Ted Cruz continued:\n\n"
        "“You look at the questions asked tonight by the moderators of this debate.”",
    )
    speakers = {q.text[:12]: q.speaker for q in result.quotes}
    assert speakers == {
        "I am quite c": "Harold Varmus",
        "This is a li": "Harold Varmus",
        "You look at ": "Ted Cruz",
    }


def test_unknown_speakers_are_never_guessed(nlp):
    _, result = run(
        nlp, "Officials met again on Monday.\n\n“We will not stand for this at all,” they said."
    )
    assert result.quotes[0].speaker is None
    _, result = run(nlp, "“This is a long quotation with nobody named near it at all.”")
    assert result.quotes[0].speaker is None


def test_same_quote_from_several_outlets_is_shown_once(nlp):
    arts, result = run(
        nlp,
        "“We are still ready to work to save the Intermediate-Range Nuclear Forces Treaty,” Lavrov told reporters.",
        'Sergei Lavrov said: "We are still ready to work to save the Intermediate-Range Nuclear Forces treaty."',
        "“We are still ready to work to save the INF Treaty,” Russian Foreign Minister Sergei Lavrov said.",
    )
    merged = [q for q in result.quotes if "ready to work" in q.text]
    assert len(merged) == 1
    quote = merged[0]
    assert len(quote.citations) == 3 and sorted(quote.outlets) == ["0.txt", "1.txt", "2.txt"]
    assert quote.speaker == "Sergei Lavrov"
    texts = {a.id: a.text for a in arts}
    for c in quote.citations:
        assert "ready to work" in texts[c.article][c.start : c.end]
