"""Quotations: who said what, with the exact span of the quoted words.

Backend ``quotes-rules.v1``, in three steps:

1. **Marks.** :func:`quote_spans` pairs quote marks paragraph by paragraph with a small state
   machine that accepts “curly”, "straight", «guillemets», „low“ and ``PTB'' marks, and 'single'
   quotes (told apart from apostrophes by what stands on each side). A stray or unbalanced mark
   is skipped, never an error; a quotation left open at the end of its paragraph is dropped.
2. **Cue and speaker.** The reporting verb ("said", "told reporters", "stressed", "according
   to") is found from the dependency parse: by climbing from the quotation's root to a verb of
   the cue lexicon, or, failing that, right after the closing mark (``"...," Lavrov said``) or
   before the opening one (``He said: "..."``). The speaker is that verb's subject (climbing
   through "adding", "saying" to the clause that has one). A name keeps its title apart
   ("Russian Foreign Minister" / "Sergei Lavrov"). "He"/"she" resolve to the last person
   mentioned before the quote in the article (a subject of the nearest sentence first); a
   title ("the minister", "the Russian Foreign Minister", "the diplomat") resolves to the person
   introduced with a matching title, the most recent one when several match; "they", "we" and
   unmatched titles give no name rather than a guess. Names are reported in their story-wide
   canonical spelling (see :mod:`tidings.analyze.entities`). Any verb right before ``, “`` or
   ``: “`` introduces a quotation ("Sanders responded, “..."), and so does a paragraph ending
   in a colon ("Dr. Ward stated:") for a quotation opening the next one. By news convention,
   an unattributed quotation continues the attributed one before it in its paragraph, or in
   the previous paragraph when that one ended with the attribution.
3. **Merging.** The same words quoted by several outlets become one :class:`Quote` with every
   citation: texts match after folding quote marks, case and punctuation, when one contains the
   other (six words or more), when their character similarity ratio is at least 0.85 (small
   edits), or when their word-sequence ratio is at least 0.75 for six words or more (an
   abbreviation spelled out: "the INF Treaty" / "the Intermediate-Range Nuclear Forces Treaty").

A quotation embedded in a sentence (respond “in kind”) is ``partial`` and is kept only when a cue
governs it, because unattributed short quotations are mostly scare quotes or titles of works.
A whole quoted sentence without any cue is kept (speaker ``None``) when it has four words or more.

Cost: linear in the text, plus a quadratic comparison of the quotations of a story.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from ..records import Article, Citation, Quote
from ..registry import Registry
from ..textutil import normalise_quotes, words
from ._names import TITLE_HEADS, clean_surface, split_title

if TYPE_CHECKING:
    from spacy.tokens import Token

    from ._nlp import Paragraph
    from .entities import EntityIndex

__all__ = [
    "CUE_LEMMAS",
    "QUOTES_NAME",
    "QUOTE_FINDERS",
    "QuoteMention",
    "QuoteSpan",
    "find_quotes",
    "merge_quotes",
    "quote_spans",
    "quotes_rules",
]

QUOTES_NAME = "quotes-rules.v1"

# Reporting verbs, by lemma. "respond" is left out on purpose: in "Russia would respond “in
# kind”" it governs a partial quotation without reporting it.
CUE_LEMMAS: frozenset[str] = frozenset(
    """say tell add stress lament emphasize emphasise note state warn insist claim argue explain
    ask write tweet declare announce continue conclude acknowledge admit recall remark reply
    complain urge predict suggest quip joke vow promise deny confirm comment observe point
    indicate assert maintain reiterate caution allege boast concede counter retort shout testify
    recount proclaim blast slam accuse mention report muse agree write post exclaim plead pledge
    demand question wonder estimate forecast signal hint charge contend declare insist underline
    underscore highlight
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
# Verbs that name rather than report ("called Washington “belligerent”", "described it as
# “unacceptable”"): a cue only for a quotation that is their direct complement, because in
# "calling into question" or "called on Europe" they report nothing.
_NAMING_LEMMAS: frozenset[str] = frozenset(
    """call describe label dub term characterize characterise brand
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_NAMING_DEPS = frozenset({"oprd", "xcomp", "ccomp", "dobj", "attr", "acomp", "advcl", "prep"})
_PERSON_PRONOUNS = frozenset({"he", "she"})
_OTHER_PRONOUNS = frozenset({"they", "we", "it", "i", "you", "who", "which", "that", "this", "one"})
_VAGUE = frozenset({"the", "a", "an", "top", "senior", "chief", "then", "country", "’s", "'s"})
# A title noun and the titles it can stand for ("the diplomat" -> a foreign minister).
_TITLE_SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "diplomat": (
        "foreign minister",
        "secretary of state",
        "foreign secretary",
        "ambassador",
        "envoy",
        "diplomat",
        "diplomacy",
        "high representative",
    ),
    "spokesman": ("spokesman", "spokeswoman", "spokesperson", "press secretary"),
    "spokeswoman": ("spokesman", "spokeswoman", "spokesperson", "press secretary"),
    "spokesperson": ("spokesman", "spokeswoman", "spokesperson", "press secretary"),
    "leader": ("president", "prime minister", "chancellor", "premier", "leader", "king"),
    "chief": ("chief", "head", "director"),
}
_OPENERS = {"“": "d", "„": "d", "«": "d", "``": "d"}
_CLOSERS = {"”": "d", "»": "d", "''": "d"}
_MARK = re.compile(r"``|''|[\"“”„«»‘’']")
_ELISION = re.compile(r"'(?:\d0s|tis|twas|em|n'|cause)\b", re.IGNORECASE)
_MAX_DOUBLE = 3000
_MAX_SINGLE = 400
_MIN_UNATTRIBUTED_WORDS = 4
_MERGE_RATIO = 0.85
_MERGE_WORD_RATIO = 0.75
_MERGE_CONTAINED_WORDS = 6


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """Where a quotation sits: its marks and the quoted words between them.

    Attributes:
        open: offset of the opening mark.
        start, end: the quoted words (no marks, no edge spaces, no trailing comma).
        close: offset just past the closing mark.
    """

    open: int
    start: int
    end: int
    close: int


@dataclass(frozen=True, slots=True)
class QuoteMention:
    """One quotation in one article, before merging across articles.

    Attributes:
        article_id: the article.
        span: where it sits (``article.text[span.start:span.end] == text``).
        text: the quoted words.
        kind: ``direct`` or ``partial``.
        cue: the reporting verb phrase, if found.
        speaker / speaker_title: the resolved speaker and the title kept apart.
        speaker_span: the speaker as written (a name, "he", "the minister"), as offsets.
    """

    article_id: str
    span: QuoteSpan
    text: str
    kind: str
    cue: str | None
    speaker: str | None
    speaker_title: str | None
    speaker_span: tuple[int, int] | None


def quote_spans(text: str, start: int = 0, end: int | None = None) -> list[QuoteSpan]:
    """Pair the quote marks of ``text[start:end]`` (one paragraph) into quotations.

    Args:
        text: the article text; offsets in the result index it.
        start, end: the stretch to scan (a paragraph: quotations never cross one here).

    Returns:
        Non-overlapping spans in order. Stray, unbalanced or unclosed marks are skipped.
    """
    end = len(text) if end is None else end
    out: list[QuoteSpan] = []
    double: int | None = None  # offset of the open double mark, when one is open
    double_len = 0
    single: int | None = None
    for m in _MARK.finditer(text, start, end):
        mark, i, j = m.group(), m.start(), m.end()
        before = text[i - 1] if i > start else " "
        after = text[j] if j < end else " "
        if mark == "“" and double is not None and text[double] == "„":
            mark = "”"  # German style „...“: the high mark closes
        if mark in _OPENERS or (mark == '"' and double is None):
            if mark == '"' and (after.isspace() or after in ".,;:!?"):
                continue  # a straight mark that cannot open: stray closing mark
            double, double_len, single = i, len(mark), None  # an unclosed earlier opener is dropped
            continue
        if mark in _CLOSERS or mark == '"':
            if double is None:
                continue
            if mark == '"' and before.isspace() and not after.isspace():
                double, double_len = i, 1  # looks like an opener: the earlier one was stray
                continue
            span = _trimmed(text, double, double + double_len, i, j)
            if span and span.close - span.open <= _MAX_DOUBLE:
                out.append(span)
            double = None
            continue
        if double is not None:
            continue  # single marks inside a double quotation are quotes within quotes
        # Single marks: ‘ opens; ’ and ' close an open single quotation when followed by a
        # non-letter; ' opens only at a word start, and never in elisions ('80s, 'em).
        if single is not None and mark in "’'" and not before.isspace() and not after.isalnum():
            span = _trimmed(text, single, single + 1, i, j)
            if span and span.close - span.open <= _MAX_SINGLE:
                out.append(span)
            single = None
        elif (mark == "‘" and after.isalnum()) or (
            mark == "'"
            and (before.isspace() or before in "([—–-")
            and after.isalpha()
            and not _ELISION.match(text, i)
        ):
            single = i
    return out


def _trimmed(
    text: str, open_at: int, content_start: int, content_end: int, close_end: int
) -> QuoteSpan | None:
    s, e = content_start, content_end
    while s < e and text[s].isspace():
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:"):
        e -= 1
    if e <= s or not any(ch.isalpha() for ch in text[s:e]):
        return None
    return QuoteSpan(open_at, s, e, close_end)


def find_quotes(
    articles: Sequence[Article],
    paragraphs: Mapping[str, Sequence[Paragraph]],
    index: EntityIndex,
) -> list[QuoteMention]:
    """Find and attribute the quotations of every article.

    Args:
        articles: the articles.
        paragraphs: each article's parsed paragraphs.
        index: the story's entities, used to name speakers canonically and resolve references.

    Returns:
        Quotations in article order, then text order.
    """
    out: list[QuoteMention] = []
    for article in articles:
        paras = paragraphs.get(article.id, ())
        spans = {
            id(p): quote_spans(article.text, p.start, p.start + len(p.doc.text)) for p in paras
        }
        every = sorted((s.open, s.close) for ss in spans.values() for s in ss)
        context = _Context(article, paras, index, every)
        previous: tuple[int, QuoteMention] | None = (
            None  # last attributed quote, with its paragraph
        )
        for number, para in enumerate(paras):
            for span in spans[id(para)]:
                colon = _cue_colon_paragraph(para, span, paras, number)
                mention = _attribute(article, para, span, spans[id(para)], context, colon)
                if mention is None:
                    continue
                if mention.cue is None and previous is not None:
                    mention = _continued(mention, previous, number, para, paras, article.text)
                if mention.speaker is not None or mention.speaker_span is not None:
                    previous = (number, mention)
                out.append(mention)
    return out


def _continued(
    mention: QuoteMention,
    previous: tuple[int, QuoteMention],
    number: int,
    para: Paragraph,
    paras: Sequence[Paragraph],
    text: str,
) -> QuoteMention:
    """Give an unattributed quotation the speaker of the one it continues, by news convention.

    ``“...,” Varmus said. “This is a litmus test.”``: a later quotation in the same paragraph;
    or a paragraph that opens with a quotation right after a paragraph whose last quotation
    was attributed, or that ended with a colon ("Dr. Ward stated:").
    """
    at, before = previous
    same_paragraph = at == number
    opens_paragraph = mention.span.open == para.start
    follows = at == number - 1 and opens_paragraph
    if follows and number > 0:
        prior = paras[number - 1]
        prior_end = prior.start + len(prior.doc.text)
        # Only when the prior paragraph ends with that quotation's attribution or a colon:
        # a paragraph of narration in between breaks the chain.
        if before.span.close < prior_end - 120 and not text[:prior_end].rstrip().endswith(":"):
            follows = False
    if not (same_paragraph or follows):
        return mention
    return QuoteMention(
        mention.article_id,
        mention.span,
        mention.text,
        mention.kind,
        before.cue,
        before.speaker,
        before.speaker_title,
        before.speaker_span,
    )


def merge_quotes(
    mentions: Sequence[QuoteMention], source_keys: Mapping[str, str]
) -> tuple[Quote, ...]:
    """Merge the same quotation reported by several articles into one :class:`Quote`.

    Args:
        mentions: quotations in article order.
        source_keys: article id -> independent source label (fills ``outlets``).

    Returns:
        Quotes in order of first appearance; the first citation is the most complete report
        (attributed first, then longest).
    """
    keys = [" ".join(words(normalise_quotes(m.text))) for m in mentions]
    parent = list(range(len(mentions)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in range(len(mentions)):
        for j in range(i + 1, len(mentions)):
            if find(i) != find(j) and _same_quote(keys[i], keys[j]):
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(mentions)):
        groups.setdefault(find(i), []).append(i)
    out: list[Quote] = []
    for members in groups.values():
        ranked = sorted(
            members,
            key=lambda i: (
                mentions[i].speaker is None,
                mentions[i].kind != "direct",
                -len(mentions[i].text),
                i,
            ),
        )
        lead = mentions[ranked[0]]
        ordered = [ranked[0], *sorted(ranked[1:])]
        citations = tuple(
            Citation(mentions[i].article_id, mentions[i].span.start, mentions[i].span.end)
            for i in ordered
        )
        speaker_from = next((mentions[i] for i in ranked if mentions[i].speaker), lead)
        outlets = tuple(dict.fromkeys(source_keys.get(c.article, c.article) for c in citations))
        out.append(
            Quote(
                text=lead.text,
                speaker=speaker_from.speaker,
                speaker_title=speaker_from.speaker_title,
                cue=lead.cue or speaker_from.cue,
                kind=lead.kind,
                citations=citations,
                outlets=outlets,
            )
        )
    return tuple(out)


def quotes_rules(
    articles: Sequence[Article],
    paragraphs: Mapping[str, Sequence[Paragraph]],
    index: EntityIndex,
    source_keys: Mapping[str, str],
) -> tuple[Quote, ...]:
    """The ``quotes-rules.v1`` backend: :func:`find_quotes` then :func:`merge_quotes`."""
    return merge_quotes(find_quotes(articles, paragraphs, index), source_keys)


QUOTE_FINDERS: Registry[Callable[..., tuple[Quote, ...]]] = Registry("quote finder")
QUOTE_FINDERS.register(QUOTES_NAME)(quotes_rules)


# --- attribution ----------------------------------------------------------------------------


class _Context:
    """Per-article lookups for speaker resolution (persons in text order, sentence starts)."""

    def __init__(
        self,
        article: Article,
        paras: Sequence[Paragraph],
        index: EntityIndex,
        quotes: list[tuple[int, int]],
    ):
        self.article = article
        self.paras = paras
        self.index = index
        self.quotes = quotes
        self.sentence_starts = [s.start for p in paras for s in p.sentences]
        self.persons = [
            (m, name)
            for m, name in index.in_article(article.id)
            if m.kind == "person" and not self.inside_quote(m.start)
        ]

    def paragraph_of(self, token: Token) -> Paragraph:
        """The parsed paragraph a token belongs to."""
        return next(p for p in self.paras if p.doc is token.doc)

    def inside_quote(self, offset: int) -> bool:
        k = bisect.bisect_right(self.quotes, (offset, 1 << 62)) - 1
        return k >= 0 and self.quotes[k][0] <= offset < self.quotes[k][1]

    def sentence_of(self, offset: int) -> int:
        return bisect.bisect_right(self.sentence_starts, offset) - 1

    def pronoun(self, before: int) -> str | None:
        """The person a "he"/"she" at ``before`` most likely means: the nearest sentence's subject."""
        earlier = [(m, n) for m, n in self.persons if m.end <= before]
        if not earlier:
            return None
        last_sentence = self.sentence_of(earlier[-1][0].start)
        same = [(m, n) for m, n in earlier if self.sentence_of(m.start) == last_sentence]
        subjects = [n for m, n in same if m.subject]
        return subjects[0] if subjects else same[-1][1]

    def titled(self, head: str, modifiers: list[str], near: int) -> str | None:
        """The person introduced with a title matching ``head`` and ``modifiers``, nearest before ``near``."""
        matches: list[tuple[int, str]] = []
        for m, name in self.persons:
            titles = ([m.title] if m.title else []) + list(self.index.titles.get(name, ()))
            if any(_title_matches(head, modifiers, t) for t in titles):
                matches.append((m.start, name))
        if not matches:
            return None
        before = [x for x in matches if x[0] < near]
        return (before[-1] if before else matches[0])[1]


def _attribute(
    article: Article,
    para: Paragraph,
    span: QuoteSpan,
    siblings: list[QuoteSpan],
    ctx: _Context,
    introduced_by: Token | None = None,
) -> QuoteMention | None:
    text = article.text
    kind = _kind(text, para, span)
    inside = [(s.open, s.close) for s in siblings]

    def quoted(tok: Token) -> bool:
        off = para.offset(tok)
        return any(a <= off < b for a, b in inside)

    order = ("after", "tree", "before") if kind == "direct" else ("tree", "before", "after")
    cue: Token | None = None
    for how in order:
        cue = {"after": _cue_after, "tree": _cue_in_tree, "before": _cue_before}[how](
            para, span, quoted
        )
        if cue is not None:
            break
    if cue is None and introduced_by is not None:
        cue = introduced_by
    if kind == "partial" and text[span.end - 1] == "." and span.end - 1 > span.start:
        # American style puts the period inside the marks; it is not part of a partial quotation.
        span = QuoteSpan(span.open, span.start, span.end - 1, span.close)
    if cue is None:
        words_in = len(text[span.start : span.end].split())
        if kind == "partial" or words_in < _MIN_UNATTRIBUTED_WORDS:
            return None
        return QuoteMention(
            article.id, span, text[span.start : span.end], kind, None, None, None, None
        )
    # A colon-introduced quotation has its cue in the previous paragraph, outside any quotation.
    home = para if cue.doc is para.doc else ctx.paragraph_of(cue)
    quoted_there = quoted if home is para else _never
    head = _speaker_head(cue, quoted_there)
    speaker = title = None
    speaker_span: tuple[int, int] | None = None
    if head is not None:
        speaker, title, speaker_span = _resolve(home, head, quoted_there, ctx, span.open)
    return QuoteMention(
        article.id,
        span,
        text[span.start : span.end],
        kind,
        _cue_text(cue),
        speaker,
        title,
        speaker_span,
    )


def _kind(text: str, para: Paragraph, span: QuoteSpan) -> str:
    """``direct`` when the quotation opens a sentence or follows a cue's comma or colon."""
    i = span.open - 1
    while i >= para.start and text[i].isspace():
        i -= 1
    if i < para.start or text[i] in ",:;.!?—–-([":
        return "direct"
    if any(s.start == span.open or s.start == span.start for s in para.sentences):
        return "direct"
    return "partial"


def _never(tok: Token) -> bool:
    return False


def _is_cue(tok: Token, via: Token | None = None) -> bool:
    """Whether ``tok`` reports speech; ``via`` is the child on the path from the quotation.

    A verb whose subject is the quotation itself does not report it ("“some people” were
    calling into question ..."), and naming verbs count only for their direct complement.
    """
    if tok.pos_ not in ("VERB", "AUX"):
        return False
    lemma = tok.lemma_.lower()
    if via is not None and via.dep_ in ("nsubj", "nsubjpass", "csubj"):
        return False
    if lemma in _NAMING_LEMMAS:
        return via is not None and via.dep_ in _NAMING_DEPS
    return lemma in CUE_LEMMAS


def _according_to(tok: Token) -> Token | None:
    """For "according to X", the token "according"; else ``None``."""
    if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to":
        return tok
    return None


def _cue_in_tree(para: Paragraph, span: QuoteSpan, quoted: Callable[[Token], bool]) -> Token | None:
    """Climb from the quotation's roots to the first reporting verb outside any quotation."""
    inner = para.tokens_between(span.start, span.end)
    if not inner:
        return None
    lo, hi = inner[0].i, inner[-1].i
    for root in inner:
        if lo <= root.head.i <= hi and root.head is not root:
            continue
        node = root.head if root.head is not root else None
        via = root
        for _ in range(6):
            if node is None:
                break
            if not quoted(node):
                if _is_cue(node, via):
                    return node
                for child in node.children:
                    if _according_to(child) is not None and not quoted(child):
                        return child
            elif not lo <= node.i <= hi:
                break  # climbed into another quotation: no cue of ours up there
            if node.head is node:
                break
            via, node = node, node.head
    return None


def _cue_after(para: Paragraph, span: QuoteSpan, quoted: Callable[[Token], bool]) -> Token | None:
    """``"...," Lavrov said`` / ``"...," said Lavrov``: a cue within a few words after the close."""
    text = para.doc.text
    rel = span.close - para.start
    rest = text[rel:].lstrip()
    content_end = para.doc.text[span.end - para.start - 1 : span.end - para.start]
    if content_end == "." and rest[:1].isupper():
        return None  # the quotation ended its sentence; a new one starts after it
    count = 0
    for tok in para.doc:
        if tok.idx < rel:
            continue
        if quoted(tok):
            break
        if tok.is_punct:
            if tok.text in ".!?" or (count > 0 and tok.text in ";"):
                break
            continue
        count += 1
        if count > 9:
            break
        if _is_cue(tok):
            return tok
        if tok.pos_ == "VERB":
            break
    return None


def _cue_before(para: Paragraph, span: QuoteSpan, quoted: Callable[[Token], bool]) -> Token | None:
    """``He said: "..."`` / ``X told reporters that "..."``: the last cue before the quotation."""
    sentence_start = max(
        (s.start for s in para.sentences if s.start <= span.open), default=para.start
    )
    tokens = [t for t in para.tokens_between(sentence_start, span.open) if not quoted(t)]
    # Any verb right before ``, “`` or ``: “`` introduces the quotation ("Sanders responded,
    # “...”", "Cruz continued: “...”"), lexicon or not.
    between = [t for t in tokens if t.i > (tokens[-1].i if tokens else 0) - 2]
    if (
        between
        and between[-1].text in (",", ":")
        and len(between) > 1
        and between[-2].pos_ == "VERB"
    ):
        return between[-2]
    for tok in reversed(tokens):
        if _is_cue(tok) or _according_to(tok) is not None:
            return tok
    return None


def _cue_colon_paragraph(
    para: Paragraph, span: QuoteSpan, paras: Sequence[Paragraph], number: int
) -> Token | None:
    """``Dr. Ward stated:`` ending the previous paragraph introduces a quotation opening this one."""
    if number == 0 or span.open != para.start:
        return None
    prior = paras[number - 1]
    if not prior.doc.text.rstrip().endswith(":"):
        return None
    last = prior.sentences[-1] if prior.sentences else None
    tokens = prior.tokens_between(last.start, last.end) if last else list(prior.doc)
    verbs = [t for t in tokens if t.pos_ == "VERB" and t.dep_ not in ("amod", "acl", "compound")]
    return verbs[-1] if verbs else None


def _speaker_head(cue: Token, quoted: Callable[[Token], bool]) -> Token | None:
    """The subject of the cue verb, climbing from "adding"/"saying" to the clause that has one."""
    if cue.lower_ == "according":
        to = cue.doc[cue.i + 1]
        objects = [c for c in to.children if c.dep_ == "pobj"]
        return objects[0] if objects else None
    # A participle cue ("adding", "saying", "noting") has no subject of its own: climb to the
    # clause it hangs on, preferring an ancestor that is itself a reporting verb, because the
    # parser often attaches the participle to the reported clause ("stressed that Russia ...
    # have ..., adding") rather than to the reporting one.
    if cue.lemma_.lower() in ("ask", "tell", "question") and any(
        c.dep_ in ("nsubjpass", "auxpass") for c in cue.children
    ):
        # "Blumenthal was asked, “...?”": the subject is the one asked; the speaker is the agent.
        agents = [
            g for c in cue.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"
        ]
        return agents[0] if agents else None
    node = cue
    fallback: Token | None = None
    for depth in range(5):
        subjects = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass") and not quoted(c)]
        if subjects and (depth == 0 or _is_cue(node)):
            return subjects[0]
        if subjects and fallback is None:
            fallback = subjects[0]
        if (
            node.dep_ in ("advcl", "xcomp", "conj", "pcomp", "acl", "relcl", "ccomp", "prep")
            and node.head is not node
        ):
            node = node.head  # "punctuated his list by saying": through the preposition too
            continue
        break
    if fallback is not None:
        return fallback
    if cue.lemma_.lower() not in ("tell", "ask"):
        for child in cue.rights:
            if (
                child.dep_ in ("dobj", "attr", "npadvmod", "appos", "nmod", "oprd")
                and child.pos_ == "PROPN"
            ):
                return child
    return _adjacent_nominal(cue, quoted)


def _adjacent_nominal(cue: Token, quoted: Callable[[Token], bool]) -> Token | None:
    """When the parse gives the cue no subject: the name or pronoun right next to it.

    ``"...," Bozell notes`` parsed with "Bozell" as a modifier, ``"...," said Peskov`` with
    "Peskov" as an object. Looks up to four words to the left, then two to the right (never to
    the right of "told"/"asked": that is the listener); a comma is stepped over, any other
    punctuation or a quotation ends the search on that side.
    """
    doc = cue.doc
    sides = [range(cue.i - 1, max(cue.i - 5, -1), -1)]
    if cue.lemma_.lower() not in ("tell", "ask"):
        sides.append(range(cue.i + 1, min(cue.i + 3, len(doc))))
    for side in sides:
        for i in side:
            tok = doc[i]
            if tok.text == ",":
                continue
            if quoted(tok) or tok.is_punct:
                break
            if tok.pos_ in ("PROPN", "PRON") and tok.lower_ not in ("it", "that", "this", "which"):
                # The rightmost word of a name run is its head ("Ben Brafman").
                head: Token = tok
                while (
                    head.i + 1 < len(doc)
                    and doc[head.i + 1].pos_ == "PROPN"
                    and head.i + 1 != cue.i
                ):
                    head = doc[head.i + 1]
                return head
    return None


def _np_tokens(head: Token, quoted: Callable[[Token], bool]) -> list[Token]:
    doc = head.doc
    left, right = head.left_edge.i, head.i
    if head.ent_iob_ != "O":
        for ent in doc.ents:
            if ent.start <= head.i < ent.end:
                left, right = min(left, ent.start), max(right, ent.end - 1)
    for child in head.rights:
        if child.dep_ in ("flat", "compound") and child.i == right + 1:
            right = child.i
    tokens = [t for t in doc[left : right + 1] if not quoted(t)]
    while tokens and (tokens[0].is_punct or tokens[0].dep_ == "cc"):
        tokens.pop(0)
    return tokens[-10:]


def _resolve(
    para: Paragraph, head: Token, quoted: Callable[[Token], bool], ctx: _Context, quote_at: int
) -> tuple[str | None, str | None, tuple[int, int] | None]:
    tokens = _np_tokens(head, quoted)
    if not tokens:
        return None, None, None
    where = (para.offset(tokens[0]), para.end_offset(tokens[-1]))
    doc = head.doc
    persons = [
        e
        for e in doc.ents
        if e.label_ == "PERSON" and tokens[0].i <= e.start and e.end - 1 <= tokens[-1].i
    ]
    article_id = ctx.article.id
    if persons:
        ent = persons[-1]
        written_title, name = split_title(clean_surface(ent.text))
        before = [
            t.text
            for t in tokens
            if t.i < ent.start and t.pos_ not in ("DET", "PUNCT") and t.dep_ != "case"
        ]
        title = " ".join([*before, written_title]).strip() or None
        if not name:
            return None, title, where
        return ctx.index.resolve(name, article_id, person=True) or name, title, where
    low = head.lower_
    if head.pos_ == "PRON":
        if low in _PERSON_PRONOUNS:
            return ctx.pronoun(where[0]), None, where
        return None, None, where
    np_text = clean_surface(doc[tokens[0].i : tokens[-1].i + 1].text)
    if low in TITLE_HEADS or low in _TITLE_SYNONYMS:
        modifiers = [
            t.lower_
            for t in tokens
            if t.i != head.i
            and t.pos_ not in ("DET", "PUNCT")
            and t.dep_ not in ("poss", "case")
            and not (t.head.dep_ == "poss" and t.head.i != head.i)
            and t.lower_ not in _VAGUE
        ]
        titled = ctx.titled(low, modifiers, quote_at)
        return titled, np_text or None, where
    if head.pos_ == "PROPN":
        known = ctx.index.resolve(np_text, article_id, person=True)
        if known:
            title, _ = split_title(np_text)
            return known, title or None, where
        if head.ent_type_ in ("", "PERSON"):
            title, name = split_title(np_text)
            return (name or None), (title or None), where
    if low in _OTHER_PRONOUNS or not np_text or len(np_text.split()) > 6:
        return None, None, where
    return np_text, None, where


def _title_matches(head: str, modifiers: list[str], title: str) -> bool:
    words_in_title = set(title.lower().replace("-", " ").split())
    phrases = _TITLE_SYNONYMS.get(head, (head,))
    if not any(all(w in words_in_title for w in phrase.split()) for phrase in phrases):
        return False
    return all(m in words_in_title for m in modifiers)


def _cue_text(cue: Token) -> str:
    if cue.lower_ == "according":
        return "according to"
    parts = [cue.text]
    for child in cue.rights:
        if child.dep_ == "prt":
            parts.append(child.text)
        elif child.dep_ == "dobj" and cue.lemma_.lower() == "tell":
            obj = list(child.subtree)
            if len(obj) <= 4:
                parts.append(" ".join(t.text for t in obj))
            break
    return " ".join(parts)


def _same_quote(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    n_short = len(short.split())
    if n_short >= _MERGE_CONTAINED_WORDS and f" {short} " in f" {long_} ":
        return True
    if n_short < _MIN_UNATTRIBUTED_WORDS or n_short < 0.6 * len(long_.split()):
        return False
    # Cheap word-overlap gate before the quadratic alignments.
    wa, wb = a.split(), b.split()
    if len(set(wa) & set(wb)) < 0.6 * min(len(set(wa)), len(set(wb))):
        return False
    if SequenceMatcher(None, a, b, autojunk=False).ratio() >= _MERGE_RATIO:
        return True
    # Word-level alignment forgives an expanded name ("INF" / "Intermediate-Range Nuclear Forces").
    return (
        n_short >= _MERGE_CONTAINED_WORDS
        and SequenceMatcher(None, wa, wb, autojunk=False).ratio() >= _MERGE_WORD_RATIO
    )
