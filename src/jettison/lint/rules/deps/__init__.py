"""JT3xx: Python dependencies."""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules.deps import (
    jt301_dev_tools,
    jt302_cuda_torch_on_cpu,
    jt303_unused_torch_addons,
    jt304_opencv_gui,
    jt305_tensorflow_full,
    jt306_duplicate_stacks,
    jt307_torch_over_base,
    jt308_unpinned,
    jt309_unused,
    jt310_duplicate_cuda,
    jt311_runtime_install,
)

RULES: tuple[Rule, ...] = (
    jt301_dev_tools.RULE,
    jt302_cuda_torch_on_cpu.RULE,
    jt303_unused_torch_addons.RULE,
    jt304_opencv_gui.RULE,
    jt305_tensorflow_full.RULE,
    jt306_duplicate_stacks.RULE,
    jt307_torch_over_base.RULE,
    jt308_unpinned.RULE,
    jt309_unused.RULE,
    jt310_duplicate_cuda.RULE,
    jt311_runtime_install.RULE,
)
