"""Sentence segmentation with exact character offsets into ``Article.text``.

Paragraphs are split first (blank lines), so no sentence ever spans two paragraphs; nupunkt then
finds sentence boundaries inside each paragraph. nupunkt is an unsupervised Punkt model that ships
its parameters in the package (NLTK's punkt data cannot be installed offline).
"""

from __future__ import annotations

from .records import Article, Sentence
from .registry import Registry
from .textutil import paragraph_spans

__all__ = ["SEGMENTERS", "segment"]

SEGMENTERS: Registry[object] = Registry("segmenter")
SEGMENTER_NAME = "nupunkt.v1"
SEGMENTERS.register(SEGMENTER_NAME)(object())


def segment(article: Article) -> tuple[Sentence, ...]:
    """Split an article's text into sentences.

    Args:
        article: the article; offsets refer to ``article.text``.

    Returns:
        The sentences in order, each with ``article.text[s.start:s.end] == s.text`` and no
        leading or trailing whitespace.
    """
    import nupunkt

    text = article.text
    out: list[Sentence] = []
    for p_index, (p_start, p_end) in enumerate(paragraph_spans(text)):
        para = text[p_start:p_end]
        for s_start, s_end in nupunkt.sentence_spans(para):
            start, end = p_start + s_start, p_start + s_end
            # nupunkt spans may carry surrounding whitespace; trim so the span is the sentence.
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                out.append(Sentence(article.id, len(out), start, end, p_index, text[start:end]))
    return tuple(out)
