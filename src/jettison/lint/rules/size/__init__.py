"""JT1xx: generic size rules, at parity with hadolint's."""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules.size import (
    jt101_apt_lists,
    jt102_apt_recommends,
    jt103_apk_cache,
    jt104_yum_clean,
    jt105_zypper_clean,
    jt106_dnf_clean,
    jt107_pip_cache,
    jt108_consecutive_runs,
    jt109_yarn_cache,
    jt110_distro_upgrade,
    jt111_apt_update_separate,
    jt112_uv_poetry_cache,
)

RULES: tuple[Rule, ...] = (
    jt101_apt_lists.RULE,
    jt102_apt_recommends.RULE,
    jt103_apk_cache.RULE,
    jt104_yum_clean.RULE,
    jt105_zypper_clean.RULE,
    jt106_dnf_clean.RULE,
    jt107_pip_cache.RULE,
    jt108_consecutive_runs.RULE,
    jt109_yarn_cache.RULE,
    jt110_distro_upgrade.RULE,
    jt111_apt_update_separate.RULE,
    jt112_uv_poetry_cache.RULE,
)
