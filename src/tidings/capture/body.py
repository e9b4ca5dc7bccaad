"""Finding a capture's body: scores, the main block, the context rules and the headline.

:meth:`Classifier.round` is one pass of steps 2-4 of the method described in :mod:`tidings.clean`:
verdicts for every unit, the densest run of prose, the ``SHORT`` units context lets stay, and the
headline before the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .furniture import BAD, GOOD, SHORT, Verdict, judge
from .lines import Features, Unit, features, is_headline_like, is_prose, is_sentence, normalise_line

__all__ = ["Classifier", "Round"]


def _score(v: Verdict, f: Features) -> float:
    """A unit's weight in the main-block search: prose pulls by its length, the rest pushes."""
    if v.barrier:
        # Crossing into a related-stories list must cost more than a paragraph or two gains.
        return -4.0
    if v.kind == GOOD:
        return 1.0 + min(f.length, 1200) / 150.0
    if v.kind == SHORT:
        # A short sentence may close the body; anything else short leans towards furniture.
        return 0.1 if is_sentence(f) else -0.5
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


def _headline_echo(texts: Sequence[str], feats: Sequence[Features]) -> int | None:
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
    verdicts: Sequence[Verdict], feats: Sequence[Features], start: int, end: int
) -> list[bool]:
    """Which units of the span ``start:end`` stay: prose, and SHORT units that context allows.

    Inside the body a SHORT unit stays when prose stands on both sides of its run, the run is not
    three or more lines that are mostly headlines (a related-links list) and no furniture touches
    it. Before the first and after the last paragraph only short sentences touching the body stay.
    """
    kinds = [v.kind for v in verdicts]
    keep = [start <= i < end and kinds[i] == GOOD for i in range(len(kinds))]
    i = start
    while i < end:
        if kinds[i] == GOOD:
            i += 1
            continue
        j = i
        while j < end and kinds[j] != GOOD:
            j += 1
        shorts = [k for k in range(i, j) if kinds[k] == SHORT]
        # Capitals-only lines are subheadings unless long enough to be a shouted headline.
        headlines = sum(
            1
            for k in shorts
            if (feats[k].words >= 6 if feats[k].upper else is_headline_like(feats[k]))
        )
        if i > start and j < end:
            if not (j - i >= 3 and headlines * 2 > len(shorts)):
                for k in shorts:
                    keep[k] = (k == i or kinds[k - 1] != BAD) and (
                        k == j - 1 or kinds[k + 1] != BAD
                    )
        else:
            for k in range(i, j) if j == end else range(j - 1, i - 1, -1):
                if kinds[k] != SHORT or not is_sentence(feats[k]):
                    break
                keep[k] = True
        i = j
    return keep


def _pick_title(
    texts: Sequence[str], feats: Sequence[Features], verdicts: Sequence[Verdict], before: int
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
        if v.kind == BAD and not (
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
class Round:
    """What one classification round found: where the body starts, its units, the headline."""

    start: int  # first unit of the main block
    title: int | None  # index of the title unit
    kept: list[int]  # indices of body units, in order
    verdicts: list[Verdict]


class Classifier:
    """Per-call memo of features and verdicts by line text (site furniture repeats a lot)."""

    def __init__(self, recurring: frozenset[str]) -> None:
        self.recurring = recurring
        self.feats: dict[str, Features] = {}
        self.verdicts: dict[tuple[str, bool, bool], Verdict] = {}
        self.normalised: dict[str, str] = {}

    def normalise(self, text: str) -> str:
        n = self.normalised.get(text)
        if n is None:
            n = self.normalised[text] = normalise_line(text)
        return n

    def features(self, text: str) -> Features:
        f = self.feats.get(text)
        if f is None:
            f = self.feats[text] = features(text)
        return f

    def judge(self, unit: Unit, separated: bool) -> Verdict:
        key = (unit.text, unit.alone, separated)
        v = self.verdicts.get(key)
        if v is None:
            v = self.verdicts[key] = judge(
                unit.text, self.features(unit.text), unit.alone, separated, self.recurring
            )
        return v

    def round(self, units: Sequence[Unit]) -> Round:
        """One pass of classification, main-block search and context over ``units``."""
        texts = [u.text for u in units]
        feats = [self.features(t) for t in texts]
        # Do paragraphs stand apart (blank lines between them)? Asked of long prose lines only.
        prose = [
            u.alone for u, f in zip(units, feats, strict=True) if is_prose(f) and f.length >= 80
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
        return Round(start if kept else len(units), title, kept, verdicts)
