"""The parts of the WARC reader, one concern a module; :mod:`tidings.warc` assembles them.

Use :func:`tidings.warc.iter_warc`; :mod:`tidings.warc` describes what becomes of each record and
how damage is reported. The parts:

=====================  ============================================================================
:mod:`.stream`         the archive's bytes as FastWARC reads them: gunzipped here, with a window
:mod:`.pages`          what one record becomes: a page, a ``Rejection``, or nothing
:mod:`.payload`        the HTTP response in a record: status, headers, transfer and content codings
=====================  ============================================================================
"""
