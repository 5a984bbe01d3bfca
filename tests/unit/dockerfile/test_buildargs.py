"""Build args a compose or bake file passes to the Dockerfile it builds."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.buildargs import build_args_for
from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.steps import all_steps

BAKE = """\
variable "TOOL_VERSION" {
  default = "main"
}

target "default" {
  dockerfile = "Dockerfile"
  tags = ["org/tool:${TOOL_VERSION}"]
  args = {
    base_image = "org/base:2.1"
    tool_version = "${TOOL_VERSION}"
  }
}
"""
COMPOSE = """\
services:
  api:
    build:
      context: ../
      dockerfile: ./docker/Dockerfile
      args:
        - username=svc
        - PY=${PY_VERSION:-3.12}
  other:
    build: ./elsewhere
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bake_target_args_with_variable_defaults(tmp_path: Path) -> None:
    dockerfile = _write(tmp_path / "docker" / "Dockerfile", "FROM $base_image\n")
    _write(tmp_path / "docker" / "docker-bake.hcl", BAKE)
    assert build_args_for(dockerfile) == {"base_image": "org/base:2.1", "tool_version": "main"}


def test_compose_service_args(tmp_path: Path) -> None:
    dockerfile = _write(tmp_path / "docker" / "Dockerfile", "FROM python:3.12-slim\n")
    _write(tmp_path / "docker" / "docker-compose.yml", COMPOSE)
    assert build_args_for(dockerfile) == {"username": "svc", "PY": "3.12"}


def test_nothing_builds_it(tmp_path: Path) -> None:
    dockerfile = _write(tmp_path / "Dockerfile", "FROM python:3.12-slim\n")
    _write(tmp_path / "compose.yaml", "services:\n  x:\n    image: redis\n")
    _write(tmp_path / "docker-bake.hcl", 'target "t" {\n  dockerfile = "Other"\n}\n')
    assert build_args_for(dockerfile) == {}


def test_stage_args_take_build_args_then_defaults_then_global_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Dockerfile",
        "ARG BASE=python:3.12-slim\nARG REF=v1\nFROM ${BASE}\n"
        "ARG REF\nARG BRANCH=dev\nARG USERNAME\nRUN echo\n",
    )
    (*_, run) = all_steps(parse_dockerfile(path))
    assert (run.env["REF"], run.env["BRANCH"]) == ("v1", "dev")
    assert "USERNAME" not in run.env
    given = parse_dockerfile(path, {"BRANCH": "main", "USERNAME": "svc", "REF": "v2"})
    (*_, run) = all_steps(given)
    assert (run.env["REF"], run.env["BRANCH"], run.env["USERNAME"]) == ("v2", "main", "svc")
