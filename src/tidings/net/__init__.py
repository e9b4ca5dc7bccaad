"""The parts of tidings' network edge, one concern a module; :mod:`tidings.fetch` assembles them.

Import from :mod:`tidings.fetch`, which re-exports the public names. The parts:

=====================  ============================================================================
:mod:`.policy`         :class:`~.policy.FetchPolicy`, the limits a fetcher works under
:mod:`.guard`          the SSRF guard: URL checks, address classification, resolving each hop once
:mod:`.transport`      the default transport: connects only to checked addresses, within a deadline
:mod:`.body`           reading a body within the size, decompression-ratio and time limits
:mod:`.politeness`     per-host spacing, retry backoff and ``Retry-After``
:mod:`.cache`          pages kept for conditional GET (``ETag`` / ``Last-Modified``)
=====================  ============================================================================
"""
