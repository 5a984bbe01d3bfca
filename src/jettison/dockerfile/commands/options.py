"""Options and arguments of a command, read the way its program reads them.

Every tool module declares which of its options take a value (``-o FILE``); these functions
then tell options, their values and the positional arguments apart, so a value is never
mistaken for a package (``--index-url URL``) and an option never for a verb.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jettison.dockerfile.shell import Command


def positionals(command: Command, takes_value: Iterable[str] = ()) -> list[str]:
    """The command's arguments that are not options nor option values.

    ``takes_value`` names the options that consume the next argument (``-o``, ``--option``);
    ``--name=value`` and attached short values (``-oFoo=1``) consume nothing more.
    """
    valued = frozenset(takes_value)
    out: list[str] = []
    skip = False
    args = command.args
    for index, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--":  # the end of the options: all that follows is positional
            out.extend(args[index + 1 :])
            break
        elif arg.startswith("-") and len(arg) > 1:
            skip = arg in valued
        else:
            out.append(arg)
    return out


def short_flags(command: Command) -> set[str]:
    """Single-letter flags, clusters split (``-rf`` -> ``r``, ``f``), values not included."""
    out: set[str] = set()
    for arg in command.args:
        if arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            out.update(arg[1:])
    return out


def has_option(command: Command, long: str, short: str | None = None) -> bool:
    """``--long`` (or ``--long=...``) or the short letter, alone or in a cluster."""
    return command.has(long) or (short is not None and short in short_flags(command))


def option_values(args: Sequence[str], *names: str) -> list[str]:
    """Every value of the options ``names``, in order: ``--only main`` and ``--only=main``
    (and ``-n env`` for a short name); an option last on the line has none."""
    out: list[str] = []
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                out.append(args[index + 1])
            elif name.startswith("--") and arg.startswith(name + "="):
                out.append(arg.split("=", 1)[1])
    return out


def getopt(
    args: Sequence[str], short: frozenset[str], long: frozenset[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """GNU-style option parsing: (option, value) pairs and positional arguments.

    ``short`` are the letters that take a value (``-o FILE``, ``-oFILE``, clustered as in
    ``-sSLo FILE``); ``long`` the ``--options`` that take one (``--output FILE``,
    ``--output=FILE``). Other options get an empty value.
    """
    options: list[tuple[str, str]] = []
    words: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            words.extend(args[index + 1 :])
            break
        if arg.startswith("--"):
            key, eq, value = arg.partition("=")
            if key in long and not eq and index + 1 < len(args):
                index += 1
                value = args[index]
            options.append((key, value))
        elif arg.startswith("-") and len(arg) > 1:
            letters = arg[1:]
            for at, letter in enumerate(letters):
                if letter in short:
                    value = letters[at + 1 :]
                    if not value and index + 1 < len(args):
                        index += 1
                        value = args[index]
                    options.append(("-" + letter, value))
                    break
                options.append(("-" + letter, ""))
        else:
            words.append(arg)
        index += 1
    return options, words


def last_value(options: Sequence[tuple[str, str]], *names: str) -> str | None:
    """The value of the last of ``names`` among :func:`getopt`'s options, None when absent."""
    values = [value for name, value in options if name in names]
    return values[-1] if values else None
