"""Import names to declared distributions, without installing anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.imports.mapping import (
    candidate_distributions,
    significant_module,
    used_distributions,
)
from jettison.imports.model import ImportedName
from jettison.requirements.model import Requirement, RequirementSet


@pytest.mark.parametrize(
    ("module", "declared", "used"),
    [
        ("cv2", ["opencv-python-headless", "numpy"], {"opencv-python-headless"}),
        (
            "cv2",
            ["opencv-python", "opencv-contrib-python"],
            {"opencv-python", "opencv-contrib-python"},
        ),
        ("sklearn", ["scikit-learn"], {"scikit-learn"}),
        ("PIL", ["Pillow"], {"pillow"}),
        ("yaml", ["PyYAML"], {"pyyaml"}),
        ("bs4", ["beautifulsoup4"], {"beautifulsoup4"}),
        ("google.protobuf", ["protobuf", "google-cloud-storage"], {"protobuf"}),
        ("google.cloud.storage", ["protobuf", "google-cloud-storage"], {"google-cloud-storage"}),
        ("google.cloud.bigquery", ["google_cloud_bigquery"], {"google-cloud-bigquery"}),
        ("attr", ["attrs"], {"attrs"}),
        ("dateutil", ["python-dateutil"], {"python-dateutil"}),
        ("jwt", ["PyJWT"], {"pyjwt"}),
        ("skimage", ["scikit-image"], {"scikit-image"}),
        ("Crypto", ["pycryptodome"], {"pycryptodome"}),
        ("fitz", ["PyMuPDF"], {"pymupdf"}),
        ("tensorflow", ["tensorflow-cpu"], {"tensorflow-cpu"}),
        ("torch", ["pytorch"], {"pytorch"}),  # the conda name
        ("faiss", ["faiss-gpu"], {"faiss-gpu"}),
        ("onnxruntime", ["onnxruntime-gpu"], {"onnxruntime-gpu"}),
        ("psycopg2", ["psycopg2-binary"], {"psycopg2-binary"}),
        ("MySQLdb", ["mysqlclient"], {"mysqlclient"}),
        ("zmq", ["pyzmq"], {"pyzmq"}),
        ("sentence_transformers", ["sentence-transformers"], {"sentence-transformers"}),
        ("my_pkg", ["My.Pkg"], {"my-pkg"}),
        ("slugify", ["python-slugify"], {"python-slugify"}),  # a guessed variant
        ("torchvision", ["torch"], set()),
        ("cv2", ["opencv-python-headless-extra"], set()),
    ],
)
def test_used_distributions(module: str, declared: list[str], used: set[str]) -> None:
    assert used_distributions([module], declared) == used


def test_namespace_prefixes() -> None:
    assert significant_module("google.protobuf.message") == "google.protobuf"
    assert significant_module("google.cloud.storage.blob") == "google.cloud.storage"
    assert significant_module("google") == "google"
    assert significant_module("torch.nn.functional") == "torch"
    assert significant_module("opentelemetry.exporter.otlp.proto") == "opentelemetry.exporter.otlp"
    assert candidate_distributions("opentelemetry.trace", variants=False) == (
        "opentelemetry-api",
        "opentelemetry-trace",
    )


def test_accepts_imported_names_and_requirement_sets() -> None:
    here = Path("app.py")
    declared = RequirementSet(
        requirements=(
            Requirement("transformers", "==4.52.3", here, 1, "transformers==4.52.3"),
            Requirement("numpy", "==1.26.4", here, 2, "numpy==1.26.4", group="constraint"),
        ),
        files=(here,),
    )
    imports = [ImportedName("transformers", here, 3), ImportedName("numpy", here, 4)]
    # a constraint is not a declaration of something installed
    assert used_distributions(imports, declared) == {"transformers"}


def test_foo_py_distributions_match_their_module() -> None:
    # nats-py installs `nats` (the seed's 14-service template depends on it)
    assert used_distributions(["nats"], ["nats-py", "flask"]) == frozenset({"nats-py"})
