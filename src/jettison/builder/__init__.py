"""Build images and run commands in them through a builder backend (buildah, podman, docker).

``backend`` declares the one small :class:`Builder` interface; each backend is its own
module; ``select`` picks one; ``verify`` runs smoke commands (or, with ``probe``'s script,
asks the HTTP service an image starts) and compares two images; ``api`` is the facade the
CLI calls.
"""
