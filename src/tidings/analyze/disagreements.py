"""Disagreements: claims and denials, accusations and counter-accusations, conflicting figures.

Backend ``disagreement-rules.v1``. Precision comes first: an item is listed only when a reader
would agree it is a real disagreement, so every rule needs a cue, two distinct parties and a
shared topic.

1. **Stances.** Each sentence (outside quotation marks) is read with the dependency parse:

   * *accuse*: "A accused B of ...", "A blamed B", or a reporting verb ("said", "stated",
     "claimed", "noting") whose complement says B did wrong ("violating", "breach",
     "prohibited", "illegal"), or a noun ("US claims about Russian violations", "alleged
     Russian violations").
   * *claim*: "A said that B ..." without a wrongdoing word; usable only as the claim a
     denial answers, never as an accusation.
   * *deny*: "B denies/rejected/dismissed/refuted ..." with a claim-like object ("the
     accusations", "it has violated ..."), or "B insists it complied"; a denial of "the
     accusations" also carries the topic of the sentence before it.

   Parties are countries and organisations, found from NER and a short table of capitals,
   demonyms and seats of government ("Moscow", "the Kremlin", "Russian authorities" -> Russia;
   "Washington", "the White House" -> United States); a person speaks for the party in their
   title ("US President Donald Trump" -> United States), else for themself.
2. **Pairs.** A *denial* disagreement joins claims or accusations against B with B's denials;
   an *accusation* disagreement joins A's accusations against B with B's against A. Two stances
   are linked only when their sentences share at least two topic words (content stems, with
   party names, cue words and datelines removed, "agreement"/"deal"/"pact" read as "treaty",
   the wrongdoing words as one); linked stances form one disagreement with one side per party.
   A plain claim is weaker evidence: it answers only a denial that says what it denies ("deny
   they recruited Ebner"), and must contain every content word of that (or share three words
   with the denial); "rejected the claim" and "insists it complied" answer accusations only,
   and a sentence reporting a denial is never a claim.
3. **Figures.** A count of something ("2,000 residents were evacuated") is keyed by its noun,
   its verb, its role (who acted or who was acted on) and the noun's own modifiers ("109
   people on board" is not "113 people"); the same key with incompatible numbers in different
   articles is a disagreement ("about 2,000" and "2,100" agree; "more than 2,000" and "1,500"
   do not), only when the two sentences name a common entity, share another content word, do
   not name different places or years, and the numbers are within a factor of three (so "11
   killed" in one embassy is not set against "247 killed" in another). Counts under three,
   time spans, measures, ranges, changes ("rose to") and sentences giving two counts of one
   kind ("10 killed in Tanzania, 224 in Kenya") are left out. These rules come from reading
   the output on DUC 2006 clusters, where a noun-and-verb key alone listed "employs 1,400
   people" against "employs only 23 people" at another casino; death tolls that change
   between reports ("killed five" / "killed seven") are still listed, as they do conflict.

Topics are short labels built from the parties, the shared words and the most mentioned
non-party entity ("whether Russia violated the INF Treaty").

Cost: one pass over the parse, plus a comparison of stances that share a party.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..records import Article, Citation, Disagreement, DisagreementSide, Sentence
from ..registry import Registry
from ..textutil import NUMBER_WORDS, STOPWORDS, stem
from ._topics import WRONGDOING, fold_stem, topic_stems
from .quotes import quote_spans

if TYPE_CHECKING:
    from spacy.tokens import Token

    from ._nlp import Paragraph
    from .entities import EntityIndex

__all__ = [
    "DISAGREEMENTS_NAME",
    "DISAGREEMENT_FINDERS",
    "Figure",
    "Stance",
    "find_disagreements",
    "find_figures",
    "find_stances",
    "party_of",
]

DISAGREEMENTS_NAME = "disagreement-rules.v1"

# Countries, blocs and their usual metonyms in English news. Anything else that NER tags as a
# place or an organisation is a party under its own canonical name.
_PARTY_TABLE: Mapping[str, tuple[str, ...]] = {
    "United States": (
        "us",
        "u.s.",
        "usa",
        "u.s.a.",
        "united states",
        "america",
        "american",
        "americans",
        "washington",
        "white house",
        "pentagon",
        "state department",
        "trump administration",
        "obama administration",
        "biden administration",
        "bush administration",
    ),
    "Russia": ("russia", "russian", "russians", "moscow", "kremlin", "russian federation"),
    "China": ("china", "chinese", "beijing"),
    "United Kingdom": (
        "uk",
        "u.k.",
        "britain",
        "united kingdom",
        "british",
        "london",
        "downing street",
    ),
    "Ukraine": ("ukraine", "ukrainian", "ukrainians", "kyiv", "kiev"),
    "European Union": ("eu", "european union", "brussels"),
    "NATO": ("nato", "north atlantic treaty organization", "alliance"),
    "Iran": ("iran", "iranian", "iranians", "tehran"),
    "Israel": ("israel", "israeli", "israelis"),
    "North Korea": ("north korea", "north korean", "pyongyang"),
    "South Korea": ("south korea", "south korean", "seoul"),
    "France": ("france", "french", "paris", "elysee"),
    "Germany": ("germany", "german", "germans", "berlin"),
    "Japan": ("japan", "japanese", "tokyo"),
    "India": ("india", "indian", "new delhi"),
    "Pakistan": ("pakistan", "pakistani", "islamabad"),
    "Turkey": ("turkey", "turkish", "ankara"),
    "Syria": ("syria", "syrian", "damascus"),
    "Saudi Arabia": ("saudi arabia", "saudi", "riyadh"),
    "Soviet Union": ("soviet union", "ussr", "soviet"),
}
_ALIAS: Mapping[str, str] = MappingProxyType(
    {alias: party for party, aliases in _PARTY_TABLE.items() for alias in aliases}
)
_DENY_VERBS = frozenset(
    """deny reject dismiss refute rebuff dispute contest repudiate
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_CLAIM_NOUNS = frozenset(
    """accusation allegation claim charge report suggestion assertion it this that them these those
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_ACCUSE_VERBS = frozenset({"accuse", "blame"})
_REPORT_VERBS = frozenset(
    """say state note claim allege insist argue assert maintain contend suggest point charge stress
    emphasize emphasise warn announce declare add tell explain
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_COMPLY = ("compli", "adher", "abid", "honour", "honor")
_WRONG = WRONGDOING
_CUE_STEMS = frozenset(
    stem(w)
    for w in """deny denies denied reject dismiss refute accuse accusation allegation alleged claim
    claims said say state stated note noting insist argue also repeatedly particular turn many
    times official officials report reports statement spokesman spokeswoman news agency told
    today monday tuesday wednesday thursday friday saturday sunday""".split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_UNIT_NOUNS = frozenset(
    """day week month year decade hour minute second century time percent percentage point km
    kilometer kilometre mile meter metre foot feet inch ton tonne kg kilogram pound dollar euro
    cent yen rouble ruble degree range
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_CHANGE_VERBS = frozenset(
    """rise increase climb grow fall drop jump reach double triple decline soar surge
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_MULTIPLIERS = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "dozen": 12.0,
    "hundred": 100.0,
}
_AT_LEAST = frozenset({"more", "over", "least", "exceeding", "above"})
_AT_MOST = frozenset({"less", "fewer", "under", "most", "below"})
_ABOUT = frozenset(
    {"about", "around", "nearly", "almost", "roughly", "approximately", "some", "estimated", "up"}
)
_SHARED_TO_LINK = 2
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,}(?:,\s*[A-Z][\w .]*?)?(?:,\s*\w+\.? \d{1,2})?\s*(?:\([^)]{2,30}\))?\s*(?:--|—|_|-)\s+"
)
# Counts of one quantity reported differently stay within one order of magnitude ("213" /
# "247" / "258 killed"); "11 killed" against "247 killed" are two different events.
_MAX_RATIO = 3.0
_MIN_FIGURE = 3.0
_APPROX = 0.15


@dataclass(frozen=True, slots=True)
class Stance:
    """One party's position in one sentence.

    Attributes:
        article_id: the article.
        sentence: the sentence that states it (the citation).
        act: ``accuse``, ``claim`` or ``deny``.
        actor: the party taking the position (``None`` when unknown).
        target: for ``accuse``/``claim``, the party it is about.
        stems: the topic words (normalised content stems).
        position: (article's index in the story, sentence offset), for reading order.
        gist: for a denial of a clause, what is denied, without its subject ("was expanding
            settlements"), used to name the topic.
        own: for a denial of "the accusations" or "such claims", the topic words of its own
            sentence (``stems`` then also holds the previous sentence's).
        implicit: a denial by assertion ("insisted it complied"), which answers accusations
            only, never plain claims.
    """

    article_id: str
    sentence: Sentence
    act: str
    actor: str | None
    target: str | None
    stems: frozenset[str]
    position: tuple[int, int] = (0, 0)
    gist: str | None = None
    own: frozenset[str] | None = None
    implicit: bool = False


@dataclass(frozen=True, slots=True)
class Figure:
    """A count stated in one sentence: ``value`` of ``noun`` (bounded by ``bound``)."""

    article_id: str
    sentence: Sentence
    noun: str
    verb: str
    key: tuple[str, ...]
    value: float
    bound: str  # "exact", "about", "at-least", "at-most"
    places: frozenset[str]
    entities: frozenset[str] = frozenset()
    stems: frozenset[str] = frozenset()
    years: frozenset[str] = frozenset()


def find_disagreements(
    articles: Sequence[Article],
    paragraphs: Mapping[str, Sequence[Paragraph]],
    index: EntityIndex,
    source_keys: Mapping[str, str],
) -> tuple[Disagreement, ...]:
    """The ``disagreement-rules.v1`` backend.

    Args:
        articles: the story's articles.
        paragraphs: each article's parsed paragraphs.
        index: the story's entities (parties, person titles, topic objects).
        source_keys: article id -> independent source label (fills ``outlets``).

    Returns:
        Denials first, then accusations, then conflicting figures; each with two or more
        sides, every side cited.
    """
    stances = find_stances(articles, paragraphs, index)
    out = _denials(stances, index, source_keys) + _accusations(stances, index, source_keys)
    out += _conflicting_figures(find_figures(articles, paragraphs, index), source_keys)
    return tuple(out)


DISAGREEMENT_FINDERS: Registry[Callable[..., tuple[Disagreement, ...]]] = Registry(
    "disagreement finder"
)
DISAGREEMENT_FINDERS.register(DISAGREEMENTS_NAME)(find_disagreements)


# --- parties --------------------------------------------------------------------------------


def party_of(tokens: Iterable[Token], index: EntityIndex, article_id: str) -> set[str]:
    """The parties a noun phrase names ("Russian authorities" -> {"Russia"}).

    Args:
        tokens: the phrase's tokens.
        index: the story's entities (person titles give a person's party).
        article_id: the article, for name resolution.

    Returns:
        Canonical party names; empty when the phrase names none.
    """
    toks = list(tokens)
    if not toks:
        return set()
    doc = toks[0].doc
    lo, hi = min(t.i for t in toks), max(t.i for t in toks)
    parties: set[str] = set()
    covered: set[int] = set()
    for ent in doc.ents:
        if ent.start < lo or ent.end - 1 > hi:
            continue
        covered.update(range(ent.start, ent.end))
        text = ent.text.lower().removeprefix("the ").replace("’s", "").replace("'s", "").strip()
        if text in _ALIAS:
            parties.add(_ALIAS[text])
        elif ent.label_ == "PERSON" or (
            ent.label_ == "ORG" and index.resolve(ent.text, article_id, person=True)
        ):
            person = index.resolve(ent.text, article_id, person=True)
            if person:
                parties.add(_person_party(person, index))
        elif ent.label_ in ("GPE", "ORG", "NORP", "LOC"):
            name = index.resolve(ent.text, article_id)
            parties.add(_ALIAS.get((name or "").lower(), name or ent.text.removeprefix("the ")))
    for t in toks:
        if t.i in covered:
            continue
        low = t.lower_
        two = f"{low} {doc[t.i + 1].lower_}" if t.i + 1 <= hi else ""
        if two in _ALIAS:
            parties.add(_ALIAS[two])
        elif low in _ALIAS and (t.pos_ in ("PROPN", "ADJ") or t.text[:1].isupper()):
            parties.add(_ALIAS[low])
    return parties


def _person_party(person: str, index: EntityIndex) -> str:
    for title in index.titles.get(person, ()):
        low = title.lower()
        for alias, party in _ALIAS.items():
            if re.search(rf"(?<![\w.]){re.escape(alias)}(?![\w.])", low):
                return party
    return person


def _np(head: Token) -> list[Token]:
    """The noun phrase a head stands for, without relative clauses or appositions."""
    cut = {
        c.i
        for c in head.children
        if c.dep_ in ("relcl", "acl", "appos", "punct", "prep") and c.i > head.i
    }
    out = [t for t in head.subtree if not any(a.i in cut for a in [t, *t.ancestors])]
    return out


def _subject(verb: Token) -> Token | None:
    """The verb's subject, climbing from a participle ("accusing", "noting") to its clause."""
    node = verb
    for _ in range(4):
        for child in node.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
        if (
            node.dep_ in ("advcl", "xcomp", "conj", "pcomp", "acl", "relcl")
            and node.head is not node
        ):
            node = node.head
            continue
        break
    return None


# --- stances --------------------------------------------------------------------------------


def find_stances(
    articles: Sequence[Article],
    paragraphs: Mapping[str, Sequence[Paragraph]],
    index: EntityIndex,
) -> list[Stance]:
    """Read accusations, claims and denials from every sentence.

    Args:
        articles: the articles.
        paragraphs: each article's parsed paragraphs.
        index: the story's entities.

    Returns:
        Stances in article order, then text order.
    """
    out: list[Stance] = []
    for rank, article in enumerate(articles):
        previous: frozenset[str] = frozenset()
        for para in paragraphs.get(article.id, ()):
            quoted = [
                (q.open, q.close)
                for q in quote_spans(article.text, para.start, para.start + len(para.doc.text))
            ]
            for sentence in para.sentences:
                body = sentence.start + _dateline_length(sentence.text)
                tokens = [
                    t
                    for t in para.tokens_between(body, sentence.end)
                    if not any(a <= para.offset(t) < b for a, b in quoted)
                ]
                stems = _topic_stems(tokens)
                for stance in _sentence_stances(
                    article.id, sentence, tokens, stems, previous, index
                ):
                    out.append(replace(stance, position=(rank, sentence.start)))
                previous = stems
    return out


def _dateline_length(text: str) -> int:
    """Length of a wire dateline opening the sentence ("MOSCOW, October 19 (Xinhua) -- ")."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


def _topic_stems(tokens: Sequence[Token]) -> frozenset[str]:
    out = set()
    for t in tokens:
        low = t.lower_
        if t.is_punct or t.like_num or low in STOPWORDS or len(low) < 3:
            continue
        if t.ent_type_ in ("PERSON", "GPE", "NORP", "DATE", "CARDINAL", "ORDINAL") or low in _ALIAS:
            continue
        s = fold_stem(stem(low))
        if s not in _CUE_STEMS:
            out.add(s)
    return frozenset(out)


def _has(tokens: Iterable[Token], prefixes: tuple[str, ...]) -> bool:
    return any(stem(t.lower_).startswith(prefixes) for t in tokens)


def _sentence_stances(
    article_id: str,
    sentence: Sentence,
    tokens: list[Token],
    stems: frozenset[str],
    previous: frozenset[str],
    index: EntityIndex,
) -> list[Stance]:
    out: list[Stance] = []
    inside = {t.i for t in tokens}
    mentioned = party_of(tokens, index, article_id) if tokens else set()

    def parties(head: Token | None) -> set[str]:
        # Only words of the sentence proper: a dateline ("UNITED NATIONS (AP) _") the parser
        # attached to the subject is not a party to anything.
        if head is None:
            return set()
        return party_of([t for t in _np(head) if t.i in inside], index, article_id)

    def add(
        act: str,
        actor: str | None,
        target: str | None,
        topic: frozenset[str] = stems,
        gist: str | None = None,
        own: frozenset[str] | None = None,
        implicit: bool = False,
    ) -> None:
        out.append(
            Stance(
                article_id,
                sentence,
                act,
                actor,
                target,
                topic,
                gist=gist,
                own=own,
                implicit=implicit,
            )
        )

    # A sentence that reports a denial ("had signed an affidavit denying ...") makes no plain
    # claim of its own, whatever its reporting verb.
    reports_denial = any(x.lemma_.lower() in _DENY_VERBS for x in tokens)
    for t in tokens:
        lemma = t.lemma_.lower()
        if lemma == "allege" and t.dep_ == "amod" and _has([t.head], _WRONG):
            # "alleged Russian violations": the target is named; the accuser is the one other
            # party of the sentence, when there is exactly one.
            targets = party_of(t.head.subtree, index, article_id)
            if len(targets) == 1:
                target = next(iter(targets))
                others = mentioned - {target}
                add("accuse", next(iter(others)) if len(others) == 1 else None, target)
            continue
        if t.pos_ == "VERB" and lemma in _DENY_VERBS:
            objects = [c for c in t.children if c.dep_ in ("dobj", "nsubjpass")]
            clauses = [c for c in t.children if c.dep_ in ("ccomp", "xcomp")]
            claimish = any(o.lemma_.lower() in _CLAIM_NOUNS for o in objects)
            wrong = any(_has(o.subtree, _WRONG) for o in objects) or any(
                _has(c.subtree, _WRONG) for c in clauses
            )
            if lemma in ("deny", "dispute", "refute") and not (objects or clauses):
                continue
            if not (claimish or wrong or (lemma in ("deny", "refute") and clauses)):
                continue
            actors = parties(_subject(t))
            if len(actors) == 1:
                anaphoric = claimish and not wrong
                gist = _gist(clauses[0]) if clauses and clauses[0].dep_ == "ccomp" else None
                if anaphoric:
                    add("deny", next(iter(actors)), None, stems | previous, gist, own=stems)
                else:
                    add("deny", next(iter(actors)), None, stems, gist)
            continue
        if t.pos_ == "VERB" and lemma in _ACCUSE_VERBS:
            objects = [c for c in t.children if c.dep_ == "dobj"]
            if not objects or any(o.lower_ in ("other", "another") for o in objects):
                continue  # "accused each other": mutual, no side of its own
            actors = parties(_subject(t))
            targets = set().union(*(parties(o) for o in objects)) | set().union(
                *(parties(c) for o in objects for c in o.conjuncts)
            )
            if len(actors) == 1:
                actor = next(iter(actors))
                for target in sorted(targets - {actor}):
                    add("accuse", actor, target)
            continue
        if t.pos_ == "VERB" and lemma in _REPORT_VERBS:
            clauses = [c for c in t.children if c.dep_ == "ccomp" and c.i in inside]
            if not clauses:
                continue
            clause = clauses[0]
            actors = parties(_subject(t))
            if len(actors) != 1:
                continue
            actor = next(iter(actors))
            subject = _subject(clause)
            negated = any(c.dep_ == "neg" for c in clause.children)
            own = subject is not None and (
                subject.lower_ in ("it", "we", "they")
                or any(c.lower_ in ("its", "our", "their") for c in subject.children)
                or parties(subject) == {actor}
            )
            if own and _has(clause.subtree, _COMPLY) and not negated:
                # "insisted it complied" denies a violation without naming one.
                add("deny", actor, None, stems | {"violat"}, implicit=True)
                continue
            if own and negated and _has(clause.subtree, _WRONG):
                add("deny", actor, None)
                continue
            targets = parties(subject) - {actor}
            wrongdoing = _has((x for x in tokens if x.i > t.i), _WRONG) and not negated
            if not targets and wrongdoing:
                # "missiles that the US claims breach the deal": an accusation may name its
                # target elsewhere in the sentence; a plain claim must name it as the subject.
                others = mentioned - {actor}
                targets = others if len(others) == 1 else set()
            if len(targets) != 1 or (reports_denial and not wrongdoing):
                continue
            add("accuse" if wrongdoing else "claim", actor, next(iter(targets)))
            continue
        if t.pos_ == "NOUN" and lemma in ("claim", "accusation", "allegation", "charge"):
            actor_tokens = [c for c in t.children if c.dep_ in ("poss", "compound", "amod", "nmod")]
            actors = (
                set().union(*(party_of(c.subtree, index, article_id) for c in actor_tokens))
                if actor_tokens
                else set()
            )
            scope = list(t.subtree) + (
                list(t.head.subtree) if t.dep_ in ("nsubj", "nsubjpass") else []
            )
            if len(actors) != 1 or not _has(scope, _WRONG):
                continue
            actor = next(iter(actors))
            targets = party_of(
                [x for x in scope if x.i not in {a.i for c in actor_tokens for a in c.subtree}],
                index,
                article_id,
            ) - {actor}
            if not targets:
                others = mentioned - {actor}
                targets = others if len(others) == 1 else set()
            if len(targets) == 1:
                add("accuse", actor, next(iter(targets)))
    # One sentence can reach the same stance twice ("announced ..., accusing Moscow of ...").
    return list({(x.act, x.actor, x.target): x for x in out}.values())


# --- pairing --------------------------------------------------------------------------------


def _components(
    nodes: list[Stance], linked: Callable[[Stance, Stance], bool]
) -> list[list[Stance]]:
    parent = list(range(len(nodes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in range(len(nodes)):
        for j in range(i + 1, len(nodes)):
            if linked(nodes[i], nodes[j]):
                parent[find(j)] = find(i)
    groups: dict[int, list[Stance]] = defaultdict(list)
    for i, node in enumerate(nodes):
        groups[find(i)].append(node)
    return list(groups.values())


def _shared(a: Stance, b: Stance, need: int = _SHARED_TO_LINK) -> bool:
    """Whether two stances are about one topic.

    A denial of "the accusations" borrows the previous sentence's words; it links with a claim
    among the two sentences before it, but with any other claim only through its own words.
    """
    if a.sentence == b.sentence:
        return False
    for x, y in ((a, b), (b, a)):
        if x.own is not None:
            near = x.article_id == y.article_id and 0 < x.sentence.index - y.sentence.index <= 2
            return len((x.stems if near else x.own) & y.stems) >= need
    return len(a.stems & b.stems) >= need


def _denials(
    stances: list[Stance], index: EntityIndex, keys: Mapping[str, str]
) -> list[Disagreement]:
    out: list[Disagreement] = []
    denied_by = sorted({s.actor for s in stances if s.act == "deny" and s.actor})
    for party in denied_by:
        # A sentence that reports the party's own denial ("signed an affidavit denying ...")
        # is not a claim against it, whatever else it says.
        denying = {
            (s.article_id, s.sentence.start)
            for s in stances
            if s.act == "deny" and s.actor == party
        }
        nodes = [
            s
            for s in stances
            if (s.act == "deny" and s.actor == party)
            or (
                s.act != "deny"
                and s.target == party
                and s.actor != party
                and (s.article_id, s.sentence.start) not in denying
            )
        ]

        def linked(a: Stance, b: Stance) -> bool:
            if (a.act == "deny") == (b.act == "deny"):
                return False
            denial, other = (a, b) if a.act == "deny" else (b, a)
            if other.act == "claim":
                # A plain claim ("A said B did X") is weaker evidence than an accusation: it
                # answers only a denial that says what it denies ("deny they recruited
                # Ebner"), never "rejected the claim" or "insists it complied", and must
                # state every content word of what is denied, or share three words with it.
                if denial.gist is None or denial.implicit or a.sentence == b.sentence:
                    return False
                denied = topic_stems(denial.gist)
                return (len(denied) >= 2 and denied <= other.stems) or _shared(a, b, need=3)
            return _shared(a, b)

        for group in _components(nodes, linked):
            claims = [s for s in group if s.act != "deny"]
            denials = [s for s in group if s.act == "deny"]
            if not claims or not denials:
                continue
            denial_sentences = {d.sentence for d in denials}
            claims = [c for c in claims if c.sentence not in denial_sentences]
            if not claims:
                continue
            shared = (
                frozenset.intersection(*(c.stems for c in claims))
                if len(claims) == 1
                else _common(claims + denials)
            )
            obj = _topic_object(group, index)
            if "violat" in shared or any("violat" in c.stems for c in claims):
                topic = (
                    f"whether {party} violated {obj}"
                    if obj
                    else f"whether {party} violated its obligations"
                )
            else:
                gist = next((d.gist for d in denials if d.gist), None)
                topic = (
                    f"whether {party} {gist}" if gist else f"{party}: {_words(claims[0], shared)}"
                )
            out.append(Disagreement(topic, "denial", (_side(claims, keys), _side(denials, keys))))
    return out


def _accusations(
    stances: list[Stance], index: EntityIndex, keys: Mapping[str, str]
) -> list[Disagreement]:
    accusations = [s for s in stances if s.act == "accuse" and s.actor and s.target]
    pairs = sorted({tuple(sorted((s.actor or "", s.target or ""))) for s in accusations})
    out: list[Disagreement] = []
    for a, b in pairs:
        nodes = [s for s in accusations if {s.actor, s.target} == {a, b}]

        def linked(x: Stance, y: Stance) -> bool:
            return x.actor != y.actor and _shared(x, y)

        for group in _components(nodes, linked):
            by_actor: dict[str, list[Stance]] = defaultdict(list)
            for s in group:
                by_actor[s.actor or ""].append(s)
            if len(by_actor) < 2:
                continue
            sides = sorted(by_actor.items(), key=lambda kv: min(_position(s) for s in kv[1]))
            first, second = sides[0][0], sides[1][0]
            obj = _topic_object(group, index)
            violat = all(any("violat" in s.stems for s in ss) for _, ss in sides)
            if violat:
                topic = f"{first} and {second} accuse each other of violating {obj or 'their obligations'}"
            else:
                topic = f"{first} and {second} accuse each other: {_words(sides[0][1][0], _common(group))}"
            out.append(Disagreement(topic, "accusation", tuple(_side(ss, keys) for _, ss in sides)))
    return out


def _gist(clause: Token, limit: int = 10) -> str | None:
    """A denied clause without its subject and side clauses: "was expanding settlements"."""
    drop: set[int] = set()
    for t in clause.subtree:
        own = t.head.i == clause.i and t.dep_ in (
            "nsubj",
            "nsubjpass",
            "mark",
            "punct",
            "cc",
            "conj",
        )
        if t.i != clause.i and (own or t.dep_ in ("relcl", "appos", "advcl")):
            drop.update(x.i for x in t.subtree)
    words = [t.text for t in clause.subtree if t.i not in drop]
    while words and not words[-1][:1].isalnum():
        words.pop()
    return " ".join(words) if 2 <= len(words) <= limit else None


def _position(s: Stance) -> tuple[int, int]:
    return s.position


def _common(group: list[Stance]) -> frozenset[str]:
    counts = Counter(x for s in group for x in s.stems)
    return frozenset(x for x, n in counts.items() if n >= 2)


def _words(stance: Stance, stems: frozenset[str]) -> str:
    seen: list[str] = []
    for word in re.findall(r"[A-Za-z][\w\-]*", stance.sentence.text):
        s = fold_stem(stem(word.lower()))
        if s in stems and word.lower() not in (w.lower() for w in seen):
            seen.append(word)
    return " ".join(seen[:5]) or "disputed claims"


def _topic_object(group: list[Stance], index: EntityIndex) -> str | None:
    """The most mentioned non-party entity in the group's sentences, by its most used spelling."""
    spans = {(s.article_id, s.sentence.start, s.sentence.end) for s in group}
    counts: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for mention, name in index.mentions:
        if mention.kind not in ("organization", "other"):
            continue
        if any(a == mention.article_id and s <= mention.start < e for a, s, e in spans):
            if name.lower() in _ALIAS or mention.surface.lower() in _ALIAS:
                continue
            counts[name] += 1
            surfaces[name][mention.surface] += 1
    if not counts:
        return None
    best = counts.most_common(1)[0][0]
    surface = surfaces[best].most_common(1)[0][0]
    return (
        f"the {surface}"
        if index.kinds.get(best) == "other" and not surface.lower().startswith("the ")
        else surface
    )


def _side(stances: Sequence[Stance], keys: Mapping[str, str]) -> DisagreementSide:
    ordered = sorted(stances, key=_position)
    citations = tuple(
        dict.fromkeys(Citation(s.article_id, s.sentence.start, s.sentence.end) for s in ordered)
    )
    texts = {(s.article_id, s.sentence.start): s.sentence.text for s in ordered}
    long_enough = [s for s in ordered if len(s.sentence.text.split()) >= 6] or list(ordered)
    lead = min(long_enough, key=lambda s: len(s.sentence.text))
    claim = texts[(lead.article_id, lead.sentence.start)]
    lead_citation = Citation(lead.article_id, lead.sentence.start, lead.sentence.end)
    citations = (lead_citation, *(c for c in citations if c != lead_citation))
    outlets = tuple(dict.fromkeys(keys.get(c.article, c.article) for c in citations))
    return DisagreementSide(claim, citations, outlets)


# --- figures --------------------------------------------------------------------------------


def find_figures(
    articles: Sequence[Article],
    paragraphs: Mapping[str, Sequence[Paragraph]],
    index: EntityIndex,
) -> list[Figure]:
    """Counts of things stated in the articles ("2,000 residents were evacuated").

    Args:
        articles: the articles.
        paragraphs: each article's parsed paragraphs.
        index: the story's entities (to tell places apart).

    Returns:
        Figures in article order.
    """
    out: list[Figure] = []
    for article in articles:
        mentions = index.in_article(article.id)
        for para in paragraphs.get(article.id, ()):
            for sentence in para.sentences:
                tokens = para.tokens_between(sentence.start, sentence.end)
                named = [
                    (m, name) for m, name in mentions if sentence.start <= m.start < sentence.end
                ]
                places = frozenset(name for m, name in named if m.kind == "place")
                entities = frozenset(name for _, name in named)
                stems = _topic_stems(tokens)
                found = [f for f in (_figure(article.id, sentence, t, places) for t in tokens) if f]
                repeated = {k for k, n in Counter(f.key for f in found).items() if n > 1}
                # A sentence that gives two counts of one kind compares events ("10 killed in
                # Tanzania, 224 in Kenya"); none of them is the story's single figure.
                years = frozenset(re.findall(r"\b(?:1[89]|20)\d\d\b", sentence.text))
                out += [
                    replace(f, entities=entities, stems=stems, years=years)
                    for f in found
                    if f.key not in repeated
                ]
    return out


def _figure(
    article_id: str, sentence: Sentence, number: Token, places: frozenset[str]
) -> Figure | None:
    if number.dep_ != "nummod" or not (number.like_num or number.lower_ in _MULTIPLIERS):
        return None
    noun = number.head
    if noun.pos_ != "NOUN" or noun.lemma_.lower() in _UNIT_NOUNS:
        return None
    phrase = [t for t in number.subtree]
    if (
        any(t.lower_ in ("between", "to", "-", "–", "and", "or") for t in phrase)
        or "-" in number.text
    ):
        return None  # a range or a list, not one figure
    if any(c.dep_ == "conj" and c.like_num for c in number.children):
        return None
    value = _value(phrase)
    if value is None or (number.text.isdigit() and len(number.text) == 4 and 1800 <= value <= 2100):
        return None
    if noun.dep_ in ("nsubj", "nsubjpass", "dobj") and noun.head.pos_ == "VERB":
        verb = noun.head
        # "two students shot 12 students": who did it and to whom are different quantities;
        # a passive subject is the active object ("were evacuated" / "evacuated").
        role = "agent" if noun.dep_ == "nsubj" else "patient"
    elif noun.dep_ == "pobj" and noun.head.head.pos_ in ("NOUN", "VERB"):
        verb = noun.head.head
        role = noun.head.lower_
    else:
        return None
    if value < _MIN_FIGURE:
        return None  # "one virus", "two athletes": partitives and asides, not reported tolls
    # "109 people on board" and "113 people" count different things: the noun's own
    # modifiers (adjectives, compounds, prepositional phrases) must match to compare.
    modifiers = tuple(
        sorted(
            c.lemma_.lower()
            for c in noun.children
            if c.dep_ in ("amod", "compound", "prep", "acl", "relcl") and c.i != number.i
        )
    )
    if verb.lemma_.lower() in _CHANGE_VERBS or any(
        c.lemma_.lower() in _CHANGE_VERBS for c in verb.children
    ):
        return None
    words = {t.lower_ for t in phrase} | {c.lower_ for c in number.children}
    bound = (
        "at-least"
        if words & _AT_LEAST
        else "at-most"
        if words & _AT_MOST
        else "about"
        if words & _ABOUT
        else "exact"
    )
    key = (stem(noun.lemma_.lower()), stem(verb.lemma_.lower()), role, *modifiers)
    return Figure(article_id, sentence, noun.text, verb.text, key, value, bound, places)


def _value(phrase: list[Token]) -> float | None:
    value: float | None = None
    for t in phrase:
        low = t.lower_.replace(",", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", low):
            value = float(low) if value is None else value * float(low)
        elif low in _MULTIPLIERS:
            value = (value or 1.0) * _MULTIPLIERS[low]
        elif low in NUMBER_WORDS:
            value = float(NUMBER_WORDS[low]) if value is None else value + NUMBER_WORDS[low]
    return value


def _compatible(a: Figure, b: Figure) -> bool:
    def interval(f: Figure) -> tuple[float, float]:
        if f.bound == "at-least":
            return f.value, float("inf")
        if f.bound == "at-most":
            return 0.0, f.value
        slack = _APPROX if f.bound == "about" else 0.01
        return f.value * (1 - slack), f.value * (1 + slack)

    (a0, a1), (b0, b1) = interval(a), interval(b)
    return a0 <= b1 and b0 <= a1


def _same_context(a: Figure, b: Figure) -> bool:
    """Whether two counts can be of one quantity: a shared entity and another shared word."""
    if a.article_id == b.article_id or a.sentence.text == b.sentence.text:
        return False
    if a.places and b.places and not a.places & b.places:
        return False
    if max(a.value, b.value) > _MAX_RATIO * min(a.value, b.value):
        return False
    if a.years and b.years and a.years != b.years:
        return False  # counts for different years
    return bool(a.entities & b.entities) and bool((a.stems & b.stems) - set(a.key))


def _conflicting_figures(figures: list[Figure], keys: Mapping[str, str]) -> list[Disagreement]:
    by_key: dict[tuple[str, ...], list[Figure]] = defaultdict(list)
    for f in figures:
        by_key[f.key].append(f)
    out: list[Disagreement] = []
    for group in by_key.values():
        conflicts = [
            (a, b)
            for i, a in enumerate(group)
            for b in group[i + 1 :]
            if _same_context(a, b) and not _compatible(a, b)
        ]
        if not conflicts:
            continue
        involved = list(dict.fromkeys(f for pair in conflicts for f in pair))
        clusters: list[list[Figure]] = []
        for f in involved:
            for cluster in clusters:
                if all(_compatible(f, g) for g in cluster):
                    cluster.append(f)
                    break
            else:
                clusters.append([f])
        sides = []
        for cluster in clusters:
            citations = tuple(
                dict.fromkeys(
                    Citation(f.article_id, f.sentence.start, f.sentence.end) for f in cluster
                )
            )
            outlets = tuple(dict.fromkeys(keys.get(c.article, c.article) for c in citations))
            sides.append(DisagreementSide(cluster[0].sentence.text, citations, outlets))
        lead = involved[0]
        out.append(
            Disagreement(f"{lead.noun.lower()} {lead.verb.lower()}", "figures", tuple(sides))
        )
    return out
