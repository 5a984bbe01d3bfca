"""Dockerfiles of the seed projects, as their authors wrote them, for tests of several
packages (lint reads them, plan rewrites them).

The fixture projects under ``tests/fixtures/seeds/`` keep condensed copies; these are the
originals, comments and line continuations included, because those are what a rewrite must
carry over and a linter must read past.
"""

from __future__ import annotations

FOURTEEN_SERVICES_TEMPLATE = """\
# Multi-stage build for svc_xxx
FROM python:3.12-slim AS builder

# Install build dependencies
RUN apt-get update && apt-get install -y \\
    build-essential \\
    curl \\
    && rm -rf /var/lib/apt/lists/*

# Create virtual environment
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

# Copy requirements and install dependencies
COPY libs/requirements-base.txt /tmp/libs-requirements.txt
COPY apps/svc_xxx/requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir --upgrade pip && \\
    pip install --no-cache-dir -r /tmp/libs-requirements.txt -r /tmp/requirements.txt

# Production stage
FROM python:3.12-slim

# Install runtime dependencies
RUN apt-get update && apt-get install -y \\
    curl \\
    && rm -rf /var/lib/apt/lists/* \\
    && groupadd -r appuser \\
    && useradd -r -g appuser appuser

# Copy virtual environment from builder
COPY --from=builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

# Set working directory
WORKDIR /app

# Copy application code
COPY libs/ ./libs/
COPY apps/svc_xxx/ ./apps/svc_xxx/

# Create non-root user and set permissions
RUN chown -R appuser:appuser /app
USER appuser

# Health check
HEALTHCHECK --interval=30s --timeout=10s --start-period=5s --retries=3 \\
    CMD curl -f http://localhost:8000/healthz || exit 1

# Expose port
EXPOSE 8000

# Run the application
CMD ["python", "-m", "uvicorn", "apps.svc_xxx.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

"""Seed 004's per-service Dockerfile, with ``svc_xxx`` standing for the service's folder."""


def seed_dockerfile(service: str) -> str:
    """:data:`FOURTEEN_SERVICES_TEMPLATE` for the service in ``apps/<service>``."""
    return FOURTEEN_SERVICES_TEMPLATE.replace("svc_xxx", service)
