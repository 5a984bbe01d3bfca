"""JT5xx: model weights, training data and notebooks in the image."""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules.models import (
    jt501_weights_copied,
    jt502_weights_downloaded,
    jt503_hf_cache_baked,
    jt504_training_artifacts,
)

RULES: tuple[Rule, ...] = (
    jt501_weights_copied.RULE,
    jt502_weights_downloaded.RULE,
    jt503_hf_cache_baked.RULE,
    jt504_training_artifacts.RULE,
)
