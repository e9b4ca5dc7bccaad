"""Small text primitives shared by the stages: words, content-word stems, paragraphs.

These are deliberately simple and fast (regular expressions and a Snowball stemmer), because they
sit on the per-sentence path of every brief.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache, partial
from types import MappingProxyType

__all__ = [
    "NUMBER_WORDS",
    "STOPWORDS",
    "content_stems",
    "normalise_quotes",
    "paragraph_spans",
    "stem",
    "word_count",
    "words",
]

#: Cardinal number words and their values, for the analysers that read spelled-out figures and
#: spans ("seven killed", "two weeks ago").
NUMBER_WORDS: Mapping[str, int] = MappingProxyType(
    {
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
        "twenty": 20,
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
    }
)

_WORD = re.compile(r"[^\W_]+(?:[’'.\-][^\W_]+)*", re.UNICODE)
_PARA_BREAK = re.compile(r"\n[ \t]*\n")

# A standard English function-word list (the SMART/NLTK core). Reporting verbs such as "said"
# are added because every news sentence has them and they carry no fact of their own.
STOPWORDS: frozenset[str] = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does doesn't
    doing don't down during each either few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd
    i'll i'm i've if in into is isn't it it's its itself just let's many may me might more most
    much must mustn't my myself neither no nor not now of off on once one only or other ought our
    ours ourselves out over own per same shall shan't she she'd she'll she's should shouldn't so
    some such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those though through thus to too under until up upon us
    very via was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's whether which while who who's whom whose why why's will with within without won't
    would wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    said says say saying told tells according added adding mr mrs ms dr
    """.split()  # noqa: SIM905 - a word block reads and diffs better than a 200-item list
)


def normalise_quotes(text: str) -> str:
    """Map curly quotes and apostrophes to straight ones (same length, so offsets still hold)."""
    return text.translate(_QUOTES)


_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"'}
)


def words(text: str) -> list[str]:
    """Return the word tokens of ``text``, lower-cased, with curly apostrophes straightened."""
    if "’" in text:
        text = text.replace("’", "'")
    # Tokens are found in the original text (lower-casing can change lengths), then lower-cased.
    return [w.lower() for w in _WORD.findall(text)]


def word_count(text: str) -> int:
    """Count words the way the summary budget counts them (whitespace-separated tokens)."""
    return len(text.split())


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Return the Snowball (Porter2) stem of a lower-cased word; numbers are kept as they are."""
    return _stem(word, "en")


# ISO 639 codes (as normalised by :func:`language_code`) of the Snowball stemmers in PyStemmer.
_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "no": "norwegian", "nb": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# Tags that name no particular language: undetermined, multiple, no linguistic content, missing.
_NO_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})


@lru_cache(maxsize=256)
def language_code(language: str | None) -> str:
    """The primary language of a tag, normalised by langcodes ("pt-BR" -> "pt", "eng" -> "en",
    "iw" -> "he"); English when the tag is missing, malformed, names no language, or names one
    this module has no stemmer or stop words for (its text is then most likely English, and
    English lists do no harm to text that is not)."""
    import langcodes

    tag = (language or "").strip().replace("_", "-")
    if not tag:
        return "en"
    try:
        code = langcodes.Language.get(tag).language
    except (ValueError, LookupError):  # langcodes' LanguageTagError is a ValueError
        return "en"
    if not code or code in _NO_LANGUAGE:
        return "en"
    return code if code in _SNOWBALL or stopwords(code) else "en"


@lru_cache(maxsize=64)
def _snowball(language: str):  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer: the Snowball algorithms compiled to C

    try:
        return Stemmer.Stemmer(_SNOWBALL[language]) if language in _SNOWBALL else None
    except KeyError:  # an older PyStemmer without this language's algorithm
        return None


def stemmer_for(language: str) -> Callable[[str], str]:
    """The cached stemming function for ``language`` (a code from :func:`language_code`), picked
    once per text rather than per word: :func:`stem` for English (keyed by the word alone, which
    costs less memory than a (word, language) key), else one that stems in that language, or
    returns the word as it is when there is no Snowball stemmer for it."""
    return stem if language == "en" else partial(_stem_other, language)


@lru_cache(maxsize=200_000)
def _stem_other(language: str, word: str) -> str:
    return _stem(word, language)


def _stem(word: str, language: str) -> str:
    if word[:1].isdigit():
        return word.replace(",", "")
    stemmer = _snowball(language)
    return str(stemmer.stemWord(word)) if stemmer is not None else word


# spaCy's package for a language whose code it files under another ("no" is Bokmål, "nb").
_SPACY_LANG = {"no": "nb"}


@lru_cache(maxsize=64)
def stopwords(language: str) -> frozenset[str]:
    """Function words of ``language`` (a code from :func:`language_code`): :data:`STOPWORDS` for
    English, spaCy's list for another language it has one for (no model needed), else none (the
    idf then weighs function words down as the stream is read)."""
    if language == "en":
        return STOPWORDS
    import importlib

    name = _SPACY_LANG.get(language, language)
    if not name.isalpha():
        return frozenset()
    try:
        module = importlib.import_module(f"spacy.lang.{name}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(w.lower() for w in getattr(module, "STOP_WORDS", ()))


def content_stems(text: str) -> list[str]:
    """Stems of the content words of ``text``, in order: no stopwords, no one-letter tokens."""
    out = []
    for w in words(text):
        if w in STOPWORDS or (len(w) < 2 and not w.isdigit()):
            continue
        if w.endswith("'s"):
            w = w[:-2]
        out.append(stem(w))
    return out


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` of each paragraph (blank-line separated), whitespace trimmed."""
    pos = 0
    for m in _PARA_BREAK.finditer(text):
        yield from _trimmed(text, pos, m.start())
        pos = m.end()
    yield from _trimmed(text, pos, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def is_printable_text(text: str, *, max_control_ratio: float = 0.01) -> bool:
    """True when ``text`` looks like human text rather than decoded binary data."""
    if not text:
        return True
    sample = text[:100_000]
    bad = sum(
        1
        for ch in sample
        if (unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} and ch not in "\n\r\t\f")
        or ch == "\ufffd"
    )
    return bad / len(sample) <= max_control_ratio
