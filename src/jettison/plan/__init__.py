"""``jettison plan``: shared base images and split requirements for a fleet of services.

discover -> graph (imports per service) -> split (pure) -> generate (pure) -> write ->
measure (optional builds); :func:`jettison.plan.core.plan` runs them in that order and
returns a :class:`jettison.plan.model.PlanReport`.
"""
