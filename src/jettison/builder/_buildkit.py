"""What a Docker build needs BuildKit for, and the CA bundle made visible to every RUN step.

Docker's classic builder still builds a Dockerfile that uses no BuildKit feature; this module
says which features a Dockerfile (and a request) uses, so the docker backend can fall back to
it when no CLI here has BuildKit, or say exactly why it cannot.

The CA bundle: buildah bind-mounts it into every RUN step; BuildKit gives it only to a RUN
that mounts the secret. So for a build with ``--ca-bundle`` the docker backend builds a copy
of the Dockerfile (in a temporary folder, never beside the user's) whose every RUN mounts it:
``RUN --mount=type=secret,id=ca,target=/run/host-ca.crt ...``. Nothing of it is in the image.
"""

from __future__ import annotations

import re
from pathlib import Path

from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.parser import parse_text, read_text

CA_SECRET_ID = "ca"
_RUN_FLAGS = ("mount", "network", "security")
_COPY_FLAGS = ("link", "chmod", "parents", "exclude", "checksum", "keep-git-dir")
_KEYWORD = re.compile(r"^(\s*)(RUN)(?=\s)", re.IGNORECASE)


def features(dockerfile: Dockerfile) -> list[str]:
    """The BuildKit-only features ``dockerfile`` uses, each as ``what (line N)``."""
    found: list[str] = []
    if "syntax" in dockerfile.directives:
        found.append(f"a # syntax={dockerfile.directives['syntax']} directive")
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            line = instruction.position.line
            names: tuple[str, ...] = _RUN_FLAGS if instruction.keyword == "RUN" else ()
            if instruction.keyword in ("COPY", "ADD"):
                names = _COPY_FLAGS
            for name in names:
                if instruction.flag(name) is not None:
                    found.append(f"{instruction.keyword} --{name} (line {line})")
            if instruction.heredocs:
                found.append(f"a heredoc in {instruction.keyword} (line {line})")
    return found


def needs(dockerfile: Path, *, secrets: bool, ca_bundle: bool) -> list[str]:
    """Why a build of ``dockerfile`` needs BuildKit (empty: the classic builder will do)."""
    reasons = features(parse_text(read_text(dockerfile), dockerfile))
    if ca_bundle:
        reasons.insert(0, "--ca-bundle (passed to RUN steps as a BuildKit secret)")
    if secrets:
        reasons.insert(0, "--secret")
    return reasons


def with_ca_mounts(dockerfile: Path, target: str) -> str:
    """The text of ``dockerfile`` with ``--mount=type=secret,id=ca,target=TARGET`` on every
    RUN (ONBUILD RUN lines are left: they run in another build)."""
    text = read_text(dockerfile)
    lines = text.splitlines(keepends=True)
    parsed = parse_text(text, dockerfile)
    flag = f"--mount=type=secret,id={CA_SECRET_ID},target={target}"
    runs = {
        i.position.line for stage in parsed.stages for i in stage.instructions if i.keyword == "RUN"
    }
    for number in sorted(runs):
        line = lines[number - 1]
        lines[number - 1] = _KEYWORD.sub(lambda m: f"{m.group(1)}{m.group(2)} {flag}", line, 1)
    return "".join(lines)


SYNTAX_HINT = (
    "the Dockerfile's # syntax= line makes BuildKit fetch that frontend image from a "
    "registry; without the line the built-in frontend builds it (RUN --mount, secrets and "
    "heredocs included)"
)


def syntax_failure(lines: tuple[str, ...], frontend: str) -> bool:
    """Whether a failed BuildKit build died fetching its ``# syntax=`` frontend image."""
    name = frontend.split("@")[0].rsplit(":", 1)[0].removeprefix("docker.io/")
    return any(name in line and ("resolve" in line or "pull" in line) for line in lines)
