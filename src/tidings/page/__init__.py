"""The parts of HTML page extraction, one concern a module; :mod:`tidings.html` assembles them.

Import from :mod:`tidings.html`, which re-exports the public names and describes what is read and
in which order. The parts:

=====================  ============================================================================
:mod:`.charset`        decoding a page's bytes: byte-order mark, UTF-8, declarations, a guess
:mod:`.meta`           what a page states about itself in ``<head>`` and JSON-LD, read once
:mod:`.dates`          the publication and update dates, from metadata, labels and htmldate
:mod:`.fields`         title, outlet, authors, canonical URL, language and paywall
=====================  ============================================================================
"""
