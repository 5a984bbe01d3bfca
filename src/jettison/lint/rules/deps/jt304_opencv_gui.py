"""JT304: ``opencv-python`` (or ``-contrib``) where the ``-headless`` build serves.

Why it matters: the regular OpenCV wheels bundle Qt and link against X11 and OpenGL, so
slim images also need ``libgl1`` and friends from apt. A service has no display; the
``-headless`` wheel is the same OpenCV without the GUI. The rule stays silent when the
shipped code opens OpenCV windows (``cv2.imshow``, ``cv2.namedWindow``...; matplotlib's
``plt.imshow`` and a leftover ``cv2.destroyAllWindows()`` are no GUI use).

Packages that require the GUI wheel themselves (python-doctr, paddleocr, ultralytics,
lama-cleaner, mediapipe...: :data:`~jettison.facts.packages.GUI_OPENCV_DEPENDENTS`) bring
it in without a line of the service's own; that is reported at ``info``, since it rests on
the package's published requirements, which change between releases.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import split_commands
from jettison.facts.packages import GUI_OPENCV_DEPENDENTS, HEADLESS_OPENCV
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    finding_at,
    is_gui_apt_package,
    names,
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
    packages = production_packages(ctx)
    found = [d for d in packages if d.name in HEADLESS]
    pulled = [d for d in packages if d.name in GUI_OPENCV_DEPENDENTS]
    if not (found or pulled) or _gui_used(ctx):
        return
    apt = _gui_apt_packages(ctx)
    also = f", and drop {', '.join(apt)} from apt-get install" if apt else ""
    yield from _direct(ctx, found, also)
    declared = {d.name for d in found}
    for wheel, group in _by_wheel(pulled, declared).items():
        yield _pulled(ctx, wheel, group, also)


def _by_wheel(pulled: list[Declared], declared: set[str]) -> dict[str, list[Declared]]:
    """The pulling packages per GUI wheel, for wheels the service does not declare itself
    (those get their own finding)."""
    out: dict[str, list[Declared]] = {}
    for d in pulled:
        wheel = GUI_OPENCV_DEPENDENTS[d.name]
        if wheel not in declared:
            out.setdefault(wheel, []).append(d)
    return out


def _pulled(ctx: LintContext, wheel: str, group: list[Declared], also: str) -> Finding:
    headless = HEADLESS[wheel]
    who = names(group)
    return finding_at(
        RULE,
        ctx,
        group[0],
        f"{who} {'requires' if len(group) == 1 else 'require'} {wheel} (per "
        f"{'its' if len(group) == 1 else 'their'} published requirements), the GUI build that "
        f"bundles Qt and needs X11/OpenGL libraries; a service has no display, and {headless} "
        "is the same OpenCV without the GUI",
        fix=(
            f"After installing {who}, swap the wheel: pip uninstall -y {wheel} && pip install "
            f"{headless} (or override the dependency: uv's override-dependencies, pip "
            f"constraints){also}."
        ),
        severity=Severity.INFO,
    )


def _direct(ctx: LintContext, found: list[Declared], also: str) -> Iterator[Finding]:
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
