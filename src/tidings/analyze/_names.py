"""Name helpers shared by the analysis components: titles, spelling folds, junk filters.

Everything here is plain string work (no spaCy), so it is cheap and testable on its own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "GENERIC_CAPITALISED",
    "HONORIFICS",
    "TITLE_HEADS",
    "TITLE_WORDS",
    "clean_surface",
    "edit_distance",
    "first_names_compatible",
    "fold",
    "is_junk",
    "last_name",
    "split_title",
]

# Nouns that head a title ("the minister", "Kremlin Spokesman") or name an office holder.
TITLE_HEADS: frozenset[str] = frozenset(
    """minister secretary president spokesman spokeswoman spokesperson chief head director
    ambassador envoy diplomat senator representative congressman congresswoman governor mayor
    chancellor premier king queen prince princess general admiral colonel commander officer
    official adviser advisor leader chairman chairwoman chair ceo executive judge justice
    attorney prosecutor speaker lawmaker candidate nominee manager coach professor pope sheikh
    emir president-elect vice-president deputy aide negotiator analyst expert correspondent
    reporter editor founder owner economist strategist commissioner administrator inspector
    superintendent sheriff captain lieutenant sergeant marshal bishop cardinal rabbi imam pastor
    chancellor-elect mp mep representative
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
# Words that appear inside titles besides the head ("Foreign", "Defense", "Deputy", "of", "State").
TITLE_WORDS: frozenset[str] = TITLE_HEADS | frozenset(
    """foreign defense defence interior finance justice home health education energy trade state
    deputy vice prime acting former then interim senior top first lady gen. lt. col. sen. rep.
    gov. atty. supt. sgt. capt. adm. cmdr. press security national council house white assistant
    under undersecretary general attorney-general secretary-general high representative external
    affairs diplomacy military army navy air force staff joint presidential campaign party
    committee department ministry of the for and spokesman's
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
HONORIFICS: frozenset[str] = frozenset(
    """mr mr. mrs mrs. ms ms. dr dr. sir dame lord lady prof prof.
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)

# Capitalised words spaCy's small model often tags as an ORG/PERSON on their own, which are
# parts of titles or headlines rather than names.
GENERIC_CAPITALISED: frozenset[str] = frozenset(
    """state defense defence treaty agreement eastern western northern southern ministry department
    council government administration committee president minister secretary spokesman court
    army police navy union party house senate congress parliament discuss listen live read more
    share comment comments advertisement subscribe follow world news home video photo sport
    sports business opinion politics
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)

_LAST_NAME_SUFFIXES = frozenset(
    """jr jr. sr sr. ii iii iv

    """.split()  # noqa: SIM905 - a word block reads and diffs better than a long list
)
_STAMP = re.compile(r"\b(?:GMT|UTC)\b|\b\d{1,2}:\d{2}\b")
_EDGE_PUNCT = "\"'“”‘’«»()[]{}.,;:!?-–—/\\|*#•·"
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_LEADING_DET = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)\s+", re.IGNORECASE)


def fold(name: str) -> str:
    """Fold a name for spelling-variant comparison.

    Lower-cases, strips accents and punctuation, and folds common transliteration variants
    (``y``/``i``, ``ii``/``i``, ``j``/``i``, ``ph``/``f``, ``kh``/``h``, ``w``/``v``, ``ks``/``x``), so
    "Sergey" and "Sergei", "Dmitry" and "Dmitri", "Shoygu" and "Shoigu" fold alike.
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^\w\s-]", "", text).replace("-", " ")
    for a, b in (
        ("ph", "f"),
        ("kh", "h"),
        ("ks", "x"),
        ("w", "v"),
        ("y", "i"),
        ("j", "i"),
        ("ii", "i"),
    ):
        text = text.replace(a, b)
    return " ".join(text.split())


@lru_cache(maxsize=65_536)
def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two short strings (quadratic in their lengths)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def first_names_compatible(a: str, b: str) -> bool:
    """True when two folded first names can be the same person's.

    Equal folds, an initial and a name it abbreviates ("s" / "sergei"), or one edit apart when
    both have at least five letters (transliterations such as "aleksandr" / "alexander" fold to
    one edit or less; short names such as "jon" / "jan" stay apart).
    """
    a, b = a.rstrip("."), b.rstrip(".")
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[:1] == b[:1]
    return min(len(a), len(b)) >= 5 and edit_distance(a, b) <= 1


def clean_surface(text: str) -> str:
    """Strip a mention to its name: no leading article or ordinal, no possessive, no edge marks.

    "the INF Treaty" -> "INF Treaty", "Donald Trump's" -> "Donald Trump", "“NATO”" -> "NATO",
    "the 25th OSCE Ministerial Council" -> "OSCE Ministerial Council".
    """
    out = " ".join(text.split())
    for _ in range(3):
        before = out
        out = out.strip(_EDGE_PUNCT + " ")
        out = _LEADING_DET.sub("", out)
        out = _ORDINAL.sub("", out)
        if not out.isupper():
            out = _POSSESSIVE.sub("", out) if len(out) > 3 else out
        if out == before:
            break
    return out


def is_junk(surface: str) -> bool:
    """True for mentions that are not names: lower-case words, numbers, crawl-stamp fragments.

    Also refuses unbalanced brackets (an NER span cut through a parenthesis, "Forces (INF") and
    lone generic capitalised words ("State", "Treaty").
    """
    if len(surface) < 2 or not any(ch.isalpha() for ch in surface):
        return True
    if not any(ch.isupper() for ch in surface):
        return True
    if _STAMP.search(surface):
        return True
    if surface.count("(") != surface.count(")") or surface.count("[") != surface.count("]"):
        return True
    words = surface.split()
    if len(words) == 1 and surface.lower() in GENERIC_CAPITALISED:
        return True
    return len(words) > 8


def split_title(surface: str) -> tuple[str, str]:
    """Split a person mention into ``(title, name)``: "Foreign Minister Sergey Lavrov".

    Everything up to the last title word or honorific is the title ("US Secretary of State"),
    the rest is the name; once two plain words have been seen, the name has started and a
    later title-like word belongs to it ("Martin Luther King"). A bare title gives
    ``(title, "")``.
    """
    words = surface.split()
    cut = 0
    plain = 0  # non-title words seen since the last title word
    for i, word in enumerate(words):
        if word.lower() in TITLE_WORDS or word.lower() in HONORIFICS:
            if plain >= 2:
                break  # the name has started ("Martin Luther King"): later words are the name's
            cut, plain = i + 1, 0
        else:
            plain += 1
    # "US Secretary of State Mike Pompeo": "US" and "of State" stay with the title.
    return " ".join(words[:cut]), " ".join(words[cut:])


def last_name(name: str) -> str:
    """The folded last name of a full name, skipping suffixes ("Jr.", "III")."""
    words = [w for w in fold(name).split() if w not in _LAST_NAME_SUFFIXES]
    return words[-1] if words else ""
