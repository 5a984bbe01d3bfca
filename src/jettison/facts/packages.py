"""What jettison knows about Python distributions, in tables (and lookups on them).

The relations come from the packages' own metadata (``Requires-Dist``, entry points) and
documentation as of 2025-2026; they decide wording and whether a saving is claimed, never a
byte count. lint's dependency rules, ``fix``, ``plan`` and inspect's ``dev-tools`` cause read
the same tables (dev tools, the torch family, packages used without an import, common
dependents), so that each moves, keeps or reports exactly what the others do.
"""

from __future__ import annotations

from collections.abc import Mapping

# -- development and test tools (lint's JT301, inspect's dev-tools) ----------------------------

DEV_TOOLS: dict[str, str] = {
    **dict.fromkeys(
        ("pytest", "coverage", "tox", "nox", "hypothesis", "nose", "nose2"), "test tool"
    ),
    **dict.fromkeys(
        (
            "jupyter",
            "jupyterlab",
            "notebook",
            "ipython",
            "ipykernel",
            "ipywidgets",
            "nbconvert",
            "voila",
            "nbclassic",
            "nbformat",
            "nbclient",
            "widgetsnbextension",
            "qtconsole",
        ),
        "notebook tool",
    ),
    **dict.fromkeys(
        (
            "black",
            "flake8",
            "ruff",
            "pylint",
            "isort",
            "autopep8",
            "yapf",
            "pycodestyle",
            "pyflakes",
            "pydocstyle",
            "bandit",
            "autoflake",
            "pyupgrade",
            "mccabe",
        ),
        "formatter/linter",
    ),
    **dict.fromkeys(("mypy", "pyright", "pytype"), "type checker"),
    **dict.fromkeys(
        (
            "pre-commit",
            "twine",
            "sphinx",
            "mkdocs",
            "mkdocs-material",
            "bump2version",
            "bumpversion",
            "commitizen",
            "pip-tools",
            "ipdb",
            "pdbpp",
            "debugpy",
        ),
        "development tool",
    ),
}
"""Canonical name -> what kind of tool it is (for messages)."""
DEV_PREFIXES: tuple[tuple[str, str], ...] = (
    ("pytest-", "test tool"),
    ("flake8-", "formatter/linter"),
    ("jupyter-", "notebook tool"),
    ("jupyterlab-", "notebook tool"),
    ("types-", "type stubs"),
    ("sphinx-", "development tool"),
    ("sphinxcontrib-", "development tool"),
    ("mkdocs-", "development tool"),
)
"""Name prefixes of the tools' plug-ins (and of typing stub packages)."""
DEV_SUFFIXES: tuple[tuple[str, str], ...] = (("-stubs", "type stubs"),)

DEV_GROUP_NAMES = frozenset(
    {
        "dev",
        "develop",
        "development",
        "test",
        "tests",
        "testing",
        "lint",
        "linting",
        "docs",
        "doc",
        "typing",
        "types",
        "notebook",
        "notebooks",
        "jupyter",
        "qa",
        "style",
        "format",
        "ci",
    }
)
"""Names of extras and dependency groups that hold development tools."""


def dev_tool_kind(name: str) -> str | None:
    """``test tool``, ``notebook tool``... when ``name`` (canonical) is a development tool;
    None for anything else."""
    if name in DEV_TOOLS:
        return DEV_TOOLS[name]
    for prefix, kind in DEV_PREFIXES:
        if name.startswith(prefix):
            return kind
    for suffix, kind in DEV_SUFFIXES:
        if name.endswith(suffix):
            return kind
    return None


# -- torch ---------------------------------------------------------------------------------

TORCH_FAMILY = ("torch", "torchvision", "torchaudio")
TORCH_ADDONS = ("torchvision", "torchaudio")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
"""The package index of PyTorch's CPU builds."""


# -- OpenCV and OpenGL ---------------------------------------------------------------------------

HEADLESS_OPENCV: Mapping[str, str] = {
    "opencv-python": "opencv-python-headless",
    "opencv-contrib-python": "opencv-contrib-python-headless",
}
"""OpenCV's GUI wheels -> the same OpenCV without Qt, X11 and OpenGL (JT304's remedy)."""


OPENGL_USERS = frozenset(
    {"open3d", "vtk", "pyvista", "pyrender", "mayavi", "pyqt5", "pyqt6", "pyside2", "pyside6",
     "pyopengl", "glfw", "moderngl", "kivy", "pygame", "vispy", "panda3d", "pyglet"}
)  # fmt: skip
"""Distributions that load the system's OpenGL library (``libGL.so.1``), as the GUI build of
OpenCV does: with one of them, ``libgl1`` stays even when OpenCV goes ``-headless``."""


# -- used without being imported (JT309) -----------------------------------------------------

USED_WITHOUT_IMPORT = frozenset(
    {
        # servers, workers and their optional speed-ups, started by CLI or loaded by name
        "uvicorn",
        "gunicorn",
        "hypercorn",
        "daphne",
        "granian",
        "uvicorn-worker",
        "uvloop",
        "httptools",
        "websockets",
        "wsproto",
        "watchfiles",
        "gevent",
        "eventlet",
        "supervisor",
        # database drivers chosen by a connection URL (SQLAlchemy, Django, pandas.read_sql)
        "psycopg2",
        "psycopg2-binary",
        "psycopg",
        "psycopg-binary",
        "psycopg-c",
        "pymysql",
        "mysqlclient",
        "asyncpg",
        "aiosqlite",
        "oracledb",
        "cx-oracle",
        "pyodbc",
        "sqlalchemy",
        # framework plug-ins (form parsing, templates, validators, JSON backends, .env)
        "python-multipart",
        "email-validator",
        "jinja2",
        "python-dotenv",
        "orjson",
        "ujson",
        "python-json-logger",
        # packaging tools
        "pip",
        "setuptools",
        "wheel",
        "uv",
        # model-loading backends that transformers, accelerate and friends import lazily
        "sentencepiece",
        "protobuf",
        "tiktoken",
        "accelerate",
        "bitsandbytes",
        "safetensors",
        "tokenizers",
        "einops",
        "timm",
        "flash-attn",
        "xformers",
        "sacremoses",
        "hf-transfer",
        "hf-xet",
        "triton",
        # pandas/datasets I/O engines chosen by file type or URL
        "pyarrow",
        "fastparquet",
        "openpyxl",
        "xlrd",
        "xlsxwriter",
        "odfpy",
        "lxml",
        "html5lib",
        "tabulate",
        "tables",
        "fsspec",
        "s3fs",
        "gcsfs",
        "adlfs",
        # time zones and certificates, read as data
        "certifi",
        "tzdata",
        "pytz",
    }
)
USED_WITHOUT_IMPORT_PREFIXES = (
    "nvidia-",
    "opentelemetry-instrumentation",
    "opentelemetry-exporter",
    "opentelemetry-distro",
)


def used_without_import(name: str) -> bool:
    return name in USED_WITHOUT_IMPORT or name.startswith(USED_WITHOUT_IMPORT_PREFIXES)


_NUMPY_USERS = (
    "pandas scikit-learn scipy matplotlib seaborn transformers torchvision opencv-python "
    "opencv-python-headless opencv-contrib-python opencv-contrib-python-headless tensorflow "
    "tensorflow-cpu onnxruntime onnxruntime-gpu datasets accelerate faiss-cpu faiss-gpu "
    "xgboost lightgbm statsmodels numba librosa scikit-image h5py keras jax onnx shap spacy "
    "gensim imageio ultralytics diffusers evaluate sentence-transformers"
)
_DEPENDENTS = {
    "numpy": _NUMPY_USERS,
    "requests": "transformers datasets tensorflow tensorflow-cpu spacy tiktoken langchain "
    "mlflow huggingface-hub",
    "pillow": "torchvision matplotlib sentence-transformers scikit-image imageio diffusers "
    "ultralytics gradio streamlit",
    "scipy": "scikit-learn statsmodels librosa xgboost lightgbm scikit-image "
    "sentence-transformers gensim shap",
    "pandas": "seaborn datasets statsmodels gradio streamlit mlflow shap evaluate",
    "pyyaml": "transformers huggingface-hub accelerate datasets timm ultralytics mlflow",
    "tqdm": "transformers huggingface-hub datasets sentence-transformers nltk spacy evaluate",
    "protobuf": "tensorflow tensorflow-cpu onnx onnxruntime onnxruntime-gpu tensorboard "
    "streamlit mlflow",
    "filelock": "torch transformers huggingface-hub datasets",
    "sympy": "torch onnxruntime onnxruntime-gpu",
    "networkx": "torch scikit-image",
    "huggingface-hub": "transformers sentence-transformers datasets tokenizers timm diffusers "
    "accelerate",
    "regex": "transformers nltk tiktoken",
    "torch": "torchvision torchaudio sentence-transformers accelerate timm ultralytics",
    "transformers": "sentence-transformers",
    "scikit-learn": "sentence-transformers",
    "matplotlib": "seaborn ultralytics",
    "click": "flask uvicorn nltk typer mlflow",
    "starlette": "fastapi",
    "pydantic": "fastapi",
    "werkzeug": "flask",
    "itsdangerous": "flask",
    "markupsafe": "jinja2 werkzeug",
    "anyio": "httpx starlette",
    "httpx": "openai anthropic",
    "joblib": "scikit-learn nltk",
    "threadpoolctl": "scikit-learn",
    "aiohttp": "datasets langchain",
}
COMMON_DEPENDENTS: dict[str, frozenset[str]] = {
    name: frozenset(users.split()) for name, users in _DEPENDENTS.items()
}
"""Distribution -> popular distributions whose ``Requires-Dist`` names it: removing its line
does not uninstall it while one of those stays."""

PACKAGING_TOOLS = frozenset({"pip", "setuptools", "wheel", "uv", "poetry", "pip-tools", "pdm"})
"""Installers and build backends: upgrading them says nothing about what a service uses."""
