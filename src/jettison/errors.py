"""Error hierarchy: one base per subsystem; the CLI maps each to one line and a hint.

Library code raises these (chained with ``raise ... from``) and never prints or exits.
"""

from __future__ import annotations


class JettisonError(Exception):
    """Base of every error jettison raises on purpose.

    ``hint`` is a short suggestion shown to the user under the one-line message.
    """

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class ImageError(JettisonError):
    """The image could not be found, opened or read."""


class ImageNotFoundError(ImageError):
    hint = (
        "give a docker-archive tar, an OCI layout directory, an oci-archive tar, "
        "or an image name in the local buildah/podman store"
    )


class ImageFormatError(ImageError):
    """The input exists but is not a container image we can read, or is damaged."""


class NotAnImageError(ImageFormatError):
    """The reference names something stored like an image that is not one: an OCI artifact
    (model weights, a Helm chart, a signature), listed in the message."""

    hint = "jettison reads container images; fetch an artifact with its own tool (oras, helm)"


class RegistryError(ImageError):
    """A registry could not be reached, refused us, or answered wrongly."""


class EngineError(ImageError):
    """A Docker Engine could not be reached, or answered wrongly."""


class ConfigError(JettisonError):
    """A budget, option or [tool.jettison] setting is invalid."""


class DockerfileError(JettisonError):
    """A Dockerfile could not be read or parsed."""


class RequirementsError(JettisonError):
    """A requirements file (requirements.txt, pyproject.toml, environment.yml) is unusable."""
