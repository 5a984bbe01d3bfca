# Build stage: the full image's compilers build any source distribution.
FROM python:3.12-bookworm AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libpq-dev \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# jettison: JT301 JT309 only runtime requirements; dev/unused ones are in requirements-dev.txt
COPY requirements.runtime.txt /tmp/requirements.txt
# jettison: JT107 pip without a download cache
RUN pip install --no-cache-dir --upgrade pip \
    && pip install --no-cache-dir -r /tmp/requirements.txt
# jettison: removable:bytecode,tests,toolchain the copied virtualenv leaves out bytecode and the packages' bundled test suites, C/C++ headers and static libraries (nothing compiles at run time)
RUN find /opt/venv -depth -type d \( -name __pycache__ -o -path '*/site-packages/*/tests' -o -path '*/site-packages/*/test' \) -exec rm -rf {} + \
    && find /opt/venv -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' -o -name '*.a' \) -delete

# jettison: JT201 runtime stage on python:3.12-slim-bookworm: no compilers, headers or VCS tools
FROM python:3.12-slim-bookworm
ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
# jettison: JT401 build tools only in the builder: gcc libpq-dev
# jettison: JT101 JT102 apt in one layer, no recommended packages, lists removed
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 curl \
    && rm -rf /var/lib/apt/lists/*
# jettison: JT601 an unprivileged user `app` runs the service
RUN useradd --create-home --uid 10001 app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /srv
COPY app/ ./app/
USER app
EXPOSE 8000
CMD ["gunicorn", "-b", "0.0.0.0:8000", "app.main:app"]
# jettison: JT605 HEALTHCHECK: the service accepts connections on port 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', 8000), 4).close()"]
