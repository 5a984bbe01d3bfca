"""JT501: model weights copied into the image.

Why it matters: weights are large and change on their own schedule. Baked into a layer,
every push, pull and rebuild carries them, every model update is a new image, and the
same weights are stored once per image tag. Mount them as a volume (or a read-only model
store) or fetch them when the container starts, pinned to a revision.

Looks at ``COPY``/``ADD`` of the runtime stages: sources in the build context are walked
for weight files (``.safetensors``, ``.pt``, ``.pth``, ``.ckpt``, ``.onnx``, ``.gguf``, ``.tflite``,
large ``.h5``/``.keras``/``.bin``, as inspect's ``model-weights`` cause counts them), with
``.dockerignore`` and ``--exclude`` applied. A directory named ``models``/``checkpoints``
holding only code raises nothing. ``COPY --from=<stage>`` is followed back to what that
stage copied from the context. A source that is not in the context is judged by its name.
Hugging Face caches are JT503's.

Pickled model artefacts (``.pkl``, ``.joblib``: a fitted scikit-learn model, scaler or
encoder) are reported too, as ``info``: many teams ship a small one with the service on
purpose. They are a ``warning`` from 100 MB in the build context.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.copies import copy_parts, destination
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.facts.weights import (
    MIB,
    is_model_artifact,
)
from jettison.lint.helpers import human_bytes
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.rules.models._weights import (
    examine,
    is_stage,
    weights_in_image,
)

LARGE_ARTIFACT_BYTES = 100 * MIB
"""From this size a pickled model artefact is reported as a warning."""


def _is_artifact(path: Path, size: int) -> bool:
    return is_model_artifact(path.name)


def _described(
    dockerfile: Dockerfile,
    instruction: Instruction,
    files: list[tuple[str, int]],
    by_name: list[str],
) -> str:
    if files:
        shown = ", ".join(path for path, _ in files[:3])
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        size = sum(size for _, size in files)
        return f"{shown}{more} ({human_bytes(size)} in the build context)"
    origin = instruction.flag("from")
    where = (
        f"from image {origin}"
        if origin is not None and not is_stage(dockerfile, instruction)
        else "not in the build context"
    )
    return f"{', '.join(by_name)} ({where}; judged by its name)"


def _fix(dest: str) -> str:
    return (
        "Keep weights out of the image: mount them as a volume (docker run -v "
        f"models:{dest}:ro) or download them when the container starts, pinned to "
        "a revision; add them to .dockerignore."
    )


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    for stage in dockerfile.runtime_stages():
        for instruction in stage.of("COPY", "ADD"):
            parts = copy_parts(instruction)
            if parts is None:
                continue
            dest = destination(dockerfile, stage, instruction, parts[1])
            files, by_name = examine(ctx, instruction, parts[0])
            if files or by_name:
                context_bytes = sum(size for _, size in files)
                saving = weights_in_image(ctx, [dest])
                if saving is None and context_bytes:
                    saving = Saving(context_bytes, "size of the weight files in the build context")
                yield RULE.finding(
                    dockerfile.path,
                    instruction,
                    f"{instruction.keyword} bakes model weights into the image at {dest}: "
                    f"{_described(dockerfile, instruction, files, by_name)}",
                    fix=_fix(dest),
                    saving=saving,
                )
                continue
            files, by_name = examine(ctx, instruction, parts[0], _is_artifact, is_model_artifact)
            if not files and not by_name:
                continue
            size = sum(size for _, size in files)
            yield RULE.finding(
                dockerfile.path,
                instruction,
                f"{instruction.keyword} bakes a pickled model artefact into the image at "
                f"{dest}: {_described(dockerfile, instruction, files, by_name)}",
                fix=_fix(dest) + " A small model shipped with its service on purpose is fine.",
                saving=Saving(size, "size of the files in the build context") if size else None,
                severity=None if size >= LARGE_ARTIFACT_BYTES else Severity.INFO,
            )


RULE = Rule(
    code="JT501",
    name="weights-copied",
    severity=Severity.WARNING,
    summary="Model weights (.safetensors, .bin, .pt, .onnx, .gguf...) or pickled model "
    "artefacts (.pkl, .joblib) copied into the image.",
    check=check,
    example="COPY models/ /app/models/",
    fix_example=(
        "# .dockerignore: models/\n"
        "# docker run -v /srv/models:/app/models:ro IMAGE   (or fetch at start)"
    ),
)
