"""Budgets make ``inspect`` a CI gate: exit 1 and one stderr line per broken budget."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run, write_image
from .test_inspect import FINAL, SIZE

REMOVABLE = 27_534
EFFICIENCY = "0.9014"


@pytest.fixture
def image(images: Path) -> Path:
    return write_image("docker-archive-oci-blobs", images)


def budget_lines(run: Run) -> list[str]:
    return [line for line in run.stderr_lines if line.startswith("jettison: budget broken: ")]


@pytest.mark.parametrize(
    "args",
    [
        ["--max-size", "1MB"],
        ["--max-size", str(SIZE)],  # the limit is inclusive
        ["--min-efficiency", "0.9"],
        ["--min-efficiency", "90%"],
        ["--max-removable", "27.6kB"],
        ["--max-size", "31kB", "--min-efficiency", "0.5", "--max-removable", "1MiB"],
    ],
)
def test_budgets_met(args: list[str], image: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect", image, "-f", "json", *args)
    assert (run.exit_code, run.stderr) == (0, "")
    report = json.loads(run.stdout)
    assert report["budgets_ok"] is True
    assert report["budgets"] and all(b["ok"] for b in report["budgets"])


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--max-size", "1kB"], f"size is {SIZE:,} B, limit <= 1,000 B"),
        (["--max-size", str(SIZE - 1)], f"size is {SIZE:,} B, limit <= {SIZE - 1:,} B"),
        (["--min-efficiency", "0.95"], f"dive efficiency is {EFFICIENCY}, limit >= 0.9500"),
        (["--max-removable", "10KiB"], f"removable is {REMOVABLE:,} B, limit <= 10,240 B"),
        (["--max-shadowed", "3kB"], "shadowed is 3,024 B, limit <= 3,000 B"),
        (["--max-pull-size", "1GB"], "pull size is unknown, limit <= 1,000,000,000 B"),
    ],
)
def test_budget_broken(
    args: list[str], line: str, image: Path, run_cli: Callable[..., Run]
) -> None:
    run = run_cli("inspect", image, "-f", "json", *args)
    assert run.exit_code == 1
    assert run.stderr_lines == [f"jettison: budget broken: {line}"]
    report = json.loads(run.stdout)  # the report is still written
    assert report["budgets_ok"] is False
    assert report["final_bytes"] == FINAL


def test_one_line_per_broken_budget(image: Path, run_cli: Callable[..., Run]) -> None:
    run = run_cli(
        "inspect",
        image,
        "--max-size", "1kB",
        "--min-efficiency", "99%",
        "--max-removable", "1kB",
        "--max-wasted", "1GB",  # met: not listed
    )  # fmt: skip
    assert run.exit_code == 1
    assert run.stderr_lines == [
        f"jettison: budget broken: size is {SIZE:,} B, limit <= 1,000 B",
        f"jettison: budget broken: removable is {REMOVABLE:,} B, limit <= 1,000 B",
        f"jettison: budget broken: dive efficiency is {EFFICIENCY}, limit >= 0.9900",
    ]


def test_budgets_from_pyproject(workdir: Path, image: Path, run_cli: Callable[..., Run]) -> None:
    (workdir / "pyproject.toml").write_text(
        '[project]\nname = "svc"\n\n[tool.jettison]\nmax-size = "1kB"\n'
    )
    run = run_cli("inspect", image, "-f", "json")
    assert run.exit_code == 1
    assert run.stderr_lines == [f"jettison: budget broken: size is {SIZE:,} B, limit <= 1,000 B"]

    overridden = run_cli("inspect", image, "-f", "json", "--max-size", "1MB")
    assert (overridden.exit_code, overridden.stderr) == (0, "")
    assert [b["limit"] for b in json.loads(overridden.stdout)["budgets"]] == ["<= 1,000,000 B"]


def test_budgets_from_a_parent_directory(
    workdir: Path, image: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "pyproject.toml").write_text('[tool.jettison]\nmin-efficiency = "95%"\n')
    nested = workdir / "deploy" / "k8s"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    run = run_cli("inspect", image, "-f", "json")
    assert run.exit_code == 1
    assert run.stderr_lines == [
        f"jettison: budget broken: dive efficiency is {EFFICIENCY}, limit >= 0.9500"
    ]


def test_pyproject_without_a_jettison_section_sets_no_budget(
    workdir: Path, image: Path, run_cli: Callable[..., Run]
) -> None:
    (workdir / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    run = run_cli("inspect", image, "-f", "json")
    assert (run.exit_code, json.loads(run.stdout)["budgets"]) == (0, [])


def test_jettison_toml_and_explicit_config(
    workdir: Path, image: Path, run_cli: Callable[..., Run]
) -> None:
    (workdir / ".jettison.toml").write_text('max-removable = "1kB"\n')
    run = run_cli("inspect", image, "-f", "json")
    assert run.exit_code == 1
    assert run.stderr_lines == [
        f"jettison: budget broken: removable is {REMOVABLE:,} B, limit <= 1,000 B"
    ]
    other = workdir / "ci.toml"
    other.write_text('[tool.jettison]\nmax-size = "1MB"\n')
    explicit = run_cli("inspect", image, "-f", "json", "--config", other)
    assert (explicit.exit_code, explicit.stderr) == (0, "")


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (
            ["--max-size", "lots"],
            "--max-size: not a size: 'lots'",
            "write sizes like 2GB, 300MB, 1.5GiB or a byte count",
        ),
        (["--max-removable", "-5MB"], "--max-removable: not a size: '-5MB'", None),
        (
            ["--min-efficiency", "fast"],
            "--min-efficiency: not a ratio: 'fast'",
            "write 0.95 or 95%",
        ),
        (
            ["--min-efficiency", "1.5"],
            "--min-efficiency: ratio must be between 0 and 1 (or 0% and 100%), got '1.5'",
            None,
        ),
        (["--max-size", "2 parsecs"], "--max-size: not a size: '2 parsecs'", None),
    ],
)
def test_invalid_budget_flags(
    args: list[str], error: str, hint: str | None, image: Path, run_cli: Callable[..., Run]
) -> None:
    run = run_cli("inspect", image, *args)
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr_lines[0] == f"jettison: error: {error}"
    assert len(run.stderr_lines) <= 2
    if hint is not None:
        assert run.stderr_lines[1] == f"  hint: {hint}"


@pytest.mark.parametrize(
    ("toml", "error", "hint"),
    [
        (
            '[tool.jettison]\nmax-sise = "1kB"\n',
            "pyproject.toml: unknown budget 'max-sise'",
            "known: max-pull-size, max-removable, max-shadowed, max-size, max-wasted, "
            "min-efficiency",
        ),
        (
            '[tool.jettison]\nmax-size = "huge"\n',
            "pyproject.toml: max-size: not a size: 'huge'",
            "write sizes like 2GB, 300MB, 1.5GiB or a byte count",
        ),
        (
            "[tool.jettison]\nmin-efficiency = 2\n",
            "pyproject.toml: min-efficiency: ratio must be between 0 and 1 (or 0% and 100%), got 2",
            None,
        ),
        ("[tool.jettison]\nmax-size = true\n", "pyproject.toml: max-size: not a size: True", None),
        ('[tool.jettison\nmax-size = "1kB"\n', "pyproject.toml: invalid TOML (", None),
        (
            '[tool]\njettison = "max-size"\n',
            "pyproject.toml: [tool.jettison] must be a table",
            None,
        ),
    ],
)
def test_invalid_budget_config(
    toml: str,
    error: str,
    hint: str | None,
    workdir: Path,
    image: Path,
    run_cli: Callable[..., Run],
) -> None:
    (workdir / "pyproject.toml").write_text(toml)
    run = run_cli("inspect", image)
    assert run.exit_code == 2
    assert run.stdout == ""
    first = run.stderr_lines[0]
    assert first.startswith("jettison: error: ")
    assert error in first
    assert len(run.stderr_lines) <= 2
    if hint is not None:
        assert run.stderr_lines[1] == f"  hint: {hint}"
    assert "Traceback" not in run.stderr
