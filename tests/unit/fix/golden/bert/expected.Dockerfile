# Build stage: the full image's compilers build any source distribution.
FROM python:3.10 AS builder
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# jettison: JT301 JT303 JT309 only runtime requirements; dev/unused ones are in requirements-dev.txt
COPY requirements.runtime.txt /tmp/requirements.txt
# jettison: JT302 CPU target: torch from https://download.pytorch.org/whl/cpu, not PyPI's CUDA build
# jettison: JT107 pip without a download cache
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.7.0 \
    && pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -r /tmp/requirements.txt
# jettison: removable:bytecode,tests,toolchain the copied virtualenv leaves out bytecode and the packages' bundled test suites, C/C++ headers and static libraries (nothing compiles at run time)
RUN find /opt/venv -depth -type d \( -name __pycache__ -o -path '*/site-packages/*/tests' -o -path '*/site-packages/*/test' \) -exec rm -rf {} + \
    && find /opt/venv -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' -o -name '*.a' \) -delete

# jettison: JT201 runtime stage on python:3.10-slim: no compilers, headers or VCS tools
FROM python:3.10-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
# jettison: JT101 JT102 apt in one layer, no recommended packages, lists removed
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
# jettison: JT601 an unprivileged user `app` runs the service
RUN useradd --create-home --uid 10001 app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY app/ ./app/
COPY sample_data/ ./sample_data/
RUN echo "Build complete" > /app/build_status.txt
USER app
CMD ["python", "app/predictor.py", "sample_data/sample_text.txt"]
