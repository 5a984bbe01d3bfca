"""Text helpers shared by the renderers: printable strings, image paths, build instructions."""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")
# The shell a history step ran under: "/bin/sh -c", "/bin/bash -o pipefail -c", "sh -c"...
_SHELL = re.compile(r"(?:/usr)?(?:/bin/)?(?:sh|bash|dash|ash) (?:-o \S+ |-[A-Za-z]+ )*-c ")
# Build arguments a RUN step saw: "|2 CUDA=12.1 TORCH=2.3 " (legacy builder and BuildKit).
_BUILD_ARGS = re.compile(r"\|(\d+) ")
_NOP = "#(nop)"
_BUILDKIT_SUFFIX = " # buildkit"


def printable(text: str) -> str:
    """``text`` safe to encode as UTF-8.

    Paths whose tar names were not UTF-8 reach jettison already escaped; this only guards
    against a stray surrogate, which would make writing the report fail: it becomes
    ``\\xNN`` escapes, as :func:`jettison.image.layer_reader.display_path` writes them.
    Valid text is returned unchanged.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:  # a raw byte smuggled as a surrogate: show it as the layer reader does
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = text.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "backslashreplace")
    return text


def image_path(path: str) -> str:
    """A root-relative image path as users know it, with a leading ``/``."""
    return path if path.startswith("/") else f"/{path}"


def ellipsize(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` characters, the last one an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max(max_chars - 1, 0)] + "…"


def shorten_instruction(created_by: str) -> str:
    """The Dockerfile instruction of a history step, without the builder's noise.

    ``/bin/sh -c #(nop)  CMD ["python"]`` becomes ``CMD ["python"]``;
    ``|2 A=1 B=2 /bin/sh -c pip install x`` and BuildKit's
    ``RUN /bin/sh -c pip install x # buildkit`` become ``RUN pip install x``.
    Whitespace runs (continued lines, heredocs) collapse to one space.
    """
    text = _WHITESPACE.sub(" ", created_by).strip()
    text = text.removesuffix(_BUILDKIT_SUFFIX)
    is_run = text.startswith("RUN ")
    if is_run:
        text = text[len("RUN ") :]
    text = _strip_build_args(text)
    shell = _SHELL.match(text)
    if shell is not None:
        text = text[shell.end() :]
        if text.startswith(_NOP):
            return text[len(_NOP) :].strip()
        is_run = True
    return f"RUN {text}" if is_run else text


def _strip_build_args(text: str) -> str:
    match = _BUILD_ARGS.match(text)
    if match is None:
        return text
    rest = text[match.end() :]
    # Argument values may hold spaces, so prefer cutting at the shell invocation.
    shell = _SHELL.search(rest)
    if shell is not None:
        return rest[shell.start() :]
    parts = rest.split(" ", int(match.group(1)))
    return parts[-1] if len(parts) > int(match.group(1)) else ""


DIVE_VERSION = "0.13.1"
"""The dive release whose ``--json`` numbers :mod:`jettison.inspect.dive` reproduces."""
DIVE_LABEL = f"dive-compatible (dive {DIVE_VERSION})"
