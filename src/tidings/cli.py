"""The ``tidings`` command line.

Exit codes (also in ``tidings --help``):

* 0: every input was used;
* 1: the command worked, but some inputs were rejected (each is listed, with why);
* 2: usage error (bad arguments);
* 3: nothing usable: every input was rejected;
* 4: an internal error (a bug; the message says so, and no traceback is printed unless
  ``TIDINGS_DEBUG=1``).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, TextIO

from . import __version__
from .errors import MissingDependencyError, NothingUsableError, TidingsError, UsageError
from .records import Article, Rejection

if TYPE_CHECKING:
    from .fetch import Fetcher
    from .store import Store
    from .stories import Progress

__all__ = ["EXIT_INTERNAL", "EXIT_NOTHING", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "main"]

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_NOTHING, EXIT_INTERNAL = 0, 1, 2, 3, 4

#: The default of an option whose default comes from elsewhere (``--window``: the store's).
_UNSET = object()

EPILOG = """exit codes: 0 all inputs used; 1 some inputs rejected (listed on stderr and in the output);
2 usage error; 3 nothing usable; 4 internal error"""


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors raise instead of exiting, so main() owns every exit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive whole number, got {value!r}"
        ) from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
    return number


def _window(value: str) -> timedelta | None:
    """``--window``: days as a positive number, or ``none``."""
    if value.strip().lower() == "none":
        return None
    try:
        days = float(value)
    except ValueError:
        days = math.nan
    if not math.isfinite(days) or days <= 0:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of days or none, got {value!r}"
        )
    return timedelta(days=days)


def _resolution(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tidings`` command."""
    parser = _Parser(
        prog="tidings",
        description="Turn overlapping news reports into one verifiable, cited account of the story.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"tidings {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = commands.add_parser(
        "brief",
        help="a cited brief of the story the inputs tell",
        description="Make a cited brief of one story from files, folders and URLs "
        "(.txt captures, .html/.htm pages, .json/.jsonl records, RSS/Atom feeds, URL lists, "
        ".warc/.warc.gz archives, http(s) pages and feeds).",
        epilog=EPILOG,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or URLs")
    p.add_argument(
        "--format",
        choices=("markdown", "json", "text"),
        default="markdown",
        help="markdown (default, for reading), json (schema tidings.brief/1), "
        "text (summary sentences only, one per line)",
    )
    p.add_argument(
        "--max-words",
        type=_positive,
        default=None,
        metavar="N",
        help="word budget of the summary (default 150 unless --max-sentences is given)",
    )
    p.add_argument(
        "--max-sentences", type=_positive, default=None, metavar="N", help="sentence budget"
    )
    p.add_argument(
        "--max-bytes",
        type=_positive,
        default=None,
        metavar="N",
        help="largest input file read, in bytes (default 50,000,000)",
    )
    p.add_argument(
        "--no-analysis",
        action="store_true",
        help="skip quotes, entities, timeline and disagreements (faster)",
    )
    _fetch_options(p)

    e = commands.add_parser(
        "extract",
        help="one article: cleaned text and metadata",
        description="Extract the article text and metadata of a file.",
        epilog=EPILOG,
    )
    e.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="a file (.txt, .html, .json(l), .warc, feed) or URL",
    )
    e.add_argument("--format", choices=("json", "text", "markdown"), default="json")
    e.add_argument("--max-bytes", type=_positive, default=None, metavar="N")
    _fetch_options(e)

    i = commands.add_parser(
        "ingest",
        help="add articles to the stories in a store",
        description="Read, cluster and store articles: each joins a live story or opens a new one, "
        "and every story that changes gets a new brief revision with an update.",
        epilog=EPILOG,
    )
    i.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files, folders, URLs, feeds, archives"
    )
    _db_option(i, required=True)
    i.add_argument("--max-bytes", type=_positive, default=None, metavar="N")
    _tracking_options(i)
    _fetch_options(i)

    st = commands.add_parser(
        "stories",
        help="cluster inputs into stories (or list the stories of a store)",
        description="With inputs, ingest them first; then print the stories, newest first. "
        "Without --db a temporary store is used.",
        epilog=EPILOG,
    )
    st.add_argument("inputs", nargs="*", metavar="INPUT")
    _db_option(st, required=False)
    st.add_argument("--format", choices=("markdown", "json", "text"), default="markdown")
    st.add_argument("--order", choices=("newest", "biggest"), default="newest")
    st.add_argument("--limit", type=_positive, default=50, metavar="N")
    st.add_argument("--max-bytes", type=_positive, default=None, metavar="N")
    _tracking_options(st)
    _fetch_options(st)

    sh = commands.add_parser("show", help="one story: brief, updates, articles", epilog=EPILOG)
    sh.add_argument("story", metavar="STORY_ID")
    _db_option(sh, required=True)
    sh.add_argument("--format", choices=("markdown", "json"), default="markdown")

    se = commands.add_parser(
        "search", help="full-text search over articles and briefs", epilog=EPILOG
    )
    se.add_argument("query")
    _db_option(se, required=True)
    se.add_argument("--limit", type=_positive, default=20, metavar="N")
    se.add_argument("--format", choices=("text", "json"), default="text")

    sv = commands.add_parser(
        "serve",
        help="the web page, REST API and feeds of a store",
        description="Serve stories over HTTP: pages at /, the API at /api (docs at /docs), feeds at "
        "/feeds. Writes (POST /api/ingest) need the token in TIDINGS_TOKEN. Needs the 'serve' extra: "
        "pip install 'tidings[serve]'.",
        epilog=EPILOG,
    )
    _db_option(sv, required=True)
    sv.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    sv.add_argument("--port", type=_positive, default=8000)

    ex = commands.add_parser(
        "export", help="every story as JSON Lines (tidings.story/1)", epilog=EPILOG
    )
    _db_option(ex, required=True)
    return parser


def _db_option(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--db",
        required=required,
        metavar="PATH_OR_URL",
        help="a SQLite file path or a postgresql:// URL",
    )


def _tracking_options(p: argparse.ArgumentParser) -> None:
    """The options of the commands that track stories (``ingest`` and ``stories``)."""
    p.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="show progress on stderr (auto: only on a terminal)",
    )
    p.add_argument(
        "--no-analysis", action="store_true", help="skip quotes, entities, timeline, disagreements"
    )
    p.add_argument(
        "--workers",
        type=_positive,
        default=min(4, os.cpu_count() or 1),
        metavar="N",
        help="processes that extract pages and summarise changed stories in parallel (default: the"
        " cores, at most 4)",
    )
    p.add_argument(
        "--max-brief-articles",
        type=_positive,
        default=200,
        metavar="N",
        help="most articles one brief revision reads: a longer story is briefed from the N that"
        " joined it last (default: 200)",
    )
    p.add_argument(
        "--batch-size",
        type=_positive,
        default=200,
        metavar="N",
        help="articles per transaction (default 200); a killed run loses at most the two batches"
        " in flight",
    )
    group = p.add_argument_group(
        "story clustering",
        "Set when a store's first articles are clustered, and kept with it: a store made with"
        " other settings refuses these (use a new --db to try others). Default: the store's own,"
        " or the values below for a new store.",
    )
    group.add_argument(
        "--window",
        type=_window,
        default=_UNSET,
        metavar="DAYS",
        help="a story closes after DAYS without a report, and articles further apart never link"
        " (default 30); 'none' keeps every story open, for collections of topics that span years",
    )
    group.add_argument(
        "--resolution",
        type=_resolution,
        default=_UNSET,
        metavar="R",
        help="how finely articles are split into stories: higher gives smaller stories (default"
        " 0.015; at 0.03 an event's reports already begin to fall apart: benchmarks/RESULTS.md,"
        " Granularity)",
    )


def _fetch_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fetching URLs and feeds")
    group.add_argument(
        "--timeout", type=float, default=20.0, metavar="SECONDS", help="per request (default 20)"
    )
    group.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="allow fetching from this host even if it resolves to a private or "
        "loopback address (repeatable); private addresses are refused otherwise",
    )
    group.add_argument(
        "--allow-private",
        action="store_true",
        help="allow every private, loopback and link-local address (unsafe on servers)",
    )
    group.add_argument("--ignore-robots", action="store_true", help="do not obey robots.txt")


def _fetcher(args: argparse.Namespace) -> Fetcher:
    from .fetch import Fetcher, FetchPolicy

    if args.timeout <= 0:
        raise UsageError(f"--timeout must be positive, got {args.timeout}")
    policy = FetchPolicy(
        timeout=args.timeout,
        allow_hosts=frozenset(args.allow_host),
        allow_private=args.allow_private,
        respect_robots=not args.ignore_robots,
    )
    return Fetcher(policy)


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the ``tidings`` command and return its exit code.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).
        stdout / stderr: streams to write to (default the process's).
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(out)
            return EXIT_USAGE
        handler = {
            "brief": _brief,
            "extract": _extract,
            "ingest": _ingest,
            "stories": _stories,
            "show": _show,
            "search": _search,
            "export": _export,
            "serve": _serve,
        }[args.command]
        return handler(args, out, err)
    except UsageError as exc:
        print(f"error: {exc.message}", file=err)
        print("try 'tidings --help'", file=err)
        return EXIT_USAGE
    except NothingUsableError as exc:
        _report(exc.rejected, err)
        print(f"error: {exc.message}", file=err)
        return EXIT_NOTHING
    except TidingsError as exc:
        print(f"error: {exc.message}", file=err)
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
    except BrokenPipeError:
        # The reader (head, less) went away; that is not an error of ours.
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("TIDINGS_DEBUG"):
            traceback.print_exc(file=err)
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "this is a bug in tidings; please report it (set TIDINGS_DEBUG=1 for the traceback)",
            file=err,
        )
        return EXIT_INTERNAL


def _brief(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .pipeline import brief
    from .render import render_brief
    from .sources import DEFAULT_MAX_BYTES

    max_words = args.max_words
    if max_words is None and args.max_sentences is None:
        max_words = 150
    with _fetcher(args) as fetcher:
        result = brief(
            args.inputs,
            max_words=max_words,
            max_sentences=args.max_sentences,
            max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
            fetcher=fetcher,
            analysis=not args.no_analysis,
        )
    out.write(render_brief(result, args.format))
    _report(result.rejected, err)
    return EXIT_PARTIAL if result.rejected else EXIT_OK


def _extract(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .pipeline import load
    from .render import render_articles
    from .sources import DEFAULT_MAX_BYTES

    with _fetcher(args) as fetcher:
        articles, rejected = load(
            args.inputs, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES, fetcher=fetcher
        )
    if not articles:
        raise NothingUsableError(
            f"no article could be extracted from {len(args.inputs)} input(s)",
            rejected=tuple(rejected),
        )
    out.write(render_articles(articles, args.format))
    _report(rejected, err)
    return EXIT_PARTIAL if rejected else EXIT_OK


def _load_for_store(
    args: argparse.Namespace, progress: Progress
) -> tuple[list[Article], list[Rejection]]:
    from .pipeline import load
    from .sources import DEFAULT_MAX_BYTES

    with _fetcher(args) as fetcher:
        return load(
            args.inputs,
            max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
            fetcher=fetcher,
            workers=args.workers,
            progress=progress.extracted,
        )


def _track(args: argparse.Namespace, store: Store, err: TextIO) -> int:
    """Ingest ``args.inputs`` into ``store``; returns the exit code."""
    from .stories import Progress, StoryTracker, analyze_story, stored_clusterer

    # Settings the store refuses are refused before anything is read.
    settings = {
        name: getattr(args, name)
        for name in ("window", "resolution")
        if getattr(args, name) is not _UNSET
    }
    clusterer = stored_clusterer(store, settings, where=args.db or "the temporary store")
    enabled = {"always": True, "never": False}.get(args.progress)
    articles, rejected = _load_for_store(args, Progress(err, enabled=enabled))
    _report(rejected, err)
    if not articles:
        raise NothingUsableError(
            f"no article could be read from {len(args.inputs)} input(s)", rejected=()
        )
    with StoryTracker(
        store,
        clusterer=clusterer,
        batch_size=args.batch_size,
        analyzer=None if args.no_analysis else analyze_story,
        workers=args.workers,
        max_brief_articles=args.max_brief_articles,
    ) as tracker:
        report = tracker.ingest(
            articles, rejected=rejected, progress=Progress(err, enabled=enabled)
        )
    print(
        f"{report.new} new article(s), {report.skipped} already stored, {report.copies} near-copies, {report.moved} moved between stories; "
        f"{report.stories_opened} stories opened, {report.stories_updated} updated, {report.stories_closed} closed"
        + (
            f"; {report.late} older than the live window, clustered with the stories of their"
            f" time ({report.reopened} closed stories reopened)"
            if report.late
            else ""
        ),
        file=err,
    )
    return EXIT_PARTIAL if rejected else EXIT_OK


def _ingest(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .store import open_store

    with open_store(args.db) as store:
        return _track(args, store, err)


def _stories(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import tempfile

    from .render import render_stories
    from .store import open_store
    from .stories import story_entry

    with tempfile.TemporaryDirectory(prefix="tidings-") as tmp:
        target = args.db or f"{tmp}/stories.db"
        with open_store(target) as store:
            code = EXIT_OK
            if args.inputs:
                code = _track(args, store, err)
            elif args.db is None:
                raise UsageError("give inputs to cluster, or --db with a store to list")
            stories = store.stories(order=args.order, limit=args.limit)
            if args.format == "json":  # only the JSON lists every article of a story
                entries = [story_entry(store, s) for s in stories]
            else:
                entries = [(s, store.revisions(s.id), None, []) for s in stories]
            out.write(render_stories(entries, args.format))
    return code


def _show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json
    from dataclasses import replace

    from .render import render_brief, story_dict
    from .store import open_store
    from .stories import story_entry

    with open_store(args.db) as store:
        story = store.get_story(args.story)
        revisions = store.revisions(story.id)
        if args.format == "json":
            out.write(
                json.dumps(
                    story_dict(*story_entry(store, story, revisions)), ensure_ascii=False, indent=2
                )
                + "\n"
            )
            return EXIT_OK
        out.write(f"<!-- story {story.id}, revision {story.revision} -->\n")
        if revisions:
            # The stored brief carries no analysis; the story's own is kept beside it.
            analysis = store.get_analysis(story.id)
            out.write(render_brief(replace(revisions[-1].brief, analysis=analysis), "markdown"))
        out.write("\n## Updates\n\n")
        for rev in revisions:
            made = rev.made.isoformat(timespec="seconds") if rev.made else "?"
            out.write(f"### Revision {rev.revision} ({made}, {len(rev.articles)} articles)\n\n")
            for s in rev.update:
                out.write(
                    f"- {s.text} *({s.corroboration} source{'s' * (s.corroboration != 1)})*\n"
                )
            if not rev.update:
                out.write(
                    "- (first brief)\n"
                    if rev.revision == 1
                    else "- (nothing new beyond the brief)\n"
                )
            out.write("\n")
    return EXIT_OK


def _search(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from .store import open_store

    with open_store(args.db) as store:
        hits = store.search(args.query, limit=args.limit)
    if args.format == "json":
        out.write(
            json.dumps(
                [
                    {
                        "kind": h.kind,
                        "id": h.id,
                        "title": h.title,
                        "snippet": h.snippet,
                        "score": h.score,
                    }
                    for h in hits
                ],
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    else:
        for h in hits:
            out.write(f"{h.kind}\t{h.id}\t{h.title or ''}\t{' '.join(h.snippet.split())}\n")
    return EXIT_OK


def _serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from .serve import run
    except ImportError as exc:
        raise MissingDependencyError(
            f"tidings serve needs the 'serve' extra ({exc.name} is missing): "
            "pip install 'tidings[serve]'"
        ) from exc
    token = os.environ.get("TIDINGS_TOKEN") or None
    if token is None:
        print("note: TIDINGS_TOKEN is not set, so POST /api/ingest is disabled", file=err)
    run(args.db, host=args.host, port=args.port, token=token)
    return EXIT_OK


def _export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from .render import story_dict
    from .store import open_store
    from .stories import story_entry

    with open_store(args.db) as store:
        offset = 0
        while batch := store.stories(limit=200, offset=offset, order="newest"):
            for story in batch:
                record = story_dict(*story_entry(store, story))
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            offset += len(batch)
    return EXIT_OK


def _report(rejected: Sequence[Rejection], err: TextIO) -> None:
    for r in rejected:
        print(
            f"rejected: {r.input}: {r.detail.removeprefix(r.input + ': ')} [{r.stage}/{r.reason}]",
            file=err,
        )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
