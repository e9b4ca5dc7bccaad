"""A writer killed with SIGKILL mid-run leaves whole batches only, and re-running it completes.

The writer (a separate Python process) stores batches in transactions: each batch is some
articles, the story made of them and the story's first brief revision, and it prints a batch's
number once the transaction has committed. The test kills it after a few batches, reopens the
store, and checks that every batch is all there or not there at all and that every reported
batch is there; then it runs the writer again to the end and checks the exact expected contents.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pg import pg_server, pg_url  # noqa: F401  (fixtures)
from tidings.store import open_store

BATCHES = 80
PER_BATCH = 8
KILL_AFTER = 5  # committed batches seen before the kill

WRITER = r"""
import sys
from datetime import datetime, timedelta, timezone

from tidings.records import Article, Brief, BriefRevision, BriefSentence, Citation, Story
from tidings.store import open_store

target, batches, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
with open_store(target) as store:
    for b in range(batches):
        when = t0 + timedelta(minutes=b)
        arts = [
            Article(
                id=f"b{b}a{i}",
                source=f"https://example.org/{b}/{i}",
                text=f"Marker word tok{b}x{i}. " + "Filler sentence of the report. " * 40,
                title=f"Batch {b} report {i}",
                outlet=f"outlet {i % 3}",
                published=when,
            )
            for i in range(per)
        ]
        story = Story(f"story{b}", tuple(a.id for a in arts), opened=when, last_seen=when,
                      title=f"Batch {b}", revision=1)
        first = BriefSentence(arts[0].text[:19], (Citation(arts[0].id, 0, 19),), ("outlet 0",))
        brief = Brief(sentences=(first,), articles=tuple(arts))
        rev = BriefRevision(story.id, 1, brief, (), story.articles, made=when)
        with store.transaction():
            store.add_articles(arts)
            store.put_story(story)
            store.add_revision(rev)
        print(b, flush=True)
print("done", flush=True)
"""


def run_writer(target: str, *, kill_after: int | None) -> int:
    """Run the writer, SIGKILLed once ``kill_after`` batches are reported; return the last one."""
    cmd = [sys.executable, "-c", WRITER, target, str(BATCHES), str(PER_BATCH)]
    last = -1
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        watchdog = threading.Timer(45, proc.kill)  # never let a stuck writer hang the suite
        watchdog.start()
        try:
            assert proc.stdout is not None and proc.stderr is not None
            for line in proc.stdout:
                if line.strip() == "done":
                    break
                last = int(line)
                if kill_after is not None and last + 1 >= kill_after:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            stderr = proc.stderr.read()
            proc.wait(timeout=45)
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
    if kill_after is not None:
        assert proc.returncode == -signal.SIGKILL, (
            f"the writer ended on its own before the kill:\n{stderr}"
        )
    else:
        assert proc.returncode == 0, f"the writer failed:\n{stderr}"
    return last


def present_batches(target: str) -> list[int]:
    """The batches found in the store, each checked to be whole."""
    present = []
    with open_store(target) as store:
        assert store.integrity_check() == []
        for b in range(BATCHES):
            ids = [f"b{b}a{i}" for i in range(PER_BATCH)]
            articles = [store.has_article(i) for i in ids]
            try:
                story = store.get_story(f"story{b}")
            except Exception:
                story = None
            revision = store.latest_revision(f"story{b}") if story is not None else None
            # A batch is all or nothing: its story's revision exists iff its articles do.
            assert all(articles) == (story is not None) == (revision is not None), f"half batch {b}"
            assert any(articles) == all(articles), f"half the articles of batch {b}"
            if story is not None:
                assert story.articles == tuple(ids)
                assert [store.story_of(i) for i in ids] == [story.id] * PER_BATCH
                present.append(b)
    return present


def check_complete(target: str) -> None:
    with open_store(target) as store:
        assert store.count_articles() == BATCHES * PER_BATCH
        assert store.count_stories() == BATCHES
        assert [a.id for a in store.iter_articles()] == [
            f"b{b}a{i}" for b in range(BATCHES) for i in range(PER_BATCH)
        ]
        for b in (0, KILL_AFTER, BATCHES - 1):
            assert len(store.revisions(f"story{b}")) == 1
            # One index entry per article: nothing was indexed twice.
            assert [h.id for h in store.search(f"tok{b}x3")] == [f"b{b}a3"]
        assert store.integrity_check() == []


def crash_and_recover(target: str) -> None:
    reported = run_writer(target, kill_after=KILL_AFTER)
    assert reported + 1 >= KILL_AFTER
    present = present_batches(target)
    # Committed batches survive; they form a prefix (the writer goes in order).
    assert present == list(range(len(present)))
    assert len(present) >= reported + 1
    assert len(present) < BATCHES, "the kill came too late to interrupt anything"
    run_writer(target, kill_after=None)
    assert present_batches(target) == list(range(BATCHES))
    check_complete(target)


def test_sqlite_survives_sigkill(tmp_path: Path):
    db = tmp_path / "crash.db"
    crash_and_recover(str(db))
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


@pytest.mark.usefixtures("pg_server")
def test_postgres_survives_sigkill(pg_url: str):  # noqa: F811  (the imported fixture)
    crash_and_recover(pg_url)
