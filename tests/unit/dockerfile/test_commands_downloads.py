"""What a RUN fetches: files (wget, curl), repositories (git), models (hub CLIs, Python)."""

from __future__ import annotations

import pytest

from jettison.dockerfile.commands.downloads import (
    Clone,
    Fetch,
    ModelDownload,
    clone_branch,
    fetches,
    floating_url,
    git_checkout,
    git_clone,
    git_pulls,
    insecure_env,
    insecure_transfer,
    model_download,
    pinned_ref,
    python_calls,
    url_name,
    versioned_url,
)
from support.commands import command


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://x/a/model.bin?download=true", "model.bin"),
        ("https://x/a/b/#frag", "b"),
        ("https://x/get-pip.py", "get-pip.py"),
    ],
)
def test_url_name(url: str, name: str) -> None:
    assert url_name(url) == name


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("wget -q https://x/a.tar.gz", [Fetch("wget", "https://x/a.tar.gz", "a.tar.gz")]),
        ("wget -qO /tmp/m.bin https://x/model", [Fetch("wget", "https://x/model", "/tmp/m.bin")]),
        ("wget -O- https://x/s.sh", [Fetch("wget", "https://x/s.sh", None)]),
        (
            "wget -P /dl https://x/a https://x/b",
            [Fetch("wget", "https://x/a", "/dl/a"), Fetch("wget", "https://x/b", "/dl/b")],
        ),
        ("curl -fsSL https://x/install.sh", [Fetch("curl", "https://x/install.sh", None)]),
        ("curl -fsSLO https://x/a.tgz", [Fetch("curl", "https://x/a.tgz", "a.tgz")]),
        (
            "curl -o a https://x/1 -o b https://x/2",
            [Fetch("curl", "https://x/1", "a"), Fetch("curl", "https://x/2", "b")],
        ),
        (
            "curl --output-dir /dl -O https://x/a.whl",
            [Fetch("curl", "https://x/a.whl", "/dl/a.whl")],
        ),
        (
            "curl -H 'Authorization: x' -o /m.gguf https://hf.co/r/resolve/main/m.gguf",
            [Fetch("curl", "https://hf.co/r/resolve/main/m.gguf", "/m.gguf")],
        ),
        ("git clone https://x/r", []),
    ],
)
def test_fetches(line: str, expected: list[Fetch]) -> None:
    assert fetches(command(line)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "git clone https://github.com/org/repo.git",
            Clone("https://github.com/org/repo.git", "repo"),
        ),
        ("git clone --depth 1 -b main https://x/r /src/r", Clone("https://x/r", "/src/r")),
        (
            "git clone --depth=1 https://huggingface.co/org/m",
            Clone("https://huggingface.co/org/m", "m"),
        ),
        ("git pull", None),
        ("git clone", None),
    ],
)
def test_git_clone(line: str, expected: Clone | None) -> None:
    assert git_clone(command(line)) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "huggingface-cli download org/m --local-dir /models/m",
            ModelDownload(("huggingface-cli download",), False, ("/models/m",)),
        ),
        ("hf download org/m", ModelDownload(("hf download",), True)),
        ("git lfs pull", ModelDownload(("git lfs pull",), False, (".",))),
        (
            "git clone --depth 1 https://huggingface.co/org/m /m",
            ModelDownload(("git clone of a Hugging Face repository",), False, ("/m",)),
        ),
        ("ollama pull llama3", ModelDownload(("ollama pull",), False, ("/root/.ollama",))),
        (
            "wget https://x/model.safetensors -O /m.safetensors",
            ModelDownload(("wget model.safetensors",), False, ("/m.safetensors",)),
        ),
        ("curl -L https://x/m.onnx", ModelDownload(("curl m.onnx",), False, ("m.onnx",))),
        (
            "python -m spacy download en_core_web_sm",
            ModelDownload(("python -m spacy download",), False, small=True),
        ),
        (
            "poetry run python -m spacy download en_core_web_lg",
            ModelDownload(("python -m spacy download",), False),
        ),
        ("spacy download de_core_news_sm", ModelDownload(("spacy download",), False, small=True)),
        ("python -m unidic download", ModelDownload(("python -m unidic download",), False)),
        (
            "docling-tools models download",
            ModelDownload(("docling-tools models download",), False),
        ),
        (
            "python -m nltk.downloader punkt stopwords",
            ModelDownload(("python -m nltk.downloader",), False, small=True),
        ),
        (
            "python -m nltk.downloader all",
            ModelDownload(("python -m nltk.downloader",), False),
        ),
        (
            "python3 -c 'from transformers import pipeline; pipeline(\"x\")'",
            ModelDownload(("pipeline()",), True),
        ),
        ("python -c 'print(1)'", None),
        ("wget https://x/tool.tar.gz", None),
        ("git clone https://github.com/org/repo", None),
    ],
)
def test_model_download(line: str, expected: ModelDownload | None) -> None:
    assert model_download(command(line)) == expected


def test_scripts_are_read_or_judged_by_name() -> None:
    texts = {"prep.py": "from huggingface_hub import snapshot_download\nsnapshot_download('x')\n"}
    read = texts.get
    assert model_download(command("python prep.py"), read) == ModelDownload(
        ("prep.py (snapshot_download())",), True
    )
    assert model_download(command("python download_models.py"), read) == ModelDownload(
        ("download_models.py (by its name)",), True
    )
    assert model_download(command("python migrate.py"), read) is None
    assert python_calls("from_pretrained(a); from_pretrained(b); nltk.download('x')") == [
        "from_pretrained()",
        "nltk.download()",
    ]


@pytest.mark.parametrize(
    ("line", "branch"),
    [
        ("git clone -b v1.2 https://x/r", "v1.2"),
        ("git clone --depth=1 --branch=main https://x/r /r", "main"),
        ("git clone https://x/r", None),
        ("git fetch -b x", None),
    ],
)
def test_clone_branch(line: str, branch: str | None) -> None:
    assert clone_branch(command(line)) == branch


@pytest.mark.parametrize(
    ("line", "ref"),
    [
        ("git checkout 3f2a9c1", "3f2a9c1"),
        ("git -C /src checkout -- v1.0", "v1.0"),
        ("git reset --hard origin/main", "origin/main"),
        ("git switch dev", "dev"),
        ("git status", None),
    ],
)
def test_git_checkout(line: str, ref: str | None) -> None:
    assert git_checkout(command(line)) == ref


def test_git_pulls() -> None:
    assert git_pulls(command("git -C /src pull origin main"))
    assert not git_pulls(command("git push"))


@pytest.mark.parametrize(
    ("ref", "pinned"),
    [
        ("3f2a9c1", True),
        ("v2.3.3", True),
        ("1.4", True),
        ("release-2024.05", True),
        ("main", False),
        ("stable", False),
        ("feature/x", False),
    ],
)
def test_pinned_ref(ref: str, pinned: bool) -> None:
    assert pinned_ref(ref) is pinned


@pytest.mark.parametrize(
    ("url", "floating", "versioned"),
    [
        ("https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh", True, False),
        ("https://github.com/o/r/releases/latest/download/tool", True, False),
        ("https://github.com/o/r/archive/refs/heads/main.zip", True, False),
        ("https://astral.sh/uv/0.4.18/install.sh", False, True),
        ("https://example.org/latest-news/tool-1.2.tgz", True, True),
        ("https://latest.example.org/tool", False, False),
    ],
)
def test_floating_and_versioned_urls(url: str, floating: bool, versioned: bool) -> None:
    assert floating_url(url) is floating
    assert versioned_url(url) is versioned


@pytest.mark.parametrize(
    ("line", "insecure"),
    [
        ("curl -fsSLk https://x", True),
        ("curl --insecure https://x", True),
        ("curl -fsSL -o kfile https://x", False),
        ("wget --no-check-certificate https://x", True),
        ("git -c http.sslVerify=false clone https://x", True),
        ("git config --global http.sslVerify false", True),
        ("git config --global http.sslVerify true", False),
    ],
)
def test_insecure_transfer(line: str, insecure: bool) -> None:
    assert (insecure_transfer(command(line)) is not None) is insecure


@pytest.mark.parametrize(
    ("name", "value", "insecure"),
    [
        ("PIP_TRUSTED_HOST", "mirror", True),
        ("PIP_TRUSTED_HOST", "", False),
        ("GIT_SSL_NO_VERIFY", "1", True),
        ("GIT_SSL_NO_VERIFY", "false", False),
        ("PYTHONHTTPSVERIFY", "0", True),
        ("PYTHONHTTPSVERIFY", "1", False),
        ("PATH", "/x", False),
    ],
)
def test_insecure_env(name: str, value: str, insecure: bool) -> None:
    assert (insecure_env(name, value) is not None) is insecure
