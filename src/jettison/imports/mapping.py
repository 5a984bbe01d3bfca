"""Import names to the distributions that provide them, without installing anything.

Most distributions install a module of their own name (``requests``, ``sentence_transformers``
for ``sentence-transformers``); the curated :data:`KNOWN` table holds the ones that do not
(``cv2``, ``sklearn``, ``PIL``, ``yaml``...), and the ones several distributions provide
(``cv2`` from four OpenCV wheels, ``onnxruntime`` from its GPU build...). Conda package names
that differ from PyPI's (``pytorch``, ``py-opencv``) are listed too, so an environment.yml
matches.

Namespace packages (``google``, ``azure``, ``opentelemetry``...) say nothing by their first
component: the scanner keeps the dotted prefix down to the first non-namespace component
(``google.protobuf``, ``google.cloud.storage``), which is looked up in the table, else
becomes the distribution name by joining with dashes (``google-cloud-storage``).

Beyond the table, a module ``foo`` also matches the declared names ``foo``, ``python-foo``,
``pyfoo``, ``foo-python``, ``foo-py`` (``nats-py``), ``py-foo`` and ``foo-binary``
(``python-slugify`` for ``slugify``, ``psycopg2-binary``...): these only ever match what
is declared, so the cost of a wrong guess is a package counted as used, never a false
"unused".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.utils import canonicalize_name

from jettison.imports.model import ImportedName
from jettison.requirements.model import RequirementSet

NAMESPACE_PACKAGES: frozenset[str] = frozenset(
    {
        "google",
        "google.cloud",
        "azure",
        "azure.ai",
        "azure.mgmt",
        "azure.storage",
        "azure.keyvault",
        "opentelemetry",
        "opentelemetry.exporter",
        "opentelemetry.instrumentation",
        "jaraco",
        "zope",
        "backports",
        "sphinxcontrib",
        "ruamel",
    }
)
"""Import prefixes shared by several distributions; the next component names the package."""

_OPENCV = (
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
    "py-opencv",
    "opencv",
)
_OTEL_API = ("opentelemetry-api",)
_PROTOS = ("googleapis-common-protos",)

KNOWN: Mapping[str, tuple[str, ...]] = {
    # computer vision, imaging, documents
    "cv2": _OPENCV,
    "PIL": ("pillow", "pillow-simd"),
    "skimage": ("scikit-image",),
    "fitz": ("pymupdf",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "pdfminer": ("pdfminer-six",),
    "magic": ("python-magic",),
    "barcode": ("python-barcode",),
    "osgeo": ("gdal",),
    "OpenGL": ("pyopengl",),
    # machine learning
    "sklearn": ("scikit-learn",),
    "torch": ("torch", "pytorch", "pytorch-cpu"),
    "tensorflow": (
        "tensorflow",
        "tensorflow-cpu",
        "tensorflow-gpu",
        "tensorflow-intel",
        "tensorflow-macos",
        "tf-nightly",
    ),
    "tflite_runtime": ("tflite-runtime",),
    "onnxruntime": (
        "onnxruntime",
        "onnxruntime-gpu",
        "onnxruntime-directml",
        "onnxruntime-openvino",
        "onnxruntime-silicon",
    ),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss"),
    "paddle": ("paddlepaddle", "paddlepaddle-gpu"),
    "mxnet": ("mxnet", "mxnet-mkl"),
    "mmcv": ("mmcv", "mmcv-full", "mmcv-lite"),
    "cupy": ("cupy", "cupy-cuda12x", "cupy-cuda11x"),
    "umap": ("umap-learn",),
    "hydra": ("hydra-core",),
    "absl": ("absl-py",),
    "llama_cpp": ("llama-cpp-python",),
    "whisper": ("openai-whisper",),
    "awq": ("autoawq",),
    "fasttext": ("fasttext", "fasttext-wheel"),
    "Levenshtein": ("levenshtein", "python-levenshtein"),
    "Bio": ("biopython",),
    "rdkit": ("rdkit", "rdkit-pypi"),
    "mpl_toolkits": ("matplotlib",),
    "neptune": ("neptune", "neptune-client"),
    "pinecone": ("pinecone", "pinecone-client"),
    "weaviate": ("weaviate-client",),
    "speech_recognition": ("speechrecognition",),
    "soundfile": ("soundfile", "pysoundfile"),
    "ffmpeg": ("ffmpeg-python",),
    # configuration, serialisation, crypto
    "yaml": ("pyyaml",),
    "ruamel.yaml": ("ruamel-yaml",),
    "bs4": ("beautifulsoup4",),
    "attr": ("attrs",),
    "dateutil": ("python-dateutil",),
    "jwt": ("pyjwt",),
    "jose": ("python-jose",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyopenssl",),
    "nacl": ("pynacl",),
    "dotenv": ("python-dotenv",),
    "decouple": ("python-decouple",),
    "pythonjsonlogger": ("python-json-logger",),
    "markdown_it": ("markdown-it-py",),
    "snappy": ("python-snappy",),
    "_cffi_backend": ("cffi",),
    "pkg_resources": ("setuptools",),
    "dns": ("dnspython",),
    "socks": ("pysocks",),
    "websocket": ("websocket-client",),
    # web, services, databases
    "multipart": ("python-multipart",),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
    "telegram": ("python-telegram-bot",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "MySQLdb": ("mysqlclient",),
    "bson": ("pymongo",),
    "kafka": ("kafka-python",),
    "zmq": ("pyzmq",),
    "grpc": ("grpcio",),
    "grpc_tools": ("grpcio-tools",),
    "grpc_status": ("grpcio-status",),
    "grpc_health": ("grpcio-health-checking",),
    "googleapiclient": ("google-api-python-client",),
    "ldap": ("python-ldap",),
    "git": ("gitpython",),
    "github": ("pygithub",),
    "slugify": ("python-slugify",),
    # hardware, desktop
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "gi": ("pygobject",),
    "cairo": ("pycairo",),
    "wx": ("wxpython",),
    "Xlib": ("python-xlib",),
    "RPi": ("rpi-gpio",),
    "win32api": ("pywin32",),
    "win32com": ("pywin32",),
    "pythoncom": ("pywin32",),
    # namespace packages whose dotted name is not the distribution's
    "google.protobuf": ("protobuf",),
    "google._upb": ("protobuf",),
    "google.oauth2": ("google-auth",),
    "google.rpc": _PROTOS,
    "google.type": _PROTOS,
    "google.api": _PROTOS,
    "google.longrunning": _PROTOS,
    "google.cloud.storage": ("google-cloud-storage",),
    "opentelemetry.trace": _OTEL_API,
    "opentelemetry.metrics": _OTEL_API,
    "opentelemetry.context": _OTEL_API,
    "opentelemetry.propagate": _OTEL_API,
    "opentelemetry.baggage": _OTEL_API,
    "opentelemetry.util": _OTEL_API,
}
"""Import name (top-level, or dotted for namespace packages) -> canonical distributions."""

_PREFIXES = ("python-", "py", "py-")
_SUFFIXES = ("-python", "-py", "-binary")


def significant_module(dotted: str) -> str:
    """The part of an import path that names a distribution.

    The top-level module, except under namespace packages: ``google.protobuf.message`` ->
    ``google.protobuf``; ``google.cloud.storage.blob`` -> ``google.cloud.storage``.
    """
    parts = [p for p in dotted.split(".") if p]
    if not parts:
        return ""
    depth = 1
    while depth < len(parts) and ".".join(parts[:depth]) in NAMESPACE_PACKAGES:
        depth += 1
    return ".".join(parts[:depth])


def candidate_distributions(module: str, *, variants: bool = True) -> tuple[str, ...]:
    """Canonical names of the distributions that may provide ``module``, likeliest first.

    ``variants`` adds the ``python-foo``/``pyfoo``/``foo-binary``... guesses, which are only
    meant to be matched against declared names.
    """
    module = significant_module(module)
    out: list[str] = list(KNOWN.get(module, ()))
    base = canonicalize_name(module.replace(".", "-"))
    out.append(base)
    if variants:
        out.extend(prefix + base for prefix in _PREFIXES)
        out.extend(base + suffix for suffix in _SUFFIXES)
    return tuple(dict.fromkeys(out))


def used_distributions(
    imports: Iterable[ImportedName | str], declared: Iterable[str] | RequirementSet
) -> frozenset[str]:
    """Canonical names of the DECLARED distributions that ``imports`` use.

    ``declared`` is distribution names, or a :class:`RequirementSet` (its constraints are
    not declarations). A module with several candidates (``cv2``) uses every declared one.
    """
    if isinstance(declared, RequirementSet):
        names = {r.name for r in declared.requirements if r.group != "constraint"}
    else:
        names = {canonicalize_name(name) for name in declared}
    used: set[str] = set()
    for item in imports:
        module = item.module if isinstance(item, ImportedName) else item
        used.update(c for c in candidate_distributions(module) if c in names)
    return frozenset(used)
