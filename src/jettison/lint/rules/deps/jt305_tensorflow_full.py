"""JT305: the full ``tensorflow`` package where ``tensorflow-cpu`` or a TFLite runtime serves.

Why it matters: the ``tensorflow`` wheel for Linux carries the CUDA kernels of every op,
useful only with the CUDA libraries that ``tensorflow[and-cuda]`` or a CUDA base image adds.
Without them it runs on the CPU anyway, and ``tensorflow-cpu`` is the same library without
the GPU code. A service that only runs a ``.tflite`` model through ``tf.lite.Interpreter``
needs neither: the LiteRT interpreter (``ai-edge-litert``, formerly ``tflite-runtime``) is a
few MB.

GPU use is read from the image, not the code: a CUDA base, ``nvidia-*`` wheels or the
``and-cuda`` extra. ``options = { JT305 = { gpu = true } }`` silences the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.dockerfile.images import runtime_base
from jettison.facts.bases import is_cuda_base
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    finding_at,
    production_packages,
    replacement_saving,
    source_texts,
)

_TF_ATTRIBUTE = re.compile(r"\b(?:tf|tensorflow)\.(\w+)")
LITE_RUNTIME = "ai-edge-litert"


def _cuda_available(ctx: LintContext, packages: list[Declared]) -> bool:
    forced = ctx.option("JT305", "gpu")
    if isinstance(forced, bool):
        return forced
    base = runtime_base(ctx.dockerfile)
    if base is not None and is_cuda_base(base.ref):
        return True
    return any(p.name.startswith("nvidia-") or "and-cuda" in p.extras for p in packages)


def _lite_only(ctx: LintContext) -> bool:
    """The shipped code touches TensorFlow only through ``tf.lite``."""
    used = {m.group(1) for _, text in source_texts(ctx) for m in _TF_ATTRIBUTE.finditer(text)}
    return used == {"lite"}


def check(ctx: LintContext) -> Iterator[Finding]:
    packages = production_packages(ctx)
    found = [d for d in packages if d.name == "tensorflow"]
    if not found or _cuda_available(ctx, packages):
        return
    lite = _lite_only(ctx)
    for declared in found:
        if lite:
            message = (
                "tensorflow is installed but the shipped code only uses tf.lite: the LiteRT "
                f"interpreter ({LITE_RUNTIME}, formerly tflite-runtime) runs the same models"
            )
            fix = f"Replace tensorflow with {LITE_RUNTIME} and use its Interpreter."
            saving = replacement_saving(ctx, declared, LITE_RUNTIME)
        else:
            message = (
                "tensorflow carries GPU kernels that cannot run here (no CUDA base image, no "
                "nvidia-* wheels, no tensorflow[and-cuda]); tensorflow-cpu is the same "
                "library without them"
            )
            fix = f"Replace tensorflow with tensorflow-cpu{declared.specifier}."
            saving = replacement_saving(ctx, declared, "tensorflow-cpu")
        yield finding_at(RULE, ctx, declared, message, fix=fix, saving=saving)


RULE = Rule(
    code="JT305",
    name="tensorflow-with-gpu-kernels",
    severity=Severity.WARNING,
    summary="tensorflow in an image without CUDA, where tensorflow-cpu or a TFLite runtime serves.",
    check=check,
    example="# requirements.txt\ntensorflow==2.16.1",
    fix_example="# requirements.txt\ntensorflow-cpu==2.16.1",
)
