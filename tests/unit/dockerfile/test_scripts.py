"""The scripts and modules a Dockerfile runs, found in the build context by its COPY lines."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.scripts import (
    Scripts,
    console_scripts,
    local_imports,
    read_scripts,
    start_links,
    started_by,
    unwrap_init,
)
from support.commands import command
from support.files import write


def project(tmp_path: Path, dockerfile: str, files: dict[str, str]) -> tuple[Scripts, list[str]]:
    """Write the files, read the scripts; (scripts, the context paths read)."""
    for name, text in files.items():
        write(tmp_path, name, text)
    parsed = parse_dockerfile(write(tmp_path, "Dockerfile", dockerfile))
    scripts = read_scripts(parsed, tmp_path)
    return scripts, sorted({s.path for s in scripts.found.values()})


def test_started_by_kinds() -> None:
    def kind(line: str) -> tuple[str, str, tuple[str, ...]] | None:
        found = started_by(command(line), "/srv", {"PYTHONPATH": "/lib"}, 0)
        return None if found is None else (found.target.kind, found.target.name, found.args)

    assert kind("bash start.sh --fast") == ("path", "/srv/start.sh", ("--fast",))
    assert kind("./run") == ("path", "/srv/run", ())
    assert kind("python3 -u app/main.py 8000") == ("path", "/srv/app/main.py", ("8000",))
    assert kind("python -m pkg.cli serve") == ("module", "pkg.cli", ("serve",))
    assert kind("poetry run python tool.py") == ("path", "/srv/tool.py", ())
    assert kind("tini -- gosu app mycli start") == ("console", "mycli", ("start",))
    assert kind("/opt/venv/bin/mycli run") == ("console", "mycli", ("run",))
    assert kind("python -c 'print(1)'") is None
    assert kind("sh -c 'echo hi'") == ("console", "echo", ("hi",))  # the body, unwrapped
    assert kind("run.sh") is None
    found = started_by(command("python -m pkg"), "/srv", {"PYTHONPATH": "/lib:rel"}, 0)
    assert found is not None and found.target.dirs == ("/srv", "/lib")
    assert unwrap_init(command("dumb-init --single-child -- uvicorn a:b")).argv[0] == "uvicorn"


def test_start_through_an_entrypoint_script(tmp_path: Path) -> None:
    scripts, read = project(
        tmp_path,
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY docker/entry.sh /entry.sh\nCOPY . .\n"
        'ENTRYPOINT ["/entry.sh"]\nCMD ["python", "serve.py", "--port", "80"]\n',
        {
            "docker/entry.sh": '#!/bin/sh\necho starting\nexec "$@"\n',
            "serve.py": "import web\nweb.main()\n",
            "web.py": "def main():\n    pass\n",
        },
    )
    assert read == ["docker/entry.sh", "serve.py", "web.py"]
    links = start_links(parse_dockerfile(tmp_path / "Dockerfile"), scripts)
    assert [(link.depth, link.command.argv[0], link.script.path if link.script else None)
            for link in links] == [
        (0, "/entry.sh", "docker/entry.sh"),
        (1, "echo", None),
        (1, "python", "serve.py"),
    ]  # fmt: skip
    assert links[2].place is not None and links[2].place.execs
    assert links[2].started is not None and links[2].started.args == ("--port", "80")


def test_modules_and_their_local_imports(tmp_path: Path) -> None:
    scripts, read = project(
        tmp_path,
        "FROM python:3.12-slim\nWORKDIR /srv\nCOPY src/ /srv/\nCMD python -m shop\n",
        {
            "src/shop/__init__.py": "",
            "src/shop/__main__.py": "from .api import run\nfrom shop import models\nimport numpy\n",
            "src/shop/api.py": "from . import models\n",
            "src/shop/models.py": "X = 1\n",
        },
    )
    assert read == [
        "src/shop/__init__.py",
        "src/shop/__main__.py",
        "src/shop/api.py",
        "src/shop/models.py",
    ]
    [link] = start_links(parse_dockerfile(tmp_path / "Dockerfile"), scripts)
    assert link.script is not None and link.script.module == "shop"
    imported = [s.path for s in local_imports(link.script, 0, scripts)]
    assert "src/shop/api.py" in imported and "src/shop/models.py" in imported


def test_console_scripts_from_packaging(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "x"\n[project.scripts]\nshop-serve = "shop.cli:main"\n'
        '[tool.poetry.scripts]\nold = { reference = "shop.old:run", type = "console" }\n',
    )
    assert console_scripts(pyproject) == {
        "shop-serve": ("shop.cli", "main"),
        "old": ("shop.old", "run"),
    }
    setup = write(
        tmp_path / "legacy",
        "setup.py",
        "setup(entry_points={'console_scripts': ['legacy-tool = legacy.main:cli [extra]']})\n",
    )
    assert console_scripts(setup) == {"legacy-tool": ("legacy.main", "cli")}
    cfg = write(
        tmp_path / "cfg",
        "setup.cfg",
        "[options.entry_points]\nconsole_scripts =\n    cfg-tool = cfg.app:main\n",
    )
    assert console_scripts(cfg) == {"cfg-tool": ("cfg.app", "main")}


def test_a_console_script_installed_from_an_index(tmp_path: Path) -> None:
    """No COPY: the context is the Dockerfile's folder; the project's packaging above it
    still says which module the console script runs."""
    write(tmp_path, "setup.py", "setup(entry_points={'console_scripts': ['tool=tool.srv:main']})")
    write(tmp_path, "tool/srv.py", "def main():\n    pass\n")
    docker = tmp_path / "deploy" / "docker"
    parsed = parse_dockerfile(
        write(docker, "Dockerfile", 'FROM x\nRUN pip install tool\nCMD ["tool"]\n')
    )
    scripts = read_scripts(parsed, docker)
    [link] = start_links(parsed, scripts)
    assert link.script is not None and link.script.function == "main"
    assert link.script.path == "../../tool/srv.py"


def test_a_script_in_a_context_above_the_dockerfile(tmp_path: Path) -> None:
    write(tmp_path, "scripts/start.sh", "exec app\n")
    docker = tmp_path / "docker"
    parsed = parse_dockerfile(
        write(docker, "Dockerfile", 'FROM x\nWORKDIR /app\nCOPY . .\nCMD ["./scripts/start.sh"]\n')
    )
    [link, *_] = start_links(parsed, read_scripts(parsed, docker))
    assert link.script is not None and link.script.path == "../scripts/start.sh"


def test_run_scripts_are_read_by_their_copy(tmp_path: Path) -> None:
    scripts, read = project(
        tmp_path,
        "FROM python:3.12\nCOPY tools/fetch.py /opt/fetch.py\nRUN python /opt/fetch.py\n",
        {"tools/fetch.py": "print('hi')\n"},
    )
    assert read == ["tools/fetch.py"]
    parsed = parse_dockerfile(tmp_path / "Dockerfile")
    found = scripts.run_by(command("python /opt/fetch.py"), "/", {}, 0, 3)
    assert found is not None and found[1].path == "tools/fetch.py"
    assert scripts.run_by(command("python /opt/fetch.py"), "/", {}, 0, 2) is None
    assert parsed.final_stage is not None


def test_nothing_is_read_outside_what_the_dockerfile_runs(tmp_path: Path) -> None:
    _, read = project(
        tmp_path,
        'FROM x\nCOPY . /app\nCMD ["uvicorn", "app:app"]\n',
        {"other.sh": "exec something\n"},
    )
    assert read == []
