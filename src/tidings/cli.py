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
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from . import __version__
from .errors import NothingUsableError, TidingsError, UsageError
from .records import Rejection

if TYPE_CHECKING:
    from .fetch import Fetcher

__all__ = ["EXIT_INTERNAL", "EXIT_NOTHING", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "main"]

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_NOTHING, EXIT_INTERNAL = 0, 1, 2, 3, 4

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
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {value!r}")
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
    p.add_argument("--format", choices=("markdown", "json", "text"), default="markdown",
                   help="markdown (default, for reading), json (schema tidings.brief/1), "
                   "text (summary sentences only, one per line)")
    p.add_argument("--max-words", type=_positive, default=None, metavar="N",
                   help="word budget of the summary (default 150 unless --max-sentences is given)")
    p.add_argument("--max-sentences", type=_positive, default=None, metavar="N", help="sentence budget")
    p.add_argument("--max-bytes", type=_positive, default=None, metavar="N",
                   help="largest input file read, in bytes (default 50,000,000)")
    _fetch_options(p)

    e = commands.add_parser(
        "extract",
        help="one article: cleaned text and metadata",
        description="Extract the article text and metadata of a file.",
        epilog=EPILOG,
    )
    e.add_argument("inputs", nargs="+", metavar="INPUT", help="a file (.txt, .html, .json(l), .warc, feed) or URL")
    e.add_argument("--format", choices=("json", "text", "markdown"), default="json")
    e.add_argument("--max-bytes", type=_positive, default=None, metavar="N")
    _fetch_options(e)
    return parser


def _fetch_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fetching URLs and feeds")
    group.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS", help="per request (default 20)")
    group.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                       help="allow fetching from this host even if it resolves to a private or "
                       "loopback address (repeatable); private addresses are refused otherwise")
    group.add_argument("--allow-private", action="store_true",
                       help="allow every private, loopback and link-local address (unsafe on servers)")
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


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
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
        if args.command == "brief":
            return _brief(args, out, err)
        return _extract(args, out, err)
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
        )
    out.write(render_brief(result, args.format))
    _report(result.rejected, err)
    return EXIT_PARTIAL if result.rejected else EXIT_OK


def _extract(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .pipeline import load
    from .render import render_articles
    from .sources import DEFAULT_MAX_BYTES

    with _fetcher(args) as fetcher:
        articles, rejected = load(args.inputs, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES, fetcher=fetcher)
    if not articles:
        raise NothingUsableError(
            f"no article could be extracted from {len(args.inputs)} input(s)", rejected=tuple(rejected)
        )
    out.write(render_articles(articles, args.format))
    _report(rejected, err)
    return EXIT_PARTIAL if rejected else EXIT_OK


def _report(rejected: Sequence[Rejection], err: TextIO) -> None:
    for r in rejected:
        print(f"rejected: {r.input}: {r.detail.removeprefix(r.input + ': ')} [{r.stage}/{r.reason}]", file=err)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
