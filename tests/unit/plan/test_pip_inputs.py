"""pip options on the RUN line and in requirement files that name repository paths (a wheel
folder, a constraints file) are carried into the generated installs, mounted from the
repository; index options are carried when the services sharing a base agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.plan.generate import generate
from jettison.plan.model import Generated, Group
from jettison.plan.pip_inputs import PipInput
from jettison.plan.replay import analyse, rewrite_problems
from unit.plan.test_generate import Case, discovery, pin, plan, service, split, write_tree

WHEEL = "wheels/acme_health-0.1.0-py3-none-any.whl"
REQUIREMENTS = "requirements.txt"


def _repo(tmp_path: Path, dockerfiles: dict[str, str], requirements: str = "") -> Case:
    files = {
        "requirements.txt": requirements or "acme-health==0.1.0\nfastapi==0.110.0\n",
        "constraints.txt": "idna==3.7\n",
        WHEEL: "not a real wheel",
        ".dockerignore": "**/__pycache__\n",
        **{f"{name}/Dockerfile": text for name, text in dockerfiles.items()},
        **{f"{name}/main.py": "import fastapi\n" for name in dockerfiles},
    }
    write_tree(tmp_path, files)
    services = [
        service(
            tmp_path, name, f"{name}/Dockerfile", context=".", requirements=("requirements.txt",)
        )
        for name in dockerfiles
    ]
    base = Group(
        "base",
        (pin(tmp_path, "requirements.txt", "acme-health==0.1.0"),),
        tuple(dockerfiles),
        "",
    )
    own = (pin(tmp_path, "requirements.txt", "fastapi==0.110.0", 2),)
    return Case(
        discovery(tmp_path, *services),
        split((base,), tuple(plan(name, own=own) for name in dockerfiles)),
    )


def _generate(case: Case, tmp_path: Path) -> dict[str, str]:
    generated: Generated = generate(
        case.discovery, case.split, out_dir=tmp_path / "jettison-plan", tag_prefix="localhost/x"
    )
    assert generated.kept_original == (), rewrite_problems(case.discovery, case.split)
    return {p.as_posix(): t for p, t in zip(generated.files, generated.contents, strict=True)}


COPIED = """\
FROM localhost/python:3.11
WORKDIR /app
COPY requirements.txt constraints.txt ./
COPY wheels/ /wheels/
RUN pip install --no-cache-dir --find-links /wheels -c constraints.txt -r requirements.txt
COPY {name}/ ./
CMD ["uvicorn", "main:app"]
"""

MOUNTED = """\
FROM mirror.gcr.io/library/python:3.11
COPY requirements.txt /tmp/requirements.txt
RUN --mount=type=bind,source=wheels,target=/run/wheels \\
    pip install --find-links=file:///run/wheels -r /tmp/requirements.txt
COPY {name}/main.py /srv/
CMD ["uvicorn", "main:app"]
"""


def test_a_copied_wheel_folder_and_constraints_are_mounted_into_the_installs(
    tmp_path: Path,
) -> None:
    files = _generate(_repo(tmp_path, {"api": COPIED.format(name="api")}), tmp_path)
    base = files["bases/base/Dockerfile"]
    assert (
        "RUN --mount=type=bind,source=constraints.txt,target=/run/pip-inputs/constraints.txt \\\n"
        "    --mount=type=bind,source=wheels,target=/run/pip-inputs/wheels \\\n"
        "    pip install --no-compile --find-links /run/pip-inputs/wheels "
        "-c /run/pip-inputs/constraints.txt -r /opt/requirements/base.txt\n"
    ) in base
    assert "# jettison: plan:pip pip reads constraints.txt, wheels from the repository" in base
    assert files["bases/base/Dockerfile.dockerignore"].endswith("!constraints.txt\n!wheels\n")
    own = files["services/api/Dockerfile"]
    assert "--find-links /run/pip-inputs/wheels -c /run/pip-inputs/constraints.txt" in own
    # the copies only pip read are gone: the wheels never reach the service image
    assert "\nCOPY wheels/" not in own
    assert "\nCOPY requirements.txt constraints.txt" not in own
    assert "plan:pip drops line 4 `COPY wheels/ /wheels/`" in own
    assert files["services/api/Dockerfile.dockerignore"].endswith("!constraints.txt\n!wheels\n")


def test_a_bind_mounted_folder_and_a_file_url_are_found(tmp_path: Path) -> None:
    case = _repo(tmp_path, {"ocr": MOUNTED.format(name="ocr")})
    (replay,) = analyse(case.discovery, case.split).replays
    assert replay.pip_inputs == (PipInput("wheels", "folder"),)
    assert replay.pip_options == ("--find-links /run/pip-inputs/wheels",)
    assert replay.chain.image == "mirror.gcr.io/library/python:3.11-slim"


def test_a_find_links_line_in_the_requirements_file_is_resolved_beside_it(
    tmp_path: Path,
) -> None:
    dockerfile = (
        "FROM localhost/python:3.11\nWORKDIR /srv\nCOPY requirements.txt /tmp/\n"
        "COPY wheels /tmp/wheels\nRUN pip install -r /tmp/requirements.txt\n"
        'COPY api/ ./\nCMD ["x"]\n'
    )
    requirements = "--find-links ./wheels\n-c constraints.txt\nacme-health==0.1.0\n"
    write_tree(tmp_path, {"constraints.txt": "idna==3.7\n"})
    case = _repo(tmp_path, {"api": dockerfile}, requirements)
    # constraints.txt is not copied beside /tmp/requirements.txt: pip would not find it
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert "the constraints file /tmp/constraints.txt (-c in requirements.txt)" in problem.message
    write_tree(tmp_path, {"requirements.txt": "--find-links ./wheels\nacme-health==0.1.0\n"})
    (replay,) = analyse(case.discovery, case.split).replays
    assert replay.pip_options == ("--find-links /run/pip-inputs/wheels",)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("--index-url https://pypi.example/simple", "--index-url https://pypi.example/simple"),
        ("--no-index --find-links /wheels", "--no-index --find-links /run/pip-inputs/wheels"),
        ("--extra-index-url https://x.example/simple --trusted-host x.example", None),
    ],
)
def test_index_options_are_carried(options: str, expected: str | None, tmp_path: Path) -> None:
    dockerfile = COPIED.format(name="api").replace(
        "--find-links /wheels -c constraints.txt", options
    )
    files = _generate(_repo(tmp_path, {"api": dockerfile}), tmp_path)
    assert f"pip install --no-compile {expected or options} -r" in files["bases/base/Dockerfile"]


def test_services_that_disagree_on_the_index_do_not_share_a_base(tmp_path: Path) -> None:
    private = COPIED.replace("--find-links /wheels", "--index-url https://pypi.example/simple")
    case = _repo(
        tmp_path,
        {
            "a": COPIED.format(name="a"),
            "b": COPIED.format(name="b"),
            "c": private.format(name="c"),
        },
    )
    analysis = analyse(case.discovery, case.split)
    assert [r.service.name for r in analysis.replays] == ["a", "b"]
    assert [s.name for s in analysis.kept] == ["c"]
    (problem,) = analysis.problems
    assert problem.message.startswith(
        "its requirements come from https://pypi.example/simple, and the other services on "
        "the shared base localhost/python:3.11-slim install theirs from PyPI"
    )


def test_a_folder_no_copy_explains_keeps_the_original(tmp_path: Path) -> None:
    dockerfile = COPIED.format(name="api").replace("COPY wheels/ /wheels/\n", "")
    case = _repo(tmp_path, {"api": dockerfile})
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert problem.line == 4
    assert problem.message.startswith(
        "pip reads the wheel folder /wheels (--find-links), which no COPY or "
        "RUN --mount=type=bind of the repository explains"
    )


def test_a_file_url_urllib_refuses_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """``file://[x`` (an unclosed IPv6 host) made urlsplit raise ValueError out of plan; it
    is read as the path it spells, which no COPY explains."""
    dockerfile = MOUNTED.format(name="ocr").replace("file:///run/wheels", "file://[run/wheels")
    case = _repo(tmp_path, {"ocr": dockerfile})
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert "file://[run/wheels" in problem.message
