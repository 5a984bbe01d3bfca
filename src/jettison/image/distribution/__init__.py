"""Registries over the Distribution API: credentials (:mod:`.auth`) and a client of one
repository (:mod:`.client`); the ``registry://`` source and ``build --push``'s measurement use
them."""
