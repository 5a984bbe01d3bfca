"""``jettison fix``: rewrite a naive single-stage Dockerfile into an optimized multi-stage one.

:mod:`requirements` splits the production requirements into runtime and development files,
:mod:`rewrite` renders the new Dockerfile (both pure functions returning text), and
:mod:`api` reads the inputs, calls them and writes the files.
"""
