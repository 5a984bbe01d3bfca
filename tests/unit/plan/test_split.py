"""The requirements split on synthetic fleets (issue 5): services, import sets and requirement
files are built here directly, dependency metadata comes from a static table, no discovery,
no import scan, no network.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.errors import ConfigError
from jettison.plan.model import Discovery, Pin, Service, ServiceImports, ServicePlan, Split
from jettison.plan.requires import Requires, static_requires
from jettison.plan.split import split
from support.files import write

DEPENDENCIES: dict[str, set[str]] = {
    # web
    "fastapi": {"starlette", "pydantic"},
    "starlette": {"anyio"},
    "anyio": {"idna", "sniffio"},
    "pydantic": {"pydantic-core", "typing-extensions", "annotated-types"},
    "pydantic-core": {"typing-extensions"},
    "uvicorn": {"click", "h11"},
    "httpx": {"anyio", "certifi", "httpcore", "idna"},
    "httpcore": {"certifi", "h11"},
    "sqlalchemy": {"greenlet", "typing-extensions"},
    "structlog": set(),
    "nats-py": set(),
    "redis": set(),
    "requests": {"certifi", "idna", "urllib3", "charset-normalizer"},
    # ml
    "sentence-transformers": {
        "transformers",
        "torch",
        "numpy",
        "scikit-learn",
        "scipy",
        "huggingface-hub",
        "tqdm",
        "pillow",
    },
    "transformers": {
        "huggingface-hub",
        "tokenizers",
        "safetensors",
        "numpy",
        "regex",
        "requests",
        "tqdm",
        "pyyaml",
        "filelock",
    },
    "tokenizers": {"huggingface-hub"},
    "huggingface-hub": {"filelock", "fsspec", "requests", "tqdm", "pyyaml"},
    "torch": {"filelock", "sympy", "networkx", "jinja2", "fsspec", "nvidia-cublas-cu12"},
    "accelerate": {"torch", "numpy", "huggingface-hub", "safetensors", "pyyaml"},
    "scikit-learn": {"numpy", "scipy", "joblib", "threadpoolctl"},
    "scipy": {"numpy"},
    "numpy": set(),
    # nlp
    "spacy": {"thinc", "numpy", "requests", "tqdm", "pydantic", "jinja2"},
    "thinc": {"blis", "numpy"},
    "nltk": {"click", "joblib", "regex", "tqdm"},
    # pdf, rdf
    "pdfplumber": {"pdfminer-six", "pillow", "pypdfium2"},
    "pdfminer-six": {"charset-normalizer", "cryptography"},
    "pypdf": set(),
    "rdflib": {"isodate", "pyparsing"},
    "pyshacl": {"rdflib", "owlrl"},
    "owlrl": {"rdflib"},
    # dev
    "pytest": {"pluggy", "iniconfig"},
    "black": {"click"},
}


@dataclass
class Fleet:
    """A repository under ``root`` whose services are built from the root (the seed's way)."""

    root: Path
    services: list[Service] = field(default_factory=list)
    imports: list[ServiceImports] = field(default_factory=list)

    def write(self, relative: str, text: str) -> Path:
        return write(self.root, relative, text)

    def add(
        self,
        name: str,
        requirements: Sequence[str] = ("libs/requirements.txt",),
        modules: Iterable[str] = (),
        *,
        via_shared: Iterable[str] = (),
        cmd: str = '["uvicorn", "app.main:app", "--port", "8000"]',
        parsed: bool = True,
    ) -> Service:
        dockerfile = self.write(
            f"apps/{name}/Dockerfile",
            f"FROM python:3.11-slim\nWORKDIR /app\nCOPY apps/{name}/ ./app/\nCMD {cmd}\n",
        )
        service = Service(
            name=name,
            dockerfile=dockerfile,
            context=self.root,
            parsed=parse_dockerfile(dockerfile) if parsed else None,
            requirement_files=tuple(self.root / r for r in requirements),
            code_paths=(self.root / "apps" / name,),
            shared_paths=(),
            base_image="python:3.11-slim",
            port=8000,
            health_path=None,
        )
        self.services.append(service)
        modules = frozenset(modules)
        self.imports.append(
            ServiceImports(name, modules | frozenset(via_shared), frozenset(via_shared), (), ())
        )
        return service

    def discovery(self) -> Discovery:
        services = tuple(sorted(self.services, key=lambda s: s.name))
        return Discovery(self.root, services, (), (), ())

    def split(
        self, table: Mapping[str, Iterable[str]] | None = None, *, share_threshold: float = 0.5
    ) -> Split:
        requires: Requires = static_requires(DEPENDENCIES if table is None else table)
        return split(self.discovery(), self.imports, requires, share_threshold=share_threshold)


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return Fleet(tmp_path)


def plan_of(result: Split, service: str) -> ServicePlan:
    return next(p for p in result.services if p.service == service)


def group_names(result: Split, group: str) -> set[str]:
    found = [g for g in result.groups if g.name == group]
    return {pin.name for pin in found[0].pins} if found else set()


def installed(result: Split, service: str) -> set[str]:
    """Everything the service's image installs: its base chain and its own layer."""
    plan = plan_of(result, service)
    chain = group_names(result, "base")
    if plan.base_group != "base":
        chain |= group_names(result, plan.base_group)
    return chain | {pin.name for pin in plan.own}


def own_names(result: Split, service: str) -> set[str]:
    return {pin.name for pin in plan_of(result, service).own}


def dev_names(result: Split) -> set[str]:
    return {pin.name for pin, _dropped in result.dev}


def kinds(result: Split) -> list[tuple[str, str | None]]:
    return [(p.kind, p.subject) for p in result.problems]


# -- the seed's fleet -------------------------------------------------------------------------

SEED_REQUIREMENTS = """\
# one shared file for every service (the seed's libs/requirements.txt)
fastapi==0.110.0
uvicorn[standard]==0.29.0
pydantic==2.6.4
starlette==0.36.3
anyio==4.3.0
httpx==0.27.0
sqlalchemy==2.0.29
structlog==24.1.0
nats-py==2.7.2
typing-extensions==4.10.0
numpy==1.26.4
scikit-learn==1.4.1
scipy==1.12.0
sentence-transformers==2.6.1
transformers==4.39.3
tokenizers==0.15.2
safetensors==0.4.2
accelerate==0.28.0
torch==2.2.2
huggingface-hub==0.22.2
spacy==3.7.4
thinc==8.2.3
nltk==3.8.1
pdfplumber==0.11.0
pdfminer.six==20231228
pypdf==4.1.0
rdflib==7.0.0
pyshacl==0.25.0
pytest==8.1.1
black==24.3.0
"""
WEB = ("fastapi", "pydantic", "httpx", "sqlalchemy", "structlog", "nats")
WEB_ONLY = (
    "svc-coverage",
    "svc-extract",
    "svc-firm-connectors",
    "svc-forms",
    "svc-hmrc",
    "svc-ingestion",
    "svc-kg",
    "svc-normalize-map",
    "svc-reason",
    "svc-rpa",
    "ui-review",
)
ML = ("svc-ocr", "svc-rag-indexer", "svc-rag-retriever")


def seed_fleet(fleet: Fleet) -> Fleet:
    fleet.write("libs/requirements.txt", SEED_REQUIREMENTS)
    extra = {
        "svc-kg": ("rdflib", "pyshacl"),
        "svc-extract": ("pdfplumber",),
        "svc-normalize-map": ("spacy", "nltk"),
        "svc-reason": ("spacy", "nltk"),
        "svc-ocr": ("transformers", "torch", "pypdf"),
        "svc-rag-indexer": ("sentence_transformers",),
        "svc-rag-retriever": ("sentence_transformers",),
    }
    for name in (*WEB_ONLY, *ML):
        fleet.add(name, modules=(*WEB, *extra.get(name, ())))
    return fleet


def test_seed_fleet_shares_the_web_stack_and_gives_ml_only_to_ml_services(fleet: Fleet) -> None:
    result = seed_fleet(fleet).split()
    assert [p.service for p in result.services] == sorted((*WEB_ONLY, *ML))

    base = group_names(result, "base")
    assert {"fastapi", "uvicorn", "pydantic", "starlette", "anyio", "httpx", "sqlalchemy"} <= base
    assert {"structlog", "nats-py", "typing-extensions"} <= base
    heavy = {"torch", "transformers", "sentence-transformers", "spacy", "nltk", "pdfplumber"}
    assert not base & (heavy | {"rdflib", "pytest", "black", "numpy", "scikit-learn"})

    ml = next(g for g in result.groups if g.name == "ml")
    assert ml.services == ML
    assert {"torch", "transformers", "sentence-transformers", "tokenizers", "safetensors"} <= {
        p.name for p in ml.pins
    }
    # only ML packages require these: they follow the family (rule 3)
    assert {"numpy", "scikit-learn", "scipy", "huggingface-hub", "accelerate"} <= {
        p.name for p in ml.pins
    }
    assert [g.name for g in result.groups] == ["base", "ml", "nlp", "pdf", "rdf"]
    assert next(g for g in result.groups if g.name == "nlp").services == (
        "svc-normalize-map",
        "svc-reason",
    )
    assert next(g for g in result.groups if g.name == "rdf").services == ("svc-kg",)

    for service in WEB_ONLY:
        plan = plan_of(result, service)
        assert "torch" not in plan.needed
        assert "torch" not in installed(result, service), service
        assert not {"pytest", "black"} & installed(result, service)
        assert {d.name: d.reason for d in plan.dropped}["pytest"] == "dev"
        assert {d.name: d.reason for d in plan.dropped}["torch"] == "unused"
    for service in ML:
        assert plan_of(result, service).base_group == "ml"
        assert "torch" in installed(result, service)

    dev = {pin.name: dropped.reason for pin, dropped in result.dev}
    assert dev == {"pytest": "dev", "black": "dev"}
    assert result.options == ()
    assert not [p for p in result.problems if p.severity.label != "info"]


def test_svc_ocr_with_ml_and_pdf_installs_pdf_in_its_own_layer(fleet: Fleet) -> None:
    result = seed_fleet(fleet).split()
    ocr = plan_of(result, "svc-ocr")
    assert ocr.base_group == "ml"
    assert own_names(result, "svc-ocr") == {"pypdf"}
    # the ml group is the union of what its services need: svc-ocr pays for the rest
    assert "sentence-transformers" in ocr.unused_shared
    assert "pdf" not in {g.name for g in result.groups if "svc-ocr" in g.services}


# -- needs ---------------------------------------------------------------------------------------


def test_a_package_needed_through_a_dependency_keeps_its_pin(fleet: Fleet) -> None:
    fleet.write(
        "apps/rag/requirements.txt",
        "sentence-transformers==2.6.1\ntorch==2.2.2+cpu\ntransformers==4.39.3\nnumpy<2\nredis\n",
    )
    fleet.add("rag", ["apps/rag/requirements.txt"], ["sentence_transformers"])
    result = fleet.split()
    plan = plan_of(result, "rag")
    assert plan.needed == {"sentence-transformers", "torch", "transformers", "numpy"}
    lines = {p.line for g in result.groups for p in g.pins} | {p.line for p in plan.own}
    assert {"torch==2.2.2+cpu", "transformers==4.39.3", "numpy<2"} <= lines
    assert [(d.name, d.reason) for d in plan.dropped] == [("redis", "unused")]


def test_a_dependency_behind_an_undeclared_package_is_still_needed(fleet: Fleet) -> None:
    # fastapi -> starlette (not declared) -> anyio (declared, pinned): pip installs anyio
    fleet.write("requirements.txt", "fastapi==0.110.0\nanyio==4.3.0\n")
    fleet.add("api", ["requirements.txt"], ["fastapi"])
    assert plan_of(fleet.split(), "api").needed == {"fastapi", "anyio"}


def test_development_tools_only_when_imported_or_run(fleet: Fleet) -> None:
    fleet.write("requirements.txt", "pytest==8.1.1\nblack==24.3.0\nipython==8.22\nfastapi\n")
    fleet.add("tests-runner", ["requirements.txt"], ["fastapi"], cmd='["pytest", "-q"]')
    fleet.add("notebook", ["requirements.txt"], ["fastapi", "IPython"])
    result = fleet.split()
    assert plan_of(result, "tests-runner").needed == {"fastapi", "pytest"}
    assert plan_of(result, "notebook").needed == {"fastapi", "ipython"}
    assert dev_names(result) == {"black"}


def test_model_backends_used_without_import_follow_their_family(fleet: Fleet) -> None:
    fleet.write(
        "libs/requirements.txt",
        "fastapi\nuvicorn\npsycopg2-binary\nsafetensors\naccelerate\nnvidia-cublas-cu12\ntorch\n",
    )
    fleet.add("web", modules=["fastapi"])
    fleet.add("model", modules=["fastapi", "torch"])
    result = fleet.split()
    # servers and drivers: needed without an import, by everyone
    assert {"uvicorn", "psycopg2-binary"} <= plan_of(result, "web").needed
    assert not {"safetensors", "accelerate", "nvidia-cublas-cu12", "torch"} & (
        plan_of(result, "web").needed
    )
    assert {"safetensors", "accelerate", "nvidia-cublas-cu12", "torch"} <= (
        plan_of(result, "model").needed
    )


def test_packages_only_a_family_requires_join_it(fleet: Fleet) -> None:
    fleet.write(
        "libs/requirements.txt",
        "fastapi\nsentence-transformers\ntorch\nscikit-learn\nscipy\nnumpy\njoblib\n",
    )
    for name in ("rag-1", "rag-2", "rag-3"):
        fleet.add(name, modules=["fastapi", "sentence_transformers"])
    fleet.add("web", modules=["fastapi", "numpy"])
    result = fleet.split()
    # needed by 3 of 4 (over the threshold), but only because sentence-transformers is
    assert {"scikit-learn", "scipy", "joblib"} <= group_names(result, "ml")
    assert not {"scikit-learn", "scipy", "joblib"} & installed(result, "web")
    # numpy is imported by a plain service: shared by usage, like any package
    assert "numpy" in group_names(result, "base")


# -- base ----------------------------------------------------------------------------------------


def five_services(fleet: Fleet, users: Mapping[str, Sequence[str]]) -> Fleet:
    fleet.write(
        "libs/requirements.txt",
        "fastapi==0.110.0\nuvicorn==0.29.0\nredis==5.0.3\ntorch==2.2.2\nnumpy==1.26.4\n",
    )
    for index in range(5):
        name = f"svc-{index}"
        fleet.add(name, modules=["fastapi", *users.get(name, ())])
    return fleet


def test_a_package_used_by_one_of_five_services_is_its_own(fleet: Fleet) -> None:
    result = five_services(fleet, {"svc-3": ["redis"]}).split()
    assert "redis" not in group_names(result, "base")
    assert own_names(result, "svc-3") == {"redis"}
    for other in ("svc-0", "svc-1", "svc-2", "svc-4"):
        assert "redis" not in installed(result, other)
        assert ("redis", "unused") in {(d.name, d.reason) for d in plan_of(result, other).dropped}
    assert "redis" not in dev_names(result)


def test_a_family_package_used_by_every_service_goes_to_base(fleet: Fleet) -> None:
    everyone = {f"svc-{i}": ["torch"] for i in range(5)}
    result = five_services(fleet, everyone).split()
    assert {"torch", "fastapi", "uvicorn"} <= group_names(result, "base")
    assert [g.name for g in result.groups] == ["base"]
    assert all(p.base_group == "base" and not p.own for p in result.services)


def test_a_family_package_used_by_most_services_stays_in_its_family(fleet: Fleet) -> None:
    most = {f"svc-{i}": ["torch"] for i in range(4)}
    result = five_services(fleet, most).split()
    assert "torch" not in group_names(result, "base")
    ml = next(g for g in result.groups if g.name == "ml")
    assert ml.services == ("svc-0", "svc-1", "svc-2", "svc-3")
    assert "torch" not in installed(result, "svc-4")


def test_what_a_base_package_requires_is_pinned_in_base(fleet: Fleet) -> None:
    # installing keybert installs torch: base lists torch's pin rather than let it float
    fleet.write("libs/requirements.txt", "fastapi\nkeybert==0.8.4\ntorch==2.2.2\n")
    for index in range(4):
        fleet.add(f"svc-{index}", modules=["fastapi", "keybert"])
    fleet.add("web", modules=["fastapi"])
    result = fleet.split(dict(DEPENDENCIES, keybert={"sentence-transformers", "torch"}))
    assert {"keybert", "torch"} <= group_names(result, "base")
    assert [g.name for g in result.groups] == ["base"]
    assert plan_of(result, "web").unused_shared == ("keybert", "torch")


def test_a_service_using_ml_and_pdf_builds_on_ml_and_installs_pdf_itself(fleet: Fleet) -> None:
    fleet.write(
        "libs/requirements.txt",
        "fastapi\ntorch==2.2.2\npdfplumber==0.11.0\npdfminer.six==20231228\nrdflib==7.0.0\n",
    )
    fleet.add("both", modules=["fastapi", "torch", "pdfplumber"])
    fleet.add("pdf-only", modules=["fastapi", "pdfplumber"])
    fleet.add("web", modules=["fastapi"])
    result = fleet.split()
    both = plan_of(result, "both")
    assert both.base_group == "ml"
    assert own_names(result, "both") == {"pdfplumber", "pdfminer-six"}
    groups = {g.name: g for g in result.groups}
    assert groups["ml"].services == ("both",)
    assert groups["pdf"].services == ("pdf-only",)
    assert {p.name for p in groups["pdf"].pins} == {"pdfplumber", "pdfminer-six"}
    assert groups["base"].services == ("web",)
    assert plan_of(result, "pdf-only").base_group == "pdf"


def test_a_family_that_no_service_is_built_on_gets_no_group(fleet: Fleet) -> None:
    fleet.write("libs/requirements.txt", "fastapi\ntorch\npypdf\n")
    fleet.add("both", modules=["fastapi", "torch", "pypdf"])
    fleet.add("web", modules=["fastapi"])
    assert [g.name for g in fleet.split().groups] == ["base", "ml"]


# -- conflicts and pins --------------------------------------------------------------------------


def test_conflicting_pins_are_never_shared(fleet: Fleet) -> None:
    fleet.write("a/requirements.txt", "fastapi==0.110.0\nrequests==2.31.0\n")
    fleet.write("b/requirements.txt", "fastapi==0.110.0\nrequests==2.31.0\n")
    fleet.write("c/requirements.txt", "fastapi==0.110.0\nrequests==2.32.3\n")
    for name in "abc":
        fleet.add(name, [f"{name}/requirements.txt"], ["fastapi", "requests"])
    result = fleet.split()
    assert "requests" not in group_names(result, "base")
    assert "fastapi" in group_names(result, "base")
    assert [p.line for p in plan_of(result, "a").own] == ["requests==2.31.0"]
    assert [p.line for p in plan_of(result, "c").own] == ["requests==2.32.3"]
    conflicts = [p for p in result.problems if p.kind == "conflicting-pins"]
    assert len(conflicts) == 1
    assert conflicts[0].severity.label == "warning"
    assert "requests==2.31.0" in conflicts[0].message
    assert "requests==2.32.3" in conflicts[0].message


def test_a_conflicting_family_package_makes_no_empty_family_base(fleet: Fleet) -> None:
    fleet.write("a/requirements.txt", "fastapi==0.110.0\npypdf==4.0.0\n")
    fleet.write("b/requirements.txt", "fastapi==0.110.0\npypdf==5.0.0\n")
    for name in "ab":
        fleet.add(name, [f"{name}/requirements.txt"], ["fastapi", "pypdf"])
    result = fleet.split()
    assert [g.name for g in result.groups] == ["base"]
    assert {p.base_group for p in result.services} == {"base"}
    assert [p.line for p in plan_of(result, "a").own] == ["pypdf==4.0.0"]
    assert [p.line for p in plan_of(result, "b").own] == ["pypdf==5.0.0"]


def test_a_bare_name_next_to_a_pin_is_no_conflict(fleet: Fleet) -> None:
    fleet.write("libs/requirements.txt", "fastapi==0.110.0\n")
    fleet.write("a/requirements.txt", "fastapi\n")
    fleet.add("a", ["libs/requirements.txt", "a/requirements.txt"], ["fastapi"])
    fleet.add("b", ["libs/requirements.txt"], ["fastapi"])
    result = fleet.split()
    assert not [p for p in result.problems if p.kind == "conflicting-pins"]
    assert [p.line for g in result.groups for p in g.pins] == ["fastapi==0.110.0"]


def test_pins_are_kept_verbatim(fleet: Fleet) -> None:
    hashed = "numpy==1.26.4 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb"
    marker = 'uvicorn[standard]==0.29.0 ; python_version >= "3.8"  # the server'
    url = "torch @ https://download.pytorch.org/whl/cpu/torch-2.2.2%2Bcpu-cp311-cp311-linux_x86_64.whl"
    fleet.write("requirements.txt", f"fastapi>=0.110,<1\n{hashed}\n{marker}\n{url}\n")
    fleet.add("api", ["requirements.txt"], ["fastapi", "numpy", "torch"])
    result = fleet.split()
    lines = {p.name: p.line for g in result.groups for p in g.pins}
    lines.update({p.name: p.line for p in plan_of(result, "api").own})
    assert lines == {
        "fastapi": "fastapi>=0.110,<1",
        "numpy": hashed,
        "uvicorn": marker,
        "torch": url,
    }
    pins = {p.name: p for g in result.groups for p in g.pins}
    assert (pins["numpy"].source, pins["numpy"].lineno) == (fleet.root / "requirements.txt", 2)


def test_requirements_from_includes_and_pyproject(fleet: Fleet) -> None:
    fleet.write("libs/base.txt", "fastapi==0.110.0\n")
    fleet.write("apps/a/requirements.txt", "-r ../../libs/base.txt\nredis==5.0.3\n")
    fleet.write(
        "apps/b/pyproject.toml",
        '[project]\nname = "b"\nversion = "1"\ndependencies = ["fastapi==0.110.0"]\n'
        '[project.optional-dependencies]\ntest = ["pytest"]\n',
    )
    fleet.add("a", ["apps/a/requirements.txt"], ["fastapi", "redis"])
    fleet.add("b", ["apps/b/pyproject.toml"], ["fastapi"])
    result = fleet.split(share_threshold=1.0)  # 0.5 of two services is one: redis shared
    assert [p.line for p in next(g for g in result.groups if g.name == "base").pins] == [
        "fastapi==0.110.0"
    ]
    assert [p.line for p in plan_of(result, "a").own] == ["redis==5.0.3"]
    assert "pytest" not in plan_of(result, "b").needed | dev_names(result)  # an extra


def test_a_service_without_requirements(fleet: Fleet) -> None:
    fleet.write("libs/requirements.txt", "fastapi==0.110.0\nuvicorn==0.29.0\n")
    fleet.add("a", modules=["fastapi"])
    fleet.add("b", modules=["fastapi"])
    fleet.add("static", [], ["yaml"], cmd='["python", "-m", "http.server"]')
    result = fleet.split()
    static = plan_of(result, "static")
    assert static.base_group == "base" and static.own == () and static.needed == frozenset()
    assert static.unused_shared == ("fastapi", "uvicorn")
    assert ("undeclared-import", "static") in kinds(result)


# -- share threshold -----------------------------------------------------------------------------


def threshold_fleet(fleet: Fleet, count: int, users: int) -> Fleet:
    fleet.write("libs/requirements.txt", "fastapi==0.110.0\nredis==5.0.3\n")
    for index in range(count):
        fleet.add(f"s{index:02d}", modules=["fastapi", *(["redis"] if index < users else [])])
    return fleet


@pytest.mark.parametrize(
    ("count", "users", "threshold", "shared"),
    [
        (4, 2, 0.5, True),  # ceil(0.5 * 4) = 2
        (4, 2, 0.51, False),  # ceil(2.04) = 3
        (5, 2, 0.5, False),  # ceil(2.5) = 3
        (5, 3, 0.5, True),
        (10, 3, 0.3, True),  # 0.3 * 10 is 3.0000000000000004 in floating point
        (4, 1, 0.0, True),  # at least one service
        (4, 3, 1.0, False),  # all of them
        (4, 4, 1.0, True),
    ],
)
def test_share_threshold(
    fleet: Fleet, count: int, users: int, threshold: float, shared: bool
) -> None:
    result = threshold_fleet(fleet, count, users).split(share_threshold=threshold)
    assert ("redis" in group_names(result, "base")) is shared
    assert "fastapi" in group_names(result, "base")
    for plan in result.services:
        assert ("redis" in installed(result, plan.service)) is (
            shared or plan.service < f"s{users:02d}"
        )


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_a_threshold_outside_zero_to_one_is_refused(fleet: Fleet, threshold: float) -> None:
    threshold_fleet(fleet, 2, 1)
    with pytest.raises(ConfigError):
        fleet.split(share_threshold=threshold)


def test_one_service_puts_everything_but_families_in_base(fleet: Fleet) -> None:
    fleet.write("requirements.txt", "fastapi==0.110.0\nredis==5.0.3\ntorch==2.2.2\npytest==8.1.1\n")
    fleet.add("only", ["requirements.txt"], ["fastapi", "redis", "torch"])
    result = fleet.split(share_threshold=1.0)
    assert group_names(result, "base") == {"fastapi", "redis"}
    assert group_names(result, "ml") == {"torch"}
    only = plan_of(result, "only")
    assert (only.base_group, only.own, only.unused_shared) == ("ml", (), ())
    assert dev_names(result) == {"pytest"}


# -- options, problems, edge cases ---------------------------------------------------------------


def test_pip_options_are_carried_once_in_order(fleet: Fleet) -> None:
    fleet.write(
        "libs/requirements.txt",
        "--index-url https://mirror.example/simple\n"
        "--extra-index-url=https://download.pytorch.org/whl/cpu  # CPU wheels\n"
        "-f ./wheels\n--trusted-host mirror.example\n--pre\n--no-binary :all:\n"
        "fastapi==0.110.0\n",
    )
    fleet.write(
        "apps/b/requirements.txt",
        "-r ../../libs/requirements.txt\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        "-i https://mirror.example/simple\n--find-links https://wheels.example/\n",
    )
    fleet.add("a", modules=["fastapi"])
    fleet.add("b", ["apps/b/requirements.txt"], ["fastapi"])
    # a local find-links folder is each service's to resolve (plan/pip_inputs.py)
    assert fleet.split().options == (
        "--index-url https://mirror.example/simple",
        "--extra-index-url https://download.pytorch.org/whl/cpu",
        "--trusted-host mirror.example",
        "--pre",
        "--find-links https://wheels.example/",
    )


def test_services_whose_dockerfile_did_not_parse_are_not_planned(fleet: Fleet) -> None:
    fleet.write("libs/requirements.txt", "fastapi==0.110.0\npytest==8.1.1\n")
    fleet.write("broken/requirements.txt", "rdflib==7.0.0\n")
    fleet.add("api", modules=["fastapi"])
    fleet.add("broken", ["broken/requirements.txt"], ["rdflib"], parsed=False)
    result = fleet.split()
    assert [p.service for p in result.services] == ["api"]
    assert dev_names(result) == {"pytest"}
    assert all(p.subject != "broken" for p in result.problems)


def test_nothing_to_plan(fleet: Fleet) -> None:
    fleet.add("broken", [], parsed=False)
    result = fleet.split()
    assert (result.groups, result.services, result.dev) == ((), (), ())


def test_undeclared_imports_are_warned_with_where_they_come_from(fleet: Fleet) -> None:
    fleet.write("requirements.txt", "fastapi==0.110.0\n")
    fleet.add("api", ["requirements.txt"], ["fastapi", "starlette", "boto3"], via_shared=["jwt"])
    found = {p.message.split(",")[0]: p for p in fleet.split().problems}
    assert set(found) == {"imports boto3", "imports jwt (from shared code)", "imports starlette"}
    assert all(
        p.kind == "undeclared-import" and p.severity.label == "warning" for p in found.values()
    )
    assert "only as a dependency" in found["imports starlette"].message
    assert "may fail to import" in found["imports boto3"].message


def test_unknown_metadata_is_reported_once_per_package(fleet: Fleet) -> None:
    fleet.write("libs/requirements.txt", "fastapi==0.110.0\ninternal-sdk==1.2\nunused-lib\n")
    fleet.add("a", modules=["fastapi", "internal_sdk"])
    fleet.add("b", modules=["fastapi", "internal_sdk"])
    problems = [p for p in fleet.split().problems if p.kind == "no-metadata"]
    assert [(p.severity.label, p.line) for p in problems] == [("info", 2)]
    assert "internal-sdk" in problems[0].message


def test_unreadable_requirement_lines_are_reported_once(fleet: Fleet) -> None:
    fleet.write("libs/requirements.txt", "fastapi==0.110.0\n-r missing.txt\nnot a requirement!\n")
    fleet.add("a", modules=["fastapi"])
    fleet.add("b", modules=["fastapi"])
    fleet.add("c", ["nowhere/requirements.txt"], ["fastapi"])
    result = fleet.split()
    unreadable = [p for p in result.problems if p.kind == "unreadable-requirements"]
    assert [(p.subject, p.line, p.severity.label) for p in unreadable] == [
        (None, 2, "warning"),
        (None, 3, "warning"),
        ("c", None, "error"),
    ]
    assert group_names(result, "base") == {"fastapi"}


def test_the_split_is_deterministic(fleet: Fleet) -> None:
    seed_fleet(fleet)
    first = fleet.split()
    random.Random(5).shuffle(fleet.imports)
    assert fleet.split() == first
    assert list(first.dev) == sorted(first.dev, key=lambda item: item[0].name)
    for group in first.groups:
        assert [p.name for p in group.pins] == sorted(p.name for p in group.pins)


def test_unused_shared_is_the_price_of_the_base(fleet: Fleet) -> None:
    fleet.write("libs/requirements.txt", "fastapi==0.110.0\nhttpx==0.27.0\n")
    fleet.add("a", modules=["fastapi", "httpx"])
    fleet.add("b", modules=["fastapi", "httpx"])
    fleet.add("c", modules=["fastapi"])
    result = fleet.split()
    assert plan_of(result, "c").unused_shared == ("httpx",)
    assert plan_of(result, "a").unused_shared == ()


def test_metadata_is_asked_once_per_requirement_line(fleet: Fleet) -> None:
    seed_fleet(fleet)
    table = static_requires(DEPENDENCIES)
    asked: list[Pin] = []

    def counting(pin: Pin) -> frozenset[str] | None:
        asked.append(pin)
        return table(pin)

    split(fleet.discovery(), fleet.imports, counting)
    assert len(asked) == len(set(asked))
    assert len({p.line for p in asked}) == len(asked)  # 14 services share one file
