"""JT605: an HTTP service whose final image has no ``HEALTHCHECK``.

Why it matters: without one, Docker, Compose and Swarm only know whether the process is
alive, not whether it answers: a model server stuck loading weights or deadlocked keeps
receiving traffic. A service is taken as HTTP when its stages ``EXPOSE`` a port or its
command is a known server (uvicorn, gunicorn, torchserve, ...). On Kubernetes, which
ignores ``HEALTHCHECK``, liveness/readiness probes do this job; hence ``info``.
``HEALTHCHECK NONE`` is an explicit choice and is respected.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.launch import launches
from jettison.dockerfile.steps import runtime_steps
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.runtime._command import is_server


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None or ctx.dockerfile.final_stage is None:
        return
    chain = runtime_steps(ctx.dockerfile)
    if any(s.instruction.keyword == "HEALTHCHECK" for s in chain):
        return
    exposes = [s.instruction for s in chain if s.instruction.keyword == "EXPOSE"]
    servers = [launch for launch in launches(ctx.dockerfile) if is_server(launch)]
    if not exposes and not servers:
        return
    ports = [p.split("/", 1)[0] for e in exposes for p in e.args]
    if servers:
        why = f"runs {servers[0].program}"
        at = servers[0].instruction
    else:
        why = f"exposes port {', '.join(ports)}"
        at = exposes[0]
    url = f"http://localhost:{ports[0]}/health" if ports else "http://localhost:PORT/health"
    yield RULE.finding(
        ctx.dockerfile.path,
        at,
        f"the final image {why} but has no HEALTHCHECK: a hung server looks healthy",
        fix=(
            f"Add `HEALTHCHECK CMD curl -fsS {url} || exit 1` (a `python -c` request when "
            "curl is not installed); on Kubernetes, define liveness/readiness probes."
        ),
    )


RULE = Rule(
    code="JT605",
    name="no-healthcheck",
    severity=Severity.INFO,
    summary="An HTTP service's final image has no HEALTHCHECK.",
    check=check,
    example='EXPOSE 8000\nCMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]',
    fix_example=(
        "EXPOSE 8000\n"
        "HEALTHCHECK --interval=30s --timeout=5s CMD curl -fsS http://localhost:8000/health "
        "|| exit 1\n"
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]'
    ),
)
