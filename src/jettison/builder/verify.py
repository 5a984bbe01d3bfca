"""Smoke-run a command in an image, or probe the HTTP service it starts, and tell whether
two images behave the same.

A probe's run is judged on what :mod:`jettison.builder.probe`'s script prints: the HTTP
status and body on stdout (what two images must agree on), the service's last lines and a
``probe:`` summary on stderr (what explains a failure).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from jettison.builder import probe as probe_script
from jettison.builder.backend import Builder, RunResult
from jettison.builder.errors import BuildError

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


def _command(builder: Builder, image: str, argv: Sequence[str] | None) -> tuple[str, ...]:
    command = tuple(argv) if argv is not None else builder.image_command(image)
    if not command:
        raise BuildError(
            f"{image} has no CMD or ENTRYPOINT to run", hint='give the command with --smoke "CMD"'
        )
    return command


def smoke(builder: Builder, image: str, argv: Sequence[str] | None, timeout_s: float) -> RunResult:
    """Run ``argv`` (None: the image's ENTRYPOINT + CMD) in ``image``, without network."""
    return builder.run(image, _command(builder, image, argv), timeout_s=timeout_s, network="none")


def probe(
    builder: Builder,
    image: str,
    *,
    path: str,
    port: int,
    command: Sequence[str] | None = None,
    timeout_s: float,
) -> RunResult:
    """Start ``command`` (None: the image's ENTRYPOINT + CMD) in ``image``, without network,
    and wait up to ``timeout_s`` for ``GET http://127.0.0.1:PORT/PATH`` to answer 2xx.

    Exit code 0 when it did; stdout holds ``HTTP <status>`` and the body whenever the
    service answered. The container itself gets :data:`probe.OVERHEAD_S` more, so a probe
    that gets no answer ends with its own summary rather than a timeout.
    """
    argv = probe_script.argv(
        _command(builder, image, command), path=path, port=port, wait_s=timeout_s
    )
    return builder.run(image, argv, timeout_s=timeout_s + probe_script.OVERHEAD_S, network="none")


def diagnose(result: RunResult) -> str | None:
    """The first line saying what is missing (a module, a shared library), if any."""
    text = result.stderr + "\n" + result.stdout
    for pattern in _DIAGNOSES:
        if m := pattern.search(text):
            return m.group(0)
    return None


def check(result: RunResult, expect: str | None, *, probe: bool = False) -> Verdict:
    """One image: the command must finish in time, exit 0, and match ``expect`` if given.

    ``probe``: ``result`` is a probe's; the service must answer 2xx (and its status line
    and body match ``expect``), and the reasons speak of HTTP rather than exit codes.
    """
    if result.timed_out:
        return Verdict(False, f"timed out after {result.seconds:.0f}s")
    if result.exit_code != 0:
        if probe:
            return Verdict(False, _probe_failure(result))
        said = diagnose(result) or _last_line(result.stderr)
        return Verdict(False, f"exit code {result.exit_code}" + (f": {said}" if said else ""))
    what = "response" if probe else "output"
    if expect is not None and not re.search(expect, result.stdout, re.MULTILINE):
        return Verdict(False, f"{what} does not match {expect!r}")
    done = f"HTTP {probe_script.http_status(result.stdout)}" if probe else "exit code 0"
    return Verdict(True, done + (f", {what} matches {expect!r}" if expect else ""))


def compare(
    before: RunResult, after: RunResult, expect: str | None = None, *, probe: bool = False
) -> Verdict:
    """Whether ``after`` behaves as ``before``: same exit code, and the same stdout (or both
    matching the regex ``expect``). The reason names the first difference found, preferring
    what explains it (a timeout, a missing module or shared library) to its symptoms.

    ``probe``: both are probes' runs; stdout is the HTTP status line and the body, so they
    must answer with the same status and body.
    """
    for label, result in (("before", before), ("after", after)):
        if result.timed_out:
            return Verdict(False, f"{label}: timed out after {result.seconds:.0f}s")
    lost = diagnose(after)
    if lost is not None and lost != diagnose(before):
        return Verdict(False, f"after: {lost}")
    if probe:
        old, new = _probe_outcome(before), _probe_outcome(after)
        answered = old.startswith("HTTP "), new.startswith("HTTP ")
        if old != new:
            if all(answered):
                return Verdict(False, f"{old} before, {new} after")
            return Verdict(False, f"before: {old}; after: {new}")
        if not any(answered):  # nothing was compared: the probe itself is wrong
            return Verdict(False, f"neither image answered: {new}")
    elif before.exit_code != after.exit_code:
        said = _last_line(after.stderr)
        return Verdict(
            False,
            f"exit code {before.exit_code} before, {after.exit_code} after"
            + (f" ({said})" if said else ""),
        )
    if probe:
        status = _probe_outcome(after).removeprefix("HTTP ")
        same, what = f"same HTTP status ({status})", "response"
    else:
        same, what = f"same exit code ({after.exit_code})", "output"
    if expect is not None:
        for label, result in (("before", before), ("after", after)):
            if not re.search(expect, result.stdout, re.MULTILINE):
                return Verdict(False, f"{label}: {what} does not match {expect!r}")
        return Verdict(True, f"{same}, both {what}s match {expect!r}")
    if before.stdout != after.stdout:
        return Verdict(False, _first_difference(before.stdout, after.stdout, what))
    return Verdict(True, f"{same} and {'body' if probe else 'output'}")


def _probe_summary(result: RunResult) -> str | None:
    """The probe script's own conclusion: its last ``probe:`` line on stderr."""
    for line in reversed(result.stderr.splitlines()):
        if line.startswith("probe: "):
            return line.removeprefix("probe: ").strip()
    return None


def _probe_failure(result: RunResult) -> str:
    summary = (
        _probe_summary(result) or _last_line(result.stderr) or (f"exit code {result.exit_code}")
    )
    said = diagnose(result)
    return f"{summary}: {said}" if said and said not in summary else summary


def _probe_outcome(result: RunResult) -> str:
    """``HTTP 200``, or why there was no answer (the service exited, nothing answered)."""
    status = probe_script.http_status(result.stdout)
    if status is not None:
        return f"HTTP {status}"
    return _probe_summary(result) or f"exit code {result.exit_code}"


def _last_line(text: str) -> str | None:
    """The last non-blank line of ``text`` (what a failing program said last), if any."""
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), None)


def _first_difference(before: str, after: str, what: str = "output") -> str:
    old, new = before.splitlines(), after.splitlines()
    for number, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            return f"{what} differs at line {number}: {a!r} before, {b!r} after"
    if len(old) != len(new):
        number = min(len(old), len(new)) + 1
        longer, label = (old, "before") if len(old) > len(new) else (new, "after")
        return f"{what} differs at line {number}: only {label} has {longer[number - 1]!r}"
    return f"{what} differs in whitespace or line endings"
