"""What a RUN fetches: files (wget, curl), repositories (git), models (hub CLIs, Python)."""

from __future__ import annotations

import pytest

from jettison.dockerfile.commands.downloads import (
    Clone,
    Fetch,
    ModelDownload,
    fetches,
    git_clone,
    model_download,
    python_calls,
    url_name,
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
