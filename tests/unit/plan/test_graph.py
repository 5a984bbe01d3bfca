"""What each service's shipped code imports, following imports into shared code."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from jettison.plan.discover import discover
from jettison.plan.graph import service_imports
from jettison.plan.model import Discovery, ServiceImports
from support.files import write

SLIM = "FROM python:3.11-slim\n"


def service_dockerfile(name: str, *extra: str) -> str:
    """A service built from the repository root that ships its folder and ``libs/``."""
    lines = [f"COPY services/{name}/ /app/", "COPY libs/ /app/libs/", *extra]
    return SLIM + "WORKDIR /app\n" + "\n".join(lines) + "\n"


def monorepo(
    root: Path, services: Mapping[str, Mapping[str, str]], libs: Mapping[str, str | bytes]
) -> Path:
    """``services/<name>/<file>`` and ``libs/<file>``; every service copies ``libs/``."""
    for name, files in services.items():
        write(root, f"services/{name}/Dockerfile", service_dockerfile(name))
        for path, text in files.items():
            write(root, f"services/{name}/{path}", text)
    for path, content in libs.items():
        write(root, f"libs/{path}", content)
    return root


def imports_of(root: Path) -> dict[str, ServiceImports]:
    found = discover(root)
    return {s.name: service_imports(s, found) for s in found.services}


SHARED_LIBS = {
    "__init__.py": "",
    "pdf.py": "import fitz\nfrom pypdf import PdfReader\n",
    "rdf.py": "import rdflib\n",
    "ml/__init__.py": "import numpy as np\n",
    "ml/model.py": "import torch\nfrom transformers import AutoModel\n",
    "ml/unused.py": "import tensorflow\n",
}


def test_shared_modules_count_only_when_imported(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "svc-pdf": {"main.py": "from fastapi import FastAPI\nfrom libs import pdf\n"},
            "svc-ml": {"main.py": "import libs.ml.model as m\nimport requests\n"},
            "svc-plain": {"main.py": "import os, json\nfrom fastapi import FastAPI\n"},
        },
        SHARED_LIBS,
    )
    found = imports_of(tmp_path)

    pdf = found["svc-pdf"]
    assert pdf.modules == {"fastapi", "fitz", "pypdf"}
    assert pdf.via_shared == {"fitz", "pypdf"}
    assert pdf.files == (
        tmp_path / "libs/__init__.py",
        tmp_path / "libs/pdf.py",
        tmp_path / "services/svc-pdf/main.py",
    )

    # importing libs.ml.model runs libs/__init__.py and libs/ml/__init__.py (numpy) too
    ml = found["svc-ml"]
    assert ml.modules == {"numpy", "torch", "transformers", "requests"}
    assert ml.via_shared == {"numpy", "torch", "transformers"}
    assert tmp_path / "libs/ml/unused.py" not in ml.files

    plain = found["svc-plain"]
    assert plain.modules == {"fastapi"}  # stdlib left out; no shared module imported
    assert plain.via_shared == frozenset()
    assert plain.files == (tmp_path / "services/svc-plain/main.py",)
    assert all(f.problems == () for f in found.values())


def test_a_module_imported_directly_and_through_shared_code_is_direct(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "a": {"main.py": "import numpy\nfrom libs.ml import model\n"},
            "b": {"main.py": ""},
        },
        SHARED_LIBS,
    )
    a = imports_of(tmp_path)["a"]
    assert {"numpy", "torch", "transformers"} <= a.modules
    assert "numpy" not in a.via_shared
    assert a.via_shared == {"torch", "transformers"}


def test_every_own_file_is_an_entry_and_imports_anywhere_in_it_count(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "svc": {
                "main.py": "def handler():\n    import yaml\n    return yaml\n",
                "compat.py": (
                    "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
                    "from typing import TYPE_CHECKING\n"
                    "if TYPE_CHECKING:\n    import pandas\n"
                ),
                "plugins/loader.py": (
                    "import importlib\n"
                    "def load():\n    return importlib.import_module('libs.rdf')\n"
                ),
                "not_imported_by_anyone.py": "import boto3\n",
            },
            "other": {"main.py": ""},
        },
        SHARED_LIBS,
    )
    svc = imports_of(tmp_path)["svc"]
    assert svc.modules == {"yaml", "ujson", "pandas", "boto3", "rdflib"}
    assert svc.via_shared == {"rdflib"}  # through import_module("libs.rdf")


def test_relative_imports_in_own_and_shared_code(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "svc": {
                "app/__init__.py": "",
                "app/main.py": "from .routes import router\nfrom . import deps\n",
                "app/routes.py": "from fastapi import APIRouter\n",
                "app/deps.py": "import sqlalchemy\n",
            },
            "other": {"main.py": ""},
        },
        {
            "__init__.py": "",
            "text/__init__.py": "from .clean import clean\n",
            "text/clean.py": "from ..norm import normalize\nimport regex\n",
            "norm.py": "import unidecode\n",
            "text/unrelated.py": "import spacy\n",
        },
    )
    write(tmp_path, "services/svc/app/search.py", "from libs.text import clean\n")
    svc = imports_of(tmp_path)["svc"]
    assert svc.modules == {"fastapi", "sqlalchemy", "regex", "unidecode"}
    assert svc.via_shared == {"regex", "unidecode"}
    assert tmp_path / "libs/norm.py" in svc.files
    assert tmp_path / "libs/text/unrelated.py" not in svc.files


def test_from_import_of_a_submodule_versus_an_attribute(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "a": {"main.py": "from libs import pdf\n"},  # a submodule
            "b": {"main.py": "from libs.pdf import PdfReader\n"},  # an attribute of a module
            "c": {"main.py": "from libs import *\n"},  # only the package itself
        },
        {**SHARED_LIBS, "__init__.py": "import structlog\n"},
    )
    found = imports_of(tmp_path)
    assert found["a"].modules == {"structlog", "fitz", "pypdf"}
    assert found["b"].modules == {"structlog", "fitz", "pypdf"}
    assert found["c"].modules == {"structlog"}


def test_namespace_package_without_init(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "a": {"main.py": "from libs import pdf\nfrom libs.ml import model\n"},
            "b": {"main.py": ""},
        },
        {"pdf.py": "import fitz\n", "ml/model.py": "import torch\n"},
    )
    assert imports_of(tmp_path)["a"].modules == {"fitz", "torch"}


def test_import_cycle_in_shared_code_is_reported_once(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "a": {"main.py": "import libs.cyc.first\n"},
            "b": {"main.py": ""},
        },
        {
            "__init__.py": "from . import cyc\n",
            "cyc/__init__.py": "",
            "cyc/first.py": "from libs.cyc import second\nimport attrs\n",
            "cyc/second.py": "from libs.cyc import third\n",
            "cyc/third.py": "import libs.cyc.first\nimport cattrs\n",
        },
    )
    a = imports_of(tmp_path)["a"]
    assert a.modules == {"attrs", "cattrs"}
    (problem,) = a.problems
    assert (problem.kind, problem.severity.label) == ("import-cycle", "info")
    assert problem.message == (
        "import cycle in shared code: libs.cyc.first -> libs.cyc.second -> libs.cyc.third"
        " -> libs.cyc.first"
    )
    assert problem.path == tmp_path / "libs/cyc/first.py"
    assert problem.subject is None  # about the shared code: the same for every service


def test_package_init_importing_its_submodules_is_not_a_cycle(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {"a": {"main.py": "from libs import util\n"}, "b": {"main.py": ""}},
        {
            "__init__.py": "from .util import helper\nfrom . import other\n",
            "util.py": "from libs import other\ndef helper(): ...\n",
            "other.py": "import libs\n",
        },
    )
    assert imports_of(tmp_path)["a"].problems == ()


def test_a_long_import_chain_and_cycle_do_not_hit_the_recursion_limit(tmp_path: Path) -> None:
    count = 1500
    libs = {"__init__.py": ""}
    for index in range(count):
        nxt = (index + 1) % count
        libs[f"m{index}.py"] = f"import libs.m{nxt}\n"
    libs["m700.py"] += "import orjson\n"
    monorepo(tmp_path, {"a": {"main.py": "import libs.m0\n"}, "b": {"main.py": ""}}, libs)
    a = imports_of(tmp_path)["a"]
    assert a.modules == {"orjson"}
    assert len(a.files) == count + 2
    (problem,) = a.problems
    assert problem.kind == "import-cycle"
    assert problem.message.count("->") == count


def test_unparsable_source_is_reported_and_the_rest_still_counts(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {
            "a": {
                "main.py": "import requests\nfrom libs import broken\n",
                "py2.py": "print 'hello'\n",
            },
            "b": {"main.py": ""},
        },
        {"broken.py": b"import numpy\x00\n"},
    )
    a = imports_of(tmp_path)["a"]
    assert a.modules == {"requests"}
    problems = {p.path: p for p in a.problems}
    assert set(problems) == {tmp_path / "libs/broken.py", tmp_path / "services/a/py2.py"}
    assert all(p.kind == "unparsable-source" for p in problems.values())
    assert all(p.severity.label == "warning" for p in problems.values())
    own = problems[tmp_path / "services/a/py2.py"]
    assert (own.subject, own.line) == ("a", 1)
    assert problems[tmp_path / "libs/broken.py"].subject is None


def test_local_names_are_not_third_party_but_config_folders_do_not_hide_packages(
    tmp_path: Path,
) -> None:
    monorepo(
        tmp_path,
        {
            "a": {
                "main.py": "import utils\nimport settings\nimport redis\nimport celery\n",
                "utils.py": "",
                "settings/__init__.py": "",
            },
            "celery": {"tasks.py": ""},  # another service's folder named like a package
        },
        {"__init__.py": ""},
    )
    write(tmp_path, "redis/redis.conf", "maxmemory 1gb\n")  # configuration, not Python
    a = imports_of(tmp_path)["a"]
    assert a.modules == {"redis", "celery"}


def test_local_but_not_shipped_is_still_not_third_party(tmp_path: Path) -> None:
    write(tmp_path, "tools/__init__.py", "")
    write(tmp_path, "tools/gen.py", "import jinja2\n")
    write(tmp_path, "api/main.py", "import tools.gen\nimport httpx\n")
    write(tmp_path, "api/Dockerfile", SLIM + "COPY api/ /app/\nCOPY README.md /app/\n")
    write(tmp_path, "README.md", "")
    found = discover(tmp_path)
    (api,) = found.services
    assert api.context == tmp_path
    result = service_imports(api, found)
    assert result.modules == {"httpx"}  # tools is the project's own; jinja2 never shipped
    assert result.files == (tmp_path / "api/main.py",)


def test_dockerignored_files_are_not_shipped(tmp_path: Path) -> None:
    write(tmp_path, "svc/main.py", "import flask\n")
    write(tmp_path, "svc/tests/test_main.py", "import pytest\n")
    write(tmp_path, "svc/scripts/bench.py", "import matplotlib\n")
    write(tmp_path, "svc/.dockerignore", "tests\n**/bench.py\n")
    write(tmp_path, "svc/.venv/lib/site.py", "import virtualenv_thing\n")
    write(tmp_path, "svc/Dockerfile", SLIM + "COPY . /app\n")
    found = discover(tmp_path)
    (svc,) = found.services
    result = service_imports(svc, found)
    assert result.modules == {"flask"}
    assert result.files == (tmp_path / "svc/main.py",)


def test_service_whose_code_is_all_shared_uses_it_all_as_entries(tmp_path: Path) -> None:
    write(tmp_path, "svc/main.py", "import fastapi\n")
    write(tmp_path, "svc/Dockerfile", SLIM + "COPY . .\n")
    write(tmp_path, "svc/Dockerfile.gpu", SLIM + "COPY . .\n")
    found = discover(tmp_path)
    for service in found.services:
        assert service.shared_paths == (tmp_path / "svc",)
        assert service_imports(service, found).modules == {"fastapi"}


def test_code_path_parent_layout(tmp_path: Path) -> None:
    """``COPY api /srv/api`` keeps the package name: ``import api.routes`` is local."""
    write(tmp_path, "api/__init__.py", "")
    write(tmp_path, "api/main.py", "import api.routes\n")
    write(tmp_path, "api/routes.py", "import starlette\n")
    write(tmp_path, "api/Dockerfile", SLIM + "COPY api /srv/api\nCOPY README.md /srv/\n")
    write(tmp_path, "README.md", "")
    found = discover(tmp_path)
    (api,) = found.services
    assert service_imports(api, found).modules == {"starlette"}


def test_namespace_packages_of_distributions_keep_their_significant_name(tmp_path: Path) -> None:
    write(tmp_path, "svc/main.py", "from google.cloud import storage\nimport google.protobuf\n")
    write(tmp_path, "svc/Dockerfile", SLIM + "COPY main.py .\n")
    found = discover(tmp_path)
    (svc,) = found.services
    assert service_imports(svc, found).modules == {"google.cloud.storage", "google.protobuf"}


def test_unparsed_dockerfile_gives_no_imports(tmp_path: Path) -> None:
    write(tmp_path, "svc/main.py", "import numpy\n")
    write(tmp_path, "svc/Dockerfile", b"\x00\x01\x02")
    found = discover(tmp_path)
    (svc,) = found.services
    assert svc.parsed is None
    result = service_imports(svc, found)
    assert (result.service, result.modules, result.files, result.problems) == (
        "svc",
        frozenset(),
        (),
        (),
    )


def test_results_are_deterministic(tmp_path: Path) -> None:
    monorepo(
        tmp_path,
        {"a": {"main.py": "from libs import pdf, rdf\n"}, "b": {"main.py": "import libs.ml"}},
        SHARED_LIBS,
    )
    first, second = imports_of(tmp_path), imports_of(tmp_path)
    assert first == second
    assert list(first["a"].files) == sorted(first["a"].files)


def test_discovery_argument_is_the_whole_discovery(tmp_path: Path) -> None:
    monorepo(tmp_path, {"a": {"main.py": "import libs.pdf"}, "b": {"main.py": ""}}, SHARED_LIBS)
    found: Discovery = discover(tmp_path)
    a = next(s for s in found.services if s.name == "a")
    assert service_imports(a, found).service == "a"


def test_gpu_use_and_opencv_windows_are_read_in_shipped_code_only(tmp_path: Path) -> None:
    """What lint's JT302/JT304 read, in the files the service ships."""
    write(tmp_path, "svc/main.py", "import cv2\nfrom infer import model\n")
    write(tmp_path, "svc/infer.py", "import torch\nDEVICE = 'cuda'\n")
    write(tmp_path, "svc/tools/show.py", "import cv2\ncv2.imshow('x', None)\n")
    write(tmp_path, "svc/.dockerignore", "tools\n")
    write(tmp_path, "svc/Dockerfile", SLIM + "COPY . /app\n")
    found = discover(tmp_path)
    (svc,) = found.services
    result = service_imports(svc, found)
    assert result.gpu == "infer.py mentions 'cuda'"
    assert result.opencv_gui is None
    write(tmp_path, "svc/main.py", "import cv2\ncv2.imshow('x', None)\n")
    write(tmp_path, "svc/infer.py", "import torch\n")
    again = service_imports(svc, discover(tmp_path))
    assert (again.gpu, again.opencv_gui) == (None, "main.py calls cv2.imshow")
