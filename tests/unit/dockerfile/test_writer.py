"""The Dockerfile text fix and plan both write."""

from __future__ import annotations

from jettison.dockerfile import writer


def test_apt_layer() -> None:
    assert writer.apt_layer(["curl", "libpq5"]) == (
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends curl libpq5 \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    )
    assert "&& DEBIAN_FRONTEND=noninteractive apt-get install" in writer.apt_layer(
        ["tzdata"], noninteractive=True
    )


def test_build_tools_for_one_command() -> None:
    assert writer.apt_for_one_command(["gcc"], "pip install -r r.txt") == (
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends gcc \\\n"
        "    && pip install -r r.txt \\\n"
        "    && apt-get purge -y --auto-remove gcc \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    )


def test_venv_user_and_environment() -> None:
    assert writer.venv_command("python") == "python -m venv /opt/venv"
    assert writer.venv_command("/opt/conda/bin/python", system_site_packages=True) == (
        "/opt/conda/bin/python -m venv --system-site-packages /opt/venv"
    )
    assert writer.venv_on_path() == "ENV PATH=/opt/venv/bin:$PATH"
    assert writer.RUNTIME_ENV == (
        "ENV PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 "
        "PATH=/opt/venv/bin:$PATH"
    )
    assert writer.add_user() == "useradd --create-home --uid 10001 app"
    assert writer.run([writer.add_user(), "echo ok"]) == (
        "RUN useradd --create-home --uid 10001 app \\\n    && echo ok"
    )
    assert writer.change("JT101 JT102", "one apt layer") == "# jettison: JT101 JT102 one apt layer"


def test_strip_venv() -> None:
    assert writer.strip_venv(tests=False, headers=False) == [
        "find /opt/venv -depth -type d -name __pycache__ -exec rm -rf {} +"
    ]
    tests, headers = writer.strip_venv(tests=True, headers=True)
    assert "-path '*/site-packages/*/tests'" in tests and tests.endswith("-exec rm -rf {} +")
    assert headers == (
        "find /opt/venv -type f \\( -name '*.h' -o -name '*.hpp' -o -name '*.cuh' "
        "-o -name '*.a' \\) -delete"
    )


def test_user_goes_after_the_last_build_step() -> None:
    groups = [["WORKDIR /app"], ["COPY . ."], ["EXPOSE 8000"], ["CMD x"]]
    assert writer.with_user(groups, [True, True, False, False]) == [
        "WORKDIR /app",
        "COPY . .",
        "USER app",
        "EXPOSE 8000",
        "CMD x",
    ]
    assert writer.with_user([["CMD x"]], [False], ("# why", "USER app")) == [
        "CMD x",
        "# why",
        "USER app",
    ]
    assert writer.with_user([], []) == ["USER app"]


def test_healthcheck() -> None:
    assert writer.healthcheck(8000) == (
        "HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 "
        'CMD ["python", "-c", "import socket; '
        "socket.create_connection(('127.0.0.1', 8000), 4).close()\"]"
    )
    assert "urlopen('http://127.0.0.1:80/health', timeout=4)" in writer.healthcheck(
        80, "/health", ("--interval=10s",)
    )
    assert writer.healthcheck(80, "/a'b").count("socket.create_connection") == 1  # unsafe path
