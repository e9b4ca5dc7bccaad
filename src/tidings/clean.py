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

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

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


# --------------------------------------------------------------------------------------------
# Characters and units

# Dropped outright: C0/C1 control characters that are not whitespace, the zero-width and
# soft-hyphen characters that split words invisibly, and lone surrogates (they cannot be
# encoded later). Whitespace controls (tab, unit separator, ...) fold like spaces.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u200b\u2060\ufeff\ud800-\udfff]"
)
# Everything str.splitlines() treats as a line break becomes "\n", so that a line means the same
# here, in callers and in tests.
_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CJK = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


def _clean_chars(text: str) -> str:
    return _INVISIBLE.sub("", _BREAKS.sub("\n", text))


def normalise_line(line: str) -> str:
    """Return a line's comparison form: invisible characters dropped, casefolded, spaces folded.

    Args:
        line: one line of text (line breaks inside it are folded like other whitespace).

    Returns:
        The normalised line, the form :func:`recurring_lines` returns and
        ``clean_capture(recurring=...)`` expects.
    """
    return " ".join(_clean_chars(line).split()).casefold()


@dataclass(frozen=True, slots=True)
class _Unit:
    """A paragraph candidate: one line, or the joined lines of one hard-wrapped paragraph."""

    text: str  # whitespace folded
    lines: tuple[str, ...]  # the input lines it came from (for CleanedCapture.removed)
    alone: bool  # the only unit of its blank-line-separated block


def _first_word_len(line: str) -> int:
    space = line.find(" ")
    return len(line) if space < 0 else space


def _is_hard_wrapped(lines: Sequence[str]) -> bool:
    """Tell whether a block's lines are one paragraph broken at a fixed width.

    Every line but the last must be full: the next line's first word would not have fitted after
    it. Lists of short headlines fail this because their lines end early; the width bound keeps
    browser captures (one long line per paragraph) apart, and capitalised text is not joined.
    """
    width = max(len(line) for line in lines)
    if not 30 <= width <= 120:
        return False
    if any(len(line) + 1 + _first_word_len(nxt) <= width for line, nxt in pairwise(lines)):
        return False
    return _features(" ".join(lines)).caps < 0.5


def _units(raw: str) -> list[_Unit]:
    """Split a capture into units, in input order."""
    units: list[_Unit] = []
    block: list[tuple[str, str]] = []
    for line in [*_clean_chars(raw).split("\n"), ""]:  # the empty line closes the last block
        folded = " ".join(line.split())
        if folded:
            block.append((folded, line))
            continue
        if len(block) == 1:
            units.append(_Unit(block[0][0], (block[0][1],), True))
        elif block:
            folded_lines = [f for f, _ in block]
            if _is_hard_wrapped(folded_lines):
                units.append(
                    _Unit(" ".join(folded_lines), tuple(raw_line for _, raw_line in block), True)
                )
            else:
                units.extend(_Unit(f, (raw_line,), False) for f, raw_line in block)
        block = []
    return units


# --------------------------------------------------------------------------------------------
# Line features

# A sentence end, then closing quotes or brackets, then maybe an emoji or two ("soon! \U0001f642").
_TERMINAL = re.compile(
    "[.!?\u2026\u3002\uff01\uff1f;][\"'\u201d\u2019\u00bb)\\]*]*[\\s\u2600-\u27bf\ufe0f\U0001f000-\U0001faff]*$"
)
_DIGIT = re.compile(r"\d")
_SEPARATOR_CHARS = re.compile("[|\u2022\u00b7\u00bb\u203a>/]")
_SEPARATORS = re.compile(r"\s[|\u2022\u00b7\u00bb\u203a>/]\s|\s[|\u2022\u00b7]|[|\u2022\u00b7]\s")
# The first letter of each word whose first letter-or-digit is a letter ("(Walt" -> "W").
_WORD_INITIAL = re.compile(r"(?<!\S)[^\w\s]*([^\W\d_])")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class _Features:
    words: int  # whitespace-separated words, plus half a word per CJK character
    length: int  # characters, CJK characters counted three times (they carry more each)
    alpha: int  # words with at least one letter
    terminal: bool  # ends like a sentence
    caps: float  # share of capitalised words among cased words (0 for caseless scripts)
    digits: bool  # has a digit
    separators: int  # nav-style separators ("a | b", "a • b")
    upper: bool  # written in capitals only


def _features(text: str) -> _Features:
    cjk = 0 if text.isascii() else len(_CJK.findall(text))
    initials = "".join(_WORD_INITIAL.findall(text))
    upper = sum(map(str.isupper, initials))
    cased = upper + sum(map(str.islower, initials))
    return _Features(
        words=len(text.split()) + cjk // 2,
        length=len(text) + 2 * cjk,
        # words led by a letter; a line with letters only inside digit-led words counts one
        alpha=len(initials) or (1 if _LETTER.search(text) else 0),
        terminal=bool(_TERMINAL.search(text[-12:])),
        # Caseless scripts (Chinese, Korean, Hindi, ...) have no title case to measure.
        caps=upper / cased if cased and cased * 2 >= len(initials) else 0.0,
        digits=_DIGIT.search(text) is not None,
        separators=len(_SEPARATORS.findall(text)) if _SEPARATOR_CHARS.search(text) else 0,
        upper=text.upper() == text and text.lower() != text,
    )


def _is_prose(f: _Features) -> bool:
    """A sentence-like paragraph: the kind of line syndicated copies share and must keep."""
    return (f.terminal and f.words >= 8 and f.caps < 0.5) or (f.length >= 200 and f.caps < 0.6)


def _is_sentence(f: _Features) -> bool:
    """A short line that still reads as a sentence: it ends like one and is mostly lower case."""
    return f.terminal and f.words >= 4 and f.caps < 0.5


def _is_headline_like(f: _Features) -> bool:
    """A line that reads like a headline: no sentence ending, a few words, capitalised if long."""
    return (
        not f.terminal
        and 3 <= f.words <= 20
        and f.alpha >= 2
        and f.length <= 200
        and (f.caps >= 0.5 or f.words <= 14)
    )


def _is_tag_line(text: str, f: _Features) -> bool:
    """A comma-separated list of keywords: "missiles, INF Treaty, NATO, Mike Pompeo, US"."""
    if f.terminal or f.words > 40 or text.count(",") < 3:
        return False
    sizes = [len(item.split()) for item in text.split(",")]
    # Keywords are short; a sentence with commas has long clauses between them.
    return min(sizes) >= 1 and max(sizes) <= 3 and sum(sizes) / len(sizes) <= 2.2


# --------------------------------------------------------------------------------------------
# Furniture patterns: general forms of the widgets most news sites share, in the spirit of the
# boilerplate lists of trafilatura and jusText. Each is tried on lines up to a word limit only,
# so that a real paragraph mentioning "subscribe" or "cookies" is never dropped.

_SOCIAL = (
    r"(?:facebook|twitter|x|linkedin|reddit|pinterest|whatsapp|telegram|flipboard|pocket|tumblr|vk|"
    r"email|e-mail"
    r"|instagram|youtube|rss|google\+?|messenger|sms|mix)"
)
# Opens the comments: the article is over, the body may not cross it.
_COMMENTS = (
    r"(?:\d+\s+)?(?:comments?|top (?:rated )?comments|(?:read|view|show|see|load) (?:all |"
    r"more )?(?:\d+ )?comments"
    r"|leave a (?:comment|reply)|post a comment|add (?:a |your )?comment|join the (?:conversation|"
    r"discussion)|discuss(?:ion)?"
    r"|reader comments|responses?|community (?:standards|guidelines|rules).{0,20}|"
    r"comments? (?:are )?closed|conversation"
    r"|\d+ (?:comments?|responses?|replies))(?:\s*\(\d+\))?"
)
# Opens a related-stories list. Such lists also sit inside articles, so they weigh against
# crossing but do not forbid it.
_RELATED = (
    r"(?:related|more|similar|recommended|popular|trending|latest|top) (?:articles|stories|posts|"
    r"news|content|coverage|reads|videos)"
    r"|related|you (?:may|might) also (?:like|enjoy)|more from .{1,40}|more in .{1,40}"
    r"|most (?:popular|read|viewed|shared|commented)|about the author"
)
_TEMPLATE = "|".join(
    [
        # share, print, save
        rf"(?:share|tweet|print|save|bookmark|pin it|copy link|copy url|send|e-?mail)"
        rf"(?: (?:this|the|article|story|page|post|on {_SOCIAL}|via {_SOCIAL}|by {_SOCIAL}))*:?",
        r"share (?:this|the|all)?.{0,60}(?:options|story|article|post|page|facebook|twitter)\b.*",
        r"sharing is caring!?",
        r"\d+\s*(?:shares?|views?|likes?|reactions?)",
        rf"{_SOCIAL}(?:[ ,/|]+{_SOCIAL})*",
        r"(?:follow|like|join|find) (?:us|me)\b.*",
        rf"follow .{{1,40}} on {_SOCIAL}.*",
        # subscriptions and accounts
        r"(?:subscribe|sign ?up|sign ?in|log ?in|log ?out|register|my account|"
        r"create (?:an )?account)\b.{0,60}",
        r".{0,60}\bnewsletters?\b.{0,80}",
        r"(?:enter|your) (?:your )?e-?mail(?: address)?\b.*",
        r"e-?mail address|password|forgot (?:your )?password\??",
        # advertising
        r"advertisement|advertising|advert|ad|ads|sponsored(?: content| post| links?)?|"
        r"promoted(?: content| stories)?"
        r"|paid (?:content|post)|partner content|story continues below(?: advertisement)?|"
        r"continue reading(?: below| the main story)?",
        r"reply|report(?: abuse)?|hide comments",
        # legal
        r".{0,60}\b(?:cookies?|privacy (?:policy|notice|settings|statement)|terms (?:of (?:use|"
        r"service)|and conditions)"
        r"|all rights reserved|do not sell my)\b.*",
        r"(?:copyright|\u00a9|\(c\)).*",
        # reading aids and page tools
        r"\d+\s*%\s*(?:font|text)? ?size",
        r"(?:font|text) size.*",
        r"(?:enable |disable )?(?:read(?:er|ing)? mode|dark mode|night mode)",
        r"(?:get |copy )?(?:short ?url|short link|permalink)",
        r"listen(?: live| now| to (?:this|the) (?:article|story|podcast))?",
        r"(?:audio|video|watch|play)(?: (?:live|now|video|the video|more))*",
        r"\d+ min(?:ute)?s? (?:read|listen)",
        # navigation
        r"(?:skip to|jump to|go to|back to|return to|scroll to).{0,40}",
        r"menu|main menu|close|open|search|home|homepage|next|previous|prev|more|top|back|"
        r"toggle navigation|navigation"
        r"|sections?|topics|explore|trending|popular|latest|loading\.*",
        r"(?:next|previous|prev|older|newer) (?:post|article|story|page|entry|item)\b.*",
        r"you are (?:here|at):?.*",
        r"(?:image|photo|slide|picture) \d+ (?:of|/) \d+.*",
        r"\d+ (?:of|/) \d+",
        r"(?:view |open |back to |photo |image )?(?:gallery|slideshow|caption|enlarge|expand|"
        r"fullscreen|full screen)",
        r"(?:tap|click|press) here\b.*|.*\bclick(?:ing)? here\b.*",
        # metadata labels without their values
        r"(?:published|posted|updated|last updated|modified)\s*:?(?:\s*(?:published|posted|updated|"
        r"last updated|modified)\s*:?)*",
    ]
)
_TAG = (
    r"(?:tags?|topics?|filed under|categories|category|keywords|related tags|related topics)\s*:.*"
)
# Tried in this order on short lines (stripped of bullets and brackets); the group says why.
_SHORT_RE = re.compile(
    f"(?P<comments>{_COMMENTS})|(?P<related>{_RELATED})|(?P<template>{_TEMPLATE})|(?P<tag>{_TAG})",
    re.IGNORECASE,
)
# Cross-links: a label and another story's headline ("READ MORE: Putin Says ...").
_LINK_RE = re.compile(
    r"(?:read|see|watch|listen|also read|also see|read also|see also|more|related|recommended|"
    r"don'?t miss|must read"
    r"|also on [\w.]+|trending|top stories|further reading|more on this|more from [\w .]+|"
    r"in other news|more in [\w .]+)"
    r"\s*(?::|\u2013|\u2014|-|\u00bb|>|\.\.\.|\u2026|\|)\s*.*"
    r"|\[?\s*(?:related|read more|see also|also read)\s*:.*"
    r"|(?:read more|read next|see more|show more|load more|view (?:all|more)|more stories|"
    r"more news|more from .{1,40}"
    r"|related(?: articles| stories| posts| news| coverage| content| links| reading| topics| tags|"
    r" items| videos)?"
    r"|you (?:may|might) also (?:like|enjoy)|recommended(?: for you| stories| articles)?"
    r"|most (?:popular|read|viewed|shared|commented|discussed)"
    r"|(?:top|trending|popular|latest|breaking|editor'?s?) (?:content|news|stories|articles|posts|"
    r"picks|now|videos?)(?: .{0,30})?"
    r"|don'?t miss|editors?'? picks|what to read next|up next|also on .{1,40}|around the web|"
    r"from the web|more in .{1,40}"
    r"|(?:read|see|view) (?:the )?(?:full|original) (?:story|article))[:.!\u2026\u00bb>]*",
    re.IGNORECASE,
)
# Legal, consent and site-policy text, at any length up to _LEGAL_MAX_WORDS.
_LEGAL_START = re.compile(r"\u00a9|copyright\b|\(c\) (?:19|20)\d\d", re.IGNORECASE)
_LEGAL_ANY = re.compile(
    r"\ball rights reserved\b|\b(?:are|is a) (?:registered )?trademarks? of\b", re.IGNORECASE
)
_COOKIE = re.compile(r"\bcookies?\b", re.IGNORECASE)
_COOKIE_CONTEXT = re.compile(
    r"\b(?:web ?site|browser|browsing|experience|consent|accept|opt[- ]out|analytics|"
    r"third[- ]part(?:y|ies)|settings)\b",
    re.IGNORECASE,
)
_THIS_SITE = re.compile(r"\b(?:this|our) (?:web ?site|site|page)\b", re.IGNORECASE)
_SITE_POLICY = re.compile(
    r"\b(?:privacy|terms of (?:use|service)|affiliate|commission|disclaim\w*|information provided|"
    r"not intended|protected by)\b",
    re.IGNORECASE,
)
# Site functions addressed to the reader ("an activation link has been sent to your e-mail").
_YOU = re.compile(r"\b(?:you|your)\b", re.IGNORECASE)
_CALL_TO_ACTION = re.compile(
    r"\b(?:subscri\w+|newsletters?|sign(?:ing)? up|sign in|log in|register|inbox|e-?mail address|"
    r"password|notifications?"
    r"|download (?:our|the) app|activation|unsubscribe)\b",
    re.IGNORECASE,
)
# Photo credits and captions.
_CREDIT_ANY = re.compile(
    r"\bgetty ?images\b|\bap photo\b|\bshutterstock\b|\bistock(?:photo)?\b|\balamy\b|\bepa-efe\b"
    r"|\b(?:image|photo|picture) (?:copyright|caption|credit|source)\b|\bfile photo\b|"
    r"\bcredits?\s*(?::|\.\.\.|\u2026)"
    r"|\((?:photo|image|picture|credit)s?\s*[:/]",
    re.IGNORECASE,
)
_CREDIT_START = re.compile(
    r"(?:photo|image|picture|pic|illustration|graphic|video|source)s?(?: by)?\s*:", re.IGNORECASE
)
_BYLINE_RE = re.compile(
    r"(?:by|from|written by|posted by|reporting by|text:?|"
    r"author:?)\s+[\w.'\u2019-]+(?:\s+[\w.'\u2019&,-]+){0,6}",
    re.IGNORECASE,
)
_URLISH = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|@\w+|#\w+", re.IGNORECASE)
_BULLETS = " \t-\u2013\u2014|:\u2022\u00b7*>\u00bb\u203a[](){}!,."

# Widget labels are short: twelve words covers every one we have seen.
_PATTERN_MAX_WORDS = 12
# A cross-link is its label plus another story's headline, which may be long.
_LINK_MAX_WORDS = 30
_CREDIT_MAX_WORDS = 40
# Cookie banners and disclaimers run to a few sentences.
_LEGAL_MAX_WORDS = 80


# Substrings without which the legal, call-to-action and credit tests cannot match; one search
# for them (on the lower-cased line) keeps those tests off most lines.
_TRIGGER = re.compile(
    "cookie|copyright|\u00a9|\\(c\\)|rights "
    "reserved|trademark|site|page|subscri|newsletter|sign|log in|register|inbox|mail"
    "|password|notification|download|activation|getty|photo|image|picture|shutterstock|istock|alamy|epa-efe|credit"
    "|illustration|graphic|video|source|pic"
)


def _is_legal(text: str) -> bool:
    return bool(
        _LEGAL_START.match(text)
        or _LEGAL_ANY.search(text)
        or (_COOKIE.search(text) and _COOKIE_CONTEXT.search(text))
        or (_THIS_SITE.search(text) and _SITE_POLICY.search(text))
    )


# --------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_RES = [
    re.compile(
        rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH},?\s*(?P<year>(?:19|"
        rf"20)\d\d)(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"{_MONTH}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s*(?P<year>(?:19|20)\d\d)(?!\d)",
        re.IGNORECASE,
    ),
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)[-/.](?P<num>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<day>\d{1,2})\.(?P<num>\d{1,2})\.(?P<year>(?:19|20)\d\d)(?!\d)"),
    re.compile(r"(?<!\d)(?P<num>\d{1,2})/(?P<day>\d{1,2})/(?P<year>(?:19|20)\d\d)(?!\d)"),
]
_MONTH_RE = re.compile(_MONTH, re.IGNORECASE)
_TIME_RE = re.compile(
    r"(?<![\d:])(?P<h>[01]?\d|"
    r"2[0-3])[:.h](?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
    r"(?:\s*\(?(?P<tz>gmt|utc|z|[ecmp][sd]t|[ecmp]t|bst|cet|cest|eet|eest|msk|jst|aest|aedt|"
    r"ist)\)?(?![a-z]))?"
    r"(?:\s*(?P<off>[+-]\d{1,2}(?::?\d\d)?))?",
    re.IGNORECASE,
)
# Zone abbreviations news sites print, in hours from UTC. "GMT04 March" is a zone glued to a day.
_TZ_HOURS = {
    "gmt": 0, "utc": 0, "z": 0, "est": -5, "edt": -4, "et": -5, "cst": -6, "cdt": -5, "ct": -6,
    "mst": -7, "mdt": -6, "mt": -7, "pst": -8, "pdt": -7, "pt": -8, "bst": 1, "cet": 1, "cest": 2,
    "eet": 2, "eest": 3, "msk": 3, "jst": 9, "aest": 10, "aedt": 11, "ist": 5.5,
}  # fmt: skip
# Every date, clock or "3 hours ago" has one of these; one search spares the full parse.
_DATEISH = re.compile(r"\d[:./-]\d|(?:19|20)\d\d|\d\s*\w+\s+ago\b", re.IGNORECASE)
_AGO_RE = re.compile(
    r"\b\d+\s*(?:min|minutes?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago\b", re.IGNORECASE
)
# Words that may stand around a date in a bare date line ("Updated 1:39 am EST, Wednesday, ...").
_DATE_FILLER = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:at|on|the|of|am|pm|a\.m\.|p\.m\.|gmt|utc|"
    r"[ecmp][sd]?t|bst|ist|msk|cet|cest"
    r"|updated|published|posted|modified|last|first|date|time|today|yesterday|ago|just now|now|min|"
    r"mins|minutes?|hours?|hrs?"
    r"|days?|weeks?|months?|years?|read|reading|sec|seconds?)\b|[\d\W_]+",
    re.IGNORECASE,
)
_PUBLISHED_RE = re.compile(
    r"(?:first\s+)?(?:published|posted|publication date|date published|released)\b\s*(?:on|at|"
    r":)?\s*(?P<rest>.*)",
    re.IGNORECASE,
)
_UPDATED_RE = re.compile(r"\b(?:updated|modified|last updated)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Stamp:
    when: datetime
    has_time: bool
    has_zone: bool


def _find_stamp(text: str) -> _Stamp | None:
    """The first valid date in ``text``, with the clock time next to it if there is one."""
    found = [m for m in (rx.search(text) for rx in _DATE_RES) if m]
    if not found:
        return None
    m = min(found, key=lambda x: x.start())
    groups = m.groupdict()
    try:
        year, day = int(groups["year"]), int(groups["day"])
        if groups.get("mon"):
            month = _MONTHS[groups["mon"][:3].lower()]
        else:
            month = int(groups["num"])
            if month > 12 >= day:  # a day-first slash date such as 25/12/2019
                month, day = day, month
        date = datetime(year, month, day)
    except (ValueError, KeyError):
        return None
    hour = minute = second = 0
    zone: timezone | None = None
    has_time = False
    for t in _TIME_RE.finditer(text):
        if m.start() < t.end() and t.start() < m.end():
            continue  # inside the date itself ("04.03.2021")
        # The clock must touch the date: only a few filler characters between them.
        gap = text[t.end() : m.start()] if t.end() <= m.start() else text[m.end() : t.start()]
        if len(gap) > 24 or _DATE_FILLER.sub("", gap).strip():
            continue
        hour, minute, second = int(t["h"]), int(t["m"]), int(t["s"] or 0)
        ampm = (t["ampm"] or "").lower()
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
        if t["tz"]:
            zone = timezone(timedelta(hours=_TZ_HOURS[t["tz"].lower()]))
        if t["off"]:
            digits = t["off"][1:].replace(":", "")
            hours, minutes = (
                (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
            )
            if hours <= 14:
                zone = timezone(
                    (-1 if t["off"][0] == "-" else 1) * timedelta(hours=hours, minutes=minutes)
                )
        has_time = True
        break
    when = date.replace(hour=hour, minute=minute, second=second, tzinfo=zone or UTC)
    return _Stamp(when, has_time, zone is not None)


def _is_date_line(text: str) -> bool:
    """A line that holds a date or a clock and nothing else worth reading."""
    if len(text) > 120 or not _DATEISH.search(text):
        return False
    if _find_stamp(text) is None and not _TIME_RE.search(text) and not _AGO_RE.search(text):
        return False
    rest = text
    for rx in _DATE_RES:
        rest = rx.sub(" ", rest)
    return not _DATE_FILLER.sub("", _MONTH_RE.sub(" ", rest)).strip()


def _crawl_stamp(text: str) -> datetime | None:
    """The time of a bare site-clock line ("16:52 GMT04 March 2021"): date, clock and zone only."""
    if len(text) > 60 or not _is_date_line(text):
        return None
    stamp = _find_stamp(text)
    return stamp.when if stamp is not None and stamp.has_time and stamp.has_zone else None


def _published(text: str) -> tuple[bool, datetime | None]:
    """Tell whether a line is a publication statement, and return its date if it has one."""
    m = _PUBLISHED_RE.match(text)
    if m is None or len(text.split()) > 20:
        return False, None
    stamp = _find_stamp(_UPDATED_RE.split(m["rest"], maxsplit=1)[0])
    return True, stamp.when if stamp else None


_DATELINE_RE = re.compile(
    r"(?:[A-Z\u00c0-\u00de][A-Za-z\u00c0-\u00ff.'\u2019-]*(?:[ ,/]+[\w.'\u2019-]+){0,6},?\s+)?"
    r"\((?P<outlet>[A-Z][\w.&'\u2019 -]{1,40}?)\)\s*(?:[-\u2013\u2014:]|--)\s"
)


def _dateline_outlet(text: str) -> str | None:
    """The outlet of a wire dateline at the start of a paragraph: "MOSCOW (Sputnik) - ..."."""
    m = _DATELINE_RE.match(text)
    if m is None:
        return None
    head = text[: m.start("outlet") - 1].strip(" ,")
    # The place before the outlet is in capitals ("MOSCOW", "LONDON, Nov 12"); a mixed-case
    # sentence that happens to start with a parenthesis is no dateline.
    if head and not (head.split(",")[0].isupper() or _find_stamp(head)):
        return None
    outlet = m["outlet"].strip()
    return None if _find_stamp(outlet) or len(outlet.split()) > 4 else outlet


# --------------------------------------------------------------------------------------------
# Classification

_GOOD, _SHORT, _BAD = 2, 1, 0


@dataclass(frozen=True, slots=True)
class _Verdict:
    kind: int  # _GOOD, _SHORT or _BAD
    reason: str = ""  # why a unit is BAD
    template: bool = False  # site template (navigation, share, footer): goes to .template
    barrier: int = 0  # 2: opens the comments (a wall); 1: opens a related-stories list


def _judge(
    text: str, f: _Features, alone: bool, separated: bool, recurring: frozenset[str]
) -> _Verdict:
    """Classify one unit on its own features; context comes later."""
    if f.alpha == 0:
        return _Verdict(_BAD, "no-words", template=not f.digits)
    if f.words <= _PATTERN_MAX_WORDS:
        bare = text.strip(_BULLETS)
        m = _SHORT_RE.fullmatch(bare)
        if m is not None:
            group = m.lastgroup or ""
            barrier = 2 if group == "comments" else 1 if group == "related" else 0
            return _Verdict(_BAD, group, template=group != "tag", barrier=barrier)
        if _is_date_line(text) or _published(text)[0]:
            return _Verdict(_BAD, "date")
        if not f.terminal and f.caps >= 0.5 and _BYLINE_RE.fullmatch(bare):
            return _Verdict(_BAD, "byline")
        if not _URLISH.sub("", text).strip(" ,;|/"):
            return _Verdict(_BAD, "address", template=True)
    if f.words <= _LEGAL_MAX_WORDS and _TRIGGER.search(text.lower()):
        if _is_legal(text):
            return _Verdict(_BAD, "legal", template=True)
        if f.words <= _LEGAL_MAX_WORDS // 2 and _YOU.search(text) and _CALL_TO_ACTION.search(text):
            return _Verdict(_BAD, "call-to-action", template=True)
        if f.words <= _CREDIT_MAX_WORDS and (_CREDIT_ANY.search(text) or _CREDIT_START.match(text)):
            return _Verdict(_BAD, "credit")
    if f.words <= _LINK_MAX_WORDS and _LINK_RE.fullmatch(text):
        return _Verdict(_BAD, "cross-link")
    prose = _is_prose(f)
    if not prose and recurring and normalise_line(text) in recurring:
        return _Verdict(_BAD, "recurring", template=True)
    if f.words <= 2 and not f.terminal:
        # One or two words alone on a line: section labels, photo credits, buttons.
        return _Verdict(_BAD, "label", template=not f.digits)
    if f.separators >= 2 and not f.terminal:
        return _Verdict(_BAD, "nav", template=True)
    if _is_tag_line(text, f):
        return _Verdict(_BAD, "tags")
    if prose and f.length >= 80:
        return _Verdict(_GOOD)
    if separated and not alone and _is_headline_like(f):
        # Where paragraphs stand apart, a headline glued to a paragraph is a cross-link widget.
        return _Verdict(_BAD, "glued")
    return _Verdict(_SHORT)


def _score(v: _Verdict, f: _Features) -> float:
    """A unit's weight in the main-block search: prose pulls by its length, the rest pushes."""
    if v.barrier:
        # Crossing into a related-stories list must cost more than a paragraph or two gains.
        return -4.0
    if v.kind == _GOOD:
        return 1.0 + min(f.length, 1200) / 150.0
    if v.kind == _SHORT:
        # A short sentence may close the body; anything else short leans towards furniture.
        return 0.1 if _is_sentence(f) else -0.5
    return -1.0


def _densest_span(scores: Sequence[float]) -> tuple[int, int]:
    """Maximum-sum contiguous run (Kadane) as ``(start, end)``, end exclusive; (0, 0) if none."""
    best, best_span = 0.0, (0, 0)
    run, run_start = 0.0, 0
    for i, s in enumerate(scores):
        if run <= 0:
            run, run_start = 0.0, i
        run += s
        if run > best:
            best, best_span = run, (run_start, i + 1)
    return best_span


# A part of the page holds the article when its densest run weighs this share of the heaviest
# part's: comments and teaser lists after an article may outweigh it, navigation may not.
_FIRST_PART_SHARE = 0.3


def _main_block(scores: Sequence[float], walls: Sequence[bool]) -> tuple[int, int]:
    """The body's span: the densest run in the first part of the page (between walls) with one."""
    parts: list[tuple[float, int, int]] = []
    begin = 0
    for i in range(len(scores) + 1):
        if i == len(scores) or walls[i]:
            start, end = _densest_span(scores[begin:i])
            if end > start:
                parts.append((sum(scores[begin + start : begin + end]), begin + start, begin + end))
            begin = i + 1
    if not parts:
        return 0, 0
    heaviest = max(weight for weight, _, _ in parts)
    return next(
        (start, end) for weight, start, end in parts if weight >= _FIRST_PART_SHARE * heaviest
    )


def _headline_echo(texts: Sequence[str], feats: Sequence[_Features]) -> int | None:
    """Index of the first later line that repeats the headline of the first line, if any.

    Browser text dumps start with the page title ("Headline - Site"); the article's own headline,
    repeated just above the body, is a line contained in it.
    """
    if len(texts) < 3 or not 3 <= feats[0].words <= 40:
        return None
    head = normalise_line(texts[0])
    for i in range(1, len(texts)):
        if feats[i].words >= 3 and not feats[i].terminal and len(texts[i]) <= len(texts[0]):
            line = normalise_line(texts[i])
            if line in head and len(line) >= 0.4 * len(head):
                return i
    return None


def _keep_short(
    verdicts: Sequence[_Verdict], feats: Sequence[_Features], start: int, end: int
) -> list[bool]:
    """Which units of the span ``start:end`` stay: prose, and SHORT units that context allows.

    Inside the body a SHORT unit stays when prose stands on both sides of its run, the run is not
    three or more lines that are mostly headlines (a related-links list) and no furniture touches
    it. Before the first and after the last paragraph only short sentences touching the body stay.
    """
    kinds = [v.kind for v in verdicts]
    keep = [start <= i < end and kinds[i] == _GOOD for i in range(len(kinds))]
    i = start
    while i < end:
        if kinds[i] == _GOOD:
            i += 1
            continue
        j = i
        while j < end and kinds[j] != _GOOD:
            j += 1
        shorts = [k for k in range(i, j) if kinds[k] == _SHORT]
        # Capitals-only lines are subheadings unless long enough to be a shouted headline.
        headlines = sum(
            1
            for k in shorts
            if (feats[k].words >= 6 if feats[k].upper else _is_headline_like(feats[k]))
        )
        if i > start and j < end:
            if not (j - i >= 3 and headlines * 2 > len(shorts)):
                for k in shorts:
                    keep[k] = (k == i or kinds[k - 1] != _BAD) and (
                        k == j - 1 or kinds[k + 1] != _BAD
                    )
        else:
            for k in range(i, j) if j == end else range(j - 1, i - 1, -1):
                if kinds[k] != _SHORT or not _is_sentence(feats[k]):
                    break
                keep[k] = True
        i = j
    return keep


def _pick_title(
    texts: Sequence[str], feats: Sequence[_Features], verdicts: Sequence[_Verdict], before: int
) -> int | None:
    """The headline: the first headline-like unit before the body.

    When a later headline-like line before the body is contained in the first one, the first is a
    page title with the site's name around it ("Headline - The Site") and the later one is the
    headline itself.
    """
    candidates: list[int] = []
    for i in range(before):
        f, v, text = feats[i], verdicts[i], texts[i]
        if not 3 <= f.words <= 25 or f.length > 250 or f.alpha < 2:
            continue
        if not text[0].isalnum() and text[0] not in "\"'\u201c\u2018\u00ab(":
            continue
        if text.endswith(".") and not text.endswith("..."):
            continue
        # A headline may be glued to the lede, or repeated elsewhere on a site as a cross-link.
        if v.kind == _BAD and not (
            v.reason == "glued" or (v.reason == "recurring" and f.words >= 5)
        ):
            continue
        candidates.append(i)
    if not candidates:
        return None
    head = normalise_line(texts[candidates[0]])
    for i in candidates[1:]:
        inner = normalise_line(texts[i])
        if inner != head and inner in head and len(inner) >= 0.5 * len(head):
            return i
    return candidates[0]


@dataclass(frozen=True, slots=True)
class _Round:
    start: int  # first unit of the main block
    title: int | None  # index of the title unit
    kept: list[int]  # indices of body units, in order
    verdicts: list[_Verdict]


class _Classifier:
    """Per-call memo of features and verdicts by line text (site furniture repeats a lot)."""

    def __init__(self, recurring: frozenset[str]) -> None:
        self.recurring = recurring
        self.feats: dict[str, _Features] = {}
        self.verdicts: dict[tuple[str, bool, bool], _Verdict] = {}
        self.normalised: dict[str, str] = {}

    def normalise(self, text: str) -> str:
        n = self.normalised.get(text)
        if n is None:
            n = self.normalised[text] = normalise_line(text)
        return n

    def features(self, text: str) -> _Features:
        f = self.feats.get(text)
        if f is None:
            f = self.feats[text] = _features(text)
        return f

    def judge(self, unit: _Unit, separated: bool) -> _Verdict:
        key = (unit.text, unit.alone, separated)
        v = self.verdicts.get(key)
        if v is None:
            v = self.verdicts[key] = _judge(
                unit.text, self.features(unit.text), unit.alone, separated, self.recurring
            )
        return v

    def round(self, units: Sequence[_Unit]) -> _Round:
        """One pass of classification, main-block search and context over ``units``."""
        texts = [u.text for u in units]
        feats = [self.features(t) for t in texts]
        # Do paragraphs stand apart (blank lines between them)? Asked of long prose lines only.
        prose = [
            u.alone for u, f in zip(units, feats, strict=True) if _is_prose(f) and f.length >= 80
        ]
        separated = len(prose) >= 2 and sum(prose) >= 0.6 * len(prose)
        verdicts = [self.judge(u, separated) for u in units]
        scores = [_score(v, f) for v, f in zip(verdicts, feats, strict=True)]
        # A comments header right after a template line is a link in a share bar, not a header.
        walls = [
            v.barrier == 2 and not (i and verdicts[i - 1].template) for i, v in enumerate(verdicts)
        ]
        start, end = _main_block(scores, walls)
        echo = _headline_echo(texts, feats)
        if echo is not None:
            # Prefer a body after the repeated headline unless it is much lighter than the best
            # one (teaser lists may come first on a page).
            after, stop = _main_block(scores[echo + 1 :], walls[echo + 1 :])
            if stop > after and sum(
                scores[echo + 1 + after : echo + 1 + stop]
            ) >= _FIRST_PART_SHARE * sum(scores[start:end]):
                start, end = echo + 1 + after, echo + 1 + stop
        keep = _keep_short(verdicts, feats, start, end)
        kept = [i for i in range(start, end) if keep[i]]
        title = _pick_title(texts, feats, verdicts, kept[0] if kept else len(units))
        return _Round(start if kept else len(units), title, kept, verdicts)


# --------------------------------------------------------------------------------------------
# Public API


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
    classifier = _Classifier(frozenset(recurring))
    units = _units(raw)

    # Rerun on the kept units until nothing changes. Each round keeps a subset, so this ends; the
    # last round saw exactly what cleaning our own output again will see, hence idempotence.
    current = units
    first: _Round | None = None
    title: _Unit | None = None
    for _ in range(len(units) + 1):
        result = classifier.round(current)
        first = first or result
        title = current[result.title] if result.title is not None else None
        following = ([title] if title is not None else []) + [current[i] for i in result.kept]
        canonical = [_Unit(u.text, u.lines, True) for u in following]
        if canonical == current:
            break
        current = canonical
    assert first is not None  # the loop runs at least once; this documents it for type checkers
    body = current[1:] if title is not None else current

    # The site's clock sits in the page header: only a stamp before the body is a crawl stamp.
    dated = [i for i, v in enumerate(first.verdicts) if v.reason == "date"]
    crawled = next(
        (c for i in dated if i < first.start and (c := _crawl_stamp(units[i].text))), None
    )
    published = next((p for i in dated if (p := _published(units[i].text)[1])), None)
    outlet = next((o for u in body[:2] if (o := _dateline_outlet(u.text))), None)

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


# Prose fingerprints: word 5-grams. Texts sharing this share of the smaller one's fingerprints
# are copies of one article; a fingerprint held by more than _MAX_SHARING texts is too common to
# tell copies apart (a site-wide disclaimer) and is ignored.
_SHINGLE = 5
_COPY_CONTAINMENT = 0.3
_MAX_SHARING = 64


def recurring_lines(texts: Sequence[str], *, min_docs: int = 2) -> frozenset[str]:
    """Normalised short or non-prose lines that occur in at least ``min_docs`` distinct documents.

    Copies of one article (syndicated or re-posted texts sharing at least 30% of their prose
    5-grams) count as one document, so a headline shared by two copies is not reported. Prose
    lines are never reported, because copies share whole paragraphs.

    Args:
        texts: the plain-text captures of one batch (ideally of one site).
        min_docs: in how many distinct documents a line must occur.

    Returns:
        The lines, normalised with :func:`normalise_line`, for ``clean_capture(recurring=...)``.

    Raises:
        UsageError: ``texts`` is a single string, or ``min_docs`` is below 1.

    Cost: linear in the total text, plus pairwise counting over prose fingerprints held by at
    most 64 texts (copies in larger groups may then count as distinct documents).
    """
    if isinstance(texts, str):
        raise UsageError(
            "the texts parameter of recurring_lines must be a sequence of texts, got one str; wrap "
            "it in a list"
        )
    if min_docs < 1:
        raise UsageError(
            f"the min_docs parameter of recurring_lines must be at least 1, got {min_docs}"
        )
    classifier = _Classifier(frozenset())
    lines_of: list[set[str]] = []
    shingles_of: list[set[int]] = []
    for text in texts:
        lines: set[str] = set()
        shingles: set[int] = set()
        for unit in _units(text):
            if _is_prose(classifier.features(unit.text)):
                shingles.update(_shingles(normalise_line(unit.text).split()))
            else:
                lines.add(normalise_line(unit.text))
        lines_of.append(lines)
        shingles_of.append(shingles)
    group = _copy_groups(shingles_of)
    documents: dict[str, set[int]] = {}
    for doc, lines in enumerate(lines_of):
        for line in lines:
            documents.setdefault(line, set()).add(group[doc])
    return frozenset(line for line, groups in documents.items() if len(groups) >= min_docs)


def _shingles(words: Sequence[str]) -> Iterable[int]:
    for i in range(max(0, len(words) - _SHINGLE + 1)):
        yield zlib.crc32(" ".join(words[i : i + _SHINGLE]).encode("utf-8"))


def _copy_groups(shingles_of: Sequence[set[int]]) -> list[int]:
    """Group index per text: texts whose prose overlaps enough are unioned into one group."""
    parent = list(range(len(shingles_of)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    holders: dict[int, list[int]] = {}
    for doc, shingles in enumerate(shingles_of):
        for sh in shingles:
            holders.setdefault(sh, []).append(doc)
    shared: dict[tuple[int, int], int] = {}
    for docs in holders.values():
        if 1 < len(docs) <= _MAX_SHARING:
            for a, first in enumerate(docs):
                for second in docs[a + 1 :]:
                    shared[first, second] = shared.get((first, second), 0) + 1
    for (a, b), count in shared.items():
        if count >= _COPY_CONTAINMENT * min(len(shingles_of[a]), len(shingles_of[b])):
            parent[find(a)] = find(b)
    return [find(doc) for doc in range(len(shingles_of))]
