"""JT306: two packages that bundle the same heavy stack.

Why it matters: ``opencv-python`` and ``opencv-python-headless`` both install the ``cv2``
module, ``tensorflow`` and ``tensorflow-cpu`` both install ``tensorflow``, ``onnxruntime``
and ``onnxruntime-gpu`` both install ``onnxruntime``... pip installs both, the second
overwrites the first's files in place, and the image carries both wheels' worth of layers
(and whichever module won may not be the one intended). The same goes for torch declared
twice with different builds (a CPU pin in one place, PyPI's CUDA build in another).

One finding per clash, at the later declaration; the saving is what removing the package
that should go would save (the preferred one stays: headless OpenCV, the CPU builds unless
something suggests a GPU).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from jettison.dockerfile.model import Instruction
from jettison.facts.packages import TORCH_FAMILY
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    finding_at,
    gpu_evidence,
    installed_at,
    met_by_earlier_install,
    production_packages,
    torch_variant,
)
from jettison.lint.savings import distributions_saving

# (what they share, members in order of preference without a GPU, with a GPU)
STACKS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "the cv2 module",
        (
            "opencv-python-headless",
            "opencv-contrib-python-headless",
            "opencv-python",
            "opencv-contrib-python",
        ),
        (),
    ),
    (
        "the tensorflow package",
        (
            "tensorflow-cpu",
            "tensorflow",
            "tensorflow-intel",
            "tf-nightly",
            "tensorflow-gpu",
            "ai-edge-litert",
            "tflite-runtime",
        ),
        ("tensorflow", "tensorflow-gpu", "tf-nightly", "tensorflow-cpu", "tensorflow-intel"),
    ),
    (
        "the onnxruntime module",
        (
            "onnxruntime",
            "onnxruntime-openvino",
            "onnxruntime-gpu",
            "onnxruntime-directml",
            "onnxruntime-training",
        ),
        ("onnxruntime-gpu", "onnxruntime"),
    ),
    (
        "the faiss module",
        ("faiss-cpu", "faiss-gpu", "faiss-gpu-cu12", "faiss-gpu-cu11"),
        ("faiss-gpu-cu12", "faiss-gpu", "faiss-gpu-cu11", "faiss-cpu"),
    ),
    ("the psycopg2 module", ("psycopg2", "psycopg2-binary"), ()),
    ("the PIL module", ("pillow", "pillow-simd"), ()),
    ("the paddle module", ("paddlepaddle", "paddlepaddle-gpu"), ("paddlepaddle-gpu",)),
    ("the fitz module", ("pymupdf", "fitz"), ()),
)
"""A member named in the GPU list is preferred in that order when the service uses a GPU;
the others follow in the first list's order."""

_VARIANT_WORDS = {
    "cpu": "the CPU build",
    "cuda": "an explicit CUDA build",
    "default": "PyPI's CUDA build",
}


def _keep(
    present: list[str], preference: tuple[str, ...], gpu_preference: tuple[str, ...], gpu: bool
) -> str:
    order = [*gpu_preference, *preference] if gpu else list(preference)
    return next(name for name in order if name in present)


def _stack_findings(ctx: LintContext, packages: list[Declared], gpu: bool) -> Iterator[Finding]:
    for shared, preference, gpu_preference in STACKS:
        members = [d for d in packages if d.name in preference]
        present = list(dict.fromkeys(d.name for d in members))
        if len(present) < 2:
            continue
        keep = _keep(present, preference, gpu_preference, gpu)
        drop = [name for name in present if name != keep]
        first = {name: next(d for d in members if d.name == name) for name in present}
        later = max(first.values(), key=Declared.sort_key)
        listed = " and ".join(f"{name} ({first[name].where(ctx)})" for name in present)
        yield finding_at(
            RULE,
            ctx,
            later,
            f"{listed} both install {shared}: the image ships both and the last one "
            "installed overwrites the other's files",
            fix=f"Keep {keep} only; remove {', '.join(drop)}.",
            saving=distributions_saving(ctx, drop),
        )


@dataclass(frozen=True, slots=True)
class _Clash:
    """One torch-family package installed with two builds, in install order."""

    name: str
    first: Declared
    later: Declared
    builds: tuple[str, str]
    runs: tuple[Instruction | None, Instruction | None]


def _clashes(ctx: LintContext, packages: list[Declared]) -> Iterator[_Clash]:
    for name in TORCH_FAMILY:
        found = [d for d in packages if d.name == name and not met_by_earlier_install(ctx, d)]
        runs = {d: installed_at(ctx, d) for d in found}
        seen = sorted(found, key=lambda d: (_line(runs[d]), Declared.sort_key(d)))
        variants = {d: torch_variant(ctx, d) for d in seen}
        if len(set(variants.values())) < 2:
            continue
        first = seen[0]
        later = next(d for d in seen if variants[d] != variants[first])
        yield _Clash(
            name, first, later, (variants[first], variants[later]), (runs[first], runs[later])
        )


def _torch_findings(ctx: LintContext, packages: list[Declared]) -> Iterator[Finding]:
    """One finding per place that reinstalls (torch and torchvision swapped by one RUN are
    one problem), described by the first of them."""
    groups: dict[tuple[str, int], list[_Clash]] = {}
    for clash in _clashes(ctx, packages):
        groups.setdefault(_location(ctx, clash), []).append(clash)
    for group in groups.values():
        clash = group[0]
        joined = " and ".join(c.name for c in group)
        message = (
            f"{joined} {'is' if len(group) == 1 else 'are'} installed twice with different "
            f"builds: {_VARIANT_WORDS[clash.builds[0]]} at "
            f"{_where(ctx, clash.first, clash.runs[0])} and {_VARIANT_WORDS[clash.builds[1]]} "
            f"at {_where(ctx, clash.later, clash.runs[1])}; the second replaces the first, "
            "whose layer still ships"
        )
        fix = f"Declare {joined} once, with the build the service needs."
        run = clash.runs[1]
        if clash.later.requirement is not None and run is not None and ctx.dockerfile:
            yield RULE.finding(ctx.dockerfile.path, run, message, fix=fix)
        else:
            yield finding_at(RULE, ctx, clash.later, message, fix=fix)


def _location(ctx: LintContext, clash: _Clash) -> tuple[str, int]:
    """Where the finding goes: the RUN that reinstalls (for a requirement file's line), or
    the declaration."""
    run = clash.runs[1]
    if clash.later.requirement is not None and run is not None and ctx.dockerfile is not None:
        return str(ctx.dockerfile.path), run.position.line
    return str(clash.later.file(ctx)), clash.later.line


def _line(run: Instruction | None) -> int:
    return run.position.line if run is not None else 0


def _where(ctx: LintContext, declared: Declared, run: Instruction | None) -> str:
    """``requirements.txt:3`` (and the RUN that installs it, when that is not the same)."""
    where = declared.where(ctx)
    if declared.requirement is not None and run is not None:
        where += f" (installed at line {run.position.line})"
    return where


def check(ctx: LintContext) -> Iterator[Finding]:
    packages = production_packages(ctx)
    names = {d.name for d in packages}
    if not any(len(names & set(p)) >= 2 for _, p, _ in STACKS) and not (names & set(TORCH_FAMILY)):
        return
    gpu = gpu_evidence(ctx, "JT306") is not None
    yield from _stack_findings(ctx, packages, gpu)
    yield from _torch_findings(ctx, packages)


RULE = Rule(
    code="JT306",
    name="duplicate-heavy-stack",
    severity=Severity.WARNING,
    summary="Two packages that install the same heavy module (opencv-python + -headless, "
    "tensorflow + tensorflow-cpu, onnxruntime + -gpu, torch twice...).",
    check=check,
    example="# requirements.txt\nopencv-python==4.10.0.84\nopencv-python-headless==4.10.0.84",
    fix_example="# requirements.txt\nopencv-python-headless==4.10.0.84",
)
