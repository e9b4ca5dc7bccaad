"""tidings: turn overlapping news reports into one verifiable, cited account of each story.

Quick start::

    import tidings
    result = tidings.brief(["examples/inf-treaty"], max_words=150)
    for sentence in result.sentences:
        print(sentence.text, sentence.corroboration, sentence.citations)

Every citation ``(article, start, end)`` resolves to ``result.article(article).text[start:end]``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import (
    BlockedAddressError,
    CitationError,
    ExtractionError,
    FetchError,
    FormatError,
    InputError,
    MissingDependencyError,
    NothingUsableError,
    ReadError,
    StoreError,
    TidingsError,
    UsageError,
)
from .pipeline import brief, brief_articles, load, verify_brief
from .records import (
    Article,
    Brief,
    BriefSentence,
    Citation,
    DuplicateGroup,
    RawDocument,
    Rejection,
    Sentence,
)

__all__ = [
    "Article",
    "BlockedAddressError",
    "Brief",
    "BriefSentence",
    "Citation",
    "CitationError",
    "DuplicateGroup",
    "ExtractionError",
    "FetchError",
    "FormatError",
    "InputError",
    "MissingDependencyError",
    "NothingUsableError",
    "RawDocument",
    "ReadError",
    "Rejection",
    "Sentence",
    "StoreError",
    "TidingsError",
    "UsageError",
    "__version__",
    "brief",
    "brief_articles",
    "load",
    "verify_brief",
]
