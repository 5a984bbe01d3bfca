"""``jettison diff``: what changed between two images, attributed the way inspect attributes.

:mod:`.model` holds the report (frozen dataclasses, units in names), :mod:`.core` the verb
and the pure comparison of two inspections, :mod:`.versions` the version order of Python
distributions and Debian packages (upgraded or downgraded).
"""
