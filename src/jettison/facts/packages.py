"""What jettison knows about Python distributions, in tables (and lookups on them).

The relations come from the packages' own metadata (``Requires-Dist``, entry points) and
documentation as of 2025-2026; they decide wording and whether a saving is claimed, never a
byte count. lint's dependency rules, ``fix``, ``plan`` and inspect's ``dev-tools`` cause read
the same tables (dev tools, the torch family, packages used without an import, common
dependents), so that each moves, keeps or reports exactly what the others do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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

# -- installer tools (fix's tools-only installs, JT204, JT403) -----------------------------------

INSTALLER_TOOLS = frozenset(
    {"pip", "setuptools", "wheel", "poetry", "poetry-core", "poetry-plugin-export", "pdm",
     "pdm-backend", "uv", "pipenv", "pipx", "virtualenv", "hatch", "hatchling", "pip-tools",
     "build", "flit", "flit-core", "setuptools-scm", "nvidia-pyindex"}
)  # fmt: skip
"""Distributions that install or build Python packages (installers, environment managers,
build backends), not what a service imports: an install of only these prepares the build,
and a project listing them says nothing about what its service uses."""

# -- heavy distributions (JT309's severity) ------------------------------------------------------

_HEAVY = """
    torch torchvision torchaudio triton xformers flash-attn bitsandbytes deepspeed vllm
    tensorflow tensorflow-cpu tensorflow-gpu tensorflow-intel tf-nightly tf-keras keras jax
    jaxlib tensorboard paddlepaddle paddlepaddle-gpu paddleocr paddlehub mxnet onnxruntime
    onnxruntime-gpu openvino tensorrt ctranslate2 cupy-cuda11x cupy-cuda12x cupy-cuda111
    transformers sentence-transformers diffusers accelerate peft trl optimum auto-gptq
    datasets evaluate lm-eval timm lightning pytorch-lightning torchmetrics kornia
    ultralytics easyocr python-doctr openai-whisper faster-whisper pyannote-audio speechbrain
    nemo-toolkit spacy gensim mediapipe insightface dlib face-recognition deepface
    opencv-python opencv-python-headless opencv-contrib-python opencv-contrib-python-headless
    scikit-image albumentations layoutparser unstructured detectron2 mmcv
    scipy scikit-learn pandas polars pyarrow matplotlib seaborn plotly bokeh statsmodels
    sympy numba llvmlite librosa xgboost lightgbm catboost faiss-cpu faiss-gpu
    streamlit gradio dash panel voila jupyter jupyterlab notebook
    mlflow wandb ray pyspark dask distributed boto3 botocore google-cloud-aiplatform
    playwright selenium pymupdf chromadb llama-index langchain-community
"""
HEAVY = frozenset(_HEAVY.split())
"""Distributions that weigh tens of MB installed or more (their own wheel, or what they
require): an unused one is worth a warning, an unused small one only a mention."""

_UNPICKLED = """
    scikit-learn xgboost lightgbm catboost statsmodels scipy numpy pandas imbalanced-learn
    category-encoders feature-engine prophet pmdarima sktime skops
"""
UNPICKLED = frozenset(_UNPICKLED.split())
"""Classic-ML libraries whose objects a pickled model holds: ``pickle.load`` and
``joblib.load`` import them without an import statement in the service's code."""

TRANSITIVE: dict[str, frozenset[str]] = {
    name: frozenset(users.split())
    for name, users in {
        "blinker": "flask",
        "python-dateutil": "pandas matplotlib botocore arrow",
        "six": "python-dateutil",
        "urllib3": "requests botocore",
        "idna": "requests httpx anyio",
        "charset-normalizer": "requests",
        "certifi": "requests httpx",
        "h11": "uvicorn httpcore",
        "sniffio": "anyio httpx",
        "typing-extensions": "pydantic fastapi torch",
        "pydantic-core": "pydantic",
        "annotated-types": "pydantic",
        "jmespath": "boto3 botocore",
        "s3transfer": "boto3",
        "packaging": "transformers huggingface-hub matplotlib",
        "kiwisolver": "matplotlib",
        "cycler": "matplotlib",
        "fonttools": "matplotlib",
        "pyparsing": "matplotlib",
        "contourpy": "matplotlib",
        "jinja2": "flask torch",
        "mpmath": "sympy",
        "llvmlite": "numba",
        "absl-py": "tensorflow tensorflow-cpu",
        "grpcio": "tensorflow tensorflow-cpu tensorboard",
    }.items()
}
"""More distributions that popular ones require (``Requires-Dist``), beyond
:data:`COMMON_DEPENDENTS`: what a ``pip freeze`` lists next to them."""


def dependents(name: str) -> frozenset[str]:
    """Popular distributions that require ``name`` (canonical)."""
    return COMMON_DEPENDENTS.get(name, frozenset()) | TRANSITIVE.get(name, frozenset())


# -- OpenCV's GUI build pulled in by other packages (JT304) ---------------------------------------

GUI_OPENCV_DEPENDENTS: dict[str, str] = {
    "lama-cleaner": "opencv-python",
    "iopaint": "opencv-python",
    "paddlehub": "opencv-python",
    "paddleocr": "opencv-python",
    "python-doctr": "opencv-python",
    "ultralytics": "opencv-python",
    "deepface": "opencv-python",
    "layoutparser": "opencv-python",
    "basicsr": "opencv-python",
    "facexlib": "opencv-python",
    "gfpgan": "opencv-python",
    "realesrgan": "opencv-python",
    "controlnet-aux": "opencv-python",
    "mmcv": "opencv-python",
    "mediapipe": "opencv-contrib-python",
}
"""Distribution -> the GUI OpenCV wheel its ``Requires-Dist`` names (2024-2026 releases;
older or newer ones may differ, hence lint reports these at info). Packages that require
the ``-headless`` wheels (easyocr, albumentations, rembg) are not listed."""


# -- CUDA: what pulls PyPI's CUDA torch, and wheels that only run with CUDA (JT302, JT310) ------

_TORCH_DEPENDENTS = """
    sentence-transformers accelerate timm ultralytics easyocr openai-whisper whisperx peft
    bitsandbytes deepspeed lightning pytorch-lightning torchmetrics kornia lama-cleaner iopaint
    pyannote-audio speechbrain coqui-tts tts nemo-toolkit vllm xformers auto-gptq optimum trl
    open-clip-torch gfpgan basicsr realesrgan facexlib unstructured-inference torchvision
    python-doctr
    torchaudio flair stanza lmdeploy torch-geometric
"""
TORCH_DEPENDENTS = frozenset(_TORCH_DEPENDENTS.split())
"""Distributions whose ``Requires-Dist`` names torch (unconditionally): installed without a
CPU torch already in place, they pull PyPI's default (CUDA) build and its nvidia-* wheels."""


@dataclass(frozen=True, slots=True)
class CudaWheel:
    """A distribution that only does its job with CUDA (or drags CUDA libraries along)."""

    what: str
    """For messages: ``the CUDA build of onnxruntime``."""
    instead: str | None
    """The CPU distribution that replaces it, when there is one."""
    since: str | None = None
    """The first version that has the CUDA dependency (``2.0`` for xgboost), if not all."""


CUDA_WHEELS: dict[str, CudaWheel] = {
    "onnxruntime-gpu": CudaWheel("the CUDA/TensorRT build of onnxruntime", "onnxruntime"),
    "xgboost": CudaWheel(
        "xgboost's Linux x86_64 wheel, which depends on nvidia-nccl-cu12 (about 200 MB)",
        "xgboost-cpu (2.1 and later)",
        since="2.0",
    ),
    "faiss-gpu": CudaWheel("the CUDA build of faiss", "faiss-cpu"),
    "faiss-gpu-cu11": CudaWheel("the CUDA 11 build of faiss", "faiss-cpu"),
    "faiss-gpu-cu12": CudaWheel("the CUDA 12 build of faiss", "faiss-cpu"),
    "paddlepaddle-gpu": CudaWheel("the CUDA build of PaddlePaddle", "paddlepaddle"),
    "cupy-cuda11x": CudaWheel("CuPy for CUDA 11 (GPU arrays only)", "numpy"),
    "cupy-cuda12x": CudaWheel("CuPy for CUDA 12 (GPU arrays only)", "numpy"),
    "vllm": CudaWheel("vLLM's CUDA build (PyPI's wheels need an NVIDIA GPU)", None),
    "flash-attn": CudaWheel("FlashAttention (CUDA kernels only)", None),
}
"""Distribution -> why it is CUDA-only. ``nvidia-*`` wheels and ``cupy-cuda*`` names are
recognised by :func:`cuda_wheel` too."""


def cuda_wheel(name: str) -> CudaWheel | None:
    """What makes ``name`` (canonical) a CUDA-only distribution, or None."""
    if name in CUDA_WHEELS:
        return CUDA_WHEELS[name]
    if name.startswith("nvidia-") and name.endswith(("-cu11", "-cu12", "-cu13")):
        return CudaWheel(f"{name}, an NVIDIA CUDA library wheel", None)
    if name.startswith("cupy-cuda"):
        return CudaWheel(f"CuPy built for CUDA ({name})", "numpy")
    return None


# -- libraries that install what they miss at run time (JT311) -----------------------------------

AUTO_INSTALLERS: dict[str, str] = {"gptcache": "import_"}
"""Distribution -> the prefix of its helpers that pip-install a missing package when
called (``gptcache.utils.import_fastapi()`` installs fastapi): the package named by the
rest of the helper's name, ``_`` read as ``-``."""
AUTO_INSTALLING_PROGRAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gptcache_server": ("gptcache", ("fastapi", "pydantic", "starlette")),
}
"""Program -> (its distribution, what it pip-installs on start when absent): the server
``gptcache`` ships calls ``import_fastapi()``, ``import_pydantic()`` and
``import_starlette()`` first thing, and gptcache requires none of them."""
