"""Hand-built inspect reports for the renderer tests, and the snapshot check.

``bert_report`` looks like a BERT inference image on an NVIDIA CUDA base: Python, Debian and
unowned owners, CUDA families, every removable cause, shadowed bytes, budgets with one
failure, skipped items and empty history steps. It fills every tuple of the model, so the
drift tests see every field. ``minimal_report`` is the opposite: everything optional absent.

Snapshots live in ``snapshots/``; run with ``JETTISON_UPDATE_SNAPSHOTS=1`` to rewrite them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import jettison
from jettison.image.skipped import skipped_item
from jettison.inspect.dive import DiveMetrics, InefficientPath
from jettison.inspect.report import (
    Attribution,
    BudgetResult,
    CudaFamilyBytes,
    HiddenPath,
    InspectReport,
    LayerSummary,
    OwnerBytes,
    PathBytes,
    RemovableCause,
    Shadowed,
)
from support import snapshots

SNAPSHOTS = Path(__file__).parent / "snapshots"
PINNED_VERSION = "0.0.0+snapshot"

MB = 1_000_000
GB = 1_000_000_000
GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def _digest(n: int) -> str:
    return "sha256:" + f"{n:02x}" * 32


def _layer(index: int, created_by: str, size: int, compressed: int, files: int) -> LayerSummary:
    return LayerSummary(
        index=index,
        created_by=created_by,
        size_bytes=size,
        tar_bytes=size + files * 1024 + 10_240,
        compressed_bytes=compressed,
        file_count=files,
        digest=_digest(index + 1),
        diff_id=_digest(index + 101),
        compression="gzip",
        media_type=GZIP,
    )


def _empty(created_by: str) -> LayerSummary:
    return LayerSummary(None, created_by, 0, 0, None, 0)


_LAYERS = (
    _layer(
        0,
        "/bin/sh -c #(nop) ADD file:5d6b639e8b6bcc011d5ee1b8b6e1f6d3d5a8bc1d6f4e2c4e in / ",
        77_862_720,
        29_535_000,
        3_412,
    ),
    _empty('/bin/sh -c #(nop)  CMD ["bash"]'),
    _layer(
        1,
        "|2 CUDA_VERSION=12.1.1 NV_CUDA_LIB_VERSION=12.1.1-1 /bin/sh -c apt-get update"
        " && apt-get install -y --no-install-recommends"
        " cuda-libraries-12-1=${NV_CUDA_LIB_VERSION} libnccl2=2.17.1-1+cuda12.1"
        " && rm -rf /var/lib/apt/lists/*",
        2_914_336_201,
        1_497_221_003,
        1_208,
    ),
    _empty("/bin/sh -c #(nop)  ENV NVIDIA_VISIBLE_DEVICES=all"),
    _layer(
        2,
        "RUN /bin/sh -c apt-get update && apt-get install -y python3.11 python3-pip"
        " build-essential # buildkit",
        412_604_118,
        121_880_544,
        9_877,
    ),
    _layer(3, "COPY requirements.txt /app/requirements.txt # buildkit", 1_214, 612, 1),
    _layer(
        4,
        "RUN /bin/sh -c pip install -r /app/requirements.txt # buildkit",
        4_108_511_377,
        2_210_954_101,
        31_940,
    ),
    _layer(5, "COPY . /app # buildkit", 441_318_907, 409_117_224, 212),
    _layer(6, "RUN /bin/sh -c rm -rf /root/.cache/pip # buildkit", 0, 32, 0),
    _empty("WORKDIR /app"),
    _empty('ENTRYPOINT ["/usr/bin/tini" "--"]'),
    _empty('CMD ["python" "-m" "bert_server" "--port" "8080"]'),
)

_KNOWN_OWNERS = (
    OwnerBytes("python", "torch", 1_641_093_417, 14_002, "2.3.1", ((4, 1_641_093_417),)),
    OwnerBytes("debian", "libcublas-12-1", 612_144_001, 9, "12.1.3.1-1", ((1, 612_144_001),)),
    OwnerBytes("python", "nvidia-cudnn-cu12", 731_006_203, 32, "8.9.2.26", ((4, 731_006_203),)),
    OwnerBytes("python", "nvidia-cublas-cu12", 566_342_899, 24, "12.1.3.1", ((4, 566_342_899),)),
    OwnerBytes("unowned", "/app", 441_318_907, 212, None, ((3, 1_214), (5, 441_317_693))),
    OwnerBytes("debian", "libnccl2", 240_931_520, 4, "2.17.1-1+cuda12.1", ((1, 240_931_520),)),
    OwnerBytes("python", "triton", 276_771_020, 1_103, "2.3.1", ((4, 276_771_020),)),
    OwnerBytes("python", "nvidia-nccl-cu12", 207_094_888, 18, "2.20.5", ((4, 207_094_888),)),
    OwnerBytes("debian", "libcusparse-12-1", 264_018_334, 7, "12.1.0.106-1", ((1, 264_018_334),)),
    OwnerBytes(
        "python", "nvidia-cusparse-cu12", 195_962_213, 14, "12.1.0.106", ((4, 195_962_213),)
    ),
    OwnerBytes("debian", "libcufft-12-1", 187_307_441, 7, "11.0.2.54-1", ((1, 187_307_441),)),
    OwnerBytes("python", "nvidia-cufft-cu12", 121_620_504, 14, "11.0.2.54", ((4, 121_620_504),)),
    OwnerBytes("debian", "gcc-12", 71_339_812, 92, "12.2.0-14", ((2, 71_339_812),)),
    OwnerBytes("debian", "cpp-12", 35_120_663, 14, "12.2.0-14", ((2, 35_120_663),)),
    OwnerBytes("python", "transformers", 41_008_115, 2_871, "4.41.2", ((4, 41_008_115),)),
    OwnerBytes("debian", "libpython3.11-stdlib", 30_004_418, 1_712, "3.11.2-6", ((2, 30_004_418),)),
    OwnerBytes("python", "scipy", 90_322_417, 1_580, "1.13.1", ((4, 90_322_417),)),
    OwnerBytes("python", "numpy", 39_560_930, 868, "1.26.4", ((4, 39_560_930),)),
    OwnerBytes("python", "tokenizers", 8_903_122, 41, "0.19.1", ((4, 8_903_122),)),
    OwnerBytes("unowned", "/usr/local", 5_214_904, 66, None, ((2, 5_214_904),)),
    OwnerBytes("python", "pytest", 3_001_112, 212, "8.2.2", ((4, 3_001_112),)),
)

_CUDA = (
    CudaFamilyBytes(
        "cublas",
        1_178_486_900,
        33,
        ("python:nvidia-cublas-cu12", "debian:libcublas-12-1"),
    ),
    CudaFamilyBytes("cudnn", 731_006_203, 32, ("python:nvidia-cudnn-cu12",)),
    CudaFamilyBytes("nccl", 448_026_408, 22, ("python:nvidia-nccl-cu12", "debian:libnccl2")),
    CudaFamilyBytes(
        "cusparse",
        459_980_547,
        21,
        ("debian:libcusparse-12-1", "python:nvidia-cusparse-cu12"),
    ),
    CudaFamilyBytes(
        "torch-cuda",
        1_210_331_776,
        41,
        (
            "python:torch",
            "python:nvidia-cuda-runtime-cu12",
            "python:nvidia-cuda-nvrtc-cu12",
            "python:nvidia-nvjitlink-cu12",
            "python:nvidia-cuda-cupti-cu12",
        ),
    ),
    CudaFamilyBytes("triton", 276_771_020, 1_103, ("python:triton",)),
)


def _cause(
    cause: str, title: str, advice: str, files: int, top: tuple[PathBytes, ...]
) -> RemovableCause:
    return RemovableCause(cause, title, advice, sum(p.size_bytes for p in top), files, top)


_REMOVABLE = (
    _cause(
        "model-weights",
        "Model weights baked into the image",
        "Mount the weights at run time or download them at start-up; keep the image code-only.",
        3,
        (
            PathBytes(
                "app/models/bert-base-uncased/model.safetensors", 440_449_768, 5, "unowned:/app"
            ),
            PathBytes("app/models/bert-base-uncased/vocab.txt", 231_508, 5, "unowned:/app"),
            PathBytes("app/models/bert-base-uncased/tokenizer.json", 466_062, 5, "unowned:/app"),
        ),
    ),
    _cause(
        "toolchain",
        "Compilers and build tools",
        "Build in a separate stage and copy only the results into a slim runtime stage.",
        106,
        (
            PathBytes("usr/libexec/gcc/x86_64-linux-gnu/12/cc1", 35_120_663, 2, "debian:cpp-12"),
            PathBytes(
                "usr/libexec/gcc/x86_64-linux-gnu/12/cc1plus", 38_011_200, 2, "debian:gcc-12"
            ),
            PathBytes("usr/libexec/gcc/x86_64-linux-gnu/12/lto1", 33_328_612, 2, "debian:gcc-12"),
        ),
    ),
    _cause(
        "duplicates",
        "Identical files stored more than once",
        "Keep one copy (pip and apt both installed cuBLAS here); link or drop the other.",
        6,
        (
            PathBytes(
                "usr/local/lib/python3.11/dist-packages/nvidia/cublas/lib/libcublasLt.so.12",
                441_937_200,
                4,
                "python:nvidia-cublas-cu12",
            ),
            PathBytes(
                "usr/local/cuda-12.1/targets/x86_64-linux/lib/libcublasLt.so.12.1.3.1",
                441_937_200,
                1,
                "debian:libcublas-12-1",
            ),
        ),
    ),
    _cause(
        "package-cache",
        "Package manager caches",
        "Use `pip install --no-cache-dir` and clean apt lists in the same RUN step.",
        2_318,
        (
            PathBytes("root/.cache/pip/http-v2", 98_112_004, 4),
            PathBytes("var/cache/apt/archives", 61_044_120, 2),
            PathBytes("var/lib/apt/lists", 45_601_118, 2),
        ),
    ),
    _cause(
        "bytecode",
        "Python bytecode (*.pyc, __pycache__)",
        "Set PYTHONDONTWRITEBYTECODE=1 and pass --no-compile to pip, or delete __pycache__.",
        9_914,
        tuple(
            PathBytes(
                f"usr/local/lib/python3.11/dist-packages/{name}/__pycache__",
                size,
                4,
                f"python:{name}",
            )
            for name, size in (
                ("torch", 61_220_118),
                ("transformers", 19_772_340),
                ("scipy", 12_004_551),
                ("sympy", 9_880_002),
                ("numpy", 4_002_117),
                ("networkx", 3_901_223),
                ("jinja2", 412_118),
            )
        ),
    ),
    _cause(
        "tests",
        "Test suites shipped inside packages",
        "Delete */tests directories of installed packages in the RUN step that installs them.",
        2_101,
        (
            PathBytes(
                "usr/local/lib/python3.11/dist-packages/torch/testing",
                31_007_216,
                4,
                "python:torch",
            ),
            PathBytes(
                "usr/local/lib/python3.11/dist-packages/scipy/tests", 9_221_101, 4, "python:scipy"
            ),
        ),
    ),
    _cause(
        "docs",
        "Documentation, man pages and examples",
        "Add a dpkg path-exclude for /usr/share/doc and /usr/share/man.",
        4_377,
        (
            PathBytes("usr/share/doc", 22_118_432, 2),
            PathBytes("usr/share/man", 9_006_771, 2),
        ),
    ),
    _cause(
        "dev-tools",
        "Development tools not needed at run time",
        "Move pytest, black and friends to a dev requirements file.",
        214,
        (
            PathBytes(
                "usr/local/lib/python3.11/dist-packages/_pytest", 3_001_112, 4, "python:pytest"
            ),
        ),
    ),
)

_SIZE = sum(layer.size_bytes for layer in _LAYERS)
_PULL = sum(layer.compressed_bytes or 0 for layer in _LAYERS)
_TOTAL = _SIZE - 204_757_242  # final filesystem: what the shadowed bytes leave
# Whatever no package claims lands in the largest unowned directory; owners are largest first.
_OWNERS = tuple(
    sorted(
        (
            *_KNOWN_OWNERS,
            OwnerBytes(
                "unowned",
                "/usr/lib",
                _TOTAL - sum(owner.size_bytes for owner in _KNOWN_OWNERS),
                2_913,
                None,
                (
                    (0, 61_220_009),
                    (2, _TOTAL - sum(o.size_bytes for o in _KNOWN_OWNERS) - 61_220_009),
                ),
            ),
        ),
        key=lambda owner: -owner.size_bytes,
    )
)

_SHADOWED = Shadowed(
    size_bytes=204_757_242,
    file_count=2_644,
    by_layer=((2, 45_601_118), (4, 159_156_124)),
    top=(
        HiddenPath(
            "root/.cache/pip/http-v2/a/1/f/7/3/torch-2.3.1.whl.body", 98_112_004, 4, 6, "delete"
        ),
        HiddenPath("root/.cache/pip/wheels/5a/tokenizers-0.19.1.whl", 61_044_120, 4, 6, "delete"),
        HiddenPath("var/lib/apt/lists", 45_601_118, 2, 2, "opaque"),
    ),
)

_INEFFICIENT = tuple(
    InefficientPath(path, 2, size)
    for path, size in (
        ("root/.cache/pip/http-v2/a/1/f/7/3/torch-2.3.1.whl.body", 196_224_008),
        ("root/.cache/pip/wheels/5a/tokenizers-0.19.1.whl", 122_088_240),
        (
            "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4",
            18_008_114,
        ),
        ("var/lib/apt/lists/developer.download.nvidia.com_Packages", 4_402_112),
        ("var/lib/dpkg/status", 2_004_331),
        ("var/cache/debconf/templates.dat", 1_880_112),
        ("var/lib/dpkg/status-old", 1_802_113),
        ("var/cache/ldconfig/aux-cache", 402_778),
        ("etc/ld.so.cache", 98_112),
        ("var/log/dpkg.log", 66_003),
        ("var/log/apt/term.log", 20_110),
        ("var/lib/apt/extended_states", 10_440),
    )
)

_DIVE = DiveMetrics(
    efficiency_score=0.9641170928830377,
    wasted_bytes=sum(p.size_bytes for p in _INEFFICIENT),
    size_bytes=sum(layer.size_bytes for layer in _LAYERS),
    user_size_bytes=sum(layer.size_bytes for layer in _LAYERS[1:]),
    layer_size_bytes=tuple(layer.size_bytes for layer in _LAYERS if layer.index is not None),
    inefficient_paths=_INEFFICIENT,
)

_SKIPPED = (
    skipped_item("app/data/caf\\xe9-menu.txt", "name is not valid UTF-8; shown escaped", 5),
    skipped_item("../../etc/passwd", "path escapes the image root; entry ignored", 5),
    skipped_item(
        "usr/lib/x86_64-linux-gnu/libfoo.so", "hard link target escapes the image root", 2
    ),
    skipped_item(
        "usr/local/lib/python3.11/dist-packages/bert_server-0.4.0.dist-info/METADATA",
        "METADATA is not valid RFC 822; distribution counted as unowned",
        5,
    ),
    skipped_item("var/lib/dpkg/status.d/cuda-libraries", "duplicate dpkg status entry", 1),
    skipped_item("app/modèles/README", "file is a FIFO; no content counted", 5),
    skipped_item("config.json#history", "history has more non-empty steps than layers", None),
)


def make_bert_report() -> InspectReport:
    return InspectReport(
        reference="registry.example.com/ml/bert-serving:1.4.2",
        source_kind="docker-archive",
        platform="linux/amd64",
        tags=("registry.example.com/ml/bert-serving:1.4.2", "bert-serving:latest"),
        cmd=("python", "-m", "bert_server", "--port", "8080"),
        entrypoint=("/usr/bin/tini", "--"),
        user=None,
        layers=_LAYERS,
        size_bytes=_SIZE,
        pull_bytes=_PULL,
        final_bytes=_TOTAL,
        dive=_DIVE,
        shadowed=_SHADOWED,
        removable=_REMOVABLE,
        attribution=Attribution(_OWNERS, _CUDA, _TOTAL),
        budgets=(
            BudgetResult("max-size", "8 GB", "7.95 GB", True),
            BudgetResult("max-pull-size", "3 GB", "4.27 GB", False),
            BudgetResult("max-removable", "25%", "23.5%", True),
        ),
        skipped=_SKIPPED,
    )


def make_minimal_report() -> InspectReport:
    """A one-layer ``FROM scratch`` image stored uncompressed, with nothing to report."""
    layer = LayerSummary(0, "COPY server /server # buildkit", 6_291_456, 6_302_720, None, 1)
    return InspectReport(
        reference="oci-layout:./build/tiny",
        source_kind="oci-layout",
        platform=None,
        tags=(),
        cmd=None,
        entrypoint=None,
        user="1000:1000",
        layers=(layer,),
        size_bytes=6_291_456,
        pull_bytes=None,
        final_bytes=6_291_456,
        dive=DiveMetrics(1.0, 0, 6_291_456, 0, (6_291_456,), ()),
        shadowed=Shadowed(0, 0, ()),
        removable=(),
        attribution=Attribution(
            (OwnerBytes("unowned", "/server", 6_291_456, 1, None, ((0, 6_291_456),)),),
            (),
            6_291_456,
        ),
    )


@pytest.fixture
def bert_report() -> InspectReport:
    return make_bert_report()


@pytest.fixture
def minimal_report() -> InspectReport:
    return make_minimal_report()


@pytest.fixture
def pinned_version(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pin ``jettison.__version__`` so that JSON snapshots do not change with each release."""
    monkeypatch.setattr(jettison, "__version__", PINNED_VERSION)
    return PINNED_VERSION


def check_snapshot(name: str, actual: str) -> None:
    """Fail unless ``actual`` equals ``snapshots/<name>`` byte for byte (or rewrite it)."""
    snapshots.check_snapshot(SNAPSHOTS, name, actual, suite="tests/unit/render/inspect")


@pytest.fixture
def snapshot() -> Callable[[str, str], None]:
    return check_snapshot
