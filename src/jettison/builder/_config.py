"""Reading the ``.Config`` object that ``docker image inspect`` and ``podman image inspect``
print (the image config's ``config`` section, with Docker's key names)."""

from __future__ import annotations

import json
from typing import Any

from jettison.builder.errors import BuildError


def parse(text: str, image: str) -> dict[str, Any]:
    """The JSON object ``{{json .Config}}`` printed (empty for an image without one)."""
    try:
        config = json.loads(text) if text.strip() else None
    except json.JSONDecodeError as exc:
        raise BuildError(f"cannot read the config of {image}: {exc}") from exc
    return config if isinstance(config, dict) else {}


def command(config: dict[str, Any]) -> tuple[str, ...]:
    """ENTRYPOINT followed by CMD, as Docker joins them."""
    return (*(config.get("Entrypoint") or ()), *(config.get("Cmd") or ()))


def exposed_ports(config: dict[str, Any]) -> tuple[str, ...]:
    """``ExposedPorts`` keys (``8000/tcp``), sorted as the image readers sort them."""
    ports = config.get("ExposedPorts") or {}
    return tuple(sorted(str(p) for p in ports)) if isinstance(ports, dict) else ()
