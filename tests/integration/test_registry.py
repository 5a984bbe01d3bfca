"""``registry://`` against a real registry (Debian's docker-registry, CNCF Distribution 2.8),
started here on loopback, filled with skopeo.

What is checked: an image read from the registry reports exactly what its OCI layout
reports (every number; only the reference, source kind and tags differ) for gzip and zstd
layers, for a platform picked from a pushed index, for a real image built with buildah; an
index of one image for another platform is read and says so; HTTPS with a CA made here and
htpasswd (Basic) auth; the Bearer token flow against a token endpoint run here; an artifact
(model weights with their own config type) is listed, not read; 401 and TLS failures are
one line with a hint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from integration.conftest import BuiltImage
from jettison.cli.main import cli
from jettison.errors import NotAnImageError, RegistryError
from jettison.image.model import Platform
from jettison.image.sources import open_image
from jettison.inspect.core import inspect
from jettison.inspect.report import InspectReport
from support import registries
from support.http_server import without_proxies
from support.imagewriter import ImageSpec, LayerSpec, file, sized, whiteout, write_oci_layout

pytestmark = pytest.mark.integration

SPEC = ImageSpec(
    [
        LayerSpec([file("etc/os-release", "ID=test\n"), sized("usr/lib/libbig.so", 300_000)]),
        LayerSpec([sized("app/model.bin", 200_000), whiteout("usr/lib/libbig.so")], "gzip"),
        LayerSpec([file("app/main.py", "print('hi')\n"), sized("app/w.bin", 50_000)], "zstd"),
    ],
    cmd=["python", "/app/main.py"],
)
AMD64 = ImageSpec([LayerSpec([sized("amd64-only", 6400)], "gzip")])
ARM64 = ImageSpec(
    [LayerSpec([sized("arm64-only", 12_800)], "zstd")], architecture="arm64", variant="v8"
)


@pytest.fixture(scope="module")
def registry_factory() -> Iterator[Callable[[str], registries.Registry]]:
    """Start registries of a kind once per module; stop them (by pid) at the end."""
    started: dict[str, registries.Registry] = {}
    stack = []

    def get(kind: str) -> registries.Registry:
        if kind not in started:
            context = registries.running(kind)
            try:
                started[kind] = context.__enter__()
            except registries.Unavailable as exc:
                registries.skip_or_fail(f"cannot start a {kind} registry: {exc}")
            stack.append(context)
        return started[kind]

    yield get
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxy, no credentials of the machine's, no CA but the system's."""
    without_proxies(monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG",
                     "SSL_CERT_FILE"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)


def comparable(report: InspectReport) -> dict[str, object]:
    fields = dataclasses.asdict(report)
    for key in ("reference", "source_kind", "tags"):
        fields.pop(key)
    return fields


def same_numbers(
    registry: registries.Registry, name: str, platform: Platform | None = None
) -> InspectReport:
    """The report of ``registry://HOST/NAME`` equals that of the same image copied to an OCI
    layout by skopeo, number for number; returns it."""
    with tempfile.TemporaryDirectory() as scratch:
        layout = Path(scratch) / "copy"
        registries.pull(registry, name, f"oci:{layout}:copy", all_images=True)
        local = inspect(f"oci:{layout}:copy", platform=platform, verify="all", cache=False)
    remote = inspect(
        f"registry://{registry.host}/{name}", platform=platform, verify="all", cache=False
    )
    assert comparable(remote) == comparable(local)
    assert remote.source_kind == "registry"
    return remote


def test_gzip_and_zstd_layers_number_for_number(
    registry_factory: Callable[[str], registries.Registry], tmp_path: Path
) -> None:
    registry = registry_factory("plain")
    layout = write_oci_layout(tmp_path / "layout", SPEC, ref_name="1")
    registries.push(registry, f"oci:{layout}:1", "fx:1")
    report = same_numbers(registry, "fx:1")
    # skopeo gzips the uncompressed layer; the others keep their compression
    assert [layer.compressed_bytes is not None for layer in report.layers] == [True, True, True]
    with open_image(f"registry://{registry.host}/fx:1") as image:
        media = [layer.media_type for layer in image.layers]
    assert media == [
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
    ]


def test_platform_pick_from_a_pushed_index(
    registry_factory: Callable[[str], registries.Registry], tmp_path: Path
) -> None:
    registry = registry_factory("plain")
    layout = write_oci_layout(tmp_path / "layout", [ARM64, AMD64], ref_name="multi")
    registries.push(registry, f"oci:{layout}:multi", "fx:multi", all_images=True)
    reference = f"registry://{registry.host}/fx:multi"
    for platform in (None, Platform.parse("linux/arm64/v8")):
        report = same_numbers(registry, "fx:multi", platform)
    assert report.platform == "linux/arm64/v8"
    assert report.notes[0].message == (
        "the index holds 2 images (linux/arm64/v8, linux/amd64): read linux/arm64/v8"
    )
    result = CliRunner().invoke(cli, ["inspect", reference, "--platform", "linux/s390x"])
    assert result.exit_code == 2
    assert "no image for platform linux/s390x" in result.stderr


def test_an_index_of_one_image_for_another_platform(
    registry_factory: Callable[[str], registries.Registry], tmp_path: Path
) -> None:
    registry = registry_factory("plain")
    layout = write_oci_layout(tmp_path / "layout", ARM64, nested_index=True, ref_name="arm")
    registries.push(registry, f"oci:{layout}:arm", "fx:arm", all_images=True)
    result = CliRunner().invoke(cli, ["inspect", f"registry://{registry.host}/fx:arm"])
    assert result.exit_code == 0, result.stderr
    assert (
        "Read as     the index holds one image, for linux/arm64/v8 (not linux/amd64): read it"
        in result.stdout
    )


def test_a_real_image_built_with_buildah(
    registry_factory: Callable[[str], registries.Registry], real_images: dict[str, BuiltImage]
) -> None:
    registry = registry_factory("plain")
    built = real_images["python"]
    registries.push(registry, f"oci:{built.oci_dir}:{built.name}", "real/python:1")
    report = same_numbers(registry, "real/python:1")
    assert report.size_bytes == built.report("oci").size_bytes


def test_htpasswd_over_tls(
    registry_factory: Callable[[str], registries.Registry],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = registry_factory("tls_htpasswd")
    layout = write_oci_layout(tmp_path / "layout", SPEC, ref_name="1")
    registries.push(registry, f"oci:{layout}:1", "fx:1")
    reference = f"registry://{registry.host}/fx:1"
    # untrusted certificate: one line, and the way out
    with pytest.raises(RegistryError, match="its TLS certificate is not trusted") as info:
        open_image(reference)
    assert "--tls-verify=false" in (info.value.hint or "")
    # trusted (the test CA as the CA store), but no credentials: how to log in
    monkeypatch.setenv("SSL_CERT_FILE", str(registry.ca))
    with pytest.raises(RegistryError, match=r"asks for credentials \(401 Unauthorized\)"):
        open_image(reference)
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(registry.auth_file(tmp_path)))
    same_numbers(registry, "fx:1")
    # --tls-verify=false instead of trusting the CA
    monkeypatch.delenv("SSL_CERT_FILE")
    result = CliRunner().invoke(cli, ["inspect", reference, "--tls-verify=false", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["tags"] == [f"{registry.host}/fx:1"]


def test_bearer_token_flow(
    registry_factory: Callable[[str], registries.Registry],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = registry_factory("token")
    layout = write_oci_layout(tmp_path / "layout", SPEC, ref_name="1")
    registries.push(registry, f"oci:{layout}:1", "team/fx:1")
    reference = f"registry://{registry.host}/team/fx:1"
    result = CliRunner().invoke(cli, ["inspect", reference])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"jettison: error: {registry.host}/team/fx: the registry asks for credentials (401 "
        f"Unauthorized) and none are stored for {registry.host}",
        f"  hint: log in with `docker login {registry.host}` or `skopeo login {registry.host}` "
        "(jettison reads $REGISTRY_AUTH_FILE, containers' auth.json, ~/.docker/config.json and "
        "their credential helpers)",
    ]
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(registry.auth_file(tmp_path)))
    issuer = registry.extra["issuer"]
    asked = len(issuer.issued)
    inspect(reference, cache=False)
    assert issuer.issued[asked:] == ["repository:team/fx:pull"]  # one token for the whole read
    same_numbers(registry, "team/fx:1")


def test_an_artifact_is_listed_with_exit_2(
    registry_factory: Callable[[str], registries.Registry],
) -> None:
    registry = registry_factory("plain")
    config = b"{}"
    weights = b"\x00" * 4096
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.cnai.model.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": "sha256:" + hashlib.sha256(config).hexdigest(),
            "size": len(config),
        },
        "layers": [
            {
                "mediaType": "application/vnd.cnai.model.weight.v1.raw",
                "digest": "sha256:" + hashlib.sha256(weights).hexdigest(),
                "size": len(weights),
                "annotations": {"org.opencontainers.image.title": "model.safetensors"},
            }
        ],
    }
    registries.push_blobs(registry, "models/bert", "v1", [config, weights], manifest)
    reference = f"registry://{registry.host}/models/bert:v1"
    with pytest.raises(NotAnImageError):
        open_image(reference)
    result = CliRunner().invoke(cli, ["inspect", reference])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert "is not a container image but a model (CNCF ModelPack)" in lines[0]
    assert "model.safetensors (4.1 kB, application/vnd.cnai.model.weight.v1.raw)" in lines[0]
