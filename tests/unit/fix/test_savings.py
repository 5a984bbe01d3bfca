"""Each change carries lint's saving for the finding it resolves; the text shows it."""

from __future__ import annotations

from pathlib import Path

from jettison.api import lint
from jettison.fix.changes import Change
from jettison.fix.core import fix
from jettison.fix.savings import assign_savings
from jettison.lint.model import Finding, Saving, Severity
from jettison.render.fix import changes_text as render_changes

RESTRUCTURE = ["restructure"]  # the multi-stage rewrite alone, no edit fixes

TORCH_ALONE = 1_700_000_000
TORCH_WITH_CUDA_WHEELS = 5_750_000_000
SIZES = {"torch": TORCH_ALONE, "pytest": 3_500_000, "pandas": 60_000_000, "numpy": 40_000_000}


class FakeSizes:
    """A sizes provider that can follow torch's dependencies, like WheelSizes."""

    def __call__(self, name: str, specifier: str = "") -> int | None:
        return SIZES.get(name)

    def installed_bytes_with_deps(self, name: str, specifier: str = "") -> int | None:
        return TORCH_WITH_CUDA_WHEELS if name == "torch" else SIZES.get(name)


def _project(tmp_path: Path) -> Path:
    ctx = tmp_path / "svc"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(
        "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
        'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "main.py"]\n'
    )
    (ctx / "requirements.txt").write_text(
        "torch==2.7.0\nnumpy==1.26.4\npandas==2.2.2\npytest==8.2.0\n"
    )
    (ctx / "main.py").write_text("import numpy\nimport torch\n")
    (ctx / ".git").mkdir()
    (ctx / ".git" / "pack").write_bytes(b"x" * 50_000)  # excluded by fix's .dockerignore
    (ctx / "explore.ipynb").write_bytes(b"y" * 7_000)  # lint counts it; fix's file does not
    return ctx


def test_each_change_gets_the_saving_of_its_finding(tmp_path: Path) -> None:
    ctx = _project(tmp_path)
    report = fix(ctx / "Dockerfile", sizes=FakeSizes(), dry_run=True, select=RESTRUCTURE)
    findings = lint(ctx / "Dockerfile", sizes=FakeSizes()).findings
    saving_of = {f.code: f.saving.size_bytes for f in findings if f.saving is not None}
    by_start = {c.description.split(":")[0]: c for c in report.changes}

    cpu_torch = next(c for c in report.changes if c.code == "JT302")
    assert cpu_torch.saving_bytes == saving_of["JT302"] == TORCH_WITH_CUDA_WHEELS - TORCH_ALONE
    pandas = by_start["pandas -> requirements-dev.txt"]
    assert (pandas.code, pandas.saving_bytes) == ("JT309", SIZES["pandas"])
    pytest_tool = by_start["pytest -> requirements-dev.txt"]
    assert (pytest_tool.code, pytest_tool.saving_bytes) == ("JT301", SIZES["pytest"])
    # lint counts the .git directory and the notebook; fix's .dockerignore leaves out .git only
    ignore = next(c for c in report.changes if c.code == "JT402")
    assert saving_of["JT402"] >= 57_000
    assert ignore.saving_bytes == saving_of["JT402"] - 7_000
    # what no finding measured, or what saves nothing, carries no number
    summary = next(c for c in report.changes if "only runtime requirements" in c.description)
    assert summary.saving_bytes is None  # the moved requirements carry their own
    for code in ("JT601", "JT107", "JT201"):
        assert next(c for c in report.changes if c.code == code).saving_bytes is None


def _finding(code: str, size: int | None, line: int = 1) -> Finding:
    saving = Saving(size, "test") if size is not None else None
    return Finding(code, Severity.WARNING, "m", Path("Dockerfile"), line, saving=saving)


def test_a_code_is_claimed_once_and_kept_bytes_save_nothing() -> None:
    findings = [_finding("JT302", 4_000), _finding("JT302", None, 2), _finding("JT501", 900)]
    changes = [
        Change("JT302", "CPU torch"),
        Change("JT302", "torch==2.7.0 -> 2.13.0+cpu"),
        Change("JT501", "weights stay baked in"),
        Change("removable:bytecode", "no bytecode"),
        Change("JT101 JT102", "apt in one layer"),
    ]
    assert [c.saving_bytes for c in assign_savings(changes, findings)] == [
        4_000,
        None,
        None,
        None,
        None,
    ]


def test_render_changes_shows_each_saving_and_the_total() -> None:
    text = render_changes(
        [
            Change("JT302", "torch from the CPU index", 4_050_000_000),
            Change("JT601", "an unprivileged user"),
            Change("JT309", "pandas -> requirements-dev.txt", 60_000_000),
        ],
        "cpu",
    )
    assert text == (
        "jettison: target cpu; changes:\n"
        "  JT302: torch from the CPU index  ~4.05 GB\n"
        "  JT601: an unprivileged user\n"
        "  JT309: pandas -> requirements-dev.txt  ~60 MB\n"
        "jettison: estimated saving up to ~4.11 GB (lint's figures; 1 change without one)\n"
    )
    assert render_changes([Change("JT601", "user")], "gpu") == (
        "jettison: target gpu; changes:\n  JT601: user\n"
    )
