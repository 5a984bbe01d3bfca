# Build stage: the full image's compilers build any source distribution.
FROM python:3.11 AS builder
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.runtime.txt /tmp/requirements.txt
# jettison: cuda GPU target: torch stays PyPI's CUDA build, whose nvidia-* wheels bring cuDNN, cuBLAS and the CUDA runtime; python:3.11-slim adds no CUDA library: one CUDA stack
# jettison: JT107 pip without a download cache
RUN pip install --no-cache-dir -r /tmp/requirements.txt
# jettison: removable:bytecode,tests,toolchain the copied virtualenv leaves out bytecode and the packages' bundled test suites, C/C++ headers and static libraries (nothing compiles at run time)
RUN find /opt/venv -depth -type d \( -name __pycache__ -o -path '*/site-packages/*/tests' -o -path '*/site-packages/*/test' \) -exec rm -rf {} + \
    && find /opt/venv -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' -o -name '*.a' \) -delete

# jettison: JT201 runtime stage on python:3.11-slim: no compilers, headers or VCS tools
FROM python:3.11-slim
ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
# jettison: JT601 an unprivileged user `app` runs the service
RUN useradd --create-home --uid 10001 app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY train.py .
USER app
CMD ["python", "train.py"]
