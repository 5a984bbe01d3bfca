"""JT502: model weights downloaded while the image is built.

Why it matters: ``from_pretrained()``/``snapshot_download()`` in a ``RUN python -c``,
``huggingface-cli download``, ``git lfs pull`` or ``wget``/``curl``/``ADD`` of a
``.safetensors``/``.bin``/``.onnx``/``.gguf`` file write gigabytes into a layer. The image
then carries a model snapshot that changes on its own schedule, every push and pull moves
it, and the build needs network access to the model hub. Fetch weights when the container
starts (into a mounted volume), or mount them read-only.

A download into a ``RUN --mount=type=cache`` over the cache directory leaves nothing in the
image and is not reported. Scripts run by ``RUN python script.py`` are read from the build
context when they are there; otherwise a script named like ``download_model.py`` counts.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.facts.weights import cache_dirs
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.models._weights import downloads, env_values, weights_in_image


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    stages = dockerfile.runtime_stages()
    for download in downloads(ctx):
        line = download.instruction.position.line
        caches = cache_dirs(env_values(stages, line)) if download.uses_cache else []
        where = [*download.targets, *caches]
        into = f" into {', '.join(where)}" if where else ""
        yield RULE.finding(
            dockerfile.path,
            download.instruction,
            f"{download.instruction.keyword} downloads model weights during the build "
            f"({'; '.join(download.what)}){into}: they become a layer of the image",
            fix=(
                "Download at container start into a mounted volume (e.g. an entrypoint running "
                "huggingface-cli download ORG/NAME --revision SHA --local-dir /models), or "
                "mount the weights read-only."
            ),
            saving=weights_in_image(ctx, where),
        )


RULE = Rule(
    code="JT502",
    name="weights-downloaded-in-build",
    severity=Severity.WARNING,
    summary="Model weights downloaded during the build (from_pretrained, snapshot_download, "
    "huggingface-cli download, wget of weights).",
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
