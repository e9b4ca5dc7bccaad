"""Topic words: content stems with near-synonyms folded, shared by the timeline and disagreements.

Two reports of one fact rarely use the same words for its object ("the treaty", "the agreement",
"the deal") or its wrongdoing ("violated", "breached", "prohibited"); folding these few families
lets a two-word overlap test find them without a word-vector model.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..textutil import content_stems

__all__ = ["WRONGDOING", "fold_stem", "topic_stems"]

WRONGDOING: tuple[str, ...] = (
    "violat",
    "breach",
    "prohibit",
    "forbid",
    "illeg",
    "unlaw",
    "cheat",
    "infring",
    "contraven",
)
_FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "agreement": "treati",
        "deal": "treati",
        "pact": "treati",
        "accord": "treati",
        "treati": "treati",
    }
)


def fold_stem(s: str) -> str:
    """Fold a Snowball stem into its family ("agreement" -> "treati", "breach" -> "violat")."""
    if s.startswith(WRONGDOING):
        return "violat"
    return _FAMILIES.get(s, s)


def topic_stems(text: str) -> frozenset[str]:
    """The folded content stems of ``text``."""
    return frozenset(fold_stem(s) for s in content_stems(text))
