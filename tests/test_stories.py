"""Stories end to end: clustering a mixed folder, idempotent ingest, updates, and SIGKILL safety."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from pg import pg_server, pg_url  # noqa: F401  (fixtures)
from tidings.cli import EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent

FLOOD = [
    (
        "Floods hit Alnwick",
        "The river Aln burst its banks on Tuesday, flooding 300 homes in the town of Alnwick in "
        "Northumberland. Emergency crews evacuated 1,200 residents overnight and the county council opened two "
        "shelters. Forecasters expect more heavy rain on Thursday across the north of England.",
    ),
    (
        "Alnwick residents evacuated",
        "Officials in Northumberland said 1,200 Alnwick residents were evacuated "
        "overnight after the river Aln burst its banks and flooded 300 homes. A local school was closed as a "
        "precaution while engineers inspected the old stone bridge over the Aln.",
    ),
    (
        "Alnwick flood clean-up begins",
        "The clean-up began in Alnwick on Friday as the river Aln fell back "
        "within its banks. Northumberland county council said most of the 1,200 evacuated residents could go home, "
        "but 40 homes flooded by the Aln remain unsafe.",
    ),
]
ELECTION = [
    (
        "Valdoria votes",
        "Voters in Valdoria went to the polls on Sunday to elect a new parliament, with prime "
        "minister Ilse Marten seeking a third term against the opposition leader Tomas Brandt. Turnout was reported "
        "at 64 percent by midday, according to the Valdorian electoral commission.",
    ),
    (
        "Marten wins third term",
        "Prime minister Ilse Marten won a third term in Valdoria, official results showed "
        "on Monday, as her party took 88 of 150 seats. Opposition leader Tomas Brandt conceded defeat and "
        "congratulated Marten on her victory in the Valdorian election.",
    ),
    (
        "Brandt concedes",
        "Valdorian opposition leader Tomas Brandt conceded on Monday after prime minister Ilse "
        "Marten's party won 88 of the 150 seats in parliament. Brandt said his party would hold Marten's government "
        "to account in the new Valdorian parliament.",
    ),
]


def write_jsonl(
    path: Path,
    stories: list[list[tuple[str, str]]],
    *,
    outlets=("North Post", "Daily Wire", "Coast FM"),
) -> None:
    rows = []
    for s_index, story in enumerate(stories):
        for a_index, (title, text) in enumerate(story):
            rows.append(
                {
                    "title": title,
                    "text": text,
                    "outlet": outlets[a_index % len(outlets)],
                    "published": f"2024-05-{10 + a_index:02d}T0{s_index}:00:00Z",
                }
            )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err), out.getvalue(), err.getvalue()


def test_a_mixed_folder_becomes_its_stories(tmp_path: Path, example_dir: Path):
    folder = tmp_path / "news"
    shutil.copytree(example_dir, folder)
    write_jsonl(folder / "other.jsonl", [FLOOD, ELECTION])
    code, out, err = run("stories", str(folder), "--format", "json")
    assert code == EXIT_OK, err
    stories = json.loads(out)
    groups = sorted(
        sorted(a.get("path", a.get("url", ""))[-7:] for a in s["articles"]) for s in stories
    )
    sizes = sorted(len(s["articles"]) for s in stories)
    assert sizes == [3, 3, 5], groups
    for story in stories:
        assert story["brief"]["summary"], story["id"]
        for article in story["articles"]:
            assert article["id"] and ("path" in article or "url" in article)


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path: Path) -> str:
    """A store target: a SQLite file, or a fresh PostgreSQL database (skipped, with the reason,
    where no server can be started)."""
    if request.param == "sqlite":
        return str(tmp_path / "news.db")
    return request.getfixturevalue("pg_url")


def test_ingesting_twice_changes_nothing_and_updates_go_to_the_right_story(tmp_path: Path, db: str):
    first, later = tmp_path / "first.jsonl", tmp_path / "later.jsonl"
    write_jsonl(first, [FLOOD[:2], ELECTION[:2]])
    write_jsonl(later, [FLOOD[2:], ELECTION[2:]])
    assert run("ingest", str(first), "--db", db, "--no-analysis")[0] == EXIT_OK
    before = run("export", "--db", str(db))[1]
    assert run("ingest", str(first), "--db", db, "--no-analysis")[0] == EXIT_OK
    assert run("export", "--db", str(db))[1] == before

    code, _, err = run("ingest", str(later), "--db", db)
    assert code == EXIT_OK, err
    stories = [json.loads(line) for line in run("export", "--db", str(db))[1].splitlines()]
    assert sorted(s["size"] for s in stories) == [3, 3]
    for story in stories:
        assert story["revision"] == 2
        assert [u["revision"] for u in story["updates"]] == [1, 2]
        update = story["updates"][-1]["update"]
        assert update, story["title"]
        text = " ".join(u["text"] for u in update)
        assert (
            ("clean-up" in text or "Friday" in text)
            if "Alnwick" in json.dumps(story)
            else "Brandt" in text
        )

    code, out, _ = run("show", stories[0]["id"], "--db", str(db))
    assert code == EXIT_OK and "## Updates" in out and "Revision 2" in out
    code, out, _ = run("search", "Alnwick flood", "--db", str(db))
    assert code == EXIT_OK and "Alnwick" in out


def _corpus(path: Path, n_stories: int = 12, per_story: int = 10) -> None:
    """Synthetic but distinct stories: each about its own town and officials."""
    towns = [
        "Arden",
        "Bexley",
        "Corrin",
        "Dunmore",
        "Elstow",
        "Farrow",
        "Galway",
        "Hexham",
        "Irvine",
        "Jarrow",
        "Kelso",
        "Lanark",
        "Moray",
        "Nairn",
        "Oban",
        "Perth",
    ]
    events = [
        "a factory fire",
        "a bridge collapse",
        "a water shortage",
        "a rail strike",
        "a hospital closure",
        "a power cut",
        "a landslide",
        "a school strike",
    ]
    rows = []
    for s in range(n_stories):
        town, event = towns[s], events[s % len(events)]
        for a in range(per_story):
            rows.append(
                {
                    "title": f"{town}: update {a} on {event}",
                    "text": f"Officials in {town} gave update number {a} on {event} that hit the town of {town} this week. "
                    f"The {town} mayor, {town}son, said crews had worked through the night on {event}, "
                    f"and residents of {town} were told to expect news on day {a}. Engineers in {town} "
                    f"reported progress item {a * 7 + s} to the {town} council.",
                    "outlet": f"Outlet {a % 4}",
                    "published": f"2024-0{1 + s % 6}-{1 + a:02d}T12:00:00Z",
                }
            )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _partition(db: Path) -> set[frozenset[str]]:
    stories = [json.loads(line) for line in run("export", "--db", str(db))[1].splitlines()]
    return {frozenset(a["id"] for a in s["articles"]) for s in stories}


@pytest.mark.slow
def test_sigkill_loses_at_most_the_batch_in_flight_and_rerun_completes(tmp_path: Path):
    corpus = tmp_path / "corpus.jsonl"
    _corpus(corpus)
    reference = tmp_path / "reference.db"
    assert run("ingest", str(corpus), "--db", str(reference), "--batch-size", "10")[0] == EXIT_OK
    expected = _partition(reference)

    db = tmp_path / "killed.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [
        sys.executable,
        "-m",
        "tidings.cli",
        "ingest",
        str(corpus),
        "--db",
        str(db),
        "--batch-size",
        "10",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db.exists():
                try:
                    with sqlite3.connect(db, timeout=0.1) as con:
                        if con.execute("select count(*) from articles").fetchone()[0] >= 30:
                            break
                except sqlite3.OperationalError:
                    pass
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        killed = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert killed, "the writer finished before it could be killed; make the corpus larger"

    with sqlite3.connect(db) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        stored = con.execute("select count(*) from articles").fetchone()[0]
    assert 0 < stored < 120 and stored % 10 == 0  # whole batches only

    assert run("ingest", str(corpus), "--db", str(db), "--batch-size", "10")[0] == EXIT_OK
    assert _partition(db) == expected
    with sqlite3.connect(db) as con:
        assert con.execute("select count(*) from articles").fetchone()[0] == 120


def test_worker_processes_change_nothing_but_the_time(tmp_path: Path):
    corpus = tmp_path / "news.jsonl"
    write_jsonl(corpus, [FLOOD, ELECTION])
    results = []
    for workers in ("1", "2"):
        db = tmp_path / f"w{workers}.db"
        code, _, err = run(
            "ingest", str(corpus), "--db", str(db), "--no-analysis", "--workers", workers
        )
        assert code == EXIT_OK, err
        stories = [json.loads(line) for line in run("export", "--db", str(db))[1].splitlines()]
        for story in stories:
            for update in story["updates"]:
                update.pop("made")  # the only field that is a clock reading
        results.append(sorted(stories, key=lambda s: s["id"]))
    assert results[0] == results[1]
    assert len(results[0]) == 2


def test_a_long_story_is_briefed_from_its_latest_articles_and_still_listed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A story that keeps growing would be re-read and re-summarised whole at every batch (cost
    quadratic in its length); max_brief_articles bounds what one revision reads."""
    import tidings
    from tidings.render import render_stories, story_dict, unbriefed
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    corpus = tmp_path / "news.jsonl"
    _corpus(corpus, n_stories=1, per_story=10)
    articles, rejected = tidings.load([corpus])
    assert len(articles) == 10 and not rejected
    with open_store(str(tmp_path / "long.db")) as store:
        read: list[int] = []
        get_articles = store.get_articles
        monkeypatch.setattr(
            store, "get_articles", lambda ids: read.append(len(ids)) or get_articles(ids)
        )
        with StoryTracker(store, batch_size=3, max_brief_articles=4) as tracker:
            tracker.ingest(articles)
        monkeypatch.undo()
        [story] = store.stories()
        revisions = store.revisions(story.id)
        assert len(story.articles) == 10 and story.revision == len(revisions) == 4
        assert max(read) <= 4  # never re-read whole
        latest = revisions[-1]
        assert [a.id for a in latest.brief.articles] == list(story.articles[-4:])
        assert latest.articles == story.articles
        # The story's span is all of it, not only what the last brief read.
        assert story.opened == min(a.published for a in articles)
        assert story.last_seen == max(a.published for a in articles)
        others = store.get_articles(unbriefed(story, revisions))
        record = story_dict(story, revisions, None, others)
        assert [a["id"] for a in record["articles"]] == list(story.articles)
        assert all(a.get("path") for a in record["articles"])
        assert "brief from the latest 4" in render_stories([(story, revisions, None)])

    with open_store(str(tmp_path / "whole.db")) as store:
        with StoryTracker(store, batch_size=3) as tracker:
            tracker.ingest(articles)
        [story] = store.stories()
        latest = store.revisions(story.id)[-1]
        assert {a.id for a in latest.brief.articles} == set(story.articles)
        assert "brief from the latest" not in render_stories([(story, [latest], None)])

    # Updates still say what is new when the known side is bounded too.
    flood = tmp_path / "flood.jsonl"
    write_jsonl(flood, [FLOOD])
    articles, _ = tidings.load([flood])
    with open_store(str(tmp_path / "flood.db")) as store:
        with StoryTracker(store, batch_size=1, max_brief_articles=2) as tracker:
            tracker.ingest(articles)
        [story] = store.stories()
        revisions = store.revisions(story.id)
        assert [len(r.brief.articles) for r in revisions] == [1, 2, 2]
        assert all(r.update for r in revisions[1:])


def test_max_brief_articles_must_be_positive(tmp_path: Path):
    from tidings.errors import UsageError
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    with (
        open_store(str(tmp_path / "x.db")) as store,
        pytest.raises(UsageError, match="max_brief_articles"),
    ):
        StoryTracker(store, max_brief_articles=0)


def _repost(report: tuple[str, str], published: str) -> dict:
    """A near-copy of ``report`` (title, text), as another outlet re-posts a wire story."""
    title, text = report
    return {
        "title": f"{title} (updated)",
        "text": text + " Updated at noon with the council's figures.",
        "outlet": "Coast FM",
        "published": published,
    }


def test_a_copy_of_an_earlier_batchs_article_follows_it_even_after_a_restart(tmp_path: Path):
    """Copies are collapsed across batches too, not only within one: a wire story re-posted in a
    later batch (or a later run) joins its original's story and is counted as a copy."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    corpus = tmp_path / "news.jsonl"
    write_jsonl(corpus, [FLOOD, ELECTION])
    articles, _ = tidings.load([corpus])
    title, _ = FLOOD[0]
    other = tmp_path / "copy.jsonl"
    other.write_text(json.dumps(_repost(FLOOD[0], "2024-05-10T09:00:00Z")) + "\n", encoding="utf-8")
    [copy], _ = tidings.load([other])
    original = next(a for a in articles if a.title == title)

    for restart in (False, True):
        with open_store(str(tmp_path / f"copies-{restart}.db")) as store:
            tracker = StoryTracker(store, batch_size=2)
            tracker.ingest(articles)
            if restart:  # the index is rebuilt from the store by a new tracker
                tracker.close()
                tracker = StoryTracker(store, batch_size=2)
            report = tracker.ingest([copy])
            tracker.close()
            assert report.copies == 1 and report.stories_opened == 0
            assert store.story_of(copy.id) == store.story_of(original.id)


def test_a_story_dated_only_by_crawl_times_says_captured_not_reported(
    tmp_path: Path, example_dir: Path
):
    """The bundled captures carry page timestamps years after the 2018 event and no publication
    date: the story line must not call 2021 its last report."""
    code, out, err = run("stories", str(example_dir), "--format", "markdown", "--no-analysis")
    assert code == EXIT_OK, err
    assert "last captured 2021-05-11" in out and "last report" not in out
    corpus = tmp_path / "dated.jsonl"
    write_jsonl(corpus, [FLOOD])
    code, out, err = run("stories", str(corpus), "--format", "markdown", "--no-analysis")
    assert code == EXIT_OK, err
    assert "last report 2024-05-12" in out


def test_copies_are_looked_for_among_recent_stories_only(tmp_path: Path):
    """copy_window bounds the copy index (and its rebuild on start) to stories with recent reports."""
    from datetime import timedelta

    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    corpus = tmp_path / "news.jsonl"
    write_jsonl(corpus, [FLOOD, ELECTION])
    articles, _ = tidings.load([corpus])
    title, text = FLOOD[0]
    later = tmp_path / "later.jsonl"
    later.write_text(
        json.dumps(
            {
                "title": "Harbour reopens in Port Ellis",
                "text": "The harbour of Port Ellis reopened on Monday after a week of repairs to its "
                "sea wall, the port authority said, and the first ferry left at noon with 200 people.",
                "outlet": "North Post",
                "published": "2024-05-25T09:00:00Z",
            }
        )
        + "\n"
        + json.dumps(
            {"title": title, "text": text + " Updated.", "published": "2024-05-25T10:00:00Z"}
        )
        + "\n",
        encoding="utf-8",
    )
    news, copy = tidings.load([later])[0]
    found = {}
    for window in (timedelta(days=3), None):
        with open_store(str(tmp_path / f"w{window}.db")) as store:
            with StoryTracker(store, batch_size=10, copy_window=window) as tracker:
                tracker.ingest(articles)
                tracker.ingest([news])  # moves the stream's clock 13 days past the flood
                # A restarted tracker reads only the recent stories' articles to rebuild its index.
            calls: list[list[str]] = []
            get_articles = store.get_articles
            store.get_articles = lambda ids, calls=calls, read=get_articles: (  # type: ignore[method-assign]
                calls.append(list(ids)) or read(ids)
            )
            with StoryTracker(store, batch_size=10, copy_window=window) as tracker:
                found[window] = tracker.ingest([copy]).copies
            flood = {a.id for a in articles if a.title in {t for t, _ in FLOOD}}
            rebuilt = set(calls[0])  # the first read rebuilds the index
            assert news.id in rebuilt and bool(flood & rebuilt) == (window is None)
    assert found == {timedelta(days=3): 0, None: 1}


def assert_quakes_apart(store) -> None:
    """Each quake's articles in a stored story of their own, each article in exactly one story,
    and each story's latest revision listing its articles and citing no other."""
    from test_cluster import NEPAL, PERU

    live = [s for s in store.stories() if s.articles]
    members = [a for s in live for a in s.articles]
    assert sorted(members) == sorted(a.id for a in PERU + NEPAL)  # each exactly once
    assert {frozenset(s.articles) for s in live} == {
        frozenset(a.id for a in PERU),
        frozenset(a.id for a in NEPAL),
    }
    for story in live:
        latest = store.revisions(story.id)[-1]
        assert set(latest.articles) == set(story.articles)
        assert {a.id for a in latest.brief.articles} <= set(story.articles)


def test_an_article_the_clusterer_moves_changes_story_in_the_store(tmp_path: Path):
    """Two quakes' first reports share a story until each quake's own reports arrive; then one
    moves (story-graph.v1 undoes early mistakes), and the store follows: each article in one
    story, the story it left revised without it, and a legacy v2 store goes on with v2."""
    from test_cluster import NEPAL, PERU
    from tidings.cluster import StoryClusterer
    from tidings.store import open_store
    from tidings.stories import LEGACY_STATE_KEY, STATE_KEY, StoryTracker

    with open_store(str(tmp_path / "moves.db")) as store:
        with StoryTracker(store) as tracker:
            first = tracker.ingest([PERU[0], NEPAL[0]])
            assert first.stories_opened == 1
            later = tracker.ingest(PERU[1:] + NEPAL[1:])
        assert later.moved == 1
        assert_quakes_apart(store)
        assert store.get_state(STATE_KEY) and not store.get_state(LEGACY_STATE_KEY)

    with open_store(str(tmp_path / "legacy.db")) as store:
        with StoryTracker(store, clusterer=StoryClusterer()) as tracker:
            tracker.ingest(PERU)
        assert store.get_state(LEGACY_STATE_KEY) and not store.get_state(STATE_KEY)
        with StoryTracker(store) as tracker:
            assert type(tracker.clusterer) is StoryClusterer
            tracker.ingest(NEPAL)
        assert len(store.stories()) == 2


def test_a_store_keeps_the_clustering_settings_it_was_made_with(tmp_path: Path):
    """--window and --resolution reach the clusterer of a new store and are kept with it: a
    later run without them goes on with them (it used to fail, restoring the saved state into a
    clusterer made with the defaults), and a run that asks for others is refused before
    anything is read, naming the store and the setting."""
    first, later = tmp_path / "first.jsonl", tmp_path / "later.jsonl"
    write_jsonl(first, [FLOOD[:2]])  # reports a day apart
    write_jsonl(later, [FLOOD[2:]])
    default, narrow = str(tmp_path / "default.db"), str(tmp_path / "narrow.db")
    assert run("ingest", str(first), "--db", default, "--no-analysis")[0] == EXIT_OK
    code, _, err = run(
        "ingest", str(first), "--db", narrow, "--no-analysis", "--window", "0.5",
        "--resolution", "0.05",
    )  # fmt: skip
    assert code == EXIT_OK, err

    def sizes(db: str) -> list[int]:
        return sorted(
            json.loads(line)["size"] for line in run("export", "--db", db)[1].splitlines()
        )

    # Half a day: reports a day apart never link, so each is a story of its own.
    assert sizes(default) == [2] and sizes(narrow) == [1, 1]
    code, _, err = run("ingest", str(later), "--db", narrow, "--no-analysis")
    assert code == EXIT_OK, err
    # The third report is dated with the first (write_jsonl dates a story's reports from the
    # 10th): it joins the first's story, closed by now, and not the second's, a day away (with the
    # default 30 days it would be one story of three).
    assert sizes(narrow) == [1, 2]
    for option, value, saved in (
        ("--window", "30", "window 0.5 days"),
        ("--resolution", "0.015", "resolution 0.05"),
    ):
        code, _, err = run("ingest", "no-such-input", "--db", narrow, option, value)
        assert code == EXIT_USAGE, err
        assert narrow in err and saved in err and "no-such-input" not in err
    # The same settings again are accepted.
    code, _, err = run("ingest", str(later), "--db", narrow, "--window", "0.5", "--no-analysis")
    assert code == EXIT_OK, err
    for option, value in (("--window", "0"), ("--window", "soon"), ("--resolution", "-1")):
        code, _, err = run("stories", str(first), option, value)
        assert code == EXIT_USAGE and option in err, err


def test_a_store_of_story_cluster_v2_has_no_resolution(tmp_path: Path):
    from test_cluster import PERU
    from tidings.cluster import StoryClusterer
    from tidings.errors import UsageError
    from tidings.store import open_store
    from tidings.stories import StoryTracker, stored_clusterer

    with open_store(str(tmp_path / "legacy.db")) as store:
        assert type(stored_clusterer(store, {"resolution": 0.05})).__name__ == (
            "GraphStoryClusterer"
        )  # a store with no state yet takes any setting
        with StoryTracker(store, clusterer=StoryClusterer(window=None)) as tracker:
            tracker.ingest(PERU)
        assert stored_clusterer(store, {"window": None}).window is None
        with pytest.raises(
            UsageError, match=r"legacy\.db keeps its stories with story-cluster\.v2"
        ):
            stored_clusterer(store, {"resolution": 0.05}, where=str(tmp_path / "legacy.db"))
        with pytest.raises(UsageError, match=r"window none, .* not 30 days"):
            stored_clusterer(store, {"window": timedelta(days=30)})


def test_a_story_that_closes_in_the_call_that_opened_it_is_stored_closed(tmp_path: Path):
    """A folder spanning months goes in as one call: a story whose last report is older than the
    window closes within that call, and the store must say so (its first revision was once
    written with closed=False after the close, reopening it for good)."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    records = [
        {
            "title": t,
            "text": x,
            "published": f"2024-05-{10 + k:02d}T09:00:00Z",
            "outlet": "North Post",
        }
        for k, (t, x) in enumerate(FLOOD)
    ] + [
        {
            "title": t,
            "text": x,
            "published": f"2024-08-{10 + k:02d}T09:00:00Z",
            "outlet": "Daily Wire",
        }
        for k, (t, x) in enumerate(ELECTION)
    ]
    articles, rejected = tidings.load(records)
    assert not rejected
    with open_store(str(tmp_path / "months.db")) as store:
        with StoryTracker(store) as tracker:
            report = tracker.ingest(articles)
            assert report.stories_opened == 2 and report.stories_closed == 1
            flood = {a.id for a in articles[:3]}
            stored = {frozenset(s.articles): s for s in store.stories()}
            assert stored[frozenset(flood)].closed
            assert not stored[frozenset(a.id for a in articles[3:])].closed
            # The clusterer has let it go, its id too (a long-running tracker would otherwise
            # hold every id it ever closed); the store agrees after a restart too.
            assert not flood & set(tracker.clusterer.assigned_)
            assert tracker.clusterer.closed_ == []
        with StoryTracker(store) as tracker:
            tracker.ingest(articles)  # the same input again changes nothing
        assert {frozenset(s.articles): s.closed for s in store.stories()} == {
            frozenset(flood): True,
            frozenset(a.id for a in articles[3:]): False,
        }


def test_stories_do_not_depend_on_the_order_the_inputs_are_listed_in(tmp_path: Path):
    """A folder read by file name lists August's election before the rest of May's flood. Taken
    as listed, the newest time seen jumps to August, the flood's story (30-day window) closes
    after its first report, and each later report opens a story of its own. The tracker
    takes a listed input by publication time, so every listing gives the same stories."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    rows = [
        {"title": t, "text": x, "published": f"2024-{m}-{10 + k:02d}T09:00:00Z", "outlet": o}
        for m, o, story in (("05", "North Post", FLOOD), ("08", "Daily Wire", ELECTION))
        for k, (t, x) in enumerate(story)
    ]
    flood_first = [rows[0], rows[3], rows[1], rows[4], rows[2], rows[5]]
    partitions = []
    for name, listing in (("sorted", rows), ("mixed", flood_first), ("reversed", rows[::-1])):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in listing), encoding="utf-8")
        code, out, err = run("stories", str(path), "--format", "json", "--batch-size", "1")
        assert code == EXIT_OK, err
        partitions.append({frozenset(a["id"] for a in s["articles"]) for s in json.loads(out)})
    flood = frozenset(a.id for a in tidings.load(rows[:3])[0])
    assert flood in partitions[0]
    assert partitions[0] == partitions[1] == partitions[2]

    # The same listing taken as it arrives (a live stream's order): each later flood report is
    # older than the live window after August's election. Clustered with the live stream, as
    # before reopen, each opened a story that closed at once; clustered with the stories of
    # its time, it joins the flood's story, which the live clusterer has let go.
    articles, _ = tidings.load(flood_first)
    for reopen in (False, True):
        with open_store(str(tmp_path / f"arrival-{reopen}.db")) as store:
            with StoryTracker(store, batch_size=1, reopen=reopen) as tracker:
                report = tracker.ingest(articles, order="arrival")
            stored = {frozenset(s.articles) for s in store.stories() if s.articles}
        assert report.late == (2 if reopen else 0)
        if reopen:
            assert stored == partitions[0]
        else:
            assert flood not in stored
            assert sum(1 for s in stored if s < flood) == 3


def test_ingest_order_must_be_published_or_arrival(tmp_path: Path):
    from tidings.errors import UsageError
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    with (
        open_store(str(tmp_path / "o.db")) as store,
        StoryTracker(store) as tracker,
        pytest.raises(UsageError, match=r"order parameter .* got 'date'"),
    ):
        tracker.ingest([], order="date")  # type: ignore[arg-type]


def test_near_copies_move_with_the_article_they_copy(tmp_path: Path):
    """A copy follows its original into a story and never enters the clusterer; when the
    clusterer later moves the original, the copy must go with it, not stay behind in a story
    whose brief would then cite a report of the other quake."""
    from dataclasses import replace as with_

    from test_cluster import NEPAL, PERU
    from tidings.records import content_id
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    def copy(of):
        text = of.text + " This report was updated."
        return with_(
            of, id=content_id(of.title, text), text=text, outlet="reposts", source="reposts/x"
        )

    copies = {copy(PERU[0]): PERU[0].id, copy(NEPAL[0]): NEPAL[0].id}
    with open_store(str(tmp_path / "copies.db")) as store:
        with StoryTracker(store) as tracker:
            first = tracker.ingest([PERU[0], NEPAL[0], *copies])
            assert first.stories_opened == 1 and first.copies == 2
            later = tracker.ingest(PERU[1:] + NEPAL[1:])
        assert later.moved == 2  # the article the clusterer moved, and its copy
        story_of = {a: s.id for s in store.stories() for a in s.articles}
        for duplicate, original in copies.items():
            assert story_of[duplicate.id] == story_of[original]
        assert sorted(story_of) == sorted(a.id for a in [*PERU, *NEPAL, *copies])
        for story in store.stories():
            if story.articles:
                assert set(store.revisions(story.id)[-1].articles) == set(story.articles)


def test_a_story_split_when_reports_arrive_one_at_a_time_is_stored_as_two(tmp_path: Path):
    """The first Peru and Nepal reports make one stored story; the rest arrive one per ingest.
    The clusterer splits the story (refinement) into one it never stored before: the store
    must end with each quake's articles in their own story, each article once, and every
    brief citing only its story's articles."""
    from test_cluster import NEPAL, PERU
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    with open_store(str(tmp_path / "split.db")) as store:
        with StoryTracker(store) as tracker:
            assert tracker.ingest([PERU[0], NEPAL[0]]).stories_opened == 1
            reports = [tracker.ingest([a]) for a in [*PERU[1:], *NEPAL[1:]]]
        assert sum(r.moved for r in reports) >= 1
        assert sum(r.stories_opened for r in reports) >= 1
        assert_quakes_apart(store)


def _stored_outcome(store) -> list[tuple]:
    """Every stored story with each of its revisions (brief, update, articles; not the clock)."""
    return [
        (
            s.id,
            s.articles,
            s.closed,
            s.revision,
            [(r.revision, r.brief, r.update, r.articles) for r in store.revisions(s.id)],
        )
        for s in sorted(store.stories(), key=lambda s: s.id)
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_batch_pipeline_changes_nothing_but_the_time(tmp_path: Path, workers: int):
    """Within one ingest, batch k+1 is clustered while batch k is summarised, and batch k is
    written after. The stored outcome must be that of one batch after the other: the same
    stories, revisions and clusterer state as ingesting each batch in a call of its own (where
    nothing overlaps), with moves and a split among the batches."""
    from test_cluster import NEPAL, PERU
    from tidings.store import open_store
    from tidings.stories import STATE_KEY, StoryTracker

    stream = [PERU[0], NEPAL[0], *PERU[1:], *NEPAL[1:]]
    outcomes = []
    for pipelined in (True, False):
        with open_store(str(tmp_path / f"p{pipelined}{workers}.db")) as store:
            with StoryTracker(store, batch_size=2, workers=workers) as tracker:
                if pipelined:
                    reports = [tracker.ingest(stream, order="arrival")]
                else:
                    reports = [
                        tracker.ingest(stream[k : k + 2], order="arrival")
                        for k in range(0, len(stream), 2)
                    ]
            assert sum(r.moved for r in reports) >= 1
            assert_quakes_apart(store)
            outcomes.append((_stored_outcome(store), store.get_state(STATE_KEY)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("failing", ["clusterer", "input"])
def test_an_error_in_one_batch_keeps_the_batch_before_it_whole(tmp_path: Path, failing: str):
    """The batch before is still being summarised when the next one is read and clustered: if
    clustering it, or reading the input, fails, that batch is written whole before the error goes
    on, as if the batches had run one after the other."""
    from test_cluster import NEPAL, PERU
    from tidings.cluster_graph import GraphStoryClusterer
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    class Failing(GraphStoryClusterer):
        def partial_fit(self, articles):
            articles = list(articles)
            if any(a.id == NEPAL[0].id for a in articles):
                raise RuntimeError("clusterer failed")
            return GraphStoryClusterer.partial_fit(self, articles)

    with open_store(str(tmp_path / "fail.db")) as store:

        def stream():
            yield from PERU
            raise OSError("input failed")

        clusterer = Failing() if failing == "clusterer" else GraphStoryClusterer()
        tracker = StoryTracker(store, batch_size=len(PERU), workers=2, clusterer=clusterer)
        with tracker, pytest.raises((RuntimeError, OSError), match=f"{failing} failed"):
            tracker.ingest(
                [*PERU, NEPAL[0]] if failing == "clusterer" else stream(), order="arrival"
            )
        assert sorted(a for s in store.stories() for a in s.articles) == sorted(a.id for a in PERU)
        assert all(store.revisions(s.id) for s in store.stories())


def test_progress_shows_on_request_and_stays_quiet_when_piped(tmp_path: Path, example_dir: Path):
    """Long runs show what they have done (documents extracted, then articles read, stories open
    and the rate) on a terminal; piped, as here (stderr is not a TTY), the output has none of it."""
    code, _, quiet = run("stories", str(example_dir), "--format", "json")
    assert code == EXIT_OK
    assert "extracted" not in quiet and "articles read" not in quiet and "\r" not in quiet
    code, _, shown = run("stories", str(example_dir), "--format", "json", "--progress", "always")
    assert code == EXIT_OK
    lines = [line for line in shown.replace("\r", "\n").splitlines() if line]
    assert "5 documents extracted" in " ".join(lines)
    final = [line for line in lines if "articles read" in line][-1]
    assert final.startswith("5 articles read (5 new, 0 known, 0 rejected) · 1 stories open · ")
    assert final.endswith("articles/s")


def test_pages_extract_the_same_in_parallel(tmp_path: Path):
    """HTML pages are extracted by ``workers`` processes once there are enough of them; the
    articles, their order and the rejections are those of one process."""
    from tidings.extract import _PARALLEL_PAGES, extract_all
    from tidings.records import RawDocument

    docs = []
    for k in range(_PARALLEL_PAGES + 8):
        town = FLOOD[k % 3][0]
        body = "" if k % 10 == 3 else f"<p>{FLOOD[k % 3][1]} Report {k} from {town}.</p>" * 2
        page = f"<html><head><title>{town} {k}</title></head><body><article>{body}</article></body></html>"
        docs.append(RawDocument(source=f"page{k}.html", kind="html", content=page.encode()))
    seen: list[tuple[int, int]] = []
    one = extract_all(docs)
    two = extract_all(docs, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert one == two
    assert len(one[0]) == len(docs) - 4 and {r.input for r in one[1]} == {
        f"page{k}.html" for k in (3, 13, 23, 33)
    }
    assert seen == [(k, len(docs)) for k in range(1, len(docs) + 1)]


def test_an_undated_report_keeps_its_place_among_the_dated_ones(tmp_path: Path):
    """Taken by publication time, an undated report cannot be placed by its own date. Sent to the
    end, it would be clustered at the input's newest time (August), after the flood's story had
    closed; it stays after the dated report listed before it, and joins its story."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker, published_order

    rows = [
        {"title": t, "text": x, "published": f"2024-{m}-{10 + k:02d}T09:00:00Z", "outlet": o}
        for m, o, story in (("05", "North Post", FLOOD), ("08", "Daily Wire", ELECTION))
        for k, (t, x) in enumerate(story)
    ]
    del rows[2]["published"]
    articles, _ = tidings.load(rows)
    # Listed first, it stays first; listed after August's first report, it follows that one.
    undated = articles[2]
    assert published_order([undated, *articles[:2], *articles[3:]])[0] is undated
    later = [*articles[:2], articles[3], undated, *articles[4:]]
    assert published_order(later) == later
    assert [a.id for a in published_order(articles)] == [a.id for a in articles]
    with open_store(str(tmp_path / "u.db")) as store:
        with StoryTracker(store, batch_size=1) as tracker:
            tracker.ingest(articles)
        assert frozenset(a.id for a in articles[:3]) in {
            frozenset(s.articles) for s in store.stories()
        }


def test_a_failing_input_in_publication_order_writes_only_the_rejections(tmp_path: Path):
    from test_cluster import PERU
    from tidings.records import Rejection
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    def stream():
        yield from PERU
        raise OSError("input failed")

    refused = Rejection("bad.html", "extract", "too-short", "12 words")
    with open_store(str(tmp_path / "f.db")) as store:
        with StoryTracker(store) as tracker, pytest.raises(OSError, match="input failed"):
            tracker.ingest(stream(), rejected=[refused])
        assert store.count_stories() == 0
        assert [r.input for r in store.rejections()] == ["bad.html"]


# A late report of the flood (early May), for flood stories that ran from May into June.
BRIDGE = {
    "title": "Alnwick flood: Aln bridge closed",
    "text": "Engineers closed the old stone bridge over the river Aln in Alnwick on Friday after "
    "floodwater damaged its piers. Northumberland county council said the 300 flooded homes in "
    "Alnwick would be inspected as residents returned.",
    "published": "2024-05-03T09:00:00Z",
    "outlet": "Coast FM",
}


def _records(story: list[tuple[str, str]], month: str, outlet: str) -> list[dict]:
    return [
        {"title": t, "text": x, "published": f"2024-{month}-{10 + k:02d}T09:00:00Z", "outlet": o}
        for k, (t, x) in enumerate(story)
        for o in (outlet,)
    ]


def test_late_reports_join_the_stories_of_their_time_across_runs(tmp_path: Path, db: str):
    """An archive older than the live window, added one report per run (a new tracker each
    time, as separate CLI runs): each report joins the stored story of its own time, reopened
    from the store, which gets a revision with an update; the two quakes, of one kind, stay
    apart; the live story is untouched. Without reopen, every late report is a story of its
    own, because the story it would join closed at once."""
    from dataclasses import replace
    from datetime import timedelta

    import tidings
    from test_cluster import NEPAL, PERU
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    election, _ = tidings.load(_records(ELECTION, "08", "Daily Wire"))
    flood, _ = tidings.load(_records(FLOOD, "05", "North Post"))
    # The quakes of tests/test_cluster.py (March 2024), moved to May, a week apart.
    shift = timedelta(days=70)
    quakes = [replace(a, published=a.published + shift) for a in PERU + NEPAL]
    late = sorted([*flood, *quakes], key=lambda a: (a.published, a.id))
    outcomes = {}
    for reopen in (True, False):
        target = db if reopen else str(tmp_path / "off.db")
        with open_store(target) as store:
            with StoryTracker(store, reopen=reopen) as tracker:
                tracker.ingest(election)
            reports = []
            for article in late:
                with StoryTracker(store, reopen=reopen) as tracker:
                    reports.append(tracker.ingest([article]))
            outcomes[reopen] = {frozenset(s.articles) for s in store.stories() if s.articles}
            if reopen:
                assert all(r.late == 1 for r in reports)
                # Nepal's first report joins Peru's story, as in one stream, until Nepal's
                # second moves it out to a story of their own.
                assert [r.reopened for r in reports].count(0) == 3
                assert sum(r.moved for r in reports) == 1
                for group in (flood, PERU, NEPAL):
                    ids = {a.id for a in group}
                    story = store.get_story(store.story_of(next(iter(ids))))
                    assert set(story.articles) == ids and story.closed
                    # The revision that took the report that came last has an update from it.
                    newest = max(
                        (a for a in [*flood, *quakes] if a.id in ids), key=lambda a: a.published
                    )
                    took = next(r for r in store.revisions(story.id) if newest.id in r.articles)
                    assert took.update
                    assert {x.citations[0].article for x in took.update} == {newest.id}
                live = store.stories(closed=False)
                assert [set(s.articles) for s in live] == [{a.id for a in election}]
    assert outcomes[True] == {
        frozenset(a.id for a in group) for group in (election, flood, PERU, NEPAL)
    }
    assert len(outcomes[False]) == 1 + len(late)


def test_a_late_copy_of_a_closed_storys_article_follows_it(tmp_path: Path):
    """A wire story re-posted in an archive that comes after its story closed is a copy of an
    article the lane brings back from the store: it joins that story as a copy (counted so),
    instead of being clustered as a report of its own, and the story is revised."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    flood, _ = tidings.load(_records(FLOOD, "05", "North Post"))
    election, _ = tidings.load(_records(ELECTION, "08", "Daily Wire"))
    title, _ = FLOOD[1]
    [copy], _ = tidings.load([_repost(FLOOD[1], "2024-05-12T15:00:00Z")])
    original = next(a for a in flood if a.title == title)
    with open_store(str(tmp_path / "late-copy.db")) as store:
        with StoryTracker(store) as tracker:
            tracker.ingest([*flood, *election])
        story = store.story_of(original.id)
        assert store.get_story(story).closed
        revisions = len(store.revisions(story))
        with StoryTracker(store) as tracker:
            report = tracker.ingest([copy])
        assert (report.late, report.copies, report.stories_opened) == (1, 1, 0)
        assert store.story_of(copy.id) == story
        assert set(store.get_story(story).articles) == {*(a.id for a in flood), copy.id}
        assert len(store.revisions(story)) == revisions + 1


def test_a_late_archive_in_one_run_forms_the_stories_a_fresh_store_would(tmp_path: Path):
    """An archive older than the live window, in one run of many small batches: the lane that
    follows its time keeps its stories open across batches, so it forms the same stories as
    the same archive in a store of its own; a late report of a story stored long before, which
    the live stream has closed, reopens that story under its own id."""
    from dataclasses import replace
    from datetime import timedelta

    import tidings
    from test_cluster import NEPAL, PERU
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    flood, _ = tidings.load(_records(FLOOD, "05", "North Post"))
    election, _ = tidings.load(_records(ELECTION, "08", "Daily Wire"))
    shift = timedelta(days=70)
    quakes = [replace(a, published=a.published + shift) for a in PERU + NEPAL]
    with open_store(str(tmp_path / "fresh.db")) as store:
        with StoryTracker(store, batch_size=2) as tracker:
            tracker.ingest([*flood[:2], *quakes])
        fresh = {frozenset(s.articles) for s in store.stories() if s.articles}
    with open_store(str(tmp_path / "late.db")) as store:
        with StoryTracker(store, batch_size=2) as tracker:
            tracker.ingest(flood[:1])  # stored while live
            tracker.ingest(election)  # the live stream moves on: the flood's story closes
            flood_story = store.story_of(flood[0].id)
            assert store.get_story(flood_story).closed
            report = tracker.ingest([flood[1], *quakes])
        assert report.late == 1 + len(quakes) and report.reopened == 1
        assert store.story_of(flood[1].id) == flood_story
        late = {frozenset(s.articles) for s in store.stories() if s.articles}
    assert late == fresh | {frozenset(a.id for a in election)}


def test_the_lane_is_made_again_for_articles_late_even_for_it(tmp_path: Path):
    """After an archive of May, one of March comes (in the same tracker): the lane that
    followed May is past March, so a new one is forked, and March's quakes still form their
    stories."""
    import tidings
    from test_cluster import NEPAL, PERU
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    flood, _ = tidings.load(_records(FLOOD, "05", "North Post"))
    election, _ = tidings.load(_records(ELECTION, "08", "Daily Wire"))
    with open_store(str(tmp_path / "news.db")) as store:
        with StoryTracker(store) as tracker:
            tracker.ingest(election)
            tracker.ingest(flood)
            may = tracker._lane
            report = tracker.ingest([*PERU, *NEPAL])
            assert tracker._lane is not may and report.late == len(PERU + NEPAL)
        stored = {frozenset(s.articles) for s in store.stories() if s.articles}
    assert {frozenset(a.id for a in g) for g in (PERU, NEPAL, flood, election)} == stored


def test_a_late_report_of_a_story_still_being_reported_joins_it(tmp_path: Path):
    """The flood's story began in May and is still reported in June, so the live clusterer
    holds it. A report from early May is older than the live window: the lane takes it, with
    the live story readmitted pinned, and it joins that story, which stays open and keeps its
    articles. A late report of nothing live opens a closed story of its own."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    dates = ["2024-05-01", "2024-05-25", "2024-06-15"]
    rows = [
        {"title": t, "text": x, "published": f"{d}T09:00:00Z", "outlet": "North Post"}
        for d, (t, x) in zip(dates, FLOOD, strict=True)
    ]
    flood, _ = tidings.load(rows)
    late, _ = tidings.load(
        [
            BRIDGE,
            {
                "title": ELECTION[0][0],
                "text": ELECTION[0][1],
                "published": "2024-05-04T09:00:00Z",
                "outlet": "Daily Wire",
            },
        ]
    )
    with open_store(str(tmp_path / "news.db")) as store:
        with StoryTracker(store) as tracker:
            tracker.ingest(flood)
            story = store.story_of(flood[0].id)
            assert tracker.clusterer.late(late[0].published)
            report = tracker.ingest(late)
            assert set(tracker.clusterer.live_stories()[story]) == {a.id for a in flood}
        assert report.late == 2 and report.reopened == 0 and report.stories_closed == 1
        stored = store.get_story(story)
        assert set(stored.articles) == {a.id for a in [*flood, late[0]]} and not stored.closed
        assert store.revisions(story)[-1].update
        vote = store.get_story(store.story_of(late[1].id))
        assert vote.articles == (late[1].id,) and vote.closed
        # The live clusterer moves on (here it parts the June reports from May's, as it would
        # without the late report); the late report stays with the story, in the store only.
        more, _ = tidings.load(
            [
                {
                    "title": "Alnwick homes reopen",
                    "text": "Residents of Alnwick returned to 40 homes flooded by the river Aln, "
                    "Northumberland county council said, after inspections of the flooded homes.",
                    "published": "2024-06-20T09:00:00Z",
                    "outlet": "North Post",
                }
            ]
        )
        with StoryTracker(store) as tracker:
            tracker.ingest(more)
        assert store.story_of(late[0].id) == story and late[0].id in store.get_story(story).articles
        assert store.integrity_check() == []


def test_only_the_articles_near_the_late_ones_are_brought_back(tmp_path: Path):
    """A closed story that ran from May to mid-June takes a late report from early May: the lane
    reads back only its articles dated within the window of that report, and the story keeps
    the rest in the store."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    dates = ["2024-05-01", "2024-05-25", "2024-06-15"]
    flood, _ = tidings.load(
        [
            {"title": t, "text": x, "published": f"{d}T09:00:00Z", "outlet": "North Post"}
            for d, (t, x) in zip(dates, FLOOD, strict=True)
        ]
    )
    election, _ = tidings.load(_records(ELECTION, "08", "Daily Wire"))
    late, _ = tidings.load([BRIDGE])
    with open_store(str(tmp_path / "news.db")) as store:
        with StoryTracker(store) as tracker:
            tracker.ingest([*flood, *election])
        story = store.story_of(flood[0].id)
        assert set(store.get_story(story).articles) == {a.id for a in flood}
        assert store.get_story(story).closed
        with StoryTracker(store) as tracker:
            report = tracker.ingest(late)
            assert tracker._lane is not None
            assert set(tracker._lane.nodes_) == {flood[0].id, flood[1].id, late[0].id}
        assert report.reopened == 1
        stored = store.get_story(story)
        assert set(stored.articles) == {a.id for a in [*flood, *late]} and stored.closed


def test_a_late_article_waits_for_the_batch_before_it_to_be_written(tmp_path: Path):
    """Batches overlap two deep, but the lane reads stored stories: a late flood report in the
    batch after the one that opened the live flood story must see that story. One ingest of
    batches of one gives what the same batches as separate ingests give (found by review: the
    late report got a closed story of its own)."""
    import tidings
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    def one(day: str, story: tuple[str, str], outlet: str) -> dict:
        return {
            "title": story[0],
            "text": story[1],
            "published": f"{day}T09:00:00Z",
            "outlet": outlet,
        }

    articles, _ = tidings.load(
        [
            one("2024-06-20", ELECTION[0], "Daily Wire"),
            one("2024-05-25", FLOOD[1], "North Post"),  # live: within 30 days of June 20
            one("2024-05-03", FLOOD[2], "Coast FM"),  # late
        ]
    )
    outcomes = []
    for together in (True, False):
        with open_store(str(tmp_path / f"{together}.db")) as store:
            with StoryTracker(store, batch_size=1) as tracker:
                for group in [articles] if together else [[a] for a in articles]:
                    tracker.ingest(group, order="arrival")
            outcomes.append({frozenset(s.articles) for s in store.stories() if s.articles})
            assert store.story_of(articles[2].id) == store.story_of(articles[1].id)
    assert outcomes[0] == outcomes[1]


def test_a_closed_story_the_lane_takes_articles_from_is_revised(tmp_path: Path):
    """Nepal's first report joins Peru's story, which closes; late Peru reports reopen it in the
    lane and move Peru's articles out to a story of their own. The closed story that lost them
    gets a revision that no longer lists or cites them (found by review: it kept citing them)."""
    from dataclasses import replace
    from datetime import timedelta

    from test_cluster import NEPAL, PERU, UNRELATED
    from tidings.store import open_store
    from tidings.stories import StoryTracker

    later = replace(UNRELATED, published=PERU[0].published + timedelta(days=47))
    with open_store(str(tmp_path / "news.db")) as store:
        with StoryTracker(store) as tracker:
            for step in [
                [PERU[0], NEPAL[0]],
                [later],
                *[[n] for n in NEPAL[1:]],
                *[[p] for p in PERU[1:]],
            ]:
                tracker.ingest(step, order="arrival")
        stored = [s for s in store.stories() if s.articles]
        assert {frozenset(s.articles) for s in stored} == {
            frozenset(a.id for a in group) for group in (PERU, NEPAL, [later])
        }
        for story in stored:
            latest = store.revisions(story.id)[-1]
            assert set(latest.articles) == set(story.articles)
            assert {a.id for a in latest.brief.articles} <= set(story.articles)
