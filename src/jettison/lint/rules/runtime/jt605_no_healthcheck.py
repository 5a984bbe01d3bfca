"""JT605: an HTTP service whose final image has no ``HEALTHCHECK``.

Why it matters: without one, Docker, Compose and Swarm only know whether the process is
alive, not whether it answers: a model server stuck loading weights or deadlocked keeps
receiving traffic. On Kubernetes, which ignores ``HEALTHCHECK``, liveness/readiness probes
do this job; hence ``info``. ``HEALTHCHECK NONE`` is an explicit choice and is respected.

A service is taken as HTTP when what the image starts runs a known server (uvicorn,
gunicorn, vllm serve, text-generation-launcher...), directly or in the entrypoint script it
starts; when the Python it starts serves (``uvicorn.run``, a Flask ``app.run``, gradio's
``launch``, ``websockets.serve``), read from the build context, console scripts included;
when it keeps the command of a serving base (``vllm/vllm-openai``,
``tiangolo/uvicorn-gunicorn-fastapi``); or when it exposes a port. A bare shell as the
command, a port of another protocol (22, 6379...) and a server told to listen on a
``tcp://`` URI are not HTTP services.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.steps import runtime_steps
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.runtime._command import first_port, service


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None or dockerfile.final_stage is None:
        return
    if any(s.instruction.keyword == "HEALTHCHECK" for s in runtime_steps(dockerfile)):
        return
    found = service(ctx)
    if found is None:
        return
    port = first_port(dockerfile)
    url = f"http://localhost:{port}/health" if port else "http://localhost:PORT/health"
    yield RULE.finding(
        dockerfile.path,
        found.at,
        f"the final image {found.why} but has no HEALTHCHECK: a hung server looks healthy",
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
