"""Which step a failed build stopped at, from each builder's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.builder.log import failing_step

BUILDAH_LOG = Path(__file__).with_name("buildah_failed_build.log")


def test_buildah_captured_log() -> None:
    lines = BUILDAH_LOG.read_text().splitlines()
    assert failing_step(lines) == "3/4: RUN echo about to fail && exit 3"


@pytest.mark.parametrize(
    ("log", "step"),
    [
        # older buildah wording
        ('STEP 1/2: FROM x\nSTEP 2/2: RUN false\nerror building at STEP "RUN false": exit 1',
         "2/2: RUN false"),
        # killed without an error line: the last step that started
        ("STEP 1/3: FROM x\nSTEP 2/3: COPY a b\n", "2/3: COPY a b"),
        # docker's classic builder
        ("Step 1/2 : FROM x\nStep 2/2 : RUN false\n", "2/2 : RUN false"),
        # BuildKit --progress plain: the summary names the step
        ("#1 [internal] load build definition\n#5 [2/3] RUN true\n#6 [3/3] RUN false\n"
         "------\n > [2/3] RUN true:\n------\nERROR: failed to solve", "[2/3] RUN true"),
        ("#6 [builder 3/4] RUN pip install x\n#6 ERROR: exit code: 1\n",
         "[builder 3/4] RUN pip install x"),
        ("no steps here\n", None),
    ],
)  # fmt: skip
def test_failing_step(log: str, step: str | None) -> None:
    assert failing_step(log.splitlines()) == step
