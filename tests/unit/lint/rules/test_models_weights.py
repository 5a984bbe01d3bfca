"""JT501 (weights copied), JT502 (weights downloaded in the build), JT503 (model caches)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.inspect.report import PathBytes
from jettison.lint.model import Saving, Severity
from jettison.lint.rules.models import (
    jt501_weights_copied,
    jt502_weights_downloaded,
    jt503_hf_cache_baked,
    jt504_training_artifacts,
)

from ._stack_helpers import make_ctx, make_image, requirements_file, run, source

JT501 = jt501_weights_copied.RULE
JT502 = jt502_weights_downloaded.RULE
JT503 = jt503_hf_cache_baked.RULE
MIB = 1 << 20


def _file(root: Path, relative: str, size: int = 10) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)


# -- JT501 -----------------------------------------------------------------------------------


def test_jt501_directory_of_weights(tmp_path: Path) -> None:
    _file(tmp_path, "models/bert/model.safetensors", 3000)
    _file(tmp_path, "models/bert/config.json", 10)
    _file(tmp_path, "models/clf.onnx", 2000)
    _file(tmp_path, "models/head.pt", 1000)
    _file(tmp_path, "models/extra.gguf", 500)
    text = "FROM python:3.11-slim\nWORKDIR /app\nCOPY models/ ./models/\n"
    (finding,) = run(JT501, make_ctx(tmp_path, text))
    assert finding.line == 3
    assert finding.message == (
        "COPY bakes model weights into the image at /app/models: models/bert/model.safetensors, "
        "models/clf.onnx, models/head.pt and 1 more (6.5 kB in the build context)"
    )
    assert finding.saving == Saving(6500, "size of the weight files in the build context")
    assert finding.fix is not None and "models:/app/models:ro" in finding.fix


def test_jt501_glob_and_single_files(tmp_path: Path) -> None:
    _file(tmp_path, "a.pt")
    _file(tmp_path, "b.pt")
    _file(tmp_path, "main.py")
    text = "FROM python:3.11-slim\nCOPY *.pt /w/\nCOPY main.py /app/\nADD b.pt /x.pt\n"
    findings = run(JT501, make_ctx(tmp_path, text))
    assert [f.line for f in findings] == [2, 4]


def test_jt501_size_floor_for_ambiguous_suffixes(tmp_path: Path) -> None:
    _file(tmp_path, "data/small.h5", 100)  # a small HDF5 file is data, not weights
    _file(tmp_path, "data/pytorch_model.bin", 100)  # named like weights
    _file(tmp_path, "data/blob.bin", 100)
    (finding,) = run(JT501, make_ctx(tmp_path, "FROM python:3.11-slim\nCOPY data /data\n"))
    assert "data/pytorch_model.bin (100 B in the build context)" in finding.message


def test_jt501_whole_context_respects_dockerignore_and_exclude(tmp_path: Path) -> None:
    _file(tmp_path, "app.py")
    _file(tmp_path, "ckpt/last.ckpt", 50)
    _file(tmp_path, "export/model.onnx", 70)
    text = "FROM python:3.11-slim\nCOPY . /app\n"
    (finding,) = run(JT501, make_ctx(tmp_path, text, dockerignore=["ckpt/"]))
    assert "export/model.onnx (70 B" in finding.message
    assert "last.ckpt" not in finding.message
    text = "FROM python:3.11-slim\nCOPY --exclude=export . /app\n"
    assert run(JT501, make_ctx(tmp_path, text, dockerignore=["ckpt"])) == []


def test_jt501_whole_context_skips_environments_and_vcs(tmp_path: Path) -> None:
    _file(tmp_path, ".venv/pyvenv.cfg")
    _file(tmp_path, ".venv/lib/python3.11/site-packages/pkg/model.onnx")
    _file(tmp_path, "vendor/site-packages/x/tiny.pt")
    _file(tmp_path, ".git/lfs/objects/ab/model.safetensors")
    _file(tmp_path, "node_modules/a/model.onnx")
    _file(tmp_path, "app.py")
    assert run(JT501, make_ctx(tmp_path, "FROM python:3.11-slim\nCOPY . /app\n")) == []


def test_jt501_from_an_external_image(tmp_path: Path) -> None:
    text = "FROM python:3.11-slim\nCOPY --from=ghcr.io/org/weights:1 /models /models\n"
    (finding,) = run(JT501, make_ctx(tmp_path, text))
    assert "/models (from image ghcr.io/org/weights:1; judged by its name)" in finding.message


def test_jt501_models_package_of_code_is_fine(tmp_path: Path) -> None:
    _file(tmp_path, "models/__init__.py")
    _file(tmp_path, "models/user.py")
    assert (
        run(JT501, make_ctx(tmp_path, "FROM python:3.11-slim\nCOPY models/ /app/models/\n")) == []
    )


def test_jt501_missing_source_judged_by_name(tmp_path: Path) -> None:
    text = "FROM python:3.11-slim\nCOPY ./models ./models\nCOPY src ./src\n"
    (finding,) = run(JT501, make_ctx(tmp_path, text))
    assert finding.line == 2
    assert "./models (not in the build context; judged by its name)" in finding.message
    assert finding.saving is None


def test_jt501_followed_through_a_builder_stage(tmp_path: Path) -> None:
    """The seed article's multi-stage template: models copied into a builder, then over."""
    _file(tmp_path, "models/model.pt", 4000)
    text = (
        "FROM python:3.9 AS builder\n"
        "WORKDIR /app\n"
        "COPY ./models ./models\n"
        "FROM python:3.9-slim-buster\n"
        "WORKDIR /app\n"
        "COPY --from=builder /app/models ./models\n"
    )
    (finding,) = run(JT501, make_ctx(tmp_path, text))
    assert finding.line == 6  # the builder's COPY does not ship; the final one does
    assert "models/model.pt (4 kB in the build context)" in finding.message


def test_jt501_from_a_stage_that_made_the_weights(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS train\nRUN python train.py --out /out/model.pt\n"
        "FROM python:3.11-slim\nCOPY --from=train /out/model.pt /app/\n"
        "COPY --from=train /out/report.html /app/\n"
    )
    (finding,) = run(JT501, make_ctx(tmp_path, text))
    assert finding.line == 4
    assert "/out/model.pt (not in the build context" in finding.message


def test_jt501_saving_measured_in_the_image(tmp_path: Path) -> None:
    _file(tmp_path, "models/model.safetensors", 100)
    image = make_image(
        weights=[
            PathBytes("app/models/model.safetensors", 900_000_000, 3),
            PathBytes("opt/other/x.onnx", 5_000, 4),
        ]
    )
    text = "FROM python:3.11-slim\nWORKDIR /app\nCOPY models models\n"
    (finding,) = run(JT501, make_ctx(tmp_path, text, image=image))
    assert finding.saving == Saving(900_000_000, "measured in image build/app.tar")


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.11 AS build\nCOPY model.pt /m.pt\nRUN convert\nFROM python:3.11-slim\n",
        "FROM python:3.11-slim\nCOPY <<EOF /app/model.pt\nnot really\nEOF\n",
        "FROM python:3.11-slim\nCOPY $MODEL /app/\n",
        "FROM python:3.11-slim\nCOPY requirements.txt app.py /app/\n",
    ],
)
def test_jt501_negative(tmp_path: Path, text: str) -> None:
    _file(tmp_path, "model.pt")
    assert run(JT501, make_ctx(tmp_path, text)) == []


# -- JT502 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_line", "what"),
    [
        (
            'RUN python -c "from transformers import AutoModel; '
            "AutoModel.from_pretrained('bert-base-uncased')\"",
            "from_pretrained()",
        ),
        (
            "RUN python3 -c 'from huggingface_hub import snapshot_download as s; "
            'snapshot_download("org/m")\'',
            "snapshot_download()",
        ),
        (
            "RUN huggingface-cli download org/model --local-dir /models/m",
            "huggingface-cli download",
        ),
        ("RUN hf download org/model", "hf download"),
        ("RUN git lfs pull", "git lfs pull"),
        ("RUN git clone https://huggingface.co/org/model /models/m", "git clone of a Hugging Face"),
        (
            "RUN wget -q https://example.com/weights/model.safetensors -O /models/m.safetensors",
            "wget model.safetensors",
        ),
        (
            "RUN curl -L -o m.gguf "
            "https://huggingface.co/org/m/resolve/main/model.gguf?download=true",
            "curl model.gguf",
        ),
        ("RUN python -m spacy download en_core_web_sm", "python -m spacy download"),
        ("ADD https://example.com/yolo.onnx /models/", "ADD yolo.onnx"),
        ("RUN ollama pull llama3", "ollama pull"),
    ],
)
def test_jt502_downloads(tmp_path: Path, run_line: str, what: str) -> None:
    text = f"FROM python:3.11-slim\nWORKDIR /app\n{run_line}\n"
    (finding,) = run(JT502, make_ctx(tmp_path, text))
    assert finding.line == 3
    assert what in finding.message
    assert "they become a layer of the image" in finding.message


def test_jt502_script_read_from_the_context(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "prepare.py").write_text(
        "from sentence_transformers import SentenceTransformer\n"
        "SentenceTransformer('all-MiniLM-L6-v2')\n",
        encoding="utf-8",
    )
    (tmp_path / "scripts" / "migrate.py").write_text("print('no models')\n", encoding="utf-8")
    text = (
        "FROM python:3.11-slim\nCOPY scripts /scripts\n"
        "RUN python /scripts/migrate.py\nRUN python scripts/prepare.py\n"
        "RUN python download_models.py\n"
    )
    findings = run(JT502, make_ctx(tmp_path, text))
    assert [f.line for f in findings] == [4, 5]
    assert "(scripts/prepare.py (SentenceTransformer()))" in findings[0].message
    assert "(download_models.py (by its name))" in findings[1].message


def test_jt502_heredoc_and_cache_location(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\nENV HF_HOME=/opt/hf\n"
        "RUN python3 <<EOF\nfrom transformers import pipeline\n"
        "pipeline('sentiment-analysis')\nEOF\n"
    )
    (finding,) = run(JT502, make_ctx(tmp_path, text))
    assert "(pipeline()) into /opt/hf" in finding.message


def test_jt502_saving_measured_under_the_cache(tmp_path: Path) -> None:
    image = make_image(
        weights=[PathBytes("root/.cache/huggingface/hub/models--bert-base-uncased", 440_000_000, 2)]
    )
    text = (
        "FROM python:3.11-slim\n"
        "RUN python -c \"from transformers import AutoModel; AutoModel.from_pretrained('b')\"\n"
    )
    (finding,) = run(JT502, make_ctx(tmp_path, text, image=image))
    assert finding.saving == Saving(440_000_000, "measured in image build/app.tar")


@pytest.mark.parametrize(
    "text",
    [
        # into a cache mount: nothing stays in the image
        "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/huggingface "
        "python -c \"from transformers import AutoModel; AutoModel.from_pretrained('b')\"\n",
        # in a stage that does not ship
        "FROM python:3.11 AS dl\nRUN huggingface-cli download org/m\nFROM python:3.11-slim\n",
        # ordinary downloads and python
        "FROM python:3.11-slim\nRUN wget https://example.com/tool.tar.gz && python -c 'print(1)'\n",
        "FROM python:3.11-slim\nRUN git clone https://github.com/org/repo\n",
        "FROM python:3.11-slim\nADD https://example.com/config.json /etc/app/\n",
    ],
)
def test_jt502_negative(tmp_path: Path, text: str) -> None:
    assert run(JT502, make_ctx(tmp_path, text)) == []


# -- JT503 -----------------------------------------------------------------------------------


def test_jt503_cache_env_with_a_download(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "ENV HF_HOME=/models/hf PYTHONUNBUFFERED=1\n"
        "RUN python -c \"from transformers import AutoModel; AutoModel.from_pretrained('b')\"\n"
    )
    (finding,) = run(JT503, make_ctx(tmp_path, text))
    assert finding.line == 2
    assert finding.message.startswith("HF_HOME=/models/hf puts the model cache inside the image")
    assert "(line 3)" in finding.message
    assert finding.saving is None  # JT502 carries it


def test_jt503_copied_cache(tmp_path: Path) -> None:
    _file(tmp_path, ".cache/huggingface/hub/models--org--m/blobs/abc", 1234)
    text = (
        "FROM python:3.11 AS dl\nRUN huggingface-cli download org/m\n"
        "FROM python:3.11-slim\n"
        "COPY .cache/huggingface /root/.cache/huggingface\n"
        "COPY --from=dl /root/.cache/huggingface /root/.cache/huggingface\n"
    )
    findings = run(JT503, make_ctx(tmp_path, text))
    assert [f.line for f in findings] == [4, 5]
    assert findings[0].saving == Saving(1234, "size of the cache directory in the build context")
    assert "from stage dl" in findings[1].message
    assert findings[1].saving is None
    # the copied cache is JT503's, not JT501's
    assert run(JT501, make_ctx(tmp_path, text)) == []


@pytest.mark.parametrize(
    "text",
    [
        'FROM python:3.11-slim\nENV HF_HOME=/models/hf\nCMD ["python", "app.py"]\n',
        "FROM python:3.11-slim\nRUN huggingface-cli download org/m --local-dir /m\n"
        "ENV HF_HOME=/models/hf\n",
        "FROM python:3.11-slim\nENV HF_HOME=/models/hf\n"
        "RUN huggingface-cli download org/m --local-dir /m\n",
        "FROM python:3.11-slim\nCOPY app /app\n",
    ],
)
def test_jt503_negative(tmp_path: Path, text: str) -> None:
    assert run(JT503, make_ctx(tmp_path, text)) == []


# -- JT501: pickled model artefacts ------------------------------------------------------------


def test_jt501_pickles_are_info_unless_large(tmp_path: Path) -> None:
    _file(tmp_path, "clf.joblib", 2_000)
    _file(tmp_path, "artifacts/forest.pkl", 150 * MIB)
    text = (
        "FROM python:3.12-slim\nWORKDIR /srv\nCOPY clf.joblib .\nCOPY artifacts/ ./artifacts/\n"
        "COPY encoder.pkl .\n"
    )
    small, large, absent = run(JT501, make_ctx(tmp_path, text))
    assert small.severity is Severity.INFO and "pickled model artefact" in small.message
    assert large.severity is Severity.WARNING and "artifacts/forest.pkl" in large.message
    assert absent.severity is Severity.INFO and "judged by its name" in absent.message


def test_jt501_weights_and_pickles_in_one_copy_are_one_finding(tmp_path: Path) -> None:
    _file(tmp_path, "m/net.onnx", 10)
    _file(tmp_path, "m/labels.pkl", 10)
    (finding,) = run(JT501, make_ctx(tmp_path, "FROM python:3.12-slim\nCOPY m /m\n"))
    assert "bakes model weights" in finding.message


# -- JT502: more ways to download ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_line", "what", "severity"),
    [
        ("RUN python -m unidic download", "python -m unidic download", Severity.WARNING),
        ("RUN docling-tools models download", "docling-tools models download", Severity.WARNING),
        ("RUN poetry run python -m spacy download en_core_web_lg", "spacy download",
         Severity.WARNING),
        ("RUN python -m spacy download en_core_web_sm", "spacy download", Severity.INFO),
        (
            "RUN python -c \"import nltk; nltk.download('punkt'); nltk.download('stopwords')\"",
            "language data",
            Severity.INFO,
        ),
        ("RUN python -c \"import nltk; nltk.download('all')\"", "model weights", Severity.WARNING),
        (
            "RUN python -c \"from fastembed import TextEmbedding; TextEmbedding('BAAI/bge')\"",
            "TextEmbedding()",
            Severity.WARNING,
        ),
    ],
)  # fmt: skip
def test_jt502_tools_and_severity(
    tmp_path: Path, run_line: str, what: str, severity: Severity
) -> None:
    (finding,) = run(JT502, make_ctx(tmp_path, f"FROM python:3.12-slim\n{run_line}\n"))
    assert what in finding.message and finding.severity is severity


def test_jt502_a_script_that_calls_a_local_downloader(tmp_path: Path) -> None:
    (tmp_path / "voice").mkdir()
    (tmp_path / "voice" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "voice" / "engine.py").write_text(
        "from .hub import fetch_checkpoint\n"
        "class Speaker:\n    def __init__(self, lang):\n"
        "        self.ckpt = fetch_checkpoint(lang)\n"
        "    def speak(self, text):\n        return download_audio(text)\n",
        encoding="utf-8",
    )
    (tmp_path / "voice" / "warm.py").write_text(
        "from voice.engine import Speaker\nif __name__ == '__main__':\n    Speaker('en')\n",
        encoding="utf-8",
    )
    text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN python voice/warm.py\n"
    assert run(JT502, make_ctx(tmp_path, text)) == []  # fetch_checkpoint: not a download name
    (tmp_path / "voice" / "engine.py").write_text(
        "from .hub import load_or_download_checkpoint\n"
        "class Speaker:\n    def __init__(self, lang):\n"
        "        self.ckpt = load_or_download_checkpoint(lang)\n",
        encoding="utf-8",
    )
    (finding,) = run(JT502, make_ctx(tmp_path, text))
    assert "voice/warm.py (Speaker() (voice/engine.py line 4: " in finding.message


def test_jt502_an_aliased_loader_in_a_script_run_through_poetry(tmp_path: Path) -> None:
    (tmp_path / "setup_models.py").write_text(
        "from spacy.cli import download as get_model\n"
        "def main():\n    get_model('en_core_web_lg')\nmain()\n",
        encoding="utf-8",
    )
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY setup_models.py /app/\n"
        "RUN poetry run python setup_models.py\n"
    )
    (finding,) = run(JT502, make_ctx(tmp_path, text))
    assert "setup_models.py (get_model (spacy.cli.download)())" in finding.message


def test_jt502_model_packages_from_a_requirement_file(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path,
        "fastapi==0.115\n"
        "en_core_web_md @ https://github.com/explosion/spacy-models/releases/download/"
        "en_core_web_md-3.8.0/en_core_web_md-3.8.0-py3-none-any.whl\n",
        name="serve.txt",
    )
    text = (
        "FROM python:3.12-slim\nCOPY serve.txt /tmp/serve.txt\n"
        "RUN pip install --no-cache-dir -r /tmp/serve.txt\n"
        "RUN pip install --no-cache-dir en_core_web_sm-3.8.0.tar.gz xx_ent_wiki_sm==3.8.0\n"
    )
    medium, small = run(JT502, make_ctx(tmp_path, text, requirements=reqs))
    assert medium.line == 3 and "en-core-web-md" in medium.message
    assert medium.severity is Severity.WARNING
    assert small.line == 4 and small.severity is Severity.INFO and "xx-ent-wiki-sm" in small.message


def test_jt502_a_download_stage_copied_into_the_image(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12 AS fetch\n"
        "RUN huggingface-cli download org/m --local-dir /models/m\n"
        "RUN wget -q https://example.com/tokenizer.json -O /assets/tok.json\n"
        "FROM python:3.12-slim\n"
        "COPY --from=fetch /models /models\n"
        "COPY --from=fetch /assets /assets\n"
    )
    (finding,) = run(JT502, make_ctx(tmp_path, text))
    assert finding.line == 5 and "stage fetch downloads (line 2" in finding.message


# -- JT504 -------------------------------------------------------------------------------------


JT504 = jt504_training_artifacts.RULE


def test_jt504_dataset_the_code_never_reads(tmp_path: Path) -> None:
    imports = source(tmp_path, "main.py", "import joblib\nmodel = joblib.load('m.pkl')\n", "joblib")
    _file(tmp_path, "loans.csv", 5_000)
    text = "FROM python:3.12-slim\nCOPY main.py m.pkl loans.csv /app/\nCOPY eda.ipynb /app/\n"
    dataset, notebook = run(JT504, make_ctx(tmp_path, text, imports=imports))
    assert dataset.severity is Severity.WARNING and "never names it" in dataset.message
    assert "loans.csv (5 kB in the build context)" in dataset.message
    assert notebook.severity is Severity.INFO and "a notebook" in notebook.message


def test_jt504_runtime_data_and_unknown_code_are_info(tmp_path: Path) -> None:
    imports = source(
        tmp_path, "main.py", "import pandas\nLABELS = pandas.read_csv('labels.csv')\n", "pandas"
    )
    _file(tmp_path, "labels.csv", 100)
    text = "FROM python:3.12-slim\nCOPY labels.csv /app/\n"
    (finding,) = run(JT504, make_ctx(tmp_path, text, imports=imports))
    assert finding.severity is Severity.INFO
    (unknown,) = run(JT504, make_ctx(tmp_path, text))
    assert unknown.severity is Severity.INFO


def test_jt504_folders_and_whole_context(tmp_path: Path) -> None:
    _file(tmp_path, "data/train.parquet", 10)
    _file(tmp_path, "data/README.md", 10)
    _file(tmp_path, "config/settings.json", 10)
    text = "FROM python:3.12-slim\nCOPY data /app/data\nCOPY config /app/config\nCOPY . /app\n"
    (finding,) = run(JT504, make_ctx(tmp_path, text))
    assert finding.line == 2 and "data/train.parquet" in finding.message


def test_jt502_scripts_judged_by_their_name(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\nRUN python download_models.py\nRUN python download.py\n"
        "RUN python build_assets.py\n"
        "RUN curl -L -o /opt/m/model.safetensors https://example.com/get?id=3\n"
    )
    strong, weak, fetched = run(JT502, make_ctx(tmp_path, text))
    assert strong.severity is Severity.WARNING and weak.severity is Severity.INFO
    assert "download.py (by its name)" in weak.message
    assert fetched.line == 5 and "curl model.safetensors" in fetched.message


def test_jt504_a_folder_the_code_names_is_runtime_data(tmp_path: Path) -> None:
    code = "import glob\nFILES = glob.glob('lookups/*.csv')\n"
    imports = source(tmp_path, "main.py", code, "glob")
    _file(tmp_path, "lookups/countries.csv", 10)
    text = "FROM python:3.12-slim\nCOPY lookups /app/lookups\n"
    (finding,) = run(JT504, make_ctx(tmp_path, text, imports=imports))
    assert finding.severity is Severity.INFO
