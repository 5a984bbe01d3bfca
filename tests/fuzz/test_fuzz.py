"""The bounded fuzz run CI does on every submission: each harness of ``harnesses.py`` on a
fixed number of deterministic inputs (Hypothesis, derandomized, no example database), every
seed first. The long, coverage-guided campaign is ``bench/fuzz.py``.

The counts keep the whole module within about three minutes on a loaded 2-core machine;
``JETTISON_FUZZ_SCALE`` multiplies them (e.g. 10 for a longer local run).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from fuzz.harnesses import BY_NAME, HARNESSES
from fuzz.invariant import run_checked
from fuzz.strategies import inputs

EXAMPLES = {
    "tar": 2000,
    "layer": 2000,
    "filesystem": 300,
    "image": 1000,
    "dockerfile": 1500,
    "lint": 300,
    "fix": 150,
    "dockerignore": 2000,
    "requirements": 1000,
    "cache": 1500,
    "index": 1000,
}
SCALE = float(os.environ.get("JETTISON_FUZZ_SCALE", "1"))

# Hypothesis warns when an example's repr is large (an image file set can be tens of
# kB); under the suite's warnings-as-errors that warning, not the harness, would fail.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)


def test_every_harness_has_a_bounded_run() -> None:
    assert sorted(EXAMPLES) == sorted(h.name for h in HARNESSES)


@pytest.mark.parametrize("name", [h.name for h in HARNESSES])
def test_seeds_hold_the_invariant(name: str) -> None:
    harness = BY_NAME[name]
    seeds = harness.seeds()
    assert seeds, f"{name}: no seeds"
    for seed in seeds:
        run_checked(harness.target, seed)


@pytest.mark.parametrize("name", [h.name for h in HARNESSES])
def test_random_inputs_hold_the_invariant(name: str) -> None:
    harness = BY_NAME[name]

    @settings(
        max_examples=max(1, int(EXAMPLES[name] * SCALE)),
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs(name))
    def check(data: bytes) -> None:
        run_checked(harness.target, data)

    check()
