"""``measure`` with a fake builder that writes real docker-archives (support.imagewriter):
each build stacks one new layer on its ``FROM`` image's layers, so images built from the
same base share those layers exactly as a real store does, and every build gets fresh
content (as ``--no-cache`` builds do). ``totals`` on synthetic layers."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from jettison.builder.backend import ArchiveFormat, BuildRequest, BuildResult, Network, RunResult
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions, Mount
from jettison.errors import ConfigError
from jettison.image.sources import open_image
from jettison.plan.measure import before_tag, check_registry, measure, pushed_name, totals
from jettison.plan.model import (
    BuildStep,
    Discovery,
    Generated,
    ImageMeasure,
    LayerRef,
    Measurement,
    Service,
)
from support.files import write_file
from support.imagewriter import (
    ImageSpec,
    LayerSpec,
    build_image,
    file,
    sized,
    whiteout,
    write_docker_archive,
)

SITE = "usr/local/lib/python3.11/site-packages"
PREFIX = "localhost/fleet"
HTTP_OK = RunResult(0, 'HTTP 200\n{"status": "ok"}\n', "", 0.3, False)
SMOKE_OK = RunResult(0, "worker ready\n", "", 0.2, False)


# --------------------------------------------------------------------------- totals


def _layer(n: int, size: int) -> LayerRef:
    return LayerRef(f"sha256:{n:064x}", size)


def test_totals_count_shared_layers_once() -> None:
    python = (_layer(1, 100), _layer(2, 300))
    base = (*python, _layer(3, 50))
    images = [
        ImageMeasure("a", "id-a", (*base, _layer(10, 7)), 1.0),
        ImageMeasure("b", "id-b", (*base, _layer(11, 9)), 1.0),
        ImageMeasure("c", "id-c", (*python, _layer(12, 1000)), 1.0),
    ]
    found = totals(images)
    assert found.images == 3
    assert found.sum_bytes == 457 + 459 + 1400
    assert found.distinct_layers == 6
    assert found.distinct_bytes == 100 + 300 + 50 + 7 + 9 + 1000


def test_totals_of_one_image_and_of_none() -> None:
    one = ImageMeasure("a", "id", (_layer(1, 5), _layer(2, 6)), 0.0)
    assert totals([one]).distinct_bytes == totals([one]).sum_bytes == 11
    twice = totals([one, one])
    assert (twice.sum_bytes, twice.distinct_bytes, twice.distinct_layers) == (22, 11, 2)
    empty = totals([])
    assert (empty.images, empty.sum_bytes, empty.distinct_layers, empty.distinct_bytes) == (
        0,
        0,
        0,
        0,
    )


def test_storage_ratio() -> None:
    small = totals([ImageMeasure("a", "id", (_layer(1, 30),), 0.0)])
    large = totals([ImageMeasure("b", "id", (_layer(2, 100),), 0.0)])
    assert Measurement((), (), large, small).storage_ratio == pytest.approx(0.3)
    assert Measurement((), (), totals([]), small).storage_ratio is None


def test_storage_ratio_from_the_registry_after_push() -> None:
    """With --push the ratio compares what the registry holds (compressed blobs), not the
    layer tars; a side without registry figures falls back to the tars on both sides."""
    small = replace(totals([ImageMeasure("a", "id", (_layer(1, 30),), 0.0)]), registry_bytes=9)
    large = replace(totals([ImageMeasure("b", "id", (_layer(2, 100),), 0.0)]), registry_bytes=60)
    assert Measurement((), (), large, small).storage_ratio == pytest.approx(0.15)
    unpushed = replace(large, registry_bytes=None)
    assert Measurement((), (), unpushed, small).storage_ratio == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("registry", "tag", "pushed"),
    [
        ("127.0.0.1:5000", "localhost/mini/svc:plan", "127.0.0.1:5000/mini/svc:plan"),
        ("reg.example.com/team/", "localhost/base:plan", "reg.example.com/team/base:plan"),
        ("reg.example.com", "fleet/api:before", "reg.example.com/fleet/api:before"),
    ],
)
def test_pushed_name_keeps_the_repository_below_the_registry(
    registry: str, tag: str, pushed: str
) -> None:
    assert pushed_name(registry, tag) == pushed


@pytest.mark.parametrize("registry", ["", "localhost", "team/app", "https://reg.example.com", "/x"])
def test_push_needs_a_registry_host(registry: str) -> None:
    with pytest.raises(ConfigError, match="give a registry as HOST"):
        check_registry(registry)
    check_registry("127.0.0.1:5000/team")


# --------------------------------------------------------------------------- fake builder

_FROM = re.compile(r"^\s*FROM\s+(\S+)", re.MULTILINE | re.IGNORECASE)


@dataclass
class FakeBuilder:
    """Builds by writing a docker-archive: the FROM image's layers plus one new layer.

    The new layer holds a file unique to the build; ``RUN pip install ... torch`` adds a
    file under site-packages/torch/, ``RUN pip uninstall -y torch`` whites it out.
    """

    store: Path
    fail: set[str] = field(default_factory=set)
    results: dict[str, RunResult] = field(default_factory=dict)
    built: list[BuildRequest] = field(default_factory=list)
    ran: list[tuple[str, tuple[str, ...], float]] = field(default_factory=list)
    specs: dict[str, ImageSpec] = field(default_factory=dict)
    archives: dict[str, Path] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return "fake"

    def available(self) -> bool:
        return True

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        self.built.append(request)
        if request.tag in self.fail:
            raise BuildError(
                f"build of {request.tag} failed", step="STEP 2/2: RUN pip install -r req.txt"
            )
        text = request.dockerfile.read_text()
        parent = _FROM.search(text)
        assert parent is not None
        base = self.specs.get(parent.group(1))
        layers = list(base.layers) if base else [_upstream(parent.group(1))]
        entries = [file(f"app/built-{len(self.built)}.txt", request.tag)]
        if "torch" in text and "uninstall" not in text:
            entries.append(sized(f"{SITE}/torch/lib/libtorch_cpu.so", 4000))
            entries.append(file(f"{SITE}/torch/__init__.py", "import torch._C\n"))
        if "pip uninstall -y torch" in text:
            entries = [whiteout(f"{SITE}/torch")]
        layers.append(LayerSpec(entries))
        spec = ImageSpec(layers, cmd=["python", "main.py"], tag=request.tag)
        image_id = build_image(spec).config.digest
        archive = self.store / f"{len(self.built)}.tar"
        write_docker_archive(archive, spec)
        self.specs[request.tag] = spec
        self.archives[image_id] = archive
        on_line(f"STEP 1/1: {request.tag}")
        return BuildResult(request.tag, image_id, 2.5, ())

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        raise AssertionError("measure reads images through image_reference")

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network = "none"
    ) -> RunResult:
        self.ran.append((image, tuple(argv), timeout_s))
        assert network == "none"
        default = SMOKE_OK if list(argv) == ["python", "main.py"] else HTTP_OK
        return self.results.get(image, default)

    def image_command(self, image: str) -> tuple[str, ...]:
        return ("python", "main.py")

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return ()

    def image_reference(self, image: str, scratch: Path) -> str:
        assert scratch.is_dir()
        return str(self.archives[image])

    def remove_image(self, image: str) -> None:
        raise AssertionError("measure keeps the images")


def _upstream(name: str) -> LayerSpec:
    """The same bytes for the same upstream image name, whichever build asks."""
    seed = hashlib.sha256(name.encode()).digest()
    return LayerSpec(
        [file("etc/os-release", f"ID=debian\n# {seed.hex()}\n"), sized("usr/bin/python3", 3000)]
    )


# --------------------------------------------------------------------------- a fleet


@dataclass
class Fleet:
    discovery: Discovery
    generated: Generated


def _service(root: Path, name: str, port: int | None, health: str | None) -> Service:
    folder = root / "services" / name
    return Service(
        name=name,
        dockerfile=folder / "Dockerfile",
        context=root,
        parsed=None,
        requirement_files=(root / "libs" / "requirements.txt",),
        code_paths=(folder,),
        shared_paths=(),
        base_image="python:3.11",
        port=port,
        health_path=health,
    )


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    """Three services: an API (probed), a worker (smoke-run), and an ML API on the ml base.
    Every original installs the whole requirements file, torch included."""
    root = tmp_path / "fleet"
    services = (
        _service(root, "api", 8000, "/health"),
        _service(root, "ml", 8001, "/healthz"),
        _service(root, "worker", None, None),
    )
    for s in services:
        write_file(
            s.dockerfile, "FROM python:3.11\nRUN pip install -r libs/requirements.txt torch\n"
        )
    out = root / "jettison-plan"
    base = f"{PREFIX}/base:plan"
    ml = f"{PREFIX}/base-ml:plan"
    texts = {
        "bases/base/Dockerfile": "FROM python:3.11-slim\nRUN pip install fastapi\n",
        "bases/ml/Dockerfile": f"FROM {base}\nRUN pip install torch\n",
        "services/api/Dockerfile": f"FROM {base}\nCOPY services/api /app\n",
        "services/ml/Dockerfile": f"FROM {ml}\nCOPY services/ml /app\n",
        "services/worker/Dockerfile": f"FROM {base}\nCOPY services/worker /app\n",
    }
    for rel, text in texts.items():
        write_file(out / rel, text)
    order = (
        BuildStep(base, out / "bases/base/Dockerfile", root, None, "base"),
        BuildStep(ml, out / "bases/ml/Dockerfile", root, None, "ml"),
        *(
            BuildStep(
                f"{PREFIX}/{s.name}:plan", out / f"services/{s.name}/Dockerfile", root, s.name, None
            )
            for s in services
        ),
    )
    generated = Generated(
        out_dir=out,
        files=tuple(Path(rel) for rel in texts),
        contents=tuple(texts.values()),
        build_order=order,
        kept_original=(),
    )
    return Fleet(Discovery(root, services, (), (), ()), generated)


@dataclass
class Sink:
    """A progress sink that records what it is told."""

    events: list[tuple[str, str, int | None]] = field(default_factory=list)

    def begin(self, label: str, total_bytes: int | None) -> None:
        self.events.append(("begin", label, total_bytes))

    def advance(self, n_bytes: int) -> None:
        pass

    def end(self) -> None:
        self.events.append(("end", "", None))


def _measure(
    fleet: Fleet,
    builder: FakeBuilder,
    *,
    ca_bundle: Path | None = None,
    mounts: Sequence[tuple[Path, str]] = (),
    build_args: dict[str, str] | None = None,
    progress: Sink | None = None,
) -> Measurement:
    return measure(
        fleet.discovery,
        fleet.generated,
        builder=builder,
        options=BuildOptions(
            ca_bundle=ca_bundle,
            mounts=tuple(Mount(*m) for m in mounts),
            build_args=tuple((build_args or {}).items()),
        ),
        timeout_s=30,
        progress=progress,
        on_line=lambda _line: None,
    )


def test_builds_originals_then_the_plan_in_order_without_cache(
    fleet: Fleet, tmp_path: Path
) -> None:
    builder = FakeBuilder(tmp_path)
    ca = write_file(tmp_path / "ca.pem", "-----BEGIN CERTIFICATE-----\n")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _measure(fleet, builder, ca_bundle=ca, mounts=((wheels, "/wheels"),), build_args={"V": "1"})
    assert [r.tag for r in builder.built] == [
        f"{PREFIX}/api:before",
        f"{PREFIX}/ml:before",
        f"{PREFIX}/worker:before",
        f"{PREFIX}/base:plan",
        f"{PREFIX}/base-ml:plan",
        f"{PREFIX}/api:plan",
        f"{PREFIX}/ml:plan",
        f"{PREFIX}/worker:plan",
    ]
    assert all(r.options.no_cache for r in builder.built)
    assert all(
        r.options.ca_bundle == ca and tuple(r.options.mounts) == ((wheels, "/wheels"),)
        for r in builder.built
    )
    assert all(dict(r.options.build_args) == {"V": "1"} for r in builder.built)
    originals = builder.built[:3]
    assert [r.dockerfile for r in originals] == [s.dockerfile for s in fleet.discovery.services]
    assert {r.context for r in builder.built} == {fleet.discovery.root}


def test_layers_sizes_torch_and_checks(fleet: Fleet, tmp_path: Path) -> None:
    builder = FakeBuilder(tmp_path)
    measured = _measure(fleet, builder)
    by_name = {s.service: s for s in measured.services}
    assert [s.service for s in measured.services] == ["api", "ml", "worker"]
    # Layers are read from the archives: compare with an independent read.
    for s in measured.services:
        for image in (s.before, s.after):
            assert image is not None
            with open_image(str(builder.archives[image.image_id])) as opened:
                expected = [(x.diff_id, x.stored_size_bytes) for x in opened.layers]
            assert [(x.diff_id, x.size_bytes) for x in image.layers] == expected
    # torch: every original installs it; after the plan only the ML service has it.
    assert all(s.ships_torch_before for s in measured.services)
    assert (by_name["api"].ships_torch_after, by_name["ml"].ships_torch_after) == (False, True)
    assert by_name["worker"].ships_torch_after is False
    # The plan's services share the base's layers; the originals share only python's.
    api, ml = by_name["api"].after, by_name["ml"].after
    assert api is not None and ml is not None
    assert api.layers[:2] == ml.layers[:2]
    assert measured.after.distinct_layers == 2 + 1 + 3  # base (2), ml layer, one per service
    assert measured.before.distinct_layers == 1 + 3
    assert [b.tag for b in measured.bases] == [f"{PREFIX}/base:plan", f"{PREFIX}/base-ml:plan"]
    # Checks: the APIs are probed on their health path, the worker smoke-runs its CMD.
    assert by_name["api"].check_before.kind == "probe" and by_name["api"].check_after.passed
    assert by_name["api"].check_after.detail == "GET /health: HTTP 200"
    assert by_name["worker"].check_after.kind == "smoke"
    assert ("localhost/fleet/worker:plan", ("python", "main.py"), 30) in builder.ran
    probes = [argv for image, argv, _ in builder.ran if image == f"{PREFIX}/ml:plan"]
    assert len(probes) == 1 and any("8001" in part for part in probes[0])
    assert all(s.error is None for s in measured.services)


def test_a_failed_base_skips_its_services_and_the_rest_goes_on(
    fleet: Fleet, tmp_path: Path
) -> None:
    builder = FakeBuilder(tmp_path, fail={f"{PREFIX}/base-ml:plan"})
    measured = _measure(fleet, builder)
    tags = [r.tag for r in builder.built]
    assert f"{PREFIX}/ml:plan" not in tags  # never attempted: its base is missing
    assert f"{PREFIX}/worker:plan" in tags
    ml = next(s for s in measured.services if s.service == "ml")
    assert ml.before is not None and ml.after is None
    assert ml.error == f"after: not built: its base {PREFIX}/base-ml:plan failed"
    assert not ml.check_after.passed and ml.check_after.kind == "none"
    # Totals compare like with like: the ML service is left out of both.
    assert measured.before.images == measured.after.images == 2
    assert [b.tag for b in measured.bases] == [f"{PREFIX}/base:plan"]


def test_a_failed_original_build_is_recorded(fleet: Fleet, tmp_path: Path) -> None:
    builder = FakeBuilder(tmp_path, fail={f"{PREFIX}/api:before"})
    measured = _measure(fleet, builder)
    api = measured.services[0]
    assert api.before is None and api.after is not None
    assert api.error is not None
    assert api.error.startswith(f"before: build of {PREFIX}/api:before failed")
    assert "STEP 2/2" in api.error
    assert api.check_before.detail == "not checked: the image was not built"
    assert api.check_after.passed


def test_a_failing_check_is_a_failed_check(fleet: Fleet, tmp_path: Path) -> None:
    lost = RunResult(1, "", "ModuleNotFoundError: No module named 'redis'\n", 0.4, False)
    hung = RunResult(-1, "", "", 30.0, True)
    builder = FakeBuilder(
        tmp_path, results={f"{PREFIX}/worker:plan": lost, f"{PREFIX}/api:plan": hung}
    )
    measured = _measure(fleet, builder)
    api, _ml, worker = measured.services
    assert worker.check_before.passed and not worker.check_after.passed
    assert "No module named 'redis'" in worker.check_after.detail
    assert not api.check_after.passed and "timed out" in api.check_after.detail
    assert worker.error is None  # built fine; only its check failed


def test_progress_one_task_per_build_and_layers_read_once(fleet: Fleet, tmp_path: Path) -> None:
    sink = Sink()
    measured = _measure(fleet, FakeBuilder(tmp_path), progress=sink)
    begins = [(label, total) for kind, label, total in sink.events if kind == "begin"]
    builds = [label for label, _ in begins if label.startswith("build ")]
    assert len(builds) == 8
    assert sum(1 for kind, *_ in sink.events if kind == "end") == len(begins)
    reads = {label.removeprefix("layers of "): total for label, total in begins}
    # A layer is read once: the first original reads the upstream layer and its own, the
    # next ones only their own; a plan service only the layer it adds to its base.
    api, ml = measured.services[0], measured.services[1]
    assert api.before is not None and ml.before is not None and api.after is not None
    assert reads[api.before.tag] == api.before.size_bytes
    assert reads[ml.before.tag] == ml.before.layers[-1].size_bytes < ml.before.size_bytes
    assert reads[api.after.tag] == api.after.layers[-1].size_bytes < api.after.size_bytes


def test_torch_removed_in_a_later_layer_is_not_shipped(fleet: Fleet, tmp_path: Path) -> None:
    step = next(s for s in fleet.generated.build_order if s.service == "ml")
    step.dockerfile.write_text(f"FROM {PREFIX}/base-ml:plan\nRUN pip uninstall -y torch\n")
    measured = _measure(fleet, FakeBuilder(tmp_path))
    ml = next(s for s in measured.services if s.service == "ml")
    assert ml.after is not None and len(ml.after.layers) == 4  # torch is still in a layer
    assert ml.ships_torch_before and not ml.ships_torch_after


def test_before_tag_follows_the_plan_tag(fleet: Fleet) -> None:
    assert before_tag("api", fleet.generated, fleet.discovery.root) == f"{PREFIX}/api:before"
    assert before_tag("Other Svc", fleet.generated, fleet.discovery.root) == (
        f"{PREFIX}/other-svc:before"
    )
