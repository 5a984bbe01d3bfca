"""Heavy package families that ``jettison plan`` keeps out of the shared base, in tables.

A family is a stack of distributions that is large, only useful together, and needed by a
few services of a fleet: the deep-learning stack (``ml``), computer vision and OCR (``cv``),
classic NLP toolkits (``nlp``), PDF processing (``pdf``) and RDF/semantic web (``rdf``).
The plan installs a family in its own base image, on top of ``base``, for just the services
that need it; everything else is shared by usage count.

Where the lists come from: the packages the seed fleets split out (sentence-transformers,
transformers and torch; spacy and nltk; the PDF and RDF requirement files), completed with
what those packages require on PyPI (``Requires-Dist`` of torch, transformers, spacy,
tensorflow, pdfplumber, rdflib as of 2025-2026: tokenizers, safetensors, the ``nvidia-*``
CUDA wheels, thinc, blis, pdfminer.six, owlrl...) and their best-known alternatives
(tensorflow, jax, onnxruntime next to torch; pymupdf, pikepdf next to pypdf). Lists hold
canonical (PEP 503) names; prefixes catch the open-ended groups (``nvidia-cublas-cu12``,
``opencv-python-headless``, ``spacy-legacy``).

Deliberately left out: numpy, pandas, scipy, scikit-learn, xgboost, lightgbm and pillow.
They are moderate in size and used by plain web services too; in a family, a service that
only needs scikit-learn would be built on the torch base image. Without a family they are
shared when most services need them and installed per service otherwise. A package that
only members of one family require (``ml-dtypes`` for jax and tensorflow) joins the family
in :mod:`jettison.plan.split`, from the dependency metadata, not from these tables.
"""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

FAMILY_ORDER: tuple[str, ...] = ("ml", "cv", "nlp", "pdf", "rdf")
"""Heaviest first: a service needing several families is built on the first one's image."""

_ML = """
torch torchvision torchaudio torchtext torchdata torchmetrics pytorch-lightning lightning
triton xformers flash-attn bitsandbytes einops timm
transformers sentence-transformers tokenizers safetensors huggingface-hub hf-transfer hf-xet
accelerate datasets diffusers peft trl optimum evaluate sentencepiece sacremoses
tensorflow tensorflow-cpu tensorflow-gpu tensorflow-intel tensorflow-macos tf-nightly
tf-keras keras tensorboard tensorboard-data-server tflite-runtime
jax jaxlib flax optax
onnx onnxruntime onnxruntime-gpu openvino tensorrt
paddlepaddle paddlepaddle-gpu mxnet
vllm ctranslate2 faster-whisper openai-whisper llama-cpp-python
"""
_CV = """
opencv-python opencv-python-headless opencv-contrib-python opencv-contrib-python-headless
pytesseract tesserocr easyocr paddleocr python-doctr rapidocr-onnxruntime layoutparser
scikit-image imageio albumentations imgaug kornia ultralytics supervision
mediapipe insightface face-recognition dlib deepface mahotas pyzbar
"""
_NLP = """
spacy thinc blis cymem preshed murmurhash srsly wasabi weasel catalogue confection
scispacy nltk gensim textblob stanza flair fasttext fasttext-wheel langdetect langid
jieba pattern polyglot
"""
_PDF = """
pypdf pypdf2 pdfplumber pdfminer-six pymupdf pymupdfb pymupdf4llm pypdfium2 reportlab
pikepdf camelot-py pdf2image tabula-py ocrmypdf img2pdf pdfkit weasyprint xhtml2pdf
fpdf fpdf2 pdfrw pdftotext borb pyhanko
"""
_RDF = """
rdflib rdflib-jsonld rdflib-endpoint pyshacl owlrl sparqlwrapper pyld pyoxigraph oxrdflib
owlready2 prov
"""

FAMILIES: dict[str, frozenset[str]] = {
    "ml": frozenset(_ML.split()),
    "cv": frozenset(_CV.split()),
    "nlp": frozenset(_NLP.split()),
    "pdf": frozenset(_PDF.split()),
    "rdf": frozenset(_RDF.split()),
}
"""Family -> canonical names of its distributions (prefixes in :data:`FAMILY_PREFIXES`)."""

FAMILY_PREFIXES: dict[str, tuple[str, ...]] = {
    "ml": ("torch-", "tensorflow-", "nvidia-", "onnxruntime-", "cupy-", "jax-"),
    "cv": ("opencv-",),
    "nlp": ("spacy-",),
    "pdf": (),
    "rdf": ("rdflib-",),
}
"""Family -> name prefixes: CUDA wheels (``nvidia-cudnn-cu12``), OpenCV builds, spaCy and
torch/tensorflow add-ons (``torch-geometric``, ``tensorflow-io``), rdflib plug-ins."""

_SPACY_MODEL = re.compile(r"^[a-z]{2,3}-core-(?:web|news|sci)-(?:sm|md|lg|trf)$")
"""spaCy's pipeline packages (``en-core-web-sm``), installed from their release wheels."""


def family_of(name: str) -> str | None:
    """The family of distribution ``name`` (any spelling), None when it is in none."""
    canonical = canonicalize_name(name)
    for family in FAMILY_ORDER:
        if canonical in FAMILIES[family]:
            return family
    for family in FAMILY_ORDER:
        if canonical.startswith(FAMILY_PREFIXES[family]):
            return family
    if _SPACY_MODEL.match(canonical):
        return "nlp"
    return None
