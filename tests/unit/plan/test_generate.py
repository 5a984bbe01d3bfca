"""generate: the files of a plan, compared with golden copies; write: what it refuses.

Each golden case is a small repository written here (Dockerfiles, requirement files), with
its Discovery and Split built by hand (discovery and split have their own tests), so these
tests depend only on generate. The expected files are under golden/<case>/, mirroring the
plan's folder, plus ``build-order.txt`` and ``problems.txt``. Regenerate them with
JETTISON_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from jettison.dockerfile.images import runtime_base
from jettison.dockerfile.parser import parse_dockerfile
from jettison.errors import ConfigError
from jettison.notices import Notice
from jettison.plan.generate import generate
from jettison.plan.model import (
    Discovery,
    Dropped,
    Generated,
    Group,
    Pin,
    Service,
    ServicePlan,
    Split,
)
from jettison.plan.replay import rewrite_problems
from support.files import write_file
from support.seeds import seed_dockerfile

GOLDEN = Path(__file__).parent / "golden"
PREFIX = "localhost/fleet"


# -- building repositories, discoveries and splits by hand -----------------------------------


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        write_file(root / relative, text)


def service(
    root: Path,
    name: str,
    dockerfile: str,
    *,
    context: str | None = None,
    requirements: tuple[str, ...] = (),
    port: int | None = None,
    health_path: str | None = None,
) -> Service:
    path = root / dockerfile
    parsed = parse_dockerfile(path)
    base = runtime_base(parsed)
    return Service(
        name=name,
        dockerfile=path,
        context=root / context if context is not None else path.parent,
        parsed=parsed,
        requirement_files=tuple(root / r for r in requirements),
        code_paths=(),
        shared_paths=(),
        base_image=base.ref.text if base else None,
        port=port,
        health_path=health_path,
    )


def pin(root: Path, source: str, line: str, lineno: int = 1) -> Pin:
    name = re.split(r"[<>=!~\[ ;@]", line, maxsplit=1)[0].lower().replace("_", "-")
    return Pin(name=name, line=line, source=root / source, lineno=lineno)


def plan(
    name: str,
    group: str = "base",
    own: tuple[Pin, ...] = (),
    needed: tuple[str, ...] = (),
) -> ServicePlan:
    return ServicePlan(
        service=name,
        base_group=group,
        own=own,
        needed=frozenset(needed) | {p.name for p in own},
        dropped=(),
        unused_shared=(),
    )


@dataclass(frozen=True)
class Case:
    discovery: Discovery
    split: Split


def discovery(root: Path, *services: Service) -> Discovery:
    return Discovery(
        root=root,
        services=tuple(sorted(services, key=lambda s: s.name)),
        shared_paths=(),
        compose_files=(),
        problems=(),
    )


def split(
    groups: tuple[Group, ...],
    plans: tuple[ServicePlan, ...],
    dev: tuple[tuple[Pin, Dropped], ...] = (),
    options: tuple[str, ...] = (),
) -> Split:
    return Split(groups=groups, services=plans, dev=dev, options=options, problems=())


# -- the cases ------------------------------------------------------------------------------

API_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /srv
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY app/ ./app/
COPY ["main.py", "./"]
EXPOSE 8000
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
"""

WEB_DOCKERFILE = """\
FROM python:3.11
WORKDIR /web
COPY libs/ ./libs/
COPY services/web/requirements.txt /tmp/requirements.txt
RUN pip install --upgrade pip
RUN pip install -r /tmp/requirements.txt
COPY services/web/ ./services/web/
EXPOSE 8080
CMD gunicorn -b 0.0.0.0:8080 services.web.app:app
"""

WORKER_DOCKERFILE = """\
FROM python:3.11-slim
ENV HF_HOME=/models
WORKDIR /worker
COPY requirements.txt .
RUN pip install --no-cache-dir \\
    --extra-index-url https://download.pytorch.org/whl/cpu \\
    -r requirements.txt
COPY worker.py .
USER nobody
CMD ["python", "worker.py"]
"""


def three_services(root: Path) -> Case:
    """Two web services on base (one built from the root, one from its folder, with its own
    .dockerignore) and an embedding worker on the ml group."""
    write_tree(
        root,
        {
            "services/api/Dockerfile": API_DOCKERFILE,
            "services/api/requirements.txt": "fastapi==0.111.0\nuvicorn==0.30.1\nhttpx==0.27.0\n",
            "services/api/.dockerignore": "# local state\n.venv\n**/__pycache__\n!keep.env\n",
            "services/api/app/main.py": "import fastapi\n",
            "services/api/main.py": "",
            "services/web/Dockerfile": WEB_DOCKERFILE,
            "services/web/requirements.txt": "flask==3.0.3\ngunicorn==22.0.0\nhttpx==0.27.0\n",
            "services/web/app.py": "import flask\n",
            "services/worker/Dockerfile": WORKER_DOCKERFILE,
            "services/worker/requirements.txt": (
                "sentence-transformers==3.0.1\ntorch==2.3.1\nhttpx==0.27.0\npytest==8.2.0\n"
            ),
            "services/worker/worker.py": "import sentence_transformers\n",
            "libs/common.py": "",
        },
    )
    api = service(
        root,
        "api",
        "services/api/Dockerfile",
        requirements=("services/api/requirements.txt",),
        port=8000,
        health_path="/healthz",
    )
    web = service(
        root,
        "web",
        "services/web/Dockerfile",
        context=".",
        requirements=("services/web/requirements.txt",),
        port=8080,
    )
    worker = service(
        root,
        "worker",
        "services/worker/Dockerfile",
        requirements=("services/worker/requirements.txt",),
    )
    httpx = pin(root, "services/api/requirements.txt", "httpx==0.27.0", 3)
    base = Group("base", (httpx,), ("api", "web"), "needed by 3 of 3 services")
    ml = Group(
        "ml",
        (
            pin(root, "services/worker/requirements.txt", "sentence-transformers==3.0.1"),
            pin(root, "services/worker/requirements.txt", "torch==2.3.1", 2),
        ),
        ("worker",),
        "ml family: imported by worker",
    )
    plans = (
        plan(
            "api",
            own=(
                pin(root, "services/api/requirements.txt", "fastapi==0.111.0"),
                pin(root, "services/api/requirements.txt", "uvicorn==0.30.1", 2),
            ),
        ),
        plan(
            "web",
            own=(
                pin(root, "services/web/requirements.txt", "flask==3.0.3"),
                pin(root, "services/web/requirements.txt", "gunicorn==22.0.0", 2),
            ),
        ),
        plan("worker", group="ml", needed=("sentence-transformers", "torch", "httpx")),
    )
    dev = (
        (
            pin(root, "services/worker/requirements.txt", "pytest==8.2.0", 4),
            Dropped("pytest", "dev", "test runner, not imported by the shipped code"),
        ),
    )
    return Case(discovery(root, api, web, worker), split((base, ml), plans, dev))


def multistage(root: Path) -> Case:
    """The seed's Dockerfile template: a builder venv copied into a production stage."""
    write_tree(
        root,
        {
            "apps/svc_ingestion/Dockerfile": seed_dockerfile("svc_ingestion"),
            "apps/svc_ingestion/requirements.txt": "python-multipart==0.0.9\n",
            "apps/svc_ingestion/main.py": "import fastapi\n",
            "libs/requirements-base.txt": "fastapi==0.111.0\nuvicorn[standard]==0.30.1\n",
            "libs/__init__.py": "",
        },
    )
    svc = service(
        root,
        "svc-ingestion",
        "apps/svc_ingestion/Dockerfile",
        context=".",
        requirements=("libs/requirements-base.txt", "apps/svc_ingestion/requirements.txt"),
        port=8000,
        health_path="/healthz",
    )
    base = Group(
        "base",
        (
            pin(root, "libs/requirements-base.txt", "fastapi==0.111.0"),
            pin(root, "libs/requirements-base.txt", "uvicorn[standard]==0.30.1", 2),
        ),
        ("svc-ingestion",),
        "all the needs of the only service",
    )
    own = (pin(root, "apps/svc_ingestion/requirements.txt", "python-multipart==0.0.9"),)
    return Case(discovery(root, svc), split((base,), (plan("svc-ingestion", own=own),)))


OCR_DOCKERFILE = """\
FROM python:3.11
RUN apt-get update && apt-get install -y tesseract-ocr libpq-dev build-essential \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN curl -fsSL -o /app/eng.traineddata https://example.org/tessdata/eng.traineddata
COPY ocr/ ./ocr/
EXPOSE 9000
CMD ["uvicorn", "ocr.main:app", "--host", "0.0.0.0", "--port", "9000"]
"""


def apt_packages(root: Path) -> Case:
    """apt packages: a runtime one kept, a -dev one mapped to its library, build tools only
    while pip builds psycopg2; curl installed because a RUN calls it (python:3.11 had it)."""
    write_tree(
        root,
        {
            "ocr/Dockerfile": OCR_DOCKERFILE,
            "ocr/requirements.txt": "fastapi==0.111.0\nuvicorn==0.30.1\npsycopg2==2.9.9\n",
            "ocr/ocr/main.py": "import psycopg2\n",
        },
    )
    ocr = service(root, "ocr", "ocr/Dockerfile", requirements=("ocr/requirements.txt",), port=9000)
    req = "ocr/requirements.txt"
    base = Group(
        "base",
        (pin(root, req, "fastapi==0.111.0"), pin(root, req, "uvicorn==0.30.1", 2)),
        ("ocr",),
        "all the needs of the only service",
    )
    own = (pin(root, req, "psycopg2==2.9.9", 3),)
    return Case(discovery(root, ocr), split((base,), (plan("ocr", own=own),)))


NLP_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt && python -m spacy download en_core_web_sm
COPY . .
CMD ["python", "nlp.py"]
"""

SIMPLE_DOCKERFILE = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "main.py"]
"""


def kept_original(root: Path) -> Case:
    """A RUN mixing pip with another command: that service keeps its Dockerfile."""
    write_tree(
        root,
        {
            "nlp/Dockerfile": NLP_DOCKERFILE,
            "nlp/requirements.txt": "spacy==3.7.5\nhttpx==0.27.0\n",
            "nlp/nlp.py": "import spacy\n",
            "gateway/Dockerfile": SIMPLE_DOCKERFILE,
            "gateway/requirements.txt": "httpx==0.27.0\n",
            "gateway/main.py": "import httpx\n",
        },
    )
    nlp = service(root, "nlp", "nlp/Dockerfile", requirements=("nlp/requirements.txt",))
    gateway = service(
        root, "gateway", "gateway/Dockerfile", requirements=("gateway/requirements.txt",)
    )
    base = Group(
        "base", (pin(root, "gateway/requirements.txt", "httpx==0.27.0"),), ("gateway",), "shared"
    )
    nlp_group = Group(
        "nlp", (pin(root, "nlp/requirements.txt", "spacy==3.7.5"),), ("nlp",), "nlp family"
    )
    plans = (plan("gateway"), plan("nlp", group="nlp"))
    return Case(discovery(root, nlp, gateway), split((base, nlp_group), plans))


GPU_DOCKERFILE = """\
FROM nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y python3 python3-pip python3-dev \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip3 install --no-cache-dir -r requirements.txt
COPY serve.py .
EXPOSE 8500
CMD ["python3", "serve.py"]
"""


def gpu(root: Path) -> Case:
    """A CUDA service gets its own chain on the -runtime image; the CPU one stays on base."""
    write_tree(
        root,
        {
            "embedder/Dockerfile": GPU_DOCKERFILE,
            "embedder/requirements.txt": "torch==2.3.1\nfastapi==0.111.0\n",
            "embedder/serve.py": "import torch\n",
            "search/Dockerfile": SIMPLE_DOCKERFILE,
            "search/requirements.txt": "fastapi==0.111.0\n",
            "search/main.py": "import fastapi\n",
        },
    )
    embedder = service(
        root,
        "embedder",
        "embedder/Dockerfile",
        requirements=("embedder/requirements.txt",),
        port=8500,
        health_path="/health",
    )
    search = service(root, "search", "search/Dockerfile", requirements=("search/requirements.txt",))
    base = Group(
        "base",
        (pin(root, "search/requirements.txt", "fastapi==0.111.0"),),
        ("search",),
        "needed by 2 of 2 services",
    )
    ml = Group("ml", (pin(root, "embedder/requirements.txt", "torch==2.3.1"),), ("embedder",), "ml")
    plans = (plan("embedder", group="ml"), plan("search"))
    return Case(discovery(root, embedder, search), split((base, ml), plans))


CASES: dict[str, Callable[[Path], Case]] = {
    "three_services": three_services,
    "multistage": multistage,
    "apt_packages": apt_packages,
    "kept_original": kept_original,
    "gpu": gpu,
}


# -- golden comparison -----------------------------------------------------------------------


def render_order(generated: Generated, root: Path) -> str:
    lines = []
    for step in generated.build_order:
        lines.append(
            f"{step.tag}  -f {step.dockerfile.relative_to(root)}  "
            f"{step.context.relative_to(root) if step.context != root else '.'}  "
            f"service={step.service} group={step.group}"
        )
    lines.append(f"kept_original: {', '.join(generated.kept_original) or '-'}")
    return "\n".join(lines) + "\n"


def render_problems(problems: tuple[Notice, ...], root: Path) -> str:
    lines = [
        f"{p.kind} {p.severity.label} {p.subject} "
        f"{p.path.relative_to(root) if p.path else '-'}:{p.line}: {p.message}"
        for p in problems
    ]
    return "\n".join(lines).replace(str(root), "<root>") + ("\n" if lines else "")


def produce(case: str, root: Path) -> tuple[Case, Generated, dict[str, str]]:
    built = CASES[case](root)
    generated = generate(
        built.discovery, built.split, out_dir=root / "jettison-plan", tag_prefix=PREFIX
    )
    files = {p.as_posix(): t for p, t in zip(generated.files, generated.contents, strict=True)}
    files["build-order.txt"] = render_order(generated, root)
    files["problems.txt"] = render_problems(rewrite_problems(built.discovery, built.split), root)
    return built, generated, files


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, tmp_path: Path) -> None:
    _, _, files = produce(case, tmp_path)
    expected_dir = GOLDEN / case
    if os.environ.get("JETTISON_UPDATE_GOLDEN"):
        for old in expected_dir.rglob("*") if expected_dir.exists() else ():
            if old.is_file():
                old.unlink()
        write_tree(expected_dir, files)
    expected = {
        p.relative_to(expected_dir).as_posix(): p.read_text(encoding="utf-8")
        for p in expected_dir.rglob("*")
        if p.is_file()
    }
    assert sorted(files) == sorted(expected)
    for name, text in files.items():
        assert text == expected[name], name


def test_generate_is_deterministic(tmp_path: Path) -> None:
    _, first, _ = produce("three_services", tmp_path / "a")
    built = three_services(tmp_path / "a")
    again = generate(
        built.discovery, built.split, out_dir=tmp_path / "a" / "jettison-plan", tag_prefix=PREFIX
    )
    assert again == first


# -- what the goldens must show, checked independently of their text --------------------------


def dockerfiles(generated: Generated) -> dict[str, str]:
    return {
        p.as_posix(): t
        for p, t in zip(generated.files, generated.contents, strict=True)
        if p.name == "Dockerfile"
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_build_order_bases_before_services_parents_before_children(
    case: str, tmp_path: Path
) -> None:
    _, generated, _ = produce(case, tmp_path)
    order = [s.tag for s in generated.build_order]
    assert len(set(order)) == len(order)
    kinds = [s.service is None for s in generated.build_order]
    assert kinds == sorted(kinds, reverse=True)  # every base before every service
    out_dir = tmp_path / "jettison-plan"
    for index, step in enumerate(generated.build_order):
        if not step.dockerfile.is_relative_to(out_dir):
            assert step.service in generated.kept_original
            continue
        text = dockerfiles(generated)[step.dockerfile.relative_to(out_dir).as_posix()]
        (parent,) = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
        if parent.startswith(PREFIX):
            assert parent in order[:index], f"{step.tag} is built before its base {parent}"
    script = dict(zip(generated.files, generated.contents, strict=True))[Path("build.sh")]
    built = re.findall(r" -t (\S+) ", script)
    assert built == order


def test_gpu_service_stays_out_of_the_cpu_chain(tmp_path: Path) -> None:
    _, generated, _ = produce("gpu", tmp_path)
    steps = {s.tag: s for s in generated.build_order}
    assert f"{PREFIX}/base:plan" in steps  # the CPU service's base
    assert f"{PREFIX}/base-ml:plan" not in steps  # only the GPU service needs ml
    files = dockerfiles(generated)
    assert files["bases/gpu/Dockerfile"].count("FROM nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04")
    assert f"FROM {PREFIX}/base-gpu:plan" in files["bases/gpu-ml/Dockerfile"]
    assert f"FROM {PREFIX}/base-gpu-ml:plan" in files["services/embedder/Dockerfile"]
    assert f"FROM {PREFIX}/base:plan" in files["services/search/Dockerfile"]
    assert "devel" not in "".join(
        line for t in files.values() for line in t.splitlines() if line.startswith("FROM")
    )


def test_pytorch_base_keeps_its_torch(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "t/Dockerfile": (
                "FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-devel\nCOPY requirements.txt .\n"
                'RUN pip install -r requirements.txt\nCOPY t.py .\nCMD ["python", "t.py"]\n'
            ),
            "t/requirements.txt": "numpy==1.26.4\n",
        },
    )
    svc = service(tmp_path, "t", "t/Dockerfile", requirements=("t/requirements.txt",))
    base = Group("base", (pin(tmp_path, "t/requirements.txt", "numpy==1.26.4"),), ("t",), "")
    generated = generate(
        discovery(tmp_path, svc),
        split((base,), (plan("t"),)),
        out_dir=tmp_path / "jettison-plan",
        tag_prefix=PREFIX,
    )
    text = dockerfiles(generated)["bases/gpu/Dockerfile"]
    assert "FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime\n" in text
    assert "/opt/conda/bin/python -m venv --system-site-packages /opt/venv" in text


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        ("RUN pip install -r requirements.txt && python -m spacy download en", "mixes pip"),
        ("RUN pip install -c constraints.txt -r requirements.txt", "constraints file"),
        ("RUN pip install -f /opt/wheels -r requirements.txt", "the wheel folder /opt/wheels"),
        (
            "RUN pip install -r requirements.txt && pip install --no-index -r requirements.txt",
            "different indexes",
        ),
        ("RUN pip install -r other-requirements.txt", "did not read"),
        ("RUN pip install -r requirements.txt gunicorn", "names requirement files and packages"),
        ("RUN useradd --uid 10001 svc", "already has"),
        ("RUN echo hi; apt-get install -y curl", "cannot split"),
        ("RUN apt-get install -y ca-certificates || true", "cannot split"),
        ("RUN add-apt-repository ppa:deadsnakes/ppa", "sets up an apt source"),
        ("RUN echo 'deb http://x/ y main' > /etc/apt/sources.list.d/x.list", "apt source"),
    ],
)
def test_unsupported_runs_keep_the_original(run: str, reason: str, tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "s/Dockerfile": f'FROM python:3.11-slim\nCOPY requirements.txt .\n{run}\nCMD ["x"]\n',
            "s/requirements.txt": "httpx==0.27.0\n",
        },
    )
    svc = service(tmp_path, "s", "s/Dockerfile", requirements=("s/requirements.txt",))
    case = Case(
        discovery(tmp_path, svc),
        split((Group("base", (), ("s",), ""),), (plan("s"),)),
    )
    generated = generate(
        case.discovery, case.split, out_dir=tmp_path / "jettison-plan", tag_prefix=PREFIX
    )
    assert generated.kept_original == ("s",)
    assert [s.dockerfile for s in generated.build_order] == [svc.dockerfile]
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert problem.kind == "unsupported-dockerfile"
    assert problem.line == 3
    assert reason in problem.message


def test_copy_from_a_non_python_stage_keeps_the_original(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "s/Dockerfile": (
                "FROM node:20 AS ui\nRUN npm ci && npm run build\n"
                'FROM python:3.11-slim\nCOPY --from=ui /app/dist ./static\nCMD ["x"]\n'
            ),
        },
    )
    svc = service(tmp_path, "s", "s/Dockerfile")
    case = Case(discovery(tmp_path, svc), split((Group("base", (), ("s",), ""),), (plan("s"),)))
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert "not a Python environment" in problem.message
    assert problem.line == 4


def test_copy_of_a_shared_root_context_keeps_the_original(tmp_path: Path) -> None:
    write_tree(tmp_path, {"s/Dockerfile": 'FROM python:3.11-slim\nCOPY . /app\nCMD ["x"]\n'})
    svc = service(tmp_path, "s", "s/Dockerfile", context=".")
    case = Case(discovery(tmp_path, svc), split((Group("base", (), ("s",), ""),), (plan("s"),)))
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert "not the service's own folder" in problem.message


def test_unparsable_services_are_left_to_discovery(tmp_path: Path) -> None:
    built = three_services(tmp_path)
    broken = replace(built.discovery.services[0], parsed=None)
    found = replace(built.discovery, services=(broken, *built.discovery.services[1:]))
    generated = generate(found, built.split, out_dir=tmp_path / "jettison-plan", tag_prefix=PREFIX)
    assert broken.name not in {s.service for s in generated.build_order}
    assert rewrite_problems(found, built.split) == ()


def test_python_version_other_than_the_base_keeps_the_original(tmp_path: Path) -> None:
    built = three_services(tmp_path)
    (tmp_path / "services/worker/Dockerfile").write_text(
        WORKER_DOCKERFILE.replace("python:3.11-slim", "python:3.10-slim")
    )
    worker = service(
        tmp_path,
        "worker",
        "services/worker/Dockerfile",
        requirements=("services/worker/requirements.txt",),
    )
    found = replace(built.discovery, services=(*built.discovery.services[:2], worker))
    generated = generate(found, built.split, out_dir=tmp_path / "jettison-plan", tag_prefix=PREFIX)
    assert generated.kept_original == ("worker",)
    assert f"{PREFIX}/base-ml:plan" not in {s.tag for s in generated.build_order}
    (problem,) = rewrite_problems(found, built.split)
    assert "python:3.10-slim" in problem.message


def test_out_dir_outside_the_root_is_refused(tmp_path: Path) -> None:
    built = three_services(tmp_path / "repo")
    for out_dir in (tmp_path / "elsewhere", tmp_path / "repo"):
        with pytest.raises(ConfigError) as caught:
            generate(built.discovery, built.split, out_dir=out_dir, tag_prefix=PREFIX)
        assert caught.value.hint


# -- write -------------------------------------------------------------------------------------


def generated_for(root: Path, out: str = "jettison-plan") -> Generated:
    built = three_services(root)
    return generate(built.discovery, built.split, out_dir=root / out, tag_prefix=PREFIX)


def test_a_command_that_runs_the_builders_venv_keeps_the_original(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "s/Dockerfile": (
                "FROM python:3.11 AS build\nRUN python -m venv /venv\n"
                "COPY requirements.txt .\nRUN /venv/bin/pip install -r requirements.txt\n"
                "FROM python:3.11-slim\nCOPY --from=build /venv /venv\nCOPY app.py .\n"
                'CMD ["/venv/bin/python", "app.py"]\n'
            ),
            "s/requirements.txt": "httpx==0.27.0\n",
        },
    )
    svc = service(tmp_path, "s", "s/Dockerfile", requirements=("s/requirements.txt",))
    case = Case(discovery(tmp_path, svc), split((Group("base", (), ("s",), ""),), (plan("s"),)))
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert "CMD uses /venv" in problem.message
    assert problem.line == 8
    # the same Dockerfile running `python` from PATH is replayed, the venv copy dropped
    dockerfile = tmp_path / "s/Dockerfile"
    dockerfile.write_text(dockerfile.read_text().replace("/venv/bin/python", "python"))
    svc = service(tmp_path, "s", "s/Dockerfile", requirements=("s/requirements.txt",))
    case = Case(discovery(tmp_path, svc), split((Group("base", (), ("s",), ""),), (plan("s"),)))
    assert rewrite_problems(case.discovery, case.split) == ()
    generated = generate(
        case.discovery, case.split, out_dir=tmp_path / "jettison-plan", tag_prefix=PREFIX
    )
    text = dockerfiles(generated)["services/s/Dockerfile"]
    assert "COPY --from" not in text.replace("# jettison: plan:venv drops line 6 `COPY --from", "")
    assert "plan:venv" in text


@pytest.mark.parametrize(
    ("env", "kept"),
    [
        ("ENV VIRTUAL_ENV='/opt/env'", False),  # quoted: still the builder's environment
        ('ENV VIRTUAL_ENV=""', True),  # empty: names no folder, let alone every one
    ],
)
def test_virtual_env_of_a_builder_stage_is_read_like_any_env(
    env: str, kept: bool, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "s/Dockerfile": (
                f"FROM python:3.11 AS build\n{env}\nCOPY requirements.txt .\n"
                "RUN pip install -r requirements.txt\n"
                "FROM python:3.11-slim\nCOPY --from=build /opt/env /opt/env\nCOPY app.py .\n"
                'CMD ["python", "app.py"]\n'
            ),
            "s/requirements.txt": "httpx==0.27.0\n",
        },
    )
    svc = service(tmp_path, "s", "s/Dockerfile", requirements=("s/requirements.txt",))
    case = Case(discovery(tmp_path, svc), split((Group("base", (), ("s",), ""),), (plan("s"),)))
    problems = rewrite_problems(case.discovery, case.split)
    if kept:
        (problem,) = problems
        assert "not a Python environment" in problem.message
        assert problem.line == 6
    else:
        assert problems == ()


def one_service(
    tmp_path: Path,
    dockerfile: str,
    *,
    name: str = "s",
    port: int | None = None,
    groups: tuple[Group, ...] = (),
    options: tuple[str, ...] = (),
    own: tuple[str, ...] = (),
) -> tuple[Case, Generated]:
    write_tree(
        tmp_path,
        {"s/Dockerfile": dockerfile, "s/requirements.txt": "httpx==0.27.0\n", "s/app.py": ""},
    )
    svc = service(tmp_path, name, "s/Dockerfile", requirements=("s/requirements.txt",), port=port)
    pins = tuple(pin(tmp_path, "s/requirements.txt", line) for line in own)
    case = Case(
        discovery(tmp_path, svc),
        split(groups or (Group("base", (), (name,), ""),), (plan(name, own=pins),), (), options),
    )
    generated = generate(
        case.discovery, case.split, out_dir=tmp_path / "jettison-plan", tag_prefix=PREFIX
    )
    return case, generated


def test_pip_commands_that_install_named_packages_stay(tmp_path: Path) -> None:
    _, generated = one_service(
        tmp_path,
        "FROM python:3.11-slim\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt && pip install 'gunicorn==22.0.0'\n"
        'CMD ["gunicorn", "app:app"]\n',
        own=("httpx==0.27.0",),
    )
    assert generated.kept_original == ()
    text = dockerfiles(generated)["services/s/Dockerfile"]
    assert "RUN pip install --no-compile -r /opt/requirements/services/s.txt\n" in text
    assert "RUN pip install 'gunicorn==22.0.0'\n" in text
    assert text.index("-r /opt/requirements/services/s.txt") < text.index("gunicorn==22.0.0")


def test_pip_install_user_keeps_the_original(tmp_path: Path) -> None:
    case, generated = one_service(
        tmp_path, 'FROM python:3.11-slim\nRUN pip install --user gunicorn\nCMD ["gunicorn"]\n'
    )
    assert generated.kept_original == ("s",)
    (problem,) = rewrite_problems(case.discovery, case.split)
    assert "--user" in problem.message


def test_a_curl_health_check_keeps_its_url(tmp_path: Path) -> None:
    _, generated = one_service(
        tmp_path,
        "FROM python:3.11\nRUN apt-get update && apt-get install -y curl\n"
        "HEALTHCHECK --interval=10s CMD curl -fsS http://localhost:9000/ready || exit 1\n"
        'CMD ["python", "app.py"]\n',
        port=8000,
    )
    text = dockerfiles(generated)["services/s/Dockerfile"]
    assert (
        'HEALTHCHECK --interval=10s CMD ["python", "-c", "import urllib.request; '
        "urllib.request.urlopen('http://127.0.0.1:9000/ready', timeout=4)\"]\n"
    ) in text
    assert "curl" not in "".join(line for line in text.splitlines() if line.startswith("RUN"))
    assert "JT605 curl not installed" in text


def test_service_names_become_safe_and_distinct_paths(tmp_path: Path) -> None:
    _, generated = one_service(
        tmp_path,
        "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        name="Svc OCR",
        own=("httpx==0.27.0",),
    )
    paths = {p.as_posix() for p in generated.files}
    (folder,) = {p.split("/")[1] for p in paths if p.startswith("services/")}
    assert re.fullmatch(r"svc-ocr-[0-9a-f]{6}", folder)
    assert f"requirements/services/{folder}.txt" in paths
    assert generated.build_order[-1].tag == f"{PREFIX}/{folder}:plan"


def test_out_dir_that_climbs_out_of_the_root_is_refused(tmp_path: Path) -> None:
    built = three_services(tmp_path / "repo")
    with pytest.raises(ConfigError):
        generate(
            built.discovery,
            built.split,
            out_dir=tmp_path / "repo" / "a" / ".." / ".." / "elsewhere",
            tag_prefix=PREFIX,
        )


def test_requirement_files_carry_options_and_hash_continuations(tmp_path: Path) -> None:
    hashed = Pin(
        name="httpx",
        line="httpx==0.27.0 \\\n--hash=sha256:aaaa",
        source=tmp_path / "s/requirements.txt",
        lineno=1,
    )
    _, generated = one_service(
        tmp_path,
        'FROM python:3.11-slim\nCMD ["python", "app.py"]\n',
        groups=(Group("base", (hashed,), ("s",), ""),),
        options=("--extra-index-url https://wheels.example/simple",),
    )
    files = dict(zip(generated.files, generated.contents, strict=True))
    base = files[Path("requirements/base.txt")].splitlines()
    assert base[-3:] == [
        "--extra-index-url https://wheels.example/simple",
        "httpx==0.27.0 \\",
        "    --hash=sha256:aaaa",
    ]
    assert "--extra-index-url" not in files[Path("requirements/dev.txt")]


def test_two_cuda_images_get_two_gpu_chains(tmp_path: Path) -> None:
    dockerfile = (
        "FROM {image}\nRUN apt-get update && apt-get install -y python3-pip\n"
        "COPY requirements.txt .\nRUN pip3 install -r requirements.txt\n"
        'CMD ["python3", "app.py"]\n'
    )
    write_tree(
        tmp_path,
        {
            "a/Dockerfile": dockerfile.format(image="nvidia/cuda:12.1.1-devel-ubuntu22.04"),
            "a/requirements.txt": "torch==2.3.1\n",
            "b/Dockerfile": dockerfile.format(image="nvidia/cuda:11.8.0-runtime-ubuntu22.04"),
            "b/requirements.txt": "torch==2.3.1\n",
        },
    )
    services = [
        service(tmp_path, n, f"{n}/Dockerfile", requirements=(f"{n}/requirements.txt",))
        for n in ("a", "b")
    ]
    base = Group("base", (pin(tmp_path, "a/requirements.txt", "torch==2.3.1"),), ("a", "b"), "")
    generated = generate(
        discovery(tmp_path, *services),
        split((base,), (plan("a"), plan("b"))),
        out_dir=tmp_path / "jettison-plan",
        tag_prefix=PREFIX,
    )
    files = dockerfiles(generated)
    assert "FROM nvidia/cuda:11.8.0-runtime-ubuntu22.04\n" in files["bases/gpu/Dockerfile"]
    assert "FROM nvidia/cuda:12.1.1-runtime-ubuntu22.04\n" in files["bases/gpu2/Dockerfile"]
    assert f"FROM {PREFIX}/base-gpu2:plan" in files["services/a/Dockerfile"]
    assert f"FROM {PREFIX}/base-gpu:plan" in files["services/b/Dockerfile"]
    assert "bases/base/Dockerfile" not in files  # no CPU service, no CPU base
