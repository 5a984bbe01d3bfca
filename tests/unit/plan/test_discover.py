"""Finding the services of a repository: Dockerfiles, contexts, requirements, shared code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from jettison.errors import ConfigError, RequirementsError
from jettison.plan import discover as discover_module
from jettison.plan.discover import PLAN_MARKER, discover
from jettison.plan.model import Discovery, Service
from support.files import write

SLIM = "FROM python:3.11-slim\n"


def by_name(discovery: Discovery) -> dict[str, Service]:
    return {s.name: s for s in discovery.services}


def kinds(discovery: Discovery) -> list[str]:
    return [p.kind for p in discovery.problems]


def fleet(root: Path) -> Path:
    """Two services built from the root that copy a shared libs/, one built from its folder."""
    write(root, "libs/requirements.txt", "-r base.txt\nfastapi==0.110.0\n")
    write(root, "libs/base.txt", "uvicorn==0.29.0\n")
    write(root, "libs/__init__.py", "")
    write(root, "libs/pdf.py", "import fitz\n")
    for name in ("svc-ocr", "svc-rdf"):
        write(root, f"services/{name}/main.py", "")
        write(
            root,
            f"services/{name}/Dockerfile",
            SLIM + "WORKDIR /app\n"
            "COPY libs/requirements.txt libs/base.txt /tmp/\n"
            "RUN pip install -r /tmp/requirements.txt\n"
            f"COPY services/{name}/ /app/\n"
            "COPY libs/ /app/libs/\n"
            'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]\n',
        )
    write(root, "services/solo/requirements.txt", "flask==3.0.0\n")
    write(root, "services/solo/app.py", "")
    write(
        root,
        "services/solo/Dockerfile",
        SLIM + "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY app.py .\n"
        "EXPOSE 5000\n",
    )
    return root


# -- the walk and the build context -----------------------------------------------------------


def test_services_without_compose_get_folder_names_and_inferred_contexts(tmp_path: Path) -> None:
    found = discover(fleet(tmp_path))
    services = by_name(found)
    assert sorted(services) == ["solo", "svc-ocr", "svc-rdf"]
    assert [s.name for s in found.services] == ["solo", "svc-ocr", "svc-rdf"]
    assert found.root == tmp_path.resolve()
    assert found.compose_files == ()
    assert found.problems == ()

    ocr = services["svc-ocr"]
    assert ocr.dockerfile == tmp_path / "services/svc-ocr/Dockerfile"
    assert ocr.context == tmp_path  # COPY services/... and libs/ only resolve at the root
    assert ocr.parsed is not None
    assert ocr.base_image == "python:3.11-slim"
    assert ocr.requirement_files == (
        tmp_path / "libs/requirements.txt",
        tmp_path / "libs/base.txt",
    )
    assert ocr.code_paths == (tmp_path / "libs", tmp_path / "services/svc-ocr")
    assert ocr.port == 8000  # --port in CMD

    solo = services["solo"]
    assert solo.context == tmp_path / "services/solo"
    assert solo.requirement_files == (tmp_path / "services/solo/requirements.txt",)
    assert solo.code_paths == (tmp_path / "services/solo/app.py",)
    assert solo.port == 5000
    assert solo.shared_paths == ()


def test_shared_paths_are_those_several_services_copy(tmp_path: Path) -> None:
    found = discover(fleet(tmp_path))
    services = by_name(found)
    assert services["svc-ocr"].shared_paths == (tmp_path / "libs",)
    assert services["svc-rdf"].shared_paths == (tmp_path / "libs",)
    assert found.shared_paths == (tmp_path / "libs",)


def test_part_of_a_shared_folder_is_shared_both_ways(tmp_path: Path) -> None:
    write(tmp_path, "libs/pdf/reader.py", "")
    write(tmp_path, "libs/ml/model.py", "")
    write(tmp_path, "a/main.py", "")
    write(tmp_path, "b/main.py", "")
    write(tmp_path, "a/Dockerfile", SLIM + "COPY a/ /app/\nCOPY libs/ /app/libs/\n")
    write(tmp_path, "b/Dockerfile", SLIM + "COPY b/ /app/\nCOPY libs/pdf /app/libs/pdf\n")
    services = by_name(discover(tmp_path))
    assert services["a"].shared_paths == (tmp_path / "libs",)
    assert services["b"].shared_paths == (tmp_path / "libs/pdf",)
    assert (tmp_path / "a") not in services["a"].shared_paths


def test_copy_dot_from_the_root_does_not_make_every_folder_shared(tmp_path: Path) -> None:
    write(tmp_path, "libs/util.py", "")
    write(tmp_path, "whole/Dockerfile", SLIM + "COPY . /app\n")
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  whole:\n    build: {context: ., dockerfile: whole/Dockerfile}\n",
    )
    write(tmp_path, "api/main.py", "")
    write(tmp_path, "api/Dockerfile", SLIM + "COPY api/ /app/\nCOPY libs/ /app/libs/\n")
    services = by_name(discover(tmp_path))
    assert services["whole"].context == services["api"].context == tmp_path
    assert services["whole"].code_paths == (tmp_path,)
    assert services["whole"].shared_paths == ()
    assert services["api"].shared_paths == ()


def test_copy_dot_with_the_service_folder_as_context(tmp_path: Path) -> None:
    """``COPY . .`` then ``pip install -r requirements.txt``: the requirements come in with
    the folder copy, and still count as what the image installs."""
    write(tmp_path, "svc/requirements.txt", "-r requirements-base.txt\nrequests==2.31.0\n")
    write(tmp_path, "svc/requirements-base.txt", "six==1.16.0\n")
    write(tmp_path, "svc/main.py", "")
    write(
        tmp_path,
        "svc/Dockerfile",
        SLIM + "WORKDIR /srv\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n",
    )
    (svc,) = discover(tmp_path).services
    assert svc.context == tmp_path / "svc"
    assert svc.code_paths == (tmp_path / "svc",)
    assert svc.requirement_files == (
        tmp_path / "svc/requirements.txt",
        tmp_path / "svc/requirements-base.txt",
    )


def test_pip_install_of_a_file_under_a_copied_folder_is_mapped_back(tmp_path: Path) -> None:
    write(tmp_path, "svc/deps/prod.txt", "requests==2.31.0\n")
    write(tmp_path, "svc/deps/dev.txt", "pytest==8.0.0\n")
    write(
        tmp_path,
        "svc/Dockerfile",
        SLIM + "COPY deps /opt/deps\nRUN pip install -r /opt/deps/prod.txt\n",
    )
    (svc,) = discover(tmp_path).services
    assert svc.requirement_files == (tmp_path / "svc/deps/prod.txt",)
    assert svc.code_paths == (tmp_path / "svc/deps",)


def test_requirements_bind_mounted_into_the_pip_run(tmp_path: Path) -> None:
    write(tmp_path, "svc/requirements.txt", "requests==2.31.0\n")
    write(tmp_path, "svc/deps/extra.txt", "idna==3.6\n")
    write(tmp_path, "svc/cache.txt", "not installed\n")
    write(
        tmp_path,
        "svc/Dockerfile",
        SLIM + "WORKDIR /w\n"
        "RUN --mount=type=bind,source=requirements.txt,target=/tmp/r.txt \\\n"
        "    --mount=type=cache,target=/root/.cache/pip \\\n"
        "    --mount=type=bind,from=builder,source=/x,target=/tmp/x.txt \\\n"
        "    --mount=source=deps,target=deps \\\n"
        "    pip install -r /tmp/r.txt -r deps/extra.txt -r /tmp/x.txt\n",
    )
    (svc,) = discover(tmp_path).services
    assert svc.requirement_files == (
        tmp_path / "svc/requirements.txt",
        tmp_path / "svc/deps/extra.txt",
    )
    assert svc.code_paths == ()


def test_multi_stage_build_reads_every_stage_and_skips_copy_from(tmp_path: Path) -> None:
    write(tmp_path, "svc/requirements.txt", "numpy==1.26.4\n")
    write(tmp_path, "svc/app/main.py", "")
    write(tmp_path, "svc/scripts/warm.py", "")
    write(
        tmp_path,
        "svc/Dockerfile",
        "ARG PY=3.11\n"
        "FROM python:${PY} AS builder\n"
        "COPY requirements.txt /tmp/\n"
        "RUN pip install --prefix=/install -r /tmp/requirements.txt\n"
        "COPY scripts/ /scripts/\n"
        "FROM python:${PY}-slim\n"
        "COPY --from=builder /install /usr/local\n"
        "COPY --from=builder /scripts/warm.py /opt/warm.py\n"
        "COPY app/ /app/\n"
        "ENV PORT=7000\n"
        "EXPOSE ${PORT}/tcp\n"
        "HEALTHCHECK CMD curl -fsS http://localhost:${PORT}/ready || exit 1\n",
    )
    (svc,) = discover(tmp_path).services
    assert svc.base_image == "python:3.11-slim"
    assert svc.requirement_files == (tmp_path / "svc/requirements.txt",)
    assert svc.code_paths == (tmp_path / "svc/app", tmp_path / "svc/scripts")
    assert svc.port == 7000
    assert svc.health_path == "/ready"


def test_final_stage_built_on_another_stage_reports_the_real_base(tmp_path: Path) -> None:
    write(
        tmp_path,
        "svc/Dockerfile",
        "FROM python:3.10-slim AS base\nEXPOSE 9000\nFROM base\nRUN true\n",
    )
    (svc,) = discover(tmp_path).services
    assert svc.base_image == "python:3.10-slim"
    assert svc.port == 9000  # inherited from the stage it is built on


def test_variants_in_one_folder_get_distinct_names(tmp_path: Path) -> None:
    write(tmp_path, "svc/main.py", "")
    write(tmp_path, "svc/Dockerfile", SLIM + "COPY . .\n")
    write(tmp_path, "svc/Dockerfile.gpu", "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\nCOPY . .\n")
    write(tmp_path, "svc/cpu.Containerfile", SLIM + "COPY . .\n")
    write(tmp_path, "svc/Dockerfile.dockerignore", "*.md\n")
    services = by_name(discover(tmp_path))
    assert sorted(services) == ["svc", "svc-cpu", "svc-gpu"]
    assert services["svc-gpu"].base_image == "nvidia/cuda:12.4.1-runtime-ubuntu22.04"
    # all three ship the same folder: it is shared
    assert all(s.shared_paths == (tmp_path / "svc",) for s in services.values())


def test_same_folder_name_in_different_places_gets_unique_names(tmp_path: Path) -> None:
    write(tmp_path, "teams/a/api/Dockerfile", SLIM)
    write(tmp_path, "teams/b/api/Dockerfile", SLIM)
    write(tmp_path, "x/a/api/Dockerfile", SLIM)
    write(tmp_path, "worker/Dockerfile", SLIM)
    found = discover(tmp_path)
    names = [s.name for s in found.services]
    assert len(set(names)) == len(names) == 4
    assert set(names) == {"teams-a-api", "x-a-api", "b-api", "worker"}
    assert by_name(found)["b-api"].dockerfile == tmp_path / "teams/b/api/Dockerfile"


def test_names_are_tag_safe_and_a_root_dockerfile_is_named_after_the_root(tmp_path: Path) -> None:
    root = tmp_path / "My Repo"
    write(root, "Dockerfile", SLIM)
    write(root, "Svc_One/Dockerfile", SLIM)
    names = [s.name for s in discover(root).services]
    assert names == ["my-repo", "svc_one"]


def test_skipped_folders_and_symlinks_out_of_the_root(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "svc/Dockerfile", SLIM)
    for skipped in (
        ".git/Dockerfile",
        ".venv/Dockerfile",
        ".jettison-cache/Dockerfile",
        "node_modules/pkg/Dockerfile",
        "env/lib/site-packages/x/Dockerfile",
        "jettison-plan/services/svc/Dockerfile",
        "out/bases/base/Dockerfile",
        "out/services/svc/Dockerfile",
        "myenv/Dockerfile",
    ):
        write(root, skipped, SLIM)
    write(root, "myenv/pyvenv.cfg", "home = /usr/bin\n")
    write(root, "out/.jettison-plan", "{}\n")  # the marker of a plan written with --out
    # a folder shaped like a plan's output but without its marker is the project's own
    write(root, "bases/Dockerfile", SLIM)
    write(root, "services/Dockerfile", SLIM)
    write(root, "build.sh", "#!/bin/sh\n")
    write(tmp_path, "outside/Dockerfile", SLIM)
    (root / "linked").symlink_to(tmp_path / "outside")
    (root / "svc/Dockerfile.out").symlink_to(tmp_path / "outside/Dockerfile")
    found = discover(root)
    assert [s.dockerfile for s in found.services] == [
        root / "bases/Dockerfile",
        root / "services/Dockerfile",
        root / "svc/Dockerfile",
    ]


def test_plan_marker_is_the_one_generate_writes() -> None:
    from jettison.plan import write

    assert write.MARKER == PLAN_MARKER


def test_discovery_does_not_parse_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fleet(tmp_path)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("discovery parsed a Python file")

    monkeypatch.setattr(ast, "parse", refuse)
    assert len(discover(tmp_path).services) == 3


def test_output_is_deterministic(tmp_path: Path) -> None:
    fleet(tmp_path)
    assert discover(tmp_path) == discover(tmp_path)


# -- requirement files ------------------------------------------------------------------------


def test_constraint_files_are_not_requirement_files(tmp_path: Path) -> None:
    write(tmp_path, "svc/requirements.txt", "-c constraints.txt\n-r extra.txt\nrequests\n")
    write(tmp_path, "svc/constraints.txt", "urllib3<2\n")
    write(tmp_path, "svc/extra.txt", "idna==3.6\n")
    write(tmp_path, "svc/pins.txt", "certifi==2024.2.2\n")
    write(
        tmp_path,
        "svc/Dockerfile",
        SLIM + "COPY requirements.txt constraints.txt extra.txt pins.txt /tmp/\n"
        "RUN pip install -c /tmp/pins.txt -r /tmp/requirements.txt\n",
    )
    (svc,) = discover(tmp_path).services
    assert svc.requirement_files == (tmp_path / "svc/requirements.txt", tmp_path / "svc/extra.txt")
    assert svc.code_paths == (tmp_path / "svc/pins.txt",)


def test_unreadable_requirements_file_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "svc/requirements.txt", "requests\n")
    write(tmp_path, "svc/Dockerfile", SLIM + "COPY requirements.txt .\n")

    def unreadable(context: Path, files: object) -> None:
        raise RequirementsError(f"{context}/requirements.txt: cannot read (I/O error)")

    monkeypatch.setattr(discover_module, "load_requirements", unreadable)
    found = discover(tmp_path)
    (problem,) = found.problems
    assert (problem.kind, problem.severity.label, problem.subject) == (
        "unreadable-requirements",
        "warning",
        "svc",
    )
    assert found.services[0].requirement_files == (tmp_path / "svc/requirements.txt",)


# -- compose ----------------------------------------------------------------------------------

COMPOSE = """\
services:
  api:
    build:
      context: .
      dockerfile: services/api/Dockerfile
      args:
        PY: "3.12"
    ports:
      - "8080:8000"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/healthz"]
  worker:
    build: ./services/worker
    ports:
      - target: 9100
        published: 19100
    healthcheck:
      test: "python -c \\"import urllib.request as u; u.urlopen('http://127.0.0.1:9100/live?x=1')\\""
  redis:
    image: redis:7
"""


def compose_repo(root: Path) -> Path:
    write(root, "compose.yaml", COMPOSE)
    write(root, "libs/util.py", "")
    write(root, "services/api/main.py", "")
    write(
        root,
        "services/api/Dockerfile",
        "ARG PY=3.11\nFROM python:${PY}-slim\nCOPY services/api /app\nCOPY libs /app/libs\n",
    )
    write(root, "services/worker/requirements.txt", "celery==5.3.6\n")
    write(
        root,
        "services/worker/Dockerfile",
        SLIM + "COPY requirements.txt .\nCOPY . /app\n",
    )
    write(root, "tools/Dockerfile", SLIM + "RUN true\n")
    return root


def test_compose_names_contexts_ports_and_health(tmp_path: Path) -> None:
    found = discover(compose_repo(tmp_path))
    services = by_name(found)
    assert sorted(services) == ["api", "tools", "worker"]  # redis is not built
    assert found.compose_files == (tmp_path / "compose.yaml",)
    assert found.problems == ()

    api = services["api"]
    assert api.dockerfile == tmp_path / "services/api/Dockerfile"
    assert api.context == tmp_path
    assert api.base_image == "python:3.12-slim"  # build.args reach the FROM line
    assert api.port == 8000  # the container side of "8080:8000"
    assert api.health_path == "/healthz"
    assert api.code_paths == (tmp_path / "libs", tmp_path / "services/api")

    worker = services["worker"]
    assert worker.context == tmp_path / "services/worker"
    assert worker.requirement_files == (tmp_path / "services/worker/requirements.txt",)
    assert worker.port == 9100
    assert worker.health_path == "/live?x=1"

    assert services["tools"].context == tmp_path / "tools"


def test_dockerfile_expose_and_healthcheck_win_over_compose(tmp_path: Path) -> None:
    compose_repo(tmp_path)
    write(
        tmp_path,
        "services/api/Dockerfile",
        SLIM + "COPY services/api /app\nEXPOSE 7000\n"
        'HEALTHCHECK CMD ["wget", "-qO-", "http://127.0.0.1:7000/status"]\n',
    )
    api = by_name(discover(tmp_path))["api"]
    assert (api.port, api.health_path) == (7000, "/status")


def test_healthcheck_none_falls_back_to_compose(tmp_path: Path) -> None:
    compose_repo(tmp_path)
    write(tmp_path, "services/api/Dockerfile", SLIM + "COPY services/api /app\nHEALTHCHECK NONE\n")
    assert by_name(discover(tmp_path))["api"].health_path == "/healthz"


def test_gunicorn_bind_gives_the_port(tmp_path: Path) -> None:
    write(tmp_path, "svc/Dockerfile", SLIM + "CMD gunicorn -b 0.0.0.0:8500 app:app\n")
    write(tmp_path, "other/Dockerfile", SLIM + 'ENTRYPOINT ["gunicorn", "--bind=:8600", "a:b"]\n')
    write(tmp_path, "none/Dockerfile", SLIM + 'CMD ["python", "main.py"]\n')
    services = by_name(discover(tmp_path))
    assert services["svc"].port == 8500
    assert services["other"].port == 8600
    assert services["none"].port is None
    assert services["none"].health_path is None


def test_compose_that_is_not_yaml_is_a_problem_and_the_walk_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", "services:\n  api: [unclosed\n  x: {\n")
    write(tmp_path, "api/Dockerfile", SLIM)
    found = discover(tmp_path)
    assert [s.name for s in found.services] == ["api"]
    (problem,) = found.problems
    assert problem.kind == "compose"
    assert problem.path == tmp_path / "docker-compose.yml"
    assert problem.line is not None
    assert "not valid YAML" in problem.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just\n- a list\n", "not a compose file"),
        ("services: [a, b]\n", "'services' is not a mapping"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_compose_that_is_not_a_compose_file(
    tmp_path: Path, text: str | bytes, message: str
) -> None:
    write(tmp_path, "compose.yml", text)
    write(tmp_path, "api/Dockerfile", SLIM)
    found = discover(tmp_path)
    assert [s.name for s in found.services] == ["api"]
    assert kinds(found) == ["compose"]
    assert message in found.problems[0].message


def test_compose_naming_a_missing_dockerfile_or_context(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n"
        "  ghost:\n    build:\n      context: ./api\n      dockerfile: Dockerfile.prod\n"
        "  nowhere:\n    build: ./missing\n"
        "  remote:\n    build: https://github.com/example/repo.git#main\n"
        "  inline:\n    build:\n      dockerfile_inline: 'FROM scratch'\n",
    )
    write(tmp_path, "api/Dockerfile", SLIM)
    found = discover(tmp_path)
    assert [s.name for s in found.services] == ["api"]  # the walk still finds api/Dockerfile
    problems = {p.subject: p for p in found.problems}
    assert set(problems) == {"ghost", "nowhere", "remote", "inline"}
    assert all(p.kind == "compose" and p.severity.label == "warning" for p in problems.values())
    assert "Dockerfile.prod" in problems["ghost"].message
    assert "not found" in problems["ghost"].message


def test_compose_naming_a_path_the_os_refuses_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """A context or Dockerfile name longer than the OS allows made ``Path.is_dir`` raise
    OSError (ENAMETOOLONG) out of plan; no such path exists."""
    long = "n" * 300
    write(
        tmp_path,
        "compose.yaml",
        f"services:\n  far:\n    build: {long}\n"
        f"  deep:\n    build:\n      context: api\n      dockerfile: {long}\n",
    )
    write(tmp_path, "api/Dockerfile", SLIM)
    found = discover(tmp_path)
    problems = {p.subject: p.message for p in found.problems}
    assert set(problems) == {"far", "deep"}
    assert "does not exist" in problems["far"]
    assert "not found" in problems["deep"]


def test_compose_services_with_the_same_build_are_planned_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  web:\n    build: ./app\n  beat:\n    build: ./app\n",
    )
    write(tmp_path, "app/Dockerfile", SLIM)
    found = discover(tmp_path)
    assert [s.name for s in found.services] == ["beat"]
    (problem,) = found.problems
    assert (problem.kind, problem.severity.label, problem.subject) == ("compose", "info", "web")
    assert "planned once as beat" in problem.message


def test_compose_override_file_is_merged_over_the_base(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", "services:\n  api:\n    build:\n      context: ./api\n")
    write(
        tmp_path,
        "docker-compose.override.yml",
        "services:\n  api:\n    build:\n      dockerfile: Dockerfile.dev\n    ports: ['9999']\n",
    )
    write(tmp_path, "api/Dockerfile", SLIM)
    write(tmp_path, "api/Dockerfile.dev", SLIM)
    found = discover(tmp_path)
    assert found.compose_files == (
        tmp_path / "docker-compose.yml",
        tmp_path / "docker-compose.override.yml",
    )
    services = by_name(found)
    assert services["api"].dockerfile == tmp_path / "api/Dockerfile.dev"
    assert services["api"].port == 9999
    # the other Dockerfile of the folder is still found by the walk, under another name
    assert services["api-2"].dockerfile == tmp_path / "api/Dockerfile"


def test_walked_names_do_not_clash_with_compose_names(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  api:\n    build: ./services/api\n")
    write(tmp_path, "services/api/Dockerfile", SLIM)
    write(tmp_path, "legacy/api/Dockerfile", SLIM)
    names = sorted(s.name for s in discover(tmp_path).services)
    assert names == ["api", "legacy-api"]


def test_compose_build_target_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  api:\n    build:\n      context: .\n      target: runtime\n",
    )
    write(tmp_path, "Dockerfile", SLIM)
    found = discover(tmp_path)
    assert kinds(found) == ["compose"]
    assert "target" in found.problems[0].message


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00garbage", "binary"),
        ("FROM python:3.11\nRUN <<EOF\necho never closed\n", "unterminated heredoc"),
        ("", "no instructions"),
        ("RUN echo no base\n", "no FROM"),
    ],
)
def test_unparsable_dockerfile_is_a_problem_not_a_crash(
    tmp_path: Path, content: str | bytes, reason: str
) -> None:
    fleet(tmp_path)
    write(tmp_path, "broken/Dockerfile", content)
    found = discover(tmp_path)
    services = by_name(found)
    assert sorted(services) == ["broken", "solo", "svc-ocr", "svc-rdf"]
    broken = services["broken"]
    assert broken.parsed is None
    assert broken.context == tmp_path / "broken"
    assert broken.code_paths == broken.requirement_files == ()
    (problem,) = found.problems
    assert (problem.kind, problem.severity.label, problem.subject) == (
        "unparsable-dockerfile",
        "error",
        "broken",
    )
    assert problem.path == tmp_path / "broken/Dockerfile"
    assert reason in problem.message


def test_no_services_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "nothing to build\n")
    found = discover(tmp_path)
    assert found.services == ()
    assert kinds(found) == ["no-services"]


def test_root_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory") as info:
        discover(tmp_path / "missing")
    assert info.value.hint
    file = write(tmp_path, "Dockerfile", SLIM)
    with pytest.raises(ConfigError):
        discover(file)


def test_copy_sources_outside_the_context_or_missing_are_not_code(tmp_path: Path) -> None:
    write(tmp_path, "svc/app.py", "")
    write(
        tmp_path,
        "svc/Dockerfile",
        SLIM + "COPY ../secret.txt /x\nCOPY missing.py /app/\nCOPY app.py *.cfg /app/\n"
        "COPY $SRC /app\nADD https://example.com/x.tgz /x\n",
    )
    write(tmp_path, "svc/setup.cfg", "")
    (svc,) = discover(tmp_path).services
    assert svc.code_paths == (tmp_path / "svc/app.py", tmp_path / "svc/setup.cfg")


def test_compose_override_keeps_the_base_files_short_form_context(tmp_path: Path) -> None:
    # `build: ./api` is `build: {context: ./api}`: an override naming only the Dockerfile
    # builds it in that context, not in the compose file's folder
    write(tmp_path, "docker-compose.yml", "services:\n  api:\n    build: ./api\n")
    write(
        tmp_path,
        "docker-compose.override.yml",
        "services:\n  api:\n    build:\n      dockerfile: Dockerfile.dev\n",
    )
    write(tmp_path, "api/Dockerfile.dev", SLIM)
    found = discover(tmp_path)
    assert [p.kind for p in found.problems] == []
    api = by_name(found)["api"]
    assert (api.dockerfile, api.context) == (tmp_path / "api/Dockerfile.dev", tmp_path / "api")
