# Build stage: the full image's compilers build any source distribution.
FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel AS builder
# conda's Python in both stages (/opt/conda): the virtualenv sees the base's torch (--system-site-packages) and pip is held to it: one torch, one CUDA stack
RUN /opt/conda/bin/python -m venv --system-site-packages /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# jettison: JT301 JT307 only runtime requirements; dev/unused ones are in requirements-dev.txt
COPY requirements.runtime.txt /tmp/requirements.txt
# jettison: JT107 pip without a download cache
RUN pip list --format=freeze | grep -i '^torch==' > /tmp/torch-constraints.txt \
    && pip install --no-cache-dir -c /tmp/torch-constraints.txt -r /tmp/requirements.txt
# jettison: removable:bytecode,tests,toolchain the copied virtualenv leaves out bytecode and the packages' bundled test suites, C/C++ headers and static libraries (nothing compiles at run time)
RUN find /opt/venv -depth -type d \( -name __pycache__ -o -path '*/site-packages/*/tests' -o -path '*/site-packages/*/test' \) -exec rm -rf {} + \
    && find /opt/venv -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' -o -name '*.a' \) -delete

# jettison: JT202 runtime stage on pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime: the same conda Python, torch and CUDA libraries, without the CUDA compiler and headers
FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime
ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
# jettison: JT601 an unprivileged user `app` runs the service
RUN useradd --create-home --uid 10001 app
COPY --from=builder /opt/venv /opt/venv
WORKDIR /workspace
COPY infer.py .
USER app
CMD ["python", "infer.py"]
