"""CI integration: the entry script of the GitHub Action (``action.yml``) and the GitLab CI
template (``ci/gitlab/jettison.gitlab-ci.yml``): ``python -m jettison.ci``.

It runs jettison's own commands (as a user would, through ``python -m jettison``): inspect
with budgets (and the rules of a dive ``.dive-ci`` file), lint to SARIF, diff against a
baseline image; writes one Markdown comment and keeps exactly one such comment on the pull
or merge request up to date (:mod:`.forge`). Exit 1 when a budget, a dive rule or the growth
gate is broken, 2 on bad input. Tokens are read from the environment and never printed.
"""
