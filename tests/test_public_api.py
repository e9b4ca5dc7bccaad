"""The public surface is pinned: a change to exports or backend names must be deliberate."""

from __future__ import annotations

import tidings
from tidings.dedupe import DEDUPERS
from tidings.extract import EXTRACTORS
from tidings.segment import SEGMENTERS
from tidings.summarize import SUMMARIZERS


def test_exports():
    assert sorted(tidings.__all__) == sorted(
        [
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
    )
    for name in tidings.__all__:
        assert hasattr(tidings, name)


def test_backend_names():
    assert EXTRACTORS.names() == ("capture-cleaner.v1", "html.v2", "record.v1")
    assert SEGMENTERS.names() == ("nupunkt.v1",)
    assert DEDUPERS.names() == ("minhash-lsh.v1",)
    assert SUMMARIZERS.names() == ("extractive.v1",)


def test_every_error_is_a_tidings_error():
    for name in tidings.__all__:
        obj = getattr(tidings, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, tidings.TidingsError)
