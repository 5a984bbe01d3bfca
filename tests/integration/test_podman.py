"""The podman backend for real, in a private store, as ``--builder podman`` uses it.

One module-scoped store (``podman --root/--runroot`` in a fresh tmp dir, removed at the
end) gets copies of the stand-in ``debian:bookworm-slim`` and ``python:3.11-slim``. Images
are built with :class:`PodmanBuilder`, read in place through ``image_reference``, run, and
probed over HTTP inside their own (network-less) containers.

podman takes its OCI runtime and default ulimits from ``containers.conf``. When a container
cannot start with the machine's defaults (seen on CI sandboxes: crun rejects cgroups in
hybrid mode, and a container may not raise its open-files limit without
``CAP_SYS_RESOURCE``), the tests write a ``containers.conf`` that selects runc and this
process's own limits, and hand it to podman through ``CONTAINERS_CONF`` (as a user would).
They are skipped, with podman's error, when even that does not work.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from integration.conftest import HOST_CA_BUNDLE, Store, _run
from integration.test_build_verify import BASE, GOOD, PY_BASE, build_all, private_store
from jettison.builder import core as api
from jettison.builder.backend import ARCHIVE_FORMATS
from jettison.builder.options import CheckOptions
from jettison.builder.podman import PodmanBuilder
from jettison.image.sources import open_image

pytestmark = pytest.mark.integration

SERVED = f"""FROM {PY_BASE}
WORKDIR /srv
RUN echo '{{"status": "ok"}}' > health.json
EXPOSE 8000
CMD ["python", "-m", "http.server", "8000"]
"""


@dataclass(frozen=True)
class Podman:
    builder: PodmanBuilder
    top: Path
    env: dict[str, str]


def _fallback_conf(path: Path) -> None:
    """runc, and limits no higher than this process has (and pid_max for processes)."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    try:
        pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):
        pid_max = nproc
    nproc = min(n for n in (nproc, pid_max) if n != resource.RLIM_INFINITY)
    runtime = '[engine]\nruntime = "runc"\n' if shutil.which("runc") else ""
    path.write_text(
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n' + runtime
    )


def _can_run(store: Store, env: dict[str, str]) -> str | None:
    """podman's error when it cannot run a container of ``BASE`` in ``store``, else None."""
    argv = ["podman", "--root", str(store.root), "--runroot", str(store.runroot)]
    argv += ["--storage-driver", "overlay", "run", "--rm", "--network", "none", BASE, "true"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    return None if done.returncode == 0 else (done.stderr.strip() or f"exit {done.returncode}")


@pytest.fixture(scope="module")
def podman() -> Iterator[Podman]:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (apt-get install -y podman)")
    with private_store("jettison-podman-it-") as (private, top):
        try:
            env = {k: v for k, v in os.environ.items() if k != "STORAGE_DRIVER"}
            error = _can_run(private, env)
            if error is not None:
                conf = top / "containers.conf"
                _fallback_conf(conf)
                env["CONTAINERS_CONF"] = str(conf)
                retried = _can_run(private, env)
                if retried is not None:
                    pytest.skip(
                        f"podman cannot run a container here: {error}; with {conf}: {retried}"
                    )
            builder = PodmanBuilder(root=private.root, runroot=private.runroot, env=env)
            yield Podman(builder, top, env)
        finally:
            _podman_cleanup(private)


def _podman_cleanup(store: Store) -> None:
    base = ["podman", "--root", str(store.root), "--runroot", str(store.runroot)]
    if store.root.exists():
        subprocess.run([*base, "rm", "--all", "--force"], capture_output=True, check=False)
        subprocess.run([*base, "rmi", "--all", "--force"], capture_output=True, check=False)


@pytest.fixture(scope="module")
def images(podman: Podman) -> dict[str, str]:
    return build_all(podman.builder, podman.top, {"good": GOOD, "served": SERVED}, "jt-podman-it")


def _podman(podman: Podman, *args: str) -> str:
    return _run(podman.builder.command(*args)).strip()


def test_build_mounts_the_ca_bundle_and_runs_commands(
    podman: Podman, images: dict[str, str]
) -> None:
    size = HOST_CA_BUNDLE.stat().st_size
    argv = ["sh", "-c", 'cat /greeting; echo "$1"', "sh", "two words"]
    result = podman.builder.run(images["good"], argv, timeout_s=60)
    assert (result.exit_code, result.stdout) == (0, f"built with {size} CA bytes\ntwo words\n")
    default = api.verify([images["good"]], builder=podman.builder)
    assert default.verdict.ok and default.runs[0].result.stdout == "hello\n"
    assert _podman(podman, "ps", "--all", "--quiet") == ""


def test_image_reference_is_read_in_place(
    podman: Podman, images: dict[str, str], tmp_path: Path
) -> None:
    reference = podman.builder.image_reference(images["good"], tmp_path)
    assert re.fullmatch(r"containers-storage:\[overlay@.+\][0-9a-f]{64}", reference), reference
    layers = podman.builder.inspect_image(images["good"], "{{json .RootFS.Layers}}")
    with open_image(reference) as image:
        assert list(image.config.diff_ids) == json.loads(layers)
        assert image.config.cmd == ("cat", "/app/data.txt")
    assert list(tmp_path.iterdir()) == []


def test_export_both_formats(podman: Podman, images: dict[str, str], tmp_path: Path) -> None:
    for fmt in ARCHIVE_FORMATS:
        dest = podman.builder.export(images["good"], tmp_path / f"{fmt}.tar", fmt)
        with open_image(f"{fmt}:{dest}") as image:
            assert image.config.cmd == ("cat", "/app/data.txt")


def test_timeout_removes_the_container(podman: Podman, images: dict[str, str]) -> None:
    report = api.verify(
        [images["good"]], CheckOptions.from_text("sleep 60", timeout_s=3), builder=podman.builder
    )
    result = report.runs[0].result
    assert result.timed_out and 3 <= result.seconds < 20  # with podman rm's own time
    assert re.fullmatch(r"timed out after \d+s", report.verdict.reason)
    assert _podman(podman, "ps", "--all", "--quiet") == ""


def test_probe_inside_the_containers_own_network(podman: Podman, images: dict[str, str]) -> None:
    """Port 8000 inside each container: podman gives it a network namespace of its own."""
    report = api.verify(
        [images["served"], images["served"]],
        CheckOptions(probe="/health.json"),
        builder=podman.builder,
    )
    assert report.probe == api.HttpProbe("/health.json", 8000)
    assert (report.verdict.ok, report.verdict.reason) == (True, "same HTTP status (200) and body")
    assert report.runs[0].result.stdout == 'HTTP 200\n{"status": "ok"}\n'
    bare = api.verify([images["good"]], CheckOptions(probe="/", port=8000), builder=podman.builder)
    assert (bare.verdict.ok, bare.verdict.reason) == (
        False,
        "the image has no python, curl or wget to send GET / on port 8000 with",
    )
