"""Language identification of article text with a bundled, offline model.

The backend is registered under a versioned name (``"py3langid.v1"``) so that every article can
say how its language was decided. py3langid is a maintained fork of langid.py (Lui & Baldwin,
2012): a naive Bayes classifier over byte n-grams whose model ships inside the wheel, so it
needs no network and no download step. Loading the model takes about 1.3 s once per process;
classifying a paragraph then takes well under a millisecond.

The answer is approximate, as any statistical identifier is: it is reliable on a few sentences of
running text and guesses on a name or a headline, which is why :func:`identify` answers ``None``
below a length and a confidence floor instead of guessing.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Protocol

from .errors import MissingDependencyError, UsageError
from .registry import Registry

__all__ = [
    "LANGUAGE_IDENTIFIERS",
    "MIN_CONFIDENCE",
    "MIN_LETTERS",
    "LanguageIdentifier",
    "Py3LangId",
    "identify",
]

#: Fewer letters than this is a name or a headline fragment, not evidence of a language:
#: "Berlin München" is 13 letters and the model splits its vote over many languages.
MIN_LETTERS = 20

#: Below this (normalised) probability the answer is a guess. The model's probabilities are
#: temperature-scaled by text length, so one sentence of plain English scores above 0.9 while
#: two-word fragments score 0.05-0.3.
MIN_CONFIDENCE = 0.5

#: Only the start of a long text is classified: a few thousand characters settle the language,
#: and the cost is linear in the length.
MAX_CHARS = 5000

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

# The model labels a few languages with ISO 639-3 codes for varieties whose macrolanguage has an
# ISO 639-1 code; those fold into it. Other three-letter labels (Konkani, Ancient Greek, Nigerian
# Pidgin, "zxx" = no linguistic content, ...) have no ISO 639-1 code and give ``None``.
_TO_ISO639_1 = {
    "ary": "ar",  # Moroccan Arabic
    "arz": "ar",  # Egyptian Arabic
    "fuv": "ff",  # Nigerian Fulfulde
    "gug": "gn",  # Paraguayan Guaraní
    "kik": "ki",  # Gikuyu
    "uzs": "uz",  # Southern Uzbek
    "wuu": "zh",  # Wu Chinese
    "yue": "zh",  # Cantonese
}


class LanguageIdentifier(Protocol):
    """What a language identification backend provides."""

    name: str

    def identify(self, text: str) -> tuple[str | None, float]:
        """Return ``(ISO 639-1 code or None, confidence in [0, 1])`` for ``text``."""
        ...


LANGUAGE_IDENTIFIERS: Registry[type[LanguageIdentifier]] = Registry("language identifier")


@LANGUAGE_IDENTIFIERS.register("py3langid.v1")
class Py3LangId:
    """py3langid's bundled model, with floors below which it declines to answer.

    Args:
        min_letters: texts with fewer letters than this give ``(None, 0.0)``.
        min_confidence: answers with a lower normalised probability give ``(None, p)``.

    Raises:
        UsageError: a floor is out of range.
    """

    name = "py3langid.v1"
    __slots__ = ("_model", "min_confidence", "min_letters")

    def __init__(
        self, *, min_letters: int = MIN_LETTERS, min_confidence: float = MIN_CONFIDENCE
    ) -> None:
        if min_letters < 1:
            raise UsageError(
                f"the min_letters parameter of Py3LangId must be >= 1, got {min_letters}"
            )
        if not 0.0 <= min_confidence <= 1.0:
            raise UsageError(
                f"the min_confidence parameter of Py3LangId must be in [0, 1], got {min_confidence}"
            )
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        # Loaded on first use: constructing a backend stays cheap and free of I/O.
        self._model: Any = None

    def identify(self, text: str) -> tuple[str | None, float]:
        """Identify the language of ``text``.

        Args:
            text: running text; only the first ``MAX_CHARS`` characters are read.

        Returns:
            ``(code, confidence)``: an ISO 639-1 code and the model's normalised probability, or
            ``(None, confidence)`` when the text is too short, the confidence is below the floor,
            or the language has no ISO 639-1 code.

        Raises:
            MissingDependencyError: py3langid is not installed.
        """
        sample = text[:MAX_CHARS]
        if len(_LETTER.findall(sample)) < self.min_letters:
            return None, 0.0
        if self._model is None:
            self._model = _load_model()
        label, confidence = self._model.classify(sample)
        confidence = float(confidence)
        code = label if len(label) == 2 else _TO_ISO639_1.get(label)
        if code is None or confidence < self.min_confidence:
            return None, confidence
        return code, confidence


def identify(
    text: str, *, identifier: LanguageIdentifier | None = None
) -> tuple[str | None, float]:
    """Return the ISO 639-1 language of ``text`` and the identifier's confidence.

    Args:
        text: running text (an article body, a paragraph).
        identifier: the backend to use; by default one shared :class:`Py3LangId` with the
            default floors.

    Returns:
        ``(code, confidence)`` with ``confidence`` in [0, 1]; ``code`` is ``None`` when the text
        is too short or the identifier is not confident enough.

    Raises:
        MissingDependencyError: the default backend's package (py3langid) is not installed.
    """
    return (identifier or _default_identifier()).identify(text)


@cache
def _default_identifier() -> Py3LangId:
    # One shared instance so the 1.3 s model load happens once per process. It holds no state
    # besides the read-only model, so nothing (a test included) ever needs to reset it.
    return Py3LangId()


@cache
def _load_model() -> Any:
    try:
        from py3langid.langid import MODEL_FILE
        from py3langid.langid import LanguageIdentifier as _Model
    except ImportError as exc:
        raise MissingDependencyError(
            "language identification needs py3langid (bundled offline model): pip install py3langid"
        ) from exc
    # MODEL_FILE is relative to the package directory: the model is read from the installed
    # wheel, never fetched. norm_probs gives probabilities in [0, 1] instead of raw log scores.
    return _Model.from_model_file(MODEL_FILE, norm_probs=True)
