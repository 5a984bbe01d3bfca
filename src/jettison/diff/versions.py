"""Which of two versions of a package is newer: PEP 440 for Python distributions, dpkg's
order for Debian packages (``deb-version(7)``: epoch, upstream version, revision; ``~``
sorts before everything, even the end of the string)."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version


def compare_versions(kind: str, old: str, new: str) -> int | None:
    """Negative when ``old`` < ``new``, 0 when equal, positive when newer; None when the
    order is unknown (an unparsable version, or a kind without versions)."""
    if kind == "debian":
        return compare_debian(old, new)
    if kind == "python":
        try:
            a, b = Version(old), Version(new)
        except InvalidVersion:
            return None
        return (a > b) - (a < b)
    return None


def compare_debian(a: str, b: str) -> int:
    """dpkg's comparison of two Debian versions (``dpkg --compare-versions``)."""
    epoch_a, upstream_a, revision_a = _split(a)
    epoch_b, upstream_b, revision_b = _split(b)
    if epoch_a != epoch_b:
        return (epoch_a > epoch_b) - (epoch_a < epoch_b)
    return _sign(_compare_part(upstream_a, upstream_b)) or _sign(
        _compare_part(revision_a, revision_b)
    )


def _split(version: str) -> tuple[int, str, str]:
    epoch_text, colon, rest = version.partition(":")
    if not colon:
        epoch_text, rest = "0", version
    try:
        epoch = int(epoch_text)
    except ValueError:
        epoch, rest = 0, version
    upstream, dash, revision = rest.rpartition("-")
    if not dash:
        upstream, revision = rest, ""
    return epoch, upstream, revision


def _order(char: str) -> int:
    """Weight of one non-digit character: ``~`` first, then the end, letters, the rest."""
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        # the non-digit prefixes, character by character
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            wa = _order(a[i]) if i < len(a) and not a[i].isdigit() else 0
            wb = _order(b[j]) if j < len(b) and not b[j].isdigit() else 0
            if wa != wb:
                return wa - wb
            i += 1
            j += 1
        # then the numbers, by value
        start_i = i
        while i < len(a) and a[i].isdigit():
            i += 1
        start_j = j
        while j < len(b) and b[j].isdigit():
            j += 1
        na = int(a[start_i:i] or "0")
        nb = int(b[start_j:j] or "0")
        if na != nb:
            return na - nb
    return 0


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)
