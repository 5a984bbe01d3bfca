"""Which layer a rewrite may move a command into: the one apt layer, the pip layer, or
neither. ``fix`` and ``plan`` both sort a Dockerfile's RUN commands this way before they
gather apt installs into one layer placed ahead of the other steps.

Two kinds of command stop the move: an apt command whose verb is not a plain one
(``purge``, ``dist-upgrade``...), and a command that adds an apt source, since the gathered
layer would run before it. Each tool says why in its own words.
"""

from __future__ import annotations

from typing import Literal

from jettison.dockerfile.commands.python import pip_argv
from jettison.dockerfile.commands.system import (
    is_apt_cleanup,
    is_apt_tool,
    is_movable_apt,
    sets_apt_source,
)
from jettison.dockerfile.shell import Command

Layer = Literal["apt", "pip", "other", "unmovable-apt", "apt-source"]
"""``apt`` (a movable apt step or list cleanup), ``pip``, ``other``; or what stops a move:
``unmovable-apt`` (an apt verb other than update/install/clean), ``apt-source``."""


def layer_of(command: Command) -> Layer:
    """The layer ``command`` belongs to in a rewrite (see the module docstring)."""
    if is_apt_tool(command):
        return "apt" if is_movable_apt(command) else "unmovable-apt"
    if is_apt_cleanup(command):
        return "apt"
    if pip_argv(command) is not None:
        return "pip"
    if sets_apt_source(command):
        return "apt-source"
    return "other"
