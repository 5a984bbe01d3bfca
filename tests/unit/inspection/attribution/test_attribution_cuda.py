from __future__ import annotations

import pytest

from jettison.inspect.attribution import cuda
from support.memimage import File

from ._helpers import SITE, attribute_layers, deb, dpkg_status, installed, wheel


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("nvidia-cublas-cu12", "cublas"),
        ("nvidia-cudnn-cu12", "cudnn"),
        ("nvidia-cudnn-cu11", "cudnn"),
        ("nvidia-nccl-cu12", "nccl"),
        ("nvidia-cuda-runtime-cu12", "cuda-runtime"),
        ("nvidia-cuda-nvrtc-cu12", "cuda-nvrtc"),
        ("nvidia-cuda-cupti-cu12", "cuda-cupti"),
        ("nvidia-cusparselt-cu12", "cusparselt"),
        ("nvidia-nvjitlink-cu12", "nvjitlink"),
        ("nvidia-nvshmem-cu12", "nvshmem"),
        ("nvidia-cublas", "cublas"),
        ("triton", "triton"),
        ("pytorch-triton", "triton"),
        ("tensorrt-cu12-libs", "tensorrt"),
        ("nvidia-ml-py", None),
        ("nvidia-dali-cuda120", None),
        ("torch", None),
        ("tritonclient", None),
    ],
)
def test_dist_family(name: str, family: str | None) -> None:
    assert cuda.dist_family(name) == family


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9.1.0", "cudnn"),
        ("usr/local/cuda/lib64/libcublasLt.so.12", "cublas"),
        ("usr/local/cuda/lib64/libcublas_static.a", "cublas"),
        ("opt/conda/lib/libnccl.so.2", "nccl"),
        ("x/libcudart.so.12", "cuda-runtime"),
        ("x/libnvrtc-builtins.so.12.1", "cuda-nvrtc"),
        ("x/libcufftw.so.11", "cufft"),
        ("x/libcufile.so.0", "cufile"),
        ("x/libcusparseLt.so.0", "cusparselt"),
        ("x/libcusparse.so.12", "cusparse"),
        ("x/libnvJitLink.so.12", "nvjitlink"),
        ("x/libnvToolsExt.so.1", "nvtx"),
        ("x/libcupti.so.12", "cuda-cupti"),
        ("torch/lib/libtorch_cuda.so", "torch-cuda"),
        ("torch/lib/libtorch_cuda_linalg.so", "torch-cuda"),
        ("torch/lib/libc10_cuda.so", "torch-cuda"),
        ("usr/local/cuda/compat/libcuda.so.1", "cuda-driver"),
        ("torch/lib/libtorch_cpu.so", None),
        ("usr/lib/libcurl.so.4", None),
        ("usr/share/doc/libcudnn9/copyright", None),
    ],
)
def test_library_family(path: str, family: str | None) -> None:
    assert cuda.library_family(path) == family


def test_families_over_wheels_torch_debian_and_loose_files() -> None:
    cublas = wheel(
        "nvidia-cublas-cu12",
        "12.1.3.1",
        {
            "nvidia/cublas/lib/libcublas.so.12": b"c" * 100,
            "nvidia/cublas/lib/libcublasLt.so.12": b"l" * 300,
            "nvidia/cublas/include/cublas.h": b"h",
        },
    )
    torch = wheel(
        "torch",
        "2.3.0",
        {
            "torch/lib/libtorch_cuda.so": b"t" * 500,
            "torch/lib/libc10_cuda.so": b"c" * 50,
            "torch/lib/libtorch_cpu.so": b"p" * 400,
            "torch/lib/libcudnn.so.8": b"d" * 70,  # cu118 wheels bundle CUDA libraries
        },
    )
    triton = wheel("triton", "2.3.0", {"triton/backends/nvidia/bin/ptxas": b"x" * 30})
    status = File("var/lib/dpkg/status", dpkg_status(installed("libcudnn9-cuda-12")))
    debian = deb(
        "libcudnn9-cuda-12",
        {
            "usr/lib/x86_64-linux-gnu/libcudnn_ops.so.9": b"o" * 200,
            "usr/share/doc/libcudnn9-cuda-12/copyright": b"c",
        },
    )
    loose = [File("usr/local/cuda/lib64/libcudart.so.12", b"r" * 20)]
    result = attribute_layers([cublas, torch, triton, [*debian, status], loose])
    by_family = {f.family: f for f in result.attribution.cuda}
    assert set(by_family) == {"cublas", "torch-cuda", "cudnn", "triton", "cuda-runtime"}

    cublas_family = by_family["cublas"]
    # The whole wheel, headers and dist-info included.
    assert cublas_family.size_bytes == result.owner("python", "nvidia-cublas-cu12").size_bytes
    assert cublas_family.owners == ("python:nvidia-cublas-cu12",)
    assert by_family["torch-cuda"].size_bytes == 550
    assert by_family["torch-cuda"].file_count == 2
    assert by_family["cudnn"].size_bytes == 270
    assert by_family["cudnn"].owners == ("debian:libcudnn9-cuda-12", "python:torch")
    assert by_family["triton"].owners == ("python:triton",)
    assert by_family["cuda-runtime"].owners == ("unowned:/usr",)
    sizes = [f.size_bytes for f in result.attribution.cuda]
    assert sizes == sorted(sizes, reverse=True)
    assert result.attribution.cuda_bytes == sum(sizes)


def test_a_library_file_is_counted_in_one_family_only() -> None:
    # libcublas inside the cudnn wheel: the owner's family wins over the name.
    cudnn = wheel("nvidia-cudnn-cu12", "9.1", {"nvidia/cudnn/lib/libcublasLt.so.12": b"x" * 10})
    result = attribute_layers([cudnn])
    assert [f.family for f in result.attribution.cuda] == ["cudnn"]
    total = sum(f.file_count for f in result.attribution.cuda)
    assert total == result.owner("python", "nvidia-cudnn-cu12").file_count
    assert (
        f"{SITE}/nvidia/cudnn/lib/libcublasLt.so.12"
        in result.ownership.python["nvidia-cudnn-cu12"].files
    )


@pytest.mark.parametrize(
    "path",
    [
        "var/lib/dpkg/info/libcudnn9-cuda-12.list",
        "usr/share/doc/libcublas-12-1/changelog.gz",
        "libcudnn.abc",
    ],
)
def test_only_library_files_match_by_name(path: str) -> None:
    assert cuda.library_family(path) is None
