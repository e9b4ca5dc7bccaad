"""Entities: people, organisations, places and treaties, with spelling variants merged.

Backend ``spacy-sm.v1``: spaCy's small English NER finds the mentions; rules merge them.

* **Kinds.** ``PERSON`` -> ``person``; ``ORG`` -> ``organization``; ``GPE``, ``LOC``, ``FAC`` ->
  ``place``; ``LAW`` -> ``other`` (treaties, acts, conventions: central to many stories, but
  neither an organisation nor a place). An ``other`` entity is kept only when one of its names
  ends in a law word ("Treaty", "Act", "Agreement", ...), because the small model also tags
  stray phrases as LAW. ``NORP`` (nationalities: "Russian") is not an entity. A mention whose
  label flips between mentions ("INF Treaty" as ORG here, LAW there) joins by name; the merged
  entity's kind is the majority label, and a name ending in a law word is always ``other``.
* **Persons.** Full names merge when their last names fold alike (:func:`fold` handles
  transliteration: Sergei/Sergey, Dmitry/Dmitri) and their first names are compatible (same
  fold, an initial, or one edit apart for names of five letters or more). A bare last name
  ("Lavrov") joins the one full name with that last name in its own article, else the one in
  the whole story; when there are several, it stays on its own rather than being guessed. The
  small model often tags a known person's surname as an ORG; such a mention becomes a person.
* **Organisations, places, treaties.** Names merge on a normalised key (case, dots, hyphens,
  a leading "the"), a generic head ("INF Treaty" ~ "INF"), a short alias table for countries
  ("US" ~ "United States"), and acronyms: an all-capitals name joins the single long name whose
  initials spell it ("INF" ~ "Intermediate-Range Nuclear Forces Treaty"), and a parenthetical
  definition in the text ("Intermediate-range Nuclear Forces (INF) Treaty") always links the two.
* **Junk** is dropped: lower-case words, numbers, crawl-stamp fragments, spans cut through a
  bracket, lone generic capitalised words ("State", "Treaty"), a PERSON right after "the"
  ("the Moon") or used as a modifier of a common noun ("the Agi news agency").

Cost: linear in the number of mentions, plus a quadratic pass over the distinct full names of
each last name (tiny in practice).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..records import Article, Entity
from ..registry import Registry
from ._names import (
    HONORIFICS,
    TITLE_HEADS,
    TITLE_WORDS,
    clean_surface,
    edit_distance,
    first_names_compatible,
    fold,
    is_junk,
    last_name,
    split_title,
)

if TYPE_CHECKING:
    from spacy.tokens import Span

    from ._nlp import Paragraph

__all__ = [
    "ENTITIES_NAME",
    "ENTITY_RECOGNIZERS",
    "EntityIndex",
    "Mention",
    "acronym_definitions",
    "build_index",
    "collect_mentions",
    "find_entities",
]

ENTITIES_NAME = "spacy-sm.v1"

KIND_OF_LABEL: Mapping[str, str] = MappingProxyType(
    {
        "PERSON": "person",
        "ORG": "organization",
        "GPE": "place",
        "LOC": "place",
        "FAC": "place",
        "LAW": "other",
    }
)
LAW_HEADS: frozenset[str] = frozenset(
    """treaty treaties agreement accord accords act convention pact protocol charter deal
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
# Country names written several ways in English news; everything else merges by the rules.
_PLACE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "us": "united states",
        "usa": "united states",
        "united states of america": "united states",
        "america": "united states",
        "uk": "united kingdom",
        "britain": "united kingdom",
        "great britain": "united kingdom",
        "ussr": "soviet union",
        "uae": "united arab emirates",
        "drc": "democratic republic of the congo",
        "prc": "china",
    }
)
_FUNCTION_WORDS = frozenset(
    """of for and the on in to de du la le des et at by with
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_ACRONYM_DEF = re.compile(
    r"((?:[A-Z][\w’'\-]*|of|for|and|the|on|in)(?:[ \t]+(?:[A-Z][\w’'\-]*|of|for|and|the|on|in)){1,9})"
    r"[ \t]*\(([A-Z][A-Za-z&]{1,9})\)"
)


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention in one article.

    Attributes:
        article_id: the article.
        start, end: offsets of the cleaned surface in ``Article.text``.
        surface: the cleaned name as written ("Sergey Lavrov", "INF Treaty").
        kind: ``person``, ``organization``, ``place`` or ``other``.
        title: for a person, the title written with it ("Russian Foreign Minister"), if any.
        subject: whether the mention is (part of) a grammatical subject; pronoun resolution
            prefers subjects.
    """

    article_id: str
    start: int
    end: int
    surface: str
    kind: str
    title: str | None = None
    subject: bool = False


@dataclass(frozen=True, slots=True)
class EntityIndex:
    """The merged entities of a story and the way back from any mention to its entity.

    Attributes:
        entities: the merged entities, most mentioned first.
        mentions: every kept mention paired with its entity's canonical name, in article order.
        kinds: canonical name -> kind.
        titles: canonical person name -> titles written with it, most frequent first.
    """

    entities: tuple[Entity, ...]
    mentions: tuple[tuple[Mention, str], ...]
    kinds: Mapping[str, str]
    titles: Mapping[str, tuple[str, ...]]
    _by_article: Mapping[tuple[str, str], str] = field(repr=False)
    _by_story: Mapping[str, str] = field(repr=False)
    _persons_by_last: Mapping[str, tuple[str, ...]] = field(repr=False)

    def resolve(self, name: str, article_id: str, *, person: bool = False) -> str | None:
        """Return the canonical name of the entity ``name`` refers to in ``article_id``.

        Args:
            name: a surface name, possibly with a title ("Foreign Minister Lavrov").
            article_id: the article it is written in (article-level matches win).
            person: look only for a person; a name never seen as a mention is then matched by
                its last name when exactly one person of the story has it.

        Returns:
            The canonical name, or ``None`` when it is unknown or ambiguous.
        """
        cleaned = clean_surface(name)
        if person:
            cleaned = split_title(cleaned)[1] or cleaned
        key = fold(cleaned)
        found = self._by_article.get((article_id, key)) or self._by_story.get(key)
        if found and (not person or self.kinds.get(found) == "person"):
            return found
        if person and key:
            candidates = self._persons_by_last.get(last_name(cleaned), ())
            first = key.split()[0]
            compatible = [
                c
                for c in candidates
                if len(key.split()) == 1 or first_names_compatible(first, fold(c).split()[0])
            ]
            if len(compatible) == 1:
                return compatible[0]
        return None

    def in_article(self, article_id: str) -> list[tuple[Mention, str]]:
        """The mentions of one article with their canonical names, in text order."""
        return [(m, c) for m, c in self.mentions if m.article_id == article_id]


def collect_mentions(paragraphs: Sequence[Paragraph]) -> list[Mention]:
    """Turn spaCy entities into cleaned mentions, dropping junk.

    Args:
        paragraphs: one article's parsed paragraphs.

    Returns:
        Mentions in text order; offsets are into ``Article.text``.
    """
    out: list[Mention] = []
    for para in paragraphs:
        for ent in para.doc.ents:
            kind = KIND_OF_LABEL.get(ent.label_)
            if kind is None:
                continue
            mention = _mention(para, ent, kind)
            if mention is not None:
                out.append(mention)
    return out


def acronym_definitions(text: str) -> list[tuple[str, str]]:
    """Find "Long Form (LF)" definitions whose initials spell the acronym.

    Returns:
        ``[(acronym, long form)]``; the long form is cut to the shortest trailing run of words
        whose initials spell the acronym ("Intermediate-range Nuclear Forces (INF)").
    """
    found: list[tuple[str, str]] = []
    for match in _ACRONYM_DEF.finditer(text):
        words, acronym = match.group(1).split(), match.group(2)
        for first in range(len(words) - 1, -1, -1):
            candidate = words[first:]
            if candidate[0].lower() in _FUNCTION_WORDS:
                continue
            if acronym.upper() in _initials(candidate):
                found.append((acronym, " ".join(candidate)))
                break
    return found


def build_index(
    mentions: Sequence[Mention],
    articles: Sequence[Article],
    definitions: Sequence[tuple[str, str]] = (),
) -> EntityIndex:
    """Merge mentions into entities.

    Args:
        mentions: every article's mentions.
        articles: the articles, in the order entities list them.
        definitions: ``(acronym, long form)`` pairs found in the texts.

    Returns:
        The entity index.
    """
    order = {a.id: i for i, a in enumerate(articles)}
    mentions = sorted(mentions, key=lambda m: (order.get(m.article_id, len(order)), m.start))
    mentions = _relabel_persons(mentions)
    groups: list[list[Mention]] = _person_groups([m for m in mentions if m.kind == "person"])
    groups += _name_groups([m for m in mentions if m.kind != "person"], definitions)
    entities: list[tuple[Entity, int]] = []
    canonical_of: dict[int, str] = {}
    kinds: dict[str, str] = {}
    titles: dict[str, tuple[str, ...]] = {}
    first_seen = {id(m): i for i, m in enumerate(mentions)}
    for group in groups:
        kind = _group_kind(group)
        name = _canonical(group, kind)
        if kind == "other" and not any(_law_head(m.surface) for m in group):
            continue
        if name in kinds:
            # Two groups ended with one canonical spelling (e.g. a place and an organisation
            # both called "Kremlin"); keep the first, the second gets its kind as a suffix.
            name = f"{name} ({kind})"
        kinds[name] = kind
        for m in group:
            canonical_of[id(m)] = name
        arts = sorted({m.article_id for m in group}, key=lambda a: order.get(a, len(order)))
        variants = list(dict.fromkeys(m.surface for m in group if m.surface != name))
        if kind == "person":
            counted = Counter(m.title for m in group if m.title)
            titles[name] = tuple(t for t, _ in counted.most_common())
        entities.append(
            (
                Entity(name, kind, len(group), tuple(arts), tuple(variants)),
                min(first_seen[id(m)] for m in group),
            )
        )
    entities.sort(key=lambda pair: (-pair[0].mentions, pair[1]))
    kept = tuple((m, canonical_of[id(m)]) for m in mentions if id(m) in canonical_of)
    by_article: dict[tuple[str, str], str] = {}
    story: dict[str, set[str]] = defaultdict(set)
    for m, name in kept:
        key = fold(m.surface)
        by_article.setdefault((m.article_id, key), name)
        story[key].add(name)
    by_last: dict[str, list[str]] = defaultdict(list)
    for name, kind in kinds.items():
        if kind == "person" and len(name.split()) > 1:
            by_last[last_name(name)].append(name)
    return EntityIndex(
        entities=tuple(e for e, _ in entities),
        mentions=kept,
        kinds=MappingProxyType(kinds),
        titles=MappingProxyType(titles),
        _by_article=MappingProxyType(by_article),
        _by_story=MappingProxyType({k: next(iter(v)) for k, v in story.items() if len(v) == 1}),
        _persons_by_last=MappingProxyType({k: tuple(v) for k, v in by_last.items()}),
    )


def find_entities(
    articles: Sequence[Article], paragraphs: Mapping[str, Sequence[Paragraph]]
) -> EntityIndex:
    """The ``spacy-sm.v1`` backend: mentions from spaCy NER, merged by the rules above.

    Args:
        articles: the story's articles.
        paragraphs: each article's parsed paragraphs (see :func:`tidings.analyze._nlp.parse_articles`).

    Returns:
        The entity index.
    """
    mentions: list[Mention] = []
    definitions: list[tuple[str, str]] = []
    for article in articles:
        mentions += collect_mentions(paragraphs.get(article.id, ()))
        definitions += acronym_definitions(article.text)
    return build_index(mentions, articles, definitions)


ENTITY_RECOGNIZERS: Registry[Callable[..., EntityIndex]] = Registry("entity recognizer")
ENTITY_RECOGNIZERS.register(ENTITIES_NAME)(find_entities)


# --- mentions -------------------------------------------------------------------------------


def _mention(para: Paragraph, ent: Span, kind: str) -> Mention | None:
    raw = ent.text
    surface = clean_surface(raw)
    if not surface or is_junk(surface):
        return None
    doc = ent.doc
    title: str | None = None
    if kind == "person":
        if ent.start > 0 and doc[ent.start - 1].lower_ == "the":
            return None  # "the Moon", "the Hague": a PERSON after "the" is not a person's name
        root = ent.root
        if root.dep_ == "compound" and root.head.pos_ == "NOUN" and root.head.i >= ent.end:
            return None  # "the Agi news agency": a name used as a modifier of a common noun
        if (
            ent.start > 0
            and ent.end < len(doc)
            and doc[ent.start - 1].text == "("
            and doc[ent.end].text == ")"
        ):
            return None  # "MOSCOW (Sputnik) -": a dateline's agency, not a person
        written_title, name = split_title(surface)
        if not name or any(ch.isdigit() for ch in name) or len(name.split()) > 5:
            return None
        title = written_title or _title_before(ent) or _title_apposed(ent)
        surface = name
    else:
        words = surface.split()
        # "Kremlin Spokesman" tagged as one ORG: the title words are not part of the name.
        while len(words) > 1 and words[-1].lower() in TITLE_HEADS:
            words.pop()
        surface = " ".join(words)
        if is_junk(surface):
            return None
    start = (
        para.start + ent.start_char + raw.find(surface)
        if surface in raw
        else para.start + ent.start_char
    )
    end = start + len(surface) if surface in raw else para.start + ent.end_char
    subject = any(t.dep_ in ("nsubj", "nsubjpass") for t in ent) or ent.root.head.dep_ in (
        "nsubj",
        "nsubjpass",
    )
    return Mention(para.article_id, start, end, surface, kind, title or None, subject)


def _title_before(ent: Span) -> str | None:
    """The title written just before a person's name ("US Secretary of State" Mike Pompeo)."""
    doc = ent.doc
    i = ent.start - 1
    words: list[str] = []
    while i >= 0:
        tok = doc[i]
        low = tok.lower_
        if low in TITLE_WORDS or low in HONORIFICS or tok.ent_type_ in ("GPE", "NORP", "ORG"):
            words.append(tok.text)
        elif low == "then" or (
            tok.tag_ == "POS" and i > 0 and doc[i - 1].ent_type_ in ("GPE", "ORG")
        ):
            words.append(tok.text_with_ws.strip())
        else:
            break
        i -= 1
    words.reverse()
    while words and words[0].lower() in ("the", "of", "and", "for", "'s", "’s"):
        words.pop(0)
    while words and words[-1].lower() in ("the", "of", "and", "for"):
        words.pop()
    if not any(w.lower() in TITLE_HEADS for w in words):
        return None
    return _join(words)


def _title_apposed(ent: Span) -> str | None:
    """A title in apposition after the name ("Dmitry Peskov, the Kremlin spokesman,")."""
    for child in ent.root.children:
        if child.dep_ == "appos" and child.lower_ in TITLE_HEADS:
            words = [
                t.text
                for t in child.subtree
                if t.i <= child.i and t.pos_ != "DET" and not t.is_punct
            ]
            if 0 < len(words) <= 6:
                return _join(words)
    return None


def _join(words: list[str]) -> str:
    text = " ".join(words)
    return text.replace(" ’s", "’s").replace(" 's", "'s")


# --- merging --------------------------------------------------------------------------------


def _relabel_persons(mentions: list[Mention]) -> list[Mention]:
    """Give every spelling one kind before grouping, so a name never splits into two entities.

    An ORG mention that spells a known person's full name or a full name's surname becomes a
    person (the small model often tags "Lavrov" as an ORG). Any other spelling seen with several
    kinds takes its most frequent kind across the story (a tie goes to the non-person kind: a
    lone capitalised word is more often a product or company than a person).
    """
    fulls = {fold(m.surface) for m in mentions if m.kind == "person" and len(m.surface.split()) > 1}
    surnames = {last_name(name) for name in fulls}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        votes[fold(m.surface)][m.kind] += 1
    priority = {"organization": 0, "place": 1, "other": 2, "person": 3}
    out = []
    for m in mentions:
        key = fold(m.surface)
        kind = m.kind
        if m.kind == "organization" and (key in fulls or key in surnames):
            kind = "person"
        elif len(votes[key]) > 1 and key not in fulls and key not in surnames:
            kind = min(votes[key], key=lambda k: (-votes[key][k], priority[k]))
        if kind != m.kind:
            m = Mention(
                m.article_id,
                m.start,
                m.end,
                m.surface,
                kind,
                m.title if kind == "person" else None,
                m.subject,
            )
        out.append(m)
    return out


def _person_groups(mentions: list[Mention]) -> list[list[Mention]]:
    full = [m for m in mentions if len(m.surface.split()) > 1]
    forms = list(dict.fromkeys(fold(m.surface) for m in full))
    parent = {f: f for f in forms}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_last: dict[str, list[str]] = defaultdict(list)
    for f in forms:
        by_last[last_name(f)].append(f)
    lasts = list(by_last)
    for i, a in enumerate(lasts):
        # Last names one edit apart (Shoigu / Shoygu fold alike; Gorbachev / Gorbachov do not)
        # are the same family name when long enough to make a coincidence unlikely.
        for b in lasts[i + 1 :]:
            if min(len(a), len(b)) >= 6 and edit_distance(a, b) <= 1:
                by_last[a] += by_last[b]
                by_last[b] = []
    for same in by_last.values():
        for i, a in enumerate(same):
            for b in same[i + 1 :]:
                if first_names_compatible(a.split()[0], b.split()[0]):
                    parent[find(b)] = find(a)
    clusters: dict[str, list[Mention]] = defaultdict(list)
    for m in full:
        clusters[find(fold(m.surface))].append(m)
    cluster_last = {root: last_name(ms[0].surface) for root, ms in clusters.items()}
    singles: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        if len(m.surface.split()) > 1:
            continue
        key = fold(m.surface)
        in_article = {
            root
            for root, ms in clusters.items()
            if cluster_last[root] == key and any(x.article_id == m.article_id for x in ms)
        }
        in_story = {root for root in clusters if cluster_last[root] == key}
        target = in_article if len(in_article) == 1 else in_story
        if len(target) == 1:
            clusters[next(iter(target))].append(m)
        else:
            # No full name, or several people share it: the bare name stays on its own.
            singles[key].append(m)
    return list(clusters.values()) + list(singles.values())


def _name_groups(
    mentions: list[Mention], definitions: Sequence[tuple[str, str]]
) -> list[list[Mention]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    def cls(m: Mention) -> str:
        return "place" if m.kind == "place" else "name"

    for m in mentions:
        keys = [f"{cls(m)}:{k}" for k in _keys(m.surface)]
        for k in keys[1:]:
            union(keys[0], k)
        find(keys[0])
    # Acronyms: a short all-capitals name joins the one long name whose initials spell it.
    long_acronyms: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        for acr in _acronyms(m.surface):
            long_acronyms[f"{cls(m)}:{acr}"].add(find(f"{cls(m)}:{_norm(m.surface)}"))
    for acronym, long_form in definitions:
        for c in ("name", "place"):
            long_acronyms[f"{c}:{acronym.lower()}"].add(find(f"{c}:{_norm(long_form)}"))
            union(f"{c}:{acronym.lower()}", f"{c}:{_norm(long_form)}")
    for m in mentions:
        short = _short_form(m.surface)
        if short is None:
            continue
        key = f"{cls(m)}:{short}"
        roots = {find(r) for r in long_acronyms.get(key, ())}
        if len(roots) == 1:
            union(f"{cls(m)}:{_norm(m.surface)}", next(iter(roots)))
    clusters: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        clusters[find(f"{cls(m)}:{_norm(m.surface)}")].append(m)
    return list(clusters.values())


def _norm(surface: str) -> str:
    text = surface.lower().replace(".", "").replace("’", "'")
    text = re.sub(r"[-/]", " ", text)
    text = re.sub(r"\s*\([^)]*\)\s*", " ", text)
    text = re.sub(r"[^\w\s&']", "", text)
    return " ".join(text.split())


def _keys(surface: str) -> list[str]:
    norm = _norm(surface)
    keys = [norm]
    if norm in _PLACE_ALIASES:
        keys.append(_PLACE_ALIASES[norm])
    words = norm.split()
    if len(words) >= 2 and words[-1] in LAW_HEADS:
        keys.append(" ".join(words[:-1]))
    # "Intermediate-range Nuclear Forces (INF) Treaty": the parenthetical is an alias.
    inner = re.search(r"\(([A-Z][A-Za-z&]{1,9})\)", surface)
    if inner:
        keys.append(inner.group(1).lower())
    return keys


def _initials(words: Sequence[str]) -> set[str]:
    """Acronyms a run of words can spell: by words, and by hyphen parts."""
    content = [w for w in words if w.lower() not in _FUNCTION_WORDS]
    by_word = "".join(w[0] for w in content if w[:1].isalpha()).upper()
    by_part = "".join(p[0] for w in content for p in w.split("-") if p[:1].isalpha()).upper()
    return {by_word, by_part}


def _acronyms(surface: str) -> set[str]:
    """Lower-case acronyms of a long (multi-word, not all-capitals) name, with and without its head."""
    words = re.sub(r"\s*\([^)]*\)\s*", " ", surface).split()
    if len(words) < 2 or any(len(w) > 1 and w.isupper() for w in words):
        return set()
    out = {a.lower() for a in _initials(words) if len(a) >= 2}
    if words[-1].lower() in LAW_HEADS and len(words) >= 3:
        out |= {a.lower() for a in _initials(words[:-1]) if len(a) >= 2}
    return out


def _short_form(surface: str) -> str | None:
    """The acronym of a short name ("INF", "INF Treaty" -> "inf"), else ``None``."""
    words = surface.replace(".", "").split()
    if words and words[-1].lower() in LAW_HEADS:
        words = words[:-1]
    if len(words) == 1 and len(words[0]) >= 2 and words[0].isupper() and words[0].isalpha():
        return words[0].lower()
    return None


def _law_head(surface: str) -> bool:
    words = surface.lower().split()
    return bool(words) and words[-1] in LAW_HEADS


def _group_kind(group: list[Mention]) -> str:
    if any(_law_head(m.surface) for m in group) and all(m.kind != "person" for m in group):
        return "other"
    counts = Counter(m.kind for m in group)
    priority = {"person": 0, "organization": 1, "place": 2, "other": 3}
    return min(counts, key=lambda k: (-counts[k], priority[k]))


def _canonical(group: list[Mention], kind: str) -> str:
    counts = Counter(m.surface for m in group)
    first = {s: i for i, s in reversed(list(enumerate(m.surface for m in group)))}
    if kind == "person":
        full = [s for s in counts if len(s.split()) > 1]
        pool = full or list(counts)
        return min(pool, key=lambda s: (-counts[s], first[s]))
    pool = [s for s in counts if "(" not in s] or list(counts)
    return min(pool, key=lambda s: (-len(s.split()), s.isupper(), -counts[s], first[s]))
