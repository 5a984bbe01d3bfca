"""JT6xx: runtime and security."""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules.runtime import (
    jt601_root_user,
    jt602_secrets_in_env,
    jt603_add_remote_url,
    jt604_dev_server,
    jt605_no_healthcheck,
    jt606_runtime_install,
    jt607_unpinned_remote_source,
    jt608_insecure_package_source,
    jt609_sudo_nopasswd,
    jt610_entrypoint_no_exec,
)

RULES: tuple[Rule, ...] = (
    jt601_root_user.RULE,
    jt602_secrets_in_env.RULE,
    jt603_add_remote_url.RULE,
    jt604_dev_server.RULE,
    jt605_no_healthcheck.RULE,
    jt606_runtime_install.RULE,
    jt607_unpinned_remote_source.RULE,
    jt608_insecure_package_source.RULE,
    jt609_sudo_nopasswd.RULE,
    jt610_entrypoint_no_exec.RULE,
)
