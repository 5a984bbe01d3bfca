"""The heavy-family tables: lookups by any spelling, and tables that cannot contradict."""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name

from jettison.plan.families import FAMILIES, FAMILY_ORDER, FAMILY_PREFIXES, family_of


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("torch", "ml"),
        ("sentence-transformers", "ml"),
        ("Sentence_Transformers", "ml"),  # any spelling
        ("nvidia-cudnn-cu12", "ml"),  # prefix
        ("tensorflow-io-gcs-filesystem", "ml"),
        ("onnxruntime", "ml"),
        ("opencv-python-headless", "cv"),
        ("opencv-contrib-python", "cv"),
        ("pytesseract", "cv"),
        ("scikit-image", "cv"),
        ("spacy", "nlp"),
        ("spacy-legacy", "nlp"),
        ("en-core-web-sm", "nlp"),  # a spaCy pipeline package
        ("blis", "nlp"),
        ("nltk", "nlp"),
        ("pdfminer.six", "pdf"),
        ("PyMuPDF", "pdf"),
        ("pdf2image", "pdf"),
        ("rdflib", "rdf"),
        ("SPARQLWrapper", "rdf"),
        ("pyshacl", "rdf"),
    ],
)
def test_family_of(name: str, family: str) -> None:
    assert family_of(name) == family


@pytest.mark.parametrize(
    "name",
    ["numpy", "pandas", "scipy", "scikit-learn", "pillow", "fastapi", "requests", "torchx-not"],
)
def test_moderate_and_web_packages_are_in_no_family(name: str) -> None:
    # scikit-learn in "ml" would build a service that only needs it on the torch image
    assert family_of(name) is None


def test_order_covers_every_family_heaviest_first() -> None:
    assert FAMILY_ORDER == ("ml", "cv", "nlp", "pdf", "rdf")
    assert set(FAMILIES) == set(FAMILY_ORDER) == set(FAMILY_PREFIXES)


def test_tables_are_canonical_and_disjoint() -> None:
    seen: dict[str, str] = {}
    for family, names in FAMILIES.items():
        for name in names:
            assert name == canonicalize_name(name), name
            assert name not in seen, f"{name} in {seen.get(name)} and {family}"
            seen[name] = family


def test_every_listed_name_maps_to_its_own_family() -> None:
    # a prefix of an earlier family must not capture a name listed in a later one
    for family, names in FAMILIES.items():
        for name in names:
            assert family_of(name) == family, name
