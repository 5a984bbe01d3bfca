"""Context files at image paths (the one resolver), and the commands a RUN and the image's
start run through the scripts they find there."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.context_files import ContextFiles, context_file
from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.run_commands import (
    launched_script,
    make_recipes,
    script_commands,
    traced_commands,
)
from jettison.dockerfile.shell import split_commands
from jettison.dockerfile.steps import Step, all_steps


def _setup(tmp_path: Path, dockerfile: str, files: dict[str, str]) -> tuple[object, list[Step]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    parsed = parse_dockerfile(tmp_path / "Dockerfile")
    return parsed, [s for s in all_steps(parsed) if s.instruction.keyword == "RUN"]


@pytest.mark.parametrize(
    ("copy", "image_path", "expected"),
    [
        ("COPY env.yml /srv/env.yml", "/srv/env.yml", "env.yml"),
        ("COPY env.yml /srv/", "/srv/env.yml", "env.yml"),
        ("COPY env.yml /srv", "/srv/env.yml", "env.yml"),  # /srv may be a directory
        ("COPY . /srv", "/srv/deploy/run.sh", "deploy/run.sh"),
        ("COPY deploy ./scripts", "/work/scripts/run.sh", "deploy/run.sh"),
        ("COPY deploy/*.sh /bin/", "/bin/run.sh", "deploy/run.sh"),
        ("COPY env.yml deploy/run.sh /opt/", "/opt/run.sh", "deploy/run.sh"),
        ("COPY env.yml ./", "env.yml", "env.yml"),  # relative to WORKDIR
    ],
)
def test_context_file(tmp_path: Path, copy: str, image_path: str, expected: str) -> None:
    dockerfile, (step,) = _setup(
        tmp_path,
        f"FROM debian:bookworm-slim\nWORKDIR /work\n{copy}\nRUN true\n",
        {"env.yml": "x", "deploy/run.sh": "echo"},
    )
    found = context_file(dockerfile, step, image_path, tmp_path)  # type: ignore[arg-type]
    assert found == tmp_path / expected


@pytest.mark.parametrize(
    ("instructions", "image_path", "expected"),
    [
        ("COPY wheels/ /wheels/", "/wheels", "wheels"),  # the folder's contents at /wheels
        ("COPY wheels /opt/wheels", "/opt/wheels", "wheels"),
        ("COPY . /app", "/app/wheels", "wheels"),
        ("COPY . /app", "/app", "."),
        ("COPY wheels/ ./w/", "/work/w", "wheels"),
        ("COPY env.yml /wheels/", "/wheels", None),  # a file copied into it: no folder
        ("COPY wheels/ /wheels/", "/other", None),
    ],
)
def test_context_folder(
    tmp_path: Path, instructions: str, image_path: str, expected: str | None
) -> None:
    dockerfile, (step,) = _setup(
        tmp_path,
        f"FROM debian:bookworm-slim\nWORKDIR /work\n{instructions}\nRUN true\n",
        {"env.yml": "x", "wheels/a-1.0-py3-none-any.whl": "x"},
    )
    files = ContextFiles.before(dockerfile, step, tmp_path)  # type: ignore[arg-type]
    found = files.folder(image_path)
    assert found == (tmp_path / expected if expected is not None else None)


def test_context_folder_of_a_bind_mount(tmp_path: Path) -> None:
    dockerfile, (step,) = _setup(
        tmp_path,
        "FROM debian:bookworm-slim\n"
        "RUN --mount=type=bind,source=wheels,target=/run/wheels pip install -f /run/wheels x\n",
        {"wheels/a-1.0-py3-none-any.whl": "x"},
    )
    files = ContextFiles.before(dockerfile, step, tmp_path)  # type: ignore[arg-type]
    assert files.folder("/run/wheels") == tmp_path / "wheels"
    assert files.find("/run/wheels") is None  # a folder is not a file


def test_context_file_unknown_paths_and_ignored_files(tmp_path: Path) -> None:
    dockerfile, (step,) = _setup(
        tmp_path,
        "FROM debian:bookworm-slim\nCOPY . /app\nRUN true\n",
        {"poetry.lock": "x", "app.py": "x"},
    )
    assert context_file(dockerfile, step, "/etc/passwd", tmp_path) is None  # type: ignore[arg-type]
    ignored = context_file(
        dockerfile,  # type: ignore[arg-type]
        step,
        "/app/poetry.lock",
        tmp_path,
        lambda p: p == "poetry.lock",
    )
    assert ignored is None


def test_a_later_copy_wins_and_copies_after_the_run_do_not_count(tmp_path: Path) -> None:
    dockerfile, (step,) = _setup(
        tmp_path,
        "FROM debian:bookworm-slim\nCOPY a.sh /x.sh\nCOPY b.sh /x.sh\n"
        "RUN sh /x.sh\nCOPY c.sh /x.sh\n",
        {"a.sh": "echo a", "b.sh": "echo b", "c.sh": "echo c"},
    )
    assert context_file(dockerfile, step, "/x.sh", tmp_path) == tmp_path / "b.sh"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "run",
    ["bash /opt/install.sh --yes", "sh -e /opt/install.sh", "/opt/install.sh", ". /opt/install.sh",
     "cd /opt && ./install.sh"],
)  # fmt: skip
def test_traced_commands_follow_scripts(tmp_path: Path, run: str) -> None:
    dockerfile, (step,) = _setup(
        tmp_path,
        f"FROM debian:bookworm-slim\nCOPY install.sh /opt/\nWORKDIR /opt\nRUN {run}\n",
        {"install.sh": "#!/bin/sh\nset -e\ngit clone https://example.org/x.git\n"},
    )
    executed = traced_commands(dockerfile, step, tmp_path)  # type: ignore[arg-type]
    inner = [e for e in executed if e.via == "install.sh"]
    assert [e.command.argv[:2] for e in inner] == [("set", "-e"), ("git", "clone")]


def test_traced_commands_skip_non_shell_scripts_and_unknown_files(tmp_path: Path) -> None:
    dockerfile, (step, other) = _setup(
        tmp_path,
        "FROM debian:bookworm-slim\nCOPY tool /opt/tool\nRUN /opt/tool\nRUN bash /opt/missing.sh\n",
        {"tool": "#!/usr/bin/env python3\nimport os\n"},
    )
    for each in (step, other):
        executed = traced_commands(dockerfile, each, tmp_path)  # type: ignore[arg-type]
        assert all(e.via is None for e in executed)


def test_traced_commands_read_a_make_target(tmp_path: Path) -> None:
    makefile = (
        "lock: deps\n\tpoetry lock\n\t@poetry export -o r.txt\n\ndeps:\n\tpip install poetry\n"
    )
    dockerfile, (step,) = _setup(
        tmp_path,
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY Makefile .\n"
        "RUN make lock && pip install -r r.txt\n",
        {"Makefile": makefile},
    )
    executed = traced_commands(dockerfile, step, tmp_path)  # type: ignore[arg-type]
    inner = [e.command.argv[:2] for e in executed if e.via == "Makefile (make lock)"]
    assert inner == [("pip", "install"), ("poetry", "lock"), ("poetry", "export")]


def test_make_recipe_default_target() -> None:
    text = ".PHONY: all\nall:\n\techo one\nother:\n\techo two\n"
    assert make_recipes(text, ()) == ["echo one"]


def test_image_file_and_launched_scripts(tmp_path: Path) -> None:
    dockerfile, _ = _setup(
        tmp_path,
        'FROM debian:bookworm-slim\nWORKDIR /srv\nCMD ["run.sh"]\n'
        "COPY deploy/run.sh /usr/local/bin/\nCOPY deploy/ ./deploy/\nRUN true\n",
        {"deploy/run.sh": "#!/bin/sh\nexec python app.py\n"},
    )
    expected = tmp_path / "deploy" / "run.sh"
    final = ContextFiles.final(dockerfile, tmp_path)  # type: ignore[arg-type]
    assert final.find("/srv/deploy/run.sh") == expected
    for line in ("run.sh", "sh deploy/run.sh", "./deploy/run.sh", "/usr/local/bin/run.sh"):
        (command,) = split_commands(line)
        found = launched_script(dockerfile, command, "/srv", tmp_path)  # type: ignore[arg-type]
        assert found == expected, line
    assert [c.argv for c in script_commands(expected)] == [("python", "app.py")]
    (command,) = split_commands("python app.py")
    assert launched_script(dockerfile, command, "/srv", tmp_path) is None  # type: ignore[arg-type]


def test_make_recipe_expands_variables() -> None:
    text = (
        "commit := 3f2a9c1\nREPO ?= https://x.org/r.git\n\n"
        "get:\n\tgit clone $(REPO) r\n\tcd r && git checkout ${commit}\n"
    )
    assert make_recipes(text, ("get",)) == [
        "git clone https://x.org/r.git r",
        "cd r && git checkout 3f2a9c1",
    ]


def test_sources_follow_copies_and_stages(tmp_path: Path) -> None:
    """The candidates the start command's script reader tries (in the context and the
    folders above it): ``COPY --from`` followed into its stage, later copies first."""
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12 AS build\nWORKDIR /src\nCOPY . .\n"
        "FROM python:3.12-slim\nWORKDIR /app\n"
        "COPY bin/entry.sh /entry.sh\nCOPY a.sh b.sh /tools/\nCOPY scripts/ ./scripts\n"
        "COPY --from=build /src/app /app/app\n",
        encoding="utf-8",
    )
    parsed = parse_dockerfile(tmp_path / "Dockerfile")
    final = ContextFiles.in_stage(parsed, 1)
    assert final.sources("/entry.sh") == ["bin/entry.sh"]
    assert "b.sh" in final.sources("/tools/b.sh")  # (or inside a folder a.sh)
    assert final.sources("/app/scripts/x/run.sh") == ["scripts/x/run.sh"]
    assert final.sources("/app/app/main.py") == ["app/main.py"]
    assert ContextFiles.in_stage(parsed, 1, before_line=7).sources("/tools/b.sh") == []
    assert final.find("/entry.sh") is None  # no context directory: nothing is a file


def test_a_bind_mount_of_the_run_is_in_place(tmp_path: Path) -> None:
    dockerfile, (step,) = _setup(
        tmp_path,
        "FROM debian:bookworm-slim\nRUN --mount=type=bind,source=deploy,target=/d sh /d/run.sh\n",
        {"deploy/run.sh": "apt-get update\n"},
    )
    traced = traced_commands(dockerfile, step, tmp_path)  # type: ignore[arg-type]
    assert [t.command.argv for t in traced if t.via == "run.sh"] == [("apt-get", "update")]
