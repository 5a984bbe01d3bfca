"""JT205: the image is built on ``:latest`` (or no tag at all).

Why it matters: ``FROM pytorch/pytorch`` and ``FROM continuumio/miniconda3:latest`` take
whatever the tag points at on the day of the build: a new Python, torch or CUDA arrives
unannounced, a rebuild of an unchanged Dockerfile behaves differently, and a cached build
and a fresh one disagree. A version tag says which release the image is made for (a digest
pins it byte for byte, which this rule does not ask for).

Checked: the base of the final image, and the bases of builder stages whose installed
software the final image copies whole (``COPY --from=builder /opt/conda /opt/conda``).
``latest``, no tag and ``latest-*``/``*-latest`` variants (``latest-cpu``) are warnings;
other tags without any version (``stable``, ``edge``, ``nightly``, ``slim``) float too, and
are reported at ``info``. Distribution codenames (``debian:bookworm-slim``,
``ubuntu:jammy``) name a release and are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.dockerfile.images import RuntimeBase, copied_trees, shipped_base
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.steps import chain
from jettison.facts.bases import DEBIAN, UBUNTU
from jettison.imageref import ImageRef, parse_image
from jettison.lint.model import Finding, LintContext, Rule, Severity

_CODENAMES = frozenset({*DEBIAN, *(codename for codename, _ in UBUNTU.values())})


def floating(ref: ImageRef) -> Severity | None:
    """WARNING for ``latest`` and no tag, INFO for other version-less tags, None for a
    version tag, a codename or a digest."""
    if ref.digest is not None:
        return None
    parts = ref.tag_parts
    if not parts or ref.tag.lower() == "latest" or parts[0] == "latest" or parts[-1] == "latest":
        return Severity.WARNING
    versioned_name = re.search(r"\d", ref.name.rsplit("/", 1)[-1])  # static-debian12:nonroot
    if re.search(r"\d", ref.tag) or versioned_name or any(p in _CODENAMES for p in parts):
        return None
    return Severity.INFO


def _bases(dockerfile: Dockerfile) -> Iterator[tuple[RuntimeBase, str]]:
    """The final image's base, then the bases of builders whose trees it copies."""
    seen: set[int] = set()
    final = shipped_base(dockerfile)
    if final is not None:
        seen.add(final.stage.index)
        yield final, "the final image"
    for tree in copied_trees(dockerfile):
        root = chain(dockerfile, tree.source)[0]
        ref = parse_image(root.base_expanded)
        if ref is None or root.index in seen:
            continue
        seen.add(root.index)
        line = tree.instruction.position.line
        yield RuntimeBase(ref, root), f"the tree the final image copies ({tree.path}, line {line})"


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    for base, what in _bases(dockerfile):
        severity = floating(base.ref)
        if severity is None:
            continue
        ref = base.ref
        written = base.stage.base_expanded.strip()
        untagged = ":" not in written.rsplit("/", 1)[-1]
        kind = "no tag: latest" if untagged else f"the floating tag {ref.tag}"
        yield RULE.finding(
            dockerfile.path,
            base.at,
            f"FROM {written} ({kind}) is the base of {what}: each build takes whatever "
            f"{ref.name}:{ref.tag} points at that day",
            fix=(
                f"Name the release: `FROM {ref.name}:<version>` (the tag `docker image inspect` "
                "shows for the image you tested), or pin it with `@sha256:<digest>`."
            ),
            severity=severity,
        )


RULE = Rule(
    code="JT205",
    name="base-unpinned",
    severity=Severity.WARNING,
    summary="The image is built FROM :latest (or no tag), so every build may get another base.",
    check=check,
    example="FROM continuumio/miniconda3:latest\nRUN conda install -y numpy",
    fix_example="FROM continuumio/miniconda3:24.7.1-0\nRUN conda install -y numpy",
)
