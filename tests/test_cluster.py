"""Story clustering: events kept apart by their names, follow-ups, windows, order, state, candidates."""

from __future__ import annotations

import gzip
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tidings.cluster import CLUSTERERS, StoryClusterer, bcubed
from tidings.errors import UsageError
from tidings.records import Article, content_id

START = datetime(2024, 3, 1, tzinfo=UTC)


def article(title: str, text: str, day: int, hour: int = 0, outlet: str = "wire") -> Article:
    return Article(
        id=content_id(title, text),
        source=f"{outlet}/{title[:12]}",
        text=text,
        title=title,
        outlet=outlet,
        published=START + timedelta(days=day, hours=hour),
    )


# Two earthquakes a week apart: the same vocabulary of disaster, different places and people.
PERU = [
    article(
        "Magnitude 7.9 earthquake strikes southern Peru",
        "A magnitude 7.9 earthquake struck the coast of southern Peru on Monday, killing at least 85 people in "
        "the port city of Pisco and the nearby town of Ica, officials said. The quake collapsed the San Clemente "
        "church in Pisco during an evening mass. President Dina Boluarte flew to Ica and declared a state of "
        "emergency. Rescuers dug through rubble with bare hands as aftershocks shook the region.",
        3,
        2,
        "ap",
    ),
    article(
        "Peru quake death toll rises as rescuers search Pisco rubble",
        "Rescue teams in Pisco pulled more survivors from the ruins of the San Clemente church on Tuesday as the "
        "death toll from the earthquake in southern Peru rose to 140. Hospitals in Ica were overwhelmed, and the "
        "Peruvian army set up field clinics. Boluarte said the government in Lima would send water and tents to "
        "the coastal towns of Pisco, Chincha and Ica.",
        4,
        5,
        "reuters",
    ),
    article(
        "Aid reaches Ica and Chincha after Peru earthquake",
        "Trucks carrying water, food and tents reached Chincha and Ica on Wednesday, two days after the "
        "earthquake that devastated southern Peru. In Pisco, residents slept in the streets for fear of "
        "aftershocks. The Red Cross said thousands of homes made of adobe had collapsed. President Boluarte "
        "promised to rebuild the San Clemente church.",
        5,
        9,
        "afp",
    ),
    article(
        "Looting reported in Pisco as Peru struggles with quake relief",
        "Peruvian police sent reinforcements to Pisco after looting of shops and aid trucks, as survivors of the "
        "earthquake complained that relief was slow. The death toll in Ica province reached 510. Officials in "
        "Lima said Chincha and Pisco would receive more army patrols and that the Pan-American Highway had "
        "reopened.",
        6,
        1,
        "bbc",
    ),
]
NEPAL = [
    article(
        "Powerful earthquake hits central Nepal, hundreds dead",
        "A powerful earthquake of magnitude 7.8 struck central Nepal on Monday, killing hundreds of people in "
        "Kathmandu and the district of Gorkha, near the epicentre. The Dharahara tower in Kathmandu collapsed. "
        "Prime Minister Pushpa Kamal Dahal called an emergency cabinet meeting, and rescuers searched the rubble "
        "as aftershocks rattled the Kathmandu valley.",
        10,
        3,
        "ap",
    ),
    article(
        "Nepal quake: survivors camp in Kathmandu streets",
        "Tens of thousands of people spent the night in the open in Kathmandu after the earthquake, afraid to go "
        "back into damaged houses. The death toll in Nepal passed 1,200. India and China sent rescue teams to "
        "Gorkha and Sindhupalchok, where whole villages were flattened. Dahal appealed for international aid.",
        11,
        4,
        "reuters",
    ),
    article(
        "Avalanche on Everest after Nepal earthquake",
        "The earthquake in Nepal triggered an avalanche at Everest base camp that killed 18 climbers, officials "
        "in Kathmandu said. Helicopters evacuated injured mountaineers to Lukla. In Gorkha district, aid had yet "
        "to reach remote villages, and the government of Prime Minister Dahal said the toll would rise.",
        12,
        0,
        "afp",
    ),
    article(
        "Aid flights jam Kathmandu airport as Nepal toll tops 4,000",
        "Relief flights were stuck circling over Kathmandu's Tribhuvan airport on Thursday as aid poured into "
        "Nepal after the earthquake. The toll rose above 4,000. In Sindhupalchok and Gorkha, survivors said no "
        "help had arrived. Dahal said the reconstruction of the Dharahara tower would be a national priority.",
        13,
        6,
        "bbc",
    ),
]
UNRELATED = article(
    "Chefs gather for the annual oyster festival",
    "Chefs from across Brittany gathered in Cancale for the annual oyster festival, serving platters with "
    "shallot vinaigrette and buckwheat crepes. Organisers expected forty thousand visitors over the weekend, "
    "and a jazz quartet played on the harbour while fishermen sold langoustines from their boats.",
    14,
    0,
    "local",
)


def stories_of(clusterer: StoryClusterer, articles: list[Article]) -> set[str]:
    return {clusterer.story_of(a.id) for a in articles}


def test_two_earthquakes_a_week_apart_are_two_stories():
    clusterer = StoryClusterer()
    clusterer.partial_fit(PERU + NEPAL)
    peru, nepal = stories_of(clusterer, PERU), stories_of(clusterer, NEPAL)
    assert len(peru) == 1 and len(nepal) == 1 and peru != nepal
    assert len(clusterer.live_stories()) == 2


def test_follow_up_reports_join_the_right_live_story():
    clusterer = StoryClusterer()
    first = clusterer.partial_fit(PERU[:2] + NEPAL[:2])
    opened = {a.article: a.story for a in first}
    assert all(a.opened for a in first)
    later = clusterer.partial_fit([NEPAL[2], PERU[2], NEPAL[3], PERU[3]])
    assert [a.article for a in later] == [NEPAL[2].id, PERU[2].id, NEPAL[3].id, PERU[3].id]
    assert not any(a.opened for a in later)
    assert all(a.score >= clusterer.threshold for a in later)
    for follow_up, story in zip(later, [NEPAL[0], PERU[0], NEPAL[0], PERU[0]], strict=True):
        assert follow_up.story == opened[story.id]


def test_story_closes_after_the_window_and_leaves_memory():
    clusterer = StoryClusterer(window=timedelta(days=5))
    clusterer.partial_fit(PERU)
    (peru,) = stories_of(clusterer, PERU)
    indexed = sum(len(holders) for holders in clusterer.index_.values())
    # Nepal's last report (day 13) is more than 5 days after Peru's last (day 6).
    clusterer.partial_fit(NEPAL)
    assert clusterer.closed_ == [peru]
    assert peru not in clusterer.live_stories() and len(clusterer.live_stories()) == 1
    assert all(peru not in holders for holders in clusterer.index_.values())
    assert all(a.id not in clusterer.assigned_ for a in PERU)
    assert sum(len(holders) for holders in clusterer.index_.values()) <= indexed
    assert_late_report_opens_a_new_story(clusterer, peru)


def assert_late_report_opens_a_new_story(clusterer, closed: str) -> None:
    """A late report on the closed Peru story starts a new one instead of reviving it."""
    late = article(
        "Peru rebuilds Pisco church a month after quake",
        PERU[2].text + " Work on the San Clemente church in Pisco began this week.",
        40,
    )
    (assignment,) = clusterer.partial_fit([late])
    assert assignment.opened and assignment.story != closed


@pytest.mark.parametrize("method", ["story-cluster.v2", "story-graph.v1"])
def test_never_closes_without_a_window(method):
    clusterer = CLUSTERERS.get(method)(window=None)
    clusterer.partial_fit(PERU)
    clusterer.partial_fit([article("Much later", PERU[0].text, 900)])
    assert clusterer.closed_ == []


def test_unrelated_article_scores_no_candidate():
    clusterer = StoryClusterer()
    clusterer.partial_fit(PERU + NEPAL)
    before = clusterer.n_scored_
    (assignment,) = clusterer.partial_fit([UNRELATED])
    assert clusterer.n_scored_ == before
    assert assignment.opened and assignment.score == 0.0
    assert len(clusterer.live_stories()) == 3


def test_candidates_are_a_subset_of_the_live_stories():
    clusterer = StoryClusterer()
    clusterer.partial_fit(PERU[:1] + NEPAL[:1] + [UNRELATED])
    before = clusterer.n_scored_
    clusterer.partial_fit(PERU[1:2])
    # One new article, three live stories: it is scored against Peru's only (it shares keys with
    # Nepal's too, but nothing with the oyster festival).
    assert 1 <= clusterer.n_scored_ - before < 3


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(PERU + NEPAL + [UNRELATED]))
def test_batch_order_does_not_change_the_result(batch):
    reference = StoryClusterer().partial_fit(PERU + NEPAL + [UNRELATED])
    shuffled = StoryClusterer().partial_fit(batch)
    assert [a.article for a in shuffled] == [a.id for a in batch]
    assert sorted(shuffled, key=lambda a: a.article) == sorted(reference, key=lambda a: a.article)


def test_state_round_trip_continues_identically():
    first = StoryClusterer(window=timedelta(days=5))
    first.partial_fit(PERU[:3] + NEPAL[:1])
    state = first.get_state()
    restored = StoryClusterer(window=timedelta(days=5)).set_state(state)
    assert restored.get_state() == state
    assert restored.live_stories() == first.live_stories()
    rest = PERU[3:] + NEPAL[1:] + [UNRELATED]
    assert restored.partial_fit(rest) == first.partial_fit(rest)
    assert restored.get_state() == first.get_state()
    assert restored.closed_ == first.closed_


def test_state_from_another_configuration_is_refused():
    state = StoryClusterer(threshold=0.2).partial_fit(PERU) and StoryClusterer(threshold=0.2)
    with pytest.raises(UsageError, match="threshold"):
        StoryClusterer().set_state(state.get_state())
    with pytest.raises(UsageError, match="get_state"):
        StoryClusterer().set_state(b"not a state")


def test_resubmitted_article_keeps_its_story():
    clusterer = StoryClusterer()
    (first,) = clusterer.partial_fit(PERU[:1])
    again = clusterer.partial_fit([PERU[0], PERU[1]])
    assert again[0].story == first.story and not again[0].opened
    assert clusterer.live_stories()[first.story] == (PERU[0].id, PERU[1].id)


def test_fit_starts_over():
    clusterer = StoryClusterer()
    clusterer.partial_fit(NEPAL)
    clusterer.fit(PERU)
    assert stories_of(clusterer, PERU) == set(clusterer.live_stories())
    assert clusterer.n_docs_ == len(PERU)


def test_bad_parameter_names_the_parameter():
    with pytest.raises(UsageError, match="the batch_size parameter of StoryClusterer"):
        StoryClusterer(batch_size=0).partial_fit(PERU)
    with pytest.raises(UsageError, match="the window parameter"):
        StoryClusterer(window=timedelta(0)).partial_fit(PERU)


def test_registered_name():
    assert CLUSTERERS.names() == ("story-cluster.v2", "story-graph.v1")


def test_bcubed():
    assert bcubed(["a", "a", "b"], ["x", "x", "y"]) == (1.0, 1.0, 1.0)
    precision, recall, _ = bcubed(["a", "a", "b", "b"], ["x", "x", "x", "x"])
    assert (precision, recall) == (0.5, 1.0)
    precision, recall, _ = bcubed(["a", "a"], ["x", "y"])
    assert (precision, recall) == (1.0, 0.5)


# Measured 0.822 on these 200 articles (the first 8 topics of DUC 2006, one partial_fit call);
# the floor leaves room for harmless numeric drift only and may only be raised.
DUC_F1_FLOOR = 0.80


def duc_subset(shared_data) -> tuple[list[Article], dict[str, str]]:
    """The articles of the first 8 topics of DUC 2006 (200 after duplicates), and url -> topic."""
    import tidings

    # DUC's dates as the benchmarks read them: a few have day and month swapped, mended there.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_cluster import duc_date

    records, gold = [], {}
    with gzip.open(shared_data / "duc" / "duc2006.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in list(fh)[:8]:
            topic = json.loads(line)
            for doc in topic["docs"]:
                url = f"https://duc.example/{doc['doc_id']}"
                gold.setdefault(url, topic["topic_id"])
                records.append(
                    {
                        "text": doc["text"],
                        "title": doc["headline"],
                        "url": url,
                        "published": duc_date(doc),
                    }
                )
    articles, _ = tidings.load(records)
    return list({a.id: a for a in articles}.values()), gold


def test_duc_subset_quality_floor(shared_data):
    articles, gold = duc_subset(shared_data)
    clusterer = StoryClusterer(window=None, time_penalty=0.0)
    assigned = {a.article: a.story for a in clusterer.partial_fit(articles)}
    _, _, f1 = bcubed([gold[a.url] for a in articles], [assigned[a.id] for a in articles])
    assert f1 >= DUC_F1_FLOOR


def test_from_bytes_rebuilds_the_saved_configuration():
    first = StoryClusterer(window=timedelta(days=5), threshold=0.15)
    first.partial_fit(PERU[:2])
    restored = StoryClusterer.from_bytes(first.to_bytes())
    assert (restored.window, restored.threshold) == (timedelta(days=5), 0.15)
    assert restored.partial_fit(NEPAL) == first.partial_fit(NEPAL)


def test_an_empty_call_assigns_nothing_and_changes_nothing():
    clusterer = StoryClusterer()
    clusterer.partial_fit(PERU[:2])
    before = clusterer.get_state()
    assert clusterer.partial_fit([]) == []
    assert clusterer.get_state() == before


def test_features_follow_the_articles_language():
    """A Spanish article (its metadata says "es") loses Spanish function words and its
    inflections share a stem; with no language, or "en", the English lists apply as before."""
    from tidings.cluster import article_features

    text = (
        "Un terremoto sacudió el lunes la costa sur de Perú y dejó al menos 85 muertos en Pisco, "
        "según las autoridades, que enviaron ayuda para los damnificados por los terremotos."
    )

    def features(language, body=text):
        article = Article(id="x", source="s", text=body, title="Terremoto", language=language)
        return article_features([article], embedder=_no_embedding)[0]

    spanish = features("es")
    assert not {"que", "los", "las", "para", "por"} & set(spanish.terms)
    assert spanish.terms["terremot"] == 4  # "terremoto" x3 (title twice) and "terremotos"
    assert "terremoto" not in spanish.names  # a common Spanish word, not a name
    english = PERU[0].text
    assert features(None, english).terms == features("en", english).terms
    for tag in ("en-GB", "eng", "und", "english", "xx"):  # English, or no language we know
        assert features(tag, english).terms == features(None, english).terms, tag
    # Chinese has no stemmer here and wordfreq would need a tokeniser: features, not a crash.
    assert features("zh", "北京时间周一，一场强烈地震袭击了秘鲁南部海岸。" * 3).terms


def _no_embedding(texts):
    import numpy as np

    return np.ones((len(texts), 4))
