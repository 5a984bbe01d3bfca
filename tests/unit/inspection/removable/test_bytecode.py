"""bytecode: .pyc/.pyo with their source present, rolled up by owner or environment."""

from __future__ import annotations

from jettison.inspect.removable import bytecode
from support.memimage import File

from .helpers import SITE, dist, ownership, removable, rows


def test_rolls_up_by_owner_then_environment() -> None:
    torch_pyc = [f"{SITE}/torch/__pycache__/__init__.cpython-311.pyc",
                 f"{SITE}/torch/nn/__pycache__/modules.cpython-311.opt-1.pyc"]  # fmt: skip
    owned = ownership([dist("torch", files=torch_pyc)])
    found = removable(
        [
            File(f"{SITE}/torch/__init__.py", b"s"),
            File(f"{SITE}/torch/nn/modules.py", b"s"),
            File(torch_pyc[0], b"t" * 300),
            File(torch_pyc[1], b"u" * 200),
            File("usr/local/lib/python3.11/os.py", b"s"),
            File("usr/local/lib/python3.11/__pycache__/os.cpython-311.pyc", b"o" * 250),
            File(f"{SITE}/six.py", b"s"),
            File(f"{SITE}/__pycache__/six.cpython-311.pyc", b"x" * 30),
            File("app/main.py", b"s"),
            File("app/__pycache__/main.cpython-311.pyc", b"a" * 100),
            File("app/legacy.py", b"s"),
            File("app/legacy.pyo", b"l" * 10),
        ],
        owned=owned,
    )["bytecode"]
    assert rows(found) == [
        (f"{SITE}/torch", 500, "python:torch"),
        ("usr/local/lib/python3.11", 250, None),
        ("app", 110, None),
        (f"{SITE}/__pycache__", 30, None),
    ]


def test_sourceless_bytecode_is_the_program() -> None:
    found = removable(
        [
            File("app/__pycache__/main.cpython-311.pyc", b"a" * 100),
            File("app/compiled.pyc", b"c" * 100),
        ]
    )["bytecode"]
    assert (found.size_bytes, found.file_count) == (0, 0)


def test_advice_names_the_trade_off() -> None:
    assert "PYTHONDONTWRITEBYTECODE=1" in bytecode.CAUSE.advice
    assert "start" in bytecode.CAUSE.advice
