"""``jettison optimize``: lint, fix, build the original and the optimized image, inspect and
verify both, and report what was saved (:mod:`api`; the model in :mod:`report`, the
renderers in :mod:`render`)."""
