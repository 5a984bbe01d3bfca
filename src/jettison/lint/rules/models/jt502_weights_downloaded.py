"""JT502: model weights downloaded while the image is built.

Why it matters: ``from_pretrained()``/``snapshot_download()`` in a ``RUN python -c``,
``huggingface-cli download``, ``git lfs pull`` or ``wget``/``curl``/``ADD`` of a
``.safetensors``/``.bin``/``.onnx``/``.gguf`` file write gigabytes into a layer. The image
then carries a model snapshot that changes on its own schedule, every push and pull moves
it, and the build needs network access to the model hub. Fetch weights when the container
starts (into a mounted volume), or mount them read-only.

What counts: model hub CLIs (``huggingface-cli``/``hf download``, ``ollama pull``,
``modelscope download``, ``docling-tools models download``, ``spacy download``,
``python -m unidic download``, ``python -m nltk.downloader``); the Python a RUN executes
(``python -c``, heredocs, and scripts or modules read from the build context, with the local
modules they import) calling a model loader (``from_pretrained``, ``pipeline``,
``SentenceTransformer``, ``whisper.load_model``, ``spacy.cli.download``, fastembed's
embeddings...) or a local function whose body downloads; weight files fetched by URL; model
packages (spaCy's ``en_core_web_trf``...) installed from requirement files or URLs; and a
builder stage that downloads weights which ``COPY --from`` brings into the final image.

Small language data (NLTK tokenizers, spaCy's ``_sm`` models) is ``info``. A download into
a ``RUN --mount=type=cache`` over the cache directory leaves nothing in the image and is not
reported. A script that is not in the context counts by its name: ``download_model.py``
as a ``warning``, a name that only says it fetches something (``download.py``) as ``info``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.commands.python import pip_installs
from jettison.dockerfile.context_files import ContextFiles
from jettison.dockerfile.copies import copy_parts
from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.steps import Step, expand, steps
from jettison.facts.weights import SMALL_MODEL_PACKAGE, cache_dirs, is_model_package
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.models._weights import (
    Download,
    downloads,
    env_values,
    stage_downloads,
    weights_in_image,
)

_FIX = (
    "Download at container start into a mounted volume (e.g. an entrypoint running "
    "huggingface-cli download ORG/NAME --revision SHA --local-dir /models), or mount the "
    "weights read-only."
)


def _where(dockerfile: Dockerfile, download: Download, stages: list[Stage]) -> list[str]:
    line = download.instruction.position.line
    caches = cache_dirs(env_values(stages, line)) if download.uses_cache else []
    return [*download.targets, *caches]


def _run_findings(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    assert dockerfile is not None
    stages = dockerfile.runtime_stages()
    for download in downloads(ctx):
        where = _where(dockerfile, download, stages)
        into = f" into {', '.join(where)}" if where else ""
        what = "language data" if download.small else "model weights"
        yield RULE.finding(
            dockerfile.path,
            download.instruction,
            f"{download.instruction.keyword} downloads {what} during the build "
            f"({'; '.join(download.what)}){into}: they become a layer of the image",
            fix=_FIX,
            saving=weights_in_image(ctx, where),
            severity=Severity.INFO if download.small or download.guessed else None,
        )


def _package_findings(ctx: LintContext) -> Iterator[Finding]:
    """Model packages (spaCy models) that a pip install of a runtime stage installs, from
    a requirement file it names or from its own arguments."""
    dockerfile = ctx.dockerfile
    assert dockerfile is not None
    models = [r for r in ctx.requirements.requirements if is_model_package(r.name, r.url)]
    for stage in dockerfile.runtime_stages():
        for step in steps(dockerfile, stage):
            if step.instruction.keyword != "RUN":
                continue
            found: list[str] = []
            for install in pip_installs(step.instruction):
                found.extend(p.name for p in install.packages if is_model_package(p.name, p.url))
                for written in install.requirement_files:
                    found.extend(
                        r.name for r in models if _installs_file(ctx, step, written, r.file)
                    )
            if not found:
                continue
            names = list(dict.fromkeys(found))
            small = all(SMALL_MODEL_PACKAGE.search(n) for n in names)
            yield RULE.finding(
                dockerfile.path,
                step.instruction,
                f"RUN installs model packages ({', '.join(names)}): model weights packed as "
                "wheels become a layer of the image",
                fix=(
                    "Install the model when the container starts into a mounted volume, or "
                    "ship only the small model the service needs."
                ),
                severity=Severity.INFO if small else None,
            )


def _installs_file(ctx: LintContext, step: Step, written: str, file: Path) -> bool:
    """Whether ``pip install -r WRITTEN`` at ``step`` installs requirement file ``file``: the
    COPY lines bring it there, or (when the context cannot say) the names agree."""
    assert ctx.dockerfile is not None
    image_path = absolute(expand(written, step.env), step.cwd)
    line = step.instruction.position.line
    files = ContextFiles.in_stage(ctx.dockerfile, step.stage.index, before_line=line)
    sources = files.sources(image_path)
    try:
        relative = file.resolve().relative_to(ctx.context_dir.resolve()).as_posix()
    except ValueError:
        relative = None
    if relative is not None and relative in sources:
        return True
    return posixpath.basename(image_path) == file.name


def _stage_copy_findings(ctx: LintContext) -> Iterator[Finding]:
    """``COPY --from=STAGE`` in the final image of what a builder stage downloaded."""
    dockerfile = ctx.dockerfile
    assert dockerfile is not None
    runtime = {s.index for s in dockerfile.runtime_stages()}
    for stage in dockerfile.runtime_stages():
        for instruction in stage.of("COPY"):
            origin = dockerfile.stage_ref(instruction.flag("from") or "")
            parts = copy_parts(instruction)
            if origin is None or origin.index in runtime or parts is None:
                continue
            fetched = _downloads_under(ctx, origin, parts[0])
            if fetched:
                yield _stage_finding(dockerfile, instruction, origin, fetched)


def _downloads_under(ctx: LintContext, stage: Stage, sources: list[str]) -> list[Download]:
    dockerfile = ctx.dockerfile
    assert dockerfile is not None
    chain = [s for s in dockerfile.stages if s.index <= stage.index]
    out = []
    for download in stage_downloads(ctx, stage):
        where = _where(dockerfile, download, chain)
        copied = [absolute(s, "/") for s in sources]
        if any(covers(c, w) or covers(w, c) for c in copied for w in where):
            out.append(download)
    return out


def _stage_finding(
    dockerfile: Dockerfile, instruction: Instruction, origin: Stage, fetched: list[Download]
) -> Finding:
    lines = ", ".join(str(d.instruction.position.line) for d in fetched)
    what = "; ".join(w for d in fetched for w in d.what)
    return RULE.finding(
        dockerfile.path,
        instruction,
        f"COPY brings the model weights stage {origin.name or origin.index} downloads "
        f"(line {lines}: {what}) into the image",
        fix=_FIX,
        severity=Severity.INFO if all(d.small for d in fetched) else None,
    )


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    yield from _run_findings(ctx)
    yield from _package_findings(ctx)
    yield from _stage_copy_findings(ctx)


RULE = Rule(
    code="JT502",
    name="weights-downloaded-in-build",
    severity=Severity.WARNING,
    summary="Model weights downloaded during the build (from_pretrained, snapshot_download, "
    "huggingface-cli download, wget of weights, model packages, a download stage copied in).",
    check=check,
    example=(
        'RUN python -c "from transformers import AutoModel; '
        "AutoModel.from_pretrained('bert-base-uncased')\""
    ),
    fix_example=(
        "# entrypoint.sh, at start:\n"
        "huggingface-cli download bert-base-uncased --revision <sha> --local-dir /models/bert\n"
        "exec python -m app"
    ),
)
