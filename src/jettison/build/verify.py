"""Smoke-run a command in an image, and tell whether two images behave the same."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from jettison.build.backend import Builder, RunResult
from jettison.build.errors import BuildError

# What a slimmed image typically lost, as the failing program says it.
_DIAGNOSES = (
    re.compile(r"ModuleNotFoundError: No module named '[^']+'"),
    re.compile(r"ImportError: .+"),
    re.compile(r"error while loading shared libraries: [^:\s]+"),
    re.compile(r"OSError: [^\n]*\.so[^\n]*"),
)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str
    """Why it failed (or a short confirmation when it passed)."""


def smoke(builder: Builder, image: str, argv: Sequence[str] | None, timeout_s: float) -> RunResult:
    """Run ``argv`` (None: the image's ENTRYPOINT + CMD) in ``image``, without network."""
    command = tuple(argv) if argv is not None else builder.image_command(image)
    if not command:
        raise BuildError(
            f"{image} has no CMD or ENTRYPOINT to run", hint='give the command with --smoke "CMD"'
        )
    return builder.run(image, command, timeout_s=timeout_s, network="none")


def diagnose(result: RunResult) -> str | None:
    """The first line saying what is missing (a module, a shared library), if any."""
    text = result.stderr + "\n" + result.stdout
    for pattern in _DIAGNOSES:
        if m := pattern.search(text):
            return m.group(0)
    return None


def check(result: RunResult, expect: str | None) -> Verdict:
    """One image: the command must finish in time, exit 0, and match ``expect`` if given."""
    if result.timed_out:
        return Verdict(False, f"timed out after {result.seconds:.0f}s")
    if result.exit_code != 0:
        said = diagnose(result) or _last_line(result.stderr)
        return Verdict(False, f"exit code {result.exit_code}" + (f": {said}" if said else ""))
    if expect is not None and not re.search(expect, result.stdout, re.MULTILINE):
        return Verdict(False, f"output does not match {expect!r}")
    return Verdict(True, "exit code 0" + (f", output matches {expect!r}" if expect else ""))


def compare(before: RunResult, after: RunResult, expect: str | None = None) -> Verdict:
    """Whether ``after`` behaves as ``before``: same exit code, and the same stdout (or both
    matching the regex ``expect``). The reason names the first difference found, preferring
    what explains it (a timeout, a missing module or shared library) to its symptoms."""
    for label, result in (("before", before), ("after", after)):
        if result.timed_out:
            return Verdict(False, f"{label}: timed out after {result.seconds:.0f}s")
    lost = diagnose(after)
    if lost is not None and lost != diagnose(before):
        return Verdict(False, f"after: {lost}")
    if before.exit_code != after.exit_code:
        said = _last_line(after.stderr)
        return Verdict(
            False,
            f"exit code {before.exit_code} before, {after.exit_code} after"
            + (f" ({said})" if said else ""),
        )
    if expect is not None:
        for label, result in (("before", before), ("after", after)):
            if not re.search(expect, result.stdout, re.MULTILINE):
                return Verdict(False, f"{label}: output does not match {expect!r}")
        return Verdict(True, f"same exit code ({after.exit_code}), both outputs match {expect!r}")
    if before.stdout != after.stdout:
        return Verdict(False, _first_difference(before.stdout, after.stdout))
    return Verdict(True, f"same exit code ({after.exit_code}) and output")


def _last_line(text: str) -> str | None:
    """The last non-blank line of ``text`` (what a failing program said last), if any."""
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), None)


def _first_difference(before: str, after: str) -> str:
    old, new = before.splitlines(), after.splitlines()
    for number, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            return f"output differs at line {number}: {a!r} before, {b!r} after"
    if len(old) != len(new):
        number = min(len(old), len(new)) + 1
        longer, label = (old, "before") if len(old) > len(new) else (new, "after")
        return f"output differs at line {number}: only {label} has {longer[number - 1]!r}"
    return "output differs in whitespace or line endings"
