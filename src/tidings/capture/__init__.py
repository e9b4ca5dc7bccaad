"""The parts of the capture cleaner, one concern a module; :mod:`tidings.clean` assembles them.

Import from :mod:`tidings.clean`, which re-exports the public names and describes the method. The
parts:

=====================  ============================================================================
:mod:`.lines`          characters cleaned, lines grouped into units, and the features of a unit
:mod:`.furniture`      boilerplate patterns, and the verdict on one unit taken on its own
:mod:`.stamps`         dates in a capture: the site's clock, publication statements, wire datelines
:mod:`.body`           one classification round: main block, context, headline
:mod:`.recurring`      lines that recur across the documents of a batch
=====================  ============================================================================
"""
