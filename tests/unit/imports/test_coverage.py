"""missing_local_modules: local imports that find no file in the scanned tree."""

from __future__ import annotations

from pathlib import Path

from jettison.imports.coverage import missing_local_modules, python_files
from support.files import write


def _missing(root: Path) -> list[tuple[str, str, int]]:
    return [
        (m.module, m.file.relative_to(root).as_posix(), m.line) for m in missing_local_modules(root)
    ]


def test_a_complete_tree_misses_nothing(tmp_path: Path) -> None:
    write(tmp_path, "svc/__init__.py", "")
    write(tmp_path, "svc/api.py", "from svc.core import run\nfrom . import core\nimport flask\n")
    write(tmp_path, "svc/core/__init__.py", "from .engine import Engine\n")
    write(tmp_path, "svc/core/engine.py", "import numpy\n")
    write(tmp_path, "main.py", "import svc.api\nfrom svc.core.engine import Engine\n")
    assert _missing(tmp_path) == []


def test_absent_submodules_and_relative_imports(tmp_path: Path) -> None:
    write(tmp_path, "svc/__init__.py", "")
    write(
        tmp_path,
        "svc/api.py",
        "from svc.settings import Config\n"  # 1: svc/settings.py is not here
        "from .routes import router\n"  # 2: nor svc/routes
        "from . import helpers\n"  # 3: a name of svc/__init__.py, or a module: not judged
        "import svc.api\n",  # 4: itself
    )
    write(tmp_path, "app.py", "import svc.models.user\n")  # svc/models is not here
    assert _missing(tmp_path) == [
        ("svc.models.user", "app.py", 1),
        ("svc.settings", "svc/api.py", 1),
        (".routes", "svc/api.py", 2),
    ]


def test_optional_imports_and_third_party_names_are_not_judged(tmp_path: Path) -> None:
    write(
        tmp_path,
        "app.py",
        "try:\n    from app_local import settings\nexcept ImportError:\n    settings = None\n"
        "import requests\nfrom google.cloud import storage\n",
    )
    assert _missing(tmp_path) == []


def test_a_compiled_extension_or_stub_is_a_module(tmp_path: Path) -> None:
    write(tmp_path, "fast/__init__.py", "from ._kernels import add\nfrom .typed import T\n")
    write(tmp_path, "fast/_kernels.cpython-311-x86_64-linux-gnu.so", b"\x7fELF")
    write(tmp_path, "fast/typed.pyi", "T = int\n")
    assert _missing(tmp_path) == []


def test_a_script_imports_its_neighbours(tmp_path: Path) -> None:
    write(tmp_path, "service/run.py", "from helpers.text import clean\nimport predictor\n")
    write(tmp_path, "service/predictor.py", "")
    write(tmp_path, "service/helpers/other.py", "")
    assert _missing(tmp_path) == [("helpers.text", "service/run.py", 1)]


def test_a_package_reaching_itself_from_above_is_not_proof(tmp_path: Path) -> None:
    """``web/fastapi/__init__.py`` (``web`` without its ``__init__.py`` in the context)
    importing ``fastapi.responses`` means the framework, not itself."""
    write(tmp_path, "web/fastapi/__init__.py", "from fastapi.responses import JSONResponse\n")
    assert _missing(tmp_path) == []


def test_python_files_skips_virtualenvs_and_caches(tmp_path: Path) -> None:
    write(tmp_path, "app.py", "")
    write(tmp_path, ".venv/pyvenv.cfg", "")
    write(tmp_path, ".venv/lib/x.py", "")
    write(tmp_path, "__pycache__/app.py", "")
    assert python_files(tmp_path) == [tmp_path / "app.py"]
    assert python_files(tmp_path / "app.py") == [tmp_path / "app.py"]
    assert missing_local_modules(tmp_path / "app.py") == ()
