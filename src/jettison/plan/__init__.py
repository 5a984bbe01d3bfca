"""``jettison plan``: shared base images and split requirements for a fleet of services.

discover -> graph (imports per service) -> split (pure) -> generate (pure) -> write ->
measure (optional builds); :func:`jettison.plan.api.plan` runs them in that order and
returns a :class:`jettison.plan.model.PlanReport`.
"""
