"""The one exception tree of tidings.

Every failure tidings raises on purpose is a :class:`TidingsError`. Each carries a short, stable
``reason`` code (``"empty"``, ``"binary"``, ...) so that batch code can turn it into a
:class:`~tidings.records.Rejection` and go on, and a human message that names the input, what was
expected, what was got and, where the mistake can be guessed, a hint.

::

    TidingsError
    ├── UsageError                 bad arguments from a caller (CLI exit code 2)
    ├── MissingDependencyError     an optional extra is not installed
    ├── InputError                 one input cannot be used; becomes a Rejection
    │   ├── ReadError              cannot be read: missing, unreadable, too large, empty, binary, undecodable
    │   ├── FormatError            readable, but not the format its name promises (bad JSON, unknown extension)
    │   ├── ExtractionError        parsed, but no article text could be found in it
    │   └── FetchError             a URL could not be fetched (network, HTTP status, policy)
    │       └── BlockedAddressError  the URL resolves to an address the SSRF guard refuses
    ├── NothingUsableError         every input was rejected (CLI exit code 3)
    ├── StoreError                 a store operation failed (not-found, conflict, busy, schema-too-new, ...)
    └── CitationError              a citation does not resolve to its source span: always a bug

Foreign exceptions are wrapped with ``raise ... from exc`` so the original stays visible.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BlockedAddressError",
    "CitationError",
    "ExtractionError",
    "FetchError",
    "FormatError",
    "InputError",
    "MissingDependencyError",
    "NothingUsableError",
    "ReadError",
    "StoreError",
    "TidingsError",
    "UsageError",
]


class TidingsError(Exception):
    """Root of every error tidings raises on purpose.

    Args:
        message: the human-readable explanation, naming the input where there is one.
        reason: a short stable code for machines (``"empty"``, ``"too-large"``, ...).
    """

    default_reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason


class UsageError(TidingsError):
    """A caller passed arguments that cannot work (a negative budget, an unknown format)."""

    default_reason = "usage"


class MissingDependencyError(TidingsError):
    """An optional dependency is needed for this path; the message names the extra to install."""

    default_reason = "missing-dependency"


class InputError(TidingsError):
    """One input cannot be used. Batch code records it as a Rejection and carries on.

    Args:
        input: the path, URL or record label of the input.
        stage: the pipeline stage that refused it (``"read"``, ``"extract"``, ...).
    """

    default_reason = "unusable"
    default_stage = "read"

    def __init__(
        self,
        input: str,
        message: str,
        *,
        reason: str | None = None,
        stage: str | None = None,
    ) -> None:
        super().__init__(f"{input}: {message}", reason=reason)
        self.input = input
        self.detail = message
        self.stage = stage or self.default_stage


class ReadError(InputError):
    """The input cannot be read as text: missing, too large, empty, binary or undecodable."""

    default_reason = "unreadable"


class FormatError(InputError):
    """The input was read but is not what its name or type promises."""

    default_reason = "bad-format"
    default_stage = "parse"


class ExtractionError(InputError):
    """The input parsed, but no article text could be found in it."""

    default_reason = "no-article"
    default_stage = "extract"


class FetchError(InputError):
    """A URL could not be fetched: network failure, HTTP error status or fetch policy."""

    default_reason = "fetch-failed"
    default_stage = "fetch"


class BlockedAddressError(FetchError):
    """A URL resolves to a loopback, private, link-local or metadata address and was refused."""

    default_reason = "blocked-address"


class NothingUsableError(TidingsError):
    """Every input was rejected; there is nothing to work on.

    Args:
        message: the explanation.
        rejected: the :class:`~tidings.records.Rejection` of every input, so callers can list why.
    """

    default_reason = "nothing-usable"

    def __init__(self, message: str, *, rejected: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.rejected = rejected


class StoreError(TidingsError):
    """A store operation failed. ``reason`` says how:

    * ``not-found``: no article, story or revision with that id.
    * ``conflict``: the write contradicts what is stored (a revision number reused with other
      content, an article already in another story).
    * ``bad-value``: the database cannot hold a value (a NUL character in PostgreSQL text).
    * ``busy``: another process held the SQLite write lock longer than the timeout.
    * ``open-failed``: the database could not be opened (unreachable, not a database).
    * ``schema-too-new``: the database was written by a newer tidings.
    * ``migration-failed``: upgrading the schema failed; the database kept its old version.
    * ``closed``: the store was closed.
    * ``backend``: the database itself failed (the message carries its error).

    Errors of the database driver are chained (``raise ... from exc``).
    """

    default_reason = "backend"


class CitationError(TidingsError):
    """A citation does not resolve to the span it claims. This is a bug, never user error."""

    default_reason = "bad-citation"
