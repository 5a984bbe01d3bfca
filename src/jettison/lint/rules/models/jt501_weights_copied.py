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
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from jettison.dockerfile.copies import copy_parts, destination
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.facts.weights import HF_CACHE_PATH, named_like_weights
from jettison.lint.helpers import human_bytes
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.rules.models._weights import (
    context_weights,
    weights_in_image,
)


def _stage_sources(dockerfile: Dockerfile, ref: str, path: str) -> list[str] | None:
    """The build-context sources that put ``path`` into stage ``ref`` (by COPY), or None
    when ``ref`` is not a stage of this file or nothing there copied ``path``."""
    stage = dockerfile.stage_ref(ref)
    if stage is None:
        return None
    wanted = posixpath.normpath(posixpath.join("/", path))
    out: list[str] = []
    chain = [stage]
    while (parent := dockerfile.stage_named(chain[-1].base_expanded)) is not None:
        if parent in chain:
            break
        chain.append(parent)
    for current in chain:
        for copy in current.of("COPY", "ADD"):
            parts = copy_parts(copy)
            if parts is None or copy.flag("from") is not None:
                continue
            dest = destination(dockerfile, current, copy, parts[1])
            if wanted == dest or wanted.startswith(dest + "/") or dest.startswith(wanted + "/"):
                out.extend(parts[0])
    return out or None


def _is_stage(dockerfile: Dockerfile, instruction: Instruction) -> bool:
    return dockerfile.stage_ref(instruction.flag("from") or "") is not None


def _examine(
    ctx: LintContext, instruction: Instruction, sources: list[str]
) -> tuple[list[tuple[str, int]], list[str]]:
    """(weight files found in the context, sources judged by name only)."""
    assert ctx.dockerfile is not None
    files: dict[str, int] = {}
    by_name: list[str] = []
    excludes = instruction.flag_values("exclude")
    origin = instruction.flag("from")
    for source in sources:
        if "$" in source or "://" in source or source.startswith("git@"):
            continue
        if HF_CACHE_PATH.search(source):
            continue  # JT503
        context_sources: list[str] | None = [source]
        if origin is not None:
            context_sources = _stage_sources(ctx.dockerfile, origin, source)
        if context_sources is None:
            if named_like_weights(source):
                by_name.append(source)
            continue
        for context_source in context_sources:
            if HF_CACHE_PATH.search(context_source):
                continue
            found = context_weights(ctx, context_source, excludes)
            if found is None:
                if named_like_weights(context_source):
                    by_name.append(context_source)
            else:
                files.update(found.files)
    ordered = sorted(files.items(), key=lambda item: (-item[1], item[0]))
    return ordered, list(dict.fromkeys(by_name))


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    for stage in dockerfile.runtime_stages():
        for instruction in stage.of("COPY", "ADD"):
            parts = copy_parts(instruction)
            if parts is None:
                continue
            files, by_name = _examine(ctx, instruction, parts[0])
            if not files and not by_name:
                continue
            dest = destination(dockerfile, stage, instruction, parts[1])
            context_bytes = sum(size for _, size in files)
            if files:
                shown = ", ".join(path for path, _ in files[:3])
                more = f" and {len(files) - 3} more" if len(files) > 3 else ""
                what = f"{shown}{more} ({human_bytes(context_bytes)} in the build context)"
            else:
                origin = instruction.flag("from")
                where = (
                    f"from image {origin}"
                    if origin is not None and not _is_stage(dockerfile, instruction)
                    else "not in the build context"
                )
                what = f"{', '.join(by_name)} ({where}; judged by its name)"
            saving = weights_in_image(ctx, [dest])
            if saving is None and context_bytes:
                saving = Saving(context_bytes, "size of the weight files in the build context")
            yield RULE.finding(
                dockerfile.path,
                instruction,
                f"{instruction.keyword} bakes model weights into the image at {dest}: {what}",
                fix=(
                    "Keep weights out of the image: mount them as a volume (docker run -v "
                    f"models:{dest}:ro) or download them when the container starts, pinned to "
                    "a revision; add them to .dockerignore."
                ),
                saving=saving,
            )


RULE = Rule(
    code="JT501",
    name="weights-copied",
    severity=Severity.WARNING,
    summary="Model weights (.safetensors, .bin, .pt, .onnx, .gguf...) copied into the image.",
    check=check,
    example="COPY models/ /app/models/",
    fix_example=(
        "# .dockerignore: models/\n"
        "# docker run -v /srv/models:/app/models:ro IMAGE   (or fetch at start)"
    ),
)
