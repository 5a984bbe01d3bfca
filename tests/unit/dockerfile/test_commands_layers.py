"""Which layer fix and plan may move a command into."""

from __future__ import annotations

import pytest

from jettison.dockerfile.commands.layers import Layer, layer_of
from support.commands import command


@pytest.mark.parametrize(
    ("line", "layer"),
    [
        ("apt-get update", "apt"),
        ("apt-get -o Acquire::Retries=3 install -y curl", "apt"),
        ("apt clean", "apt"),
        ("rm -rf /var/lib/apt/lists/*", "apt"),
        ("apt-get purge -y gcc", "unmovable-apt"),
        ("apt-get dist-upgrade -y", "unmovable-apt"),
        ("add-apt-repository ppa:deadsnakes/ppa", "apt-source"),
        ("curl -o /etc/apt/keyrings/x.gpg https://x", "apt-source"),
        ("python3 -m pip3.11 install torch", "pip"),
        ("uv pip install torch", "pip"),
        ("pip download torch", "pip"),
        ("aptitude install vim", "other"),
        ("useradd app", "other"),
    ],
)
def test_layer_of(line: str, layer: Layer) -> None:
    assert layer_of(command(line)) == layer
