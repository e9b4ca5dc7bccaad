"""Plain-text capture cleaning: keep the headline and every body paragraph, drop site furniture.

A *capture* is the visible text of a news page saved as plain text. Besides the article it carries
navigation, share and subscribe widgets, related-headline lists, tag lines, photo credits and the
site's clock ("16:52 GMT04 March 2021"). :func:`clean_capture` keeps the headline and the body;
it is a pure, deterministic function of its input.

The method, in order:

1. **Units.** Characters that break or hide text (control characters, zero-width spaces, lone
   surrogates) are dropped, whitespace inside a line is folded and lines are grouped into blocks
   separated by blank lines. A block that is clearly one hard-wrapped paragraph (every line is
   full: the next line's first word would not have fitted) is joined into one unit; every other
   line is a unit of its own.
2. **Line classes.** Each unit gets shallow, language-light features (length, word count,
   terminal punctuation, share of capitalised words, digits, separators) and one of three classes,
   as in jusText: ``GOOD`` (prose), ``SHORT`` (maybe a subheading or a one-line paragraph) or
   ``BAD`` (furniture). ``BAD`` comes from a modest list of widely used boilerplate patterns
   (share, subscribe, "READ MORE:", related, comments, copyright and cookies, font size, photo
   credits, bylines, ...), bare dates and clocks, lines without words, one- and two-word labels,
   keyword lists, lines that recur in other documents of the batch, and headline-like lines
   glued to a paragraph in a capture whose paragraphs otherwise stand apart.
3. **Main block.** Prose scores by its length, everything else negatively, and the densest run
   (maximum-sum subarray, the BTE idea) is the body. A comments header is a wall the body may
   not cross; a related-stories header costs more than a paragraph gains. When the first line
   is a page title ("Headline - Site") and the headline recurs further down, the body is looked
   for after it first.
4. **Context.** ``SHORT`` units inside the body stay when prose stands on both sides of them and
   they are not part of a run of headline-like lines (a related-links list); at the body's edges
   only short sentences touching it stay.
5. **Fixpoint.** Steps 2-4 rerun on their own output until nothing changes. That makes cleaning
   idempotent: cleaning ``title + "\\n\\n" + text`` gives back the same title and text.

Dates: a bare clock-and-date line with a time zone before the body is the site's clock at capture
time; it is returned as ``crawled`` and never as ``published``. ``published`` comes only from an
explicit statement ("Published: 12 Nov 2018 ..."); a published date without a zone is taken as UTC.

Cost: linear in the input: a few regular-expression passes per distinct line (features are
cached by line text within a call), times the number of fixpoint rounds, usually two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tidings.capture.body import Classifier, Round
from tidings.capture.lines import Unit, normalise_line, split_units
from tidings.capture.recurring import recurring_lines
from tidings.capture.stamps import crawl_stamp, dateline_outlet, publication
from tidings.errors import UsageError

__all__ = ["CleanedCapture", "clean_capture", "normalise_line", "recurring_lines"]


@dataclass(frozen=True, slots=True)
class CleanedCapture:
    """A plain-text capture with its furniture removed.

    Attributes:
        title: the headline (the headline-like line before the body), ``None`` if there is none.
        text: body paragraphs, stripped, joined with ``"\\n\\n"``; the title is not inside it.
        removed: every non-blank input line dropped as furniture, in order, stripped.
        crawled: the capture's crawl stamp (the site's clock), timezone-aware, if one was found.
        published: the date of an explicit publication statement, timezone-aware, else ``None``.
        dateline_outlet: the outlet named in a wire dateline (``"MOSCOW (Sputnik) - ..."`` gives
            ``"Sputnik"``), else ``None``.
        template: removed lines that look like site template (navigation, share and footer
            widgets), normalised with :func:`normalise_line`, in first-seen order, no repeats;
            callers use them to fingerprint the site.
    """

    title: str | None
    text: str
    removed: tuple[str, ...]
    crawled: datetime | None
    published: datetime | None
    dateline_outlet: str | None
    template: tuple[str, ...]


def clean_capture(raw: str, *, recurring: frozenset[str] = frozenset()) -> CleanedCapture:
    """Clean one plain-text capture: keep the headline and the body, drop the furniture.

    Args:
        raw: the visible text of a news page; any ``str`` (empty, huge or odd input is fine).
        recurring: normalised lines (see :func:`normalise_line`) that recur across other
            documents of the batch, usually from :func:`recurring_lines`. A short or non-prose
            line found here is furniture; prose is never removed for recurring.

    Returns:
        The cleaned capture. Cleaning is idempotent: cleaning
        ``(title + "\\n\\n" if title else "") + text`` again gives the same title and text.

    Raises:
        UsageError: ``raw`` is not a ``str`` or ``recurring`` is not a set of strings.
    """
    if not isinstance(raw, str):
        raise UsageError(
            f"the raw parameter of clean_capture must be a str, got {type(raw).__name__}"
            + ("; decode the bytes first" if isinstance(raw, (bytes, bytearray)) else "")
        )
    if not isinstance(recurring, (set, frozenset)):
        raise UsageError(
            f"the recurring parameter of clean_capture must be a frozenset of normalised lines, "
            f"got {type(recurring).__name__}; build it with recurring_lines(texts)"
        )
    classifier = Classifier(frozenset(recurring))
    units = split_units(raw)

    # Rerun on the kept units until nothing changes. Each round keeps a subset, so this ends; the
    # last round saw exactly what cleaning our own output again will see, hence idempotence.
    current = units
    first: Round | None = None
    title: Unit | None = None
    for _ in range(len(units) + 1):
        result = classifier.round(current)
        first = first or result
        title = current[result.title] if result.title is not None else None
        following = ([title] if title is not None else []) + [current[i] for i in result.kept]
        canonical = [Unit(u.text, u.lines, True) for u in following]
        if canonical == current:
            break
        current = canonical
    assert first is not None  # the loop runs at least once; this documents it for type checkers
    body = current[1:] if title is not None else current

    # The site's clock sits in the page header: only a stamp before the body is a crawl stamp.
    dated = [i for i, v in enumerate(first.verdicts) if v.reason == "date"]
    crawled = next(
        (c for i in dated if i < first.start and (c := crawl_stamp(units[i].text))), None
    )
    published = next((p for i in dated if (p := publication(units[i].text)[1])), None)
    outlet = next((o for u in body[:2] if (o := dateline_outlet(u.text))), None)

    # Kept units are a subsequence of the input units; every other input line was removed.
    kept_lines = [u.lines for u in current]
    removed: list[str] = []
    template: dict[str, None] = {}
    pos = 0
    for unit, verdict in zip(units, first.verdicts, strict=True):
        if pos < len(kept_lines) and unit.lines == kept_lines[pos]:
            pos += 1
            continue
        removed.extend(line.strip() for line in unit.lines)
        if verdict.template:
            template.setdefault(classifier.normalise(unit.text))
    return CleanedCapture(
        title=title.text if title is not None else None,
        text="\n\n".join(u.text for u in body),
        removed=tuple(removed),
        crawled=crawled,
        published=published,
        dateline_outlet=outlet,
        template=tuple(template),
    )
