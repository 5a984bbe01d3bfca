"""``jettison fix``: rewrite a naive single-stage Dockerfile into an optimized multi-stage one.

:mod:`bases` chooses the images of both stages and the interpreter of the virtualenv (one
CUDA stack on GPU bases), :mod:`requirements` splits the production requirements into
runtime and development files, :mod:`rewrite` renders the new Dockerfile (all three pure),
:mod:`savings` gives each :class:`~changes.Change` lint's estimate of what it saves,
:mod:`render` writes the changes as text, and :mod:`api` reads the inputs, calls them and
writes the files.
"""
