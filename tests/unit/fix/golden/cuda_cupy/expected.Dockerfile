# Build stage: the full image's compilers build any source distribution.
FROM nvidia/cuda:11.8.0-devel-ubuntu22.04 AS builder
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv build-essential \
    && rm -rf /var/lib/apt/lists/*
# apt's python3.11 in both stages (same ubuntu release): the virtualenv's interpreter, /usr/bin/python3.11, is at the same path in the runtime stage
RUN /usr/bin/python3.11 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.runtime.txt /tmp/requirements.txt
# jettison: JT107 pip without a download cache
RUN pip install --no-cache-dir -r /tmp/requirements.txt
# jettison: removable:bytecode,tests,toolchain the copied virtualenv leaves out bytecode and the packages' bundled test suites, C/C++ headers and static libraries (nothing compiles at run time)
RUN find /opt/venv -depth -type d \( -name __pycache__ -o -path '*/site-packages/*/tests' -o -path '*/site-packages/*/test' \) -exec rm -rf {} + \
    && find /opt/venv -type f \( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' -o -name '*.a' \) -delete
# jettison: restructure the copied virtualenv leaves out its own pip (nothing in the image runs pip after the build): `pip` on PATH is then the base's, if it has one, and installs into the base's site-packages, not the virtualenv; `python -m pip` finds no pip unless the virtualenv sees the base's packages; and setuptools and wheel unless an installed package requires or imports them (pkg_resources, setuptools, distutils), as the build checks
RUN if /opt/venv/bin/python -c 'import glob, importlib.metadata as m, os, re, sys; t = {"pip", "setuptools", "wheel"}; p = re.compile(rb"(import|from)[ ]+(setuptools|distutils|wheel)([^A-Za-z0-9_]|$)|pkg_resources", re.M); n = lambda s: re.split("[^A-Za-z0-9._-]", s.strip(), maxsplit=1)[0].lower(); r = lambda f: f.suffix in (".py", ".pth") and f.locate().is_file() and p.search(f.locate().read_bytes()); b = [open(f, "rb").read() for f in glob.glob(sys.prefix + "/bin/*") if os.path.isfile(f) and not os.path.islink(f)]; sys.exit(any(p.search(s) for s in b if s[:2] == b"#!") or any(n(d.metadata["Name"] or "") not in t and (any(n(q) in t for q in d.requires or ()) or d.files is None or any(map(r, d.files))) for d in m.distributions()))'; then /opt/venv/bin/python -m pip uninstall --yes --quiet setuptools wheel; fi \
    && /opt/venv/bin/python -m pip uninstall --yes --quiet pip

# jettison: JT202 runtime stage on nvidia/cuda:11.8.0-runtime-ubuntu22.04: the base's CUDA libraries without the compiler and headers
FROM nvidia/cuda:11.8.0-runtime-ubuntu22.04
ARG DEBIAN_FRONTEND=noninteractive
ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
# jettison: JT401 build tools only in the builder: build-essential
# jettison: JT101 JT102 apt in one layer, no recommended packages, lists removed
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 \
    && rm -rf /var/lib/apt/lists/*
# jettison: JT601 an unprivileged user `app` runs the service
RUN useradd --create-home --uid 10001 app
COPY --from=builder /opt/venv /opt/venv
COPY kernels.py /opt/app/kernels.py
USER app
CMD ["python3.11", "/opt/app/kernels.py"]
