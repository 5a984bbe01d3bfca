"""JT304: ``opencv-python`` (or ``-contrib``) where the ``-headless`` build serves.

Why it matters: the regular OpenCV wheels bundle Qt and link against X11 and OpenGL, so
slim images also need ``libgl1`` and friends from apt. A service has no display; the
``-headless`` wheel is the same OpenCV without the GUI. The rule stays silent when the
shipped code calls OpenCV's window functions (``cv2.imshow``, ``waitKey``...).
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import split_commands
from jettison.facts.packages import HEADLESS_OPENCV
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    finding_at,
    is_gui_apt_package,
    opencv_gui_call,
    production_instructions,
    production_packages,
    replacement_saving,
    source_texts,
)

HEADLESS = HEADLESS_OPENCV


def _gui_used(ctx: LintContext) -> bool:
    return any(opencv_gui_call(text) for _, text in source_texts(ctx))


def _gui_apt_packages(ctx: LintContext) -> list[str]:
    out: list[str] = []
    for run in production_instructions(ctx, "RUN"):
        for command in split_commands(run.shell_text):
            if command.name in {"apt-get", "apt"} and "install" in command.words():
                out.extend(w for w in command.words() if is_gui_apt_package(w))
    return list(dict.fromkeys(out))


def check(ctx: LintContext) -> Iterator[Finding]:
    found = [d for d in production_packages(ctx) if d.name in HEADLESS]
    if not found or _gui_used(ctx):
        return
    apt = _gui_apt_packages(ctx)
    also = f", and drop {', '.join(apt)} from apt-get install" if apt else ""
    for declared in found:
        headless = HEADLESS[declared.name]
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{declared.name} bundles Qt and needs X11/OpenGL libraries; a service has no "
            f"display, and {headless} is the same OpenCV without the GUI",
            fix=f"Replace {declared.name} with {headless}{declared.specifier}{also}.",
            saving=replacement_saving(ctx, declared, headless),
        )


RULE = Rule(
    code="JT304",
    name="opencv-with-gui",
    severity=Severity.WARNING,
    summary="opencv-python/opencv-contrib-python instead of the -headless build.",
    check=check,
    example="# requirements.txt\nopencv-python==4.10.0.84",
    fix_example="# requirements.txt\nopencv-python-headless==4.10.0.84",
)
