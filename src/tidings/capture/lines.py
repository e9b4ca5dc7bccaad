"""Units of a plain-text capture and their features: the input every other cleaning step reads.

A unit is one line, or the joined lines of one hard-wrapped paragraph (see :func:`split_units`).
Its :class:`Features` are shallow and language-light: length, word count, terminal punctuation,
share of capitalised words, digits, separators.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

__all__ = [
    "Features",
    "Unit",
    "features",
    "is_headline_like",
    "is_prose",
    "is_sentence",
    "is_tag_line",
    "normalise_line",
    "split_units",
]

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
class Unit:
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
    return features(" ".join(lines)).caps < 0.5


def split_units(raw: str) -> list[Unit]:
    """Split a capture into units, in input order."""
    units: list[Unit] = []
    block: list[tuple[str, str]] = []
    for line in [*_clean_chars(raw).split("\n"), ""]:  # the empty line closes the last block
        folded = " ".join(line.split())
        if folded:
            block.append((folded, line))
            continue
        if len(block) == 1:
            units.append(Unit(block[0][0], (block[0][1],), True))
        elif block:
            folded_lines = [f for f, _ in block]
            if _is_hard_wrapped(folded_lines):
                units.append(
                    Unit(" ".join(folded_lines), tuple(raw_line for _, raw_line in block), True)
                )
            else:
                units.extend(Unit(f, (raw_line,), False) for f, raw_line in block)
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
class Features:
    words: int  # whitespace-separated words, plus half a word per CJK character
    length: int  # characters, CJK characters counted three times (they carry more each)
    alpha: int  # words with at least one letter
    terminal: bool  # ends like a sentence
    caps: float  # share of capitalised words among cased words (0 for caseless scripts)
    digits: bool  # has a digit
    separators: int  # nav-style separators ("a | b", "a • b")
    upper: bool  # written in capitals only


def features(text: str) -> Features:
    cjk = 0 if text.isascii() else len(_CJK.findall(text))
    initials = "".join(_WORD_INITIAL.findall(text))
    upper = sum(map(str.isupper, initials))
    cased = upper + sum(map(str.islower, initials))
    return Features(
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


def is_prose(f: Features) -> bool:
    """A sentence-like paragraph: the kind of line syndicated copies share and must keep."""
    return (f.terminal and f.words >= 8 and f.caps < 0.5) or (f.length >= 200 and f.caps < 0.6)


def is_sentence(f: Features) -> bool:
    """A short line that still reads as a sentence: it ends like one and is mostly lower case."""
    return f.terminal and f.words >= 4 and f.caps < 0.5


def is_headline_like(f: Features) -> bool:
    """A line that reads like a headline: no sentence ending, a few words, capitalised if long."""
    return (
        not f.terminal
        and 3 <= f.words <= 20
        and f.alpha >= 2
        and f.length <= 200
        and (f.caps >= 0.5 or f.words <= 14)
    )


def is_tag_line(text: str, f: Features) -> bool:
    """A comma-separated list of keywords: "missiles, INF Treaty, NATO, Mike Pompeo, US"."""
    if f.terminal or f.words > 40 or text.count(",") < 3:
        return False
    sizes = [len(item.split()) for item in text.split(",")]
    # Keywords are short; a sentence with commas has long clauses between them.
    return min(sizes) >= 1 and max(sizes) <= 3 and sum(sizes) / len(sizes) <= 2.2
