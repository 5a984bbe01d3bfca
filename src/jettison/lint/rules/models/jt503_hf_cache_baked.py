"""JT503: a Hugging Face (or torch hub) cache baked into the image.

Why it matters: the cache holds every model and revision ever fetched into it, as blobs
plus symlinked snapshots. Pointing ``HF_HOME``/``TRANSFORMERS_CACHE``/``HF_HUB_CACHE``
(or ``TORCH_HOME``, ``SENTENCE_TRANSFORMERS_HOME``) at a path in the image and downloading
during the build, or copying a ``.cache/huggingface`` directory in, freezes that cache into
a layer. Mount the cache as a volume at run time instead.

Reports the ``ENV`` that sets the cache when a later ``RUN`` of the runtime stages
downloads into it (the download itself is JT502's, which carries the saving), and any
``COPY``/``ADD`` of a cache directory (``.cache/huggingface``, ``huggingface/hub``,
``models--ORG--NAME``), from the context or from another stage.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.copies import copy_parts, destination
from jettison.facts.weights import CACHE_ENV, HF_CACHE_PATH
from jettison.hostpaths import is_dir
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.packages import env_pairs
from jettison.lint.rules.models._weights import (
    MAX_WALK_FILES,
    downloads,
    weights_in_image,
)

_FIX = (
    "Mount the cache as a volume at run time (docker run -v hf-cache:{path}) and download on "
    "first start, or use RUN --mount=type=cache,target={path} for build-time use only."
)


def _tree_bytes(root: Path) -> int:
    total = seen = 0
    for folder, _, names in os.walk(root):
        for name in names:
            seen += 1
            if seen > MAX_WALK_FILES:
                return total
            try:
                total += (Path(folder) / name).lstat().st_size
            except OSError:
                continue
    return total


def _env_findings(ctx: LintContext) -> Iterator[Finding]:
    assert ctx.dockerfile is not None
    cached = [d for d in downloads(ctx) if d.uses_cache and not d.targets]
    if not cached:
        return
    for stage in ctx.dockerfile.runtime_stages():
        for env in stage.of("ENV"):
            for name, value in env_pairs(env):
                if name not in CACHE_ENV or not value.startswith("/"):
                    continue
                later = [d for d in cached if d.instruction.position.line > env.position.line]
                if not later:
                    continue
                lines = ", ".join(str(d.instruction.position.line) for d in later)
                yield RULE.finding(
                    ctx.dockerfile.path,
                    env,
                    f"{name}={value} puts the model cache inside the image, and the build "
                    f"downloads into it (line {lines}): the cache is baked into a layer",
                    fix=_FIX.format(path=value),
                )


def _copy_findings(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    assert dockerfile is not None
    for stage in dockerfile.runtime_stages():
        for instruction in stage.of("COPY", "ADD"):
            parts = copy_parts(instruction)
            if parts is None:
                continue
            caches = [s for s in parts[0] if HF_CACHE_PATH.search(s) and "://" not in s]
            if not caches:
                continue
            dest = destination(dockerfile, stage, instruction, parts[1])
            saving = weights_in_image(ctx, [dest])
            if saving is None and instruction.flag("from") is None:
                local = [ctx.context_dir / s.lstrip("/") for s in caches]
                size = sum(_tree_bytes(p) if is_dir(p) else 0 for p in local)
                if size:
                    saving = Saving(size, "size of the cache directory in the build context")
            origin = instruction.flag("from")
            source = f" from stage {origin}" if origin is not None else ""
            yield RULE.finding(
                dockerfile.path,
                instruction,
                f"{instruction.keyword} copies a model cache ({', '.join(caches)}){source} "
                f"into the image at {dest}",
                fix=_FIX.format(path=dest),
                saving=saving,
            )


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    yield from _env_findings(ctx)
    yield from _copy_findings(ctx)


RULE = Rule(
    code="JT503",
    name="model-cache-baked",
    severity=Severity.WARNING,
    summary="A Hugging Face/torch model cache baked into the image (HF_HOME in the image plus "
    "a download, or a copied .cache/huggingface).",
    check=check,
    example=(
        "ENV HF_HOME=/opt/hf\n"
        "RUN python -c \"from transformers import pipeline; pipeline('sentiment-analysis')\""
    ),
    fix_example=(
        "ENV HF_HOME=/opt/hf\nVOLUME /opt/hf\n# docker run -v hf-cache:/opt/hf IMAGE "
        "(downloads on first start)"
    ),
)
