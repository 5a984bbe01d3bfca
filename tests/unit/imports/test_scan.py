"""scan_imports: AST only, third-party top-level modules, local modules and bad files left out."""

from __future__ import annotations

import ast
from pathlib import Path

from jettison.imports.model import ImportedName
from jettison.imports.scan import (
    DEFAULT_EXCLUDE,
    dynamic_import,
    imports_in_source,
    parse_python,
    scan_imports,
    scan_source_tree,
    walk_python_files,
)
from support.files import write_file


def test_import_forms(tmp_path: Path) -> None:
    main = write_file(
        tmp_path / "main.py",
        "from __future__ import annotations\n"  # 1
        "import os, sys\n"
        "import cv2\n"  # 3
        "from sklearn.linear_model import LogisticRegression\n"  # 4
        "from PIL import Image\n"
        "import yaml as y\n"
        "from bs4 import BeautifulSoup\n"
        "from google.protobuf import message\n"  # 8
        "from google.cloud import storage, bigquery\n"  # 9
        "import google.generativeai as genai\n"  # 10
        "import importlib\n"
        "torch = importlib.import_module('torch')\n"  # 12
        "np = __import__('numpy.linalg')\n"  # 13
        "mod = importlib.import_module(name)\n"  # not a literal: unknown
        "from . import sibling\n"  # relative: local
        "def f():\n"
        "    import transformers\n"  # 17: inside a function still counts
        "try:\n"
        "    import ujson as json\n"  # 19
        "except ImportError:\n"
        "    import json\n"
        "import cv2\n",  # a second time: the first line is kept
    )
    found = scan_imports(tmp_path)
    assert [(i.module, i.line) for i in found] == [
        ("cv2", 3),
        ("sklearn", 4),
        ("PIL", 5),
        ("yaml", 6),
        ("bs4", 7),
        ("google.protobuf", 8),
        ("google.cloud.bigquery", 9),
        ("google.cloud.storage", 9),
        ("google.generativeai", 10),
        ("torch", 12),
        ("numpy", 13),
        ("transformers", 17),
        ("ujson", 19),
    ]
    assert all(i.file == main for i in found)


def test_local_modules_shadow_distributions(tmp_path: Path) -> None:
    write_file(tmp_path / "app" / "predictor.py", "import utils\nimport config\nimport torch\n")
    write_file(tmp_path / "app" / "utils.py", "import requests\n")
    write_file(tmp_path / "app" / "config" / "__init__.py", "")
    write_file(tmp_path / "src" / "mypkg" / "__init__.py", "from mypkg.core import run\n")
    write_file(tmp_path / "src" / "mypkg" / "core.py", "import mypkg.util\nimport numpy\n")
    write_file(tmp_path / "yaml.py", "# a local file named like a distribution\n")
    write_file(tmp_path / "main.py", "import app.predictor\nimport yaml\nimport flask\n")
    scan = scan_source_tree(tmp_path)
    assert sorted({i.module for i in scan.imports}) == ["flask", "numpy", "requests", "torch"]
    assert {"app", "predictor", "utils", "config", "mypkg", "yaml", "main"} <= scan.local_modules
    assert "src" in scan.local_modules and scan.files_scanned == 7


def test_unparsable_files_are_skipped_and_reported(tmp_path: Path) -> None:
    write_file(tmp_path / "good.py", "import fastapi\n")
    bad = write_file(tmp_path / "bad.py", "import torch\ndef broken(:\n")
    py2 = write_file(tmp_path / "legacy.py", 'print "hello"\n')
    nul = write_file(tmp_path / "nul.py", b"import x\x00\n")
    write_file(tmp_path / "warns.py", 'import re\nPATTERN = "\\d+"\nimport pandas\n')
    scan = scan_source_tree(tmp_path)
    assert sorted(i.module for i in scan.imports) == ["fastapi", "pandas"]
    skipped = {path: (line, message) for path, line, message in scan.skipped}
    assert set(skipped) == {bad, py2, nul}
    assert skipped[bad][0] == 2 and skipped[bad][1].startswith("cannot parse")


def test_default_exclusions_and_custom_ones(tmp_path: Path) -> None:
    write_file(tmp_path / "app.py", "import fastapi\n")
    write_file(tmp_path / ".venv" / "lib" / "site.py", "import venv_only\n")
    write_file(tmp_path / "env2" / "pyvenv.cfg", "home = /usr\n")
    write_file(tmp_path / "env2" / "lib" / "x.py", "import custom_venv_only\n")
    write_file(tmp_path / "node_modules" / "x.py", "import node_only\n")
    write_file(tmp_path / "__pycache__" / "x.py", "import cache_only\n")
    write_file(tmp_path / "tests" / "test_app.py", "import pytest\n")
    write_file(tmp_path / "build" / "lib" / "gen.py", "import grpc\n")
    assert {i.module for i in scan_imports(tmp_path)} == {"fastapi", "pytest", "grpc"}
    exclude = (*DEFAULT_EXCLUDE, "tests", "build/*")
    assert {i.module for i in scan_imports(tmp_path, exclude=exclude)} == {"fastapi"}
    # exclude replaces the default (a virtualenv by pyvenv.cfg is always skipped)
    assert {i.module for i in scan_imports(tmp_path, exclude=())} == {
        "fastapi",
        "pytest",
        "grpc",
        "venv_only",
        "node_only",
        "cache_only",
    }


def test_single_file_and_missing_source(tmp_path: Path) -> None:
    script = write_file(tmp_path / "serve.py", "import uvicorn\n")
    assert scan_imports(script) == (ImportedName("uvicorn", script, 1),)
    scan = scan_source_tree(tmp_path / "missing")
    assert scan.imports == () and scan.skipped[0][2] == "source path does not exist"


def test_imports_in_source() -> None:
    assert imports_in_source("import a.b.c\nfrom x.y import z\n") == [("a", 1), ("x", 2)]


def test_walk_python_files_skips_virtualenvs_and_what_the_caller_says(tmp_path: Path) -> None:
    for name in ("b.py", "a.py", "notes.txt", "pkg/c.py", "env/lib/d.py", "skip/e.py"):
        write_file(tmp_path / name, "")
    write_file(tmp_path / "env/pyvenv.cfg", "home = /usr/bin\n")
    found = walk_python_files(
        tmp_path,
        skip_dir=lambda folder: folder.name == "skip",
        skip_file=lambda path: path.name == "b.py",
    )
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.py", "pkg/c.py"]


def test_dynamic_import_reads_literal_names_only() -> None:
    calls = [
        node
        for node in ast.walk(
            parse_python(
                "import importlib\nimportlib.import_module('yaml')\n__import__('cv2')\n"
                "importlib.import_module(name)\nimportlib.import_module('.rel')\nprint('x')\n"
            )
        )
        if isinstance(node, ast.Call)
    ]
    assert [dynamic_import(call) for call in calls] == ["yaml", "cv2", None, None, None]
