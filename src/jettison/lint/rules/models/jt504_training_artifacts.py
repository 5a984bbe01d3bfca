"""JT504: training datasets and notebooks copied into a serving image.

Why it matters: a serving image needs the model and the code that serves it, not what the
model was trained from. A dataset copied in is dead weight on every pull (often the largest
file of the repository), and it ships data that may not be meant to leave the training
environment: a credit or patient table inside an image pushed to a registry is a leak.
Notebooks are the training code, with their outputs (sometimes the data again) embedded.

Looks at explicit ``COPY``/``ADD`` sources of the runtime stages: dataset files (``.csv``,
``.parquet``, ``.feather``, ``.npz``, ``.jsonl``...), notebooks (``.ipynb``), and
``data``/``datasets``/``notebooks`` folders, walked in the build context (``.dockerignore``
applied) or judged by name when absent. A dataset is a ``warning`` when the shipped code is
visible and never names it (nothing at run time reads it); when the code names it, it is
runtime data and only ``info``, as are notebooks and what is judged by name alone. A
``COPY . .`` that brings them along is JT402's (the ``.dockerignore``).

Not JT501: weights are the model the service runs, to be mounted or fetched at start;
these are the training inputs, to be left out of the image altogether.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.copies import copy_parts, destination, whole_context
from jettison.facts.weights import (
    NOTEBOOK_SUFFIX,
    is_training_artifact,
    named_like_training_data,
)
from jettison.lint.helpers import human_bytes
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.packages import source_texts
from jettison.lint.rules.models._weights import examine


def _is_training_file(path: Path, size: int) -> bool:
    return is_training_artifact(path.name)


def _is_notebook(path: str) -> bool:
    return path.lower().endswith(NOTEBOOK_SUFFIX)


def _unread(ctx: LintContext, datasets: list[str]) -> bool | None:
    """True when the shipped code is visible and names none of ``datasets`` (files, or the
    folders they were copied from: code that reads ``data/`` by listing it names the
    folder); None when no code is visible."""
    texts = [text for _, text in source_texts(ctx)]
    if not texts:
        return None
    names = {posixpath.basename(d.rstrip("/")) for d in datasets}
    stems = {posixpath.splitext(n)[0] for n in names}
    return not any(n in text for text in texts for n in names | stems if len(n) > 3)


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    for stage in dockerfile.runtime_stages():
        for instruction in stage.of("COPY", "ADD"):
            parts = copy_parts(instruction)
            if parts is None or whole_context(instruction):
                continue
            files, by_name = examine(
                ctx, instruction, parts[0], _is_training_file, named_like_training_data
            )
            if not files and not by_name:
                continue
            paths = [p for p, _ in files] or by_name
            datasets = [p for p in paths if not _is_notebook(p)]
            size = sum(s for _, s in files)
            folders = [src for src in parts[0] if not posixpath.splitext(src.rstrip("/"))[1]]
            named = [*datasets, *folders]
            solid = bool(datasets) and _unread(ctx, named) is True
            shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
            where = f"{human_bytes(size)} in the build context" if files else "judged by its name"
            kind = "training data" if datasets else "a notebook"
            why = "; the shipped code never names it" if solid else ""
            dest = destination(dockerfile, stage, instruction, parts[1])
            yield RULE.finding(
                dockerfile.path,
                instruction,
                f"{instruction.keyword} ships {kind} in the serving image at {dest}: {shown} "
                f"({where}){why}",
                fix=(
                    "Copy only what the service runs (its code and model); leave datasets and "
                    "notebooks out of the image and add them to .dockerignore."
                ),
                saving=Saving(size, "size of the files in the build context") if size else None,
                severity=None if solid else Severity.INFO,
            )


RULE = Rule(
    code="JT504",
    name="training-artifacts-copied",
    severity=Severity.WARNING,
    summary="Training datasets (.csv, .parquet...) or notebooks copied into a serving image.",
    check=check,
    example="COPY train.csv model.ipynb main.py model.pkl /app/",
    fix_example="COPY main.py model.pkl /app/\n# .dockerignore: *.csv, *.ipynb",
)
