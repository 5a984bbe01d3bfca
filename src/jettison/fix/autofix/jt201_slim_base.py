"""JT201 fix (unsafe: the slim image lacks compilers and tools the build or the service may
use): the final stage on the slim variant of the official python image."""

from __future__ import annotations

from jettison.dockerfile.images import runtime_base
from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip
from jettison.fix.bases import slim_variant
from jettison.fix.edits import Edit
from jettison.imageref import parse_image
from jettison.lint.model import Finding


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    base = runtime_base(fix_input.dockerfile)
    if base is None:
        return Skip("the final stage is not built on a named image")
    written = base.stage.base
    ref = parse_image(written)
    if ref is None or "$" in written:
        return Skip(f"the base {written} is set by a build argument; change its default")
    if ref.digest is not None:
        return Skip(
            f"{written} is pinned by digest: pin the slim variant's digest by hand "
            "(jettison cannot look it up without a registry)"
        )
    slim = slim_variant(ref)
    tag = slim.rsplit(":", 1)[-1]
    old_tag = ref.tag
    line_number = base.at.position.line
    line = fix_input.source_lines[line_number - 1]
    at = line.find(f"{_repository(written)}:{old_tag}")
    if at < 0:
        return Skip(f"line {line_number}: the base is not written as NAME:TAG on its line")
    start = at + len(_repository(written)) + 1
    edit = Edit(line_number, start, line_number, start + len(old_tag), tag)
    return Fixed((edit,), f"final stage on {written.replace(old_tag, tag)} (slim)")


def _repository(written: str) -> str:
    """The reference as written, without its tag and digest."""
    name = written.split("@", 1)[0]
    slash, colon = name.rfind("/"), name.rfind(":")
    return name[:colon] if colon > slash else name


AUTOFIX = Autofix("JT201", False, "Use the python:X-slim variant for the final stage.", make)
